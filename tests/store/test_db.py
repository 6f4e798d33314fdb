from __future__ import annotations

import sqlite3

import pytest

from casecode import CasecodeError
from casecode.coding.tokenize import Tokenizer, Tokens
from casecode.model import Segment
from casecode.store import Store
from casecode.store.migrations import MIGRATIONS
from conftest import add_document


def test_a_new_store_is_at_the_latest_version_with_wal_and_foreign_keys(tmp_path):
    with Store(tmp_path / "p.db") as store:
        assert store.version == len(MIGRATIONS)
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_migrations_run_forward_from_the_first_version_and_keep_data(tmp_path):
    path = tmp_path / "p.db"
    with Store(path, migrations=MIGRATIONS[:1]) as store, store.transaction():
        doc = add_document(store, "问：好")
        store.replace_segments(doc, [Segment(1, "问", 2, 3, 0)])

    def v_next(db):
        db.execute("ALTER TABLE documents ADD COLUMN note TEXT DEFAULT 'migrated'")

    with Store(path, migrations=[*MIGRATIONS, v_next]) as store:
        assert store.version == len(MIGRATIONS) + 1
        row = store.document_by_name("a.txt")
        assert (row["text"], row["note"]) == ("问：好", "migrated")
        assert store.segments(doc) == [Segment(1, "问", 2, 3, 0)]


def test_a_failing_migration_leaves_the_store_at_its_old_version(tmp_path):
    path = tmp_path / "p.db"
    Store(path).close()

    def broken(db):
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        Store(path, migrations=[*MIGRATIONS, broken])
    with Store(path) as store:
        assert store.version == len(MIGRATIONS)
        tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master")}
        assert "half_done" not in tables


def test_a_store_from_a_newer_casecode_is_refused(tmp_path):
    path = tmp_path / "p.db"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_version VALUES (99, 'future')")
    db.commit()
    db.close()
    with pytest.raises(CasecodeError, match="schema version 99, newer"):
        Store(path)


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "p.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CasecodeError, match="not a usable casecode database"):
        Store(path)


def test_a_transaction_is_all_or_nothing(tmp_path):
    with Store(tmp_path / "p.db") as store:
        with pytest.raises(ValueError), store.transaction():
            add_document(store, "t")
            raise ValueError("crash half way")
        assert store.list_documents() == []


def test_a_document_with_codings_cannot_be_deleted(tmp_path):
    with Store(tmp_path / "p.db") as store:
        doc = add_document(store, "t")
        store.insert_coding(doc, 0, 1, "problems.funds", coder="ann", origin="manual")
        with pytest.raises(sqlite3.IntegrityError):
            store.db.execute("DELETE FROM documents WHERE id = ?", (doc,))


def test_coding_ids_are_never_reused_and_an_old_store_migrates_with_its_codings(tmp_path):
    path = tmp_path / "p.db"
    with Store(path, migrations=MIGRATIONS[:4]) as store, store.transaction():
        doc = add_document(store, "问：权责不清")
        ids = [
            store.insert_coding(doc, 2, 6, code, coder="ann", origin="manual", memo=code)
            for code in ("a", "b", "c", "d")
        ]
        store.set_review(ids[0], "accepted", "cai", "2026-01-01T00:00:00Z")
        store.add_memo("coding", str(ids[3]), "on d", "ann")
        store.db.execute(  # an event as the schema of version 4 logged it
            'INSERT INTO coding_events (coding_id, document_id, start, "end", code_id, action, '
            "actor, at) VALUES (?, ?, 2, 6, 'd', 'untag', 'ann', '2026-01-01T00:00:00Z')",
            (ids[3], doc),
        )
        store.delete_coding(ids[3])  # the old schema would give its id to the next coding
        before = [dict(r) for r in store.db.execute("SELECT * FROM codings ORDER BY id")]
    with Store(path) as store:
        assert store.version == len(MIGRATIONS)
        after = [dict(r) for r in store.db.execute("SELECT * FROM codings ORDER BY id")]
        assert [{k: a[k] for k in b} for a, b in zip(after, before, strict=True)] == before
        with store.transaction():
            new = store.insert_coding(doc, 2, 6, "e", coder="ann", origin="manual")
            store.delete_coding(new)
            newer = store.insert_coding(doc, 2, 6, "f", coder="ann", origin="manual")
        assert ids[3] < new < newer
        with pytest.raises(sqlite3.IntegrityError):
            store.db.execute("DELETE FROM documents WHERE id = ?", (doc,))


def test_an_old_token_cache_is_dropped_and_rebuilt_in_the_new_form(tmp_path):
    path = tmp_path / "p.db"
    with Store(path, migrations=MIGRATIONS[:6]) as store, store.transaction():
        doc = add_document(store, "问：权责不清")
        store.db.execute(
            "INSERT INTO tokens (document_id, sha256, tokenizer, starts, ends, lemmas) "
            "VALUES (?, 'x', 't', x'00', x'00', '{}')",
            (doc,),
        )
    with Store(path) as store:
        assert store.version == len(MIGRATIONS)
        assert store.cached_tokens(doc, "x", "t") is None  # the old stream is gone
        assert store.document_by_id(doc)["text"] == "问：权责不清"  # the document is not
        tokens = Tokenizer({"不清"}).tokenize("Volunteers 权责不清", "zh")
        with store.transaction():
            store.cache_tokens(doc, "y", "t", tokens.to_blobs())
        cached = store.cached_tokens(doc, "y", "t")
        assert Tokens.from_blobs(*cached).norms() == tokens.norms() == ["volunteer", "权责", "不清"]


def test_v8_gives_stored_chinese_documents_their_script(tmp_path):
    path = tmp_path / "p.db"
    with Store(path, migrations=MIGRATIONS[:7]) as store, store.transaction():
        traditional = add_document(store, "問：村民委員會說經費不足，權責不清。")
        store.db.execute(
            "UPDATE documents SET name = 't.txt', sha256 = 't' WHERE id = ?", (traditional,)
        )
        simplified = add_document(store, "问：村民委员会说经费不足，权责不清。")
    with Store(path) as store:
        scripts = dict(store.db.execute("SELECT id, script FROM documents").fetchall())
    assert scripts == {traditional: "zh-Hant", simplified: "zh-Hans"}
