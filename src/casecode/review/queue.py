"""Reviewing suggestions: ``review_queue`` (``casecode review``) lists them, ``decide`` accepts or
rejects one (or changes its code), logged like every other decision."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from casecode.codebook.refs import resolve_code, select_codes
from casecode.codebook.use import project_codebook
from casecode.coding.calibration import recalibrate, records
from casecode.corpus.documents import codings_of, resolve_documents
from casecode.errors import CasecodeError
from casecode.project import Project, using_project
from casecode.review.coders import coder_name
from casecode.store.db import utcnow

ORDERS = ("document", "confidence", "informative")


def review_queue(
    project: str | Path | Project | None = None,
    *,
    codes: str | Iterable[str] | None = None,
    docs: str | int | Iterable[str | int] | None = None,
    of: str = "auto",
    decided: bool = False,
    rules: str | Iterable[str] | None = None,
    min_confidence: float | None = None,
    max_confidence: float | None = None,
    order: str = "document",
) -> list[dict[str, Any]]:
    """``casecode review``: open suggestions to review (with ``decided``, the accepted and
    rejected ones instead, to change a decision); only those of ``codes`` (each with its
    subtree), in ``docs``, made by ``rules``, with a confidence between ``min_confidence`` and
    ``max_confidence``, when given. ``order``: ``document`` (reading order: document, position,
    code), ``confidence`` (lowest first) or ``informative`` (those of the rules whose precision
    is least known first: the widest Wilson interval, fewest decisions)."""

    if order not in ORDERS:
        raise CasecodeError(f"order '{order}' is not one of {', '.join(ORDERS)}")
    low, high = _bounds(min_confidence, max_confidence)
    wanted_rules = _rules(rules)
    with using_project(project) as proj:
        store = proj.store
        book = project_codebook(proj)
        wanted_codes = select_codes(book, [codes] if isinstance(codes, str) else codes)
        rows = resolve_documents(store, [docs] if isinstance(docs, str | int) else docs)
        if wanted_rules:
            unknown = sorted(wanted_rules - store.rule_ids())
            if unknown:
                raise CasecodeError(
                    f"no suggestions of a rule '{unknown[0]}'", hint="`casecode rules` lists them"
                )
        queue = []
        for row in rows:
            segments = store.segments(row["id"])
            by_turn = {s.n: s for s in segments}
            for c in codings_of(store, row, segments):
                wanted = c["status"] != "suggested" if decided else c["status"] == "suggested"
                # a suggestion of casecode's that came back from a .qdpx (qdpx import) is
                # stored as imported and open: it is reviewed like any other
                open_import = c["origin"] == "import" and c["status"] == "suggested"
                if c["coder"] != of or not (c["origin"] == "rule" or open_import) or not wanted:
                    continue
                if wanted_codes is not None and c["code"] not in wanted_codes:
                    continue
                if wanted_rules is not None and c["rule"] not in wanted_rules:
                    continue
                if not _within(c["confidence"], low, high):
                    continue
                seg = by_turn.get(c["turn"])
                entry = book.get(c["code"])
                queue.append(
                    {
                        **c,
                        "document": row["name"],
                        "document_id": row["id"],
                        "speaker": seg.speaker if seg else None,
                        "turn_start": seg.start if seg else c["start"],
                        "turn_text": row["text"][seg.start : seg.end] if seg else "",
                        "label": entry.text("label", row["language"]) if entry else c["code"],
                        "definition": entry.text("definition", row["language"]) if entry else "",
                    }
                )
        if order == "confidence":
            queue.sort(key=lambda q: q["confidence"] if q["confidence"] is not None else 1.0)
        elif order == "informative":
            known_records = records(store.rule_codings({q["rule"] for q in queue if q["rule"]}))

            def uncertainty(q: dict[str, Any]) -> tuple:
                r = known_records.get(q["rule"] or "")
                if r is None or not r["decided"]:
                    return (-1.0, 0)
                return (-(r["high"] - r["low"]), r["decided"])

            queue.sort(key=uncertainty)  # stable: reading order within a rule
        return queue


def _bounds(low: float | None, high: float | None) -> tuple[float | None, float | None]:
    for name, value in (("min_confidence", low), ("max_confidence", high)):
        if value is not None and not 0.0 <= value <= 1.0:
            raise CasecodeError(f"{name} {value} is not between 0 and 1")
    if low is not None and high is not None and low > high:
        raise CasecodeError(f"min_confidence {low} is above max_confidence {high}")
    return low, high


def _within(value: float | None, low: float | None, high: float | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def _rules(rules: str | Iterable[str] | None) -> set[str] | None:
    if rules is None:
        return None
    listed = [rules] if isinstance(rules, str) else list(rules)
    names = {r.strip() for item in listed for r in item.split(",") if r.strip()}
    return names or None


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

    reviewer = coder_name(reviewer)
    if action not in ("accept", "reject", "recode", "memo"):
        raise CasecodeError(f"unknown review action '{action}'")
    with using_project(project) as proj:
        store = proj.store
        if action == "recode" and not (code or "").strip():
            raise CasecodeError("name the code to change to")
        target = (
            resolve_code(project_codebook(proj), code, to_apply=True).id
            if action == "recode"
            else None
        )
        with store.transaction():
            coding = store.coding_by_id(coding_id)
            if coding is None:
                raise CasecodeError(f"no coding {coding_id}")
            batch = store.begin_batch(
                "memo" if action == "memo" else "review",
                reviewer,
                f"{'memo on' if action == 'memo' else action} coding {coding_id} "
                f"({coding['code_id']})",
            )
            reviewable = coding["origin"].startswith("rule:") or (
                coding["origin"] == "imported"
                and (coding["status"] == "suggested" or coding["reviewed_by"] is not None)
            )
            if action != "memo" and not reviewable:
                raise CasecodeError(
                    f"coding {coding_id} is not an automatic suggestion "
                    f"({coding['origin']}, by {coding['coder']}); only suggestions are reviewed"
                )
            now = utcnow()
            if action == "memo":
                if not (memo or "").strip():
                    raise CasecodeError("the memo is empty")
                memo_id = store.add_coding_memo(coding_id, memo.strip(), reviewer)
                store.log_event(coding, "memo", reviewer, memo.strip(), memo_id=memo_id)
                return {"id": coding_id, "action": action, "batch": batch}
            status = "accepted" if action == "accept" else "rejected"
            store.set_review(coding_id, status, reviewer, now)
            detail = f"to {target}" if target else None
            store.log_event(coding, action, reviewer, detail)
            result: dict[str, Any] = {
                "id": coding_id,
                "action": action,
                "status": status,
                "batch": batch,
                "code": target or coding["code_id"],
            }
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
            if coding["origin"].startswith("rule:"):
                recalibrate(store, {coding["origin"][5:]})
        return result


def bulk_decide(
    project: str | Path | Project | None,
    action: str,
    *,
    codes: str | Iterable[str] | None = None,
    rules: str | Iterable[str] | None = None,
    docs: str | int | Iterable[str | int] | None = None,
    min_confidence: float | None = None,
    max_confidence: float | None = None,
    of: str = "auto",
    reviewer: str | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """``casecode decide``: accept or reject every open suggestion of ``of`` that the filters
    select (``codes``, ``rules``, ``docs``, a confidence between ``min_confidence`` and
    ``max_confidence``) as one decision batch, which ``undo`` reverts as one; ``dry_run`` lists
    them and changes nothing."""

    reviewer = coder_name(reviewer)
    if action not in ("accept", "reject"):
        raise CasecodeError(f"unknown decision '{action}': accept or reject")
    with using_project(project) as proj:
        store = proj.store
        chosen = review_queue(
            proj,
            codes=codes,
            docs=docs,
            of=of,
            rules=rules,
            min_confidence=min_confidence,
            max_confidence=max_confidence,
        )
        status = "accepted" if action == "accept" else "rejected"
        batch = None
        with store.transaction(rollback=dry_run):
            if chosen:
                batch = store.begin_batch(
                    "decide", reviewer, f"{action} {len(chosen)} suggestion(s) of {of}"
                )
            now = utcnow()
            for item in chosen:
                coding = store.coding_by_id(item["id"])
                store.set_review(item["id"], status, reviewer, now)
                store.log_event(coding, action, reviewer, "bulk")
            recalibrate(store, {q["rule"] for q in chosen if q["rule"]})
        by_code: dict[str, int] = {}
        for q in chosen:
            by_code[q["code"]] = by_code.get(q["code"], 0) + 1
        return {
            "action": action,
            "status": status,
            "reviewer": reviewer,
            "of": of,
            "dry_run": dry_run,
            "batch": None if dry_run else batch,
            "count": len(chosen),
            "by_code": dict(sorted(by_code.items())),
            "codings": [
                {
                    "id": q["id"],
                    "document": q["document"],
                    "turn": q["turn"],
                    "code": q["code"],
                    "rule": q["rule"],
                    "confidence": q["confidence"],
                    "text": q["turn_text"][
                        q["start"] - q["turn_start"] : q["end"] - q["turn_start"]
                    ],
                }
                for q in chosen
            ],
        }
