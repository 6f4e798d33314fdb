"""``casecode report``: the project as a Word document; ``casecode view``: as an HTML page."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from casecode.cli.common import (
    AppendixOpt,
    AuthorOpt,
    CoderOpt,
    CodesOpt,
    ForceOpt,
    JsonOpt,
    LangOpt,
    LevelOpt,
    OutFileOpt,
    ProjectOpt,
    PseudonymsOpt,
    QuotesOpt,
    StatusOpt,
    TemplateOpt,
    TitleOpt,
    ViewDocsArg,
    errors,
    out,
    print_json,
    print_warnings,
)
from casecode.report.build import build_report
from casecode.report.view import view


def report_cli(
    out_file: OutFileOpt = Path("report.docx"),
    lang: LangOpt = None,
    template: TemplateOpt = None,
    codes: CodesOpt = None,
    level: LevelOpt = 2,
    quotes: QuotesOpt = 3,
    coder: CoderOpt = None,
    status: StatusOpt = "auto",
    title: TitleOpt = None,
    author: AuthorOpt = None,
    appendix: AppendixOpt = False,
    force: ForceOpt = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A Word report: status, method, frequencies, comparisons, co-occurrence, quotes.

    A title page that says how many codings are confirmed, unreviewed or rejected, and by whom;
    method (material, coding, reliability); codes at a glance; a framework matrix of cases ×
    themes with key quotes, the case × code matrix and themes by attribute; co-occurrence
    (Jaccard); quotes by code and by case, each marked with its status; the codebook, and with
    --appendix every coding, in appendices. The report (--out, a .docx) is in --lang, titled
    --title, by --author; codes at --level (default 2) or --codes with their subtrees; the
    codings of everyone, or of --coder; --status auto (confirmed codings, or the machine
    suggestions while none is confirmed), all or accepted."""

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
            author=author,
            appendix=appendix,
            force=force,
        )
    if as_json:
        print_json(result)
        return
    print_warnings(result["warnings"])
    out.print(
        f"Wrote {escape(result['file'])}: {result['codes']} codes, "
        f"{result['code_sections']} with quotes ({result['quotes']} quotes), "
        f"{result['case_sections']} cases"
    )


def view_cli(
    docs: ViewDocsArg = None,
    out_file: OutFileOpt = Path("view.html"),
    codes: CodesOpt = None,
    coder: CoderOpt = None,
    status: StatusOpt = "all",
    lang: LangOpt = None,
    pseudonyms: PseudonymsOpt = False,
    title: TitleOpt = None,
    force: ForceOpt = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The coded transcripts as one HTML page, to open in any browser.

    Each document's turns with their codings highlighted in their codes' colours, the words the
    rules matched in bold and coding stripes in the margin; hover over or Tab to a passage for
    its code, coder, status, rule, confidence and memo. A side panel shows the codebook tree
    with counts and check boxes, coder and status filters and a search box. The page (--out, a
    .html file) needs no server or network: send it by e-mail or open it from a USB stick."""

    with errors():
        result = view(
            project,
            docs,
            codes=codes,
            coder=coder,
            status=status,
            out=out_file,
            force=force,
            pseudonyms=pseudonyms,
            lang=lang,
            title=title,
        )
    if as_json:
        print_json(result)
        return
    print_warnings(result["warnings"])
    size = result["bytes"]
    size = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{max(size // 1000, 1)} kB"
    out.print(
        f"Wrote {escape(result['file'])}: {result['documents']} "
        f"document{'' if result['documents'] == 1 else 's'}, "
        f"{result['codings']} codings of {result['codes']} codes ({size})",
        soft_wrap=True,
    )
