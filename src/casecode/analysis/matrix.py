"""Rows × codes matrices and code × code co-occurrence, computed from a :class:`CodedCorpus`.

Measures of a (row, code) cell:

- ``count``: codings; codings that become the same after roll-up (same coder, same passage, same
  level-N code) count once;
- ``presence``: 1 when the row has the code at all, else 0;
- ``segments``: distinct turns with the code;
- ``coverage``: the share of the row's characters (what its turns say) coded with the code,
  overlapping codings counted once.

Totals: ``count`` and ``presence`` add up; ``segments`` and ``coverage`` are the same measure
taken over the whole row (any code) or the whole column (every row), so a turn with two codes
is one turn.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from casecode.analysis.data import MISSING, CodedCorpus, Turn
from casecode.errors import CasecodeError

MEASURES = ("count", "presence", "segments", "coverage")
ROW_KINDS = ("document", "case", "speaker")


@dataclass
class Matrix:
    """A table of values with its totals; ``values[i][j]`` is row ``i``, column ``j``."""

    rows: list[str]
    columns: list[str]
    values: list[list[Any]]
    row_totals: list[Any]
    column_totals: list[Any]
    total: Any
    measure: str
    row_kind: str
    percent: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "columns": self.columns,
            "values": self.values,
            "row_totals": self.row_totals,
            "column_totals": self.column_totals,
            "total": self.total,
            "measure": self.measure,
            "row_kind": self.row_kind,
            "percent": self.percent,
            "labels": self.labels,
            "warnings": self.warnings,
        }


def _union(spans: Iterable[tuple[int, int, int]]) -> int:
    """Characters covered by ``(doc, start, end)`` spans, overlaps counted once."""
    total, last_doc, last_end = 0, None, 0
    for doc, start, end in sorted(spans):
        if doc != last_doc:
            last_doc, last_end = doc, start
        start = max(start, last_end)
        if end > start:
            total += end - start
            last_end = end
    return total


def _row_order(corpus: CodedCorpus, kind: str) -> tuple[list[str], dict[Turn, str]]:
    if kind not in ROW_KINDS and kind != "language" and kind not in corpus.filter_keys():
        import difflib

        keys = corpus.filter_keys()
        close = difflib.get_close_matches(kind, keys, n=3, cutoff=0.3)
        hint = f"closest: {', '.join(close)}" if close else f"rows can be: {', '.join(keys)}"
        raise CasecodeError(f"cannot make rows of '{kind}'", hint=hint)
    row_of = {t: corpus.value(t, kind) for t in corpus.turns}
    rows = list(dict.fromkeys(row_of.values()))
    if kind not in ROW_KINDS:  # attribute values: sorted (numerically when they are numbers)
        present = [r for r in rows if r != MISSING]

        def key(v: str) -> tuple[int, float, str]:
            try:
                return (0, float(v), v)
            except ValueError:
                return (1, 0.0, v)

        rows = sorted(present, key=key) + ([MISSING] if MISSING in rows else [])
    return rows, row_of


def count_codes(
    corpus: CodedCorpus, rows: str = "case", measure: str = "count", percent: str | None = None
) -> Matrix:
    if measure not in MEASURES:
        raise CasecodeError(f"unknown measure '{measure}'", hint=", ".join(MEASURES))
    if percent not in (None, "row", "column"):
        raise CasecodeError(f"--percent is row or column, not '{percent}'")
    if percent and measure == "coverage":
        raise CasecodeError("coverage is a share already", hint="leave out --percent")
    names, row_of = _row_order(corpus, rows)
    columns = corpus.columns
    r_index = {r: i for i, r in enumerate(names)}
    c_index = {c: j for j, c in enumerate(columns)}
    turn_row = {(t.doc, t.n): r_index[row_of[t]] for t in corpus.turns}
    chars = [0] * len(names)
    for t in corpus.turns:
        chars[r_index[row_of[t]]] += t.chars

    cells: list[list[set]] = [[set() for _ in columns] for _ in names]
    for h in corpus.hits:
        i, j = turn_row[(h.doc, h.turn)], c_index[h.column]
        if measure in ("count", "presence"):
            cells[i][j].add((h.coder, h.doc, h.span))
        elif measure == "segments":
            cells[i][j].add((h.doc, h.turn))
        else:
            cells[i][j].add((h.doc, h.start, h.end))

    def measure_of(items: set, row_chars: int) -> Any:
        if measure == "coverage":
            return round(_union(items) / row_chars, 4) if row_chars else 0.0
        if measure == "presence":
            return int(bool(items))
        return len(items)

    values = [
        [measure_of(cells[i][j], chars[i]) for j in range(len(columns))] for i in range(len(names))
    ]
    all_chars = sum(chars)
    if measure in ("count", "presence"):
        row_totals = [sum(row) for row in values]
        column_totals = [sum(values[i][j] for i in range(len(names))) for j in range(len(columns))]
        total = sum(row_totals)
    else:
        row_totals = [measure_of(set().union(*cells[i]), chars[i]) for i in range(len(names))]
        column_totals = [
            measure_of(set().union(*(cells[i][j] for i in range(len(names)))), all_chars)
            for j in range(len(columns))
        ]
        total = measure_of(set().union(*(c for row in cells for c in row)), all_chars)

    matrix = Matrix(
        names,
        list(columns),
        values,
        row_totals,
        column_totals,
        total,
        measure,
        rows,
        percent,
        warnings=corpus.warnings(),
    )
    if percent:
        _as_percent(matrix)
    return matrix


def _share(part: float, whole: float) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def _as_percent(m: Matrix) -> None:
    """Cells (and totals) as a percentage of their row's or column's total."""
    if m.percent == "row":
        m.values = [
            [_share(v, t) for v in row] for row, t in zip(m.values, m.row_totals, strict=True)
        ]
        m.column_totals = [_share(v, m.total) for v in m.column_totals]
        m.row_totals = [100.0 if t else 0.0 for t in m.row_totals]
    else:
        m.values = [
            [_share(v, t) for v, t in zip(row, m.column_totals, strict=True)] for row in m.values
        ]
        m.row_totals = [_share(v, m.total) for v in m.row_totals]
        m.column_totals = [100.0 if t else 0.0 for t in m.column_totals]
    m.total = 100.0 if m.total else 0.0


UNITS = ("turn", "document")
COOCCUR_MEASURES = ("count", "jaccard")


def count_pairs(corpus: CodedCorpus, unit: str = "turn", measure: str = "count") -> Matrix:
    """Code × code: units (turns or documents) holding both codes, or their Jaccard index.

    The diagonal holds the units with the code (``count``) or 1 (``jaccard``); a Jaccard index
    of two codes that never occur is undefined (None).
    """
    if unit not in UNITS:
        raise CasecodeError(f"unknown unit '{unit}'", hint=" or ".join(UNITS))
    if measure not in COOCCUR_MEASURES:
        raise CasecodeError(f"unknown measure '{measure}'", hint=" or ".join(COOCCUR_MEASURES))
    columns = corpus.columns
    index = {c: j for j, c in enumerate(columns)}
    units: dict[Any, set[int]] = {}
    for h in corpus.hits:
        key = (h.doc, h.turn) if unit == "turn" else h.doc
        units.setdefault(key, set()).add(index[h.column])
    n = len(columns)
    both = [[0] * n for _ in range(n)]
    for present in units.values():
        for a in present:
            for b in present:
                both[a][b] += 1
    if measure == "count":
        values: list[list[Any]] = both
    else:
        values = [
            [
                round(both[a][b] / (both[a][a] + both[b][b] - both[a][b]), 4)
                if both[a][a] + both[b][b] - both[a][b]
                else None  # neither code occurs: undefined
                for b in range(n)
            ]
            for a in range(n)
        ]
    singles = [both[a][a] for a in range(n)]
    return Matrix(
        list(columns),
        list(columns),
        values,
        singles,
        singles,
        len(units),
        measure,
        f"code ({unit}s)",
        warnings=corpus.warnings(),
    )
