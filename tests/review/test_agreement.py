"""Reliability: the statistics against published worked examples, and `agree`, `evaluate`,
`suggest` and `merge` on small projects coded by hand."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecode.review import stats
from casecode.review.suggest import log_odds
from conftest import ROOT, SHARED, build_once, copy_of, stored_codings, with_transcripts, write
from samples import CODING_CODEBOOK as CODEBOOK

REFERENCE = SHARED / "reliability" / "icr_reference_cases.json"

# -- the published examples, carried inline so a plain clone checks them too ---------------------

KRIPPENDORFF_2011_C = [  # coders × units; Krippendorff (2011), section C
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
WIKIPEDIA_ALPHA = [  # coders × units; Wikipedia, "Krippendorff's alpha"
    [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
    [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
    [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
]
WIKIPEDIA_FLEISS = [  # subjects × categories, 14 raters each
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]  # fmt: skip
FLEISS_1971 = [  # subjects × raters: the 'diagnoses' data of Fleiss (1971), R package irr
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip
SAS_3X3 = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]  # SAS PROC FREQ, as quoted in statsmodels' tests
WIKIPEDIA_COHEN = [[20, 5], [10, 15]]
ANXIETY_2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4]  # irr data(anxiety)
ANXIETY_3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2]


def units_by_coders(coders_x_units):
    return [list(u) for u in zip(*coders_x_units, strict=True)]


def computed(case_id: str, data=None, case=None) -> dict[str, float]:
    """Our figures for a reference case, keyed as the reference file keys its expected values."""
    if case_id == "krippendorff2011_C_4coders_12units":
        table = units_by_coders(data or KRIPPENDORFF_2011_C)
        return {lvl: stats.krippendorff_alpha(table, lvl) for lvl in stats.LEVELS}
    if case_id == "wikipedia_krippendorff_3coders_15units":
        table = units_by_coders(data or WIKIPEDIA_ALPHA)
        return {lvl: stats.krippendorff_alpha(table, lvl) for lvl in ("nominal", "interval")}
    if case_id == "wikipedia_fleiss_10subjects_14raters":
        return {"kappa": stats.fleiss_kappa_counts(data or WIKIPEDIA_FLEISS).kappa}
    if case_id == "fleiss1971_diagnoses_30patients_6raters":
        k = stats.fleiss_kappa(data or FLEISS_1971)
        return {"kappa": k.kappa, "z": k.z}
    if case_id == "sas_cohen_3x3":
        found = {}
        for name, weights in (("unweighted", None), ("weighted_linear_weights_0_1_2", "linear")):
            k = stats.cohen_kappa_table(data or SAS_3X3, weights)
            found.update(
                {
                    f"{name}.kappa": k.kappa,
                    f"{name}.ase": k.ase,
                    f"{name}.ci95.0": k.ci95[0],
                    f"{name}.ci95.1": k.ci95[1],
                    f"{name}.ase_h0": k.ase_h0,
                    f"{name}.z": k.z,
                    f"{name}.p_one_sided": k.p / 2,
                    f"{name}.p_two_sided": k.p,
                }
            )
        return found
    if case_id == "wikipedia_cohen_2x2":
        k = stats.cohen_kappa_table(data or WIKIPEDIA_COHEN)
        return {"p_o": k.p_o, "p_e": k.p_e, "kappa": k.kappa}
    if case_id == "irr_anxiety_cohen_raters2_3":
        a = case["data_rater2"] if case else ANXIETY_2
        b = case["data_rater3"] if case else ANXIETY_3
        found = {}
        for name, weights in (
            ("unweighted", None),
            ("linear_equal_weights", "linear"),
            ("squared_weights", "quadratic"),
        ):
            k = stats.cohen_kappa(a, b, weights=weights)
            found.update({f"{name}.kappa": k.kappa, f"{name}.z": k.z, f"{name}.p": k.p})
        return found
    raise KeyError(case_id)


INLINE = {  # the published values, as printed
    "krippendorff2011_C_4coders_12units": {
        "nominal": 0.743,
        "ordinal": 0.815,
        "interval": 0.849,
        "ratio": 0.797,
    },
    "wikipedia_krippendorff_3coders_15units": {"nominal": 0.691358, "interval": 0.810845},
    "wikipedia_fleiss_10subjects_14raters": {"kappa": 0.210},
    "fleiss1971_diagnoses_30patients_6raters": {"kappa": 0.4302445, "z": 17.65183},
    "sas_cohen_3x3": {
        "unweighted.kappa": 0.4842,
        "unweighted.ase": 0.1380,
        "unweighted.ci95.0": 0.2137,
        "unweighted.ci95.1": 0.7547,
        "unweighted.ase_h0": 0.1484,
        "unweighted.z": 3.2626,
        "unweighted.p_one_sided": 0.0006,
        "unweighted.p_two_sided": 0.0011,
        "weighted_linear_weights_0_1_2.kappa": 0.4701,
        "weighted_linear_weights_0_1_2.ase": 0.1457,
        "weighted_linear_weights_0_1_2.ci95.0": 0.1845,
        "weighted_linear_weights_0_1_2.ci95.1": 0.7558,
        "weighted_linear_weights_0_1_2.ase_h0": 0.1426,
        "weighted_linear_weights_0_1_2.z": 3.2971,
        "weighted_linear_weights_0_1_2.p_one_sided": 0.0005,
        "weighted_linear_weights_0_1_2.p_two_sided": 0.0010,
    },
    "wikipedia_cohen_2x2": {"p_o": 0.7, "p_e": 0.5, "kappa": 0.4},
    "irr_anxiety_cohen_raters2_3": {
        "unweighted.kappa": -0.006289308,
        "unweighted.z": -0.0604067,
        "unweighted.p": 0.9518317,
        "linear_equal_weights.kappa": 0.1459075,
        "linear_equal_weights.z": 1.282472,
        "linear_equal_weights.p": 0.1996772,
        "squared_weights.kappa": 0.2520325,
        "squared_weights.z": 1.437451,
        "squared_weights.p": 0.1505898,
    },
}


def _decimals(value: float) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if "." in text and "e" not in text else 6


def assert_printed(ours: float | None, published: float, what: str, decimals: int | None = None):
    """``ours`` rounds to ``published`` at the precision it was printed with."""
    d = _decimals(published) if decimals is None else decimals
    assert ours is not None, what
    assert abs(ours - published) <= 0.5 * 10**-d + 1e-12, f"{what}: {ours} vs {published}"


@pytest.mark.parametrize("case_id", sorted(INLINE))
def test_statistics_reproduce_the_published_examples(case_id):
    ours = computed(case_id)
    for key, published in INLINE[case_id].items():
        decimals = 4 if case_id == "sas_cohen_3x3" else None  # SAS prints 4 places
        assert_printed(ours[key], published, f"{case_id} {key}", decimals)


def test_examples_exactly_where_the_arithmetic_is_exact():
    assert stats.cohen_kappa_table(WIKIPEDIA_COHEN).kappa == pytest.approx(0.4, abs=1e-12)
    assert stats.krippendorff_alpha(units_by_coders(WIKIPEDIA_ALPHA)) == pytest.approx(
        0.691358, abs=5e-7
    )
    # Fleiss (1971): column sums 26, 26, 30, 55, 43 of the 180 diagnoses
    k = stats.fleiss_kappa(FLEISS_1971)
    assert k.p_e == pytest.approx(sum((c / 180) ** 2 for c in (26, 26, 30, 55, 43)))


def _flatten(expected: dict, prefix: str = "") -> dict[str, float]:
    flat = {}
    for key, value in expected.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        elif isinstance(value, list):
            flat.update({f"{name}.{i}": v for i, v in enumerate(value)})
        else:
            flat[name] = value
    return flat


@pytest.mark.skipif(not REFERENCE.is_file(), reason=f"{REFERENCE} is not here (inline copy ran)")
def test_statistics_reproduce_every_value_in_the_shared_reference_file():
    text = REFERENCE.read_text("utf-8")
    cases = json.loads(text)["cases"]
    assert {c["id"] for c in cases} <= set(INLINE), "a new reference case: add it inline too"
    checked = 0
    for case in cases:
        data = case.get("data")
        ours = computed(case["id"], data, case)
        for field in ("expected", "expected_recomputed"):
            for key, published in _flatten(case.get(field, {})).items():
                # the file stores SAS's 0.0010 as 0.001: SAS prints four places
                decimals = 4 if case["id"] == "sas_cohen_3x3" else None
                assert key in ours, f"{case['id']}: {key} is not computed"
                assert_printed(ours[key], published, f"{case['id']} {field} {key}", decimals)
                checked += 1
    assert checked >= 40


# -- properties ----------------------------------------------------------------------------------

values = st.one_of(st.none(), st.integers(1, 4))
tables = st.lists(st.lists(values, min_size=3, max_size=3), min_size=2, max_size=25)


@settings(max_examples=150, deadline=None)
@given(tables, st.sampled_from(stats.LEVELS))
def test_alpha_agrees_with_the_krippendorff_package(table, level):
    krippendorff = pytest.importorskip("krippendorff")
    import numpy as np

    ours = stats.krippendorff_alpha(table, level)
    data = np.array([[np.nan if v is None else v for v in unit] for unit in table]).T
    try:
        theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    except (ValueError, ZeroDivisionError):  # the package refuses tables with one value
        theirs = float("nan")
    if ours is None:
        assert theirs is None or math.isnan(theirs) or math.isinf(theirs)
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(st.integers(0, 1), min_size=2, max_size=2), st.integers(1, 4)),
        min_size=1,
        max_size=15,
    )
)
def test_a_weighted_unit_counts_as_that_many_units(rows):
    table = [r for r, _ in rows]
    weights = [w for _, w in rows]
    repeated = [r for r, w in rows for _ in range(w)]
    a, b = [r[0] for r in table], [r[1] for r in table]
    ra, rb = [r[0] for r in repeated], [r[1] for r in repeated]
    pairs = [
        (stats.percent_agreement(table, weights), stats.percent_agreement(repeated)),
        (
            stats.cohen_kappa(a, b, unit_weights=weights).kappa,
            stats.cohen_kappa(ra, rb).kappa,
        ),
        (stats.fleiss_kappa(table, weights).kappa, stats.fleiss_kappa(repeated).kappa),
        (stats.krippendorff_alpha(table, weights=weights), stats.krippendorff_alpha(repeated)),
    ]
    for weighted, plain in pairs:
        assert (weighted is None) == (plain is None)
        if weighted is not None:
            assert weighted == pytest.approx(plain, abs=1e-9)


def test_statistics_without_variation_are_undefined():
    table = [[0, 0], [0, 0], [0, 0]]
    assert stats.percent_agreement(table) == 1.0
    assert stats.cohen_kappa([0, 0, 0], [0, 0, 0]).kappa is None
    assert stats.fleiss_kappa(table).kappa is None
    assert stats.krippendorff_alpha(table) is None
    assert stats.krippendorff_alpha([[1, None], [None, 0]]) is None  # nothing pairable


def test_log_odds_follow_monroe_et_al():
    from collections import Counter

    target, other = Counter({"经费": 6, "老人": 2}), Counter({"经费": 1, "老人": 8, "志愿者": 5})
    scores = log_odds(target, other)
    # eq. 16-22 with the pooled counts as the prior (a0 = 22, a_w = pooled count)
    a, a0, yt, yo, nt, no = 7, 22, 6, 1, 8, 14
    delta = math.log((yt + a) / (nt + a0 - yt - a)) - math.log((yo + a) / (no + a0 - yo - a))
    assert scores["经费"][0] == pytest.approx(delta)
    assert scores["经费"][1] == pytest.approx(delta / math.sqrt(1 / (yt + a) + 1 / (yo + a)))
    assert scores["经费"][1] > 0 > scores["老人"][1] and scores["志愿者"][1] < 0


# -- a project coded by two people ---------------------------------------------------------------

A_TXT = (
    "访谈者：村里的事谁管？\n村民：村里老人的事谁都管，又谁都不管，权责不清。\n"
    "访谈者：钱呢？\n村民：经费一直很紧张。经费也不透明。\n"
    "访谈者：志愿者多吗？\n村民：志愿者不多，志愿者都是老人。\n"
    "访谈者：还有呢？\n村民：上面推诿，钱也不够。\n"
)
B_TXT = "访谈者：钱够吗？\n村民：经费紧张。\n"


@pytest.fixture
def two_coders(_two_coders, tmp_path):
    """ann coded a.txt and b.txt, bo only a.txt:

    turn     2        4               6            8
    ann      unclear  funds           volunteers   unclear, funds
    bo       unclear  funds, unclear  -            funds

    (each test's own copy of the project ``_code_twice`` built once for this module)
    """
    return copy_of(_two_coders, tmp_path)


@pytest.fixture(scope="module")
def _two_coders(tmp_path_factory):
    return build_once(tmp_path_factory, _code_twice)


def _code_twice(cli, project, tmp_path):
    with_transcripts(cli, project, tmp_path, {"a.txt": A_TXT, "b.txt": B_TXT}, CODEBOOK)
    for turn, codes in ((2, ["problems.unclear"]), (4, ["problems.funds"])):
        cli("tag", "a.txt", turn, *codes, "--coder", "ann", "-p", project)
    cli("tag", "a.txt", 6, "process.volunteers", "--coder", "ann", "-p", project)
    cli("tag", "a.txt", 8, "problems.unclear", "problems.funds", "--coder", "ann", "-p", project)
    cli("tag", "b.txt", 2, "problems.funds", "--coder", "ann", "-p", project)
    cli("tag", "a.txt", 2, "problems.unclear", "--coder", "bo", "-p", project)
    cli("tag", "a.txt", 4, "problems.funds", "problems.unclear", "--coder", "bo", "-p", project)
    cli("tag", "a.txt", 8, "problems.funds", "--coder", "bo", "-p", project)


def test_agree_per_code_and_overall_on_the_documents_both_coded(two_coders, cli):
    result = cli.json("agree", "--coder", "ann", "--coder", "bo", "-p", two_coders)
    assert result["documents"] == 1 and result["unit"] == "turn"  # bo never coded b.txt
    unclear = result["codes"]["problems.unclear"]
    # 8 turns: both coded turn 2, ann alone turn 8, bo alone turn 4, neither the other 5
    assert unclear["units"] == 8 and unclear["coded"] == {"ann": 2, "bo": 2}
    assert unclear["percent_agreement"] == pytest.approx(0.75)
    assert unclear["cohen_kappa"] == pytest.approx(1 / 3)  # Po .75, Pe .25² + .75² = .625
    assert unclear["krippendorff_alpha"] == pytest.approx(0.375)  # 1 - 15·4 / (2·4·12)
    assert unclear["fleiss_kappa"] == pytest.approx(1 / 3)
    funds = result["codes"]["problems.funds"]
    assert funds["cohen_kappa"] == 1.0 and funds["percent_agreement"] == 1.0
    volunteers = result["codes"]["process.volunteers"]
    assert volunteers["cohen_kappa"] == 0.0 and volunteers["percent_agreement"] == 0.875
    overall = result["overall"]
    # pooled: 24 judgements, 21 agree; ann marks 5, bo 4
    pe = (5 / 24) * (4 / 24) + (19 / 24) * (20 / 24)
    assert overall["cohen_kappa"] == pytest.approx((21 / 24 - pe) / (1 - pe))
    assert (overall["units"], overall["judgements"], overall["codes"]) == (8, 24, 3)
    assert set(funds) >= {
        "percent_agreement",
        "cohen_kappa",
        "fleiss_kappa",
        "krippendorff_alpha",
        "units",
    }


def test_agree_on_named_documents_counts_them_as_read_by_everyone(two_coders, cli):
    result = cli.json(
        "agree",
        "--coder",
        "ann",
        "--coder",
        "bo",
        "--docs",
        "a.txt",
        "--docs",
        "b",
        "-p",
        two_coders,
    )
    funds = result["codes"]["problems.funds"]
    assert result["documents"] == 2 and funds["units"] == 10
    assert funds["percent_agreement"] == pytest.approx(0.9)  # bo did not code b.txt turn 2


def test_agree_with_three_coders_and_a_missing_document(two_coders, cli):
    cli("tag", "b.txt", 2, "problems.funds", "--coder", "cy", "-p", two_coders)
    result = cli.json("agree", "--coder", "ann", "--coder", "bo", "--coder", "cy", "-p", two_coders)
    funds = result["codes"]["problems.funds"]
    assert result["documents"] == 2  # each coded by at least two of them
    assert funds["cohen_kappa"] is None  # two coders only
    # a.txt has only ann and bo (cy missing), b.txt ann and cy (bo missing): all pairable
    assert funds["units"] == 10 and funds["complete_units"] == 0
    assert funds["fleiss_kappa"] is None  # no unit rated by all three
    table = [(1, 1, None) if t in (4, 8) else (0, 0, None) for t in range(1, 9)]
    table += [(0, None, 0), (1, None, 1)]
    assert funds["krippendorff_alpha"] == pytest.approx(stats.krippendorff_alpha(table))
    assert funds["krippendorff_alpha"] == 1.0


def test_agree_by_character_is_nvivo_kappa(two_coders, cli):
    cli(
        "tag",
        "a.txt",
        6,
        "process.volunteers",
        "--quote",
        "志愿者不多",
        "--coder",
        "bo",
        "-p",
        two_coders,
    )
    result = cli.json(
        "agree", "--coder", "ann", "--coder", "bo", "--unit", "character", "-p", two_coders
    )
    turns = cli.json("show", "a.txt", "-p", two_coders)["turns"]
    n = sum(len(t["text"]) for t in turns)
    ann, bo = len(turns[5]["text"]), len("志愿者不多")
    volunteers = result["codes"]["process.volunteers"]
    assert volunteers["units"] == n and volunteers["coded"] == {"ann": ann, "bo": bo}
    agree = n - (ann - bo)
    ef1, ef2 = ann * bo / n, (n - ann) * (n - bo) / n
    assert volunteers["cohen_kappa"] == pytest.approx((agree - ef1 - ef2) / (n - ef1 - ef2))
    assert volunteers["percent_agreement"] == pytest.approx(agree / n)


def test_agree_by_sentence_and_rolled_up_to_a_level(two_coders, cli):
    by_sentence = cli.json(
        "agree", "--coder", "ann", "--coder", "bo", "--unit", "sentence", "-p", two_coders
    )
    # turn 4 has two sentences, every other turn one; a whole-turn coding marks both
    assert by_sentence["codes"]["problems.funds"]["units"] == 9
    assert by_sentence["codes"]["problems.funds"]["coded"] == {"ann": 3, "bo": 3}
    cli(
        "tag",
        "a.txt",
        4,
        "process.volunteers",
        "--quote",
        "经费也不透明",
        "--coder",
        "bo",
        "-p",
        two_coders,
    )
    split = cli.json(
        "agree", "--coder", "ann", "--coder", "bo", "--unit", "sentence", "-p", two_coders
    )
    volunteers = split["codes"]["process.volunteers"]
    assert volunteers["coded"] == {"ann": 1, "bo": 1}  # the quote marks its sentence only
    assert volunteers["percent_agreement"] == pytest.approx(7 / 9)
    level1 = cli.json("agree", "--coder", "ann", "--coder", "bo", "--level", "1", "-p", two_coders)
    assert set(level1["codes"]) == {"problems", "process"}
    problems = level1["codes"]["problems"]
    assert problems["coded"] == {"ann": 3, "bo": 3} and problems["cohen_kappa"] == 1.0
    only = cli.json("agree", "--coder", "ann", "--coder", "bo", "--codes", "问题", "-p", two_coders)
    assert set(only["codes"]) == {"problems.funds", "problems.unclear"}


def test_agree_on_coded_units_only_is_labelled(two_coders, cli):
    result = cli.json("agree", "--coder", "ann", "--coder", "bo", "--coded-only", "-p", two_coders)
    assert result["basis"] == "coded units only" and result["overall"]["units"] == 4
    assert cli.json("agree", "--coder", "ann", "--coder", "bo", "-p", two_coders)["basis"] == (
        "all units"
    )


def test_a_reviewers_accepted_suggestions_are_their_codings(two_coders, cli):
    from casecode import decide, review_queue

    cli("code", "-p", two_coders)
    queue = {(q["document"], q["turn"], q["code"]): q["id"] for q in review_queue(two_coders)}
    decide(two_coders, queue[("a.txt", 4, "problems.funds")], "accept", reviewer="dee")
    decide(two_coders, queue[("a.txt", 2, "problems.unclear")], "reject", reviewer="dee")
    result = cli.json("agree", "--coder", "auto", "--coder", "dee", "-p", two_coders)
    assert result["documents"] == 1  # dee decided only in a.txt
    assert result["codes"]["problems.funds"]["coded"] == {"auto": 1, "dee": 1}
    # the rejected suggestion is nobody's coding; auto's other one (推诿, turn 8) stays
    assert result["codes"]["problems.unclear"]["coded"] == {"auto": 1, "dee": 0}
    turn8 = queue[("a.txt", 8, "problems.unclear")]
    decide(two_coders, turn8, "reject", reviewer="dee")
    decide(two_coders, turn8, "accept", reviewer="dee")  # the latest decision counts
    again = cli.json("agree", "--coder", "auto", "--coder", "dee", "-p", two_coders)
    assert again["codes"]["problems.unclear"]["coded"] == {"auto": 1, "dee": 1}


def test_disagreements_are_listed_and_written_for_a_consensus_meeting(two_coders, cli, tmp_path):
    result = cli.json(
        "agree", "--coder", "ann", "--coder", "bo", "--disagreements", "-p", two_coders
    )
    rows = [
        (d["turn"], d["code"], d["coders"]["ann"], d["coders"]["bo"])
        for d in result["disagreements"]
    ]
    assert rows == [
        (4, "problems.unclear", False, True),
        (6, "process.volunteers", True, False),
        (8, "problems.unclear", True, False),
    ]
    assert result["disagreements"][0]["text"] == "经费一直很紧张。经费也不透明。"
    sheet = tmp_path / "meeting.xlsx"
    cli(
        "agree",
        "--coder",
        "ann",
        "--coder",
        "bo",
        "--disagreements",
        "--out",
        sheet,
        "-p",
        two_coders,
    )
    from openpyxl import load_workbook

    cells = [list(r) for r in load_workbook(sheet).active.iter_rows(values_only=True)]
    assert cells[0] == [
        "document",
        "turn",
        "speaker",
        "code",
        "label",
        "ann",
        "bo",
        "text",
        "decision",
    ]
    assert cells[1] == [
        "a.txt",
        4,
        "村民",
        "problems.unclear",
        "权责不清",
        None,
        "x",
        "经费一直很紧张。经费也不透明。",
        None,
    ]
    assert len(cells) == 4
    again = cli(
        "agree", "--coder", "ann", "--coder", "bo", "--out", sheet, "-p", two_coders, ok=False
    )
    assert "already exists" in again.stderr
    shown = cli("agree", "--coder", "ann", "--coder", "bo", "--disagreements", "-p", two_coders)
    assert "3 disagreement(s)" in shown.stdout and "Cohen" in shown.stdout


def test_evaluate_scores_the_rules_against_a_gold_coder(two_coders, cli):
    cli("code", "-p", two_coders)
    result = cli.json("evaluate", "--gold", "ann", "--test", "auto", "-p", two_coders)
    assert result["documents"] == 2 and result["units"] == 10
    # auto: turn 2 unclear (权责不清), turn 4 funds (经费…紧张), turn 6 volunteers, turn 8
    # unclear (推诿); ann's funds on a.txt turn 8 and b.txt turn 2 are missed
    funds = result["codes"]["problems.funds"]
    assert (funds["precision"], funds["recall"], funds["support"]) == (1.0, pytest.approx(1 / 3), 3)
    assert funds["f1"] == pytest.approx(0.5)
    assert result["micro"] == {
        "precision": 1.0,
        "recall": pytest.approx(4 / 6),
        "f1": pytest.approx(0.8),
        "support": 6,
    }
    assert result["macro"]["recall"] == pytest.approx((1 / 3 + 1 + 1) / 3)
    assert [(m["document"], m["turn"], m["missed"]) for m in result["missed_turns"]] == [
        ("a.txt", 8, ["problems.funds"]),
        ("b.txt", 2, ["problems.funds"]),
    ]
    # with bo as gold, the rules' unclear on turn 8 is a false positive, by rule unclear-words
    vs_bo = cli.json("evaluate", "--gold", "bo", "--test", "auto", "-p", two_coders)
    assert {"rule": "unclear-words", "code": "problems.unclear", "false_positives": 1} in vs_bo[
        "false_positive_rules"
    ]
    assert vs_bo["codes"]["problems.unclear"]["precision"] == 0.5
    level1 = cli.json("evaluate", "--gold", "ann", "--level", "1", "-p", two_coders)
    assert set(level1["codes"]) == {"problems", "process"}
    assert (
        "Gold turns most often missed" in cli("evaluate", "--gold", "ann", "-p", two_coders).stdout
    )


SUGGEST_TXT = "".join(
    f"访谈者：第{i}个问题？\n村民：{body}\n"
    for i, body in enumerate(
        [
            "养老补贴发不下来，经费紧张。",
            "养老补贴太少，护理员工资也低。",
            "村里养老补贴一直拖着，经费不够。",
            "护理员工资没有着落，养老补贴也少。",
            "老人们喜欢一起唱歌跳舞。",
            "志愿者上门陪老人聊天。",
            "老人们一起唱歌，很热闹。",
            "志愿者帮老人打扫卫生。",
        ],
        1,
    )
)


def test_suggest_ranks_words_of_the_coded_turns(project, tmp_path, cli):
    with_transcripts(cli, project, tmp_path, {"s.txt": SUGGEST_TXT}, CODEBOOK)
    for turn in (2, 4, 6, 8):
        cli("tag", "s.txt", turn, "problems.funds", "--coder", "ann", "-p", project)
    terms = cli.json("suggest", "problems.funds", "--top", "5", "-p", project)["terms"]
    words = [t["term"] for t in terms]
    assert words[0] == "养老补贴" or "养老补贴" in words[:2]  # the phrase in all four turns
    assert "护理员" in words and "工资" in words
    assert "经费" not in words  # already a keyword of the code's rules
    assert all(t["z"] > 0 and t["turns"] >= 2 and t["lang"] == "zh" for t in terms)
    assert [t["z"] for t in terms] == sorted((t["z"] for t in terms), reverse=True)
    assert not {"也", "的", "一直"} & set(words)  # stop words
    # eight turns are too few for z ≥ 1.96: nothing to paste yet
    assert all(t["z"] < 1.96 for t in terms)
    assert cli.json("suggest", "problems.funds", "-p", project)["yaml"] == ""
    assert "nothing to paste" in cli("suggest", "资金不足", "-p", project).stdout


def _suggest_project(project, tmp_path, cli, codebook=CODEBOOK):
    """8 coded turns about the old-age subsidy (one says it twice), 24 others."""
    coded = [
        "养老补贴发不下来，养老补贴也少，干部缺乏责任心。",
        "养老补贴太少，老人也着急。",
        "养老补贴一直拖着，没有责任心。",
        "护理员说养老补贴也少。",
    ] * 2
    other = [
        "老人们喜欢一起唱歌跳舞。",
        "志愿者上门陪老人聊天。",
        "老人们一起唱歌，很热闹。",
        "志愿者帮老人打扫卫生。",
        "村里修了一条新路。",
        "食堂的饭菜很好吃。",
    ] * 4
    text = "".join(f"访谈者：问{i}？\n村民：{b}\n" for i, b in enumerate(coded + other, 1))
    with_transcripts(cli, project, tmp_path, {"s.txt": text}, codebook)
    for i in range(len(coded)):
        cli("tag", "s.txt", 2 * i + 2, "problems.funds", "--coder", "ann", "-p", project)
    return project


def test_suggest_json_is_the_library_result_and_the_table_counts_turns(project, tmp_path, cli):
    import casecode

    _suggest_project(project, tmp_path, cli)
    result = cli.json("suggest", "problems.funds", "-p", project)
    assert result == casecode.suggest_keywords(project, "problems.funds")
    assert set(result) == {
        "code", "label", "coded_turns", "other_turns", "min_z", "terms", "yaml",
    }  # fmt: skip
    assert (result["coded_turns"], result["other_turns"]) == (8, 56)  # interviewers' too
    subsidy = next(t for t in result["terms"] if t["term"] == "养老补贴")
    assert (subsidy["turns"], subsidy["count"], subsidy["other"]) == (8, 10, 0)
    shown = cli("suggest", "problems.funds", "-p", project).stdout
    row = next(line.split() for line in shown.splitlines() if line.split()[:1] == ["养老补贴"])
    assert row[2:] == ["8", "10", "0"]  # coded turns, occurrences there, occurrences elsewhere
    assert "coded turns" in shown and "occurrences" in shown


def test_suggest_snippet_holds_strong_candidates_apart_from_the_rules_words(project, tmp_path, cli):
    import yaml

    _suggest_project(project, tmp_path, cli)
    result = cli.json("suggest", "problems.funds", "-p", project)
    snippet = yaml.safe_load(result["yaml"])["keywords"]["zh"]
    z = {t["term"]: t["z"] for t in result["terms"]}
    assert "养老补贴" in snippet and z["养老补贴"] >= 1.96
    assert 0 < z["责任心"] < 1.96 and "责任心" not in snippet  # in the table, not the snippet
    assert all((w in snippet) == (round(v, 2) >= 1.96) for w, v in z.items())
    # problems' rules have 责任 (unclear-near): what contains it is no candidate for problems
    broader = [t["term"] for t in cli.json("suggest", "problems", "-p", project)["terms"]]
    assert "养老补贴" in broader and not [w for w in broader if "责任" in w]
    # nor is what a rule word contains: 养老 and 补贴 once the rules have 养老补贴
    book = CODEBOOK.replace("keywords: {zh: [资金, 经费]", "keywords: {zh: [资金, 经费, 养老补贴]")
    cli("codebook", "use", write(tmp_path / "cb2.yaml", book), "-p", project)
    terms = [t["term"] for t in cli.json("suggest", "problems.funds", "-p", project)["terms"]]
    assert not {"养老补贴", "养老", "补贴"} & set(terms) and "责任心" in terms


def test_merge_makes_a_consensus_coder_and_keeps_everyone_elses(two_coders, cli):
    before = {(r["coder"], r["code_id"], r["start"], r["end"]) for r in stored_codings(two_coders)}
    both = cli.json(
        "merge", "--from", "ann", "--from", "bo", "--into", "consensus", "--rule", "intersection",
        "-p", two_coders,
    )  # fmt: skip
    assert both["by_code"] == {"problems.funds": 2, "problems.unclear": 1}
    after = stored_codings(two_coders)
    assert before <= {(r["coder"], r["code_id"], r["start"], r["end"]) for r in after}
    made = [r for r in after if r["coder"] == "consensus"]
    assert {(r["origin"], r["status"], r["memo"]) for r in made} == {
        ("manual", "accepted", "intersection of ann, bo")
    }
    refused = cli(
        "merge", "--from", "ann", "--from", "bo", "--into", "consensus", "-p", two_coders, ok=False
    )
    assert "consensus already has 3 coding(s)" in refused.stderr
    union = cli.json(
        "merge",
        "--from",
        "ann",
        "--from",
        "bo",
        "--into",
        "consensus",
        "--replace",
        "-p",
        two_coders,
    )
    assert union["replaced"] == 3 and union["codings"] == 7 and union["documents"] == 2
    agree = cli.json("agree", "--coder", "ann", "--coder", "consensus", "-p", two_coders)
    assert agree["codes"]["problems.funds"]["cohen_kappa"] == 1.0
    history = cli.json("history", "a.txt", "4", "-p", two_coders)
    assert ("consensus", "untag") in {(e["actor"], e["action"]) for e in history["events"]}
    cli("tag", "a.txt", "2", "problems.funds", "--coder", "consensus", "-p", two_coders)
    kept = cli(
        "merge", "--from", "ann", "--from", "bo", "--into", "consensus", "--replace",
        "-p", two_coders, ok=False,
    )  # fmt: skip
    assert "consensus has 1 coding(s) made by hand" in kept.stderr
    refused_people = cli(
        "merge", "--from", "bo", "--from", "consensus", "--into", "ann", "--replace",
        "-p", two_coders, ok=False,
    )  # fmt: skip
    assert "made by hand" in refused_people.stderr
    assert {r["id"] for r in stored_codings(two_coders) if r["coder"] == "ann"} >= {
        r["id"] for r in after if r["coder"] == "ann"
    }


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["agree", "--coder", "ann", "--coder", "zed"],
            "no coder 'zed' in this project (coders: ann, bo)",
        ),
        (["agree", "--coder", "ann"], "name at least 2 coders"),
        (["agree", "--coder", "ann", "--coder", "ann"], "ann named twice"),
        (["agree", "--coder", "ann", "--coder", "bo", "--unit", "word"], "unknown unit 'word'"),
        (["agree", "--coder", "ann", "--coder", "bo", "--level", "0"], "--level counts from 1"),
        (["agree", "--coder", "ann", "--coder", "bo", "--codes", "nothing"], "no code 'nothing'"),
        (["agree", "--coder", "ann", "--coder", "bo", "--out", "x.txt"], ".xlsx or .csv"),
        (["evaluate", "--gold", "ann", "--test", "auto"], "no coder 'auto'"),
        (["suggest", "nothing"], "no code 'nothing' in the codebook"),
        (["suggest", "process.volunteers", "--coder", "bo"], "nobody has coded process.volunteers"),
        (["merge", "--from", "ann", "--from", "bo", "--into", "bo"], "bo is one of the coders"),
        (
            ["merge", "--from", "ann", "--from", "bo", "--into", "c", "--rule", "xor"],
            "unknown rule 'xor'",
        ),
    ],
)
def test_mistakes_get_one_clear_line(two_coders, cli, args, message):
    result = cli(*args, "-p", two_coders, ok=False)
    assert message in result.stderr and result.exit_code == 1
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1


def test_coders_with_no_document_in_common_are_told_so(project, tmp_path, cli):
    with_transcripts(cli, project, tmp_path, {"a.txt": A_TXT, "b.txt": B_TXT}, CODEBOOK)
    cli("tag", "a.txt", 2, "problems.unclear", "--coder", "ann", "-p", project)
    cli("tag", "b.txt", 2, "problems.funds", "--coder", "bo", "-p", project)
    result = cli("agree", "--coder", "ann", "--coder", "bo", "-p", project, ok=False)
    assert "ann and bo have no document in common" in result.stderr


def test_the_library_functions_carry_the_commands_names(two_coders):
    import casecode

    result = casecode.agreement(two_coders, ["ann", "bo"], level=1)
    assert result["codes"]["problems"]["cohen_kappa"] == 1.0
    assert casecode.evaluate(two_coders, "ann", "bo")["micro"]["support"] == 6


def test_help_for_the_new_commands_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from casecode.cli import app\n"
        "for cmd in ('agree', 'evaluate', 'suggest', 'merge'):\n"
        "    r = CliRunner().invoke(app, [cmd, '--help'])\n"
        "    assert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('spacy', 'jieba', 'openpyxl', 'numpy', 'yaml') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_written_sheet_path_is_reported(two_coders, cli, tmp_path):
    path = write(tmp_path / "keep.csv", "")
    path.unlink()
    result = cli.json("agree", "--coder", "ann", "--coder", "bo", "--out", path, "-p", two_coders)
    assert result["file"] == str(path) and path.read_text("utf-8-sig").startswith("document,turn")


def test_a_category_nobody_may_apply_is_not_listed_as_an_empty_row(project, tmp_path, cli):
    book = CODEBOOK.replace("    definition: x\n    children:", "    definition: x\n    codable: false\n    children:", 1)  # fmt: skip
    assert "codable: false" in book  # problems is a category only
    with_transcripts(cli, project, tmp_path, {"a.txt": A_TXT}, book)
    cli("tag", "a.txt", 4, "problems.funds", "--coder", "ann", "-p", project)
    cli("tag", "a.txt", 4, "problems.funds", "--coder", "bo", "-p", project)
    cli("tag", "a.txt", 8, "problems.unclear", "--coder", "bo", "-p", project)
    agree = cli.json(
        "agree", "--coder", "ann", "--coder", "bo", "--codes", "problems", "-p", project
    )
    assert set(agree["codes"]) == {"problems.funds", "problems.unclear"}
    evaluate = cli.json(
        "evaluate", "--gold", "ann", "--test", "bo", "--codes", "problems", "-p", project
    )
    assert set(evaluate["codes"]) == {"problems.funds", "problems.unclear"}
    # a code that may be applied is listed when named, even if nobody used it
    named = cli.json(
        "agree", "--coder", "ann", "--coder", "bo", "--codes", "process.volunteers", "-p", project
    )
    assert set(named["codes"]) == {"process.volunteers"}
    # rolled up, the category stands for its children's codings
    level1 = cli.json(
        "agree",
        "--coder",
        "ann",
        "--coder",
        "bo",
        "--codes",
        "problems",
        "--level",
        "1",
        "-p",
        project,
    )
    assert set(level1["codes"]) == {"problems"}


def _four_coders(two_coders, cli, fourth="cy"):
    """ann and bo as in two_coders, auto (the rules) everywhere, ``fourth`` in both documents."""
    cli("code", "-p", two_coders)
    cli("tag", "a.txt", 4, "problems.funds", "--coder", fourth, "-p", two_coders)
    cli("tag", "a.txt", 6, "process.volunteers", "--coder", fourth, "-p", two_coders)
    cli("tag", "b.txt", 2, "problems.funds", "--coder", fourth, "-p", two_coders)
    return ["ann", "bo", "auto", fourth]


def _shown_rows(text: str, result: dict) -> dict[str, list[str]]:
    """Each code's cells as printed, from every table row that starts with the code."""
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        cells = line.split()
        if cells and cells[0] in result["codes"]:
            rows.setdefault(cells[0], []).extend(cells[1:])
    return rows


def _expected_row(result: dict, f: dict) -> list[str]:
    def num(v):
        return "—" if v is None else f"{v:.3f}"

    two = len(result["coders"]) == 2
    return [
        f"{100 * f['percent_agreement']:.1f}",
        num(f["cohen_kappa"]) if two else "—",
        num(f["fleiss_kappa"]),
        num(f["krippendorff_alpha"]),
        *(f"{f['coded'][c]:,}" for c in result["coders"]),
    ]


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("fourth", [None, "cy", "second_coder"])
def test_agree_table_fits_the_terminal_and_never_cuts_a_number(
    two_coders, cli, monkeypatch, width, fourth
):
    from rich.cells import cell_len

    from casecode.cli.common import out

    coders = _four_coders(two_coders, cli, fourth) if fourth else ["ann", "bo"]
    args = [a for c in coders for a in ("--coder", c)]
    result = cli.json("agree", *args, "-p", two_coders)
    monkeypatch.setattr(out, "_width", width)
    shown = cli("agree", *args, "-p", two_coders).stdout
    assert max(cell_len(line.rstrip()) for line in shown.splitlines()) <= width
    rows = _shown_rows(shown, result)
    assert set(rows) == set(result["codes"])
    for code, f in result["codes"].items():
        assert rows[code] == _expected_row(result, f), code
    headers = {cell for line in shown.splitlines() for cell in line.split()}
    assert set(coders) <= headers


def test_agree_with_more_coders_says_which_units_each_statistic_uses(two_coders, cli):
    coders = _four_coders(two_coders, cli)
    args = [a for c in coders for a in ("--coder", c)]
    overall = cli.json("agree", *args, "-p", two_coders)["overall"]
    # a.txt: ann, bo, auto and cy (8 turns); b.txt: ann, auto and cy, not bo (2 turns)
    assert (overall["units"], overall["complete_units"]) == (10, 8)
    shown = " ".join(cli("agree", *args, "-p", two_coders).stdout.split())
    assert "10 turns coded by two or more of the coders for agree % and Kripp. α" in shown
    assert "8 of them coded by all 4 for Fleiss κ" in shown
    assert "Cohen κ is for two coders only" in shown
    two = " ".join(cli("agree", "--coder", "ann", "--coder", "bo", "-p", two_coders).stdout.split())
    assert "Units: 8 turns both coders coded, for every figure." in two


@pytest.mark.parametrize("width", [80, 120])
def test_disagreements_take_one_line_each(two_coders, cli, monkeypatch, width):
    from rich.cells import cell_len

    from casecode.cli.common import out

    long = "村民：" + "经费一直很紧张，" * 40 + "\n"
    write(two_coders.parent / "t" / "c.txt", "访谈者：钱呢？\n" + long)
    cli("import", two_coders.parent / "t" / "c.txt", "-p", two_coders)
    for coder, code in (("ann", "problems.funds"), ("bo", "problems.unclear")):
        cli("tag", "c.txt", 2, code, "--coder", coder, "-p", two_coders)
    args = ("agree", "--coder", "ann", "--coder", "bo", "--disagreements", "-p", two_coders)
    found = cli.json(*args)["disagreements"]
    assert len(found) == 5 and len({d["code"] for d in found}) == 3
    monkeypatch.setattr(out, "_width", width)
    shown = cli(*args).stdout
    part = shown[shown.index("5 disagreement(s)") :].splitlines()
    # a heading, then per code a title and a header, one line per disagreement, a closing note
    assert len(part) <= 1 + 3 * 2 + 5 + 3
    assert max(cell_len(line.rstrip()) for line in part) <= width
    lines = [line.split() for line in part]
    assert ["c.txt", "2", "✓", "·"] in [cells[:4] for cells in lines]  # funds: ann, not bo
    assert ["a.txt", "4", "·", "✓"] in [cells[:4] for cells in lines]
    assert "--out FILE.xlsx" in shown and "…" in shown


BENCHMARK = ROOT / "benchmarks" / "gold_agreement.py"


def _benchmark():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gold_agreement", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_gold_benchmark_prefers_an_installed_casecode(tmp_path):
    fake = tmp_path / "site" / "casecode"
    write(fake / "__init__.py", "INSTALLED = True\n")
    code = (
        "import runpy, sys\n"
        f"casecode = runpy.run_path({str(BENCHMARK)!r})['load_casecode']()\n"
        "print(getattr(casecode, 'INSTALLED', False), any(p.endswith('src') for p in sys.path))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert shown.stdout.split() == ["True", "False"]  # not src/, which lacks casecode.codebooks


def test_the_gold_benchmark_runs_from_a_plain_checkout_with_the_codebooks(tmp_path):
    code = (
        "import runpy, sys\n"
        f"casecode = runpy.run_path({str(BENCHMARK)!r})['load_casecode']()\n"
        "from importlib import resources\n"
        "print(casecode.__file__)\n"
        "print(resources.files('casecode.codebooks').joinpath('coproduction.yaml').is_file())\n"
    )
    # -S: no site-packages, so no installed (or editable) casecode
    shown = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True
    )
    where, found = shown.stdout.split()
    assert Path(where).parent == BENCHMARK.parents[1] / "src" / "casecode" and found == "True"


def test_the_gold_set_loads_as_a_coder_for_evaluate(two_coders, cli, tmp_path):
    gold = write(
        tmp_path / "gold.csv",
        "document,turn,code\n"
        "a.txt,2,problems.unclear\na.txt,4,problems.funds\na.txt,4,problems.unclear\n"
        "a.txt,8,problems.funds\n",
    )  # one row per (document, turn, code), as corpora/county-a/gold/gold.csv
    direct = cli.json("sheet", "import", gold, "--coder", "gold2", "-p", two_coders)
    assert (direct["added"], direct["rows"]) == (4, 4)  # long format: one row per code
    report = _benchmark().load_gold(two_coders, path=gold)
    assert (report.added, report.rows, report.errors) == (4, 3, [])
    result = cli.json("evaluate", "--gold", "gold", "--test", "bo", "-p", two_coders)
    assert result["micro"]["precision"] == 1.0 and result["micro"]["recall"] == 1.0


@pytest.mark.parametrize("width", [60, 80])
def test_evaluate_table_never_cuts_a_number(two_coders, cli, monkeypatch, width):
    from rich.cells import cell_len

    from casecode.cli.common import out

    cli("code", "-p", two_coders)
    result = cli.json("evaluate", "--gold", "ann", "-p", two_coders)
    monkeypatch.setattr(out, "_width", width)
    shown = cli("evaluate", "--gold", "ann", "-p", two_coders).stdout
    assert max(cell_len(line.rstrip()) for line in shown.splitlines()) <= width
    cells = [line.split() for line in shown.splitlines()]
    for code, f in result["codes"].items():
        figures = [f"{f[k]:.2f}" for k in ("precision", "recall", "f1")]
        figures += [str(f[k]) for k in ("support", "tp", "fp", "fn")]
        # a code id too long for its column folds; its first line carries the figures
        assert any(c and code.startswith(c[0]) and c[1:] == figures for c in cells), code


def test_evaluate_per_sentence_and_per_character(project, tmp_path, cli):
    text = "访谈者：怎么样？\n村民：经费不够。大家互相推诿。天气很好。\n"
    with_transcripts(cli, project, tmp_path, {"u.txt": text}, CODEBOOK)
    tag = ("tag", "u.txt", "2", "--coder", "ann", "-p", project)
    cli(*tag[:3], "problems.funds", *tag[3:], "--quote", "经费不够")
    cli(*tag[:3], "problems.unclear", *tag[3:], "--quote", "大家互相推诿")
    cli("code", "-p", project)  # funds: a sentence-scope rule; unclear: the whole turn
    evaluate = ("evaluate", "--gold", "ann", "-p", project)
    turn = cli.json(*evaluate)
    assert turn["unit"] == "turn" and turn["units"] == 2
    assert turn["micro"]["precision"] == 1.0 and turn["micro"]["recall"] == 1.0
    sentence = cli.json(*evaluate, "--unit", "sentence")
    assert sentence["unit"] == "sentence" and sentence["units"] == 4
    funds, unclear = sentence["codes"]["problems.funds"], sentence["codes"]["problems.unclear"]
    assert (funds["tp"], funds["fp"], funds["fn"]) == (1, 0, 0)
    # the turn-scope suggestion marks all three sentences of the turn; one of them is gold's
    assert (unclear["tp"], unclear["fp"], unclear["fn"]) == (1, 2, 0)
    assert unclear["precision"] == pytest.approx(1 / 3)
    character = cli.json(*evaluate, "--unit", "character")
    funds, unclear = character["codes"]["problems.funds"], character["codes"]["problems.unclear"]
    assert funds["tp"] == len("经费不够") and unclear["tp"] == len("大家互相推诿")
    turn_length = len("经费不够。大家互相推诿。天气很好。")
    assert unclear["tp"] + unclear["fp"] == turn_length and unclear["fn"] == 0
    assert character["units"] == len("怎么样？") + turn_length
    # a missed sentence is listed with its own text and place
    cli(*tag[:3], "process.volunteers", *tag[3:], "--quote", "天气很好")
    missed = cli.json(*evaluate, "--unit", "sentence")["missed_turns"]
    assert [(m["turn"], m["missed"], m["text"]) for m in missed] == [
        (2, ["process.volunteers"], "天气很好。")
    ]
    assert text[missed[0]["start"] : missed[0]["end"]] == "天气很好。"
    shown = cli(*evaluate, "--unit", "sentence").stdout
    assert "on 4 sentences" in shown and "Gold sentences most often missed" in shown
    bad = cli(*evaluate, "--unit", "paragraph", ok=False)
    assert bad.exit_code == 1 and "unknown unit 'paragraph'" in bad.stderr
