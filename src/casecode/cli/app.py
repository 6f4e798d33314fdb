"""The casecode command line: every command, in the order ``casecode --help`` lists them.

Each command is a plain function in the module of its stage (``cli/corpus.py`` … ``cli/report.py``)
that parses its options, makes one library call and renders the result. ``COMMANDS`` pairs each
command with that function and the library verb it calls (``casecode.<verb>``), and a test checks
the pairs. No domain logic and no SQL here; heavy libraries load inside the library calls, so
``casecode --help`` starts at once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NamedTuple

import typer
from rich.markup import escape

from casecode.cli import analysis, codebook, coding, corpus, flow, interop, report, review
from casecode.cli.common import CONTEXT, CliCommand, CliGroup, DebugOpt, VersionOpt, err, state


class Command(NamedTuple):
    group: str | None  # None: a top-level command
    name: str
    function: Callable[..., None]
    verb: str  # the library function it calls: casecode.<verb>


GROUPS = {
    "codebook": "Check, inspect, choose and exchange codebooks (YAML; REFI-QDA .qdc).",
    "qdpx": "Exchange whole projects with NVivo, ATLAS.ti, MAXQDA and QualCoder (REFI-QDA .qdpx).",
    "memo": "Memos on codes, documents and codings.",
    "sheet": "Code in Excel: export a coding sheet, import it back as a coder's codings.",
    "export": "Export data for other tools.",
}

COMMANDS = [
    Command(None, "init", corpus.init_cli, "init_project"),
    Command(None, "import", corpus.import_cli, "import_documents"),
    Command(None, "attributes", corpus.attributes_cli, "set_attributes"),
    Command(None, "docs", corpus.docs_cli, "list_documents"),
    Command(None, "show", corpus.show_cli, "show_document"),
    Command(None, "speakers", corpus.speakers_cli, "speakers"),
    Command(None, "rm", review.rm_cli, "remove_document"),
    Command(None, "rename", review.rename_cli, "rename_document"),
    Command(None, "pseudonymize", corpus.pseudonymize_cli, "pseudonymize"),
    Command(None, "run", flow.run_cli, "run"),
    Command(None, "code", coding.code_cli, "autocode"),
    Command(None, "explain", coding.explain_cli, "explain"),
    Command(None, "tag", review.tag_cli, "tag"),
    Command(None, "untag", review.untag_cli, "untag"),
    Command(None, "coders", review.coders_cli, "coders"),
    Command(None, "history", review.history_cli, "history"),
    Command(None, "review", review.review_cli, "review_queue"),
    Command(None, "decide", review.decide_cli, "bulk_decide"),
    Command(None, "undo", review.undo_cli, "undo"),
    Command(None, "rules", review.rules_cli, "rule_records"),
    Command(None, "matrix", analysis.matrix_cli, "code_matrix"),
    Command(None, "cooccur", analysis.cooccur_cli, "cooccurrence"),
    Command(None, "query", analysis.query_cli, "query"),
    Command(None, "kwic", analysis.kwic_cli, "kwic"),
    Command(None, "agree", review.agree_cli, "agreement"),
    Command(None, "evaluate", review.evaluate_cli, "evaluate"),
    Command(None, "suggest", review.suggest_cli, "suggest_keywords"),
    Command(None, "merge", review.merge_cli, "merge_coders"),
    Command(None, "report", report.report_cli, "build_report"),
    Command(None, "view", report.view_cli, "view"),
    Command("codebook", "validate", codebook.codebook_validate_cli, "validate_codebook"),
    Command("codebook", "show", codebook.codebook_show_cli, "codebook_tree"),
    Command("codebook", "use", codebook.codebook_use_cli, "use_codebook"),
    Command("codebook", "export", codebook.codebook_export_cli, "export_codebook"),
    Command("codebook", "import", codebook.codebook_import_cli, "import_codebook"),
    Command("codebook", "rename-code", review.rename_code_cli, "rename_code"),
    Command("codebook", "merge-code", review.merge_code_cli, "merge_code"),
    Command("qdpx", "import", interop.qdpx_import_cli, "qdpx_import"),
    Command("qdpx", "export", interop.qdpx_export_cli, "qdpx_export"),
    Command("memo", "add", review.memo_add_cli, "add_memo"),
    Command("memo", "list", review.memo_list_cli, "list_memos"),
    Command("sheet", "export", review.sheet_export_cli, "export_sheet"),
    Command("sheet", "import", review.sheet_import_cli, "import_sheet"),
    Command("export", "codings", analysis.export_codings_cli, "export_codings"),
]

app = typer.Typer(
    name="casecode",
    help="Code qualitative interviews (Chinese and English) reproducibly from the terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings=CONTEXT,
    cls=CliGroup,
)


@app.callback()
def _main(debug: DebugOpt = False, version: VersionOpt = False) -> None:
    state["debug"] = debug


def _register() -> None:
    groups: dict[str, typer.Typer] = {}
    for command in COMMANDS:
        if command.group is None:
            target = app
        elif command.group in groups:
            target = groups[command.group]
        else:
            target = groups[command.group] = typer.Typer(
                help=GROUPS[command.group],
                no_args_is_help=True,
                rich_markup_mode="rich",
                context_settings=CONTEXT,
                cls=CliGroup,
            )
        target.command(command.name, cls=CliCommand)(command.function)
    for name in GROUPS:  # the groups come after the top-level commands, as they always have
        app.add_typer(groups[name], name=name)


_register()


def main() -> None:
    """Console-script entry point. A failure no command foresaw (a bug) is one line too, naming
    what failed and how to see more; --debug shows its traceback."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
    except Exception as exc:
        if state["debug"]:
            raise
        what = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        err.print(
            f"[bold red]error:[/] unexpected failure ({escape(what)}); this is a bug in "
            "casecode: run the command again with --debug for the traceback, and report it"
        )
        sys.exit(1)
