"""The real-text gold set in benchmarks/devgold: its files agree with each other and with the
codebooks, its units map onto an imported text however import lays out whitespace, and its
sample is the frozen fixed-seed draw (which needs ../shared/dev-corpus, else skipped)."""

from __future__ import annotations

import csv
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecode.codebook import load_codebook
from conftest import ROOT, SHARED

DEVGOLD = ROOT / "benchmarks" / "devgold"
sys.path.insert(0, str(DEVGOLD))

import score  # noqa: E402
import units  # noqa: E402

DEV = SHARED / "dev-corpus"


def _rows(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(DEVGOLD / name, encoding="utf-8") as f:
        lines = f.readlines()
    header = [line for line in lines if line.startswith("#")]
    return header, list(csv.DictReader(line for line in lines if not line.startswith("#")))


def test_gold_rows_name_units_of_the_sample_and_codes_of_the_codebooks():
    sample = units.read_units()
    assert len(sample) >= 300
    assert {name.split("/")[0] for name, _, _ in sample} == set(units.KINDS)
    ids = {
        c.id for book in ("coproduction", "welfare_production") for c in load_codebook(book).walk()
    }
    for name in ("gold.csv", "second_pass.csv", "second_coder.csv"):
        header, rows = _rows(name)
        text = "".join(header)
        assert "Coder:" in text and "Coded: 2026-" in text  # who coded it, and when
        assert rows
        for r in rows:
            assert tuple(sample[int(r["unit"])]) == (r["file"], int(r["start"]), int(r["end"]))
            assert r["code"] in ids, r["code"]
    _, second = _rows("second_pass.csv")
    assert {int(r["unit"]) % 5 for r in second} == {0}


def test_the_second_coder_lists_the_units_it_coded_and_notes_only_those():
    listed = score.read_coded_units(DEVGOLD / "second_coder.csv")
    assert set(range(0, 320, 2)) <= set(listed) <= set(range(320)) and len(set(listed)) == len(
        listed
    )
    _, rows = _rows("second_coder.csv")
    assert {int(r["unit"]) for r in rows} <= set(listed)
    _, notes = _rows("second_coder_notes.csv")
    assert set(notes[0]) == {"unit", "note"}
    assert {int(r["unit"]) for r in notes} <= set(listed)


def _codes_at(commit: str) -> set[str]:
    """Every code id of the two built-in codebooks as they stood at ``commit``."""
    import subprocess

    import yaml

    ids: set[str] = set()

    def walk(code: dict) -> None:
        ids.add(code["id"])
        for child in code.get("children", []):
            walk(child)

    for book in ("coproduction", "welfare_production"):
        try:
            text = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{commit}:codebooks/{book}.yaml"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            pytest.skip(f"the codebooks at {commit} are not in this checkout's git history")
        for code in yaml.safe_load(text)["codes"]:
            walk(code)
    return ids


def test_the_consensus_covers_coded_units_and_adjudicates_every_disagreement():
    sample = units.read_units()
    listed = score.read_coded_units(DEVGOLD / "consensus.csv")
    # the even units, and the odd units adjudicated so far (all of them once finished)
    assert set(range(0, len(sample), 2)) <= set(listed)
    assert set(listed) <= set(score.read_coded_units(DEVGOLD / "second_coder.csv"))
    header, rows = _rows("consensus.csv")
    text = "".join(header)
    assert "Coder: adjudicator" in text and "Coded: 2026-12-06" in text
    assert set(rows[0]) == {"unit", "file", "start", "end", "code"}  # no text column
    ids = _codes_at("d4ca53f")
    for r in rows:
        assert int(r["unit"]) in listed
        assert tuple(sample[int(r["unit"])]) == (r["file"], int(r["start"]), int(r["end"]))
        assert r["code"] in ids, r["code"]
    # agreed codes are kept; each code only one coder gave has one decision, applied
    consensus = score.read_codes(DEVGOLD / "consensus.csv")
    first, second = score.read_codes(score.GOLD), score.read_codes(score.SECOND_CODER)
    _, notes = _rows("consensus_notes.csv")
    assert set(notes[0]) == {"unit", "code", "decision", "reason"}
    decided = {(int(n["unit"]), n["code"]): n["decision"] for n in notes}
    assert len(decided) == len(notes)
    for i in listed:
        a, b, c = first.get(i, set()), second.get(i, set()), consensus.get(i, set())
        assert a & b <= c <= a | b
        assert {code for (u, code) in decided if u == i} == a ^ b
        assert c - (a & b) == {code for code in a ^ b if decided[(i, code)] == "keep"}
    assert {n["decision"] for n in notes} <= {"keep", "drop"}
    assert all(0 < len(n["reason"]) <= 200 for n in notes)  # short reasons, no quoted text


def test_agreement_counts_judgements_of_the_codes_either_coder_used():
    first = {0: {"actors.government", "process.co_provision"}, 1: set()}
    second = {0: {"actors.government"}, 1: {"input.government"}}
    lines = score.agreement(first, second, [0, 1], score.BOOKS["coproduction"])
    assert lines[0].startswith("level 1: 2 units, 2 codes used;")
    assert "both 1; F1 0.67" in lines[0] and "both 1; F1 0.67" in lines[1]
    assert score.agreement({}, {}, [0], ("input",)) == [
        "level 1: 1 units, no code used by either",
        "level 2: 1 units, no code used by either",
    ]


def test_no_text_of_the_dev_corpus_is_stored():
    # offsets and codes only: the columns, and no field longer than a file name
    for name in ("units.csv", "gold.csv", "second_pass.csv", "second_coder.csv", "consensus.csv"):
        _, rows = _rows(name)
        assert set(rows[0]) <= {"unit", "file", "start", "end", "code"}
        assert all(r["file"].split("/")[0] in units.KINDS for r in rows)


_WORDS = st.lists(
    st.text(alphabet="养老服务村委会abcXYZ，。", min_size=1, max_size=6), min_size=3, max_size=30
)


@settings(max_examples=60, deadline=None)
@given(
    words=_WORDS,
    seps=st.lists(st.sampled_from([" ", "\n", "  \n", ""]), min_size=30, max_size=30),
    other=st.lists(st.sampled_from([" ", "\n", ""]), min_size=30, max_size=30),
    pick=st.tuples(st.integers(0, 29), st.integers(0, 29)),
)
def test_a_unit_maps_onto_a_text_laid_out_differently(words, seps, other, pick):
    raw = "".join(w + s for w, s in zip(words, seps, strict=False))
    stored = "\n" + "".join(w + s for w, s in zip(words, other, strict=False))  # reflowed
    a, b = sorted(pick)
    a, b = min(a, len(words) - 1), min(b, len(words) - 1)
    start = sum(len(w) + len(s) for w, s in zip(words[:a], seps, strict=False))
    end = sum(len(w) + len(s) for w, s in zip(words[: b + 1], seps, strict=False))
    end -= len(raw[:end]) - len(raw[:end].rstrip())
    span = score.map_span(raw, stored, start, end, {})
    assert span is not None
    assert "".join(stored[span[0] : span[1]].split()) == "".join(raw[start:end].split())


def test_a_unit_maps_onto_text_with_a_page_header_removed():
    raw = "第一条 为了促进居家养老服务发展，\n立法會 ─ 2012年\n\n制定本条例。后面还有很多文字。"
    stored = "第一条 为了促进居家养老服务发展，制定本条例。后面还有很多文字。"
    start, end = 0, raw.index("。") + 1
    s, e = score.map_span(raw, stored, start, end, {})
    assert stored[s:e] == "第一条 为了促进居家养老服务发展，制定本条例。"


def test_the_scorer_skips_with_a_reason_without_the_dev_corpus(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(score, "DEV", tmp_path / "absent")
    assert score.main([]) == 0
    assert "skipped" in capsys.readouterr().out


@pytest.mark.skipif(not DEV.is_dir(), reason="../shared/dev-corpus is absent")
def test_the_sample_is_the_frozen_fixed_seed_draw_of_body_sentences():
    sample = units.read_units()
    assert units.draw() == sample
    for name, start, end in sample:
        text = units.unit_text(name, start, end)
        assert text == text.strip() and not text.startswith(("#", "---", "**"))
        assert "<!--" not in text and "\f" not in text


def test_sample_two_is_apart_from_sample_one_and_its_consensus_adjudicates_every_disagreement():
    first_sample, sample = units.read_units(), units.read_units(units.SAMPLES[2][0])
    assert len(sample) == 400 and len(set(sample)) == 400
    assert {name.split("/")[0] for name, _, _ in sample} == set(units.KINDS)
    for name, s, e in sample:  # no sentence of the first sample again
        assert not any(n == name and s < b and a < e for n, a, b in first_sample)
    _check_consensus(sample, "2")


@pytest.mark.parametrize("n", [3, 4, 5])
def test_later_samples_are_coded_twice_and_their_consensus_adjudicates_every_disagreement(n):
    _check_consensus(units.read_units(units.SAMPLES[n][0]), str(n))


def _check_consensus(sample, n: str) -> None:
    """Both coders and the consensus code every unit of ``sample`` by offsets and codebook ids
    only, and the consensus is what both coders gave plus every disagreement its notes keep."""
    ids = {
        c.id for book in ("coproduction", "welfare_production") for c in load_codebook(book).walk()
    }
    coded = {}
    for name in (f"gold{n}_a.csv", f"gold{n}_b.csv", f"consensus{n}.csv"):
        header, rows = _rows(name)
        text = "".join(header)
        assert "Coder:" in text and "Coded: 2026-" in text
        assert set(rows[0]) == {"unit", "file", "start", "end", "code"}  # no text column
        assert score.read_coded_units(DEVGOLD / name) == list(range(len(sample)))
        for r in rows:
            assert tuple(sample[int(r["unit"])]) == (r["file"], int(r["start"]), int(r["end"]))
            assert r["code"] in ids, r["code"]
        coded[name] = score.read_codes(DEVGOLD / name)
    a, b, c = coded[f"gold{n}_a.csv"], coded[f"gold{n}_b.csv"], coded[f"consensus{n}.csv"]
    _, notes = _rows(f"consensus{n}_notes.csv")
    decided = {(int(n["unit"]), n["code"]): n["decision"] for n in notes}
    assert len(decided) == len(notes) and {n["decision"] for n in notes} <= {"keep", "drop"}
    assert all(0 < len(n["reason"]) <= 200 for n in notes)
    for i in range(len(sample)):
        x, y, z = a.get(i, set()), b.get(i, set()), c.get(i, set())
        assert {code for (u, code) in decided if u == i} == x ^ y
        assert z == (x & y) | {code for code in x ^ y if decided[(i, code)] == "keep"}
    for name in (f"gold{n}_a_notes.csv", f"gold{n}_b_notes.csv"):
        _, rows = _rows(name)
        assert set(rows[0]) == {"unit", "note"} and {int(r["unit"]) for r in rows} <= set(
            range(len(sample))
        )


@pytest.mark.skipif(not DEV.is_dir(), reason="../shared/dev-corpus is absent")
def test_sample_two_is_the_frozen_draw():
    taken = units.read_units()
    path, seed, per_kind = units.SAMPLES[2]
    assert units.draw(seed, per_kind, taken) == units.read_units(path)


@pytest.mark.skipif(not DEV.is_dir(), reason="../shared/dev-corpus is absent")
@pytest.mark.parametrize("n", [3, 4, 5])
def test_later_samples_are_frozen_draws_from_one_half_apart_from_the_earlier_ones(n):
    taken = [u for k in range(1, n) for u in units.read_units(units.SAMPLES[k][0])]
    path, seed, per_kind = units.SAMPLES[n]
    sample = units.read_units(path)
    assert units.draw(seed, per_kind, taken, units.HALF[n]) == sample
    assert len(set(sample)) == 4 * per_kind
    assert {units.side(name, start) for name, start, _ in sample} == {units.HALF[n]}
    for name, s, e in sample:
        assert not any(n_ == name and s < b and a < e for n_, a, b in taken)


def test_pooled_samples_keep_each_units_codes_and_coverage():
    units_, gold, covered, origin, (first, second, coded) = score.pooled([3, 5], None)
    three = units.read_units(units.SAMPLES[3][0])
    assert len(units_) == len(three) + len(units.read_units(units.SAMPLES[5][0]))
    assert origin[len(three)] == (5, 0) and units_[: len(three)] == three
    fives = score.read_codes(DEVGOLD / "consensus5.csv")
    assert {i - len(three): c for i, c in gold.items() if i >= len(three)} == dict(fives)
    assert covered == list(range(len(units_))) and coded == covered
    coder_a = score.read_codes(DEVGOLD / "gold5_a.csv")
    assert {i - len(three): c for i, c in first.items() if i >= len(three)} == dict(coder_a)


def test_the_context_judgements_cover_sample_fours_english_codings_exactly():
    _, rows = _rows("context4_en.csv")
    judged = {(int(r["unit"]), r["code"]) for r in rows}
    assert len(judged) == len(rows) and {r["alone"] for r in rows} <= {"yes", "no"}
    consensus = score.read_codes(DEVGOLD / "consensus4.csv")
    english = {(i, c) for i, codes in consensus.items() if i >= 200 for c in codes}
    assert judged == english
