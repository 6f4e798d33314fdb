"""The schema change of issue 20: documents get a kind (interview when anyone speaks), turns a
role, and removed documents a table; what was stored is kept."""

from __future__ import annotations

from casecode.model import Segment
from casecode.store.db import Store
from casecode.store.migrations import MIGRATIONS
from conftest import add_document


def test_stored_documents_get_their_kind(tmp_path):
    path = tmp_path / "p.db"
    mine = next(i for i, m in enumerate(MIGRATIONS) if "removed_documents" in (m.__doc__ or ""))
    with Store(path, migrations=MIGRATIONS[:mine]) as store, store.transaction():
        interview = add_document(store, "问：好")
        store.replace_segments(interview, [Segment(1, "问", 2, 3, 0)])
        store.db.execute("UPDATE documents SET name = 'b.txt', sha256 = 'y'")
        plain = add_document(store, "第一条 总则")
        store.replace_segments(plain, [Segment(1, None, 0, 6, 0, None, "paragraph")])
    with Store(path) as store:
        assert store.version == len(MIGRATIONS)
        kinds = {r["name"]: r["kind"] for r in store.db.execute("SELECT * FROM documents")}
        assert kinds == {"b.txt": "interview", "a.txt": "document"}
        assert store.segments(interview) == [Segment(1, "问", 2, 3, 0)]
        assert store.removed_documents() == []
