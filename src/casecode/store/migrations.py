"""The store's schema history: one function per schema version, applied in order.

Append-only: a migration that has shipped is never edited (a store made by it must still open).
Each runs inside the store's opening transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run several statements inside the caller's transaction (executescript would commit)."""
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement.strip()[:60]}")


def _v1(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        CREATE TABLE documents (
            id           INTEGER PRIMARY KEY,
            name         TEXT NOT NULL UNIQUE,
            case_name    TEXT NOT NULL,
            path         TEXT,
            format       TEXT NOT NULL,
            encoding     TEXT,
            language     TEXT NOT NULL,
            sha256       TEXT NOT NULL,
            text         TEXT NOT NULL,
            body_start   INTEGER NOT NULL DEFAULT 0,
            metadata     TEXT NOT NULL DEFAULT '{}',
            imported_at  TEXT NOT NULL,
            updated_at   TEXT
        );
        CREATE INDEX documents_sha256 ON documents(sha256);
        CREATE INDEX documents_case ON documents(case_name);

        CREATE TABLE segments (
            id           INTEGER PRIMARY KEY,
            document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            n            INTEGER NOT NULL,
            speaker      TEXT,
            start        INTEGER NOT NULL,
            "end"        INTEGER NOT NULL,
            label_start  INTEGER NOT NULL,
            timestamp    TEXT,
            kind         TEXT NOT NULL,
            UNIQUE (document_id, n),
            CHECK (label_start <= start AND start <= "end")
        );

        CREATE TABLE document_attributes (
            document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            key          TEXT NOT NULL,
            value        TEXT NOT NULL,
            PRIMARY KEY (document_id, key)
        );

        CREATE TABLE case_attributes (
            case_name    TEXT NOT NULL,
            key          TEXT NOT NULL,
            value        TEXT NOT NULL,
            PRIMARY KEY (case_name, key)
        );

        -- Codings are spans of a document's text. A document that has codings cannot be
        -- deleted (RESTRICT): replacing its text must carry them over or be refused.
        CREATE TABLE codings (
            id               INTEGER PRIMARY KEY,
            document_id      INTEGER NOT NULL REFERENCES documents(id) ON DELETE RESTRICT,
            start            INTEGER NOT NULL,
            "end"            INTEGER NOT NULL,
            code_id          TEXT NOT NULL,
            coder            TEXT NOT NULL,
            origin           TEXT NOT NULL,       -- 'manual', 'rule:<rule id>', 'imported'
            status           TEXT NOT NULL DEFAULT 'suggested',
            codebook_version TEXT,
            confidence       REAL,
            evidence         TEXT,
            memo             TEXT,
            created_at       TEXT NOT NULL,
            updated_at       TEXT,
            CHECK (start <= "end")
        );
        CREATE INDEX codings_document ON codings(document_id);
        CREATE INDEX codings_code ON codings(code_id);
        """,
    )


def _v2(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        -- Every codebook the project has used, with its YAML, so the project is self-contained
        -- and a coding's codebook_version can always be traced to the rules that made it.
        CREATE TABLE codebooks (
            id               INTEGER PRIMARY KEY,
            name             TEXT NOT NULL,
            content_version  TEXT NOT NULL UNIQUE,
            source           TEXT,
            content          TEXT NOT NULL,
            first_used_at    TEXT NOT NULL,
            last_used_at     TEXT NOT NULL
        );

        CREATE TABLE settings (
            key    TEXT PRIMARY KEY,
            value  TEXT NOT NULL
        );
        """,
    )


def _v3(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        -- Token streams, reused while the text and the tokenizer (dictionary, versions) are
        -- unchanged, so re-coding after a codebook edit skips tokenisation.
        CREATE TABLE tokens (
            document_id  INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            sha256       TEXT NOT NULL,
            tokenizer    TEXT NOT NULL,
            starts       BLOB NOT NULL,
            ends         BLOB NOT NULL,
            lemmas       TEXT NOT NULL
        );
        CREATE INDEX codings_coder ON codings(coder, document_id);
        """,
    )


def _v4(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        -- Who decided what, and when: every manual coding, removal and review decision.
        ALTER TABLE codings ADD COLUMN reviewed_by TEXT;
        ALTER TABLE codings ADD COLUMN reviewed_at TEXT;
        CREATE TABLE coding_events (
            id           INTEGER PRIMARY KEY,
            coding_id    INTEGER,
            document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            start        INTEGER NOT NULL,
            "end"        INTEGER NOT NULL,
            code_id      TEXT NOT NULL,
            action       TEXT NOT NULL,    -- 'tag', 'untag', 'accept', 'reject', 'recode', 'memo'
            actor        TEXT NOT NULL,
            detail       TEXT,
            at           TEXT NOT NULL
        );
        CREATE INDEX coding_events_document ON coding_events(document_id, start);

        CREATE TABLE memos (
            id           INTEGER PRIMARY KEY,
            target_kind  TEXT NOT NULL CHECK (target_kind IN ('code', 'document', 'coding')),
            target       TEXT NOT NULL,
            text         TEXT NOT NULL,
            author       TEXT NOT NULL,
            created_at   TEXT NOT NULL
        );
        CREATE INDEX memos_target ON memos(target_kind, target);
        """,
    )


