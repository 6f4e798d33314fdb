"""``run`` (``casecode run``): the whole flow in one call — import, code, tables, report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casecode.analysis.counts import DEFINITION
from casecode.analysis.frames import code_matrix, cooccurrence, export_codings
from casecode.codebook import load_codebook
from casecode.codebook.use import BUILTIN_DEFAULT, use_codebook
from casecode.coding.autocode import Progress, autocode
from casecode.corpus.documents import list_documents
from casecode.corpus.importing import ImportReport, as_paths, import_documents
from casecode.errors import CasecodeError
from casecode.outputs import cell, check_out, writing
from casecode.project import Project, init_project
from casecode.report.build import build_report
from casecode.report.view import view

# the files ``run`` writes in its folder, besides the project's own
OUTPUTS = (
    "documents.csv",
    "matrix.xlsx",
    "cooccurrence.xlsx",
    "codings.csv",
    "report.docx",
    "view.html",
)


@dataclass
class RunReport:
    project: Path
    imported: ImportReport
    documents: list[dict[str, Any]]
    files: list[Path]
    coding: Any = None  # a coding_ops.CodeReport
    # coded turns per top-level code, as the report and `matrix` count them (analysis.counts)
    counts: dict[str, Any] | None = None


def run(
    corpus: str | Path | Iterable[str | Path],
    out: str | Path,
    *,
    encoding: str | None = None,
    lang: str | None = None,
    doc_lang: str | None = None,
    attributes: str | Path | None = None,
    codebook: str | Path | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> RunReport:
    """``casecode run``: the whole flow in one call: a project in ``out``, the corpus imported and
    coded with ``codebook`` (the built-in co-production codebook by default), and its outputs
    written: ``report.docx`` (in ``lang``, zh or en; default the interviews' language),
    ``matrix.xlsx`` (turns per case and code at level 2), ``cooccurrence.xlsx``, ``codings.csv``,
    ``documents.csv`` and ``view.html`` (the coded transcripts as a page for any browser).
    ``doc_lang`` overrides the detected language of the documents. Running it
    again imports nothing twice and, with ``force`` (output files already in ``out`` are refused
    without it, before any work), writes the same files."""

    if lang is not None and lang not in ("zh", "en"):
        raise CasecodeError(f"unknown report language '{lang}'", hint="zh or en")
    if encoding is not None:  # one line now, not one per file later
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            raise CasecodeError(
                f"unknown encoding '{encoding}'", hint="e.g. utf-8, gb18030, big5"
            ) from None
    paths = as_paths(corpus)
    missing = [c for c in paths if not Path(c).exists() and not any(ch in str(c) for ch in "*?[")]
    if missing:
        raise CasecodeError("no such file or folder", file=missing[0])
    if Path(out).is_dir():  # a second run into the same folder overwrites only with force
        for name in OUTPUTS:
            check_out(Path(out) / name, force=force)
    if codebook is not None:  # a broken codebook stops the run before any project is made
        load_codebook(codebook)
    # a new project is named after the corpus folder, not after the output folder
    first = Path(paths[0]) if len(paths) == 1 else None
    name = first.resolve().name if first is not None and first.is_dir() else None
    root = init_project(out, name=name)
    with Project(root) as proj:
        if codebook is not None or proj.store.current_codebook() is None:
            use_codebook(proj, codebook or BUILTIN_DEFAULT)
        imported = import_documents(
            proj,
            paths,
            encoding=encoding,
            doc_lang=doc_lang,
            attributes=attributes,
            progress=progress,
        )
        documents = list_documents(proj)
        if not documents:  # nothing to code or write: the import errors say why
            return RunReport(root, imported, documents, [], None)
        coding = autocode(proj, progress=progress)
        counts = _counts(proj, lang)
        overview = root / "documents.csv"
        _write_overview(overview, documents)
        files = [overview]
        if documents:
            steps = [
                (
                    "matrix.xlsx",  # turns per case and code, as in the report's matrix
                    lambda f: code_matrix(
                        proj,
                        level=2,
                        measure="segments",
                        totals=True,
                        lang=lang,
                        out=f,
                        force=force,
                    ),
                ),
                (
                    "cooccurrence.xlsx",
                    lambda f: cooccurrence(proj, level=2, lang=lang, out=f, force=force),
                ),
                ("codings.csv", lambda f: export_codings(proj, f, lang=lang, force=force)),
                ("report.docx", lambda f: build_report(proj, f, lang=lang, force=force)),
                ("view.html", lambda f: view(proj, out=f, lang=lang, force=force)),
            ]
            for i, (name, write) in enumerate(steps):
                if progress is not None:
                    progress(i, len(steps), name)
                write(root / name)
                files.append(root / name)
    return RunReport(root, imported, documents, files, coding, counts)


def _counts(proj: Project, lang: str | None) -> dict[str, Any]:
    """Coded turns per top-level code: the report's count (see casecode.analysis.counts)."""
    frame = code_matrix(proj, level=1, totals=True, lang=lang)
    totals = frame.loc["Total"]
    return {
        "codes": {str(c): int(totals[c]) for c in frame.columns if c != "Total"},
        "labels": {k: v for k, v in frame.attrs["labels"].items() if k != "Total"},
        "total": int(totals["Total"]),
        "counted": frame.attrs["counted"],
        "definition": DEFINITION,
    }


def _write_overview(path: Path, documents: list[dict[str, Any]]) -> None:
    import csv

    keys = sorted({k for d in documents for k in d["attributes"]})
    base = ["id", "name", "case", "language", "encoding", "turns", "characters", "speakers"]
    # An attribute called like a base column (say "language") gets a prefix, not a twin column.
    titles = [f"attr_{k}" if k in base else k for k in keys]
    with writing(path) as tmp, tmp.open("w", newline="", encoding="utf-8-sig") as fh:  # BOM
        writer = csv.writer(fh)
        writer.writerow([cell(t) for t in (*base, *titles)])
        for d in documents:
            writer.writerow(
                cell(v)
                for v in [
                    d["id"],
                    d["name"],
                    d["case"],
                    d["language"],
                    d["encoding"] or "",
                    d["turns"],
                    d["characters"],
                    "; ".join(d["speakers"]),
                    *(d["attributes"].get(k, "") for k in keys),
                ]
            )
