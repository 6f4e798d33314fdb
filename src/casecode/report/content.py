"""What a report says, as plain data, and how its quotes are chosen.

:func:`casecode.report_ops.build_report` fills a :class:`ReportData` from a project;
:mod:`casecode.report.docx` lays it out. Nothing here reads the store or writes Word.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    bold: tuple[tuple[int, int], ...]  # evidence words, as offsets into ``text``
    speaker: str
    case: str
    document: str
    turn: int
    code: str
    reviewed: bool
    confidence: float


@dataclass
class Table:
    """Rows of cells (the first row is the header) and a caption."""

    caption: str
    rows: list[list[Any]]
    shade: bool = False  # shade number cells by value (a heat map)
    totals: bool = False  # the last row and column are totals: not shaded, not in the scale
    note: str = ""


@dataclass
class CodeSection:
    id: str
    label: str
    definition: str
    quotes: list[Quote]


@dataclass
class CaseSection:
    name: str
    attributes: list[tuple[str, str]]
    codes: list[tuple[str, int]]  # label, turns
    quotes: list[Quote]


@dataclass
class ReportData:
    lang: str
    title: str
    project: str
    as_of: str
    codebook: str
    codebook_version: str
    material: dict[str, Any]
    roles: list[str]
    coding: dict[str, Any]
    coders: Table | None
    reliability: dict[str, Any] | None
    evaluation: dict[str, Any] | None
    codebook_table: Table | None
    frequencies: Table | None
    chart: list[tuple[str, int]]  # (label, turns) per code, for the bar chart
    matrix: Table | None
    cooccurrence: Table | None
    code_sections: list[CodeSection]
    case_sections: list[CaseSection]
    appendix: Table | None = None
    warnings: list[str] = field(default_factory=list)


def pick_quotes(
    candidates: list[Quote], n: int, spread: Callable[[Quote], str] = lambda q: q.case
) -> list[Quote]:
    """Up to ``n`` quotes: reviewed ones first, then the most confident, spread across cases
    (one per case in turn before a second from any; or across what ``spread`` says), one per
    turn. Deterministic."""
    ranked = sorted(
        candidates,
        key=lambda q: (not q.reviewed, -q.confidence, q.document, q.turn, q.text),
    )
    seen: set[tuple[str, int]] = set()
    by_case: dict[str, list[Quote]] = {}
    for q in ranked:
        if (q.document, q.turn) in seen:
            continue
        seen.add((q.document, q.turn))
        by_case.setdefault(spread(q), []).append(q)
    picked: list[Quote] = []
    queues = list(by_case.values())  # cases in the order of their best quote
    while len(picked) < n and any(queues):
        for queue in queues:
            if queue and len(picked) < n:
                picked.append(queue.pop(0))
    return picked


def excerpt(
    text: str, bold: list[tuple[int, int]], limit: int = 160
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """``text`` cut to about ``limit`` characters around its first bold span, with ellipses,
    and the bold spans moved to match."""
    text_len = len(text)
    if text_len <= limit:
        return text, tuple(bold)
    anchor = min((s for s, _ in bold), default=0)
    start = max(0, min(anchor - limit // 3, text_len - limit))
    end = min(text_len, start + limit)
    lead = "…" if start > 0 else ""
    tail = "…" if end < text_len else ""
    shift = len(lead) - start
    kept = tuple(
        (max(s, start) + shift, min(e, end) + shift) for s, e in bold if s < end and e > start
    )
    return lead + text[start:end] + tail, kept
