"""Reviewing suggestions: ``review_queue`` (``casecode review``) lists them, ``decide`` accepts or
rejects one (or changes its code), logged like every other decision."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from casecode.codebook.refs import resolve_code, select_codes
from casecode.codebook.use import project_codebook
from casecode.corpus.documents import codings_of, resolve_documents
from casecode.errors import CasecodeError
from casecode.project import Project, using_project
from casecode.review.coders import coder_name
from casecode.store.db import utcnow


def review_queue(
    project: str | Path | Project | None = None,
    *,
    codes: str | Iterable[str] | None = None,
    docs: str | int | Iterable[str | int] | None = None,
    of: str = "auto",
    decided: bool = False,
) -> list[dict[str, Any]]:
    """``casecode review``: open suggestions to review, in reading order: document, position, code
    (with ``decided``, the accepted and rejected ones instead, to change a decision); only those of
    ``codes`` (each with its subtree) and in ``docs`` when given."""

    with using_project(project) as proj:
        store = proj.store
        book = project_codebook(proj)
        wanted_codes = select_codes(book, [codes] if isinstance(codes, str) else codes)
        rows = resolve_documents(store, [docs] if isinstance(docs, str | int) else docs)
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
