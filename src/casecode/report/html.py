"""The coded transcripts as one self-contained HTML page (``casecode view``'s engine).

A pure function of data: documents (text and turns), codings and a codebook in, one HTML string
out, with its styles and a small script inline: no server, no network, no fonts or files beside
it. Offsets are code-point positions into each document's stored text, end exclusive; every piece
of text is escaped, so a transcript can never inject markup or script.

How the page draws codings:

- each turn's text is cut at every coding and evidence boundary; each piece sits inside one
  ``<span class="c k… u… s… l…" data-c=N>`` per coding covering it (outermost the highest
  *lane*), so overlapping codings stack: their tints mix and their underlines sit one under the
  other (a coding's lane is the lowest one free in its turn when it starts);
- the words a rule matched are ``<b class="e k…">`` inside;
- a stripe per code (and coder and status) covering a turn sits in the margin, as NVivo draws its
  coding stripes;
- hiding a code, a coder or a status is one class on ``<body>`` (``off-k3``): a rule of the
  page's style sheet turns its spans plain and its stripes off, at once on any size of page.

Each document's turns come in a ``<template>`` that the script puts in place when the document
comes near the screen (all at once on a small page), so a large project opens quickly; the
generator is linear in the text.
"""

from __future__ import annotations

import html
import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from casecode.codebook.codes import Code, Codebook, Speakers
from casecode.codebook.colours import code_colours

MAX_LANE = 4  # lanes above this share the last one's place
STATUS_CLASSES = {"accepted": "sa", "suggested": "ss", "rejected": "sr"}
OTHER_COLOUR = "#7f7f7f"  # codes the codebook does not have

WORDS: dict[str, dict[str, str]] = {
    "title": {"zh": "编码文本", "en": "Coded transcripts"},
    "codes": {"zh": "编码", "en": "Codes"},
    "all": {"zh": "全选", "en": "All"},
    "none": {"zh": "全不选", "en": "None"},
    "coders": {"zh": "编码者", "en": "Coders"},
    "status": {"zh": "状态", "en": "Status"},
    "search": {"zh": "搜索文本", "en": "Search the text"},
    "documents": {"zh": "文档", "en": "Documents"},
    "case": {"zh": "案例", "en": "case"},
    "turns": {"zh": "个发言轮次", "en": "turns"},
    "codings": {"zh": "处编码", "en": "codings"},
    "skip": {"zh": "跳到正文", "en": "Skip to the text"},
    "next": {"zh": "下一处", "en": "next passage"},
    "other": {"zh": "编码本之外的编码", "en": "Codes not in the codebook"},
    "accepted": {"zh": "已确认", "en": "accepted"},
    "suggested": {"zh": "待审", "en": "suggested"},
    "rejected": {"zh": "已否决", "en": "rejected"},
    "coder": {"zh": "编码者", "en": "coder"},
    "rule": {"zh": "规则", "en": "rule"},
    "manual": {"zh": "人工", "en": "manual"},
    "imported": {"zh": "导入", "en": "imported"},
    "confidence": {"zh": "置信度", "en": "confidence"},
    "memo": {"zh": "备忘", "en": "memo"},
    "found": {"zh": "个轮次含有", "en": "turns contain"},
    "made": {
        "zh": "由 casecode 生成。将鼠标移到或用 Tab 键移到高亮的文字上，可查看编码详情。",
        "en": "Made by casecode. Hover over or Tab to a highlighted passage to see its coding.",
    },
    "speaker": {"zh": "受访者{n}", "en": "Speaker {n}"},
    "case_name": {"zh": "案例{n}", "en": "Case {n}"},
    "document": {"zh": "文档{n}", "en": "Document {n}"},
    "no_codings": {"zh": "没有符合条件的编码。", "en": "No codings match."},
}


def word(key: str, lang: str, **values: Any) -> str:
    return WORDS[key][lang].format(**values)


@dataclass(frozen=True, slots=True)
class ViewTurn:
    n: int
    speaker: str | None
    start: int  # what was said: [start, end) of the document's text
    end: int
    label_start: int


