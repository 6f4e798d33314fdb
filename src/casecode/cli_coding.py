"""``casecode code`` and ``casecode explain``, and the coded view of ``show --codes``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .cli_common import JsonOpt, ProjectOpt, _errors, _print_json, _progress, err, out

SpacyModelOpt = Annotated[
    str | None,
    typer.Option(
        "--spacy-model",
        help="An installed trained spaCy pipeline for English (e.g. en_core_web_sm), for patterns "
        "that use POS or DEP. Never downloaded.",
    ),
]
_PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def _colour(book, code_id: str) -> str:
    """The code's colour, else its nearest coloured ancestor's, else one from a palette."""
    if book is not None:
        parts = code_id.split(".")
        for n in range(len(parts), 0, -1):
            code = book.get(".".join(parts[:n]))
            if code is not None and code.color:
                return code.color
    top = code_id.split(".")[0]
    return _PALETTE[sum(map(ord, top)) % len(_PALETTE)]


def render_coded(document: dict[str, Any], book, lang: str | None) -> None:
    """Turns with their codings: evidence words highlighted, codings listed under each turn."""
    out.print(
        f"[bold]{escape(document['name'])}[/]  case {escape(document['case'])} · "
        f"{len(document['turns'])} turns · {len(document['codings'])} codings"
    )
    for memo in document["memos"]:
        out.print(f"[yellow]memo[/] [dim]{escape(memo['author'])}:[/] {escape(memo['text'])}")
    by_turn: dict[int, list[dict]] = {}
    for coding in document["codings"]:
        by_turn.setdefault(coding["turn"], []).append(coding)
    width = len(str(len(document["turns"])))
    for turn in document["turns"]:
        codings = by_turn.get(turn["n"], [])
        line = Text()
        line.append(f"{turn['n']:>{width}} ", style="dim")
        if turn["speaker"]:
            line.append(f"{turn['speaker']}: ", style="bold cyan")
        body = Text(turn["text"])
        for coding in codings:
            colour = _colour(book, coding["code"])
            for ev in coding["evidence"] or []:
                a, b = ev["start"] - turn["start"], ev["end"] - turn["start"]
                if 0 <= a < b <= len(turn["text"]):
                    body.stylize(f"bold {colour}", a, b)
            if not coding["evidence"]:
                a, b = coding["start"] - turn["start"], coding["end"] - turn["start"]
                body.stylize(f"underline {colour}", max(a, 0), max(b, 0))
        line.append(body)
        out.print(line, soft_wrap=True)
        for coding in codings:
            colour = _colour(book, coding["code"])
            label = ""
            if book is not None and book.get(coding["code"]) is not None:
                label = " " + book.get(coding["code"]).text("label", lang)
            note = f"{coding['coder']} · {coding['status']}"
            if coding["confidence"] is not None:
                note += f" · {coding['confidence']:.2f}"
            words = ", ".join(dict.fromkeys(ev["text"] for ev in coding["evidence"] or []))
            tail = f"  [dim]{escape(words)}[/]" if words else ""
            for memo in coding.get("memos") or []:
                tail += f"  [yellow]memo ({escape(memo['author'])}):[/] {escape(memo['text'])}"
            out.print(
                f"{' ' * (width + 1)}[{colour}]■[/] {escape(coding['code'])}{escape(label)} "
                f"[dim]({escape(note)})[/]{tail}",
                soft_wrap=True,
            )


def render_code_report(report, *, top_level: bool = False) -> None:
    """The summary of a coding run: codings per code (or per top-level code) and what changed."""
    if report.codebook_chosen:
        err.print(
            "[yellow]note:[/] the project had no codebook; using the built-in coproduction "
            "codebook (choose another with casecode codebook use FILE)"
        )
    counts = report.by_code
    if top_level:
        counts = {}
        for code_id, n in report.by_code.items():
            top = code_id.split(".")[0]
            counts[top] = counts.get(top, 0) + n
    title = "Codings (top-level codes)" if top_level else "Codings per code"
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("code", overflow="fold")
    table.add_column("codings", justify="right")
    for code_id, n in counts.items():
        table.add_row(escape(code_id), str(n))
    if report.by_code:
        out.print(table)
    docs = f"{report.documents} document{'' if report.documents == 1 else 's'}"
    verb = "would be suggested" if report.dry_run else "suggested"
    out.print(
        f"{docs}: {report.codings} coding{'' if report.codings == 1 else 's'} {verb} by "
        f"[bold]{escape(report.coder)}[/] with {escape(report.codebook)} "
        f"({report.codebook_version}).",
        soft_wrap=True,
    )
    if report.removed or report.kept_decisions or (report.dry_run and report.added):
        would = "would be " if report.dry_run else ""
        out.print(
            f"[dim]{report.added} new, {report.removed} earlier suggestions {would}replaced, "
            f"{report.kept_decisions} already reviewed (or with a memo) and kept.[/]",
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    @app.command("code")
    def code(
        codes: Annotated[
            list[str] | None,
            typer.Option("--codes", help="Only these codes (ids, id prefixes or labels)."),
        ] = None,
        docs: Annotated[
            list[str] | None, typer.Option("--docs", help="Only these documents (ids or names).")
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Count what would be coded; change nothing.")
        ] = False,
        jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes.")] = 1,
        coder: Annotated[
            str, typer.Option("--coder", help="Name recorded with each suggestion.")
        ] = "auto",
        spacy_model: SpacyModelOpt = None,
        project: ProjectOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Code every document with the codebook's rules; suggestions await review."""
        from .coding_ops import autocode

        with _errors(), _progress("coding") as progress:
            report = autocode(
                project,
                codes=codes,
                docs=docs,
                dry_run=dry_run,
                jobs=jobs,
                coder=coder,
                spacy_model=spacy_model,
                progress=progress,
            )
        if as_json:
            _print_json(report.as_dict())
            return
        render_code_report(report)

    @app.command("explain")
    def explain(
        doc: Annotated[str, typer.Argument(help="Document id or name.")],
        turn: Annotated[int, typer.Argument(help="Turn number (see casecode show).")],
        spacy_model: SpacyModelOpt = None,
        project: ProjectOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Why a turn was coded (or not): every rule that fired or was vetoed, and why."""
        from .coding_ops import explain as explain_turn

        with _errors():
            result = explain_turn(project, doc, turn, spacy_model=spacy_model)
        if as_json:
            _print_json(result)
            return
        speaker = f"{result['speaker']}: " if result["speaker"] else ""
        text = Text(result["text"])
        base = result["start"]
        for r in result["rules"]:
            for hit in r["hits"] if r["status"] == "fired" else []:
                text.stylize("bold green", hit["start"] - base, hit["end"] - base)
            for hit in r["vetoed"]:
                text.stylize("bold red strike", hit["start"] - base, hit["end"] - base)
        out.print(f"[bold]{escape(result['document'])}[/] turn {turn} {escape(speaker)}")
        out.print(text, soft_wrap=True)
        out.print()
        if not result["rules"]:
            out.print("No rule of the codebook matched anything in this turn.")
        colours = {"fired": "green", "vetoed": "red", "skipped": "yellow", "unmatched": "dim"}
        for r in result["rules"]:
            status = f"[{colours[r['status']]}]{r['status']:<9}[/]"
            why = f": {escape(r['reason'])}" if r["reason"] else ""
            conf = f" (confidence {r['confidence']:.2f})" if r["status"] == "fired" else ""
            out.print(
                f"{status} {escape(r['code'])} [dim]{escape(r['label'])} · rule "
                f"{escape(r['rule'])}[/]{conf}{why}",
                soft_wrap=True,
            )
            if r["hits"]:
                words = ", ".join(dict.fromkeys(h["text"] for h in r["hits"]))
                out.print(f"          matched: {escape(words)}", soft_wrap=True)
            for hit in r["vetoed"]:
                out.print(
                    f"          vetoed: {escape(hit['text'])} ({escape(hit['why'])})",
                    soft_wrap=True,
                )
            if r["scope"] != "turn" and (r["hits"] or r["vetoed"]):
                unit = r["unit"]["text"]
                unit = unit if len(unit) <= 60 else unit[:59] + "…"
                out.print(f"          in the {r['scope']}: {escape(unit)}", soft_wrap=True)
        for note in result["notes"]:
            if note["kind"] == "inside":
                where = f"is inside the word {escape(note['token'])} (jieba)"
            else:
                where = f"crosses jieba's word boundary ({escape('|'.join(note['tokens']))})"
            out.print(
                f"[yellow]not matched:[/] {escape(note['word'])} {where}; list "
                f"{escape(note['token'])} as a keyword, or set substring: true on the rule",
                soft_wrap=True,
            )
        codes = ", ".join(result["codes"]) or "none"
        out.print(f"\nThe rules code it: {escape(codes)}", soft_wrap=True)
        if result["stored"]:
            stored = ", ".join(
                f"{c['code']} ({c['status']}, {c['coder']})" for c in result["stored"]
            )
            out.print(f"In the project now: {escape(stored)}", soft_wrap=True)