def _v5(db: sqlite3.Connection) -> None:
    """Coding ids are never reused: a memo or a logged event naming a removed coding must not
    come to name a new one. The table is rebuilt with AUTOINCREMENT, every row kept, and its
    counter starts above any id a coding ever had (still named by events or memos)."""
    _script(
        db,
        """
        CREATE TABLE codings_v5 (
            id               INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id      INTEGER NOT NULL REFERENCES documents(id) ON DELETE RESTRICT,
            start            INTEGER NOT NULL,
            "end"            INTEGER NOT NULL,
            code_id          TEXT NOT NULL,
            coder            TEXT NOT NULL,
            origin           TEXT NOT NULL,       -- 'manual', 'rule:<rule id>', 'imported'
            status           TEXT NOT NULL DEFAULT 'suggested',
            codebook_version TEXT,
            confidence       REAL,
            evidence         TEXT,
            memo             TEXT,
            created_at       TEXT NOT NULL,
            updated_at       TEXT,
            reviewed_by      TEXT,
            reviewed_at      TEXT,
            CHECK (start <= "end")
        );
        INSERT INTO codings_v5 (id, document_id, start, "end", code_id, coder, origin, status,
            codebook_version, confidence, evidence, memo, created_at, updated_at, reviewed_by,
            reviewed_at)
        SELECT id, document_id, start, "end", code_id, coder, origin, status, codebook_version,
            confidence, evidence, memo, created_at, updated_at, reviewed_by, reviewed_at
        FROM codings;
        DROP TABLE codings;
        ALTER TABLE codings_v5 RENAME TO codings;
        CREATE INDEX codings_document ON codings(document_id);
        CREATE INDEX codings_code ON codings(code_id);
        CREATE INDEX codings_coder ON codings(coder, document_id);
        """,
    )
    highest = db.execute(
        "SELECT max(coalesce((SELECT max(id) FROM codings), 0), "
        "coalesce((SELECT max(coding_id) FROM coding_events), 0), "
        "coalesce((SELECT max(CAST(target AS INTEGER)) FROM memos "
        "WHERE target_kind = 'coding'), 0))"
    ).fetchone()[0]
    db.execute("DELETE FROM sqlite_sequence WHERE name = 'codings'")
    db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('codings', ?)", (highest,))


def _v6(db: sqlite3.Connection) -> None:
    """Every memo on a coding is a row of ``memos`` (``tag --memo`` and review recodes wrote
    only ``codings.memo``, which a later memo replaced); ``codings.memo`` keeps them all, joined,
    for exports."""
    db.execute(
        "INSERT INTO memos (target_kind, target, text, author, created_at) "
        "SELECT 'coding', CAST(c.id AS TEXT), c.memo, c.coder, c.created_at FROM codings c "
        "WHERE c.memo IS NOT NULL AND trim(c.memo) != '' AND NOT EXISTS (SELECT 1 FROM memos m "
        "WHERE m.target_kind = 'coding' AND m.target = CAST(c.id AS TEXT) AND m.text = c.memo) "
        "ORDER BY c.id"
    )
    for (coding_id,) in db.execute("SELECT id FROM codings WHERE memo IS NOT NULL").fetchall():
        join_memos(db, coding_id)


def join_memos(db: sqlite3.Connection, coding_id: int) -> None:
    """Set ``codings.memo`` to every memo on the coding, one a line, oldest first."""
    texts = [
        r[0]
        for r in db.execute(
            "SELECT text FROM memos WHERE target_kind = 'coding' AND target = ? "
            "ORDER BY created_at, id",
            (str(coding_id),),
        )
    ]
    db.execute("UPDATE codings SET memo = ? WHERE id = ?", ("\n".join(texts) or None, coding_id))


def _v7(db: sqlite3.Connection) -> None:
    """Cached token streams keep each token's norm (lemma or lower case) as an index into the
    document's distinct norms, instead of the lemmas alone. The cache is rebuilt: the next
    ``code`` tokenises each document once more."""
    _script(
        db,
        """
        DROP TABLE tokens;
        CREATE TABLE tokens (
            document_id  INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            sha256       TEXT NOT NULL,
            tokenizer    TEXT NOT NULL,
            starts       BLOB NOT NULL,
            ends         BLOB NOT NULL,
            ids          BLOB NOT NULL,
            vocab        TEXT NOT NULL
        );
        """,
    )


