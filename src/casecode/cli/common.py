"""What every casecode command shares: the consoles, common options, and error handling."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from casecode.errors import CasecodeError

state = {"debug": False}
# -h as well as --help, on every command
CONTEXT = {"help_option_names": ["-h", "--help"]}
out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)  # one error, one line

ProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project",
        "-p",
        help="Project folder (default: this folder or a parent, or $CASECODE_PROJECT).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


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


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


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
