"""``build_report``: the project as a Word report (see :mod:`casecode.report`).

What it counts is :mod:`casecode.analysis.counts`' one definition (coded turns, of confirmed
codings or, while there are none, of machine suggestions — and it says which); every quote
carries its status; documents without speakers are spoken of as documents and paragraphs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from casecode.analysis.counts import COUNTED, coded_turns, count_note
from casecode.analysis.data import MISSING, load
from casecode.analysis.frames import label_language
from casecode.analysis.matrix import count_codes, count_pairs
from casecode.codebook.codes import Speakers
from casecode.codebook.refs import code_refs
from casecode.codebook.use import project_codebook
from casecode.corpus.pseudonyms import load_pseudonyms
from casecode.errors import CasecodeError
from casecode.outputs import check_out
from casecode.project import Project, using_project
from casecode.report.chart import bar_chart, cjk_font, needs_cjk
from casecode.report.content import (
    Chart,
    Heading,
    Para,
    Quote,
    ReportData,
    Table,
    excerpt,
    pick_quotes,
    sentence_bounds,
)
from casecode.report.docx import write_docx
from casecode.report.words import ATTRIBUTES, UNIT, word
from casecode.review.agreement import agreement, evaluate
from casecode.review.coders import coders as list_coders

REPORT_STATUSES = (COUNTED, "all", "accepted")
MAX_CHART_BARS = 25
MAX_COOCCUR = 12
MAX_COMPARISONS = 2
WEAK = 0.6  # unreviewed single-keyword matches below this confidence are not quoted
GOLD_CODERS = ("gold", "consensus")
# attributes worth comparing groups by, best first; others follow alphabetically
_COMPARE_FIRST = ("actor", "level", "role", "gender", "township", "village", "county")
_NOT_COMPARED = {"date", "language", "interviewer", "place", "age", "case", "document"}
# a paragraph of a regulation's revision history: "（2010年…通过　根据…修正）"
_HISTORY = re.compile(r"^\s*[（(][^）)]*(通过|修正|修订|公布|施行|批准)[^）)]*[）)]\s*$", re.S)
_ARTICLE = re.compile(r"^\s*(第[一二三四五六七八九十百千零〇两\d]+条)")


def _n(value: int) -> str:
    return f"{value:,}"


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
    status: str = COUNTED,
    title: str | None = None,
    author: str | None = None,
    appendix: bool = False,
    force: bool = False,
    progress=None,
) -> dict[str, Any]:
    """``casecode report``: write a Word report of the project to ``out``: a title page saying
    how many codings are confirmed, unreviewed or rejected and by whom; contents; method
    (material, coding, reliability); codes at a glance (frequencies grouped by top-level
    category, a chart, codes never applied); comparisons (a framework matrix of cases × themes
    with key quotes, the case × code matrix, themes by attribute); co-occurrence (Jaccard);
    quotes by code and by case with memos; the codebook (and with ``appendix`` every coding) in
    appendices. ``status`` ``auto`` counts confirmed codings, or the machine suggestions while
    none is confirmed (see :mod:`casecode.analysis.counts`). Same store and options → same
    text. A file already at ``out`` is refused unless ``force``."""

    out = Path(out)
    if out.suffix.lower() != ".docx":
        raise CasecodeError("a report is a .docx file", file=out)
    check_out(out, force=force)
    if status not in REPORT_STATUSES:
        raise CasecodeError(f"unknown status '{status}'", hint=", ".join(REPORT_STATUSES))
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
        kind = _kind(corpus)
        reliability = _reliability(proj, people, level)
        evaluation = _evaluation(proj, people, level)
        memos = {
            k: [(r["target"], r["text"]) for r in proj.store.memos(k)] for k in ("code", "document")
        }
        names = load_pseudonyms(proj)
        project_name = proj.config.name
    r = _Report(corpus, lang, kind, names, level)
    title = title or word("title", lang)
    warnings = list(corpus.warnings())
    status_lines = r.status_lines(people)
    body: list = []
    body += r.method(book, people, reliability, evaluation, codes, quotes)
    r.analyse(body, quotes, memos)
    body += r.appendices(book, appendix)
    warnings += r.warnings
    data = ReportData(
        lang=lang,
        title=title,
        author=author or "",
        project=project_name,
        as_of=(as_of or "")[:10],
        subtitle=[
            f"{word('project', lang)}{r.colon}{project_name}",
            f"{word('codebook', lang)}{r.colon}{_in_language(book.name, lang)}"
            + (
                f"（{word('version', lang)} {book.content_version}）"
                if lang == "zh"
                else f" ({word('version', lang)} {book.content_version})"
            ),
            *([f"{word('author', lang)}{r.colon}{author}"] if author else []),
            f"{word('as_of', lang)}{r.colon}{(as_of or '')[:10]}",
        ],  # fmt: skip
        status=status_lines,
        header=f"{title} · {project_name}",
        body=body,
        warnings=warnings,
    )
    write_docx(data, out, template=template_path)
    return {
        "file": str(out),
        "lang": lang,
        "kind": kind,
        "counted": list(corpus.counted),
        "codes": len(corpus.columns),
        "code_sections": r.code_sections,
        "case_sections": r.case_sections,
        "quotes": r.quotes_by_code,
        "chart": r.chart,
        "appendix": appendix and bool(corpus.hits),
        "warnings": warnings,
    }


def _kind(corpus) -> str:
    """``document`` when every document is one without speakers, else ``interview``."""
    kinds = {d.kind for d in corpus.docs.values()}
    return "document" if kinds == {"document"} else "interview"


def _in_language(name: str, lang: str) -> str:
    """A bilingual name written "中文 / English" in the report's language."""

    parts = [p.strip() for p in name.split(" / ") if p.strip()]
    if len(parts) < 2:
        return name
    mine = [p for p in parts if needs_cjk([p]) == (lang == "zh")]
    return mine[0] if mine else name


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
        "documents": _n(int(result["documents"])),
        "units": _n(int(overall["units"])),
        "percent": _show(overall["percent_agreement"], ".1%"),
        "kappa": _show(overall["cohen_kappa"]),
        "alpha": _show(overall["krippendorff_alpha"]),
        "codes": {
            c: (
                f["label"] or c,
                _show(f.get("percent_agreement"), ".1%"),
                _show(f.get("cohen_kappa")),
                _show(f.get("krippendorff_alpha")),
            )
            for c, f in result["codes"].items()
        },
    }


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


