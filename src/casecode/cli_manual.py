"""``casecode tag``, ``untag``, ``coders``, ``history`` and ``memo``: people's coding."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from .cli_common import JsonOpt, ProjectOpt, _errors, _print_json, err, out
from .errors import CasecodeError

CoderOpt = Annotated[
    str | None,
    typer.Option("--coder", help="Your name as a coder (default: $CASECODE_CODER, else login)."),
]
DocArg = Annotated[str, typer.Argument(help="Document id or name.")]
TurnArg = Annotated[int, typer.Argument(help="Turn number (see casecode show).")]

memo_app = typer.Typer(help="Memos on codes, documents and codings.", no_args_is_help=True)
sheet_app = typer.Typer(
    help="Code in Excel: export a coding sheet, import it back as a coder's codings.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    @app.command("tag")
    def tag(
        doc: DocArg,
        turn: TurnArg,
        codes: Annotated[list[str], typer.Argument(help="Code ids, unique id prefixes or labels.")],
        span: Annotated[
            str | None,
            typer.Option("--span", help="Characters START-END of the turn's text (from 0)."),
        ] = None,
        quote: Annotated[
            str | None, typer.Option("--quote", help="Code these exact words of the turn.")
        ] = None,
        coder: CoderOpt = None,
        memo: Annotated[str | None, typer.Option("--memo", help="A note on this coding.")] = None,
        project: ProjectOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Code a turn (or part of it) by hand."""
        from .manual_ops import tag as tag_turn

        with _errors():
            made = tag_turn(
                project, doc, turn, codes, span=span, quote=quote, coder=coder, memo=memo
            )
        if as_json:
            _print_json(made)
            return
        for m in made:
            what = f"coded (coding {m['id']})" if m["new"] else "already coded"
            words = m["text"] if len(m["text"]) <= 40 else m["text"][:39] + "…"
            out.print(
                f"{what}: {escape(m['document'])} turn {m['turn']} [bold]{escape(m['code'])}[/] "
                f"by {escape(m['coder'])} — {escape(words)}",
                soft_wrap=True,
            )

    @app.command("untag")
    def untag(
        doc: DocArg,
        turn: TurnArg,
        code: Annotated[str, typer.Argument(help="Code id or label.")],
        span: Annotated[
            str | None, typer.Option("--span", help="Only the coding of START-END.")
        ] = None,
        quote: Annotated[
            str | None, typer.Option("--quote", help="Only the coding of these words.")
        ] = None,
        coder: CoderOpt = None,
        project: ProjectOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Remove your manual coding of a code on a turn (all of them, or one passage)."""
        from .manual_ops import untag as untag_turn

        with _errors():
            gone = untag_turn(project, doc, turn, code, coder=coder, span=span, quote=quote)
        if as_json:
            _print_json(gone)
            return
        out.print(f"Removed {len(gone)} coding(s) of {escape(gone[0]['code'])} on turn {turn}.")

    @app.command("coders")
    def coders(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
        """Everyone (and every rule set) that has coded, with counts."""
        from .manual_ops import coders as list_coders

        with _errors():
            rows = list_coders(project)
        if as_json:
            _print_json(rows)
            return
        if not rows:
            out.print("No codings yet.")
            return
        table = Table(box=box.SIMPLE_HEAD)
        columns = (
            "coder",
            "manual",
            "suggested",
            "accepted",
            "rejected",
            "imported",
            "reviewed",
            "documents",
        )
        for col in columns:
            table.add_column(col, justify="left" if col == "coder" else "right")
        for r in rows:
            table.add_row(*(escape(str(r[c] or 0)) for c in columns))
        out.print(table)

    @app.command("history")
    def history(
        doc: DocArg, turn: TurnArg, project: ProjectOpt = None, as_json: JsonOpt = False
    ) -> None:
        """Every coding decision on a turn, with coder and time."""
        from .manual_ops import history as turn_history

        with _errors():
            result = turn_history(project, doc, turn)
        if as_json:
            _print_json(result)
            return
        out.print(f"[bold]{escape(result['document'])}[/] turn {turn}")
        if not result["events"]:
            out.print("No coding decisions on this turn yet.")
        for e in result["events"]:
            detail = f" ({escape(e['detail'])})" if e["detail"] else ""
            out.print(
                f"{e['at']}  {escape(e['actor']):<10} {e['action']:<8} {escape(e['code'])} "
                f"[dim]@{e['start']}-{e['end']}[/]{detail}",
                soft_wrap=True,
            )
        now = ", ".join(f"{c['code']} ({c['status']}, {c['coder']})" for c in result["codings"])
        out.print(f"Now: {escape(now) or 'no codings'}", soft_wrap=True)

    @app.command("review")
    def review(
        code: Annotated[str | None, typer.Option("--code", help="Only this code.")] = None,
        doc: Annotated[str | None, typer.Option("--doc", help="Only this document.")] = None,
        of: Annotated[str, typer.Option("--of", help="Whose suggestions.")] = "auto",
        as_: Annotated[
            str | None,
            typer.Option("--as", help="Reviewer recorded with each decision (default: you)."),
        ] = None,
        decided_: Annotated[
            bool,
            typer.Option(
                "--decided", help="Go through accepted and rejected ones, to change them."
            ),
        ] = False,
        project: ProjectOpt = None,
    ) -> None:
        """Accept or reject suggestions one by one; every decision is saved at once.

        Keys: a accept, r reject, c change code, m memo, s skip, b back, q quit. Works from a
        pipe too (one key per line); run it again to go on where you stopped.
        """
        from .manual_ops import decide, default_coder, review_queue

        reviewer = (as_ or default_coder()).strip()
        with _errors():
            queue = review_queue(project, code=code, doc=doc, of=of, decided=decided_)
        if not queue:
            kind = "decided" if decided_ else "open"
            out.print(f"Nothing to review: no {kind} suggestions by {escape(of)}.")
            return
        decided: dict[int, str] = {}
        i = 0
        while 0 <= i < len(queue):
            item = queue[i]
            left = len(queue) - len(decided)
            _show_item(
                item,
                i + 1,
                len(queue),
                left,
                decided.get(item["id"])
                or (item["status"] if item["status"] != "suggested" else None),
            )
            key = _ask("[a]ccept [r]eject [c]hange [m]emo [s]kip [b]ack [q]uit > ")
            if key is None or key == "q":
                break
            with _errors():
                if key == "a" or key == "r":
                    decide(
                        project, item["id"], "accept" if key == "a" else "reject", reviewer=reviewer
                    )
                    decided[item["id"]] = "accepted" if key == "a" else "rejected"
                    i += 1
                elif key == "c":
                    result = None
                    while result is None:
                        target = _ask(
                            "code (id, last part of an id, or words of a label; "
                            "q or empty to cancel) > "
                        )
                        if not target or target.lower() == "q":
                            break
                        try:
                            result = decide(
                                project, item["id"], "recode", reviewer=reviewer, code=target
                            )
                        except CasecodeError as exc:  # a typo: say so and ask again
                            err.print(f"[yellow]{escape(str(exc))}[/]")
                    if result is not None:
                        decided[item["id"]] = f"recoded as {target} (coding {result['new']})"
                        i += 1
                elif key == "m":
                    text = _ask("memo > ")
                    if text:
                        decide(project, item["id"], "memo", reviewer=reviewer, memo=text)
                elif key == "s":
                    i += 1
                elif key == "b":
                    i = max(i - 1, 0)
                else:
                    out.print("[yellow]?[/] a, r, c, m, s, b or q")
        done = len(decided)
        out.print(
            f"{done} decision(s) saved; {len(queue) - done} suggestion(s) still open"
            + (" — run review again to go on." if len(queue) - done else ".")
        )

    app.add_typer(memo_app, name="memo")
    app.add_typer(sheet_app, name="sheet")


@sheet_app.command("export")
def sheet_export(
    file: Annotated[Path, typer.Argument(help="The sheet to write (.xlsx or .csv).")],
    docs: Annotated[list[str] | None, typer.Option("--docs", help="Only these documents.")] = None,
    level: Annotated[
        int | None, typer.Option("--level", help="Offer codes down to this level (1 = top).")
    ] = None,
    coder: Annotated[
        str | None,
        typer.Option("--coder", help="Fill in this coder's codings (blank: an empty sheet)."),
    ] = None,
    layout: Annotated[
        str, typer.Option("--layout", help="list: one 'codes' column; columns: one per code.")
    ] = "list",
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write one row per turn, for coding in Excel."""
    from .sheet_ops import export_sheet

    with _errors():
        result = export_sheet(
            project, file, docs=docs, level=level, coder=coder, layout=layout, force=force
        )
    if as_json:
        _print_json(result)
        return
    out.print(f"Wrote {escape(result['file'])}: {result['rows']} turns, {result['codes']} codes.")
    if result["orphans"]:
        err.print(
            f"[yellow]note:[/] {len(result['orphans'])} code(s) no longer in the codebook are "
            f"filled in as they are: {escape(', '.join(result['orphans']))}"
        )


@sheet_app.command("import")
def sheet_import(
    file: Annotated[Path, typer.Argument(help="A coding sheet (.xlsx or .csv).")],
    coder: Annotated[str, typer.Option("--coder", help="Whose codings the sheet holds.")],
    skip_errors: Annotated[
        bool, typer.Option("--skip-errors", help="Apply the good rows even if some are wrong.")
    ] = False,
    encoding: Annotated[
        str | None,
        typer.Option("--encoding", help="Decode a .csv sheet with this encoding (else detected)."),
    ] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Make a coding sheet a coder's manual codings (adding and removing to match it)."""
    from .sheet_ops import import_sheet

    with _errors():
        report = import_sheet(
            project, file, coder=coder, skip_errors=skip_errors, encoding=encoding
        )
    if as_json:
        _print_json(report.as_dict())
    else:
        for row, message in report.errors:
            err.print(f"[red]{escape(str(file))}: row {row}:[/] {escape(message)}", soft_wrap=True)
        for row, message in report.warnings:
            err.print(
                f"[yellow]{escape(str(file))}: row {row}:[/] {escape(message)}", soft_wrap=True
            )
        if report.applied:
            out.print(
                f"{escape(coder)}: {report.added} coding(s) added, {report.removed} removed, "
                f"{report.unchanged} unchanged, from {report.rows} rows."
            )
        else:
            err.print(
                f"[bold red]error:[/] {len(report.errors)} problem(s) in {escape(str(file))}; "
                "nothing changed (fix them, or --skip-errors to apply the other rows)"
            )
    if not report.applied:
        raise typer.Exit(1)


def _ask(prompt: str) -> str | None:
    """One line from the terminal or a pipe (None at the end of input)."""
    out.print(escape(prompt), end="")
    try:
        line = input()
    except (EOFError, KeyboardInterrupt):  # end of input or Ctrl-C: stop, keep what is saved
        out.print()
        return None
    return line.strip().lower() if len(line.strip()) <= 1 else line.strip()


def _show_item(item: dict, n: int, total: int, left: int, decision: str | None) -> None:
    from rich.text import Text

    out.rule(f"{n}/{total} · {left} open", style="dim")
    speaker = f"{item['speaker']}: " if item["speaker"] else ""
    out.print(f"[bold]{escape(item['document'])}[/] turn {item['turn']} {escape(speaker)}")
    text = Text(item["turn_text"])
    base = item["turn_start"]
    a, b = item["start"] - base, item["end"] - base
    if (a, b) != (0, len(item["turn_text"])):
        text.stylize("underline", max(a, 0), max(b, 0))
    for ev in item["evidence"] or []:
        text.stylize("bold green", ev["start"] - base, ev["end"] - base)
    out.print(text, soft_wrap=True)
    conf = f" · confidence {item['confidence']:.2f}" if item["confidence"] is not None else ""
    out.print(
        f"→ [bold]{escape(item['code'])}[/] {escape(item['label'])} "
        f"[dim](rule {escape(item['rule'] or '')}{conf})[/]",
        soft_wrap=True,
    )
    if item["definition"]:
        out.print(f"  [dim]{escape(item['definition'])}[/]", soft_wrap=True)
    if decision:
        out.print(f"  [cyan]decided: {escape(decision)}[/]")


@memo_app.command("add")
def memo_add(
    text: Annotated[str, typer.Argument(help="The memo.")],
    code: Annotated[str | None, typer.Option("--code", help="About this code.")] = None,
    doc: Annotated[str | None, typer.Option("--doc", help="About this document.")] = None,
    coding: Annotated[int | None, typer.Option("--coding", help="About this coding id.")] = None,
    author: Annotated[str | None, typer.Option("--author", help="Who writes it.")] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a memo on a code, a document or a coding."""
    from .manual_ops import add_memo

    with _errors():
        memo = add_memo(project, text, code=code, doc=doc, coding=coding, author=author)
    if as_json:
        _print_json(memo)
        return
    out.print(f"Memo {memo['id']} on {memo['kind']} {escape(memo['target'])}.")


@memo_app.command("list")
def memo_list(
    code: Annotated[str | None, typer.Option("--code", help="Memos on this code.")] = None,
    doc: Annotated[str | None, typer.Option("--doc", help="Memos on this document.")] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List memos (all, or those on one code or document)."""
    from .manual_ops import list_memos

    with _errors():
        memos = list_memos(project, code=code, doc=doc)
    if as_json:
        _print_json(memos)
        return
    if not memos:
        out.print("No memos.")
    for m in memos:
        removed = " (coding removed)" if m["removed"] else ""
        out.print(
            f"[dim]{m['created_at']} {escape(m['author'])} · {m['kind']} "
            f"{escape(m['target'])}{removed}[/]\n  {escape(m['text'])}",
            soft_wrap=True,
        )
