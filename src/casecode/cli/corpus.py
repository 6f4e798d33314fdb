"""``casecode init``, ``import``, ``attributes``, ``docs`` and ``show``: the corpus."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.text import Text

from casecode.cli.common import (
    AttributesOpt,
    EncodingOpt,
    JsonOpt,
    LangOpt,
    ProjectOpt,
    errors,
    out,
    print_json,
    progress_bar,
)
from casecode.cli.render import (
    attribute_warnings,
    docs_table,
    import_json,
    render_coded,
    render_import,
)
from casecode.codebook.use import project_codebook
from casecode.corpus.documents import get_document, list_documents
from casecode.corpus.importing import import_documents, set_attributes
from casecode.corpus.readers import Columns
from casecode.errors import CasecodeError
from casecode.project import CONFIG_NAME, init_project


def init_cli(
    directory: Annotated[
        Path, typer.Argument(help="Folder for the project (made if missing).")
    ] = Path("."),
    name: Annotated[str | None, typer.Option(help="Project name (default: folder name).")] = None,
    project: Annotated[
        Path | None, typer.Option("--project", "-p", help="Same as DIR.", show_default=False)
    ] = None,
) -> None:
    """Create a project: casecode.toml and its SQLite store."""

    target = project or directory
    existed = (target / CONFIG_NAME).is_file()
    with errors():
        root = init_project(target, name=name)
    if existed:
        out.print(
            f"A project already exists in [bold]{escape(str(root))}[/]; its store is up to date."
        )
        return
    out.print(f"Project ready in [bold]{escape(str(root))}[/] ({CONFIG_NAME}).")
    out.print("Next: [bold]casecode import FILES...[/]")


def import_cli(
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

    with errors(), progress_bar("importing") as progress:
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
        print_json(import_json(report))
    else:
        render_import(report)
    if report.failed:
        raise typer.Exit(1)


def attributes_cli(
    file: Annotated[Path, typer.Argument(help="CSV/XLSX keyed by 'document' or 'case'.")],
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set document or case attributes (role, village, gender, ...) from a table."""

    with errors():
        report = set_attributes(project, file)
    if as_json:
        print_json(asdict(report))
    else:
        out.print(
            f"{len(report.updated)} {report.key}(s) updated with "
            f"{escape(', '.join(report.columns) or 'no columns')}."
        )
        attribute_warnings(report)
    if report.matched_nothing:
        raise typer.Exit(1)


def docs_cli(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """List the documents: case, language, encoding, turns, characters, speakers."""

    with errors():
        documents = list_documents(project)
    if as_json:
        print_json(documents)
    elif not documents:
        out.print("No documents yet: [bold]casecode import FILES...[/]")
    else:
        out.print(docs_table(documents))


def show_cli(
    doc: Annotated[str, typer.Argument(help="Document id or name.")],
    codes: Annotated[
        bool, typer.Option("--codes", help="Show codings inline, coloured by code.")
    ] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="Code labels in zh or en.")] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a document's turns, numbered, with their speakers (and codings with --codes)."""

    with errors():
        if lang is not None and lang not in ("zh", "en"):
            raise CasecodeError(f"unknown language '{lang}'", hint="use zh or en")
        document = get_document(project, doc)
        book = None
        if codes and not as_json and document["codings"]:
            try:
                book = project_codebook(project)
            except CasecodeError:
                book = None
    if as_json:
        print_json(document)
        return
    if codes:
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
