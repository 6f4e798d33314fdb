"""Matrices, co-occurrence, retrieval, keyword in context and the tidy codings export.

Each function returns a pandas DataFrame (and writes it to ``out`` when given: .csv, .xlsx, .dta
or .parquet by its extension; a file already there is refused, before any work, unless
``force``); ``frame.attrs`` carries what a table's reader needs besides the
numbers: ``labels`` (code id → label in ``lang``), ``warnings``, and the options used.

Which codings count (every function): ``coder`` (default: everyone's), ``status`` — ``auto``
(the default of ``code_matrix`` and ``cooccurrence``: accepted codings, or the open suggestions
while nothing is accepted; see :mod:`casecode.analysis.counts`), ``all`` (accepted and open
suggestions: everything nobody rejected, the default of the others), ``accepted``,
``suggested`` or ``rejected`` — and ``where`` filters such as ``"role = 村支书"``,
``"village != 上坊村"`` or ``"role ~ 书记"`` (contains), on document attributes, ``case``,
``document``, ``language`` or the turn's ``speaker``; several filters must all hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from casecode.analysis.counts import COUNTED, DEFINITION, MEASURE
from casecode.analysis.data import load
from casecode.analysis.kwic import context, substring_hits, token_hits
from casecode.analysis.matrix import count_codes, count_pairs
from casecode.analysis.query import match_query, parse_query
from casecode.analysis.tables import check_out, write_table
from casecode.codebook.refs import code_refs
from casecode.codebook.use import project_codebook
from casecode.coding.settings import document_tokens, project_tokenizer
from casecode.corpus.documents import resolve_documents
from casecode.corpus.pseudonyms import apply_pseudonyms, load_pseudonyms
from casecode.errors import CasecodeError
from casecode.project import Project, using_project

TOTAL = "Total"


def _where(where: str | Iterable[str] | None) -> list[str]:
    if where is None:
        return []
    return [where] if isinstance(where, str) else list(where)


def _codes(codes: str | Iterable[str] | None) -> list[str] | None:

    return code_refs(codes) or None


def label_language(corpus, lang: str | None) -> str:
    """Labels in ``lang``, else in the language most documents are in."""
    if lang is not None:
        if lang not in ("zh", "en"):
            raise CasecodeError(f"unknown language '{lang}'", hint="use zh or en")
        return lang
    langs = [d.language for d in corpus.docs.values()]
    return "en" if langs and langs.count("en") > len(langs) / 2 else "zh"


def _load(proj: Project, **options: Any):

    book = project_codebook(proj)
    return load(proj.store, book, **options)


def _labels(corpus, lang: str) -> dict[str, str]:
    labels = {}
    for c in corpus.columns:
        code = corpus.book.get(c)
        labels[c] = code.text("label", lang) if code is not None else ""
    return labels


def _frame(matrix, labels: dict[str, str], lang: str, totals: bool):
    import pandas as pd

    frame = pd.DataFrame(matrix.values, index=matrix.rows, columns=matrix.columns)
    frame.index.name = matrix.row_kind
    if totals:
        frame[TOTAL] = matrix.row_totals
        frame.loc[TOTAL] = [*matrix.column_totals, matrix.total]
        labels = {**labels, TOTAL: "合计" if lang == "zh" else "Total"}
    frame.attrs.update(
        labels=labels,
        warnings=matrix.warnings,
        measure=matrix.measure,
        percent=matrix.percent,
        totals=totals,
    )
    return frame


def _written(frame, out: str | Path | None, *, index: bool = True, force: bool = False):
    if out is not None:
        write_table(frame, out, labels=frame.attrs.get("labels"), index=index, force=force)
    return frame


def _check_out(out: str | Path | None, force: bool) -> None:
    if out is not None:
        check_out(out, force=force)


def _by_code(project, level, codes, coder, status, where):
    """The coded corpus with columns at ``level`` (1 unless ``codes`` are named)."""
    codes = _codes(codes)
    if level is None and not codes:
        level = 1
    with using_project(project) as proj:
        return _load(
            proj, level=level, codes=codes, coder=coder, status=status, where=_where(where)
        )


def _definition(measure: str) -> str:
    return {
        MEASURE: DEFINITION,
        "count": "codings (the same passage rolled up to one code counts once)",
        "presence": "1 when the row has the code at all",
        "coverage": "share of the row's characters coded",
    }[measure]


def code_matrix(
    project: str | Path | Project | None = None,
    *,
    rows: str = "case",
    level: int | None = None,
    codes: str | Iterable[str] | None = None,
    measure: str = MEASURE,
    percent: str | None = None,
    coder: str | None = None,
    status: str = COUNTED,
    where: str | Iterable[str] | None = None,
    lang: str | None = None,
    totals: bool = False,
    out: str | Path | None = None,
    force: bool = False,
):
    """``casecode matrix``: rows (``document``, ``case``, ``speaker`` or an attribute) × codes.

    Columns: the codes at ``level`` (1 when neither ``level`` nor ``codes`` is given), their
    descendants' codings rolled up into them; or the ``codes`` listed, each with its subtree.
    ``measure``: ``count`` | ``presence`` | ``segments`` | ``coverage`` (see
    :mod:`casecode.analysis.matrix`); ``percent``: ``row`` or ``column`` shares;
    ``totals`` adds a Total row and column.
    """

    _check_out(out, force)
    corpus = _by_code(project, level, codes, coder, status, where)
    lang = label_language(corpus, lang)
    matrix = count_codes(corpus, rows=rows, measure=measure, percent=percent)
    frame = _frame(matrix, _labels(corpus, lang), lang, totals)
    frame.attrs.update(counted=list(corpus.counted), definition=_definition(measure))
    return _written(frame, out, force=force)


def cooccurrence(
    project: str | Path | Project | None = None,
    *,
    level: int | None = None,
    codes: str | Iterable[str] | None = None,
    unit: str = "turn",
    measure: str = "count",
    coder: str | None = None,
    status: str = COUNTED,
    where: str | Iterable[str] | None = None,
    lang: str | None = None,
    out: str | Path | None = None,
    force: bool = False,
):
    """``casecode cooccur``: code × code: how many turns (or documents) hold both, or the Jaccard
    index."""

    _check_out(out, force)
    corpus = _by_code(project, level, codes, coder, status, where)
    lang = label_language(corpus, lang)
    matrix = count_pairs(corpus, unit=unit, measure=measure)
    frame = _frame(matrix, _labels(corpus, lang), lang, totals=False)
    frame.index.name = "code"
    frame.attrs.update(unit=unit, units=matrix.total, with_code=matrix.row_totals)
    frame.attrs.update(counted=list(corpus.counted), definition=f"{unit}s holding both codes")
    return _written(frame, out, force=force)


_QUOTE_COLUMNS = ["document", "case", "turn", "speaker", "start", "end", "text", "codes"]


def _attribute_columns(corpus, taken: list[str]) -> dict[str, str]:
    """Attribute key → its column; a key named like another column gets an ``attr_`` prefix."""
    keys = sorted({k for d in corpus.docs.values() for k in d.attributes})
    return {k: f"attr_{k}" if k in taken or k in ("before", "after") else k for k in keys}


def _turn_text(doc, turn) -> str:
    return doc.text[turn.start : turn.end]


def _around(corpus, turn, positions: range) -> str:
    """The turns at ``positions`` that belong to ``turn``'s document, as "speaker：text" lines."""
    doc = corpus.docs[turn.doc]
    lines = []
    for j in positions:
        if 0 <= j < len(corpus.turns) and corpus.turns[j].doc == turn.doc:
            u = corpus.turns[j]
            lines.append(f"{u.speaker}：{_turn_text(doc, u)}" if u.speaker else _turn_text(doc, u))
    return "\n".join(lines)