@dataclass(frozen=True, slots=True)
class ViewDoc:
    id: int
    name: str
    case: str
    language: str
    text: str
    turns: Sequence[ViewTurn]
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ViewCoding:
    id: int
    doc: int
    code: str
    start: int
    end: int
    coder: str
    status: str
    origin: str  # "rule:<id>", "manual", "imported"
    confidence: float | None = None
    memo: str | None = None
    evidence: tuple[tuple[int, int], ...] = ()


# ---------------------------------------------------------------------------- pseudonyms


def _letters(n: int) -> str:
    """1 → A, 26 → Z, 27 → AA."""
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass
class Pseudonyms:
    """Stable labels for speakers, cases and documents, in the order they first appear.
    Interviewers' labels (访谈者, Q, Interviewer, ...) are roles, not names, and stay."""

    lang: str
    speakers: dict[str, str] = field(default_factory=dict)
    cases: dict[str, str] = field(default_factory=dict)
    documents: dict[int, str] = field(default_factory=dict)
    table: dict[str, str] = field(default_factory=dict)  # the project's pseudonyms.csv

    def speaker(self, name: str | None) -> str | None:
        if name is not None and name in self.table:
            return self.table[name]
        if name is None or not Speakers().allows(name):
            return name
        if name not in self.speakers:
            self.speakers[name] = word("speaker", self.lang, n=len(self.speakers) + 1)
        return self.speakers[name]

    def case(self, name: str) -> str:
        if name in self.table:
            return self.table[name]
        if name not in self.cases:
            self.cases[name] = word("case_name", self.lang, n=_letters(len(self.cases) + 1))
        return self.cases[name]

    def document(self, doc_id: int) -> str:
        if doc_id not in self.documents:
            self.documents[doc_id] = word("document", self.lang, n=len(self.documents) + 1)
        return self.documents[doc_id]


