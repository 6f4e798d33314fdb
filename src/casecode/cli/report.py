"""``casecode report``: the project as a Word document."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from casecode.cli.common import JsonOpt, ProjectOpt, err, errors, out, print_json
from casecode.report.build import build_report


def report_cli(
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="The Word file to write (.docx).")
    ] = Path("report.docx"),
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="zh or en (default: the language of most interviews)."),
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option("--template", help="A .docx whose styles the report uses."),
    ] = None,
    codes: Annotated[
        list[str] | None,
        typer.Option("--codes", help="Only these codes and their subtrees (repeat or commas)."),
    ] = None,
    level: Annotated[
        int, typer.Option("--level", help="Report codes at this level (finer ones roll up).")
    ] = 2,
    quotes: Annotated[int, typer.Option("--quotes", help="Quotes per code.")] = 3,
    coder: Annotated[str | None, typer.Option("--coder", help="Only this coder's codings.")] = None,
    status: Annotated[
        str,
        typer.Option(
            "--status", help="all (accepted and open suggestions) or accepted (reviewed)."
        ),
    ] = "all",
    title: Annotated[str | None, typer.Option("--title", help="The report's title.")] = None,
    appendix: Annotated[
        bool, typer.Option("--appendix", help="Add an appendix listing every coding.")
    ] = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A Word report: method, codebook, frequencies, matrix, co-occurrence, quotes.

    Sections: method, codebook, frequencies and chart, case × code matrix, co-occurrence,
    quotes by code and by case, and with --appendix every coding."""

    with errors():
        result = build_report(
            project,
            out_file,
            lang=lang,
            template=template,
            codes=codes,
            level=level,
            quotes=quotes,
            coder=coder,
            status=status,
            title=title,
            appendix=appendix,
        )
    if as_json:
        print_json(result)
        return
    for w in result["warnings"]:
        err.print(f"[yellow]warning:[/] {escape(w)}")
    out.print(
        f"Wrote {escape(result['file'])}: {result['codes']} codes, "
        f"{result['code_sections']} with quotes ({result['quotes']} quotes), "
        f"{result['case_sections']} cases"
    )
