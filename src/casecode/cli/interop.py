"""``casecode qdpx ...``: exchange whole projects with other QDA tools (REFI-QDA .qdpx)."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from casecode.cli.common import (
    CoderOpt,
    DocLangOpt,
    ForceOpt,
    JsonOpt,
    LangOpt,
    OutFileOpt,
    ProjectOpt,
    QdpxArg,
    StatusOpt,
    ToolOpt,
    err,
    errors,
    out,
    plural,
    print_json,
    print_warnings,
)
from casecode.interop.qdpx import qdpx_export, qdpx_import


def qdpx_import_cli(
    file: QdpxArg,
    project: ProjectOpt = None,
    doc_lang: DocLangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Bring a .qdpx project from NVivo, ATLAS.ti, MAXQDA or QualCoder into a project (made if
    missing): text sources, codebook, each user's codings, memos, cases and variables. All or
    nothing; what does not come in is listed."""

    with errors():
        report = qdpx_import(file, project, doc_lang=doc_lang)
    if as_json:
        print_json(report.as_dict())
        return
    made = " (new project)" if report.created else ""
    origin = f", made by {report.origin}" if report.origin else ""
    out.print(
        f"Imported {escape(Path(report.file).name)}{escape(origin)} into "
        f"{escape(report.project)}{made}"
    )
    out.print(
        f"  documents: {len(report.documents)} new"
        + (f", {len(report.already)} already there" if report.already else "")
    )
    out.print(f"  codebook: {escape(report.codebook)}")
    coded = sum(report.codings.values())
    by = ", ".join(f"{escape(c)} {n}" for c, n in sorted(report.codings.items()))
    out.print(
        f"  codings: {coded}"
        + (f" ({by})" if by else "")
        + (f"; {report.codings_there} already there" if report.codings_there else "")
        + (
            f"; {report.suggestions} of them casecode's open suggestions "
            "(review them with: casecode review --of casecode-auto)"
            if report.suggestions
            else ""
        )
    )
    out.print(
        f"  memos: {report.memos}; cases: {report.cases}; attribute values: "
        f"{report.attributes}; positions: {escape(report.positions)}"
    )
    if report.attributes_kept:
        err.print(
            f"[yellow]kept:[/] {len(report.attributes_kept)} attribute value(s) of the project "
            "that the file has otherwise: "
            + escape("; ".join(report.attributes_kept[:3]))
            + ("; ..." if len(report.attributes_kept) > 3 else "")
        )
    for line in report.skipped:
        err.print(f"[yellow]skipped:[/] {escape(line)}")
    for line in report.not_imported:
        err.print(f"[yellow]not imported:[/] {escape(line)}")
    print_warnings(report.warnings)


def qdpx_export_cli(
    out_file: OutFileOpt = ...,
    project: ProjectOpt = None,
    coder: CoderOpt = None,
    status: StatusOpt = "all",
    tool: ToolOpt = "refi",
    lang: LangOpt = None,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Write the project as a .qdpx for NVivo, ATLAS.ti, MAXQDA or QualCoder: documents, codebook,
    cases, codings and memos; casecode's open suggestions under the user casecode-auto, accepted
    ones under the reviewer's name."""

    with errors():
        report = qdpx_export(
            project, out=out_file, coder=coder, status=status, tool=tool, lang=lang, force=force
        )
    if as_json:
        print_json(report.as_dict())
        return
    by = ", ".join(f"{escape(u)} {n}" for u, n in sorted(report.codings.items()))
    out.print(
        f"Wrote {escape(report.out)}: {plural(report.documents, 'document')}, "
        f"{plural(report.codes, 'code')}, {plural(sum(report.codings.values()), 'coding')}"
        + (f" ({by})" if by else "")
        + f", {plural(report.memos, 'memo')}, {plural(report.cases, 'case')}"
    )
    for line in report.notes:
        err.print(f"[yellow]note:[/] {escape(line)}")
    print_warnings(report.warnings)
