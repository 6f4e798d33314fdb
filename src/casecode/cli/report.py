"""``casecode report``: the project as a Word document."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from casecode.cli.common import (
    AppendixOpt,
    CoderOpt,
    CodesOpt,
    ForceOpt,
    JsonOpt,
    LangOpt,
    LevelOpt,
    OutFileOpt,
    ProjectOpt,
    QuotesOpt,
    StatusOpt,
    TemplateOpt,
    TitleOpt,
    err,
    errors,
    out,
    print_json,
)
from casecode.report.build import build_report


def report_cli(
    out_file: OutFileOpt = Path("report.docx"),
    lang: LangOpt = None,
    template: TemplateOpt = None,
    codes: CodesOpt = None,
    level: LevelOpt = 2,
    quotes: QuotesOpt = 3,
    coder: CoderOpt = None,
    status: StatusOpt = "all",
    title: TitleOpt = None,
    appendix: AppendixOpt = False,
    force: ForceOpt = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A Word report: method, codebook, frequencies, matrix, co-occurrence, quotes.

    Sections: method, codebook, frequencies and chart, case × code matrix, co-occurrence,
    quotes by code and by case, and with --appendix every coding. The report (--out, a .docx)
    is in --lang; codes at --level (default 2) or --codes with their subtrees; the codings of
    everyone, or of --coder; --status all or accepted."""

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
            force=force,
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
