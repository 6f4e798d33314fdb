"""``undo`` (``casecode undo``): revert the last batch of decisions, as history recorded it.

Every command that changes people's codings opens a batch (``Store.begin_batch``) and logs each
change in ``coding_events`` with the coding as it was before. Undoing a batch walks its events
from the last to the first and reverts each by its action:

- ``tag`` (a coding made): the coding is removed again, with the memos written on it;
- ``memo`` (a memo written on a coding): that memo is removed;
- any other action (``accept``, ``reject``, ``recode``, ``untag``…): the coding is put back
  exactly as it was before, under its id (its memos, which stayed, belong to it again).

A new kind of batch needs nothing more when its changes are codings logged this way (say
``codebook merge-code`` moving codings to another code: one ``recode``-like event per coding,
logged before the change). A batch that changes something else (``rm DOC`` removing a
document, whose events go with it) keeps what it needs in the batch's ``payload``
(``Store.begin_batch(kind, actor, summary, payload=...)``, JSON) and registers a function in
``UNDO`` under its kind, here (this module may import the stages to its left): it gets the
store, the batch row (``payload`` as JSON text) and its events (latest first) and reverts them
inside the undo's transaction; the checks (later batches on the same codings, re-imported
documents) and the ``undo`` events are the same for every kind.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from casecode.coding.calibration import recalibrate
from casecode.errors import CasecodeError
from casecode.project import Project, using_project
from casecode.review.coders import coder_name
from casecode.review.editing import restore_in

# Batch kinds whose undo is more than putting codings back: kind → reverting function.
UNDO: dict[str, Callable[[Any, Any, list[Any]], None]] = {}


def _undo_rm(store, row, events) -> None:
    """``casecode rm``: the document comes back from the record it was kept in."""
    restore_in(store, json.loads(row["payload"])["record"], row["actor"])


def _undo_rename(store, row, events) -> None:
    """``casecode rename``: the document gets its old name back."""
    payload = json.loads(row["payload"])
    doc = store.document_by_id(payload["document"])
    if doc is None:
        raise CasecodeError(f"the document once named '{payload['old']}' is gone")
    other = store.document_by_name(payload["old"])
    if other is not None and other["id"] != doc["id"]:
        raise CasecodeError(f"a document named '{payload['old']}' exists again")
    store.rename_document(doc["id"], doc["name"], payload["old"], row["actor"])


def _undo_moved_codes(store, row, events) -> None:
    """``codebook rename-code`` / ``merge-code``: codings and code memos go back to the code
    they had."""
    for e in events:
        _revert(store, e, json.loads(e["before"]) if e["before"] else None)
    payload = json.loads(row["payload"])
    store.retarget_code_memos(payload["memos"], payload["old"])


UNDO.update(
    {"rm": _undo_rm, "rename": _undo_rename, "rename-code": _undo_moved_codes}
    | {"merge-code": _undo_moved_codes}
)


def undo(
    project: str | Path | Project | None = None,
    *,
    batch: int | None = None,
    actor: str | None = None,
    by: str | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """``casecode undo``: revert the last decision batch (``batch``: that one; ``actor``: the last
    of that person's); nothing else is touched. Refused when a later batch changed the same
    codings (undo that one first). ``by``: who undoes (default: you)."""

    by = coder_name(by)
    with using_project(project) as proj:
        store = proj.store
        with store.transaction(rollback=dry_run):
            row = store.batch(batch) if batch is not None else store.last_batch(actor)
            if row is None:
                what = f"batch {batch}" if batch is not None else "nothing to undo"
                raise CasecodeError(
                    f"no {what}" if batch is not None else what,
                    hint="`casecode history DOC TURN` shows the decisions on a turn",
                )
            if row["undone_at"] is not None:
                raise CasecodeError(f"batch {row['id']} was undone already ({row['undone_at']})")
            events = store.batch_events(row["id"])
            if not events and row["kind"] not in UNDO:
                raise CasecodeError(f"batch {row['id']} changed nothing")
            later = store.later_batches_on(row["id"], {e["coding_id"] for e in events})
            if later:
                raise CasecodeError(
                    f"batch {row['id']} ({row['kind']}) cannot be undone: batch {later[-1]} "
                    "changed the same codings since",
                    hint="undo the later batches first",
                )
            for doc_id in sorted({e["document_id"] for e in events}):
                doc = store.document_by_id(doc_id)
                if doc is not None and (doc["updated_at"] or "") > row["at"]:
                    raise CasecodeError(  # its offsets may no longer fit the text
                        f"batch {row['id']} cannot be undone: {doc['name']} was re-imported "
                        f"since ({doc['updated_at']})",
                        hint="code the passages again by hand",
                    )
            rules: set[str] = set()
            if row["kind"] in UNDO:
                UNDO[row["kind"]](store, row, events)
            else:
                for e in events:
                    before = json.loads(e["before"]) if e["before"] else None
                    _revert(store, e, before)
                    if before and str(before.get("origin", "")).startswith("rule:"):
                        rules.add(before["origin"][5:])
            for e in events:
                store.log_event(_as_coding(e), "undo", by, f"batch {row['id']}: {e['action']}")
            store.mark_undone(row["id"], by)
            if rules:
                recalibrate(store, rules)
            now = {}
            for e in events:
                c = store.coding_by_id(e["coding_id"])
                now[e["coding_id"]] = None if c is None else c["status"]
        return {
            "batch": row["id"],
            "kind": row["kind"],
            "actor": row["actor"],
            "summary": row["summary"],
            "at": row["at"],
            "events": len(events),
            # each coding the batch changed, with its status now (None: no longer there)
            "codings": now,
            "actions": _count(e["action"] for e in events),
            "by": by,
            "dry_run": dry_run,
        }


def _revert(store, event, before: dict[str, Any] | None) -> None:
    coding_id = event["coding_id"]
    if before is None:
        raise CasecodeError(
            f"event {event['id']} was logged before undo existed; it cannot be undone"
        )
    if event["action"] == "tag":
        if store.coding_by_id(coding_id) is None:
            raise CasecodeError(f"coding {coding_id}, made by this batch, is gone already")
        store.delete_coding_memos(coding_id)
        store.delete_coding(coding_id)
    elif event["action"] == "memo":
        if "memo_id" in before:
            store.delete_memo(before["memo_id"])
    else:
        before.pop("memo_id", None)
        store.restore_coding(before)


def _as_coding(event) -> dict[str, Any]:
    return {
        "id": event["coding_id"],
        "document_id": event["document_id"],
        "start": event["start"],
        "end": event["end"],
        "code_id": event["code_id"],
    }


def _count(actions) -> dict[str, int]:
    counts: dict[str, int] = {}
    for a in actions:
        counts[a] = counts.get(a, 0) + 1
    return dict(sorted(counts.items()))
