"""Agreement statistics on a units × coders table: percent agreement, Cohen's κ, Fleiss' κ and
Krippendorff's α, each with optional unit weights (a unit of weight w counts as w identical units,
which is how character units weigh by text length).

A table is a sequence of units; each unit a sequence of values, one per coder, ``None`` where
that coder's value is missing. A statistic that is undefined on the data (no pairable units,
no variation to correct for chance) is ``None``. Pure Python, no dependencies: the published
worked examples in the tests (Krippendorff 2011, Fleiss 1971, SAS and irr tables) pin them down.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

Value = Hashable | None
Table = Sequence[Sequence[Value]]
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _weights(table: Table, weights: Sequence[float] | None) -> Sequence[float]:
    if weights is None:
        return [1.0] * len(table)
    if len(weights) != len(table):
        raise ValueError("one weight per unit")
    return weights


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 or math.isclose(den, 0.0, abs_tol=1e-15) else num / den


def _normal_p(z: float) -> float:
    """Two-sided p-value of a standard normal deviate."""
    return math.erfc(abs(z) / math.sqrt(2))


# -- percent agreement ---------------------------------------------------------------------------


def percent_agreement(table: Table, weights: Sequence[float] | None = None) -> float | None:
    """Share of pairable units (two or more values) on which every coder gave the same value."""
    w = _weights(table, weights)
    agree = total = 0.0
    for unit, wu in zip(table, w, strict=True):
        values = [v for v in unit if v is not None]
        if len(values) < 2:
            continue
        total += wu
        if all(v == values[0] for v in values):
            agree += wu
    return _ratio(agree, total)


# -- Cohen's kappa -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kappa:
    """A kappa with its asymptotic standard error (ASE), the standard error under the null
    hypothesis of no agreement beyond chance (``ase_h0``), z = κ/ase_h0 and its p-value."""

    kappa: float | None
    p_o: float | None = None
    p_e: float | None = None
    ase: float | None = None
    ase_h0: float | None = None
    z: float | None = None
    p: float | None = None
    n: float = 0

    @property
    def ci95(self) -> tuple[float, float] | None:
        if self.kappa is None or self.ase is None:
            return None
        return (
            self.kappa - 1.959963984540054 * self.ase,
            self.kappa + 1.959963984540054 * self.ase,
        )


def agreement_weights(k: int, kind: str | None) -> list[list[float]]:
    """k×k agreement weights over ordered categories: identity (``None``), ``linear``
    (1 − |i−j|/(k−1), Cicchetti–Allison) or ``quadratic`` (1 − (i−j)²/(k−1)², Fleiss–Cohen)."""
    if kind is None or k < 2:
        return [[1.0 if i == j else 0.0 for j in range(k)] for i in range(k)]
    if kind == "linear":
        return [[1 - abs(i - j) / (k - 1) for j in range(k)] for i in range(k)]
    if kind == "quadratic":
        return [[1 - (i - j) ** 2 / (k - 1) ** 2 for j in range(k)] for i in range(k)]
    raise ValueError(f"unknown weights {kind!r} (linear or quadratic)")


def cohen_kappa_table(
    table: Sequence[Sequence[float]], weights: str | Sequence[Sequence[float]] | None = None
) -> Kappa:
    """Cohen's κ from a k×k contingency table (rows: coder 1, columns: coder 2), unweighted or
    weighted, with the standard errors of Fleiss, Cohen & Everitt (1969) as SAS PROC FREQ and
    R's irr print them."""
    k = len(table)
    if any(len(row) != k for row in table):
        raise ValueError("the table must be square")
    w = agreement_weights(k, weights) if weights is None or isinstance(weights, str) else weights
    n = float(sum(sum(row) for row in table))
    if n == 0:
        return Kappa(None)
    p = [[x / n for x in row] for row in table]
    rows = [sum(row) for row in p]
    cols = [sum(p[i][j] for i in range(k)) for j in range(k)]
    po = sum(w[i][j] * p[i][j] for i in range(k) for j in range(k))
    pe = sum(w[i][j] * rows[i] * cols[j] for i in range(k) for j in range(k))
    kappa = _ratio(po - pe, 1 - pe)
    if kappa is None:
        return Kappa(None, po, pe, n=n)
    w_row = [sum(cols[j] * w[i][j] for j in range(k)) for i in range(k)]
    w_col = [sum(rows[i] * w[i][j] for i in range(k)) for j in range(k)]
    spread = sum(
        p[i][j] * (w[i][j] - (w_row[i] + w_col[j]) * (1 - kappa)) ** 2
        for i in range(k)
        for j in range(k)
    )
    var = (spread - (kappa - pe * (1 - kappa)) ** 2) / ((1 - pe) ** 2 * n)
    spread0 = sum(
        rows[i] * cols[j] * (w[i][j] - (w_row[i] + w_col[j])) ** 2
        for i in range(k)
        for j in range(k)
    )
    var0 = (spread0 - pe**2) / ((1 - pe) ** 2 * n)
    ase = math.sqrt(var) if var > 0 else 0.0
    ase0 = math.sqrt(var0) if var0 > 0 else None
    z = None if not ase0 else kappa / ase0
    return Kappa(kappa, po, pe, ase, ase0, z, None if z is None else _normal_p(z), n)


