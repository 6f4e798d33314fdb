"""The casecode command line: parse options, call one library function, render the result.

No domain logic and no SQL here. Heavy libraries load inside the library calls, so
``casecode --help`` starts at once.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from . import __version__
from .cli_common import JsonOpt, ProjectOpt, _errors, _print_json, _progress, _state, err, out
from .errors import CasecodeError

app = typer.Typer(
    name="casecode",
    help="Code qualitative interviews (Chinese and English) reproducibly from the terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

EncodingOpt = Annotated[
    str | None,
    typer.Option(
        "--encoding", help="Decode text files with this encoding instead of detecting it."
    ),
]
LangOpt = Annotated[
    str | None,
    typer.Option("--lang", help="Set the language (zh, en, mixed) instead of detecting it."),
]
AttributesOpt = Annotated[
    Path | None,
    typer.Option("--attributes", help="CSV/XLSX of attributes keyed by 'document' or 'case'."),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"casecode {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    _state["debug"] = debug


# ---------------------------------------------------------------------------- init


@app.command()
def init(
    directory: Annotated[
        Path, typer.Argument(help="Folder for the project (made if missing).")
    ] = Path("."),
    name: Annotated[str | None, typer.Option(help="Project name (default: folder name).")] = None,
    project: Annotated[
        Path | None, typer.Option("--project", "-p", help="Same as DIR.", show_default=False)
    ] = None,
) -> None:
    """Create a project: casecode.toml and its SQLite store."""
    from .project import CONFIG_NAME, init_project

    target = project or directory
    existed = (target / CONFIG_NAME).is_file()
    with _errors():
        root = init_project(target, name=name)
    if existed:
        out.print(
            f"A project already exists in [bold]{escape(str(root))}[/]; its store is up to date."
        )
        return
    out.print(f"Project ready in [bold]{escape(str(root))}[/] ({CONFIG_NAME}).")
    out.print("Next: [bold]casecode import FILES...[/]")


# ---------------------------------------------------------------------------- import


def _outcome_table(outcomes) -> Table:
    table = Table(title="Import", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("file", overflow="fold", ratio=3)
    for col in ("status", "id", "encoding", "lang", "turns"):
        table.add_column(col, no_wrap=True, justify="right" if col in ("id", "turns") else "left")
    table.add_column("note", overflow="fold", ratio=2)
    colours = {"imported": "green", "replaced": "cyan", "skipped": "yellow", "failed": "red"}
    for o in outcomes:
        table.add_row(
            escape(o.document or Path(o.path).name or o.path),
            f"[{colours[o.status]}]{o.status}[/]",
            "" if o.id is None else str(o.id),
            o.encoding or "",
            o.language or "",
            "" if o.turns is None else str(o.turns),
            escape(o.message),
        )
    return table


def _render_import(report) -> None:
    done = [o for o in report.outcomes if o.status != "failed"]
    if done:
        out.print(_outcome_table(done))
    for o in report.failed:  # once, on stderr, one line each (for logs and pipes too)
        err.print(f"[bold red]error:[/] {escape(o.path)}: {escape(o.message)}")
    for a in report.attributes:
        line = f"Attributes from {escape(a.file)}: {len(a.updated)} {a.key}(s) updated"
        if a.columns:
            line += f" ({escape(', '.join(a.columns))})"
        out.print(line + ".")
        _attribute_warnings(a)
    counts = ", ".join(
        f"{report.count(s)} {s}"
        for s in ("imported", "replaced", "skipped", "failed")
        if report.count(s)
    )
    out.print(f"Done: {counts or 'nothing to import'}.")


def _attribute_warnings(a) -> None:
    where = escape(a.file)
    if a.unmatched:
        err.print(
            f"[yellow]warning:[/] {where}: no {a.key} named " + escape(", ".join(a.unmatched))
        )
    if a.ambiguous:
        err.print(
            f"[yellow]warning:[/] {where}: several documents match "
            + escape(", ".join(a.ambiguous))
            + " (give the full file name)"
        )
    if a.duplicates:
        err.print(
            f"[yellow]warning:[/] {where}: listed more than once (the last row counts): "
            + escape(", ".join(a.duplicates))
        )


def _import_json(report) -> dict[str, Any]:
    return {
        "outcomes": [asdict(o) for o in report.outcomes],
        "attributes": [asdict(a) for a in report.attributes],
        "counts": {s: report.count(s) for s in ("imported", "replaced", "skipped", "failed")},
    }


@app.command("import")
def import_(
    paths: Annotated[
        list[str], typer.Argument(help="Files, folders (searched recursively) or globs.")
    ],
    project: ProjectOpt = None,
    encoding: EncodingOpt = None,
    lang: LangOpt = None,
    attributes: AttributesOpt = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Update documents whose file changed, keeping codings."),
    ] = False,
    text_column: Annotated[
        str | None, typer.Option(help="CSV/XLSX column with what was said.")
    ] = None,
    speaker_column: Annotated[
        str | None, typer.Option(help="CSV/XLSX column with the speaker.")
    ] = None,
    time_column: Annotated[
        str | None, typer.Option(help="CSV/XLSX column with a timestamp.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import transcripts (.txt .md .docx .odt .csv .xlsx) and split them into speaker turns."""
    from .corpus.readers import Columns
    from .operations import import_documents

    with _errors(), _progress("importing") as progress:
        report = import_documents(
            project,
            paths,
            encoding=encoding,
            lang=lang,
            attributes=attributes,
            replace=replace,
            columns=Columns(text_column, speaker_column, time_column),
            progress=progress,
        )
    if as_json:
        _print_json(_import_json(report))
    else:
        _render_import(report)
    if report.failed:
        raise typer.Exit(1)


