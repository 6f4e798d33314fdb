"""Library operations for people's coding: ``tag``, ``untag``, ``coders``, ``history``, memos.

A manual coding is a decision: it is stored with status ``accepted``, origin ``manual`` and the
coder's name, and every tag, untag and review decision is logged in ``coding_events`` so that
``history`` can show who decided what, and when. No automatic step deletes a manual coding.
"""

from __future__ import annotations

import getpass
import os
import re
from pathlib import Path
from typing import Any

from .codebook.model import Code, Codebook
from .errors import CasecodeError
from .project import Project, using_project

CODER_ENV = "CASECODE_CODER"


def _coder(name: str | None) -> str:
    if name is None:
        return default_coder()
    if not name.strip():
        raise CasecodeError("the coder needs a name")
    return name.strip()


def default_coder() -> str:
    """``$CASECODE_CODER``, else the login name."""
    name = os.environ.get(CODER_ENV, "").strip()
    if name:
        return name
    try:
        return getpass.getuser() or "me"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "me"


def resolve_code(book: Codebook, ref: str, *, to_apply: bool = False) -> Code:
    """A code by exact id, unique id prefix, or label in any language (case-insensitive).

    ``to_apply``: the code is about to be applied by a person, so a category (``codable:
    false``) is refused with its children named.
    """
    code = _find_code(book, ref, to_apply=to_apply)
    if to_apply and not code.codable:
        children = [c.id for c in code.walk() if c.codable and c is not code]
        shown = ", ".join(children[:4]) + (", ..." if len(children) > 4 else "")
        raise CasecodeError(
            f"{code.id} is a category, not applied itself", hint=f"code one of: {shown}"
        )
    return code


def _find_code(book: Codebook, ref: str, *, to_apply: bool = False) -> Code:
    """Exact id, then a label, a unique id prefix, the last part of an id (``funding`` for
    ``process.co_management.funding``) and words of a label; several matches are named."""
    ref = ref.strip()
    exact = book.get(ref)
    if exact is not None:
        return exact
    folded = ref.casefold()
    by_label = [c for c in book.walk() if folded in (v.casefold() for v in c.label.values())]
    if len(by_label) == 1:
        return by_label[0]
    by_prefix = [c for c in book.walk() if c.id.startswith(ref)]
    if len(by_prefix) == 1:
        return by_prefix[0]
    many = by_label or by_prefix
    if not many and folded:
        usable = [c for c in book.walk() if c.codable or not to_apply]
        by_part = [c for c in usable if c.id.rsplit(".", 1)[-1].casefold() == folded]
        in_label = [c for c in usable if any(folded in v.casefold() for v in c.label.values())]
        for found in (by_part, in_label):
            if len(found) == 1:
                return found[0]
        many = by_part or in_label
    if many:
        names = ", ".join(c.id for c in many[:5]) + (", ..." if len(many) > 5 else "")
        raise CasecodeError(f"'{ref}' could be any of {names}", hint="give the full code id")
    raise CasecodeError(f"no code '{ref}' in the codebook", hint=closest_hint(book, ref))


def closest_hint(book: Codebook, ref: str) -> str:
    """The hint of every "no code 'X'" message: up to three closest applicable ids."""
    close = book.closest(ref)
    return f"closest: {', '.join(close)}" if close else "`casecode codebook show` lists the codes"


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
    from .operations import resolve_turn

    return resolve_turn(store, doc, turn)


def _project_book(proj: Project) -> Codebook:
    from .codebook_ops import project_codebook

    return project_codebook(proj)


