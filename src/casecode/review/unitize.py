"""The units agreement is computed on, and which codes each coder gave each unit.

A unit is a turn, a sentence (the sentences ``coding.units`` finds, as rules with sentence scope
see them) or, for ``character``, each stretch of a turn's text over which every coder's codes are
constant, weighted by its length — the same figures as counting character by character, without
building a row per character. A coding marks every unit it overlaps.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from casecode.coding.units import units as text_units
from casecode.model import Segment

UNIT_KINDS = ("turn", "sentence", "character")


@dataclass(frozen=True, slots=True)
class Span:
    """One coding as agreement sees it: a code on ``[start, end)`` of a document."""

    code: str
    start: int
    end: int
    origin: str = "manual"


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit of one document, with each coder's codes (``None``: that coder did not code the
    document, so their value is missing rather than absent)."""

    document: int
    turn: int
    start: int
    end: int
    weight: int
    codes: tuple[frozenset[str] | None, ...]


def _overlapping(spans: list[Span], starts: list[int], start: int, end: int) -> Iterable[Span]:
    # spans are sorted by start; a span overlapping [start, end) starts before end
    for span in spans[: bisect_left(starts, end)]:
        if span.end > start and span.start < end:
            yield span


def document_units(
    document: int,
    text: str,
    segments: list[Segment],
    kind: str,
    coders: list[str],
    spans: Mapping[str, list[Span] | None],
) -> list[Unit]:
    """The units of one document with each coder's codes. ``spans[coder]`` is ``None`` when
    that coder did not code the document."""
    if kind not in UNIT_KINDS:
        raise ValueError(f"unknown unit {kind!r}")
    ordered = {c: None if spans.get(c) is None else sorted(spans[c], key=_key) for c in coders}
    starts = {c: [s.start for s in v] for c, v in ordered.items() if v is not None}
    found: list[Unit] = []
    for u in text_units(text, segments, "sentence" if kind == "sentence" else "turn"):
        if kind != "character":
            codes = tuple(
                None
                if ordered[c] is None
                else frozenset(s.code for s in _overlapping(ordered[c], starts[c], u.start, u.end))
                for c in coders
            )
            found.append(Unit(document, u.turn, u.start, u.end, 1, codes))
            continue
        near = {
            c: list(_overlapping(v, starts[c], u.start, u.end))
            for c, v in ordered.items()
            if v is not None
        }
        cuts = {u.start, u.end}
        for spans_here in near.values():
            for s in spans_here:
                cuts.update(x for x in (s.start, s.end) if u.start < x < u.end)
        points = sorted(cuts)
        for a, b in zip(points, points[1:], strict=False):
            codes = tuple(
                None
                if ordered[c] is None
                else frozenset(s.code for s in near[c] if s.start <= a and s.end >= b)
                for c in coders
            )
            found.append(Unit(document, u.turn, a, b, b - a, codes))
    return found


def _key(span: Span) -> tuple[int, int, str]:
    return span.start, span.end, span.code


def presence(units: list[Unit], code: str) -> list[tuple[int | None, ...]]:
    """Per unit, each coder's judgement of ``code``: 1 present, 0 absent, ``None`` missing."""
    return [
        tuple(None if codes is None else int(code in codes) for codes in u.codes) for u in units
    ]
