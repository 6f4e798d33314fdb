"""``build_report``: the project as a Word report (see :mod:`casecode.report`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from casecode.analysis.data import load
from casecode.analysis.frames import label_language
from casecode.analysis.matrix import count_codes, count_pairs
from casecode.codebook.codes import Speakers
from casecode.codebook.refs import code_refs
from casecode.codebook.use import project_codebook
from casecode.errors import CasecodeError
from casecode.outputs import check_out
from casecode.project import Project, using_project
from casecode.report.chart import bar_chart, cjk_font, needs_cjk
from casecode.report.content import (
    CaseSection,
    CodeSection,
    Quote,
    ReportData,
    Table,
    excerpt,
    pick_quotes,
)
from casecode.report.docx import write_docx
from casecode.report.words import ATTRIBUTES, word
from casecode.review.agreement import agreement, evaluate
from casecode.review.coders import coders as list_coders

REPORT_STATUSES = ("all", "accepted")
MAX_CHART_BARS = 25
MAX_COOCCUR = 12
MAX_MATRIX_CODES = 40


def _n(value: int) -> str:
    return f"{value:,}"


def _rules_in_brief(code, lang: str) -> str:
    """``关键词 12；邻近 1；正则 1`` — what kinds of rules a code has, and how many words."""
    names = {
        "keywords": ("关键词", "keywords"),
        "near": ("邻近", "near"),
        "patterns": ("模式", "patterns"),
        "regex": ("正则", "regex"),
    }
    counts: dict[str, int] = {}
    for rule in code.rules:
        m = rule.match
        for kind, n in (
            ("keywords", len(m.keywords)),
            ("near", len(m.near)),
            ("patterns", len(m.patterns)),
            ("regex", len(m.regex)),
        ):
            if n:
                counts[kind] = counts.get(kind, 0) + n
    i = 0 if lang == "zh" else 1
    return ("；" if lang == "zh" else "; ").join(f"{names[k][i]} {v}" for k, v in counts.items())


def _quote(corpus, hit, coding: dict[str, Any], speaker: str | None, limit: int = 160):

    doc = corpus.docs[hit.doc]
    start, end = coding["start"], coding["end"]
    # a coding over a label or several turns is quoted from what this turn says
    start, end = max(start, hit.start), min(end, hit.end) if hit.end > hit.start else end
    text = doc.text[start:end]
    bold = []
    for e in json.loads(coding["evidence"]) if coding.get("evidence") else []:
        s, t = e.get("start"), e.get("end")
        if isinstance(s, int) and isinstance(t, int) and start <= s < t <= end:
            bold.append((s - start, t - start))
    text, bold_kept = excerpt(text.strip("\n"), sorted(set(bold)), limit)
    reviewed = coding["status"] == "accepted"
    confidence = coding["confidence"] if coding["confidence"] is not None else 1.0
    return Quote(
        text.replace("\n", " "),
        bold_kept,
        speaker or "",
        doc.case,
        doc.name,
        hit.turn,
        hit.column,
        reviewed,
        float(confidence),
        doc.language,
    )


def build_report(
    project: str | Path | Project | None = None,
    out: str | Path = "report.docx",
    *,
    lang: str | None = None,
    template: str | Path | None = None,
    codes: str | Iterable[str] | None = None,
    level: int = 2,
    quotes: int = 3,
    coder: str | None = None,
    status: str = "all",
    title: str | None = None,
    appendix: bool = False,
    force: bool = False,
    progress=None,
) -> dict[str, Any]:
    """``casecode report``: write a Word report of the project to ``out``: title page, method,
    codebook, frequencies (table and chart), the case × code matrix and co-occurrence, quotes by
    code and by case, and with ``appendix`` every coding. Same store and options → same text. A file
    already at ``out`` is refused unless ``force``."""

    out = Path(out)
    if out.suffix.lower() != ".docx":
        raise CasecodeError("a report is a .docx file", file=out)
    check_out(out, force=force)
    if status not in REPORT_STATUSES:
        raise CasecodeError(f"unknown status '{status}'", hint="all or accepted")
    if quotes < 0:
        raise CasecodeError("--quotes is a number of quotes, 0 or more")
    template_path = Path(template) if template is not None else None
    if template_path is not None and not template_path.is_file():
        raise CasecodeError("no such template", file=template_path)
    with using_project(project) as proj:
        book = project_codebook(proj)
        corpus = load(
            proj.store, book, level=level, codes=code_refs(codes) or None, coder=coder,
            status=status,
        )  # fmt: skip
        lang = label_language(corpus, lang)
        people = list_coders(proj)
        as_of = proj.store.last_change()
        reliability = _reliability(proj, people, level)
        evaluation = _evaluation(proj, people, level)
        project_name = proj.config.name
    warnings = list(corpus.warnings())
    data = ReportData(
        lang=lang,
        title=title or _word("title", lang),
        project=project_name,
        as_of=(as_of or "")[:10],
        codebook=_in_language(book.name, lang),
        codebook_version=book.content_version,
        material=_material(corpus),
        scope=_scope(corpus, codes, lang),
        roles=list(
            dict.fromkeys(
                d.attributes["role"] for d in corpus.docs.values() if d.attributes.get("role")
            )
        ),
        coding=_coding(book, people, status, coder, lang),
        coders=_coders_table(people, lang),
        reliability=reliability,
        evaluation=evaluation,
        codebook_table=_codebook_table(book, corpus, lang),
        frequencies=None,
        chart=[],
        matrix=None,
        cooccurrence=None,
        code_sections=[],
        case_sections=[],
        warnings=warnings,
    )
    _analysis(data, corpus, lang, quotes)
    if appendix:
        data.appendix = _appendix(corpus, lang)
    chart, font_note = _chart(data, corpus, lang)
    if font_note:
        warnings.append(font_note)

    note = " ".join(n for n in (data.chart_note, font_note) if n)
    write_docx(data, out, template=template_path, chart=chart, chart_note=note)
    return {
        "file": str(out),
        "lang": lang,
        "codes": len(corpus.columns),
        "code_sections": len(data.code_sections),
        "case_sections": len(data.case_sections),
        "quotes": sum(len(s.quotes) for s in data.code_sections),
        "chart": chart is not None,
        "appendix": data.appendix is not None,
        "warnings": warnings,
    }


def _word(key: str, lang: str, **values: Any) -> str:

    return word(key, lang, **values)


def _in_language(name: str, lang: str) -> str:
    """A bilingual name written "中文 / English" in the report's language."""

    parts = [p.strip() for p in name.split(" / ") if p.strip()]
    if len(parts) < 2:
        return name
    mine = [p for p in parts if needs_cjk([p]) == (lang == "zh")]
    return mine[0] if mine else name