def query(
    project: str | Path | Project | None,
    expr: str,
    *,
    context: int = 0,
    coder: str | None = None,
    status: str = "all",
    where: str | Iterable[str] | None = None,
    lang: str | None = None,
    out: str | Path | None = None,
    force: bool = False,
):
    """``casecode query``: the turns for which a Boolean expression over codes and attributes holds
    (see :mod:`casecode.analysis.query`), one row each, in reading order, with ``context`` turns
    before and after."""
    import pandas as pd

    _check_out(out, force)
    if context < 0:
        raise CasecodeError("--context is a number of turns, 0 or more")
    with using_project(project) as proj:
        corpus = _load(proj, coder=coder, status=status, where=_where(where))
    node = parse_query(expr, corpus.book)
    found = match_query(node, corpus, expr)
    lang = label_language(corpus, lang)
    codes_on: dict[tuple[int, int], set[str]] = {}
    for h in corpus.hits:
        codes_on.setdefault((h.doc, h.turn), set()).add(h.code)
    order = {c: i for i, c in enumerate(corpus.book.ids)}
    attrs = _attribute_columns(corpus, _QUOTE_COLUMNS)
    records = []
    for i, t in enumerate(corpus.turns):
        if (t.doc, t.n) not in found:
            continue
        doc = corpus.docs[t.doc]

        record = {
            "document": doc.name,
            "case": doc.case,
            "turn": t.n,
            "speaker": t.speaker or "",
            "start": t.start,
            "end": t.end,
            "text": _turn_text(doc, t),
            "codes": "; ".join(sorted(codes_on.get((t.doc, t.n), ()), key=order.get)),
        }
        if context:
            record["before"] = _around(corpus, t, range(i - context, i))
            record["after"] = _around(corpus, t, range(i + 1, i + 1 + context))
        for key, column in attrs.items():
            record[column] = doc.attributes.get(key, "")
        records.append(record)
    columns = [*_QUOTE_COLUMNS, *(["before", "after"] if context else []), *attrs.values()]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame.attrs.update(
        query=expr,
        documents=len({r["document"] for r in records}),
        warnings=corpus.warnings(),
        labels={},
        lang=lang,
    )
    return _written(frame, out, index=False, force=force)


