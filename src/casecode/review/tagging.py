"""People's coding: ``tag``, ``untag`` and ``history``.

A manual coding is a decision: it is stored with status ``accepted``, origin ``manual`` and the
coder's name, and every tag, untag and review decision is logged in ``coding_events`` so that
``history`` can show who decided what, and when. No automatic step deletes a manual coding.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from casecode.codebook.refs import code_refs, resolve_code
from casecode.codebook.use import project_codebook
from casecode.corpus.documents import codings_of, resolve_turn
from casecode.errors import CasecodeError
from casecode.project import Project, using_project
from casecode.review.coders import coder_name


def _span(turn_text: str, span: str | None, quote: str | None) -> tuple[int, int]:
    """Offsets inside a turn's text from ``--span START-END`` or ``--quote``."""
    if span and quote:
        raise CasecodeError("give --span or --quote, not both")
    if quote is not None and not quote.strip():
        raise CasecodeError("--quote is empty")
    if span:
        m = re.fullmatch(r"\s*(\d+)\s*[-:,]\s*(\d+)\s*", span)
        if not m:
            raise CasecodeError(f"--span '{span}' should look like 5-12")
        start, end = int(m.group(1)), int(m.group(2))
        if end <= start:
            raise CasecodeError(f"--span {start}-{end}: the end must come after the start")
        if end > len(turn_text):
            raise CasecodeError(
                f"--span {start}-{end} is outside the turn (its text has {len(turn_text)} "
                "characters, counted from 0)"
            )
        return start, end
    if quote:
        found = [m.start() for m in re.finditer(re.escape(quote), turn_text)]
        if not found:
            hint = None
            if re.search(re.escape(quote), turn_text, re.IGNORECASE):
                hint = "the quote must match exactly, upper and lower case too"
            raise CasecodeError(f"the turn does not contain '{quote}'", hint=hint)
        if len(found) > 1:
            raise CasecodeError(
                f"'{quote}' occurs {len(found)} times in the turn",
                hint="quote more words, or use --span",
            )
        return found[0], found[0] + len(quote)
    return 0, len(turn_text)


def _turn(store, doc: str | int, turn: int):

    return resolve_turn(store, doc, turn)


def tag(
    project: str | Path | Project | None,
    doc: str | int,
    turn: int,
    codes: str | list[str],
    *,
    span: str | None = None,
    quote: str | None = None,
    coder: str | None = None,
    memo: str | None = None,
) -> list[dict[str, Any]]:
    """``casecode tag``: code a whole turn, a span of it or a quoted phrase by hand; returns the
    codings."""
    coder = coder_name(coder)
    if not codes:
        raise CasecodeError("name at least one code")
    with using_project(project) as proj:
        store = proj.store
        book = project_codebook(proj)
        chosen = []
        for ref in code_refs(codes):  # a code named twice (by id and by label, say) is one
            code = resolve_code(book, ref, to_apply=True)
            if all(code.id != c.id for c in chosen):
                chosen.append(code)
        if not chosen:
            raise CasecodeError("name at least one code")
        if "rules" in store.coder_made(coder):
            raise CasecodeError(
                f"'{coder}' is a coder of rules (its codings are automatic suggestions)",
                hint="code by hand as yourself: --coder NAME or $CASECODE_CODER",
            )
        row, seg = _turn(store, doc, turn)
        text = row["text"][seg.start : seg.end]
        a, b = _span(text, span, quote)
        start, end = seg.start + a, seg.start + b
        made = []
        with store.transaction():
            store.begin_batch("tag", coder, f"tag {row['name']} turn {turn}")
            existing = {
                (c["start"], c["end"], c["code_id"]): c
                for c in store.codings_in(row["id"], start, end)
                if c["origin"] == "manual" and c["coder"] == coder
            }
            for code in chosen:
                there = existing.get((start, end, code.id))
                if there is not None:
                    if memo is not None and memo.strip():  # the memo is added, not dropped
                        memo_id = store.add_coding_memo(there["id"], memo.strip(), coder)
                        store.log_event(there, "memo", coder, memo.strip(), memo_id=memo_id)
                    made.append(
                        {
                            "id": there["id"],
                            "code": code.id,
                            "start": start,
                            "end": end,
                            "new": False,
                        }
                    )
                    continue
                cid = store.insert_coding(
                    row["id"],
                    start,
                    end,
                    code.id,
                    coder=coder,
                    origin="manual",
                    status="accepted",
                    memo=memo,
                )
                store.log_event(store.coding_by_id(cid), "tag", coder, memo)
                existing[(start, end, code.id)] = store.coding_by_id(cid)
                made.append({"id": cid, "code": code.id, "start": start, "end": end, "new": True})
        for m in made:
            m.update(
                document=row["name"],
                turn=turn,
                coder=coder,
                text=row["text"][m["start"] : m["end"]],
            )
        return made


