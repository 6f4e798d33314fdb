"""Real files from other QDA tools, read from ../shared (absent in a plain clone: skipped)."""

from __future__ import annotations

import pytest

from casecode import split_turns
from casecode.corpus.readers import read_document
from conftest import SHARED

QUALCODER = SHARED / "samples" / "qualcoder"
pytestmark = pytest.mark.skipif(
    not QUALCODER.is_dir(), reason="../shared/samples/qualcoder not present (shared test data)"
)


def test_qualcoder_bracketed_speaker_transcript():
    raw = read_document(QUALCODER / "transcript.txt")
    segments = split_turns(raw.text)
    assert [s.speaker for s in segments] == ["id1", "id2", "id3", "id1", "id3", "id1", "id2"]
    assert raw.text[segments[0].start :].startswith("hello, I like the course")


@pytest.mark.parametrize("name", ["ID1.docx", "ID2.odt"])
def test_qualcoder_office_documents_read_as_paragraphs(name):
    raw = read_document(QUALCODER / name)
    segments = split_turns(raw.text)
    assert len(raw.text) > 300
    assert segments and all(s.kind == "paragraph" for s in segments)
    assert "lecture slides" in raw.text or "course" in raw.text
