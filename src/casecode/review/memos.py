"""Memos on codes, documents and codings: ``add_memo`` and ``list_memos`` (``casecode memo``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from casecode.codebook.refs import resolve_code
from casecode.codebook.use import project_codebook
from casecode.corpus.documents import resolve_document
from casecode.errors import CasecodeError
from casecode.project import Project, using_project
from casecode.review.coders import coder_name


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

    author = coder_name(author)
    if sum(x is not None for x in (code, doc, coding)) != 1:
        raise CasecodeError("a memo is about one thing: give --code, --doc or --coding")
    if not text.strip():
        raise CasecodeError("the memo is empty")
    with using_project(project) as proj:
        store = proj.store
        if code is not None:
            kind, target = "code", resolve_code(project_codebook(proj), code).id
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

    with using_project(project) as proj:
        store = proj.store
        if code is not None:
            rows = store.memos("code", resolve_code(project_codebook(proj), code).id)
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