def _scope(corpus, codes, lang: str) -> str:
    """A sentence saying which codes the report covers, when it is not all of them."""
    if not codes:
        return ""
    named = ", ".join(dict.fromkeys(c for c in corpus.columns))
    return _word("scope_text", lang, codes=named)


def _material(corpus) -> dict[str, str]:

    docs = corpus.docs.values()
    interviewee = Speakers()  # leaves out interviewers' labels (访谈者, Q, Interviewer, ...)
    speakers = {t.speaker for t in corpus.turns if t.speaker and interviewee.allows(t.speaker)}
    return {
        "documents": _n(len(corpus.docs)),
        "cases": _n(len({d.case for d in docs})),
        "turns": _n(len(corpus.turns)),
        "characters": _n(sum(len(d.text) for d in docs)),
        "speakers": _n(len(speakers)),
    }


def _coding(book, people, status: str, coder: str | None, lang: str) -> dict[str, Any]:
    which = _word("which_all" if status == "all" else "which_accepted", lang)
    if coder:
        which += _word("which_coder", lang, coder=coder)
    result: dict[str, Any] = {
        "text": {
            "codebook": book.name,
            "version": book.content_version,
            "codes": len(book.ids),
            "rules": sum(1 for _ in book.rules()),
            "which": which,
        }
    }
    suggested = sum(p["suggested"] or 0 for p in people)
    accepted = sum(p["accepted"] or 0 for p in people)
    rejected = sum(p["rejected"] or 0 for p in people)
    total = suggested + accepted + rejected
    if total:
        result["suggestions"] = {
            "suggestions": _n(total),
            "accepted": _n(accepted),
            "rejected": _n(rejected),
            "open": _n(suggested),
        }
    return result


def _coders_table(people, lang: str):

    rows = [p for p in people if p["total"]]
    if not rows:
        return None
    head = [_word(k, lang) for k in ("coder", "manual", "suggested", "accepted", "rejected")]
    body = [
        [p["coder"], p["manual"] or 0, p["suggested"] or 0, p["accepted"] or 0, p["rejected"] or 0]
        for p in rows
    ]
    return Table(_word("coders", lang), [head, *body])