def _v8(db: sqlite3.Connection) -> None:
    """Documents record their script: ``zh-Hans`` or ``zh-Hant`` for Chinese (NULL otherwise).
    Documents already stored get it here, by the rule ``corpus.language.detect_script`` had when
    this shipped (a frozen copy: a migration never changes)."""
    import opencc

    db.execute("ALTER TABLE documents ADD COLUMN script TEXT")
    convert = opencc.OpenCC("t2s").convert
    rows = db.execute("SELECT id, text FROM documents WHERE language != 'en'").fetchall()
    for doc_id, text in rows:
        chars = {c for c in text if "\u3400" <= c <= "\u9fff"}
        if not chars:
            continue
        ordered = sorted(chars)
        converted = convert("".join(ordered))
        table = (
            dict(zip(ordered, converted, strict=False)) if len(converted) == len(ordered) else {}
        )
        traditional = sum(text.count(c) for c in chars if table.get(c, c) != c)
        simplified = sum(text.count(c) for c in chars if c in set(table.values()) - set(table))
        script = "zh-Hant" if traditional > simplified else "zh-Hans"
        db.execute("UPDATE documents SET script = ? WHERE id = ?", (script, doc_id))


def _v9(db: sqlite3.Connection) -> None:
    """Decisions come in batches that ``undo`` can revert: ``batches`` records each one (a tag,
    an untag, a review decision, a bulk decision, a sheet import, a merge…), every event names
    its batch and keeps the coding as it was before (JSON), and automatic codings keep the
    strength of their evidence apart from their (calibrated) confidence."""
    _script(
        db,
        """
        CREATE TABLE batches (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            kind       TEXT NOT NULL,     -- 'tag', 'untag', 'review', 'decide', 'sheet', 'merge'
            actor      TEXT NOT NULL,
            summary    TEXT,
            at         TEXT NOT NULL,
            payload    TEXT,              -- JSON: what a kind of batch keeps to be undone
            undone_at  TEXT,
            undone_by  TEXT
        );
        ALTER TABLE coding_events ADD COLUMN batch_id INTEGER REFERENCES batches(id);
        ALTER TABLE coding_events ADD COLUMN before TEXT;
        CREATE INDEX coding_events_batch ON coding_events(batch_id);
        CREATE INDEX coding_events_coding ON coding_events(coding_id);
        ALTER TABLE codings ADD COLUMN strength REAL;
        UPDATE codings SET strength = confidence WHERE origin LIKE 'rule:%';
        """,
    )


def _v10(db: sqlite3.Connection) -> None:
    """Real-world material: a document's ``kind`` (interview, document or notes) and the hash of
    the file it came from (its stored text may be cleaned); a turn's speaker ``role``
    (``interviewer`` for the questioning side); ``removed_documents``, where ``casecode rm``
    keeps everything it removes (the document, its turns, attributes, codings, memos and their
    history, as JSON) so it can be restored; and ``document_events`` (renames, removals,
    restorations). Documents already stored are interviews when any of
    their segments has a speaker, else documents."""
    _script(
        db,
        """
        ALTER TABLE documents ADD COLUMN kind TEXT NOT NULL DEFAULT 'interview';
        ALTER TABLE documents ADD COLUMN file_sha256 TEXT;
        ALTER TABLE segments ADD COLUMN role TEXT;
        UPDATE documents SET kind = 'document' WHERE NOT EXISTS
            (SELECT 1 FROM segments s WHERE s.document_id = documents.id
             AND s.speaker IS NOT NULL);
        CREATE TABLE removed_documents (
            id          INTEGER PRIMARY KEY,
            name        TEXT NOT NULL,
            actor       TEXT NOT NULL,
            removed_at  TEXT NOT NULL,
            record      TEXT NOT NULL,
            restored_at TEXT
        );
        -- What happened to documents (rename, remove, restore), kept when they are removed.
        CREATE TABLE document_events (
            id          INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL,
            action      TEXT NOT NULL,
            actor       TEXT NOT NULL,
            detail      TEXT,
            at          TEXT NOT NULL
        );
        """,
    )


def _v11(db: sqlite3.Connection) -> None:
    """The store refuses a second document with the same text (two imports racing each other
    would otherwise both store it). Triggers, not a unique index, so a project that already
    holds copies opens as before; only new copies are refused."""
    for when, condition in (
        ("INSERT", "sha256 = NEW.sha256"),
        ("UPDATE OF sha256", "sha256 = NEW.sha256 AND id != NEW.id"),
    ):
        name = "documents_one_copy_" + when.split()[0].lower()
        db.execute(
            f"CREATE TRIGGER {name} BEFORE {when} ON documents "
            f"WHEN EXISTS (SELECT 1 FROM documents WHERE {condition}) "
            "BEGIN SELECT RAISE(ABORT, 'casecode: same content already stored'); END"
        )


# Append a function for each schema change; never edit one that has shipped.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9, _v10, _v11
]  # fmt: skip
