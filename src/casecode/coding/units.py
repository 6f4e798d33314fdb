"""Units a rule looks at: turns, the paragraphs (lines) of a turn, and sentences."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from ..model import Segment

# A sentence ends at 。！？!?；; (with any closing quotes after them), at a line break, or at a
# full stop followed by a space or the end - but not after a common abbreviation (Mr. e.g.).
_END = re.compile(r"[。！？!?；;]+[”’」』\"')）]*|\n|\.+[\"')]*(?=\s|$)")
_ABBREVIATION = re.compile(r"(?:\b(?:Mr|Ms|Mrs|Dr|St|No|vs|etc|e\.g|i\.e|cf)|\b[A-Z])$")


def _sentences(body: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _END.finditer(body):
        if m.group().startswith(".") and _ABBREVIATION.search(body[start : m.start()]):
            continue
        spans.append((start, m.end()))
        start = m.end()
    if start < len(body):
        spans.append((start, len(body)))
    return spans


_LINE = re.compile(r"[^\n]+")


@dataclass(frozen=True, slots=True)
class Unit:
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


def units(text: str, segments: list[Segment], scope: str) -> list[Unit]:
    """The units of ``scope`` in reading order (each inside one turn, whitespace trimmed)."""
    found: list[Unit] = []
    for seg in segments:
        body = text[seg.start : seg.end]
        if scope == "turn":
            spans = [(seg.start, seg.end)]
        elif scope == "paragraph":
            spans = [(seg.start + m.start(), seg.start + m.end()) for m in _LINE.finditer(body)]
        else:
            spans = [(seg.start + a, seg.start + b) for a, b in _sentences(body)]
        for start, end in spans:
            span = _trimmed(text, start, end)
            if span:
                found.append(Unit(span[0], span[1], seg.n, seg.speaker))
    return found


class UnitIndex:
    """Find the unit that holds a span."""

    def __init__(self, found: list[Unit]) -> None:
        self.units = found
        self._starts = [u.start for u in found]

    def find(self, start: int, end: int) -> int | None:
        i = bisect_right(self._starts, start) - 1
        if i >= 0 and end <= self.units[i].end:
            return i
        return None
