"""``casecode run``: the whole flow in one command."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from casecode.cli.common import (
    AttributesOpt,
    CodebookOpt,
    CorpusArg,
    DocLangOpt,
    EncodingOpt,
    ForceOpt,
    JsonOpt,
    LangOpt,
    RunFolderOpt,
    err,
    errors,
    out,
    print_json,
    progress_bar,
)
from casecode.cli.render import (
    docs_table,
    import_json,
    render_code_report,
    render_counts,
    render_import,
)
from casecode.flow import run as run_flow


def run_cli(
    corpus: CorpusArg,
    out_dir: RunFolderOpt = Path("out"),
    encoding: EncodingOpt = None,
    lang: LangOpt = None,
    doc_lang: DocLangOpt = None,
    attributes: AttributesOpt = None,
    codebook: CodebookOpt = None,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """The whole flow in one command: import, code, and write a Word report, matrices and codings.

    The project and its outputs go in --out (with view.html, the coded transcripts as a page for
    any browser); running again into the same folder overwrites its output files only with
    --force. The report and tables are in --lang."""

    with errors(), progress_bar("working") as progress:
        report = run_flow(
            corpus,
            out_dir,
            encoding=encoding,
            lang=lang,
            doc_lang=doc_lang,
            attributes=attributes,
            codebook=codebook,
            force=force,
            progress=progress,
        )
    if as_json:
        print_json(
            {
                "project": str(report.project),
                "import": import_json(report.imported),
                "documents": report.documents,
                "coding": report.coding.as_dict() if report.coding else None,
                "counts": report.counts,
                "files": [str(f) for f in report.files],
            }
        )
    else:
        render_import(report.imported)
        if report.coding is None:
            err.print("[bold red]error:[/] nothing was imported, so nothing was coded or written")
            raise typer.Exit(1)
        out.print(docs_table(report.documents))
        render_code_report(report.coding, top_level=True, table=False)
        render_counts(report.counts)
        for f in report.files:
            out.print(f"Wrote {escape(str(f))}")
        out.print(
            f"Project: {escape(str(report.project))} "
            f"(use [bold]-p {escape(str(report.project))}[/] with other commands)"
        )
    if report.imported.failed:
        raise typer.Exit(1)