def _show(value, form: str = ".3f") -> str:
    return "—" if value is None else format(value, form)


def _reliability(proj, people, level: int) -> dict[str, Any] | None:
    """Agreement of the first two people who coded by hand, when there are two."""

    humans = [p["coder"] for p in people if (p["manual"] or 0) > 0]
    if len(humans) < 2:
        return None
    try:
        result = agreement(proj, humans[:2], level=level)
    except CasecodeError:
        return None
    overall = result["overall"]
    return {
        "coders": " / ".join(humans[:2]),
        "units": _n(int(overall["units"])),
        "percent": _show(overall["percent_agreement"], ".1%"),
        "kappa": _show(overall["cohen_kappa"]),
        "alpha": _show(overall["krippendorff_alpha"]),
    }


GOLD_CODERS = ("gold", "consensus")


def _evaluation(proj, people, level: int) -> dict[str, Any] | None:
    """How the rules (coder ``auto``) do against a coder named ``gold`` or ``consensus``."""

    names = {p["coder"] for p in people}
    gold = next((g for g in GOLD_CODERS if g in names), None)
    if gold is None or "auto" not in names:
        return None
    try:
        micro = evaluate(proj, gold, "auto", level=level)["micro"]
    except CasecodeError:
        return None
    return {
        "gold": gold,
        "precision": _show(micro.get("precision"), ".2f"),
        "recall": _show(micro.get("recall"), ".2f"),
        "f1": _show(micro.get("f1"), ".2f"),
        "level": level,
    }


def _codebook_table(book, corpus, lang: str):

    scope = set(corpus.columns)
    wanted = [
        c for c in book.walk() if c.id in scope or any(c.id.startswith(s + ".") for s in scope)
    ]
    if not wanted:
        return None
    head = [
        _word(k, lang) for k in ("code_id", "label", "definition", "include", "exclude", "rules")
    ]
    rows = [
        [
            c.id,
            c.text("label", lang),
            c.text("definition", lang),
            c.text("include", lang),
            c.text("exclude", lang),
            _rules_in_brief(c, lang),
        ]
        for c in wanted
    ]
    return Table(_word("codebook_caption", lang), [head, *rows])


