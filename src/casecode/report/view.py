"""``view`` (``casecode view``): the coded transcripts as one self-contained HTML page."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from casecode.analysis.data import STATUSES
from casecode.codebook.refs import code_refs, select_codes
from casecode.codebook.use import project_codebook
from casecode.corpus.documents import resolve_documents
from casecode.corpus.pseudonyms import load_pseudonyms
from casecode.errors import CasecodeError
from casecode.outputs import check_out, write_atomic
from casecode.project import Project, using_project
from casecode.report.html import ViewCoding, ViewDoc, ViewTurn, view_page

LANGUAGES = ("zh", "en")


def view(
    project: str | Path | Project | None = None,
    docs: str | Iterable[str] | None = None,
    *,
    codes: str | Iterable[str] | None = None,
    coder: str | None = None,
    status: str = "all",
    out: str | Path = "view.html",
    force: bool = False,
    pseudonyms: bool = False,
    lang: str | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """``casecode view``: write the coded transcripts to ``out`` (a .html file) as one page that
    needs nothing else: each document's turns (speaker, role, case) with its codings highlighted
    in their codes' colours, the rules' evidence in bold, coding stripes in the margin, and a
    panel with the codebook tree (counts, check boxes), coder and status filters and a search
    box. ``docs``: documents by id or name (default: all); ``codes``: codes by id, id prefix or
    label, with their subtrees (default: all); ``coder``: one coder's codings; ``status``: all
    (accepted and open suggestions), auto (the accepted ones when there are any, else the open
    suggestions, as tables count), accepted, suggested or rejected; ``lang``: labels and the
    page's words in zh or en (default: the documents' language); ``pseudonyms``: speakers and
    cases by their pseudonyms in the project's pseudonyms.csv, the others and documents named
    Speaker 1, Case A, Document 1 (roles kept). A file already at
    ``out`` is refused unless ``force``."""
    out = check_out(out, force=force, suffixes=(".html",))
    if status not in STATUSES:
        raise CasecodeError(f"unknown status '{status}'", hint=", ".join(STATUSES))
    if lang is not None and lang not in LANGUAGES:
        raise CasecodeError(f"unknown language '{lang}'", hint="use zh or en")
    refs = [docs] if isinstance(docs, str) else list(docs or [])
    with using_project(project) as proj:
        store = proj.store
        book = project_codebook(proj)
        wanted = select_codes(book, code_refs(codes)) if codes else None
        if coder is not None and coder not in store.coder_names():
            coders = ", ".join(store.coder_names()) or "none yet"
            raise CasecodeError(f"no codings by coder '{coder}'", hint=f"coders: {coders}")
        rows = resolve_documents(store, refs)
        if not rows:
            raise CasecodeError("this project has no documents yet", hint="casecode import FILES")
        documents = view_documents(store, rows)
        table = load_pseudonyms(proj) if pseudonyms else {}
        ids = {d.id for d in documents}
        codings = [
            c
            for c in view_codings(store, coder=coder, statuses=STATUSES[status])
            if c.doc in ids and (wanted is None or c.code in wanted)
        ]
        if status == "auto":  # as the counts: the accepted codings, else the open suggestions
            codings = [c for c in codings if c.status == "accepted"] or codings
    if lang is None:
        langs = [d.language for d in documents]
        lang = "en" if langs.count("en") > len(langs) / 2 else "zh"
    page = view_page(
        documents, codings, book, lang=lang, title=title, pseudonyms=pseudonyms, table=table
    )
    data = page.encode("utf-8")
    write_atomic(out, data)
    warnings = []
    if not codings:
        warnings.append(
            "no codings to show: run `casecode code` (or code by hand), or check codes, coder "
            "and status"
        )
    return {
        "file": str(out),
        "lang": lang,
        "documents": len(documents),
        "codings": len(codings),
        "codes": len({c.code for c in codings}),
        "bytes": len(data),
        "pseudonyms": pseudonyms,
        "warnings": warnings,
    }


def view_documents(store, rows) -> list[ViewDoc]:
    """The page's documents: ``rows`` of the store's documents with their turns and attributes."""
    attributes = store.all_attributes()
    segments = store.all_segments()
    return [
        ViewDoc(
            r["id"],
            r["name"],
            r["case_name"],
            r["language"],
            r["text"],
            [
                ViewTurn(s.n, s.speaker, s.start, s.end, s.label_start)
                for s in segments.get(r["id"], [])
            ],
            attributes.get(r["id"], {}),
        )
        for r in rows
    ]


def view_codings(
    store, *, coder: str | None = None, statuses: tuple[str, ...] = ("accepted", "suggested")
) -> list[ViewCoding]:
    """The page's codings: those of ``coder`` (default everyone's) with ``statuses``."""
    return [
        ViewCoding(
            c["id"],
            c["document_id"],
            c["code_id"],
            c["start"],
            c["end"],
            c["coder"],
            c["status"],
            c["origin"],
            c["confidence"],
            c["memo"],
            _evidence(c["evidence"]),
        )
        for c in store.codings_for_analysis(coder=coder, statuses=statuses)
    ]


def _evidence(stored: str | None) -> tuple[tuple[int, int], ...]:
    """The evidence spans a rule stored with its coding: ``[{start, end, text}, ...]``."""
    if not stored:
        return ()
    spans = []
    for e in json.loads(stored):
        s, t = e.get("start"), e.get("end")
        if isinstance(s, int) and isinstance(t, int) and s < t:
            spans.append((s, t))
    return tuple(spans)