def tag(
    project: str | Path | Project | None,
    doc: str | int,
    turn: int,
    codes: list[str],
    *,
    span: str | None = None,
    quote: str | None = None,
    coder: str | None = None,
    memo: str | None = None,
) -> list[dict[str, Any]]:
    """Code a whole turn, a span of it or a quoted phrase by hand; returns the codings."""
    coder = _coder(coder)
    if not codes:
        raise CasecodeError("name at least one code")
    with using_project(project) as proj:
        store = proj.store
        book = _project_book(proj)
        chosen = [resolve_code(book, c, to_apply=True) for c in codes]
        row, seg = _turn(store, doc, turn)
        text = row["text"][seg.start : seg.end]
        a, b = _span(text, span, quote)
        start, end = seg.start + a, seg.start + b
        made = []
        with store.transaction():
            existing = {
                (c["start"], c["end"], c["code_id"]): c
                for c in store.codings_in(row["id"], start, end)
                if c["origin"] == "manual" and c["coder"] == coder
            }
            for code in chosen:
                there = existing.get((start, end, code.id))
                if there is not None:
                    if memo is not None and memo.strip():  # the memo is added, not dropped
                        store.add_coding_memo(there["id"], memo.strip(), coder)
                        store.log_event(there, "memo", coder, memo.strip())
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
    """Remove a coder's manual codings of ``code`` on a turn (never automatic ones); with
    ``span`` or ``quote``, only the one on that passage."""
    coder = _coder(coder)
    with using_project(project) as proj:
        store = proj.store
        book = _project_book(proj)
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


def coders(project: str | Path | Project | None = None) -> list[dict[str, Any]]:
    """Every coder with their codings: manual, suggested, accepted, rejected, imported."""
    with using_project(project) as proj:
        return [dict(r) for r in proj.store.coder_counts()]


def history(project: str | Path | Project | None, doc: str | int, turn: int) -> dict[str, Any]:
    """Every coding decision on a turn, oldest first, and the codings it has now."""
    from .coding_ops import codings_of

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
            }
            for c in store.codings_in(row["id"], seg.label_start, seg.end)
            if c["origin"] != "manual"
        ]
    # within one second a suggestion comes before the decisions about it
    timeline = sorted(
        events + created, key=lambda e: (e["at"], e["action"] != "suggest", e["coding"] or 0)
    )
    return {"document": row["name"], "turn": turn, "events": timeline, "codings": current}


def add_memo(
    project: str | Path | Project | None,
    text: str,
    *,
    code: str | None = None,
    doc: str | int | None = None,
    coding: int | None = None,
    author: str | None = None,
) -> dict[str, Any]:
    """A memo on a code, a document or a coding."""
    from .operations import resolve_document

    author = _coder(author)
    if sum(x is not None for x in (code, doc, coding)) != 1:
        raise CasecodeError("a memo is about one thing: give --code, --doc or --coding")
    if not text.strip():
        raise CasecodeError("the memo is empty")
    with using_project(project) as proj:
        store = proj.store
        if code is not None:
            kind, target = "code", resolve_code(_project_book(proj), code).id
        elif doc is not None:
            kind, target = "document", resolve_document(store, doc)["name"]
        else:
            found = store.coding_by_id(int(coding))
            if found is None:
                raise CasecodeError(
                    f"no coding {coding}", hint="`casecode show DOC --json` lists ids"
                )
            kind, target = "coding", str(found["id"])
        with store.transaction():
            if kind == "coding":
                memo_id = store.add_coding_memo(found["id"], text.strip(), author)
                store.log_event(found, "memo", author, text.strip())
            else:
                memo_id = store.add_memo(kind, target, text.strip(), author)
    return {"id": memo_id, "kind": kind, "target": target, "text": text.strip(), "author": author}


def list_memos(
    project: str | Path | Project | None = None,
    *,
    code: str | None = None,
    doc: str | int | None = None,
) -> list[dict[str, Any]]:
    from .operations import resolve_document

    with using_project(project) as proj:
        store = proj.store
        if code is not None:
            rows = store.memos("code", resolve_code(_project_book(proj), code).id)
        elif doc is not None:
            rows = store.memos("document", resolve_document(store, doc)["name"])
        else:
            rows = store.memos()
        return [
            {
                "id": r["id"],
                "kind": r["target_kind"],
                "target": r["target"],
                "text": r["text"],
                "author": r["author"],
                "created_at": r["created_at"],
                # a memo outlives the coding it was on (untag, a sheet): it stays, marked
                "removed": r["target_kind"] == "coding"
                and store.coding_by_id(int(r["target"])) is None,
            }
            for r in rows
        ]


# -- review -------------------------------------------------------------------------------------


