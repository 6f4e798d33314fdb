"""Clean text extracted from PDF (or saved from a PDF viewer): page furniture out, lines joined.

``clean_extracted`` removes repeated page headers and footers and bare page numbers, drops form
feeds, and joins hard-wrapped lines into paragraphs (Chinese without a space, English with one,
``care-`` + ``home`` hyphenation undone). The cleaned text is what a document stores, so every
offset indexes it. ``looks_extracted`` tells whether a plain-text file needs it.
"""

from __future__ import annotations

import re
from collections import Counter

_PAGE_NUMBER = re.compile(
    r"^[ \t\u3000]*(?:[-–—]\s*)?(?:(?:page|p\.)\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?"
    r"(?:\s*[-–—])?[ \t\u3000]*$|^[ \t\u3000]*第\s*\d{1,4}\s*[页頁](?:\s*[/／共]\s*\d+\s*[页頁]?)?"
    r"[ \t\u3000]*$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\ufe30-\ufe4f]")
_SENTENCE_END = re.compile(r"[。！？!?…」』”\"）)]$|[.:;]$")
_LABEL_START = re.compile(r"^(?:\d{1,3}\.\s*)?[^\s：:︰，。]{1,16}[：:︰]")


def _norm(line: str) -> str:
    return _DIGITS.sub("#", re.sub(r"\s+", " ", line.strip()))


def _page_numbers(lines: list[str]) -> set[int]:
    """Indexes of bare page-number lines: at least two, mostly rising."""
    found = [i for i, line in enumerate(lines) if _PAGE_NUMBER.match(line) and line.strip()]
    if len(found) < 2:
        return set()
    values = [int(_DIGITS.findall(lines[i])[0]) for i in found]
    rising = sum(1 for a, b in zip(values, values[1:], strict=False) if b > a)
    return set(found) if rising >= (len(values) - 1) * 0.6 else set()


def looks_extracted(text: str) -> bool:
    """Form feeds, or page numbers with a header or footer repeated beside them."""
    if "\f" in text:
        return True
    lines = text.split("\n")
    numbers = _page_numbers(lines)
    return len(numbers) >= 3 and bool(_furniture(lines, numbers))


def _near(lines: list[str], i: int, reach: int = 2) -> list[int]:
    """The ``reach`` non-blank lines before and after line ``i``."""
    out: list[int] = []
    for step in (-1, 1):
        j, seen = i + step, 0
        while 0 <= j < len(lines) and seen < reach:
            if lines[j].strip():
                out.append(j)
                seen += 1
            j += step
    return out


def _furniture(lines: list[str], numbers: set[int]) -> set[int]:
    """Header and footer lines: the same line (digits aside) beside three or more page breaks."""
    feeds = {i for i, line in enumerate(lines) if "\f" in line}
    breaks = sorted(numbers | feeds)
    if not breaks:
        return set()
    if feeds:  # the first page's top and the last page's foot are page edges too
        breaks = sorted({-1, *breaks, len(lines)})
    candidates: dict[str, set[int]] = {}
    for b in breaks:
        near = _near(lines, b)
        for j in [b, *near] if 0 <= b < len(lines) else near:
            if j in numbers or not lines[j].replace("\f", "").strip():
                continue
            if len(lines[j].strip()) <= 80:
                candidates.setdefault(_norm(lines[j].replace("\f", "")), set()).add(j)
    counts = Counter({k: len(v) for k, v in candidates.items()})
    pages = len(feeds) + 1 if feeds else len(breaks)
    need = max(2 if feeds else 3, pages // 2 if feeds else len(breaks) // 3)
    return {j for k, n in counts.items() if n >= need for j in candidates[k]}


def _joins(prev: str, nxt: str, width: float, alone: bool) -> bool:
    """Whether ``nxt`` continues the hard-wrapped line ``prev`` (``alone``: ``nxt`` is a short
    line with a blank line after it, such as a heading)."""
    if not prev.strip() or not nxt.strip() or nxt[:1] in " \t\u3000":
        return False
    if re.search(r"[A-Za-z]-$", prev):
        return True
    if len(prev.strip()) < width * 0.75:
        return False
    ended = _SENTENCE_END.search(prev.rstrip())
    return not (ended and (_LABEL_START.match(nxt) or alone))


def _glue(prev: str, nxt: str) -> str:
    if re.search(r"[A-Za-z]-$", prev) and nxt[:1].islower():
        return prev[:-1] + nxt
    if _CJK.match(prev[-1:]) or _CJK.match(nxt[:1]):
        return prev + nxt
    return prev + " " + nxt


def clean_extracted(text: str) -> str:
    """Page headers, footers and numbers removed; hard-wrapped lines joined; form feeds gone."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    numbers = _page_numbers(lines)
    drop = numbers | _furniture(lines, numbers)
    kept: list[str | None] = []  # None marks a page break where furniture was
    for i, line in enumerate(lines):
        if i in drop:
            if kept and kept[-1] is not None:
                while kept and kept[-1] is not None and not kept[-1].strip():
                    kept.pop()  # blank lines before a page break are the page's bottom margin
                kept.append(None)
            continue
        line = line.replace("\f", "").rstrip()
        if kept and kept[-1] is None and not line.strip():
            continue  # blank lines after a header are the page's top margin
        kept.append(line)
    widths = sorted(len(line.strip()) for line in kept if line and line.strip())
    width = widths[int(len(widths) * 0.9)] if widths else 0
    out: list[str] = []
    following = [""] * len(kept)  # the next line that is not a page break
    for i in range(len(kept) - 2, -1, -1):
        later = kept[i + 1]
        following[i] = following[i + 1] if later is None else later
    page_break = False
    for i, line in enumerate(kept):
        if line is None:
            page_break = True
            continue
        alone = not following[i].strip() and len(line.strip()) < width * 0.75
        if out and out[-1] and _joins(out[-1], line, width, alone):
            out[-1] = _glue(out[-1], line)
        elif not line.strip():
            if out and out[-1]:
                out.append("")
        else:
            if page_break and out and out[-1]:
                out.append("")  # a paragraph that ended at the foot of a page
            out.append(line)
        page_break = False
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
