"""``casecode init``, ``import``, ``attributes``, ``docs`` and ``show``: the corpus."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.markup import escape

from casecode.analysis.coded import show_document
from casecode.cli.common import (
    AsOpt,
    AttributesArg,
    AttributesOpt,
    CodingsFlagOpt,
    DirArg,
    DocArg,
    DocLangOpt,
    EncodingOpt,
    FollowLinksOpt,
    InitProjectOpt,
    JsonOpt,
    KindOpt,
    LangOpt,
    MergeOpt,
    NameOpt,
    PathsArg,
    ProjectOpt,
    ReplaceOpt,
    RoleOpt,
    SpeakerColumnOpt,
    TextColumnOpt,
    TimeColumnOpt,
    errors,
    out,
    plural,
    print_json,
    progress_bar,
)
from casecode.cli.render import (
    attribute_warnings,
    docs_table,
    import_json,
    render_coded,
    render_document,
    render_import,
)
from casecode.corpus.documents import list_documents
from casecode.corpus.importing import import_documents, set_attributes
from casecode.corpus.pseudonyms import pseudonymize
from casecode.corpus.readers import Columns
from casecode.corpus.speakers import speakers
from casecode.project import CONFIG_NAME, init_project


def init_cli(
    directory: DirArg = Path("."),
    name: NameOpt = None,
    project: InitProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a project: casecode.toml and its SQLite store."""

    target = project or directory
    existed = (target / CONFIG_NAME).is_file()
    with errors():
        root = init_project(target, name=name)
    if as_json:
        print_json({"project": str(root), "created": not existed})
        return
    if existed:
        out.print(
            f"A project already exists in [bold]{escape(str(root))}[/]; its store is up to date."
        )
        return
    out.print(f"Project ready in [bold]{escape(str(root))}[/] ({CONFIG_NAME}).")
    out.print("Next: [bold]casecode import FILES...[/]")


def import_cli(
    paths: PathsArg,
    project: ProjectOpt = None,
    encoding: EncodingOpt = None,
    doc_lang: DocLangOpt = None,
    attributes: AttributesOpt = None,
    replace: ReplaceOpt = False,
    kind: KindOpt = None,
    text_column: TextColumnOpt = None,
    speaker_column: SpeakerColumnOpt = None,
    time_column: TimeColumnOpt = None,
    follow_links: FollowLinksOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Import transcripts and documents (.txt .md .rst .html .pdf .docx .odt .csv .xlsx .vtt .srt)
    and split them into speaker turns, or articles and paragraphs.

    --replace updates documents whose file changed, keeping their codings."""

    with errors(), progress_bar("importing") as progress:
        report = import_documents(
            project,
            paths,
            encoding=encoding,
            doc_lang=doc_lang,
            attributes=attributes,
            replace=replace,
            kind=kind,
            columns=Columns(text_column, speaker_column, time_column),
            follow_links=follow_links,
            progress=progress,
        )
    if as_json:
        print_json(import_json(report))
    else:
        render_import(report)
    if report.failed:
        raise typer.Exit(1)


def attributes_cli(
    file: AttributesArg,
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
    doc: DocArg,
    codings: CodingsFlagOpt = False,
    lang: LangOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a document's turns, numbered, with their speakers (and codings with --codings).

    Code labels are in --lang (default: the document's language)."""

    with errors():
        document = show_document(project, doc, codings=codings, lang=lang)
    if as_json:
        print_json(document)
    elif codings:
        render_coded(document)
    else:
        render_document(document)


def speakers_cli(
    merge: MergeOpt = None,
    as_name: AsOpt = None,
    role: RoleOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the speakers (role, turns, documents), or merge spellings into one speaker.

    casecode speakers --merge Interviewee --merge interviewee1 --as Interviewee --role respondent"""

    with errors():
        rows = speakers(project, merge=merge, as_name=as_name, role=role)
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print("No speakers: no document has speaker turns.")
        return
    for r in rows:
        merged = f"  (also: {', '.join(r['merged'])})" if r["merged"] else ""
        out.print(
            f"{escape(r['speaker'])}  [dim]{r['role']}[/]  {plural(r['turns'], 'turn')} in "
            f"{plural(r['documents'], 'document')}{escape(merged)}"
        )


def pseudonymize_cli(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """Add the people named in speaker labels and texts to pseudonyms.csv (edit it after).

    Names already in the table, and your edits, are kept."""

    with errors():
        result = pseudonymize(project)
    if as_json:
        print_json(result)
        return
    out.print(
        f"{len(result['added'])} name(s) added; {result['names']} in "
        f"[bold]{escape(result['file'])}[/]. Edit the pseudonym column as you like."
    )
    for row in result["added"][:20]:
        out.print(f"  {escape(row['name'])} → {escape(row['pseudonym'])}  [dim]{row['source']}[/]")
