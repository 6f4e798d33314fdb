"""``casecode run``: the whole flow in one command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from casecode.cli.common import (
    AttributesOpt,
    EncodingOpt,
    JsonOpt,
    errors,
    out,
    print_json,
    progress_bar,
)
from casecode.cli.render import docs_table, import_json, render_code_report, render_import
from casecode.flow import run as run_flow


def run_cli(
    corpus: Annotated[list[str], typer.Argument(help="Transcript files or folders.")],
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", "-o", "--project", "-p", help="Folder for the project and its outputs."
        ),
    ] = Path("out"),
    encoding: EncodingOpt = None,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="The report's language, zh or en (default: the interviews')."),
    ] = None,
    doc_lang: Annotated[
        str | None,
        typer.Option(
            "--doc-lang",
            help="Set the documents' language (zh, en, mixed) instead of detecting it.",
        ),
    ] = None,
    attributes: AttributesOpt = None,
    codebook: Annotated[
        str | None,
        typer.Option("--codebook", help="Codebook file or built-in name (default: coproduction)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The whole flow in one command: import, code, and write a Word report, matrices and codings.

    The project and its outputs go in --out."""

    with errors(), progress_bar("working") as progress:
        report = run_flow(
            corpus,
            out_dir,
            encoding=encoding,
            lang=lang,
            doc_lang=doc_lang,
            attributes=attributes,
            codebook=codebook,
            progress=progress,
        )
    if as_json:
        print_json(
            {
                "project": str(report.project),
                "import": import_json(report.imported),
                "documents": report.documents,
                "coding": report.coding.as_dict(),
                "files": [str(f) for f in report.files],
            }
        )
    else:
        render_import(report.imported)
        out.print(docs_table(report.documents))

        render_code_report(report.coding, top_level=True)
        for f in report.files:
            out.print(f"Wrote {escape(str(f))}")
        out.print(
            f"Project: {escape(str(report.project))} "
            f"(use [bold]-p {escape(str(report.project))}[/] with other commands)"
        )
    if report.imported.failed:
        raise typer.Exit(1)
