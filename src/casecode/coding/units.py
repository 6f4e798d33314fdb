"""Units a rule looks at: turns, the paragraphs (lines) of a turn, and sentences."""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import NamedTuple

from casecode.model import Segment

# A sentence ends at 。！？!?；; (with any closing quotes after them), at a line break, or at a
# full stop followed by a space or the end - but not after a common abbreviation (Mr. e.g.).
_END = re.compile(r"[。！？!?；;]+[”’」』\"')）]*|\n|\.+[\"')]*(?=\s|$)")
_ABBREVIATION = re.compile(r"(?:\b(?:Mr|Ms|Mrs|Dr|St|No|vs|etc|e\.g|i\.e|cf)|\b[A-Z])$")


def _sentences(body: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _END.finditer(body):
        # (the abbreviation is the last few characters before the full stop)
        if m.group()[0] == "." and _ABBREVIATION.search(body, max(start, m.start() - 8), m.start()):
            continue
        spans.append((start, m.end()))
        start = m.end()
    if start < len(body):
        spans.append((start, len(body)))
    return spans


_LINE = re.compile(r"[^\n]+")


class Unit(NamedTuple):
    start: int
    end: int
    turn: int
    speaker: str | None


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    piece = text[start:end]
    left = len(piece) - len(piece.lstrip())
    right = len(piece.rstrip())
    if right <= left:
        return None
    return start + left, start + right


def turn_units(text: str, seg: Segment, scope: str) -> list[Unit]:
    """The units of ``scope`` in one turn, in reading order (whitespace trimmed)."""
    if scope == "turn":
        spans = [(seg.start, seg.end)]
    else:
        body = text[seg.start : seg.end]
        if scope == "paragraph":
            spans = [(seg.start + m.start(), seg.start + m.end()) for m in _LINE.finditer(body)]
        else:
            spans = [(seg.start + a, seg.start + b) for a, b in _sentences(body)]
    found = []
    for start, end in spans:
        span = _trimmed(text, start, end)
        if span:
            found.append(Unit(span[0], span[1], seg.n, seg.speaker))
    return found


def units(text: str, segments: list[Segment], scope: str) -> list[Unit]:
    """The units of ``scope`` in reading order (each inside one turn, whitespace trimmed)."""
    return [u for seg in segments for u in turn_units(text, seg, scope)]


class UnitIndex:
    """Find the unit of a scope that holds a span; a turn is split only when asked about."""

    def __init__(self, text: str, segments: list[Segment], scope: str) -> None:
        self.text, self.scope = text, scope
        # (a turn without text has no units; turns do not overlap)
        self.segments = sorted((s for s in segments if s.end > s.start), key=lambda s: s.start)
        self._seg_starts = [s.start for s in self.segments]
        self._split: dict[int, tuple[list[int], list[Unit]]] = {}

    def turn(self, start: int, end: int) -> Segment | None:
        """The turn that holds a span."""
        k = bisect_right(self._seg_starts, start) - 1
        if k < 0 or end > self.segments[k].end:
            return None
        return self.segments[k]

    def find(self, start: int, end: int, turn: Segment | None = None) -> Unit | None:
        """The unit that holds a span (in ``turn`` when it is known)."""
        seg = turn or self.turn(start, end)
        if seg is None:
            return None
        split = self._split.get(seg.start)
        if split is None:
            found = turn_units(self.text, seg, self.scope)
            split = self._split[seg.start] = ([u.start for u in found], found)
        starts, found = split
        i = bisect_right(starts, start) - 1
        if i >= 0 and end <= found[i].end:
            return found[i]
        return None
