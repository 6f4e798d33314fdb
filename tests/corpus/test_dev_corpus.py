"""The real files of ../shared/dev-corpus (public podcasts, hearings, a legislative record
extracted from PDF, regulations): turn counts, speakers and no page furniture. Skipped, with the
reason, where that folder is absent (a plain clone)."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from casecode.corpus.readers import read_document
from casecode.corpus.turns import speaker_roles, split_turns
from conftest import SHARED

DEV = SHARED / "dev-corpus"
pytestmark = pytest.mark.skipif(
    not DEV.is_dir(), reason="../shared/dev-corpus not present (shared development data)"
)


def segments_of(path):
    raw = read_document(path)
    segs = speaker_roles(raw.text, split_turns(raw.text, start=raw.body_start))
    return raw, segs


def test_podcasts_with_a_speaker_key_name_their_speakers_in_full():
    for path in sorted((DEV / "en_iriss").glob("*.md")):
        raw, segs = segments_of(path)
        key = re.findall(r"(?m)^([A-Z]{1,3}) - ([A-Z][\w'’-]+(?: [A-Z][\w'’-]+)*)", raw.text)
        turns = [s for s in segs if s.kind == "turn"]
        assert turns, path.name
        if key:
            names = {full for _, full in key}
            assert {s.speaker for s in turns} <= names, path.name
            opened = sum(
                len(re.findall(rf"(?m)^{short} (?![-–—=])(?=\S)", raw.text[raw.body_start :]))
                for short, _ in key
            )
            assert len(turns) == opened, path.name
        # numbered turns count speech only: the key and the front matter are not turns
        assert [s.n for s in turns] == list(range(1, len(turns) + 1))
        # the host asks: one speaker is the questioning side wherever there is a conversation
        counts = Counter(s.speaker for s in turns)
        if max(counts.values()) >= 3:
            assert len({s.speaker for s in turns if s.role == "interviewer"}) == 1, path.name


def test_shared_lives_podcast():
    raw, segs = segments_of(DEV / "en_iriss" / "shared-lives.md")
    speakers = Counter(s.speaker for s in segs if s.kind == "turn")
    assert set(speakers) == {
        "Lesley Stevenson",
        "Shona Elvin",
        "Asif Khan",
        "Bill Black",
        "Elaine Stockdale",
        "Ben Hall",
    }
    first = next(s for s in segs if s.n == 1)
    assert first.speaker == "Lesley Stevenson" and first.role == "interviewer"


def test_hearings_in_restructuredtext():
    for path in sorted((DEV / "en_inquiry").glob("*.rst")):
        raw, segs = segments_of(path)
        labels = len(re.findall(r"(?m)^\*\*[^*\n]+\*\*:", raw.text))
        turns = [s for s in segs if s.kind == "turn"]
        assert len(turns) == labels, path.name
        speakers = {s.speaker for s in turns}
        assert "Counsel Inquiry" in speakers and "Lady Hallett" in speakers
        assert not any(sp.startswith(("(", "*")) for sp in speakers)
        assert {s.speaker for s in turns if s.role} >= {"Counsel Inquiry"}
        # witnesses' names under underlined headings are structure, inside no turn
        heads = [s for s in segs if s.kind == "heading"]
        assert heads and all(not raw.text[h.start : h.end].startswith("**") for h in heads)


def test_legislative_record_extracted_from_pdf():
    path = DEV / "zh_legco_traditional" / "12-13-cm1114.txt"
    raw, segs = segments_of(path)
    assert raw.cleaned
    assert not re.search(r"立法會\s*─\s*2012年", raw.text)  # page headers gone
    assert not re.search(r"(?m)^\s*\d{4}\s*$", raw.text)  # page numbers gone
    turns = [s for s in segs if s.kind == "turn"]
    reference = json.loads(path.with_suffix(".json").read_text("utf-8"))
    speeches = [e for e in reference["events"] if e["type"] == "speech"]
    assert abs(len(turns) - len(speeches)) <= len(speeches) * 0.1
    speakers = Counter(s.speaker for s in turns)
    assert speakers.most_common(1)[0][0] == "主席"
    assert "功能團體" not in speakers and "地方選區" not in speakers
    known = {e["speaker"]["full"] for e in speeches}
    assert len(set(speakers) & known) >= 0.85 * len(known)
    # hard line breaks inside a sentence are joined: no line ends in the middle of a clause
    turn = next(s for s in turns if s.speaker == "民政事務局局長")
    assert "\n" not in raw.text[turn.start : turn.end].split("\n\n")[0]
    # the chair asks; so may a member in question time, whose questions officials answer, but
    # not the officials, nor members who only debate
    asking = {s.speaker for s in turns if s.role}
    assert {"主席", "代理主席"} <= asking and len(asking) <= 4
    assert all(a.endswith("議員") for a in asking - {"主席", "代理主席"})


def test_regulations_are_articles_not_interviews():
    for path in sorted((DEV / "zh_policy").glob("*.md")):
        raw, segs = segments_of(path)
        articles = [s for s in segs if s.n > 0]
        expected = len(re.findall(r"(?m)^第[一二三四五六七八九十百零]+条", raw.text))
        assert len(articles) == expected and all(s.kind == "article" for s in articles)
        assert not any(s.speaker for s in segs)
        text = "".join(raw.text[s.start : s.end] for s in articles)
        assert "INFO END" not in text and "会议通过" not in text.split("第一条")[0]
