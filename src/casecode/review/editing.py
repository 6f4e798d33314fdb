"""Editing a project: remove a document (``casecode rm``, kept whole in the history so it can be
restored), rename one (``casecode rename``), and rename or merge codes across every coding
(``casecode codebook rename-code`` / ``merge-code``), each change logged in the coding history.

Each is one batch that ``casecode undo`` reverts (``UNDO`` in ``review/undo.py``): a removed
document is restored from its record, a renamed one gets its old name back, and codings and code
memos moved to another code go back to the one they had.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from casecode.corpus.documents import resolve_document
from casecode.errors import CasecodeError
from casecode.project import Project, using_project
from casecode.review.coders import default_coder


def remove_document(
    project: str | Path | Project | None, doc: str | int, *, actor: str | None = None
) -> dict[str, Any]:
    """``casecode rm``: remove a document with its turns, attributes, codings, memos and their
    history; all of it is kept as one record, which ``restore_document`` puts back."""
    with using_project(project) as proj:
        store = proj.store
        row = resolve_document(store, doc)
        codings = len(store.codings_for_document(row["id"]))
        with store.transaction():
            record = store.remove_document(row["id"], actor or default_coder())
            store.begin_batch(
                "rm", actor or default_coder(), f"rm {row['name']}", payload={"record": record}
            )
        return {"document": row["name"], "id": row["id"], "codings": codings, "record": record}


def restore_document(
    project: str | Path | Project | None, record: int, *, actor: str | None = None
) -> dict[str, Any]:
    """Put back a document ``casecode rm`` removed (by the record id ``rm`` printed), with its
    codings, memos and history, under its name and ids."""
    with using_project(project) as proj:
        store = proj.store
        with store.transaction():
            return restore_in(store, int(record), actor or default_coder())


def restore_in(store, record: int, actor: str) -> dict[str, Any]:
    """``restore_document`` inside a transaction the caller holds (``undo`` of ``rm``)."""
    row = store.removed_document(int(record))
    if row is None:
        raise CasecodeError(f"no removed-document record {record}")
    if row["restored_at"]:
        raise CasecodeError(f"record {record} ('{row['name']}') was restored already")
    data = json.loads(row["record"])
    name = data["document"]["name"]
    if store.document_by_name(name) is not None:
        raise CasecodeError(
            f"a document named '{name}' exists again", hint="rename it first, then restore"
        )
    doc_id = data["document"]["id"]
    if store.document_by_id(doc_id) is not None:  # its id went to a later import
        doc_id = max(r["id"] for r in store.document_names()) + 1
        data["document"]["id"] = doc_id
        for key in ("segments", "attributes", "codings", "events"):
            for item in data[key]:
                item["document_id"] = doc_id
    store.restore_record(int(record), data, actor)
    return {"document": name, "id": doc_id, "codings": len(data["codings"])}


def rename_document(
    project: str | Path | Project | None, doc: str | int, name: str, *, actor: str | None = None
) -> dict[str, Any]:
    """``casecode rename``: give a document a new name (its codings, memos and history stay; the
    rename is logged in the coding history, action ``rename``)."""
    name = name.strip()
    if not name:
        raise CasecodeError("a document needs a name")
    with using_project(project) as proj:
        store = proj.store
        row = resolve_document(store, doc)
        other = store.document_by_name(name)
        if other is not None and other["id"] != row["id"]:
            raise CasecodeError(f"a document named '{name}' exists already")
        with store.transaction():
            store.rename_document(row["id"], row["name"], name, actor or default_coder())
            store.begin_batch(
                "rename",
                actor or default_coder(),
                f"rename {row['name']} -> {name}",
                payload={"document": row["id"], "old": row["name"], "new": name},
            )
        return {"id": row["id"], "old": row["name"], "new": name}


def _move_codings(proj: Project, old: str, new: str, action: str, actor: str) -> dict[str, Any]:
    store = proj.store
    rows = store.codings_of_code(old)
    if not rows and not store.memos("code", old):
        raise CasecodeError(f"no coding or memo has the code '{old}'")
    memo_ids = [m["id"] for m in store.memos("code", old)]
    with store.transaction():
        store.begin_batch(
            action, actor, f"{action}: {old} -> {new}", payload={"old": old, "memos": memo_ids}
        )
        for c in rows:
            store.log_event(c, "recode", actor, f"{action}: {old} -> {new}")
            store.recode(c["id"], new)
        memos = store.rename_code_memos(old, new)
    return {"old": old, "new": new, "codings": len(rows), "memos": memos}


def rename_code(
    project: str | Path | Project | None, old: str, new: str, *, actor: str | None = None
) -> dict[str, Any]:
    """``casecode codebook rename-code``: every coding and memo of code ``old`` moves to ``new``
    (which no coding may have yet: to join two codes, use ``merge_code``); each move is logged
    in the coding history."""
    new, old = new.strip(), old.strip()
    if not new or new == old:
        raise CasecodeError("give a new code id, different from the old one")
    with using_project(project) as proj:
        if proj.store.codings_of_code(new):
            raise CasecodeError(
                f"codings of '{new}' exist already", hint="use `casecode codebook merge-code`"
            )
        return _move_codings(proj, old, new, "rename-code", actor or default_coder())


def merge_code(
    project: str | Path | Project | None, a: str, b: str, *, actor: str | None = None
) -> dict[str, Any]:
    """``casecode codebook merge-code``: every coding and memo of ``a`` becomes ``b``'s;
    each move is logged in the coding history."""
    a, b = a.strip(), b.strip()
    if a == b:
        raise CasecodeError("merge a code into another one")
    with using_project(project) as proj:
        return _move_codings(proj, a, b, "merge-code", actor or default_coder())
