"""What every casecode command shares: the consoles, its options and arguments (each declared
here, once), help without types for flags, and error handling."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.segment import Segment
from typer.core import TyperCommand, TyperGroup

from casecode import __version__
from casecode.codebook.refs import code_refs
from casecode.errors import CasecodeError
from casecode.outputs import OutputExists

state = {"debug": False}


def plural(n: int, word: str) -> str:
    """``n`` and ``word``, with an s unless ``n`` is 1 (1 rule, 2 rules)."""
    return f"{n:,} {word if n == 1 else word + 's'}"


# -h as well as --help, on every command
CONTEXT = {"help_option_names": ["-h", "--help"]}
# C0 controls but tab, newline and carriage return (rich drops that one), DEL, C1
# controls, and the bidirectional overrides that reorder what a terminal shows: none reaches
# the terminal from a transcript or a file name
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with each control character shown as one visible character (ESC as ␛, other
    C0 controls as their control pictures, the rest as U+FFFD): same length, no effect."""
    return _CONTROL.sub(
        lambda m: chr(0x2400 + ord(m.group())) if m.group() < " " else "\ufffd", text
    )


class SafeConsole(Console):
    """A console that shows control characters in what it prints instead of sending them:
    a transcript can hold escape sequences (clipboard writes, screen clears, hidden text)."""

    def _render_buffer(self, buffer):
        return super()._render_buffer(
            s if s.control else Segment(printable(s.text), s.style) for s in buffer
        )


out = SafeConsole(highlight=False, soft_wrap=False)
err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)  # one error, one line


class _PlainFlags:
    """Flags, --help among them, take no value: their help shows none. (typer 0.29's rich help
    prints a type such as ``<bool>`` for every option unless it has a metavar.)"""

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params


class CliCommand(_PlainFlags, TyperCommand):
    """Every casecode command (``cls=`` of ``Typer.command``)."""


class CliGroup(_PlainFlags, TyperGroup):
    """casecode and its command groups (``cls=`` of ``Typer``)."""


ProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project",
        "-p",
        help="Project folder (default: this folder or a parent, or $CASECODE_PROJECT).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