# ---------------------------------------------------------------------------- attributes


@app.command("attributes")
def attributes_(
    file: Annotated[Path, typer.Argument(help="CSV/XLSX keyed by 'document' or 'case'.")],
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set document or case attributes (role, village, gender, ...) from a table."""
    from .operations import set_attributes

    with _errors():
        report = set_attributes(project, file)
    if as_json:
        _print_json(asdict(report))
    else:
        out.print(
            f"{len(report.updated)} {report.key}(s) updated with "
            f"{escape(', '.join(report.columns) or 'no columns')}."
        )
        _attribute_warnings(report)
    if report.matched_nothing:
        raise typer.Exit(1)


# ---------------------------------------------------------------------------- looking


def _docs_table(documents: list[dict[str, Any]]) -> Table:
    table = Table(title=f"{len(documents)} documents", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("id", justify="right", no_wrap=True, min_width=2)
    table.add_column("name", overflow="fold", ratio=3)
    table.add_column("case", overflow="fold", ratio=2)
    table.add_column("lang", no_wrap=True, min_width=5)
    table.add_column("encoding", no_wrap=True, min_width=8)
    table.add_column("turns", justify="right", no_wrap=True, min_width=5)
    table.add_column("chars", justify="right", no_wrap=True, min_width=6)
    table.add_column("speakers", overflow="fold", ratio=2)
    for d in documents:
        speakers = ", ".join(d["speakers"][:4]) + (" ..." if len(d["speakers"]) > 4 else "")
        table.add_row(
            str(d["id"]),
            escape(d["name"]),
            escape(d["case"]),
            d["language"],
            d["encoding"] or f"({d['format']})",
            str(d["turns"]),
            f"{d['characters']:,}",
            escape(speakers),
        )
    return table


@app.command()
def docs(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """List the documents: case, language, encoding, turns, characters, speakers."""
    from .operations import list_documents

    with _errors():
        documents = list_documents(project)
    if as_json:
        _print_json(documents)
    elif not documents:
        out.print("No documents yet: [bold]casecode import FILES...[/]")
    else:
        out.print(_docs_table(documents))


@app.command()
def show(
    doc: Annotated[str, typer.Argument(help="Document id or name.")],
    codes: Annotated[
        bool, typer.Option("--codes", help="Show codings inline, coloured by code.")
    ] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="Code labels in zh or en.")] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a document's turns, numbered, with their speakers (and codings with --codes)."""
    from .operations import get_document

    with _errors():
        if lang is not None and lang not in ("zh", "en"):
            raise CasecodeError(f"unknown language '{lang}'", hint="use zh or en")
        document = get_document(project, doc)
        book = None
        if codes and not as_json and document["codings"]:
            from .codebook_ops import project_codebook

            try:
                book = project_codebook(project)
            except CasecodeError:
                book = None
    if as_json:
        _print_json(document)
        return
    if codes:
        from .cli_coding import render_coded

        if lang is None and document["language"] in ("zh", "en"):
            lang = document["language"]  # labels in the interview's language
        render_coded(document, book, lang)
        return
    attrs = "  ".join(f"{k}={v}" for k, v in document["attributes"].items())
    out.print(
        f"[bold]{escape(document['name'])}[/]  case {escape(document['case'])} · "
        f"{document['language']} · {document['encoding'] or document['format']} · "
        f"{len(document['turns'])} turns"
    )
    if attrs:
        out.print(f"[dim]{escape(attrs)}[/]")
    for memo in document["memos"]:
        out.print(f"[yellow]memo[/] [dim]{escape(memo['author'])}:[/] {escape(memo['text'])}")
    width = len(str(len(document["turns"])))
    for turn in document["turns"]:
        line = Text()
        line.append(f"{turn['n']:>{width}} ", style="dim")
        if turn["timestamp"]:
            line.append(f"[{turn['timestamp']}] ", style="dim")
        if turn["speaker"]:
            line.append(f"{turn['speaker']}: ", style="bold cyan")
        line.append(turn["text"])
        out.print(line, soft_wrap=True)  # the terminal wraps: no breaks inside Chinese text


# ---------------------------------------------------------------------------- run


@app.command()
def run(
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
    from .operations import run as run_flow

    with _errors(), _progress("working") as progress:
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
        _print_json(
            {
                "project": str(report.project),
                "import": _import_json(report.imported),
                "documents": report.documents,
                "coding": report.coding.as_dict(),
                "files": [str(f) for f in report.files],
            }
        )
    else:
        _render_import(report.imported)
        out.print(_docs_table(report.documents))
        from .cli_coding import render_code_report

        render_code_report(report.coding, top_level=True)
        for f in report.files:
            out.print(f"Wrote {escape(str(f))}")
        out.print(
            f"Project: {escape(str(report.project))} "
            f"(use [bold]-p {escape(str(report.project))}[/] with other commands)"
        )
    if report.imported.failed:
        raise typer.Exit(1)


from .cli_analysis import register as _register_analysis  # noqa: E402
from .cli_codebook import codebook_app  # noqa: E402 - registered after the main commands
from .cli_coding import register as _register_coding  # noqa: E402
from .cli_manual import register as _register_manual  # noqa: E402
from .cli_reliability import register as _register_reliability  # noqa: E402
from .cli_report import register as _register_report  # noqa: E402

app.add_typer(codebook_app, name="codebook")
_register_coding(app)
_register_manual(app)
_register_analysis(app)
_register_reliability(app)
_register_report(app)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