def kwic(
    project: str | Path | Project | None,
    word: str,
    *,
    width: int = 20,
    substring: bool = False,
    docs: Iterable[str] | None = None,
    out: str | Path | None = None,
    force: bool = False,
):
    """``casecode kwic``: every occurrence of ``word`` with ``width`` characters of context either
    side, within its turn. Matched on the tokens coding uses (jieba; spaCy for English, by form or
    lemma), so 资金 does not hit inside 资金池; ``substring`` matches plain text instead."""
    from bisect import bisect_right

    import pandas as pd

    _check_out(out, force)
    word = word.strip()
    if not word:
        raise CasecodeError("give a word to look for")
    if width < 1:
        raise CasecodeError("--width is a number of characters, 1 or more")
    records = []
    with using_project(project) as proj:
        store = proj.store
        rows = resolve_documents(store, list(docs) if docs else None)
        if not rows:
            raise CasecodeError("this project has no documents yet", hint="casecode import FILES")
        tokenizer = None if substring else project_tokenizer(proj)
        pieces: dict[str, list[str]] = {}
        for row in rows:
            text, segments = row["text"], store.segments(row["id"])
            if substring:
                hits = substring_hits(text, word)
            else:
                lang = "en" if row["language"] == "en" else "zh"
                if lang not in pieces:
                    pieces[lang] = tokenizer.phrase(word, lang)
                tokens = document_tokens(store, row, tokenizer)
                hits = token_hits(text, tokens, pieces[lang], tokenizer.norm)
            starts = [s.label_start for s in segments]
            # in an interview, paragraphs outside the turns are titles and headers
            has_turns = any(s.kind == "turn" for s in segments)
            for hit in hits:
                i = bisect_right(starts, hit.start) - 1
                seg = segments[i] if i >= 0 else None
                if seg is None or not (seg.start <= hit.start and hit.end <= seg.end):
                    continue  # a speaker's label or front matter: not said
                if has_turns and seg.kind == "paragraph":
                    continue
                left, right = context(text, hit.start, hit.end, width, seg.start, seg.end)
                records.append(
                    {
                        "document": row["name"],
                        "case": row["case_name"],
                        "turn": seg.n,
                        "speaker": seg.speaker or "",
                        "left": left,
                        "match": text[hit.start : hit.end],
                        "right": right,
                        "start": hit.start,
                        "end": hit.end,
                    }
                )
    columns = ["document", "case", "turn", "speaker", "left", "match", "right", "start", "end"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame.attrs.update(word=word, substring=substring, labels={}, warnings=[])
    return _written(frame, out, index=False, force=force)


_CODING_COLUMNS = [
    "coding",
    "document",
    "case",
    "turn",
    "speaker",
    "start",
    "end",
    "text",
    "code",
    "label",
    "coder",
    "origin",
    "rule",
    "status",
    "confidence",
    "reviewed_by",
    "memo",
]


def export_codings(
    project: str | Path | Project | None = None,
    out: str | Path | None = None,
    *,
    coder: str | None = None,
    status: str = "all",
    where: str | Iterable[str] | None = None,
    lang: str | None = None,
    force: bool = False,
    pseudonyms: bool = False,
):
    """``casecode export codings``: one row per coding (tidy, long format): its document, case,
    turn, speaker, span, text, code and label, coder, origin and rule, status, confidence, reviewer
    and memo, then one column per attribute. Codings of codes the codebook no longer has are kept.
    ``pseudonyms``: names in the project's pseudonyms.csv are printed as their pseudonyms (in the
    document, case and speaker columns, the text and the memos); the store is not changed.
    """
    import pandas as pd

    _check_out(out, force)
    with using_project(project) as proj:
        corpus = _load(proj, coder=coder, status=status, where=_where(where), keep_unknown=True)
        table = load_pseudonyms(proj) if pseudonyms else {}
    lang = label_language(corpus, lang)
    attrs = _attribute_columns(corpus, _CODING_COLUMNS)
    turns = {(t.doc, t.n): t for t in corpus.turns}
    records, seen = [], set()
    for h in corpus.hits:  # in reading order; a coding over two turns is listed at its first
        if h.coding in seen:
            continue
        seen.add(h.coding)
        c = corpus.codings[h.coding]
        doc, turn, code = corpus.docs[h.doc], turns[(h.doc, h.turn)], corpus.book.get(h.code)
        origin = c["origin"]
        kind = "rule" if origin.startswith("rule:") else origin
        record = {
            "coding": h.coding,
            "document": doc.name,
            "case": doc.case,
            "turn": h.turn,
            "speaker": turn.speaker or "",
            "start": c["start"],
            "end": c["end"],
            "text": doc.text[c["start"] : c["end"]],
            "code": h.code,
            "label": code.text("label", lang) if code is not None else "",
            "coder": h.coder,
            "origin": "import" if kind == "imported" else kind,
            "rule": origin[5:] if kind == "rule" else "",
            "status": h.status,
            "confidence": c["confidence"],
            "reviewed_by": c["reviewed_by"] or "",
            "memo": c["memo"] or "",
        }
        for key, column in attrs.items():
            record[column] = doc.attributes.get(key, "")
        if table:
            for column in ("document", "case", "speaker"):
                record[column] = table.get(record[column], record[column])
            for column in ("text", "memo"):
                record[column] = apply_pseudonyms(record[column], table)
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=[*_CODING_COLUMNS, *attrs.values()])
    frame.attrs.update(labels={}, warnings=corpus.warnings())
    return _written(frame, out, index=False, force=force)
