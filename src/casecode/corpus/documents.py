"""Documents in a project: list them, find one by id or name, a turn by number, and the codings
on a document (the lookups every later stage uses).

>>> import casecode
>>> casecode.list_documents("study")[0]["turns"]
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from casecode.errors import CasecodeError
from casecode.project import Project, using_project


def unit_word(kind: str, unit_kinds: set[str] | frozenset[str] = frozenset()) -> str:
    """What a document's numbered units are called, for tables and reports: ``turns`` in an
    interview, ``articles`` in a document made of articles (第X条), else ``paragraphs``."""
    if kind == "interview":
        return "turns"
    return "articles" if "article" in unit_kinds else "paragraphs"


def _document_summary(store, row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "case": row["case_name"],
        "language": row["language"],
        "script": row["script"],  # zh-Hans or zh-Hant for Chinese
        "kind": row["kind"],  # interview, document or notes
        # what its numbered units (``turns`` above) are: turns, articles or paragraphs
        "unit": unit_word(row["kind"], set((row["unit_kinds"] or "").split(","))),
        "file_sha256": row["file_sha256"],  # the imported file's (its text may be cleaned)
        "encoding": row["encoding"],
        "format": row["format"],
        "turns": row["turns"],
        "characters": row["characters"],
        "speakers": row["speakers"].split("\x1f") if row["speakers"] else [],
        "attributes": store.attributes(row["id"]),
        "metadata": json.loads(row["metadata"]),
        "path": row["path"],
        "sha256": row["sha256"],
        "imported_at": row["imported_at"],
        "updated_at": row["updated_at"],
    }


def list_documents(project: str | Path | Project | None = None) -> list[dict[str, Any]]:
    """``casecode docs``: every document with its case, language, encoding, turn count, speakers and
    attributes."""
    with using_project(project) as proj:
        return [_document_summary(proj.store, r) for r in proj.store.list_documents()]


def resolve_document(store, ref: str | int):
    """A document by id, name, or name without its extension."""
    ref = str(ref).strip()
    row = None
    if ref.isdigit():
        row = store.document_by_id(int(ref))
    if row is None:
        row = store.document_by_name(ref)
    if row is None:
        matches = store.documents_by_stem(ref)
        if len(matches) > 1:
            names = ", ".join(m["name"] for m in matches)
            raise CasecodeError(
                f"'{ref}' names several documents: {names}", hint="give the full name"
            )
        row = matches[0] if matches else None
    if row is None:
        folded = [
            r
            for r in store.document_names()
            if ref.casefold() in (r["name"].casefold(), r["name"].rsplit(".", 1)[0].casefold())
        ]
        row = store.document_by_id(folded[0]["id"]) if len(folded) == 1 else None
    if row is None:
        raise CasecodeError(f"no document '{ref}'", hint="`casecode docs` lists them")
    return row


def resolve_documents(store, refs) -> list:
    """The documents named by ``refs`` (each once, in the order given), or all of them."""
    if not refs:
        return store.all_documents()
    rows = [resolve_document(store, r) for r in refs]
    return list({r["id"]: r for r in rows}.values())


def resolve_turn(store, doc: str | int, turn: int, *, structure: bool = False):
    """A document and one of its turns (a ``Segment``), or a clear error. With ``structure``,
    turn 0 and below name the document's preamble and headings (``show --json`` numbers them
    below 1; 0 is the first of them)."""
    row = resolve_document(store, doc)
    if turn <= 0 and not structure:
        raise CasecodeError(
            f"{row['name']} has no turn {turn}: turns count from 1",
            hint="0 and below are the document's preamble and headings, which are not coded",
        )
    segments = store.segments(row["id"], structure=turn <= 0)
    seg = next((s for s in segments if s.n == turn), None)
    if seg is None and turn == 0:
        seg = next((s for s in segments if s.n < 0), None)
    if seg is None:
        segments = [s for s in segments if s.n > 0]
        raise CasecodeError(
            f"{row['name']} has no turn {turn}",
            hint=f"its turns are 1-{len(segments)}" if len(segments) > 1 else "it has one turn",
        )
    return row, seg


def get_document(project: str | Path | Project | None, ref: str | int) -> dict[str, Any]:
    """One document: its text and its turns ``{n, speaker, start, end, text, ...}``."""
    with using_project(project) as proj:
        store = proj.store
        row = resolve_document(store, ref)
        summary = _document_summary(store, store.list_documents(row["id"])[0])
        text = row["text"]
        segments = store.segments(row["id"], structure=True)
        turns = [
            {
                "n": s.n,
                "speaker": s.speaker,
                "start": s.start,
                "end": s.end,
                "label_start": s.label_start,
                "timestamp": s.timestamp,
                "kind": s.kind,
                "role": s.role,
                "text": text[s.start : s.end],
            }
            for s in segments
        ]

        codings = codings_of(store, row, [s for s in segments if s.n > 0])
        memos = [
            {"id": m["id"], "text": m["text"], "author": m["author"], "created_at": m["created_at"]}
            for m in store.memos("document", row["name"])
        ]
        return {**summary, "text": text, "turns": turns, "codings": codings, "memos": memos}


def codings_of(store, row, segments) -> list[dict[str, Any]]:
    """A document's codings in the shape ``show --json`` prints."""
    from bisect import bisect_right

    starts = [s.label_start for s in segments]
    memos = store.coding_memos(row["id"])
    out = []
    for c in store.codings_detail(row["id"]):
        i = bisect_right(starts, c["start"]) - 1
        origin = c["origin"]
        kind = (
            "rule" if origin.startswith("rule:") else "import" if origin == "imported" else "manual"
        )
        out.append(
            {
                "id": c["id"],
                "code": c["code_id"],
                "turn": segments[i].n if i >= 0 and segments else None,
                "start": c["start"],
                "end": c["end"],
                "coder": c["coder"],
                "origin": kind,
                "status": c["status"],
                "rule": origin[5:] if kind == "rule" else None,
                "evidence": json.loads(c["evidence"]) if c["evidence"] else [],
                "confidence": c["confidence"],
                "memo": c["memo"],  # every memo on it, one a line
                "memos": [
                    {"id": m["id"], "text": m["text"], "author": m["author"], "at": m["created_at"]}
                    for m in memos.get(c["id"], [])
                ],
            }
        )
    return out