class _Report:
    """The body of one report, built from the coded corpus."""

    def __init__(self, corpus, lang: str, kind: str, names: dict[str, str], level: int) -> None:
        self.corpus, self.lang, self.kind, self.level = corpus, lang, kind, level
        self.names = dict(sorted(names.items(), key=lambda kv: -len(kv[0])))  # longest first
        self.colon = "：" if lang == "zh" else ": "
        self.unit = UNIT[(lang, kind)]
        self.note = count_note(lang, kind)
        self.turns = coded_turns(corpus)
        self.present = [c for c in corpus.columns if self.turns[c]]
        self.order = {c: i for i, c in enumerate(corpus.columns)}
        self.used: set[tuple[str, int]] = set()  # turns quoted anywhere in the report
        self.warnings: list[str] = []
        self.code_sections = self.case_sections = self.quotes_by_code = 0
        self.chart = False
        self.coders_counted = sorted({h.coder for h in corpus.hits})
        self._candidates: dict[str, list[Quote]] | None = None
        self._articles: dict[tuple[int, int], str] = {}
        self.turn_of = {(t.doc, t.n): t for t in corpus.turns}

    # -- names and words ------------------------------------------------------------------

    def w(self, name: str, /, **values: Any) -> str:
        return word(name, self.lang, unit=self.unit, **values)

    def pn(self, text: str) -> str:
        """``text`` with every real name the project's pseudonyms list replaced."""
        for real, fake in self.names.items():
            text = text.replace(real, fake)
        return text

    def label(self, code_id: str) -> str:
        code = self.corpus.book.get(code_id)
        return code.text("label", self.lang) if code is not None else code_id

    def top(self, code_id: str) -> str:
        """The top-level category a column belongs to."""
        code = self.corpus.book.get(code_id)
        return self.corpus.book.roll_up(code_id, 1) if code is not None else code_id

    def join(self, items: Iterable[str]) -> str:
        return ("、" if self.lang == "zh" else ", ").join(items)

    def counted_which(self) -> str:
        counted = tuple(self.corpus.counted)
        key = {("accepted",): "accepted", ("suggested",): "suggested"}.get(counted, "all")
        return self.w(f"counted_{key}")

    def table_note(self, *extra: str) -> str:
        parts = [*extra, self.note]
        if len(self.coders_counted) > 1:
            parts.append(self.w("pooled_note", n=len(self.coders_counted)))
        parts.append(
            self.w(
                "counted_text", which=self.counted_which(), coders=self.join(self.coders_counted)
            )
        )
        return ("" if self.lang == "zh" else " ").join(p for p in parts if p)

    # -- the title page ---------------------------------------------------------------------

    def status_lines(self, people) -> list[str]:
        totals = {
            k: sum(p[k] or 0 for p in people)
            for k in ("manual", "suggested", "accepted", "rejected")
        }
        total = sum(totals.values())
        names = [p["coder"] for p in people if p["total"]]
        if not total:
            return [self.w("status_none")]
        lines = [
            self.w(
                "status_total",
                total=_n(total),
                manual=_n(totals["manual"]),
                accepted=_n(totals["accepted"]),
                open=_n(totals["suggested"]),
                rejected=_n(totals["rejected"]),
                coders=self.join(names),
            ),  # fmt: skip
        ]
        if self.corpus.hits:
            lines.append(
                self.w(
                    "counted_text",
                    which=self.counted_which(),
                    coders=self.join(self.coders_counted),
                )  # fmt: skip
            )
        if tuple(self.corpus.counted) != ("accepted",) and any(
            h.status == "suggested" for h in self.corpus.hits
        ):
            lines.append(self.w("unreviewed_warning"))
        return lines

    # -- method -----------------------------------------------------------------------------

    def method(self, book, people, reliability, evaluation, codes, n_quotes) -> list:
        corpus, lang = self.corpus, self.lang
        docs = list(corpus.docs.values())
        blocks: list = [Heading(self.w("method"), 1)]
        blocks.append(Heading(self.w(f"material_{self.kind}"), 2))
        languages = {}
        for d in docs:
            languages[d.language] = languages.get(d.language, 0) + 1
        shown = self.join(
            self.w(
                "language_count",
                language=self.w(f"language_{x}") if f"language_{x}" in _LANGS else x,
                n=n,
            )
            for x, n in sorted(languages.items(), key=lambda kv: (kv[0] != lang, kv[0]))
        )
        interviewee = Speakers()  # leaves out interviewers' labels (访谈者, Q, Interviewer, ...)
        speakers = {t.speaker for t in corpus.turns if t.speaker and interviewee.allows(t.speaker)}
        blocks.append(
            Para(
                self.w(
                    f"material_text_{self.kind}",
                    documents=_n(len(docs)),
                    cases=_n(len({d.case for d in docs})),
                    turns=_n(len(corpus.turns)),
                    characters=_n(sum(len(d.text) for d in docs)),
                    speakers=_n(len(speakers)),
                    languages=shown,
                )  # fmt: skip
            )
        )
        roles = list(dict.fromkeys(d.attributes["role"] for d in docs if d.attributes.get("role")))
        if roles and self.kind == "interview":
            blocks.append(
                Para(self.join(self.pn(r) for r in roles), lead=self.w("roles") + self.colon)
            )
        if len(languages) > 1 and n_quotes:
            blocks.append(Para(self.w("quote_languages")))

        blocks.append(Heading(self.w("coding"), 2))
        blocks.append(
            Para(
                self.w(
                    "coding_text",
                    codebook=_in_language(book.name, lang),
                    version=book.content_version,
                    codes=len(book.ids),
                    rules=sum(1 for _ in book.rules()),
                )  # fmt: skip
            )
        )
        suggested = sum(p["suggested"] or 0 for p in people)
        accepted = sum(p["accepted"] or 0 for p in people)
        rejected = sum(p["rejected"] or 0 for p in people)
        manual = sum(p["manual"] or 0 for p in people)
        machine = suggested + accepted + rejected
        if machine and accepted + rejected:
            blocks.append(
                Para(
                    self.w(
                        "reviewed_text",
                        suggestions=_n(machine),
                        reviewed=_n(accepted + rejected),
                        accepted=_n(accepted),
                        rejected=_n(rejected),
                        open=_n(suggested),
                    )  # fmt: skip
                )
            )
        elif machine:
            blocks.append(Para(self.w("none_reviewed_text", suggestions=_n(machine))))
        if manual:
            blocks.append(Para(self.w("manual_text", manual=_n(manual))))
        if corpus.hits:
            blocks.append(
                Para(
                    self.w(
                        "counted_text",
                        which=self.counted_which(),
                        coders=self.join(self.coders_counted),
                    )  # fmt: skip
                    + ("" if lang == "zh" else " ")
                    + self.note
                )
            )
        if codes:
            blocks.append(Para(self.w("scope_text", codes=self.join(corpus.columns))))
        if n_quotes:
            blocks.append(Para(self.w("quote_rule", threshold=WEAK)))
        blocks.append(Para(self.w("view_text")))
        rows = [p for p in people if p["total"]]
        if rows:
            head = [self.w(k) for k in ("coder", "manual", "suggested", "accepted", "rejected")]
            body = [
                [p["coder"], p["manual"] or 0, p["suggested"] or 0, p["accepted"] or 0,
                 p["rejected"] or 0]
                for p in rows
            ]  # fmt: skip
            blocks.append(Table(self.w("coders"), [head, *body]))

        blocks.append(Heading(self.w("reliability"), 2))
        if reliability:
            blocks.append(
                Para(
                    self.w(
                        "reliability_text", **{k: v for k, v in reliability.items() if k != "codes"}
                    )
                )
            )
            head = [self.w("label"), self.w("agreement_head"), "Cohen's κ", "Krippendorff's α"]
            body = [list(v) for v in reliability["codes"].values()]
            if body:
                blocks.append(
                    Table(self.w("reliability_caption"), [head, *body], widths=[6, 3, 3, 3])
                )
        else:
            blocks.append(Para(self.w("reliability_none")))
        if evaluation:
            blocks.append(Para(self.w("evaluation_text", **evaluation)))
        return blocks

    # -- quotes -------------------------------------------------------------------------------

    def article(self, doc_id: int, turn: int) -> str:
        """The article (第十二条) a paragraph of a document stands in, or ''."""
        if not self._articles:
            current: dict[int, str] = {}
            for t in self.corpus.turns:
                m = _ARTICLE.match(self.corpus.docs[t.doc].text[t.start : t.end])
                if m:
                    current[t.doc] = m.group(1)
                self._articles[(t.doc, t.n)] = current.get(t.doc, "")
        return self._articles.get((doc_id, turn), "")

    def source(self, doc, turn: int, speaker: str | None) -> str:
        """Where a quote comes from: role (or speaker) and case, then the document without its
        extension and the turn; for a document without speakers, its article or paragraph."""
        lang = self.lang
        stem = self.pn(doc.name.rsplit(".", 1)[0] if "." in doc.name else doc.name)
        if doc.kind == "document" or not speaker:
            where = self.article(doc.id, turn) if lang == "zh" else ""
            where = where or self.w("paragraph", n=turn)
            if lang == "zh":
                return f"《{stem}》{where}"
            return f"{stem}, {where}"
        who = self.pn(doc.attributes.get("role") or speaker)
        case = self.pn(doc.case)
        at = self.w("turn", n=turn)
        if lang == "zh":
            return f"{who}，{case}（{stem}，{at}）"
        return f"{who}, {case} ({stem}, {at})"

    def candidates(self) -> dict[str, list[Quote]]:
        """Every quotable passage, by column: accepted or confident enough, not a revision
        history line, cut to whole sentences."""
        if self._candidates is not None:
            return self._candidates
        corpus = self.corpus
        speakers = {(t.doc, t.n): t.speaker for t in corpus.turns}
        found: dict[str, list[Quote]] = {}
        for h in corpus.hits:
            coding = corpus.codings[h.coding]
            quote = self.quote(h, coding, speakers.get((h.doc, h.turn)))
            if quote is not None:
                found.setdefault(h.column, []).append(quote)
        self._candidates = found
        return found

    def quote(self, hit, coding: dict[str, Any], speaker: str | None, limit: int = 160):
        doc = self.corpus.docs[hit.doc]
        evidence = json.loads(coding["evidence"]) if coding.get("evidence") else []
        reviewed = coding["status"] == "accepted"
        confidence = float(coding["confidence"] if coding["confidence"] is not None else 1.0)
        words = frozenset(str(e.get("text", "")).casefold() for e in evidence if e.get("text"))
        if not reviewed and confidence < WEAK and len(words) <= 1:
            return None  # a low-confidence single-keyword match is no evidence to show
        turn_start, turn_end = hit.start, max(hit.end, hit.start)
        # what this turn says of the coding, widened to whole sentences of the turn
        turn = self.turn_of.get((hit.doc, hit.turn))
        lo, hi = (turn.start, turn.end) if turn is not None else (turn_start, turn_end)
        said = doc.text[lo:hi]
        if _HISTORY.match(said) or len(said.strip()) < 4:
            return None
        s, e = sentence_bounds(said, turn_start - lo, turn_end - lo)
        text = said[s:e]
        bold = []
        for ev in evidence:
            a, b = ev.get("start"), ev.get("end")
            if isinstance(a, int) and isinstance(b, int) and lo + s <= a < b <= lo + e:
                bold.append((a - lo - s, b - lo - s))
        if not bold and (turn_start, turn_end) != (lo + s, lo + e) and turn_end > turn_start:
            bold.append((turn_start - lo - s, turn_end - lo - s))  # the passage coded by hand
        cut, bold_kept = excerpt(text.strip("\n"), sorted(set(bold)), limit)
        cut = cut.replace("\n", " ")
        if self.pn(cut) != cut:  # real names in the text too
            named = self.pn(cut)
            bold_kept = bold_kept if len(named) == len(cut) else ()  # marks would shift
            cut = named
        mark = (
            self.w("mark_reviewed")
            if reviewed
            else self.w("mark_suggested", confidence=f"{confidence:.2f}")
        )
        language = doc.language if doc.language in ("zh", "en") else self.lang
        note = self.w(f"translation_{language}") if language != self.lang else ""
        return Quote(
            cut, bold_kept, self.source(doc, hit.turn, speaker), doc.case, doc.name, hit.turn,
            hit.column, reviewed, confidence, language, words, mark, note,
        )  # fmt: skip

    # -- findings ---------------------------------------------------------------------------

    def analyse(self, body: list, n_quotes: int, memos) -> None:
        corpus = self.corpus
        if not corpus.hits:
            return
        self.overview(body)
        self.comparisons(body)
        self.cooccurrence(body)
        if n_quotes > 0:
            self.by_code(body, n_quotes, memos["code"])
        self.by_case(body, n_quotes, memos["document"])

    def groups(self, columns: list[str]) -> list[tuple[str, list[str]]]:
        """Columns grouped under their top-level categories, in codebook order."""
        out: dict[str, list[str]] = {}
        for c in columns:
            out.setdefault(self.top(c), []).append(c)
        return list(out.items())

    def overview(self, body: list) -> None:
        corpus = self.corpus
        body.append(Heading(self.w("overview"), 1))
        body.append(Heading(self.w("frequencies"), 2))
        head = [self.w("label"), self.w("documents"), self.w("cases"), self.w("units").capitalize()]
        rows: list[list[Any]] = [head]
        groups: set[int] = set()
        for top, cols in self.groups(self.present):
            if not (len(cols) == 1 and cols[0] == top):
                groups.add(len(rows))
                rows.append([self.label(top), "", "", ""])
            for c in cols:
                units = self.turns[c]
                docs = {d for d, _ in units}
                rows.append([
                    self.label(c), len(docs), len({corpus.docs[d].case for d in docs}),
                    len(units),
                ])  # fmt: skip
        never = [c for c in corpus.columns if not self.turns[c]]
        never_text = (
            self.w("never_applied", n=len(never), codes=self.join(self.label(c) for c in never))
            if never
            else ""
        )
        body.append(
            Table(
                self.w("freq_caption"),
                rows,
                note=self.table_note(),
                groups=groups,
                widths=[8, 2.5, 2.5, 3],
            )  # fmt: skip
        )
        if never_text:
            body.append(Para(never_text))
        ranked = sorted(self.present, key=lambda c: (-len(self.turns[c]), self.order[c]))
        bars = [(c, len(self.turns[c])) for c in ranked[:MAX_CHART_BARS]]
        labels = [self.label(c) for c, _ in bars]
        font, note = None, ""
        if needs_cjk(labels):
            font = cjk_font()
            if font is None:
                labels = [c for c, _ in bars]
                note = self.w("chart_no_font")
                self.warnings.append(note)
        if len(ranked) > MAX_CHART_BARS:
            note = " ".join(
                x for x in (self.w("chart_top", n=MAX_CHART_BARS, all=len(ranked)), note) if x
            )
        axis = self.w("units")
        if font is None and needs_cjk([axis]):
            axis = UNIT[("en", self.kind)] + "s"  # no font can draw the Chinese axis title either
        png = bar_chart(list(zip(labels, (n for _, n in bars), strict=True)), axis, font)
        counted = self.w(
            "counted_text", which=self.counted_which(), coders=self.join(self.coders_counted)
        )
        note = ("" if self.lang == "zh" else " ").join(x for x in (note, counted) if x)
        body.append(Chart(png, self.w("chart_caption").capitalize(), note))
        self.chart = True

    def case_names(self, cases: list[str]) -> tuple[list[str], str]:
        """Column heads for cases: their names, or numbers with a key when many or long."""
        shown = [self.pn(c) for c in cases]
        if len(cases) <= 6 and max((len(c) for c in shown), default=0) <= 8:
            return shown, ""
        key = self.join(f"{k} = {c}" for k, c in enumerate(shown, start=1))
        return [str(k) for k in range(1, len(cases) + 1)], self.w("case_key", key=key)

    def comparisons(self, body: list) -> None:
        corpus = self.corpus
        body.append(Heading(self.w("comparison"), 1))
        cases = list(dict.fromkeys(d.case for d in corpus.docs.values()))
        cats = [top for top, _ in self.groups(self.present)]
        # the framework matrix: case × theme, the key quote in each cell
        body.append(Heading(self.w("framework"), 2))
        candidates = self.candidates()
        in_frame: set[tuple[str, int]] = set()  # a short key excerpt: its own turns, once each
        by_top: dict[str, list[str]] = dict(self.groups(self.present))
        head = [self.w("case_col"), *(self.label(t) for t in cats)]
        rows: list[list[Any]] = [head]
        for case in cases:
            row: list[Any] = [self.pn(case)]
            for top in cats:
                units = {
                    u for c in by_top[top] for u in self.turns[c] if corpus.docs[u[0]].case == case
                }
                if not units:
                    row.append("—")
                    continue
                pool = [q for c in by_top[top] for q in candidates.get(c, []) if q.case == case]
                best = pick_quotes(pool, 1, lang=self.lang, used=in_frame)
                n = len(units)
                if best:
                    short = _key_sentence(best[0])
                    row.append(f"“{short}”（{n}）" if self.lang == "zh" else f"“{short}” ({n})")
                else:
                    codes = [
                        self.label(c) for c in by_top[top]
                        if any(corpus.docs[u[0]].case == case for u in self.turns[c])
                    ]  # fmt: skip
                    row.append(
                        f"{self.join(codes[:3])}（{n}）"
                        if self.lang == "zh"
                        else f"{self.join(codes[:3])} ({n})"
                    )
            rows.append(row)
        width = max(1.6, (16 - 2.4) / max(1, len(cats)))
        body.append(
            Table(
                self.w("framework_caption"),
                rows,
                note=self.w("framework_note"),
                widths=[2.4, *([width] * len(cats))],
                size=7.5,
            )  # fmt: skip
        )

        # the case × code matrix: codes down the page, cases across, shaded by share
        body.append(Heading(self.w("matrix"), 2))
        m = count_codes(corpus, rows="case", measure="segments")
        kept = [i for i, total in enumerate(m.row_totals) if total]
        heads, key = self.case_names([m.rows[i] for i in kept])
        rows = [[self.w("label"), *heads, self.w("total")]]
        shade: list[list[float | None]] = [[None] * len(rows[0])]
        groups: set[int] = set()
        index = {c: j for j, c in enumerate(m.columns)}
        for top, cols in self.groups(self.present):
            if not (len(cols) == 1 and cols[0] == top):
                groups.add(len(rows))
                rows.append([self.label(top), *([""] * (len(heads) + 1))])
                shade.append([None] * len(rows[0]))
            for c in cols:
                j = index[c]
                values = [m.values[i][j] for i in kept]
                rows.append([self.label(c), *values, m.column_totals[j]])
                shade.append(
                    [
                        None,
                        *(
                            v / m.row_totals[i] if v else None
                            for v, i in zip(values, kept, strict=True)
                        ),
                        None,
                    ]
                )
        rows.append([self.w("total"), *(m.row_totals[i] for i in kept), m.total])
        shade.append([None] * len(rows[0]))
        first = 4.4
        rest = max(0.9, (16 - first) / max(1, len(heads) + 1))
        body.append(
            Table(
                self.w("matrix_caption"),
                rows,
                note=self.table_note(
                    self.w("matrix_note", level=self.level, more=self.w(f"more_{self.kind}")), key
                ),
                shade=shade,
                groups=groups,
                widths=[first, *([rest] * (len(heads) + 1))],
                size=8,
            )  # fmt: skip
        )

        # themes by attribute: row percentages and presence
        for key_name in self.comparable()[:MAX_COMPARISONS]:
            self.by_attribute(body, key_name, cats, by_top)

    def comparable(self) -> list[str]:
        """Attributes worth comparing groups by: 2–6 values, at least one shared by two
        documents, set for at least half the documents."""
        docs = list(self.corpus.docs.values())
        keys = sorted({k for d in docs for k in d.attributes if k not in _NOT_COMPARED})
        found = []
        for k in keys:
            values = [d.attributes.get(k) for d in docs if d.attributes.get(k)]
            distinct = set(values)
            if (
                2 <= len(distinct) <= 6
                and len(values) * 2 >= len(docs)
                and len(distinct) < len(values)
            ):
                found.append(k)
        rank = {k: i for i, k in enumerate(_COMPARE_FIRST)}
        return sorted(found, key=lambda k: (rank.get(k, len(rank)), k))

    def by_attribute(self, body: list, key: str, cats: list[str], by_top) -> None:
        corpus = self.corpus
        name = ATTRIBUTES.get(key, {}).get(self.lang, key)
        body.append(Heading(self.w("by_attribute", attribute=name), 2))
        groups: dict[str, set[int]] = {}
        for d in corpus.docs.values():
            groups.setdefault(d.attributes.get(key) or MISSING, set()).add(d.id)
        values = sorted((v for v in groups if v != MISSING), key=str)
        if MISSING in groups:
            values.append(MISSING)
        head = [self.w("group"), self.w("documents"), *(self.label(t) for t in cats)]
        rows: list[list[Any]] = [head]
        shade: list[list[float | None]] = [[None] * len(head)]
        for v in values:
            docs = groups[v]
            coded = {u for c in self.present for u in self.turns[c] if u[0] in docs}
            row: list[Any] = [self.w("missing") if v == MISSING else self.pn(v), len(docs)]
            shades: list[float | None] = [None, None]
            for top in cats:
                units = {u for c in by_top[top] for u in self.turns[c] if u[0] in docs}
                share = len(units) / len(coded) if coded else 0.0
                with_it = len({d for d, _ in units})
                row.append(f"{round(100 * share)}%（{with_it}/{len(docs)}）" if self.lang == "zh"
                           else f"{round(100 * share)}% ({with_it}/{len(docs)})")  # fmt: skip
                shades.append(share if units else None)
            rows.append(row)
            shade.append(shades)
        width = max(1.5, (16 - 4.2) / max(1, len(cats)))
        body.append(
            Table(
                self.w("attribute_caption", attribute=name),
                rows,
                note=self.table_note(self.w("attribute_note", key=key)),
                shade=shade,
                widths=[3.0, 1.2, *([width] * len(cats))],
                size=8,
            )  # fmt: skip
        )

    def cooccurrence(self, body: list) -> None:
        ranked = sorted(self.present, key=lambda c: (-len(self.turns[c]), self.order[c]))
        top = ranked[:MAX_COOCCUR]
        if len(top) < 2:
            return
        co = count_pairs(self.corpus, unit="turn", measure="jaccard")
        index = {c: j for j, c in enumerate(co.columns)}
        head = ["", *(str(k) for k in range(1, len(top) + 1))]
        rows: list[list[Any]] = [head]
        shade: list[list[float | None]] = [[None] * len(head)]
        for k, a in enumerate(top, start=1):
            row: list[Any] = [f"{k}. {self.label(a)}"]
            shades: list[float | None] = [None]
            for b in top:
                if a == b:
                    row.append("—")
                    shades.append(None)
                    continue
                v = co.values[index[a]][index[b]] or 0.0
                row.append(f"{v:.2f}")
                shades.append(v or None)
            rows.append(row)
            shade.append(shades)
        biggest = max((s for r in shade for s in r if s), default=1.0)
        shade = [[s / biggest if s else None for s in r] for r in shade]
        extra = self.w("cooccur_top", n=len(top)) if len(ranked) > len(top) else ""
        body.append(Heading(self.w("cooccur"), 1))
        body.append(
            Table(
                self.w("cooccur_caption"),
                rows,
                note=self.table_note(self.w("cooccur_note"), extra),
                shade=shade,
                widths=[4.6, *([(16 - 4.6) / len(top)] * len(top))],
                size=8,
            )  # fmt: skip
        )

    def by_code(self, body: list, n_quotes: int, memos) -> None:
        corpus = self.corpus
        candidates = self.candidates()
        notes: dict[str, list[str]] = {}
        for target, text in memos:
            notes.setdefault(target, []).append(text)
        body.append(Heading(self.w("by_code"), 1))
        for top, cols in self.groups(self.present):
            nested = not (len(cols) == 1 and cols[0] == top)
            if nested:
                body.append(Heading(self.label(top), 2))
                for text in notes.get(top, []):
                    body.append(Para(self.pn(text), lead=self.w("memo") + self.colon))
            for c in cols:
                code = corpus.book.get(c)
                body.append(Heading(self.label(c), 3 if nested else 2))
                self.code_sections += 1
                definition = code.text("definition", self.lang) if code else ""
                if definition:
                    body.append(Para(definition, lead=self.w("definition") + self.colon))
                for text in notes.get(c, []):
                    body.append(Para(self.pn(text), lead=self.w("memo") + self.colon))
                picked = pick_quotes(
                    candidates.get(c, []), n_quotes, lang=self.lang, used=self.used
                )
                if not picked:
                    body.append(Para(self.w("no_quotes"), note=True))
                body.extend(picked)
                self.quotes_by_code += len(picked)

    def by_case(self, body: list, n_quotes: int, memos) -> None:
        corpus = self.corpus
        candidates = self.candidates()
        cases = list(dict.fromkeys(d.case for d in corpus.docs.values()))
        doc_case = {d.name: d.case for d in corpus.docs.values()}
        notes: dict[str, list[str]] = {}
        for target, text in memos:
            if target in doc_case:
                notes.setdefault(doc_case[target], []).append(text)
        started = False
        for case in cases:
            counts = sorted(
                (
                    (c, len({u for u in self.turns[c] if corpus.docs[u[0]].case == case}))
                    for c in self.present
                ),
                key=lambda cv: (-cv[1], self.order[cv[0]]),
            )
            present = [(self.label(c), n) for c, n in counts if n]
            if not present:
                continue
            if not started:
                body.append(Heading(self.w("by_case"), 1))
                started = True
            self.case_sections += 1
            body.append(Heading(self.pn(case), 2))
            attrs: dict[str, list[str]] = {}
            for d in corpus.docs.values():
                if d.case != case:
                    continue
                for k, v in d.attributes.items():
                    if v and v not in attrs.setdefault(k, []):
                        attrs[k].append(v)
            if attrs:
                sep = "；" if self.lang == "zh" else "; "
                shown = sep.join(
                    f"{ATTRIBUTES.get(k, {}).get(self.lang, k)}{self.colon}{self.pn(' / '.join(v))}"
                    for k, v in sorted(attrs.items())
                )
                body.append(Para(shown, lead=self.w("attributes") + self.colon))
            codes = self.join(
                f"{label}（{n}）" if self.lang == "zh" else f"{label} ({n})" for label, n in present
            )
            body.append(Para(codes, lead=self.w("codes_present") + self.colon))
            for text in notes.get(case, []):
                body.append(Para(self.pn(text), lead=self.w("memo") + self.colon))
            if n_quotes:
                pool = [q for c in self.present for q in candidates.get(c, []) if q.case == case]
                picked = pick_quotes(
                    pool, n_quotes, spread=lambda q: q.code, lang=self.lang, used=self.used
                )
                if picked:
                    body.append(Para("", lead=self.w("key_quotes") + self.colon))
                    body.extend(picked)

    # -- appendices -------------------------------------------------------------------------

    def appendices(self, book, every: bool) -> list:
        corpus, lang = self.corpus, self.lang
        blocks: list = []
        scope = set(corpus.columns)
        wanted = [
            c for c in book.walk() if c.id in scope or any(c.id.startswith(s + ".") for s in scope)
        ]
        if wanted:
            blocks.append(Heading(self.w("appendix_codebook"), 1, appendix=True, new_page=True))
            head = [
                self.w(k) for k in ("label", "code_id", "definition", "include", "exclude", "rules")
            ]
            rows: list[list[Any]] = [head]
            groups: set[int] = set()
            for c in wanted:
                if c.level == 1 and c.children:
                    groups.add(len(rows))
                rows.append([
                    ("　" if lang == "zh" else "  ") * (c.level - 1) + c.text("label", lang),
                    _breakable(c.id),
                    *(_breakable(c.text(k, lang)) for k in ("definition", "include", "exclude")),
                    _rules_in_brief(c, lang),
                ])  # fmt: skip
            # definition, inclusion and exclusion share the width by how much they say
            said = [sum(len(str(r[k])) for r in rows[1:]) + 1 for k in (2, 3, 4)]
            shares = [max(2.0, 10.0 * n / sum(said)) for n in said]
            shares = [w * 10.0 / sum(shares) for w in shares]
            blocks.append(
                Table(
                    self.w("codebook_caption"),
                    rows,
                    widths=[2.2, 3.0, *shares, 1.4],
                    size=7.5,
                )
            )
        if every and corpus.hits:
            keys = ("document_col", "turn_col", "label", "text", "coder", "status")
            head = [self.w(k)[:1].upper() + self.w(k)[1:] for k in keys]
            rows, seen = [head], set()
            for h in corpus.hits:
                if h.coding in seen:
                    continue
                seen.add(h.coding)
                c = corpus.codings[h.coding]
                passage = corpus.docs[h.doc].text[c["start"] : c["end"]].replace("\n", " ")
                text, _ = excerpt(self.pn(passage), [], 80)
                name = corpus.docs[h.doc].name
                rows.append([
                    self.pn(name.rsplit(".", 1)[0] if "." in name else name), h.turn,
                    self.label(h.code), text, h.coder, self.w(f"status_{h.status}"),
                ])  # fmt: skip
            blocks.append(Heading(self.w("appendix"), 1, appendix=True, new_page=True))
            blocks.append(
                Table(
                    self.w("appendix_caption"), rows, widths=[3.0, 1.2, 3.0, 5.8, 1.3, 1.7], size=8
                )
            )
        return blocks


_CODE_ID = re.compile(r"\b[a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)+\b")


def _breakable(text: str) -> str:
    """Code ids in ``text`` may break after a dot (a narrow column), never inside a word."""
    return _CODE_ID.sub(lambda m: m.group(0).replace(".", ".\u200b"), text)


_LANGS = {"language_zh", "language_en", "language_mixed"}


def _key_sentence(q: Quote, limit: int = 60) -> str:
    """A framework cell's excerpt: the sentence holding the quote's first evidence when it is
    short enough, else about 48 characters around it."""
    text = q.text.strip("…")
    shift = 1 if q.text.startswith("…") else 0
    anchor = min((s - shift for s, _ in q.bold), default=0)
    lo, hi = sentence_bounds(text, max(0, anchor), max(0, anchor) + 1)
    sentence = text[lo:hi].strip()
    if 4 <= len(sentence) <= (limit * 1.6 if " " in sentence else limit):
        return ("…" if lo > 0 else "") + sentence + ("…" if hi < len(text) else "")
    short, _ = excerpt(q.text, list(q.bold), 48)
    return short
