"""Carry spans from an old version of a text to a new one."""

from __future__ import annotations

from difflib import SequenceMatcher


def carry_spans(old: str, new: str, spans: list[tuple[int, int]]) -> list[tuple[int, int] | None]:
    """Where each ``(start, end)`` span of ``old`` lies in ``new``, or None if its text changed.

    A span is carried when it falls inside text the two versions share, unchanged; a span
    whose words were edited is not guessed at.
    """
    if old == new:
        return list(spans)
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    carried: list[tuple[int, int] | None] = []
    for start, end in spans:
        result = None
        for a, b, size in blocks:
            if a <= start and end <= a + size:
                result = (b + start - a, b + end - a)
                break
        if result is None:
            # The span may cross several matching blocks; accept it only if the text is intact.
            piece = old[start:end]
            first = _map_point(blocks, start)
            if first is not None and new[first : first + len(piece)] == piece:
                result = (first, first + len(piece))
        carried.append(result)
    return carried


def _map_point(blocks, pos: int) -> int | None:
    for a, b, size in blocks:
        if a <= pos < a + size:
            return b + pos - a
    return None