def untag(
    project: str | Path | Project | None,
    doc: str | int,
    turn: int,
    code: str,
    *,
    coder: str | None = None,
    span: str | None = None,
    quote: str | None = None,
) -> list[dict[str, Any]]:
    """``casecode untag``: remove a coder's manual codings of ``code`` on a turn (never automatic
    ones); with ``span`` or ``quote``, only the one on that passage."""
    coder = coder_name(coder)
    with using_project(project) as proj:
        store = proj.store
        book = project_codebook(proj)
        row, seg = _turn(store, doc, turn)
        ref = book.get(code.strip())
        if ref is not None:
            code_id = ref.id
        elif code.strip() in {  # a code that has left the codebook: its exact id still works
            c["code_id"]
            for c in store.codings_in(row["id"], seg.label_start, seg.end)
            if c["origin"] == "manual" and c["coder"] == coder
        }:
            code_id = code.strip()
        else:
            code_id = resolve_code(book, code).id
        exact = None
        if span or quote:
            a, b = _span(row["text"][seg.start : seg.end], span, quote)
            exact = (seg.start + a, seg.start + b)
        with store.transaction():
            store.begin_batch("untag", coder, f"untag {code_id} on {row['name']} turn {turn}")
            gone = [
                c
                for c in store.codings_in(row["id"], seg.label_start, seg.end)
                if c["code_id"] == code_id
                and c["origin"] == "manual"
                and c["coder"] == coder
                and (exact is None or (c["start"], c["end"]) == exact)
            ]
            if not gone:
                raise CasecodeError(
                    f"{coder} has no manual coding of {code_id} on turn {turn} of {row['name']}",
                    hint="automatic suggestions are rejected in `casecode review`, not untagged",
                )
            for c in gone:
                store.log_event(c, "untag", coder)
                store.delete_coding(c["id"])
        return [
            {"id": c["id"], "code": c["code_id"], "start": c["start"], "end": c["end"]}
            for c in gone
        ]


def history(project: str | Path | Project | None, doc: str | int, turn: int) -> dict[str, Any]:
    """``casecode history``: every coding decision on a turn, oldest first, and the codings it has
    now."""

    with using_project(project) as proj:
        store = proj.store
        row, seg = _turn(store, doc, turn)
        events = [
            {
                "at": e["at"],
                "action": e["action"],
                "actor": e["actor"],
                "code": e["code_id"],
                "start": e["start"],
                "end": e["end"],
                "coding": e["coding_id"],
                "detail": e["detail"],
                "batch": e["batch_id"],  # what `casecode undo` reverts as one
            }
            for e in store.events_in(row["id"], seg.label_start, seg.end)
        ]
        segments = store.segments(row["id"])
        current = [c for c in codings_of(store, row, segments) if c["turn"] == turn]
        created = [
            {
                "at": c["created_at"],
                "action": "suggest",
                "actor": c["coder"],
                "code": c["code_id"],
                "start": c["start"],
                "end": c["end"],
                "coding": c["id"],
                "detail": c["origin"],
                "batch": None,
            }
            for c in store.codings_in(row["id"], seg.label_start, seg.end)
            if c["origin"] != "manual"
        ]
    # within one second a suggestion comes before the decisions about it
    timeline = sorted(
        events + created, key=lambda e: (e["at"], e["action"] != "suggest", e["coding"] or 0)
    )
    return {"document": row["name"], "turn": turn, "events": timeline, "codings": current}


# -- review -------------------------------------------------------------------------------------