def cohen_kappa(
    a: Sequence[Value],
    b: Sequence[Value],
    *,
    weights: str | None = None,
    unit_weights: Sequence[float] | None = None,
) -> Kappa:
    """Cohen's κ of two coders' values on the same units (units where either is missing are
    left out). Categories are the values either coder used, in sorted order — the order that
    ``linear`` and ``quadratic`` weights assume."""
    if len(a) != len(b):
        raise ValueError("both coders need a value (or None) for every unit")
    uw = _weights(a, unit_weights)
    pairs = [(x, y, u) for x, y, u in zip(a, b, uw, strict=True) if x is not None and y is not None]
    cats = sorted({x for x, _, _ in pairs} | {y for _, y, _ in pairs})
    if not cats:
        return Kappa(None)
    index = {c: i for i, c in enumerate(cats)}
    table = [[0.0] * len(cats) for _ in cats]
    for x, y, u in pairs:
        table[index[x]][index[y]] += u
    return cohen_kappa_table(table, weights)


# -- Fleiss' kappa -------------------------------------------------------------------------------


def fleiss_kappa_counts(
    counts: Sequence[Sequence[float]], weights: Sequence[float] | None = None
) -> Kappa:
    """Fleiss' κ from a subjects × categories table of how many raters chose each category
    (the same number of raters for every subject), with the z of Fleiss, Nee & Landis (1979)
    that R's irr::kappam.fleiss prints."""
    w = _weights(counts, weights)
    raters = {sum(row) for row in counts}
    if len(raters) > 1:
        raise ValueError("every subject needs the same number of ratings")
    if not counts or not raters or next(iter(raters)) < 2:
        return Kappa(None)
    m = next(iter(raters))
    total = float(sum(w))
    k = len(counts[0])
    pj = [
        sum(wi * row[j] for row, wi in zip(counts, w, strict=True)) / (total * m) for j in range(k)
    ]
    p_bar = (
        sum(
            wi * (sum(x * x for x in row) - m) / (m * (m - 1))
            for row, wi in zip(counts, w, strict=True)
        )
        / total
    )
    pe = sum(x * x for x in pj)
    kappa = _ratio(p_bar - pe, 1 - pe)
    if kappa is None:
        return Kappa(None, p_bar, pe, n=total)
    q = sum(x * (1 - x) for x in pj)
    var0 = 2 / (q**2 * total * m * (m - 1)) * (q**2 - sum(x * (1 - x) * (1 - 2 * x) for x in pj))
    ase0 = math.sqrt(var0) if var0 > 0 else None
    z = None if not ase0 else kappa / ase0
    return Kappa(kappa, p_bar, pe, None, ase0, z, None if z is None else _normal_p(z), total)


def fleiss_kappa(table: Table, weights: Sequence[float] | None = None) -> Kappa:
    """Fleiss' κ on the units every coder rated (units with a missing value are left out)."""
    w = _weights(table, weights)
    full = [
        (unit, wu) for unit, wu in zip(table, w, strict=True) if all(v is not None for v in unit)
    ]
    cats = sorted({v for unit, _ in full for v in unit})
    if not full or not cats:
        return Kappa(None)
    index = {c: i for i, c in enumerate(cats)}
    counts = []
    for unit, _ in full:
        row = [0] * len(cats)
        for v in unit:
            row[index[v]] += 1
        counts.append(row)
    return fleiss_kappa_counts(counts, [wu for _, wu in full])


# -- Krippendorff's alpha ------------------------------------------------------------------------


def krippendorff_alpha(
    table: Table, level: str = "nominal", weights: Sequence[float] | None = None
) -> float | None:
    """Krippendorff's α (Krippendorff 2011) for ``nominal``, ``ordinal``, ``interval`` or
    ``ratio`` values; units with fewer than two values are not pairable and drop out."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r} ({', '.join(LEVELS)})")
    w = _weights(table, weights)
    coincidences: dict[tuple[Value, Value], float] = {}
    for unit, wu in zip(table, w, strict=True):
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        share = wu / (m - 1)
        for i, c in enumerate(values):
            for j, k in enumerate(values):
                if i != j:
                    coincidences[(c, k)] = coincidences.get((c, k), 0.0) + share
    if not coincidences:
        return None
    n_c: dict[Value, float] = {}
    for (c, _), o in coincidences.items():
        n_c[c] = n_c.get(c, 0.0) + o
    n = sum(n_c.values())
    values = sorted(n_c) if level != "nominal" else list(n_c)
    delta = _metric(level, values, n_c)
    observed = sum(o * delta(c, k) for (c, k), o in coincidences.items())
    expected = sum(n_c[c] * n_c[k] * delta(c, k) for c in values for k in values)
    ratio = _ratio(observed, expected)
    return None if ratio is None else 1 - (n - 1) * ratio


def _metric(level: str, values: list, n_c: dict):
    if level == "nominal":
        return lambda c, k: 0.0 if c == k else 1.0
    if level == "interval":
        return lambda c, k: float(c - k) ** 2
    if level == "ratio":
        return lambda c, k: 0.0 if c == k else ((c - k) / (c + k)) ** 2
    rank = {v: i for i, v in enumerate(values)}
    cumulative = [0.0]
    for v in values:
        cumulative.append(cumulative[-1] + n_c[v])

    def ordinal(c, k) -> float:
        a, b = sorted((rank[c], rank[k]))
        between = cumulative[b + 1] - cumulative[a]
        return (between - (n_c[c] + n_c[k]) / 2) ** 2

    return ordinal
