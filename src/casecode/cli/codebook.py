"""``casecode codebook ...``: validate, show, use, export and import codebooks."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.tree import Tree

from casecode.cli.common import (
    CodebookArg,
    ForceOpt,
    FormatOpt,
    JsonOpt,
    LangOpt,
    OutFileOpt,
    ProjectCodebookArg,
    ProjectOpt,
    QdcArg,
    err,
    errors,
    out,
    plural,
    print_json,
    print_warnings,
)
from casecode.codebook.use import (
    codebook_tree,
    export_codebook,
    import_codebook,
    use_codebook,
    validate_codebook,
)
from casecode.errors import CasecodeError


def codebook_validate_cli(file: CodebookArg, as_json: JsonOpt = False) -> None:
    """Report every mistake in a codebook as file:line:column: code-id: message."""

    if as_json:  # a file that cannot be read is still an answer in JSON
        try:
            result = validate_codebook(file)
        except CasecodeError as exc:
            issue = {"severity": "error", "file": exc.file or file, "line": exc.line}
            issue |= {"column": None, "code": None, "message": exc.message}
            print_json(
                {"file": file, "valid": False, "errors": [issue], "warnings": []}
                | dict.fromkeys(("name", "content_version", "codes", "rules"))
            )
            err.print(f"[bold red]error:[/] {escape(str(exc))}")
            raise typer.Exit(1) from None
    else:
        with errors():
            result = validate_codebook(file)
    if as_json:
        print_json(result.as_dict())
        raise typer.Exit(0 if result.valid else 1)
    for issue in result.errors:
        out.print(f"[red]{escape(str(issue))}[/]", soft_wrap=True)
    for issue in result.warnings:
        out.print(f"[yellow]{escape(str(issue))}[/]", soft_wrap=True)
    e, w = len(result.errors), len(result.warnings)
    if result.valid:
        book = result.codebook
        rules = sum(1 for _ in book.rules())
        out.print(
            f"[green]✓[/] {escape(result.file)} is valid: {plural(len(book.ids), 'code')}, "
            f"{plural(rules, 'rule')}, content version {book.content_version}"
            + (f" ({plural(w, 'warning')})" if w else ""),
            soft_wrap=True,
        )
    else:
        err.print(
            f"[bold red]{escape(result.file)}: {plural(e, 'error')}, {plural(w, 'warning')}[/]"
        )
        raise typer.Exit(1)


def _add(tree: Tree, node: dict, show_counts: bool) -> None:
    text = f"[bold]{escape(node['id'])}[/]  {escape(node['label'])}"
    if node["color"]:
        text = f"[{node['color']}]■[/] " + text
    notes = []
    if node["rules"]:
        notes.append(plural(node["rules"], "rule"))
    if not node["codable"]:
        notes.append("category")
    if show_counts and node.get("codings"):
        notes.append(f"[cyan]{plural(node['codings'], 'coding')}[/]")
    if notes:
        text += "  [dim]·[/] " + " · ".join(notes)
    branch = tree.add(text)
    for child in node["children"]:
        _add(branch, child, show_counts)


def codebook_show_cli(
    file: ProjectCodebookArg = None,
    lang: LangOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the code tree: ids, labels, rule counts and, in a project, codings per code.

    Labels are in --lang (default: the codebook's first language)."""

    with errors():
        tree = codebook_tree(file, project=project, lang=lang)
    if as_json:
        print_json(tree)
        return
    version = f" {tree['version']}" if tree["version"] else ""
    root = Tree(
        f"[bold]{escape(tree['name'])}[/]{escape(version)} "
        f"[dim](content version {tree['content_version']})[/]"
    )
    counts = "orphans" in tree
    for node in tree["codes"]:
        _add(root, node, counts)
    out.print(root)
    for code, n in (tree.get("orphans") or {}).items():
        out.print(f"[yellow]{n} coding(s) use '{escape(code)}', which is not in this codebook[/]")


def codebook_use_cli(
    file: CodebookArg, project: ProjectOpt = None, as_json: JsonOpt = False
) -> None:
    """Make a codebook the project's own; codings are kept even when their code is gone."""

    with errors():
        report = use_codebook(project, file)
    if as_json:
        print_json(report.as_dict())
        return
    state = "is now the project's codebook" if report.changed else "was already in use"
    out.print(
        f"Codebook [bold]{escape(report.name)}[/] {state}: {plural(report.codes, 'code')}, "
        f"{plural(report.rules, 'rule')}, content version {report.content_version}.",
        soft_wrap=True,
    )
    if report.warnings:
        out.print(
            f"[yellow]{report.warnings} warning(s)[/]: see casecode codebook validate "
            f"{escape(file)}",
            soft_wrap=True,
        )
    if report.orphans:
        manual = sum(c.get("manual", 0) for c in report.orphans.values())
        other = sum(c.get("other", 0) for c in report.orphans.values())
        names = list(report.orphans)
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        kept = [f"their {manual} manual coding(s) stay"] if manual else []
        if other:
            kept.append(
                f"{other} automatic or imported coding(s) stay until the next `casecode code`, "
                "which replaces open suggestions (reviewed ones and ones with a memo stay)"
            )
        out.print(
            f"[yellow]note:[/] {len(names)} code(s) with codings are not in this codebook "
            f"({escape(shown)}): {escape('; '.join(kept))}."
            + (" `--json` lists them." if len(names) > 5 else ""),
            soft_wrap=True,
        )


def codebook_export_cli(
    file: ProjectCodebookArg = None,
    format: FormatOpt = "qdc",
    out_file: OutFileOpt = ...,
    lang: LangOpt = None,
    force: ForceOpt = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a codebook as a REFI-QDA codebook (.qdc) for ATLAS.ti, MAXQDA, NVivo, QualCoder.

    --out names the .qdc file; labels are in --lang (default: the codebook's first language).
    """

    with errors():
        path = export_codebook(
            file, out=out_file, format=format, project=project, lang=lang, force=force
        )
    if as_json:
        print_json({"file": str(path)})
        return
    out.print(f"Wrote {escape(str(path))}.")


def codebook_import_cli(
    file: QdcArg,
    out_file: OutFileOpt = ...,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Read a REFI-QDA codebook (.qdc) from any tool into a casecode YAML codebook (--out)."""

    with errors():
        result = import_codebook(file, out=out_file, force=force)
    if as_json:
        print_json(result.as_dict())
        return
    print_warnings(result.warnings, str(file))
    out.print(f"Wrote {escape(result.out)} ({result.codes} codes). Add rules, then validate it.")
