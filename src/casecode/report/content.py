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
    language: str = "zh"


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
    scope: str = ""  # which codes the report covers, when not all
    chart_note: str = ""
    warnings: list[str] = field(default_factory=list)


def pick_quotes(
    candidates: list[Quote],
    n: int,
    spread: Callable[[Quote], str] = lambda q: q.case,
    *,
    lang: str | None = None,
    used: set[tuple[str, int]] | None = None,
) -> list[Quote]:
    """Up to ``n`` quotes, picked the same way every time: reviewed ones first, then those in
    the report's language ``lang``, then turns not quoted yet elsewhere (``used``, which is
    updated), then the most confident; spread across cases (one per case in turn before a
    second from any; or across what ``spread`` says); one per turn."""
    used = used if used is not None else set()
    ranked = sorted(
        candidates,
        key=lambda q: (
            not q.reviewed,
            lang is not None and q.language != lang,
            (q.document, q.turn) in used,
            -q.confidence,
            q.document,
            q.turn,
            q.text,
        ),
    )
    seen: set[tuple[str, int]] = set()
    by_group: dict[str, list[Quote]] = {}
    for q in ranked:
        if (q.document, q.turn) in seen:
            continue
        seen.add((q.document, q.turn))
        by_group.setdefault(spread(q), []).append(q)
    picked: list[Quote] = []
    queues = list(by_group.values())  # groups in the order of their best quote
    while len(picked) < n and any(queues):
        for queue in queues:
            if queue and len(picked) < n:
                picked.append(queue.pop(0))
    used.update((q.document, q.turn) for q in picked)
    return picked


_CLAUSE = set("，。；！？、,.;!?")


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
    with spaces) around its first bold span, at word or clause boundaries, with ellipses, and
    the bold spans moved to match."""
    if text.count(" ") > len(text) / 12:
        limit = int(limit * 1.6)
    text_len = len(text)
    if text_len <= limit:
        return text, tuple(bold)
    anchor = min((s for s, _ in bold), default=0)
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