def _analysis(data, corpus, lang: str, n_quotes: int) -> None:

    if not corpus.hits:
        return
    label = {c: _label(corpus, c, lang) for c in corpus.columns}
    stats: dict[str, dict[str, set]] = {
        c: {"documents": set(), "cases": set(), "turns": set(), "codings": set()}
        for c in corpus.columns
    }
    for h in corpus.hits:
        s = stats[h.column]
        s["documents"].add(h.doc)
        s["cases"].add(corpus.docs[h.doc].case)
        s["turns"].add((h.doc, h.turn))
        s["codings"].add(h.coding)
    present = [c for c in corpus.columns if stats[c]["turns"]]
    absent = len(corpus.columns) - len(present)
    none_note = _word("absent_codes", lang, n=absent) if absent else ""
    keys = ("documents", "cases", "turns", "codings")
    head = [_word("code_id", lang), _word("label", lang), *(_word(k, lang) for k in keys)]
    rows = [[c, label[c], *(len(stats[c][k]) for k in keys)] for c in present]
    data.frequencies = Table(_word("freq_caption", lang), [head, *rows], note=none_note)
    order = {c: i for i, c in enumerate(corpus.columns)}
    ranked = sorted(
        ((c, len(stats[c]["turns"])) for c in present), key=lambda cv: (-cv[1], order[cv[0]])
    )
    data.chart = ranked[:MAX_CHART_BARS]
    if len(ranked) > MAX_CHART_BARS:
        data.chart_note = _word("chart_top", lang, n=MAX_CHART_BARS, all=len(ranked))

    # the case × code matrix, codes down the page (they outnumber the cases)
    m = count_codes(corpus, rows="case", measure="segments")
    rows_kept = [i for i, total in enumerate(m.row_totals) if total]
    head = [_word("code_id", lang), *(m.rows[i] for i in rows_kept), _word("total", lang)]
    body = [
        [label[m.columns[j]], *(m.values[i][j] for i in rows_kept), m.column_totals[j]]
        for j in range(len(m.columns))
        if m.column_totals[j]
    ]
    body.append([_word("total", lang), *(m.row_totals[i] for i in rows_kept), m.total])
    note = _word("matrix_note", lang)
    if len(rows_kept) < len(m.rows):
        note += _word("cases_left_out", lang, n=len(m.rows) - len(rows_kept))
    data.matrix = Table(
        _word("matrix_caption", lang), [head, *body], shade=True, totals=True, note=note
    )

    top = [c for c, _ in ranked[:MAX_COOCCUR]]
    co = count_pairs(corpus, unit="turn")
    index = {c: j for j, c in enumerate(co.columns)}
    if len(top) >= 2:  # codes numbered, so a dozen columns fit the page
        head = ["", *(str(k) for k in range(1, len(top) + 1))]
        body = [
            [f"{k}. {label[a]}", *(co.values[index[a]][index[b]] for b in top)]
            for k, a in enumerate(top, start=1)
        ]
        note = _word("cooccur_top", lang, n=len(top)) if len(ranked) > len(top) else ""
        data.cooccurrence = Table(
            _word("cooccur_caption", lang), [head, *body], shade=True, note=note
        )

    # quotes: in the report's language first, and a turn quoted once if others will do
    speakers = {(t.doc, t.n): t.speaker for t in corpus.turns}
    candidates: dict[str, list] = {}
    for h in corpus.hits:
        quote = _quote(corpus, h, corpus.codings[h.coding], speakers[(h.doc, h.turn)])
        candidates.setdefault(h.column, []).append(quote)
    used: set[tuple[str, int]] = set()
    if n_quotes > 0:
        for c in present:
            code = corpus.book.get(c)
            data.code_sections.append(
                CodeSection(
                    c,
                    label[c],
                    code.text("definition", lang) if code else "",
                    pick_quotes(candidates[c], n_quotes, lang=lang, used=used),
                )
            )
    cases = list(dict.fromkeys(d.case for d in corpus.docs.values()))
    case_used: set[tuple[str, int]] = set()
    for case in cases:
        docs = [d for d in corpus.docs.values() if d.case == case]
        attrs: dict[str, list[str]] = {}
        for d in docs:
            for k, v in d.attributes.items():
                if v and v not in attrs.setdefault(k, []):
                    attrs[k].append(v)
        counts = sorted(
            (
                (c, len({t for t in stats[c]["turns"] if corpus.docs[t[0]].case == case}))
                for c in present
            ),
            key=lambda cv: (-cv[1], order[cv[0]]),
        )
        codes_here = [(label[c], n) for c, n in counts if n]
        if not codes_here:
            continue
        quotes = [q for c in present for q in candidates.get(c, []) if q.case == case]
        picked = pick_quotes(quotes, n_quotes, spread=lambda q: q.code, lang=lang, used=case_used)
        data.case_sections.append(
            CaseSection(
                case,
                [(_attribute_name(k, lang), " / ".join(v)) for k, v in sorted(attrs.items())],
                codes_here,
                picked,
            )
        )


def _label(corpus, code_id: str, lang: str) -> str:
    code = corpus.book.get(code_id)
    return code.text("label", lang) if code is not None else code_id


def _attribute_name(key: str, lang: str) -> str:

    return ATTRIBUTES.get(key, {}).get(lang, key)


def _appendix(corpus, lang: str):

    keys = ("document_col", "turn_col", "code_id", "text", "coder", "status")
    head = [_word(k, lang) for k in keys]
    rows, seen = [], set()
    for h in corpus.hits:
        if h.coding in seen:
            continue
        seen.add(h.coding)
        c = corpus.codings[h.coding]
        passage = corpus.docs[h.doc].text[c["start"] : c["end"]].replace("\n", " ")
        text, _ = excerpt(passage, [], 80)
        status = _word(f"status_{h.status}", lang)
        rows.append([corpus.docs[h.doc].name, h.turn, h.code, text, h.coder, status])
    if not rows:
        return None
    return Table(_word("appendix_caption", lang), [head, *rows])


def _chart(data, corpus, lang: str) -> tuple[bytes | None, str]:

    if not data.chart:
        return None, ""
    labels = [_label(corpus, c, lang) for c, _ in data.chart]
    font, note = None, ""
    if needs_cjk(labels):
        font = cjk_font()
        if font is None:
            labels = [c for c, _ in data.chart]
            note = _word("chart_no_font", lang)
    bars = [(label, n) for label, (_, n) in zip(labels, data.chart, strict=True)]
    axis = _word("turns", lang)
    if font is None and needs_cjk([axis]):
        axis = _word("turns", "en")  # no font can draw the Chinese axis title either
    return bar_chart(bars, axis, font), note
