"""The project store: one SQLite file. The only module with SQL in it.

Each write runs in one transaction (``with store.transaction():``), so a crash or a bad file
leaves the store as it was. The schema carries a version; ``MIGRATIONS`` are applied in order
when a store is opened, and a store made by a newer casecode is refused rather than damaged.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from casecode.errors import CasecodeError
from casecode.model import Segment
from casecode.outputs import protect
from casecode.store.migrations import MIGRATIONS, join_memos

# json.dumps with options builds an encoder per call; suggestions are written by the thousand
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def utcnow() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Store:
    """An open project database."""

    def __init__(self, path: str | Path, *, migrations=None, create: bool = True) -> None:
        self.path = Path(path)
        self._batch: int | None = None  # the batch events are logged in (see ``begin_batch``)
        protect(self.path)  # no output file may replace it, through links or not
        self._migrations = MIGRATIONS if migrations is None else migrations
        if not create:
            wal = self.path.with_name(self.path.name + "-wal")
            if not self.path.exists():
                raise CasecodeError(
                    "the project store is missing",
                    file=self.path,
                    hint="restore it from a backup, or `casecode init` a new one",
                )
            if self.path.stat().st_size == 0 and not wal.exists():
                raise CasecodeError(
                    "the project store is empty",
                    file=self.path,
                    hint="restore it from a backup, or `casecode init` a new one",
                )
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA busy_timeout = 5000")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise CasecodeError(f"not a usable casecode database ({exc})", file=self.path) from None

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, *, rollback: bool = False) -> Iterator[sqlite3.Connection]:
        """One write, all or nothing; ``rollback`` undoes it at the end (a dry run that does
        exactly what the real run would, to count it)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("ROLLBACK" if rollback else "COMMIT")
        finally:
            self._batch = None

    @property
    def version(self) -> int:
        row = self.db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'"
        ).fetchone()
        if row is None:
            return 0
        return self.db.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0

    def _migrate(self) -> None:
        current = self.version
        latest = len(self._migrations)
        if current == 0:
            others = self.db.execute(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchone()[0]
            if others:
                raise CasecodeError(
                    "this SQLite database belongs to something else (no casecode schema)",
                    file=self.path,
                )
        if current > latest:
            raise CasecodeError(
                f"the project store has schema version {current}, newer than this casecode "
                f"understands ({latest})",
                file=self.path,
                hint="upgrade casecode",
            )
        for number in range(current + 1, latest + 1):
            with self.transaction() as db:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version "
                    "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
                self._migrations[number - 1](db)
                db.execute("INSERT INTO schema_version VALUES (?, ?)", (number, utcnow()))

    # ------------------------------------------------------------------ documents

    def document_by_sha(self, sha256: str) -> sqlite3.Row | None:
        return self.db.execute(
            "SELECT id, name FROM documents WHERE sha256 = ?", (sha256,)
        ).fetchone()

    def document_by_name(self, name: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM documents WHERE name = ?", (name,)).fetchone()

    def document_by_id(self, doc_id: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()

    def documents_by_stem(self, stem: str) -> list[sqlite3.Row]:
        """Documents whose name is ``stem`` plus one extension."""
        rows = self.db.execute(
            "SELECT * FROM documents WHERE name LIKE ? ESCAPE '\\' ORDER BY id",
            (stem.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ".%",),
        ).fetchall()
        return [r for r in rows if r["name"].rsplit(".", 1)[0] == stem]

    def insert_document(self, fields: dict[str, Any]) -> int:
        fields = {**fields, "metadata": json.dumps(fields.get("metadata", {}), ensure_ascii=False)}
        columns = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        try:
            cur = self.db.execute(
                f"INSERT INTO documents ({columns}) VALUES ({marks})", tuple(fields.values())
            )
        except sqlite3.IntegrityError as exc:
            if "same content already stored" in str(exc):
                raise CasecodeError("the same content is already imported") from None
            raise
        return int(cur.lastrowid)

    def update_document(self, doc_id: int, fields: dict[str, Any]) -> None:
        if "metadata" in fields:
            fields = {**fields, "metadata": json.dumps(fields["metadata"], ensure_ascii=False)}
        assignments = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(
            f"UPDATE documents SET {assignments} WHERE id = ?", (*fields.values(), doc_id)
        )

    def replace_segments(self, doc_id: int, segments: Iterable[Segment]) -> None:
        segments = list(segments)
        self.db.execute("DELETE FROM segments WHERE document_id = ?", (doc_id,))
        roles = any(s.role for s in segments)  # (a column since schema 9)
        self.db.executemany(
            'INSERT INTO segments (document_id, n, speaker, start, "end", label_start, timestamp,'
            f" kind{', role' if roles else ''}) VALUES (?, ?, ?, ?, ?, ?, ?, ?"
            f"{', ?' if roles else ''})",
            [
                (doc_id, s.n, s.speaker, s.start, s.end, s.label_start, s.timestamp, s.kind)
                + ((s.role,) if roles else ())
                for s in segments
            ],
        )

    def segments(self, doc_id: int, *, structure: bool = False) -> list[Segment]:
        """A document's turns (or articles and paragraphs), in order; with ``structure``, its
        headings, comments and preamble too (numbered below 1)."""
        rows = self.db.execute(
            'SELECT n, speaker, start, "end", label_start, timestamp, kind, role FROM segments '
            "WHERE document_id = ? AND (? OR n > 0) ORDER BY label_start, n",
            (doc_id, structure),
        ).fetchall()
        return [Segment(*tuple(r)) for r in rows]

    # ------------------------------------------------------------------ editing

    def document_record(self, doc_id: int) -> dict[str, Any]:
        """Everything the store holds about a document, as plain data (for ``rm``'s record)."""

        def rows(sql: str, *args: Any) -> list[dict[str, Any]]:
            return [dict(r) for r in self.db.execute(sql, args).fetchall()]

        doc = dict(self.db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone())
        codings = rows("SELECT * FROM codings WHERE document_id = ? ORDER BY id", doc_id)
        ids = [str(c["id"]) for c in codings]
        coding_memos = [
            m
            for m in rows("SELECT * FROM memos WHERE target_kind = 'coding' ORDER BY id")
            if m["target"] in set(ids)
        ]
        return {
            "document": doc,
            "segments": rows("SELECT * FROM segments WHERE document_id = ? ORDER BY id", doc_id),
            "attributes": rows("SELECT * FROM document_attributes WHERE document_id = ?", doc_id),
            "codings": codings,
            "events": rows("SELECT * FROM coding_events WHERE document_id = ? ORDER BY id", doc_id),
            "memos": coding_memos
            + rows(
                "SELECT * FROM memos WHERE target_kind = 'document' AND target = ? ORDER BY id",
                doc["name"],
            ),
        }

    def remove_document(self, doc_id: int, actor: str) -> int:
        """Delete a document and all that hangs on it, keeping it all in ``removed_documents``;
        returns the record's id."""
        record = self.document_record(doc_id)
        cur = self.db.execute(
            "INSERT INTO removed_documents (name, actor, removed_at, record) VALUES (?, ?, ?, ?)",
            (record["document"]["name"], actor, utcnow(), json.dumps(record, ensure_ascii=False)),
        )
        for memo in record["memos"]:
            self.db.execute("DELETE FROM memos WHERE id = ?", (memo["id"],))
        self.db.execute("DELETE FROM codings WHERE document_id = ?", (doc_id,))
        self.db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        name = record["document"]["name"]
        self.log_document_event(doc_id, "remove", actor, f"{name}: record {cur.lastrowid}")
        return int(cur.lastrowid)

    def removed_document(self, record_id: int) -> sqlite3.Row | None:
        return self.db.execute(
            "SELECT * FROM removed_documents WHERE id = ?", (record_id,)
        ).fetchone()

    def removed_documents(self) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT id, name, actor, removed_at, restored_at FROM removed_documents ORDER BY id"
        ).fetchall()

    def restore_record(self, record_id: int, record: dict[str, Any], actor: str) -> None:
        """Put back every row a ``remove_document`` record holds, with its ids."""
        for table, key in (
            ("documents", "document"),
            ("segments", "segments"),
            ("document_attributes", "attributes"),
            ("codings", "codings"),
            ("coding_events", "events"),
            ("memos", "memos"),
        ):
            items = record[key] if isinstance(record[key], list) else [record[key]]
            for item in items:
                if table in ("segments", "coding_events", "memos"):
                    item = {k: v for k, v in item.items() if k != "id"}  # ids may be reused
                cols = ", ".join(f'"{c}"' for c in item)
                marks = ", ".join("?" * len(item))
                self.db.execute(
                    f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(item.values())
                )
        self.db.execute(
            "UPDATE removed_documents SET restored_at = ? WHERE id = ?", (utcnow(), record_id)
        )
        doc = record["document"]
        self.log_document_event(doc["id"], "restore", actor, f"{doc['name']}: record {record_id}")

    def rename_document(self, doc_id: int, old: str, new: str, actor: str) -> None:
        """A new name, logged in ``document_events`` (action ``rename``, ``old -> new``)."""
        self.db.execute("UPDATE documents SET name = ? WHERE id = ?", (new, doc_id))
        self.db.execute(
            "UPDATE memos SET target = ? WHERE target_kind = 'document' AND target = ?", (new, old)
        )
        self.log_document_event(doc_id, "rename", actor, f"{old} -> {new}")

    def log_document_event(self, doc_id: int, action: str, actor: str, detail: str) -> None:
        self.db.execute(
            "INSERT INTO document_events (document_id, action, actor, detail, at)"
            " VALUES (?, ?, ?, ?, ?)",
            (doc_id, action, actor, detail, utcnow()),
        )

    def document_events(self, doc_id: int | None = None) -> list[sqlite3.Row]:
        """Renames, removals and restorations (of one document, or all), oldest first."""
        return self.db.execute(
            "SELECT * FROM document_events WHERE ? IS NULL OR document_id = ? ORDER BY id",
            (doc_id, doc_id),
        ).fetchall()

    def codings_of_code(self, code_id: str) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT * FROM codings WHERE code_id = ? ORDER BY id", (code_id,)
        ).fetchall()

    def recode(self, coding_id: int, code_id: str) -> None:
        self.db.execute(
            "UPDATE codings SET code_id = ?, updated_at = ? WHERE id = ?",
            (code_id, utcnow(), coding_id),
        )

    def retarget_code_memos(self, ids: list[int], code: str) -> None:
        """Memos ``ids`` become memos on code ``code`` (undoing a rename or merge of codes)."""
        self.db.executemany(
            "UPDATE memos SET target = ? WHERE id = ? AND target_kind = 'code'",
            [(code, i) for i in ids],
        )

    def rename_code_memos(self, old: str, new: str) -> int:
        cur = self.db.execute(
            "UPDATE memos SET target = ? WHERE target_kind = 'code' AND target = ?", (new, old)
        )
        return cur.rowcount

    def speaker_counts(self) -> list[sqlite3.Row]:
        """Every speaker: their role (when any turn has one), turns and documents."""
        return self.db.execute(
            "SELECT speaker, max(role) AS role, count(*) AS turns, "
            "count(DISTINCT document_id) AS documents FROM segments "
            "WHERE speaker IS NOT NULL AND n > 0 GROUP BY speaker ORDER BY speaker"
        ).fetchall()

    def rename_speakers(self, spellings: list[str], name: str, role: str | None) -> None:
        """Turns by any of ``spellings`` (case aside) become ``name``'s, with ``role`` if given
        (``respondent`` clears it)."""
        folded = {s.casefold() for s in spellings}
        rows = self.db.execute(
            "SELECT id, speaker FROM segments WHERE speaker IS NOT NULL"
        ).fetchall()
        ids = [r["id"] for r in rows if r["speaker"].casefold() in folded]
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            where = f"id IN ({', '.join('?' * len(chunk))})"
            self.db.execute(f"UPDATE segments SET speaker = ? WHERE {where}", (name, *chunk))
            if role is not None:
                self.db.execute(
                    f"UPDATE segments SET role = ? WHERE {where}",
                    (None if role == "respondent" else role, *chunk),
                )

    def all_documents(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM documents ORDER BY id").fetchall()

    def document_names(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT id, name FROM documents ORDER BY id").fetchall()

    def list_documents(self, doc_id: int | None = None) -> list[sqlite3.Row]:
        """Document summaries (no text): all of them, or the one with ``doc_id``."""
        return self.db.execute(
            """
            SELECT d.id, d.name, d.case_name, d.path, d.format, d.encoding, d.language, d.script,
                   d.sha256, d.kind, d.file_sha256,
                   d.metadata, d.imported_at, d.updated_at, length(d.text) AS characters,
                   (SELECT count(*) FROM segments s WHERE s.document_id = d.id AND s.n > 0)
                       AS turns,
                   (SELECT group_concat(DISTINCT kind) FROM segments s
                    WHERE s.document_id = d.id AND s.n > 0) AS unit_kinds,
                   (SELECT group_concat(speaker, char(31)) FROM
                       (SELECT DISTINCT speaker FROM segments s
                        WHERE s.document_id = d.id AND speaker IS NOT NULL ORDER BY speaker))
                       AS speakers
            FROM documents d WHERE ? IS NULL OR d.id = ? ORDER BY d.id
            """,
            (doc_id, doc_id),
        ).fetchall()

    # ------------------------------------------------------------------ attributes

    def set_document_case(self, doc_id: int, case: str) -> None:
        self.db.execute("UPDATE documents SET case_name = ? WHERE id = ?", (case, doc_id))

    def set_document_attributes(self, doc_id: int, values: dict[str, str]) -> None:
        self.db.executemany(
            "INSERT INTO document_attributes VALUES (?, ?, ?) "
            "ON CONFLICT (document_id, key) DO UPDATE SET value = excluded.value",
            [(doc_id, k, v) for k, v in values.items()],
        )

    def set_case_attributes(self, case: str, values: dict[str, str]) -> None:
        self.db.executemany(
            "INSERT INTO case_attributes VALUES (?, ?, ?) "
            "ON CONFLICT (case_name, key) DO UPDATE SET value = excluded.value",
            [(case, k, v) for k, v in values.items()],
        )

    def case_names(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT case_name FROM documents")}

    def attributes(self, doc_id: int) -> dict[str, str]:
        """A document's attributes: its case's, overlaid by its own."""
        merged: dict[str, str] = {}
        for row in self.db.execute(
            "SELECT key, value FROM case_attributes WHERE case_name = "
            "(SELECT case_name FROM documents WHERE id = ?) ORDER BY key",
            (doc_id,),
        ):
            merged[row["key"]] = row["value"]
        for row in self.db.execute(
            "SELECT key, value FROM document_attributes WHERE document_id = ? ORDER BY key",
            (doc_id,),
        ):
            merged[row["key"]] = row["value"]
        return merged

    # ------------------------------------------------------------------ codings

    def codings_for_document(self, doc_id: int) -> list[sqlite3.Row]:
        return self.db.execute(
            'SELECT id, start, "end", code_id, coder, origin, status FROM codings '
            "WHERE document_id = ? ORDER BY start, id",
            (doc_id,),
        ).fetchall()

    def insert_coding(
        self,
        doc_id: int,
        start: int,
        end: int,
        code_id: str,
        *,
        coder: str,
        origin: str,
        status: str = "suggested",
        memo: str | None = None,
    ) -> int:
        """A new coding; its ``memo`` (if any) is a memo by ``coder`` like any other."""
        cur = self.db.execute(
            'INSERT INTO codings (document_id, start, "end", code_id, coder, origin, status,'
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (doc_id, start, end, code_id, coder, origin, status, utcnow()),
        )
        coding_id = int(cur.lastrowid)
        if memo is not None and memo.strip():
            self.add_coding_memo(coding_id, memo.strip(), coder)
        return coding_id

    def move_coding(self, coding_id: int, start: int, end: int) -> None:
        self.db.execute(
            'UPDATE codings SET start = ?, "end" = ?, updated_at = ? WHERE id = ?',
            (start, end, utcnow(), coding_id),
        )

    def delete_coding(self, coding_id: int) -> None:
        self.db.execute("DELETE FROM codings WHERE id = ?", (coding_id,))

    def codings_in(self, doc_id: int, start: int, end: int) -> list[sqlite3.Row]:
        """Codings that lie within ``[start, end)`` of a document."""
        return self.db.execute(
            'SELECT * FROM codings WHERE document_id = ? AND start >= ? AND "end" <= ? '
            'ORDER BY start, "end", code_id, id',
            (doc_id, start, end),
        ).fetchall()

    def log_event(
        self,
        coding: dict[str, Any] | sqlite3.Row,
        action: str,
        actor: str,
        detail: str | None = None,
        *,
        memo_id: int | None = None,
    ) -> None:
        """Log a decision about ``coding`` (as it was before it, or as made by a ``tag``) in
        the open batch, keeping that row so ``undo`` can put it back; ``memo_id``: the memo a
        ``memo`` event wrote."""
        before = dict(coding) if isinstance(coding, sqlite3.Row) else dict(coding)
        if memo_id is not None:
            before["memo_id"] = memo_id
        self.db.execute(
            'INSERT INTO coding_events (coding_id, document_id, start, "end", code_id, action,'
            " actor, detail, at, batch_id, before) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                coding["id"],
                coding["document_id"],
                coding["start"],
                coding["end"],
                coding["code_id"],
                action,
                actor,
                detail,
                utcnow(),
                self._batch,
                _to_json(before),
            ),
        )

    # ------------------------------------------------------------------ batches (undo)

    def begin_batch(
        self, kind: str, actor: str, summary: str | None = None, payload: Any = None
    ) -> int:
        """Start a batch of decisions inside the open transaction: every event logged until
        the transaction ends belongs to it, and ``undo`` reverts it as one. ``payload``
        (JSON-able): what a kind of batch that changes more than codings keeps to undo it."""
        cur = self.db.execute(
            "INSERT INTO batches (kind, actor, summary, at, payload) VALUES (?, ?, ?, ?, ?)",
            (kind, actor, summary, utcnow(), None if payload is None else _to_json(payload)),
        )
        self._batch = int(cur.lastrowid)
        return self._batch

    def set_batch_summary(self, batch_id: int, summary: str) -> None:
        self.db.execute("UPDATE batches SET summary = ? WHERE id = ?", (summary, batch_id))

    def batch(self, batch_id: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM batches WHERE id = ?", (batch_id,)).fetchone()

    def last_batch(self, actor: str | None = None) -> sqlite3.Row | None:
        """The latest batch not undone yet that changed something (of ``actor`` when given)."""
        sql = (
            "SELECT * FROM batches b WHERE undone_at IS NULL AND (payload IS NOT NULL OR EXISTS "
            "(SELECT 1 FROM coding_events e WHERE e.batch_id = b.id))"
        )
        args: list[Any] = []
        if actor is not None:
            sql += " AND actor = ?"
            args.append(actor)
        return self.db.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()

    def batch_events(self, batch_id: int) -> list[sqlite3.Row]:
        """A batch's events, the latest first (the order they are undone in)."""
        return self.db.execute(
            "SELECT * FROM coding_events WHERE batch_id = ? ORDER BY id DESC", (batch_id,)
        ).fetchall()

    def later_batches_on(self, batch_id: int, coding_ids: Iterable[int]) -> list[int]:
        """Batches after ``batch_id``, not undone, that changed one of these codings."""
        ids = sorted(set(coding_ids))
        found: set[int] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = self.db.execute(
                "SELECT DISTINCT e.batch_id FROM coding_events e JOIN batches b "
                "ON b.id = e.batch_id WHERE e.batch_id > ? AND b.undone_at IS NULL "
                f"AND e.coding_id IN ({', '.join('?' * len(chunk))})",
                (batch_id, *chunk),
            )
            found |= {r[0] for r in rows}
        return sorted(found)

    def mark_undone(self, batch_id: int, actor: str) -> None:
        self.db.execute(
            "UPDATE batches SET undone_at = ?, undone_by = ? WHERE id = ?",
            (utcnow(), actor, batch_id),
        )

    def restore_coding(self, row: dict[str, Any]) -> None:
        """Put a coding back exactly as ``row`` (a whole codings row) has it, under its id."""
        columns = [
            r[1] for r in self.db.execute("PRAGMA table_info(codings)").fetchall() if r[1] in row
        ]
        names = ", ".join(f'"{c}"' for c in columns)
        self.db.execute(
            f"INSERT OR REPLACE INTO codings ({names}) VALUES ({', '.join('?' * len(columns))})",
            [row[c] for c in columns],
        )

    def delete_memo(self, memo_id: int) -> None:
        """Remove one memo (a coding's joined ``memo`` follows)."""
        row = self.db.execute(
            "SELECT target_kind, target FROM memos WHERE id = ?", (memo_id,)
        ).fetchone()
        self.db.execute("DELETE FROM memos WHERE id = ?", (memo_id,))
        if row is not None and row["target_kind"] == "coding":
            join_memos(self.db, int(row["target"]))

    def delete_coding_memos(self, coding_id: int) -> None:
        self.db.execute(
            "DELETE FROM memos WHERE target_kind = 'coding' AND target = ?", (str(coding_id),)
        )

    # ------------------------------------------------------------------ rules' records

    def rule_codings(self, rules: Iterable[str] | None = None) -> list[sqlite3.Row]:
        """Every rule-made coding (of ``rules`` when given) with its status, evidence, strength,
        and the last review decision on it (``accept``, ``reject``, ``recode``; None if none)."""
        if rules is not None:
            listed = [f"rule:{r}" for r in sorted(rules)]
            if not listed:
                return []
            marks = ", ".join("?" * len(listed))
            return self.db.execute(
                'SELECT c.id, c.document_id, c.start, c."end", c.code_id, c.coder, c.origin, '
                "c.status, c.strength, c.confidence, c.evidence, (SELECT e.action FROM "
                "coding_events e WHERE e.coding_id = c.id AND e.action IN ('accept', 'reject', "
                "'recode') ORDER BY e.id DESC LIMIT 1) AS last_action FROM codings c "
                f"WHERE c.origin IN ({marks}) ORDER BY c.id",
                listed,
            ).fetchall()
        return self.db.execute(
            'SELECT c.id, c.document_id, c.start, c."end", c.code_id, c.coder, c.origin, '
            "c.status, c.strength, c.confidence, c.evidence, (SELECT e.action FROM coding_events e "
            "WHERE e.coding_id = c.id AND e.action IN ('accept', 'reject', 'recode') "
            "ORDER BY e.id DESC LIMIT 1) AS last_action FROM codings c "
            "WHERE c.origin LIKE 'rule:%' ORDER BY c.id"
        ).fetchall()

    def rule_ids(self) -> set[str]:
        """The ids of rules with at least one suggestion in the store."""
        rows = self.db.execute(
            "SELECT DISTINCT substr(origin, 6) FROM codings WHERE origin LIKE 'rule:%'"
        )
        return {r[0] for r in rows}

    def decided_rules(self) -> set[str]:
        """The ids of rules with at least one suggestion someone accepted or rejected."""
        rows = self.db.execute(
            "SELECT DISTINCT substr(origin, 6) FROM codings WHERE origin LIKE 'rule:%' "
            "AND status != 'suggested'"
        )
        return {r[0] for r in rows}

    def set_confidences(self, values: Iterable[tuple[float, int]]) -> None:
        """(confidence, coding id) pairs."""
        self.db.executemany("UPDATE codings SET confidence = ? WHERE id = ?", list(values))

    def events_in(self, doc_id: int, start: int, end: int) -> list[sqlite3.Row]:
        return self.db.execute(
            'SELECT * FROM coding_events WHERE document_id = ? AND start >= ? AND "end" <= ? '
            "ORDER BY at, id",
            (doc_id, start, end),
        ).fetchall()

    def coder_made(self, coder: str) -> set[str]:
        """How ``coder``'s codings were made: ``rules`` (suggestions of rules), ``hand``
        (manual or imported), or both; empty for a coder with none."""
        row = self.db.execute(
            "SELECT max(origin LIKE 'rule:%'), max(origin NOT LIKE 'rule:%') FROM codings "
            "WHERE coder = ?",
            (coder,),
        ).fetchone()
        return {kind for kind, flag in zip(("rules", "hand"), row, strict=True) if flag}

    def coder_counts(self) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT coder, "
            "sum(origin = 'manual') AS manual, "
            "sum(origin LIKE 'rule:%' AND status = 'suggested') AS suggested, "
            "sum(origin != 'manual' AND status = 'accepted') AS accepted, "
            "sum(status = 'rejected') AS rejected, "
            "sum(origin = 'imported') AS imported, "
            "count(*) AS total, count(DISTINCT document_id) AS documents, "
            "(SELECT count(*) FROM codings r WHERE r.reviewed_by = c.coder) AS reviewed "
            "FROM codings c GROUP BY coder "
            "UNION ALL SELECT reviewed_by, 0, 0, 0, 0, 0, 0, 0, count(*) FROM codings "
            "WHERE reviewed_by IS NOT NULL AND reviewed_by NOT IN (SELECT coder FROM codings) "
            "GROUP BY reviewed_by ORDER BY 1"
        ).fetchall()

    def add_memo(self, kind: str, target: str, text: str, author: str) -> int:
        cur = self.db.execute(
            "INSERT INTO memos (target_kind, target, text, author, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (kind, target, text, author, utcnow()),
        )
        return int(cur.lastrowid)

    def memos(self, kind: str | None = None, target: str | None = None) -> list[sqlite3.Row]:
        sql, args = "SELECT * FROM memos", []
        if kind is not None:
            sql += " WHERE target_kind = ?"
            args.append(kind)
            if target is not None:
                sql += " AND target = ?"
                args.append(target)
        return self.db.execute(sql + " ORDER BY created_at, id", args).fetchall()

    def set_review(self, coding_id: int, status: str, reviewer: str, at: str) -> None:
        self.db.execute(
            "UPDATE codings SET status = ?, reviewed_by = ?, reviewed_at = ?, updated_at = ? "
            "WHERE id = ?",
            (status, reviewer, at, at, coding_id),
        )

    def add_coding_memo(self, coding_id: int, text: str, author: str) -> int:
        """One more memo on a coding: earlier ones stay, and ``codings.memo`` holds them all
        (one a line, oldest first)."""
        memo_id = self.add_memo("coding", str(coding_id), text, author)
        join_memos(self.db, coding_id)
        self.db.execute("UPDATE codings SET updated_at = ? WHERE id = ?", (utcnow(), coding_id))
        return memo_id

    def coding_memos(self, doc_id: int) -> dict[int, list[sqlite3.Row]]:
        """The memos on each of a document's codings, oldest first, by coding id."""
        out: dict[int, list[sqlite3.Row]] = {}
        for row in self.db.execute(
            "SELECT c.id AS coding_id, m.id, m.text, m.author, m.created_at FROM memos m "
            "JOIN codings c ON m.target = CAST(c.id AS TEXT) "
            "WHERE m.target_kind = 'coding' AND c.document_id = ? ORDER BY m.created_at, m.id",
            (doc_id,),
        ):
            out.setdefault(row["coding_id"], []).append(row)
        return out

    def codings_with_memos(self, doc_id: int) -> set[int]:
        """Ids of a document's codings that someone wrote a memo on."""
        rows = self.db.execute(
            "SELECT id FROM codings c WHERE document_id = ? AND (memo IS NOT NULL OR EXISTS "
            "(SELECT 1 FROM memos m WHERE m.target_kind = 'coding' "
            "AND m.target = CAST(c.id AS TEXT)))",
            (doc_id,),
        )
        return {r[0] for r in rows}

    def manual_code_ids(self, coder: str) -> set[str]:
        """The code ids of a coder's manual codings."""
        rows = self.db.execute(
            "SELECT DISTINCT code_id FROM codings WHERE coder = ? AND origin = 'manual'", (coder,)
        )
        return {r[0] for r in rows}

    def coding_by_id(self, coding_id: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM codings WHERE id = ?", (coding_id,)).fetchone()

    def coding_counts(self) -> dict[str, int]:
        """Codings per code id, leaving out rejected suggestions."""
        rows = self.db.execute(
            "SELECT code_id, count(*) FROM codings WHERE status != 'rejected' GROUP BY code_id"
        )
        return {code_id: n for code_id, n in rows}

    def coding_counts_by_origin(self) -> dict[str, dict[str, int]]:
        """Codings per code id, split into 'manual' and other origins ('rule:...', 'imported')."""
        rows = self.db.execute(
            "SELECT code_id, CASE WHEN origin = 'manual' THEN 'manual' ELSE 'other' END, count(*) "
            "FROM codings GROUP BY 1, 2"
        )
        counts: dict[str, dict[str, int]] = {}
        for code_id, origin, n in rows:
            counts.setdefault(code_id, {})[origin] = n
        return counts

    def replace_suggestions(
        self,
        doc_id: int,
        coder: str,
        codes: set[str] | None,
        found: list[dict[str, Any]],
        codebook_version: str,
    ) -> dict[str, int]:
        """Replace ``coder``'s automatic suggestions on a document (for ``codes``, or all).

        Manual and imported codings are not touched. A suggestion someone accepted or rejected
        keeps its decision, and one someone wrote a memo on stays with its memo (still open):
        the same code on the same span is not suggested again.
        """
        rows = self.db.execute(
            'SELECT id, start, "end", code_id, status FROM codings '
            "WHERE document_id = ? AND coder = ? AND origin LIKE 'rule:%'",
            (doc_id, coder),
        ).fetchall()
        with_memos = self.codings_with_memos(doc_id)
        decided, stale = set(), []
        for row in rows:
            if codes is not None and row["code_id"] not in codes:
                continue
            if row["status"] == "suggested" and row["id"] not in with_memos:
                stale.append(row["id"])
            else:
                decided.add((row["start"], row["end"], row["code_id"]))
        self.db.executemany("DELETE FROM codings WHERE id = ?", [(i,) for i in stale])
        now = utcnow()
        new = [f for f in found if (f["start"], f["end"], f["code"]) not in decided]
        self.db.executemany(
            'INSERT INTO codings (document_id, start, "end", code_id, coder, origin, status,'
            " codebook_version, confidence, strength, evidence, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 'suggested', ?, ?, ?, ?, ?)",
            [
                (
                    doc_id,
                    f["start"],
                    f["end"],
                    f["code"],
                    coder,
                    f"rule:{f['rule']}",
                    codebook_version,
                    f["confidence"],
                    f.get("strength", f["confidence"]),
                    _to_json(f["evidence"]),
                    now,
                )
                for f in new
            ],
        )
        return {"removed": len(stale), "added": len(new), "kept": len(found) - len(new)}

    def stamp_suggestions(
        self, coder: str, doc_ids: list[int], codebook_version: str, codes: set[str]
    ) -> None:
        """Mark ``coder``'s open suggestions of ``codes`` as coming from ``codebook_version``
        (rules that did not change since they were made give them unchanged under it)."""
        if not codes:
            return
        listed = sorted(codes)
        marks = ", ".join("?" * len(listed))
        self.db.executemany(
            "UPDATE codings SET codebook_version = ? WHERE document_id = ? AND coder = ? "
            "AND origin LIKE 'rule:%' AND status = 'suggested' AND codebook_version != ? "
            f"AND code_id IN ({marks})",
            [(codebook_version, d, coder, codebook_version, *listed) for d in doc_ids],
        )

    def automatic_counts(
        self, coder: str, doc_ids: list[int], codes: set[str] | None
    ) -> dict[str, int]:
        """``coder``'s automatic codings per code on some documents, rejected ones left out."""
        counts: dict[str, int] = {}
        for i in range(0, len(doc_ids), 500):  # SQLite limits the number of parameters
            chunk = doc_ids[i : i + 500]
            for code_id, n in self.db.execute(
                "SELECT code_id, count(*) FROM codings WHERE coder = ? "
                "AND origin LIKE 'rule:%' AND status != 'rejected' "
                f"AND document_id IN ({', '.join('?' * len(chunk))}) GROUP BY code_id",
                (coder, *chunk),
            ):
                if codes is None or code_id in codes:
                    counts[code_id] = counts.get(code_id, 0) + n
        return counts

    def codings_detail(self, doc_id: int) -> list[sqlite3.Row]:
        return self.db.execute(
            'SELECT id, start, "end", code_id, coder, origin, status, codebook_version, '
            "confidence, evidence, memo, created_at FROM codings WHERE document_id = ? "
            'ORDER BY start, "end", code_id, id',
            (doc_id,),
        ).fetchall()

    # ------------------------------------------------------------------ analysis

    def codings_for_analysis(
        self, *, coder: str | None = None, statuses: Iterable[str] = ("accepted", "suggested")
    ) -> list[sqlite3.Row]:
        """Every coding with one of ``statuses`` (of ``coder`` when given), in reading order."""
        statuses = tuple(statuses)
        marks = ", ".join("?" * len(statuses))
        return self.db.execute(
            'SELECT id, document_id, start, "end", code_id, coder, origin, status, confidence, '
            f"evidence, memo, reviewed_by FROM codings WHERE status IN ({marks}) "
            "AND (? IS NULL OR coder = ?) "
            'ORDER BY document_id, start, "end", code_id, coder, id',
            (*statuses, coder, coder),
        ).fetchall()

    def all_segments(self) -> dict[int, list[Segment]]:
        """Every document's segments, by document id."""
        out: dict[int, list[Segment]] = {}
        for row in self.db.execute(
            'SELECT document_id, n, speaker, start, "end", label_start, timestamp, kind, role '
            "FROM segments WHERE n > 0 ORDER BY document_id, label_start, n"
        ):
            out.setdefault(row[0], []).append(Segment(*tuple(row)[1:]))
        return out

    def case_attributes(self) -> dict[str, dict[str, str]]:
        """Every case's own attributes, by case name."""
        out: dict[str, dict[str, str]] = {}
        for case, key, value in self.db.execute(
            "SELECT case_name, key, value FROM case_attributes ORDER BY case_name, key"
        ):
            out.setdefault(case, {})[key] = value
        return out

    def document_own_attributes(self) -> dict[int, dict[str, str]]:
        """Every document's own attributes (not its case's), by document id."""
        out: dict[int, dict[str, str]] = {}
        for doc_id, key, value in self.db.execute(
            "SELECT document_id, key, value FROM document_attributes ORDER BY document_id, key"
        ):
            out.setdefault(doc_id, {})[key] = value
        return out

    def all_attributes(self) -> dict[int, dict[str, str]]:
        """Every document's attributes (its case's, overlaid by its own), by document id."""
        merged: dict[int, dict[str, str]] = {}
        for doc_id, key, value in self.db.execute(
            "SELECT d.id, a.key, a.value FROM documents d JOIN case_attributes a "
            "ON a.case_name = d.case_name ORDER BY d.id, a.key"
        ):
            merged.setdefault(doc_id, {})[key] = value
        for doc_id, key, value in self.db.execute(
            "SELECT document_id, key, value FROM document_attributes ORDER BY document_id, key"
        ):
            merged.setdefault(doc_id, {})[key] = value
        return merged

    # ------------------------------------------------------------------ coders (reliability)

    def coder_names(self) -> list[str]:
        """Everyone who has coded, or reviewed a coding."""
        rows = self.db.execute(
            "SELECT coder FROM codings UNION SELECT actor FROM coding_events ORDER BY 1"
        )
        return [r[0] for r in rows]

    def codings_by(self, coders: list[str]) -> list[sqlite3.Row]:
        """The codings stored under these coders' names, rejected suggestions left out."""
        marks = ", ".join("?" * len(coders))
        return self.db.execute(
            'SELECT id, document_id, start, "end", code_id, coder, origin, status FROM codings '
            f"WHERE coder IN ({marks}) AND status != 'rejected' "
            'ORDER BY document_id, start, "end", code_id, id',
            coders,
        ).fetchall()

    def review_decisions(self, actors: list[str]) -> list[sqlite3.Row]:
        """Accept, reject and recode decisions by these people on codings that still exist,
        oldest first, with the coding's current span and code."""
        marks = ", ".join("?" * len(actors))
        return self.db.execute(
            'SELECT e.actor, e.action, c.id, c.document_id, c.start, c."end", c.code_id, c.coder '
            "FROM coding_events e JOIN codings c ON c.id = e.coding_id "
            f"WHERE e.actor IN ({marks}) AND e.action IN ('accept', 'reject', 'recode') "
            "ORDER BY e.at, e.id",
            actors,
        ).fetchall()

    def coder_documents(self, coder: str) -> set[int]:
        """Documents a coder has coded, reviewed or tagged and untagged in."""
        rows = self.db.execute(
            "SELECT document_id FROM codings WHERE coder = ? "
            "UNION SELECT document_id FROM coding_events WHERE actor = ?",
            (coder, coder),
        )
        return {r[0] for r in rows}

    def codings_not_merged(self, coder: str) -> list[sqlite3.Row]:
        """A coder's codings that no ``merge`` made (their tag event does not say ``merge:``)."""
        return self.db.execute(
            "SELECT * FROM codings c WHERE coder = ? AND NOT EXISTS (SELECT 1 FROM coding_events e "
            "WHERE e.coding_id = c.id AND e.action = 'tag' AND e.detail LIKE 'merge:%')",
            (coder,),
        ).fetchall()

    def delete_manual_codings(self, coder: str) -> list[sqlite3.Row]:
        """Remove a coder's manual codings (returned as they were)."""
        rows = self.db.execute(
            "SELECT * FROM codings WHERE coder = ? AND origin = 'manual'", (coder,)
        ).fetchall()
        self.db.execute("DELETE FROM codings WHERE coder = ? AND origin = 'manual'", (coder,))
        return rows

    def last_change(self) -> str | None:
        """When the documents or codings last changed (UTC ISO-8601), or None when empty."""
        row = self.db.execute(
            "SELECT max(t) FROM (SELECT max(imported_at) AS t FROM documents "
            "UNION ALL SELECT max(updated_at) FROM documents "
            "UNION ALL SELECT max(created_at) FROM codings "
            "UNION ALL SELECT max(updated_at) FROM codings "
            "UNION ALL SELECT max(reviewed_at) FROM codings "
            "UNION ALL SELECT max(at) FROM coding_events)"
        ).fetchone()
        return row[0]

    # ------------------------------------------------------------------ tokens

    def cached_tokens(self, doc_id: int, sha256: str, tokenizer: str) -> sqlite3.Row | None:
        return self.db.execute(
            "SELECT starts, ends, ids, vocab FROM tokens "
            "WHERE document_id = ? AND sha256 = ? AND tokenizer = ?",
            (doc_id, sha256, tokenizer),
        ).fetchone()

    def cache_tokens(
        self, doc_id: int, sha256: str, tokenizer: str, blobs: tuple[bytes, bytes, bytes, str]
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO tokens (document_id, sha256, tokenizer, starts, ends, ids,"
            " vocab) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (doc_id, sha256, tokenizer, *blobs),
        )

    # ------------------------------------------------------------------ codebooks

    def setting(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_setting(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def save_codebook(self, name: str, version: str, source: str | None, content: str) -> bool:
        """Record a codebook (once per content version) and make it current.

        Returns whether the current codebook changed.
        """
        now = utcnow()
        self.db.execute(
            "INSERT INTO codebooks (name, content_version, source, content, first_used_at,"
            " last_used_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(content_version) DO UPDATE"
            " SET last_used_at = excluded.last_used_at, source = excluded.source",
            (name, version, source, content, now, now),
        )
        changed = self.setting("codebook") != version
        self.set_setting("codebook", version)
        return changed

    def current_codebook(self) -> sqlite3.Row | None:
        version = self.setting("codebook")
        if version is None:
            return None
        return self.db.execute(
            "SELECT name, content_version, source, content, first_used_at, last_used_at "
            "FROM codebooks WHERE content_version = ?",
            (version,),
        ).fetchone()

    def codebook_contents(self) -> list[sqlite3.Row]:
        """Every codebook the project has used (name, source, content), latest first."""
        return self.db.execute(
            "SELECT name, source, content FROM codebooks ORDER BY last_used_at DESC, rowid DESC"
        ).fetchall()