@contextmanager
def errors() -> Iterator[None]:
    """Turn errors into one red line and a non-zero exit; tracebacks only with --debug."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except CasecodeError as exc:
        if state["debug"]:
            raise
        if isinstance(exc, OutputExists):
            exc.hint = "use --force to overwrite it"  # the command line's name for force=True
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("[red]interrupted[/]")
        raise typer.Exit(130) from None
    except sqlite3.OperationalError as exc:
        if state["debug"]:
            raise
        if "locked" in str(exc) or "busy" in str(exc):
            err.print(
                "[bold red]error:[/] the project store is busy: another casecode command is "
                "writing to it (try again when it has finished)"
            )
        else:
            err.print(f"[bold red]error:[/] the project store cannot be used: {escape(str(exc))}")
        raise typer.Exit(1) from None
    except sqlite3.DatabaseError as exc:
        if state["debug"]:
            raise
        err.print(
            f"[bold red]error:[/] the project store is damaged ({escape(str(exc))}); "
            "restore casecode.db from a backup"
        )
        raise typer.Exit(1) from None
    except Exception as exc:  # a bug: say so briefly
        if state["debug"]:
            raise
        err.print(
            f"[bold red]internal error:[/] {escape(type(exc).__name__)}: {escape(str(exc))} "
            "(run `casecode --debug ...` for the traceback, and please report it)"
        )
        raise typer.Exit(2) from None


def print_warnings(lines, about: str | None = None) -> None:
    """Each line as a warning on stderr (``about``: the file or thing they concern)."""
    where = f"{escape(about)}: " if about else ""
    for line in lines:
        err.print(f"[yellow]warning:[/] {where}{escape(str(line))}")


def print_json(data: Any) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    # json escapes C0 controls itself; DEL, C1 and bidi overrides are escaped here too
    typer.echo(_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


@contextmanager
def progress_bar(label: str) -> Iterator[Any]:
    """A progress callback that draws a bar on a terminal and stays silent elsewhere."""
    if not err.is_terminal:
        yield None
        return
    from rich.progress import Progress

    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=f"{label} {name}")

        yield update


# -- every option and argument, declared once -------------------------------------------------
#
# A name has one meaning, and one help text, on every command that takes it (a test checks);
# what it selects or sets on a particular command is in that command's description. Aliases
# that differ only in their Python type share one ``typer.Option`` (typer copies it per use).


def _split(values: list[str] | None) -> list[str] | None:
    """A list option's values, each split at commas (, or ，) too; nothing left to split is
    passed on as given, for the library to say what is wrong with it."""
    if not values:
        return values
    return code_refs(values) or values


def _version(value: bool) -> None:
    if value:
        typer.echo(f"casecode {__version__}")
        raise typer.Exit()


DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")]
VersionOpt = Annotated[
    bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
]

# files written and read
_out = typer.Option("--out", "-o", help="Write to this file (its extension chooses the format).")
OutOpt = Annotated[Path | None, _out]
OutFileOpt = Annotated[Path, _out]
PrintOpt = Annotated[bool, typer.Option("--print", help="With --out, print the table too.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite output files already there.")]
EncodingOpt = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="Read text files (.txt, .md, .csv, ...) in this encoding instead of detecting it.",
    ),
]
AttributesOpt = Annotated[
    Path | None,
    typer.Option("--attributes", help="CSV/XLSX of attributes keyed by 'document' or 'case'."),
]

# languages: of labels and reports, and of the documents
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Language of code labels and of the report: zh or en (default: the interviews'; "
        "for a codebook, its first language).",
    ),
]
DocLangOpt = Annotated[
    str | None,
    typer.Option(
        "--doc-lang",
        help="The documents' language (zh, en, mixed, other), instead of detecting it.",
    ),
]

# which codes, documents and codings
CodesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--codes",
        "--code",
        help="Codes by id, id prefix or label (repeat, or separate with commas).",
        callback=_split,
    ),
]
DocsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--docs",
        "--doc",
        help="Documents by id or name (repeat, or separate with commas).",
        callback=_split,
    ),
]
_coder = typer.Option("--coder", help="A coder by name: a person, or auto (the rules).")
CoderOpt = Annotated[str | None, _coder]
CodersOpt = Annotated[list[str] | None, _coder]
LevelOpt = Annotated[
    int | None,
    typer.Option(
        "--level",
        help="A level of the code tree (1 = top): finer codes count as their ancestor there.",
    ),
]
StatusOpt = Annotated[
    str,
    typer.Option(
        "--status",
        help="Which codings count: auto (accepted ones, or open suggestions while none is "
        "accepted: the default of report, matrix and cooccur), all (accepted and open "
        "suggestions), accepted, suggested or rejected (report: auto, all or accepted).",
    ),
]
WhereOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        help='Filter such as "role = 村支书", "village != 上坊村", "role ~ 书记" (contains); '
        "repeat to combine.",
    ),
]
UnitOpt = Annotated[
    str,
    typer.Option(
        "--unit",
        help="What one unit is: turn, sentence or character (agree, evaluate); turn or document "
        "(cooccur).",
    ),
]
MeasureOpt = Annotated[
    str,
    typer.Option(
        "--measure",
        help="What a cell holds: count, presence, segments or coverage (matrix); count or "
        "jaccard (cooccur).",
    ),
]
TopOpt = Annotated[int, typer.Option("--top", help="How many to list.")]
ReplaceOpt = Annotated[
    bool,
    typer.Option(
        "--replace",
        help="Replace what is there: changed documents, keeping their codings (import); the "
        "--into coder's manual codings (merge).",
    ),
]
FollowLinksOpt = Annotated[
    bool,
    typer.Option(
        "--follow-links",
        help="Import what links inside folders and patterns point to (skipped by default).",
    ),
]
SpanOpt = Annotated[
    str | None,
    typer.Option(
        "--span", help="Characters START-END of the turn's text (from 0), not the whole turn."
    ),
]
QuoteOpt = Annotated[
    str | None,
    typer.Option("--quote", help="These exact words of the turn, not the whole turn."),
]
SpacyModelOpt = Annotated[
    str | None,
    typer.Option(
        "--spacy-model",
        help="An installed trained spaCy pipeline for English (e.g. en_core_web_sm), for patterns "
        "that use POS or DEP. Never downloaded.",
    ),
]

# options of one command each: init, import, run, show
NameOpt = Annotated[str | None, typer.Option("--name", help="Project name (default: folder name).")]
InitProjectOpt = Annotated[  # init makes the project: its folder, as DIR
    Path | None, typer.Option("--project", "-p", help="Same as DIR.", show_default=False)
]
TextColumnOpt = Annotated[
    str | None, typer.Option("--text-column", help="CSV/XLSX column with what was said.")
]
SpeakerColumnOpt = Annotated[
    str | None, typer.Option("--speaker-column", help="CSV/XLSX column with the speaker.")
]
TimeColumnOpt = Annotated[
    str | None, typer.Option("--time-column", help="CSV/XLSX column with a timestamp.")
]
RunFolderOpt = Annotated[  # run makes the project: one folder for it and its outputs
    Path,
    typer.Option("--out", "-o", "--project", "-p", help="Folder for the project and its outputs."),
]
CodebookOpt = Annotated[
    str | None,
    typer.Option("--codebook", help="Codebook file or built-in name (default: coproduction)."),
]
CodingsFlagOpt = Annotated[
    bool, typer.Option("--codings", help="Show codings inline, coloured by code.")
]

# code, review, tag
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", help="Worker processes.")]
_min_confidence = typer.Option(
    "--min-confidence",
    help="Leave out suggestions weaker than this (0 to 1); see docs/coding.md for the formula.",
    show_default=False,
)
MinConfidenceOpt = Annotated[float, _min_confidence]
MinConfidenceFilterOpt = Annotated[float | None, _min_confidence]
MaxConfidenceOpt = Annotated[
    float | None,
    typer.Option(
        "--max-confidence",
        help="Leave out suggestions more confident than this (0 to 1).",
        show_default=False,
    ),
]
OrderOpt = Annotated[
    str,
    typer.Option(
        "--order",
        help="document (reading order), confidence (lowest first) or informative (the rules "
        "whose precision is least known first).",
    ),
]
PlainOpt = Annotated[
    bool,
    typer.Option(
        "--plain", help="Line by line, one key a line (the default when input is not a terminal)."
    ),
]
AcceptOpt = Annotated[bool, typer.Option("--accept", help="Accept every suggestion selected.")]
RejectOpt = Annotated[bool, typer.Option("--reject", help="Reject every suggestion selected.")]
ThresholdOpt = Annotated[
    float, typer.Option("--threshold", help="Flag rules whose precision is below this (0 to 1).")
]
MinDecisionsOpt = Annotated[
    int, typer.Option("--min-decisions", help="Flag a rule only with at least this many decisions.")
]
MemoOpt = Annotated[str | None, typer.Option("--memo", help="A note on this coding.")]
OfOpt = Annotated[str, typer.Option("--of", help="Whose suggestions.")]
AsOpt = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="The name recorded: the reviewer of each decision (default: you), or the speaker "
        "merged spellings become (speakers --merge).",
    ),
]
KindOpt = Annotated[
    str | None,
    typer.Option(
        "--kind",
        help="What the files are: interview (speaker turns), document (articles, paragraphs) "
        "or notes; detected when left out.",
    ),
]
MergeOpt = Annotated[
    list[str] | None,
    typer.Option("--merge", help="A speaker spelling to merge (repeat it; name the result --as)."),
]
RoleOpt = Annotated[
    str | None,
    typer.Option(
        "--role",
        help="With --merge: the speaker's role, interviewer (the questioning side) or respondent.",
    ),
]

DecidedOpt = Annotated[
    bool,
    typer.Option("--decided", help="Go through accepted and rejected ones, to change them."),
]
CodingOpt = Annotated[int | None, typer.Option("--coding", help="About this coding id.")]
AuthorOpt = Annotated[str | None, typer.Option("--author", help="Who writes it.")]
LayoutOpt = Annotated[
    str, typer.Option("--layout", help="list: one 'codes' column; columns: one per code.")
]
SkipErrorsOpt = Annotated[
    bool, typer.Option("--skip-errors", help="Apply the good rows even if some are wrong.")
]

# tables
RowsOpt = Annotated[
    str,
    typer.Option("--rows", help="document, case, speaker, or an attribute (role, village, ...)."),
]
PercentOpt = Annotated[
    str | None, typer.Option("--percent", help="Show cells as % of the row or column.")
]
ContextOpt = Annotated[int, typer.Option("--context", help="Also show N turns before and after.")]
WidthOpt = Annotated[int, typer.Option("--width", help="Characters of context on each side.")]
SubstringOpt = Annotated[
    bool,
    typer.Option("--substring", help="Match anywhere in the text, not only on word boundaries."),
]

# agreement, evaluation, merging
CodedOnlyOpt = Annotated[
    bool,
    typer.Option("--coded-only", help="Leave out units no coder coded (not the usual figure)."),
]
DisagreementsOpt = Annotated[
    bool, typer.Option("--disagreements", help="List every unit where the coders differ.")
]
GoldOpt = Annotated[str, typer.Option("--gold", help="The coder taken as right.")]
TestOpt = Annotated[str, typer.Option("--test", help="The coder to score.")]
FromOpt = Annotated[list[str], typer.Option("--from", help="A coder to merge (at least two).")]
IntoOpt = Annotated[str, typer.Option("--into", help="The new coder, e.g. consensus.")]
# one name, two uses: a filter by rule id (decide, review) and how merge combines coders
_rule = typer.Option(
    "--rule",
    help="decide, review: only this rule's suggestions (repeat for more); merge: union (coded "
    "by any) or intersection (coded by all).",
)
RuleOpt = Annotated[str, _rule]
RulesOpt = Annotated[list[str] | None, _rule]

# report, codebook export
TemplateOpt = Annotated[
    Path | None, typer.Option("--template", help="A .docx whose styles the report uses.")
]
QuotesOpt = Annotated[int, typer.Option("--quotes", help="Quotes per code.")]
TitleOpt = Annotated[str | None, typer.Option("--title", help="The report's title.")]
AppendixOpt = Annotated[
    bool, typer.Option("--appendix", help="Add an appendix listing every coding.")
]
FormatOpt = Annotated[str, typer.Option("--format", help="Exchange format.")]
ToolOpt = Annotated[
    str,
    typer.Option(
        "--for",
        help="The tool that will open it: refi (the standard: code points), nvivo (UTF-16 "
        "positions), maxqda (CRLF line breaks), atlasti or qualcoder (the standard).",
    ),
]
PseudonymsOpt = Annotated[
    bool,
    typer.Option(
        "--pseudonyms",
        help="Print pseudonyms, not names: those of pseudonyms.csv (casecode pseudonymize); "
        "view also names other speakers, cases and documents Speaker 1, Case A, Document 1 "
        "(roles kept).",
    ),
]

# arguments
DirArg = Annotated[Path, typer.Argument(help="Folder for the project (made if missing).")]
PathsArg = Annotated[
    list[str], typer.Argument(help="Files, folders (searched recursively) or globs.")
]
CorpusArg = Annotated[list[str], typer.Argument(help="Transcript files or folders.")]
AttributesArg = Annotated[Path, typer.Argument(help="CSV/XLSX keyed by 'document' or 'case'.")]
DocArg = Annotated[str, typer.Argument(help="Document id or name.")]
NewNameArg = Annotated[str, typer.Argument(help="The new name.")]
OldCodeArg = Annotated[str, typer.Argument(help="The code id its codings have now.")]
NewCodeArg = Annotated[str, typer.Argument(help="The code id they get.")]
TurnArg = Annotated[int, typer.Argument(help="Turn number (see casecode show).")]
CodeArg = Annotated[str, typer.Argument(help="Code id, unique id prefix or label.")]
CodesArg = Annotated[list[str], typer.Argument(help="Code ids, unique id prefixes or labels.")]
QueryArg = Annotated[
    str,
    typer.Argument(
        help="e.g. 'problems.unclear_responsibilities AND actors.village_committee', "
        "OR, NOT, ( ), NEAR/2 (within 2 turns), role = 老年协会会长."
    ),
]
WordArg = Annotated[str, typer.Argument(help="A word or phrase.")]
MemoTextArg = Annotated[str, typer.Argument(help="The memo.")]
CodebookArg = Annotated[
    str,
    typer.Argument(
        help="A codebook YAML file, or a built-in name (coproduction, welfare_production)."
    ),
]
ProjectCodebookArg = Annotated[
    str | None,
    typer.Argument(help="Codebook file or built-in name (default: the project's codebook)."),
]
QdcArg = Annotated[Path, typer.Argument(help="A REFI-QDA codebook (.qdc).")]
QdpxArg = Annotated[
    Path,
    typer.Argument(help="A REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or QualCoder."),
]
SheetOutArg = Annotated[Path, typer.Argument(help="The sheet to write (.xlsx or .csv).")]
SheetArg = Annotated[Path, typer.Argument(help="A coding sheet (.xlsx or .csv).")]
ViewDocsArg = Annotated[
    list[str] | None, typer.Argument(help="Documents by id or name (default: all).")
]