def review_queue(
    project: str | Path | Project | None = None,
    *,
    code: str | None = None,
    doc: str | int | None = None,
    of: str = "auto",
    decided: bool = False,
) -> list[dict[str, Any]]:
    """Open suggestions to review, in reading order: document, position, code (with
    ``decided``, the accepted and rejected ones instead, to change a decision)."""
    from .coding_ops import codings_of, select_codes
    from .operations import resolve_documents

    with using_project(project) as proj:
        store = proj.store
        book = _project_book(proj)
        codes = select_codes(book, [code]) if code else None
        rows = resolve_documents(store, [doc] if doc is not None else None)
        queue = []
        for row in rows:
            segments = store.segments(row["id"])
            by_turn = {s.n: s for s in segments}
            for c in codings_of(store, row, segments):
                wanted = c["status"] != "suggested" if decided else c["status"] == "suggested"
                if c["coder"] != of or c["origin"] != "rule" or not wanted:
                    continue
                if codes is not None and c["code"] not in codes:
                    continue
                seg = by_turn.get(c["turn"])
                entry = book.get(c["code"])
                queue.append(
                    {
                        **c,
                        "document": row["name"],
                        "speaker": seg.speaker if seg else None,
                        "turn_start": seg.start if seg else c["start"],
                        "turn_text": row["text"][seg.start : seg.end] if seg else "",
                        "label": entry.text("label", row["language"]) if entry else c["code"],
                        "definition": entry.text("definition", row["language"]) if entry else "",
                    }
                )
        return queue


def decide(
    project: str | Path | Project | None,
    coding_id: int,
    action: str,
    *,
    reviewer: str | None = None,
    code: str | None = None,
    memo: str | None = None,
) -> dict[str, Any]:
    """Record one review decision at once: ``accept``, ``reject``, ``recode`` (to ``code``; the
    suggestion is rejected and the reviewer codes the same span by hand) or ``memo``."""
    from .store import utcnow

    reviewer = _coder(reviewer)
    if action not in ("accept", "reject", "recode", "memo"):
        raise CasecodeError(f"unknown review action '{action}'")
    with using_project(project) as proj:
        store = proj.store
        if action == "recode" and not (code or "").strip():
            raise CasecodeError("name the code to change to")
        target = (
            resolve_code(_project_book(proj), code, to_apply=True).id
            if action == "recode"
            else None
        )
        with store.transaction():
            coding = store.coding_by_id(coding_id)
            if coding is None:
                raise CasecodeError(f"no coding {coding_id}")
            if action != "memo" and not coding["origin"].startswith("rule:"):
                raise CasecodeError(
                    f"coding {coding_id} is not an automatic suggestion "
                    f"({coding['origin']}, by {coding['coder']}); only suggestions are reviewed"
                )
            now = utcnow()
            if action == "memo":
                if not (memo or "").strip():
                    raise CasecodeError("the memo is empty")
                store.add_coding_memo(coding_id, memo.strip(), reviewer)
                store.log_event(coding, "memo", reviewer, memo.strip())
                return {"id": coding_id, "action": action}
            status = "accepted" if action == "accept" else "rejected"
            store.set_review(coding_id, status, reviewer, now)
            detail = f"to {target}" if target else None
            store.log_event(coding, action, reviewer, detail)
            result: dict[str, Any] = {"id": coding_id, "action": action, "status": status}
            already = [
                c["id"]
                for c in store.codings_in(coding["document_id"], coding["start"], coding["end"])
                if target
                and (c["start"], c["end"], c["code_id"]) == (coding["start"], coding["end"], target)
                and c["origin"] == "manual"
                and c["coder"] == reviewer
            ]
            if already:
                result["new"] = already[0]
            elif target:
                new = store.insert_coding(
                    coding["document_id"],
                    coding["start"],
                    coding["end"],
                    target,
                    coder=reviewer,
                    origin="manual",
                    status="accepted",
                    memo=f"recoded from {coding['code_id']}",
                )
                store.log_event(
                    store.coding_by_id(new), "tag", reviewer, f"from {coding['code_id']}"
                )
                result["new"] = new
        return result
