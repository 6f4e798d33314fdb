"""Reliability: the statistics against published worked examples."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecode.reliability import stats
from conftest import SHARED

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
