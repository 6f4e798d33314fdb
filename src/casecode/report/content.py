"""What a report says, as plain data, and how its quotes are chosen and cut.

:func:`casecode.report.build.build_report` fills a :class:`ReportData` from a project: a title
page and a body of blocks (headings, paragraphs, tables, a chart, quotes);
:mod:`casecode.report.docx` lays it out, numbering the headings. Nothing here reads the store or
writes Word.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    bold: tuple[tuple[int, int], ...]  # evidence words, as offsets into ``text``
    source: str  # who said it (role, case) or where it stands (document, article)
    case: str
    document: str
    turn: int
    code: str
    reviewed: bool  # an accepted or manual coding
    confidence: float
    language: str = "zh"
    evidence: frozenset[str] = frozenset()  # the words that made the coding, lower-cased
    mark: str = ""  # its status, as printed after it
    note: str = ""  # a translation note, when its language is not the report's


@dataclass
class Heading:
    text: str
    level: int  # 1, 2 or 3
    appendix: bool = False  # numbered as an appendix (附录一 / Appendix A) at level 1
    new_page: bool = False


@dataclass
class Para:
    text: str
    lead: str = ""  # a bold lead-in ("定义：")
    note: bool = False  # a note: smaller, grey; never synthetic italics on Chinese


@dataclass
class Table:
    """Rows of cells (the first ``header`` rows are the header) and a caption.

    ``shade``: per cell, a share 0..1 to shade it by (a heat map) or None; ``groups``: indices of
    rows that head a group (a top-level category) and span the table; ``widths`` in cm (scaled
    to the page)."""

    caption: str
    rows: list[list[Any]]
    note: str = ""
    shade: list[list[float | None]] | None = None
    groups: set[int] = field(default_factory=set)
    widths: list[float] | None = None
    size: float = 9
    header: int = 1


@dataclass
class Chart:
    png: bytes
    caption: str
    note: str = ""


Block = Heading | Para | Table | Chart | Quote


@dataclass
class ReportData:
    lang: str
    title: str
    author: str
    project: str
    as_of: str  # YYYY-MM-DD
    subtitle: list[str]  # the title page's lines under the title
    status: list[str]  # the title page's statement of what the results are
    header: str  # the running header
    body: list[Block]
    warnings: list[str] = field(default_factory=list)


# -------------------------------------------------------------------------- choosing quotes


def pick_quotes(
    candidates: list[Quote],
    n: int,
    spread: Callable[[Quote], str] = lambda q: q.case,
    *,
    lang: str | None = None,
    used: set[tuple[str, int]] | None = None,
) -> list[Quote]:
    """Up to ``n`` quotes, picked the same way every time, for the strength of their evidence:
    accepted codings first, then the most confident; evidence not shown yet before evidence
    already shown; one from each language present (the report's language ``lang`` first) before
    a second from any; spread across cases (or what ``spread`` says); never a turn in ``used``
    (which is updated) or the same turn twice."""
    used = used if used is not None else set()
    ranked = sorted(
        (q for q in candidates if (q.document, q.turn) not in used),
        key=lambda q: (not q.reviewed, -q.confidence, q.document, q.turn, q.text),
    )
    picked: list[Quote] = []
    seen_turns: set[tuple[str, int]] = set()
    seen_evidence: set[frozenset[str]] = set()
    groups_used: set[str] = set()
    languages = sorted({q.language for q in ranked}, key=lambda x: (x != lang, x))
    langs_used: set[str] = set()

    def take(accept: Callable[[Quote], bool]) -> None:
        for q in ranked:
            if len(picked) >= n:
                return
            if (q.document, q.turn) in seen_turns or not accept(q):
                continue
            picked.append(q)
            seen_turns.add((q.document, q.turn))
            seen_evidence.add(q.evidence)
            groups_used.add(spread(q))
            langs_used.add(q.language)

    for language in languages:  # the best of each language first
        before = len(picked)
        take(lambda q, x=language, b=before: q.language == x and len(picked) == b)
    take(lambda q: q.evidence not in seen_evidence and spread(q) not in groups_used)
    take(lambda q: q.evidence not in seen_evidence)
    take(lambda q: spread(q) not in groups_used)
    take(lambda q: True)
    used.update((q.document, q.turn) for q in picked)
    order = {id(q): i for i, q in enumerate(ranked)}  # the report's language first
    return sorted(picked, key=lambda q: (lang is not None and q.language != lang, order[id(q)]))


# -------------------------------------------------------------------------- cutting quotes

_CLAUSE = set("，。；！？、,.;!?")
_SENTENCE_END = re.compile(r"[。！？!?；;]+[”’\"'）)]*|\.(?=\s)|\.$|\n")


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """``start``..``end`` widened to the sentences of ``text`` that hold it."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    left = max((e for e in ends if e <= start), default=0)
    right = min((e for e in ends if e >= max(end, start + 1)), default=len(text))
    while left < right and text[left].isspace():
        left += 1
    return left, right


def sentences(text: str) -> list[tuple[int, int]]:
    """The sentences of ``text`` as ``(start, end)`` spans."""
    out, left = [], 0
    for m in _SENTENCE_END.finditer(text):
        if text[left : m.end()].strip():
            out.append((left, m.end()))
        left = m.end()
    if text[left:].strip():
        out.append((left, len(text)))
    return out


def _snap(text: str, pos: int, *, forward: bool, reach: int) -> int:
    """Move a cut at ``pos`` to the nearest word or clause boundary within ``reach``."""
    spaced = text.count(" ") > len(text) / 12  # English-like text: cut at spaces
    step = 1 if forward else -1
    for k in range(reach):
        i = pos + step * k
        if not 0 < i < len(text):
            break
        before, after = text[i - 1], text[i]
        if spaced and (after == " " or before == " "):
            return i
        if not spaced and before in _CLAUSE:
            return i
    return pos


def excerpt(
    text: str, bold: list[tuple[int, int]], limit: int = 160
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """``text`` cut to about ``limit`` characters (Chinese; 1.6 times as many for text written
    with spaces) around its first bold span: whole sentences when they fit, else at word or
    clause boundaries, with ellipses; the bold spans moved to match."""
    if text.count(" ") > len(text) / 12:
        limit = int(limit * 1.6)
    text_len = len(text)
    if text_len <= limit:
        return text, tuple(bold)
    anchor = min((s for s, _ in bold), default=0)
    spans = sentences(text)
    first = next((k for k, (s, e) in enumerate(spans) if s <= anchor < e), None)
    if first is not None and spans[first][1] - spans[first][0] <= limit:
        lo, hi = spans[first]
        k = first + 1
        while k < len(spans) and spans[k][1] - lo <= limit:
            hi = spans[k][1]
            k += 1
        j = first - 1
        while j >= 0 and hi - spans[j][0] <= limit:
            lo = spans[j][0]
            j -= 1
        start, end = lo, hi
    else:
        start = max(0, min(anchor - limit // 3, text_len - limit))
        end = min(text_len, start + limit)
        if start > 0:
            start = _snap(text, start, forward=True, reach=min(20, max(1, anchor - start)))
        if end < text_len:
            end = _snap(text, end, forward=False, reach=20)
    lead = "…" if start > 0 else ""
    tail = "…" if end < text_len else ""
    body = text[start:end]
    trimmed = len(body) - len(body.lstrip())
    body = body.strip()
    shift = len(lead) - start - trimmed
    kept = tuple(
        (max(s, start + trimmed) + shift, min(e, start + trimmed + len(body)) + shift)
        for s, e in bold
        if s < start + trimmed + len(body) and e > start + trimmed
    )
    return lead + body + tail, kept