# ---------------------------------------------------------------------------- the page


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _script_json(data: Any) -> str:
    """JSON safe inside ``<script>``: no ``<``, ``>`` or ``&`` left to end or open a tag."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass
class _Page:
    """What the page numbers: codes (k), coders (u) and codings (the data-c index)."""

    book: Codebook
    lang: str
    colours: dict[str, str]
    code_index: dict[str, int] = field(default_factory=dict)
    coder_index: dict[str, int] = field(default_factory=dict)
    rows: list[list[Any]] = field(default_factory=list)  # per coding: k, u, status, rule, ...
    order: list[str] = field(default_factory=list)  # code ids by k

    def k(self, code: str) -> int:
        if code not in self.code_index:
            self.code_index[code] = len(self.code_index)
        return self.code_index[code]

    def u(self, coder: str) -> int:
        if coder not in self.coder_index:
            self.coder_index[coder] = len(self.coder_index)
        return self.coder_index[coder]


def _classes(page: _Page, c: ViewCoding) -> str:
    return f"k{page.k(c.code)} u{page.u(c.coder)} {STATUS_CLASSES.get(c.status, 'ss')}"


def _turn_text(
    page: _Page,
    doc: ViewDoc,
    turn: ViewTurn,
    codings: list[ViewCoding],
    first: set[int],
    number: dict[int, int],
) -> str:
    """A turn's text with its codings as nested spans. Spans stay open as long as they can: at a
    point where a coding ends, only the spans opened inside it are closed and opened again, so
    a page grows with its codings, not with codings times boundaries. A span's lane is one more
    than the highest lane inside it, so each underline is drawn below those it holds."""
    a, b = turn.start, turn.end
    if not codings:
        return _esc(doc.text[a:b])
    starts: dict[int, list[ViewCoding]] = {}
    ends: dict[int, list[ViewCoding]] = {}
    points = {a, b}
    for c in codings:
        s, e = max(c.start, a), min(c.end, b)
        starts.setdefault(s, []).append(c)
        ends.setdefault(e, []).append(c)
        points.update((s, e))
        for es, ee in c.evidence:
            if a <= es < ee <= b:
                points.update((es, ee))
    parts: list[str] = []
    stack: list[list[Any]] = []  # open spans: [coding, index of its tag in parts, lane needed]

    def open_span(c: ViewCoding) -> None:
        extra = ""
        if c.id not in first:  # its first piece: focusable, and the target of links
            first.add(c.id)
            extra = f' id="c{c.id}" tabindex="0"'
        head = f'<span class="c {_classes(page, c)} l{{}}" data-c="{number[c.id]}"{extra}>'
        stack.append([c, len(parts), 0])
        parts.append(head)

    def close_span() -> None:
        c, at, lane = stack.pop()
        parts[at] = parts[at].replace("{}", str(min(lane, MAX_LANE)), 1)
        parts.append("</span>")
        if stack:
            stack[-1][2] = max(stack[-1][2], lane + 1)

    marks_from: dict[int, list[str]] = {}  # evidence: where each mark starts, and ends
    marks_to: dict[int, list[str]] = {}
    for c in codings:
        for es, ee in c.evidence:
            if a <= es < ee <= b:
                mark = f'<b class="e {_classes(page, c)}">'
                marks_from.setdefault(es, []).append(mark)
                marks_to.setdefault(ee, []).append(mark)
    marks: list[str] = []
    cuts = sorted(points)
    for i, p in enumerate(cuts[:-1]):
        ending = {c.id for c in ends.get(p, ())}
        if ending:
            depth = next((j for j, s in enumerate(stack) if s[0].id in ending), len(stack))
            again = [s[0] for s in stack[depth:] if s[0].id not in ending]
            while len(stack) > depth:
                close_span()
            for c in again:
                open_span(c)
        for c in sorted(starts.get(p, ()), key=lambda c: (-c.end, c.id)):  # longer ones outside
            open_span(c)
        q = cuts[i + 1]
        for mark in marks_to.get(p, ()):
            marks.remove(mark)
        marks.extend(marks_from.get(p, ()))
        parts.append("".join(marks) + _esc(doc.text[p:q]) + "</b>" * len(marks))
    while stack:
        close_span()
    return "".join(parts)


def _by_turn(doc: ViewDoc, codings: list[ViewCoding]) -> dict[int, list[ViewCoding]]:
    """Each turn's codings (by the turn's index): a coding counts for every turn whose text it
    overlaps; one over a label only, for the turn the label starts."""
    starts = [t.label_start for t in doc.turns]
    out: dict[int, list[ViewCoding]] = {}
    for c in codings:
        first = bisect_right(starts, c.start) - 1
        last = max(bisect_left(starts, c.end), first + 1)
        for i in range(max(first, 0), min(last, len(doc.turns))):
            t = doc.turns[i]
            if min(c.end, t.end) > max(c.start, t.start):
                out.setdefault(i, []).append(c)
    return out


def _document(
    page: _Page,
    doc: ViewDoc,
    codings: list[ViewCoding],
    names: Pseudonyms | None,
    number: dict[int, int],
) -> str:
    lang = page.lang
    name = names.document(doc.id) if names else doc.name
    case = names.case(doc.case) if names else doc.case
    role = doc.attributes.get("role")
    meta = [f"{word('case', lang)} {case}"] if lang == "en" else [f"{word('case', lang)}：{case}"]
    if role:
        meta.append(role)
    meta.append(f"{len(doc.turns)} {word('turns', lang)}")
    meta.append(f"{len({c.id for c in codings})} {word('codings', lang)}")
    doc_lang = doc.language if doc.language in ("zh", "en") else lang
    head = (
        f'<section class="doc" id="d{doc.id}" lang="{_attr(doc_lang)}" '
        f'data-chars="{len(doc.text)}" aria-labelledby="h{doc.id}">'
        f'<header class="dh"><h2 id="h{doc.id}">{_esc(name)}</h2>'
        f'<p class="meta">{" · ".join(_esc(m) for m in meta)}</p></header><template>'
    )
    parts = [head]
    per_turn = _by_turn(doc, codings)
    first: set[int] = set()
    interviewee = Speakers()
    for i, turn in enumerate(doc.turns):
        here = per_turn.get(i, [])
        stripes = dict.fromkeys(_classes(page, c) for c in here)
        stripe_html = "".join(
            f'<i class="st {cls}" title="{_attr(_stripe_label(page, cls))}"></i>' for cls in stripes
        )
        speaker = names.speaker(turn.speaker) if names else turn.speaker
        who = f'<span class="n">{turn.n}</span>'
        if speaker:
            who += f' <span class="sp">{_esc(speaker)}</span>'
            if role and interviewee.allows(turn.speaker):
                who += f' <span class="ro">{_esc(role)}</span>'
        parts.append(
            f'<div class="turn" id="d{doc.id}t{turn.n}"><div class="sts" aria-hidden="true">'
            f'{stripe_html}</div><div class="who">{who}</div><p class="tx">'
            f"{_turn_text(page, doc, turn, here, first, number)}</p></div>"
        )
    parts.append("</template></section>")
    return "".join(parts)


def _label(page: _Page, code_id: str) -> str:
    code = page.book.get(code_id)
    return code.text("label", page.lang) if code is not None else code_id


def _tree(page: _Page, codes: Iterable[Code], counts: dict[str, int], scope: set[str]) -> str:
    items = []
    for code in codes:
        if code.id not in scope:
            continue
        inner = _tree(page, code.children, counts, scope)
        below = sum(counts.get(c.id, 0) for c in code.walk() if c is not code)
        items.append(_code_item(page, code.id, counts, inner, below))
    return f'<ul role="group">{"".join(items)}</ul>' if items else ""


def _code_item(
    page: _Page, code_id: str, counts: dict[str, int], inner: str = "", below: int = 0
) -> str:
    """A code in the panel: its check box, label, and how many passages it has (a link to the
    next one); a code with none of its own but some below it shows theirs, as Σ n."""
    k = page.k(code_id)
    n = counts.get(code_id, 0)
    label = _label(page, code_id)
    if n:
        go = (
            f' <a class="go" href="#" data-k="{k}" title="{_attr(word("next", page.lang))}">'
            f'{n}<span class="vh"> {_esc(word("next", page.lang))}</span></a>'
        )
    elif below:
        go = f' <span class="nil">Σ {below}</span>'
    else:
        go = ' <span class="nil">0</span>'

    return (
        f'<li><label title="{_attr(code_id)}"><input type="checkbox" class="fk" data-k="{k}" '
        f'checked> <span class="sw k{k}"></span> {_esc(label)}</label>{go}{inner}</li>'
    )


def view_page(
    docs: Sequence[ViewDoc],
    codings: Iterable[ViewCoding],
    book: Codebook,
    *,
    lang: str = "zh",
    title: str | None = None,
    pseudonyms: bool = False,
    lazy_above: int = 400_000,
    table: dict[str, str] | None = None,
) -> str:
    """The page: ``docs`` in order with their ``codings`` (only those given are shown), the
    codebook's tree (codes of ``book`` that are coded here, or lie above one) with counts and
    check boxes, coder and status filters, a search box. ``pseudonyms``: speakers, cases and
    documents are named by stable labels (Speaker 1, Case A, Document 1; role kept), or by
    ``table`` (name → pseudonym, the project's pseudonyms.csv) where it has them.
    ``lazy_above``: with more characters than this, documents are put in place as they come
    near the screen instead of all at once."""
    lang = lang if lang in ("zh", "en") else "zh"
    colours = code_colours(book)
    page = _Page(book, lang, colours)
    by_doc: dict[int, list[ViewCoding]] = {}
    for c in codings:
        by_doc.setdefault(c.doc, []).append(c)
    shown = [
        c for d in docs for c in sorted(by_doc.get(d.id, []), key=lambda c: (c.start, c.end, c.id))
    ]
    # codes in codebook order, then those it lacks; coders and statuses as they come
    coded = {c.code for c in shown}
    for code in book.walk():
        if code.id in coded:
            page.k(code.id)
    for c in shown:
        page.k(c.code)
        page.u(c.coder)
    page.order = list(page.code_index)
    number = {c.id: i for i, c in enumerate(shown)}
    for c in shown:
        rule = c.origin[5:] if c.origin.startswith("rule:") else c.origin
        page.rows.append(
            [page.k(c.code), page.u(c.coder), c.status, rule, c.confidence, c.memo or ""]
        )
    names = Pseudonyms(lang, table=dict(table or {})) if pseudonyms else None
    counts: dict[str, int] = {}
    for c in shown:
        counts[c.code] = counts.get(c.code, 0) + 1
    body = [_document(page, d, by_doc.get(d.id, []), names, number) for d in docs]

    # the side panel
    scope = {a for code in coded for a in _ancestors(book, code)}
    tree = _tree(page, book.codes, counts, scope)
    others = [c for c in page.code_index if c not in book]
    if others:
        tree += (
            f'<p class="other">{_esc(word("other", lang))}</p><ul role="group">'
            + "".join(_code_item(page, c, counts) for c in others)
            + "</ul>"
        )
    if not shown:
        tree = f'<p class="nil">{_esc(word("no_codings", lang))}</p>'
    coder_counts: dict[str, int] = {}
    status_counts: dict[str, int] = {}
    for c in shown:
        coder_counts[c.coder] = coder_counts.get(c.coder, 0) + 1
        status_counts[c.status] = status_counts.get(c.status, 0) + 1
    coder_boxes = "".join(
        f'<label><input type="checkbox" class="fu" data-u="{u}" checked> {_esc(name)} '
        f'<span class="nil">{coder_counts.get(name, 0)}</span></label>'
        for name, u in page.coder_index.items()
    )
    status_boxes = "".join(
        f'<label><input type="checkbox" class="fs" data-s="{cls}" checked> '
        f'<span class="sw {cls}"></span> {_esc(word(status, lang))} '
        f'<span class="nil">{status_counts[status]}</span></label>'
        for status, cls in STATUS_CLASSES.items()
        if status in status_counts
    )
    doc_links = "".join(
        f'<li><a href="#d{d.id}">{_esc(names.document(d.id) if names else d.name)}</a> '
        f'<span class="nil">{_esc(names.case(d.case) if names else d.case)}</span></li>'
        for d in docs
    )
    heading = title or word("title", lang)
    panel = (
        f'<nav id="panel" aria-label="{_attr(word("codes", lang))}">'
        f'<details open id="pcodes"><summary>{_esc(word("codes", lang))}</summary>'
        f'<p class="bulk"><button type="button" data-all="1">{_esc(word("all", lang))}</button> '
        f'<button type="button" data-all="0">{_esc(word("none", lang))}</button></p>'
        f'<div class="tree">{tree}</div></details>'
        f"<fieldset><legend>{_esc(word('coders', lang))}</legend>{coder_boxes}</fieldset>"
        f"<fieldset><legend>{_esc(word('status', lang))}</legend>{status_boxes}</fieldset>"
        f'<label class="q">{_esc(word("search", lang))}<input type="search" id="q" '
        f'autocomplete="off"></label><p id="qn" role="status" aria-live="polite"></p>'
        f"<details open><summary>{_esc(word('documents', lang))} ({len(docs)})</summary>"
        f'<ol class="docs">{doc_links}</ol></details></nav>'
    )
    data = {
        "lang": lang,
        "lazy": sum(len(d.text) for d in docs) > lazy_above,
        "codes": [
            [code, _label(page, code), colours.get(code, OTHER_COLOUR)] for code in page.code_index
        ],
        "coders": list(page.coder_index),
        "codings": page.rows,
        "words": {
            k: WORDS[k][lang]
            for k in (
                "accepted",
                "suggested",
                "rejected",
                "coder",
                "rule",
                "manual",
                "imported",
                "confidence",
                "memo",
                "found",
            )
        },
    }
    return "".join(
        [
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="generator" content="casecode">'
            f"<title>{_esc(heading)}</title><style>{CSS}{_code_css(page, colours)}</style></head>"
            f'<body><a class="skip" href="#main">{_esc(word("skip", lang))}</a>'
            f'<header class="top"><h1>{_esc(heading)}</h1><p class="meta">'
            f'{_esc(word("made", lang))}</p></header><div class="layout">{panel}'
            f'<main id="main" tabindex="-1">{"".join(body)}</main></div>'
            '<div id="tip" role="tooltip" hidden></div>'
            f'<script type="application/json" id="data">{_script_json(data)}</script>'
            f"<script>{SCRIPT}</script></body></html>",
        ]
    )


def _stripe_label(page: _Page, classes: str) -> str:
    code = page.order[int(classes.split()[0][1:])]
    return f"{code} {_label(page, code)}"


def _ancestors(book: Codebook, code_id: str) -> list[str]:
    out = [code_id]
    code = book.get(code_id)
    while code is not None and code.parent is not None:
        out.append(code.parent)
        code = book.get(code.parent)
    return out


def _code_css(page: _Page, colours: dict[str, str]) -> str:
    """Each code's colour (``--c`` solid, ``--t`` its tint), and the rules that hide a code, a
    coder or a status when its class is on ``<body>``."""
    rules = []
    off, stripes = [], []
    for code, k in page.code_index.items():
        colour = colours.get(code, OTHER_COLOUR)
        rules.append(f".k{k}{{--c:{colour};--t:{colour}2e}}")
        off.append(f".off-k{k} .c.k{k},.off-k{k} .e.k{k}")
        stripes.append(f".off-k{k} .st.k{k}")
    for u in page.coder_index.values():
        off.append(f".off-u{u} .c.u{u},.off-u{u} .e.u{u}")
        stripes.append(f".off-u{u} .st.u{u}")
    for cls in STATUS_CLASSES.values():
        off.append(f".off-{cls} .c.{cls},.off-{cls} .e.{cls}")
        stripes.append(f".off-{cls} .st.{cls}")
    if off:
        rules.append(
            ",".join(off) + "{background:none;box-shadow:none;padding-bottom:0;font-weight:inherit;"
            "color:inherit}"
        )
        rules.append(",".join(stripes) + "{display:none}")
    return "".join(rules)


CSS = """
:root{--ink:#1d1d1f;--mute:#5f6368;--line:#d9dce1;--bg:#fff;--panel:#f6f7f9;--focus:#0b57d0;
--font:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",
"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",
"WenQuanYi Micro Hei","Droid Sans Fallback",sans-serif;
--cjk:"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",
"Noto Sans SC","WenQuanYi Micro Hei","Droid Sans Fallback",system-ui,sans-serif}
*{box-sizing:border-box}
html{font-size:100%;-webkit-text-size-adjust:100%}
body{margin:0;color:var(--ink);background:var(--bg);font-family:var(--font);line-height:1.6}
:lang(zh){font-family:var(--cjk)}
.skip{position:absolute;left:-999px}.skip:focus{left:.5rem;top:.5rem;z-index:9;background:#fff;padding:.3rem}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
header.top{padding:.6rem 1rem;border-bottom:1px solid var(--line)}
header.top h1{font-size:1.25rem;margin:0}
.meta{color:var(--mute);font-size:.85rem;margin:.1rem 0}
.layout{display:grid;grid-template-columns:minmax(14rem,20rem) minmax(0,1fr);gap:0}
#panel{background:var(--panel);border-right:1px solid var(--line);padding:.6rem .8rem;
position:sticky;top:0;max-height:100vh;overflow:auto;font-size:.9rem}
#panel summary{font-weight:600;cursor:pointer;margin:.3rem 0}
#panel ul{list-style:none;margin:0;padding-left:1rem}#panel .tree>ul{padding-left:0}
#panel li{margin:.1rem 0}
#panel label{cursor:pointer}
#panel fieldset{border:1px solid var(--line);margin:.5rem 0;padding:.3rem .5rem}
#panel fieldset label{display:block}
.q{display:block;margin:.5rem 0}.q input{display:block;width:100%;font:inherit;padding:.2rem}
.docs{padding-left:1.4rem;margin:0}.other{margin:.5rem 0 .1rem;color:var(--mute)}
.nil{color:var(--mute);font-size:.8rem}
.go{font-size:.8rem;margin-left:.2rem}
.sw{display:inline-block;width:.8em;height:.8em;border-radius:2px;background:var(--c,#999);
vertical-align:-.05em}
.sw.sa{background:#2b8a3e}.sw.ss{background:#e8a317}.sw.sr{background:#c92a2a}
main{padding:0 1rem 4rem;min-width:0}
.doc{margin:0 0 2rem}
.dh{position:sticky;top:0;background:var(--bg);border-bottom:1px solid var(--line);z-index:2;
padding:.4rem 0}
.dh h2{font-size:1.1rem;margin:0}
.turn{display:grid;grid-template-columns:auto 8.5rem minmax(0,1fr);gap:.5rem;
padding:.35rem 0;border-bottom:1px solid #f0f1f3;content-visibility:auto;
contain-intrinsic-size:auto 3.5rem}
.sts{display:flex;gap:2px;min-width:1.2rem;justify-content:flex-end}
.st{display:block;width:4px;border-radius:2px;background:var(--c)}
.who{font-size:.85rem;color:var(--mute);overflow-wrap:anywhere}
.who .n{display:inline-block;min-width:1.6em;font-variant-numeric:tabular-nums}
.who .sp{color:var(--ink);font-weight:600}
.who .ro{display:block}
.tx{margin:0;line-height:2.2;overflow-wrap:anywhere;white-space:pre-wrap}
.c{background:var(--t);box-shadow:inset 0 -2px var(--c);padding-bottom:1px;
-webkit-box-decoration-break:clone;box-decoration-break:clone}
.c.l1{padding-bottom:4px}.c.l2{padding-bottom:7px}.c.l3{padding-bottom:10px}
.c.l4{padding-bottom:13px}.c .c .c{background:none}
.c:focus{outline:2px solid var(--focus);outline-offset:1px}
.e{font-weight:700;color:#000}
.searching .miss{display:none}
mark.hit{background:#ffe066}
a:focus,button:focus,input:focus,summary:focus{outline:2px solid var(--focus);outline-offset:1px}
#tip{position:absolute;z-index:10;max-width:24rem;background:#fff;border:1px solid #999;
border-radius:4px;padding:.4rem .6rem;box-shadow:0 2px 8px rgba(0,0,0,.2);font-size:.85rem;
line-height:1.45}
#tip .tc{border-left:4px solid var(--c);padding-left:.4rem;margin:.2rem 0}
#tip b{display:block}
@media (max-width:760px){.layout{display:block}
#panel{position:static;max-height:none;border-right:0;border-bottom:1px solid var(--line)}
#pcodes:not([open]){margin:0}
.turn{grid-template-columns:auto minmax(0,1fr)}.who{grid-column:2}.tx{grid-column:1/-1}
.sts{grid-row:1/3}}
@media print{#panel,.skip{display:none}.layout{display:block}.turn{content-visibility:visible}}
"""

SCRIPT = r"""
(function(){
"use strict";
var D=JSON.parse(document.getElementById("data").textContent);
var W=D.words,B=document.body,tip=document.getElementById("tip");
var docs=[].slice.call(document.querySelectorAll("section.doc"));
function root(s){var t=s.querySelector("template");return t?t.content:s;}
function place(s){var t=s.querySelector("template");if(t){s.appendChild(t.content);t.remove();}}
if(!D.lazy||!("IntersectionObserver" in window)){docs.forEach(place);}
else{
  docs.forEach(function(s){if(s.querySelector("template")){
    s.style.minHeight=Math.min(2e5,Math.ceil(+s.dataset.chars/40)*16)+"px";}});
  var io=new IntersectionObserver(function(es){es.forEach(function(e){
    if(e.isIntersecting){place(e.target);e.target.style.minHeight="";io.unobserve(e.target);}});},
    {rootMargin:"1500px 0px"});
  docs.forEach(function(s){io.observe(s);});
}
function setOff(cls,off){B.classList.toggle("off-"+cls,off);}
function boxes(sel){return [].slice.call(document.querySelectorAll(sel));}
function code(k,on){setOff("k"+k,!on);
  boxes('input.fk[data-k="'+k+'"]').forEach(function(b){b.checked=on;});}
document.getElementById("panel").addEventListener("change",function(ev){
  var b=ev.target;if(!b.dataset)return;
  if(b.classList.contains("fk")){[].forEach.call(b.closest("li").querySelectorAll("input.fk"),
    function(x){code(x.dataset.k,b.checked);});}
  else if(b.classList.contains("fu")){setOff("u"+b.dataset.u,!b.checked);}
  else if(b.classList.contains("fs")){setOff(b.dataset.s,!b.checked);}
});
boxes("button[data-all]").forEach(function(btn){btn.addEventListener("click",function(){
  var on=btn.dataset.all==="1";boxes("input.fk").forEach(function(b){code(b.dataset.k,on);});});});
var cursor={};
boxes("a.go").forEach(function(a){a.addEventListener("click",function(ev){
  ev.preventDefault();var k=a.dataset.k,i=cursor[k]||0,all=[];
  docs.forEach(function(s){all=all.concat([].slice.call(root(s).querySelectorAll(".c.k"+k+"[tabindex]")));});
  if(!all.length)return;var el=all[i%all.length];cursor[k]=i+1;
  code(k,true);docs.forEach(function(d){if(root(d).contains(el))place(d);});
  var t=el.closest(".turn");if(t)t.classList.remove("miss");
  el.scrollIntoView({block:"center"});el.focus({preventScroll:true});});});
function show(el){
  var rows=[],n=el;
  while(n&&n.classList&&!n.classList.contains("tx")){
    if(n.dataset&&n.dataset.c!==undefined&&getComputedStyle(n).boxShadow!=="none")rows.push(D.codings[+n.dataset.c]);
    n=n.parentNode;}
  if(!rows.length){tip.hidden=true;return;}
  tip.textContent="";
  rows.forEach(function(r){var c=D.codes[r[0]],div=document.createElement("div");
    div.className="tc";div.style.setProperty("--c",c[2]);
    var b=document.createElement("b");b.textContent=c[1]+" ("+c[0]+")";div.appendChild(b);
    var rule=r[3]==="manual"?W.manual:r[3]==="imported"?W.imported:W.rule+" "+r[3];
    var line=W.coder+" "+D.coders[r[1]]+" · "+(W[r[2]]||r[2])+" · "+rule;
    if(r[4]!==null)line+=" · "+W.confidence+" "+(+r[4]).toFixed(2);
    div.appendChild(document.createTextNode(line));
    if(r[5]){var m=document.createElement("div");m.textContent=W.memo+": "+r[5];div.appendChild(m);}
    tip.appendChild(div);});
  var box=el.getBoundingClientRect();tip.hidden=false;
  var right=window.scrollX+document.documentElement.clientWidth-tip.offsetWidth-4;
  var left=Math.max(4,Math.min(box.left+window.scrollX,right));
  tip.style.left=left+"px";tip.style.top=(box.bottom+window.scrollY+6)+"px";}
var main=document.getElementById("main");
main.addEventListener("mouseover",function(ev){var el=ev.target.closest(".c");
  if(el)show(el);else tip.hidden=true;});
main.addEventListener("mouseleave",function(){tip.hidden=true;});
main.addEventListener("focusin",function(ev){var el=ev.target.closest(".c");if(el)show(el);});
main.addEventListener("focusout",function(){tip.hidden=true;});
document.addEventListener("keydown",function(ev){if(ev.key==="Escape")tip.hidden=true;});
var q=document.getElementById("q"),qn=document.getElementById("qn"),timer=0;
function search(){
  var want=q.value.trim().toLowerCase(),found=0;
  B.classList.toggle("searching",!!want);
  docs.forEach(function(s){[].forEach.call(root(s).querySelectorAll(".turn"),function(t){
    var hit=!want||t.querySelector(".tx").textContent.toLowerCase().indexOf(want)>=0;
    t.classList.toggle("miss",!hit);if(hit&&want)found++;});});
  qn.textContent=want?found+" "+W.found+" “"+q.value.trim()+"”":"";}
q.addEventListener("input",function(){clearTimeout(timer);timer=setTimeout(search,200);});
var m=/(?:^#|&)hide=([^&]*)/.exec(location.hash);
if(m){decodeURIComponent(m[1]).split(",").forEach(function(id){
  D.codes.forEach(function(c,k){if(c[0]===id||c[0].indexOf(id+".")===0)code(k,false);});});}
if(window.matchMedia&&matchMedia("(max-width:760px)").matches){  /* a phone: text first */
  [].forEach.call(document.querySelectorAll("#panel details"),function(d){d.open=false;});}
B.classList.add("ready");
})();
"""
