"""How the command line draws things: import outcomes, document lists, coded turns, coding
summaries."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich import box
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from casecode.cli.common import (
    err,
    out,
)


def outcome_table(outcomes) -> Table:
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


def render_import(report) -> None:
    done = [o for o in report.outcomes if o.status != "failed"]
    if done:
        out.print(outcome_table(done))
    for o in report.failed:  # once, on stderr, one line each (for logs and pipes too)
        err.print(f"[bold red]error:[/] {escape(o.path)}: {escape(o.message)}")
    for a in report.attributes:
        line = f"Attributes from {escape(a.file)}: {len(a.updated)} {a.key}(s) updated"
        if a.columns:
            line += f" ({escape(', '.join(a.columns))})"
        out.print(line + ".")
        attribute_warnings(a)
    counts = ", ".join(
        f"{report.count(s)} {s}"
        for s in ("imported", "replaced", "skipped", "failed")
        if report.count(s)
    )
    out.print(f"Done: {counts or 'nothing to import'}.")


def attribute_warnings(a) -> None:
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


def import_json(report) -> dict[str, Any]:
    return {
        "outcomes": [asdict(o) for o in report.outcomes],
        "attributes": [asdict(a) for a in report.attributes],
        "counts": {s: report.count(s) for s in ("imported", "replaced", "skipped", "failed")},
    }


def docs_table(documents: list[dict[str, Any]]) -> Table:
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
