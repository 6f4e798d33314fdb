"""Memos on codes, documents and codings: ``add_memo`` and ``list_memos`` (``casecode memo``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from casecode.codebook.refs import resolve_code, select_codes
from casecode.codebook.use import project_codebook
from casecode.corpus.documents import resolve_document
from casecode.errors import CasecodeError
from casecode.project import Project, using_project
from casecode.review.coders import coder_name


def add_memo(
    project: str | Path | Project | None,
    text: str,
    *,
    code: str | Iterable[str] | None = None,
    doc: str | int | Iterable[str | int] | None = None,
    coding: int | None = None,
    author: str | None = None,
) -> dict[str, Any]:
    """``casecode memo add``: A memo on a code, a document or a coding (``code`` and ``doc`` may be
    a list of one, as the command line's lists of codes and documents give them)."""

    author = coder_name(author)
    code, doc = _one(code), _one(doc)
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
                store.begin_batch("memo", author, f"memo on coding {found['id']}")
                memo_id = store.add_coding_memo(found["id"], text.strip(), author)
                store.log_event(found, "memo", author, text.strip(), memo_id=memo_id)
            else:
                memo_id = store.add_memo(kind, target, text.strip(), author)
    return {"id": memo_id, "kind": kind, "target": target, "text": text.strip(), "author": author}


def _one(refs: str | int | Iterable[str | int] | None) -> str | int | None:
    """The one code or document a memo is on, given alone or as a list of one."""
    if refs is None or isinstance(refs, str | int):
        return refs
    refs = list(refs)
    if len(refs) > 1:
        raise CasecodeError(
            f"a memo is about one thing, not {len(refs)}", hint="write one memo for each"
        )
    return refs[0] if refs else None


def list_memos(
    project: str | Path | Project | None = None,
    *,
    codes: str | Iterable[str] | None = None,
    docs: str | int | Iterable[str | int] | None = None,
) -> list[dict[str, Any]]:
    """``casecode memo list``: memos, oldest first: all, or those on any of ``codes`` (each with
    the codes below it) and ``docs`` (with the memos on their codings)."""

    with using_project(project) as proj:
        store = proj.store
        codes = [codes] if isinstance(codes, str) else list(codes or [])
        docs = [docs] if isinstance(docs, str | int) else list(docs or [])
        if codes or docs:
            book = project_codebook(proj) if codes else None
            # a code stands for its subtree, as in every other filter
            targets = [("code", c) for c in sorted(select_codes(book, codes) or ())]
            for d in docs:  # a document's memos, and those on its codings
                row = resolve_document(store, d)
                targets.append(("document", row["name"]))
                targets += [("coding", str(c["id"])) for c in store.codings_for_document(row["id"])]
            found = {r["id"]: r for kind, target in targets for r in store.memos(kind, target)}
            rows = sorted(found.values(), key=lambda r: (r["created_at"], r["id"]))
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
