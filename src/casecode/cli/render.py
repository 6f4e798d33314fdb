"""How the command line draws things: tables (columns sized to their contents and the
terminal), import outcomes, document lists, coded turns, coding summaries, matrices and keyword
in context."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, NamedTuple

from rich import box
from rich.cells import cell_len
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from casecode.cli.common import (
    err,
    out,
    plural,
    print_warnings,
)

# -- tables: every column as wide as it needs, headers broken only between words ------------

NUMBER, NAME, WORDS = "number", "name", "words"


class Col(NamedTuple):
    """A table column: its header (with ``sub``, e.g. a code's label, dim under it) and the kind
    of its cells.

    ``number``: never cut or wrapped. ``name``: one line, cut with … only when there is no room.
    ``words``: wraps between words (and after . _ - / inside ids and paths), never inside one.
    A header wraps the same way, only when the column has no room for it on one line; ``short``
    stands in for it when the table would not fit the terminal otherwise. ``least`` is the width
    a name or words column keeps before the others widen.
    """

    header: str
    kind: str = NUMBER
    sub: str = ""
    short: str | None = None
    least: int = 12


_SEPARATORS = frozenset("._-/")
_NO_LINE_START = frozenset("，。、；：！？）」』】》…")
_NO_LINE_END = frozenset("（「『【《")


def pieces(text: str, cjk: bool = True) -> list[str]:
    """``text`` cut where a line may break: after a space, after . _ - / (ids, file names,
    paths), and (``cjk``) between two Chinese characters; each piece keeps the spaces after
    it."""
    found: list[str] = []
    start = 0
    for i in range(1, len(text)):
        a, b = text[i - 1], text[i]
        if b == " ":
            continue
        if (
            a == " "
            or (a in _SEPARATORS and b not in _SEPARATORS and i > 1 and text[i - 2] != " ")
            or (
                cjk
                and cell_len(a) == 2
                and cell_len(b) == 2
                and a not in _NO_LINE_END
                and b not in _NO_LINE_START
            )
        ):
            found.append(text[start:i])
            start = i
    found.append(text[start:])
    return found


def unbreakable(text: str, cjk: bool = True) -> int:
    """The width of the widest piece of ``text`` no line can break: the narrowest it wraps to."""
    return max(
        (cell_len(p.rstrip()) for line in text.split("\n") for p in pieces(line, cjk)),
        default=0,
    )


def widest_line(text: str) -> int:
    """The width of ``text`` with each of its lines on one line."""
    return max((cell_len(line) for line in text.split("\n")), default=0)


def _breaks(text: str, width: int, cjk: bool) -> list[int]:
    """Where ``text`` breaks into lines of at most ``width`` cells, filling each line."""
    offsets: list[int] = []
    line, at = "", 0
    for piece in pieces(text, cjk):
        if line and cell_len((line + piece).rstrip()) > width:
            offsets.append(at)
            line = ""
        line += piece
        at += len(piece)
    return offsets


def wrap(text: Text | str, width: int, cjk: bool = True, balance: bool = False) -> Text:
    """``text`` broken into lines of at most ``width`` cells between words (see ``pieces``); a
    single piece wider than that is cut with …. Styles are kept. ``balance``: lines as even as
    the same number of lines allows (参与/主体, not 参与主/体)."""
    text = Text(text) if isinstance(text, str) else text
    width = max(width, 1)
    lines: list[Text] = []
    for paragraph in text.split("\n", allow_blank=True):
        offsets = _breaks(paragraph.plain, width, cjk)
        if balance and offsets:
            narrowest = max(unbreakable(paragraph.plain, cjk), 1)
            for narrower in range(narrowest, width):
                tried = _breaks(paragraph.plain, narrower, cjk)
                if len(tried) == len(offsets):
                    offsets = tried
                    break
        for part in paragraph.divide(offsets):
            part.rstrip()
            if part.cell_len > width:
                part.truncate(width, overflow="ellipsis")
            lines.append(part)
    return Text("\n").join(lines)


def _plain(cell: Text | str) -> str:
    return cell.plain if isinstance(cell, Text) else Text.from_markup(cell).plain


def _chrome(columns: int, dense: bool = False) -> int:
    """What a SIMPLE_HEAD table adds to its cells: edges, dividers, and a space of padding each
    side of every cell (``dense``: on the left only)."""
    return 2 * columns + 1 if dense else 3 * columns + 1


def _head_least(text: str) -> int:
    """The narrowest a header wraps to: its widest word, and lines of at least 4 cells (two
    Chinese characters) where it has that many."""
    return min(widest_line(text), max(unbreakable(text), 4))


def bounds(col: Col, cells: Sequence[str], header: str | None = None) -> tuple[int, int]:
    """The narrowest a column may be, and the widest it wants (its cells and header on one
    line each), for the plain text of its cells."""
    header = col.header if header is None else header
    head_lo = max(_head_least(header), _head_least(col.sub))
    head_hi = max(widest_line(header), widest_line(col.sub))
    body = max((cell_len(line) for cell in cells for line in cell.split("\n")), default=0)
    if col.kind == NUMBER:
        lo = max(body, head_lo)
    elif col.kind == NAME:
        lo = max(head_lo, min(body, col.least))
    else:
        words = max((unbreakable(c, cjk=False) for c in cells), default=0)
        lo = max(head_lo, min(words, 30), min(body, col.least))
    return lo, max(lo, body, head_hi)


def column_widths(
    columns: Sequence[Col], cells: Sequence[Sequence[str]], width: int, dense: bool = False
) -> tuple[list[int], list[str]]:
    """Widths for ``columns`` (cell text per column) in a table ``width`` cells wide (``dense``:
    two spaces between cells, not three), and the header each uses.

    Every column first gets its narrowest; then, while there is room, headers go on one line,
    and then names and words widen, each towards its full width in proportion to what it lacks.
    A short header stands in only when the table cannot fit with the full ones. Numbers are
    never narrower than their widest figure.
    """
    headers = [c.header for c in columns]
    ranges = [bounds(c, cells[i]) for i, c in enumerate(columns)]
    room = width - _chrome(len(columns), dense)
    # short headers, those saving the most first, only while the table does not fit
    while sum(lo for lo, _ in ranges) > room:
        savings = [
            (ranges[i][0] - bounds(c, cells[i], c.short)[0], i)
            for i, c in enumerate(columns)
            if c.short is not None and headers[i] != c.short
        ]
        saving, i = max(savings, default=(0, -1))
        if saving <= 0:
            break
        headers[i] = columns[i].short
        ranges[i] = bounds(columns[i], cells[i], headers[i])
    widths = [lo for lo, _ in ranges]
    free = room - sum(widths)
    # names and words give way before anything else when there is not room even for the least
    if free < 0:
        for i, c in enumerate(columns):
            if c.kind != NUMBER and free < 0:
                floor = max(unbreakable(headers[i]), unbreakable(c.sub), 3)
                give = min(widths[i] - floor, -free)
                if give > 0:
                    widths[i] -= give
                    free += give

    # headers (and labels under them) on one line each, the cheapest first
    def steps(i: int) -> list[int]:
        wanted = (widest_line(headers[i]), widest_line(columns[i].sub))
        return [w - widths[i] for w in wanted if w > widths[i]]

    while True:
        more, i = min(
            ((min(s), i) for i in range(len(columns)) if (s := steps(i))), default=(0, -1)
        )
        if i < 0 or more > free:
            break
        widths[i] += more
        free -= more
    # then names towards their full width, then words, each in proportion to what it lacks
    for kind in (NAME, WORDS):
        lacking = {i: ranges[i][1] - widths[i] for i, c in enumerate(columns) if c.kind == kind}
        lacking = {i: n for i, n in lacking.items() if n > 0}
        total = sum(lacking.values())
        if free <= 0 or not total:
            continue
        given = {i: min(n, free * n // total) for i, n in lacking.items()}
        left = free - sum(given.values())
        for i in sorted(lacking, key=lambda i: lacking[i] - given[i], reverse=True):
            step = min(left, lacking[i] - given[i])
            given[i] += step
            left -= step
        for i, n in given.items():
            widths[i] += n
        free -= sum(given.values())
    return widths, headers


def header_text(header: str, sub: str, width: int) -> Text:
    """A column header wrapped between words to ``width``, its ``sub`` (a label) dim under it."""
    text = wrap(header, width, balance=True)
    if sub:
        text.append("\n")
        text.append_text(wrap(Text(sub, style="dim"), width, balance=True))
    return text


def grid(
    columns: Sequence[Col],
    rows: Sequence[Sequence[Text | str] | None],
    *,
    width: int | None = None,
    title: str | None = None,
    dense: bool = False,
) -> Table:
    """A table of ``rows`` (cells as markup or Text; None starts a new section) sized to a
    terminal ``width`` cells wide (the console's, by default): see ``column_widths``.
    ``dense``: two spaces between cells rather than three, for wide tables of figures."""
    width = out.width if width is None else width
    body = [r for r in rows if r is not None]
    cells = [[_plain(r[j]) for r in body] for j in range(len(columns))]
    widths, headers = column_widths(columns, cells, width, dense)
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 0, 0, 1) if dense else (0, 1),
    )
    for col, head, w in zip(columns, headers, widths, strict=True):
        table.add_column(
            header_text(head, col.sub, w),
            justify="right" if col.kind == NUMBER else "left",
            no_wrap=col.kind != WORDS,
            overflow="ellipsis" if col.kind == NAME else "fold",
            width=w,
        )
    for row in rows:
        if row is None:
            if table.rows:
                table.add_section()
            continue
        table.add_row(
            *(
                wrap(Text.from_markup(c) if isinstance(c, str) else c, w, cjk=False)
                if col.kind == WORDS
                else c
                for col, c, w in zip(columns, row, widths, strict=True)
            )
        )
    return table


def outcome_table(outcomes, width: int | None = None) -> Table:
    columns = [
        Col("file", NAME),
        Col("status", NAME),
        Col("id"),
        Col("encoding", NAME),
        Col("lang", NAME),
        Col("turns"),
        Col("note", WORDS, least=16),
    ]
    colours = {"imported": "green", "replaced": "cyan", "skipped": "yellow", "failed": "red"}
    rows = [
        [
            escape(o.document or Path(o.path).name or o.path),
            f"[{colours[o.status]}]{o.status}[/]",
            "" if o.id is None else str(o.id),
            o.encoding or "",
            o.language or "",
            "" if o.turns is None else str(o.turns),
            escape(o.message or ("" if o.kind in (None, "interview") else o.kind)),
        ]
        for o in outcomes
    ]
    return grid(columns, rows, width=width, title="Import")


def render_import(report) -> None:
    done = [o for o in report.outcomes if o.status != "failed"]
    if done:
        out.print(outcome_table(done))
    for o in done:
        print_warnings(getattr(o, "warnings", []), o.path)
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


def docs_table(documents: list[dict[str, Any]], width: int | None = None) -> Table:
    columns = [
        Col("id"),
        Col("name", NAME),
        Col("case", NAME),
        Col("lang", NAME),
        Col("encoding", NAME),
        Col("turns"),
        Col("chars"),
        Col("speakers", WORDS),
    ]
    rows = []
    for d in documents:
        speakers = ", ".join(d["speakers"][:4]) + (" ..." if len(d["speakers"]) > 4 else "")
        rows.append(
            [
                str(d["id"]),
                escape(d["name"]),
                escape(d["case"]),
                "zh-Hant" if d.get("script") == "zh-Hant" else d["language"],
                d["encoding"] or f"({d['format']})",
                str(d["turns"]),
                f"{d['characters']:,}",
                escape(speakers),
            ]
        )
    return grid(columns, rows, width=width, title=plural(len(documents), "document"))


_PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def _colour(coding: dict[str, Any]) -> str:
    """The code's colour from the codebook (``show_document`` looks it up), else one from a
    palette, the same for every code under one top-level code."""
    if coding.get("color"):
        return coding["color"]
    top = coding["code"].split(".")[0]
    return _PALETTE[sum(map(ord, top)) % len(_PALETTE)]


def _counted(document: dict[str, Any]) -> int:
    return sum(1 for t in document["turns"] if t["n"] > 0)


def _turn_line(turn: dict[str, Any], width: int, body: Text | None = None) -> Text:
    """One numbered turn: number, [time], speaker, text (the terminal wraps it, so Chinese text
    never breaks at a fixed width). Structure (preamble, headings) has a dot for a number."""
    line = Text()
    if turn["n"] <= 0:
        line.append(f"{'·':>{width}} ", style="dim")
        if body is None:
            line.append(turn["text"], style="dim")
        else:  # a Text keeps its own styles (coded spans): dim under them
            dim = body.copy()
            dim.stylize("dim")
            line.append(dim)
        return line
    line.append(f"{turn['n']:>{width}} ", style="dim")
    if turn.get("timestamp"):
        line.append(f"[{turn['timestamp']}] ", style="dim")
    if turn["speaker"]:
        line.append(f"{turn['speaker']}: ", style="bold cyan")
    line.append(body if body is not None else turn["text"])
    return line


def _memos(document: dict[str, Any]) -> None:
    for memo in document["memos"]:
        out.print(f"[yellow]memo[/] [dim]{escape(memo['author'])}:[/] {escape(memo['text'])}")


def render_document(document: dict[str, Any]) -> None:
    """A document's turns, numbered, under a line about the document and its attributes."""
    out.print(
        f"[bold]{escape(document['name'])}[/]  case {escape(document['case'])} · "
        f"{document['language']} · {document['encoding'] or document['format']} · "
        f"{_counted(document)} {document.get('unit', 'turns')}"
    )
    attrs = "  ".join(f"{k}={v}" for k, v in document["attributes"].items())
    if attrs:
        out.print(f"[dim]{escape(attrs)}[/]")
    _memos(document)
    width = len(str(_counted(document)))
    for turn in document["turns"]:
        out.print(_turn_line(turn, width), soft_wrap=True)


def render_coded(document: dict[str, Any]) -> None:
    """Turns with their codings: evidence words highlighted, codings listed under each turn."""
    out.print(
        f"[bold]{escape(document['name'])}[/]  case {escape(document['case'])} · "
        f"{_counted(document)} {document.get('unit', 'turns')} · {len(document['codings'])} codings"
    )
    _memos(document)
    by_turn: dict[int, list[dict]] = {}
    for coding in document["codings"]:
        by_turn.setdefault(coding["turn"], []).append(coding)
    width = len(str(_counted(document)))
    for turn in document["turns"]:
        codings = by_turn.get(turn["n"], []) if turn["n"] > 0 else []
        body = Text(turn["text"])
        for coding in codings:
            colour = _colour(coding)
            for ev in coding["evidence"] or []:
                a, b = ev["start"] - turn["start"], ev["end"] - turn["start"]
                if 0 <= a < b <= len(turn["text"]):
                    body.stylize(f"bold {colour}", a, b)
            if not coding["evidence"]:
                a, b = coding["start"] - turn["start"], coding["end"] - turn["start"]
                body.stylize(f"underline {colour}", max(a, 0), max(b, 0))
        out.print(_turn_line({**turn, "timestamp": None}, width, body), soft_wrap=True)
        for coding in codings:
            label = f" {coding['label']}" if coding.get("label") else ""
            note = f"{coding['coder']} · {coding['status']}"
            if coding["confidence"] is not None:
                note += f" · {coding['confidence']:.2f}"
            words = ", ".join(dict.fromkeys(ev["text"] for ev in coding["evidence"] or []))
            tail = f"  [dim]{escape(words)}[/]" if words else ""
            for memo in coding.get("memos") or []:
                tail += f"  [yellow]memo ({escape(memo['author'])}):[/] {escape(memo['text'])}"
            out.print(
                f"{' ' * (width + 1)}[{_colour(coding)}]■[/] {escape(coding['code'])}"
                f"{escape(label)} [dim]({escape(note)})[/]{tail}",
                soft_wrap=True,
            )


def render_counts(counts: dict | None) -> None:
    """Coded turns per top-level code, as the report and ``matrix`` count them."""
    if not counts or not counts["codes"]:
        return
    rows = [
        [escape(f"{c} {counts['labels'].get(c, '')}".strip()), str(n)]
        for c, n in counts["codes"].items()
    ]
    which = "open suggestions" if counts["counted"] == ["suggested"] else "accepted codings"
    out.print(grid([Col("code", WORDS), Col("turns")], rows, title="Coded turns (top-level codes)"))
    out.print(
        f"[dim]Counted: {which}. As in the report and casecode matrix, {counts['definition']}.[/]",
        soft_wrap=True,
    )


def render_code_report(report, *, top_level: bool = False, table: bool = True) -> None:
    """The summary of a coding run: codings per code (or per top-level code) and what changed;
    ``table=False`` leaves out the table of codings (``run`` shows coded turns instead)."""
    if getattr(report, "not_coded", None):
        err.print(
            "[yellow]note:[/] not coded, in neither Chinese nor English (name them to code them): "
            + escape(", ".join(report.not_coded))
        )
    for rule in getattr(report, "timed_out", []):
        err.print(
            f"[yellow]warning:[/] rule {escape(rule)}: its regex ran out of time "
            "(catastrophic backtracking?) and was set aside; the other rules coded as usual"
        )
    counts = report.by_code
    if top_level:
        counts = {}
        for code_id, n in report.by_code.items():
            top = code_id.split(".")[0]
            counts[top] = counts.get(top, 0) + n
    title = "Codings (top-level codes)" if top_level else "Codings per code"
    rows = [[escape(code_id), str(n)] for code_id, n in counts.items()]
    if report.by_code and table:
        out.print(grid([Col("code", WORDS), Col("codings")], rows, title=title))
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


# -- analysis tables: matrices and keyword in context -----------------------------------------


def figure(value: Any, share: bool, fraction: bool = False) -> str:
    """A matrix cell: a count, a share in %, or — where it is undefined."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if share:
        return f"{value * 100 if fraction else value:.1f}%"
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else str(int(value))
    return str(value)


def matrix_tables(frame, title: str, *, share: bool, width: int | None = None) -> list[Table]:
    """A frame as tables: code ids over their labels, totals set apart, zeros dimmed.

    A column header is the last part of its code's id (the full ids are in --json and --out
    files), broken only between words. Columns too many for the terminal go to further tables
    (blocks), each repeating the row names, so no number is ever cut.
    """
    width = out.width if width is None else width
    labels = frame.attrs.get("labels", {})
    fraction = frame.attrs.get("measure") == "coverage"
    shown = [[figure(v, share, fraction) for v in row] for row in frame.itertuples(index=False)]
    names = [str(n) for n in frame.index]
    # row names in full while they take at most a third of the terminal
    first = Col(str(frame.index.name or ""), NAME, least=max(28, width // 3))
    columns = [
        Col(str(c).rsplit(".", 1)[-1], sub=str(labels.get(c, "") or "")) for c in frame.columns
    ]
    least = [bounds(col, [row[j] for row in shown])[0] for j, col in enumerate(columns)]
    start = _chrome(1, dense=True) + bounds(first, names)[0]

    def pack(most: int) -> list[list[int]]:
        """Blocks of at most ``most`` columns, each as many as fit at their narrowest."""
        blocks: list[list[int]] = [[]]
        used = start
        for j, w in enumerate(least):
            if blocks[-1] and (used + w + 2 > width or len(blocks[-1]) == most):
                blocks.append([])
                used = start
            blocks[-1].append(j)
            used += w + 2
        return blocks

    # as few blocks as fit, with the columns spread evenly over them: room for headers
    fewest = len(pack(len(least)))
    most = math.ceil(len(least) / fewest) if least else 1
    while len(blocks := pack(most)) > fewest:
        most += 1
    totals = frame.attrs.get("totals", False)
    tables = []
    for b, block in enumerate(blocks):
        rows: list[list[Text] | None] = []
        for i, name in enumerate(names):
            last = totals and i == len(names) - 1
            if last:
                rows.append(None)
            cells = []
            for j in block:
                value = frame.iat[i, j]
                style = "bold" if last else ("dim" if not value or value != value else "")
                cells.append(Text(shown[i][j] or "—", style=style))
            rows.append([Text(name, style="bold" if last else ""), *cells])
        part = f" ({b + 1}/{len(blocks)})" if len(blocks) > 1 else ""
        chosen = [first, *(columns[j] for j in block)]
        tables.append(grid(chosen, rows, width=width, title=title + part, dense=True))
    return tables


def _fit(text: str, width: int, *, from_left: bool) -> str:
    """``text`` cut to ``width`` terminal cells, keeping the end nearest the keyword."""
    while cell_len(text) > width:
        text = text[1:] if from_left else text[:-1]
    return text


def kwic_table(frame, width: int | None = None) -> Table:
    """Keyword in context: one line per occurrence, the keyword in a column of its own.

    Document names are cut (with …) only where showing them in full would leave less than 20
    cells of context on each side; the context is cut at its far end.
    """
    width = out.width if width is None else width
    turns = ["" if t is None else str(t) for t in frame["turn"]]
    turn_width = max([4, *map(len, turns)])
    word_width = max([4, *(cell_len(m) for m in frame["match"])])
    fixed = _chrome(5) + turn_width + word_width
    full = max([len("document"), *(cell_len(d) for d in frame["document"])])
    name_width = min(full, max(24, width - fixed - 2 * 20))
    side = max(8, (width - fixed - name_width) // 2)
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("document", no_wrap=True, overflow="ellipsis", width=name_width)
    table.add_column("turn", justify="right", no_wrap=True, width=turn_width)
    table.add_column("", justify="right", no_wrap=True)
    table.add_column("", style="bold yellow", no_wrap=True)
    table.add_column("", no_wrap=True)
    for r, turn in zip(frame.itertuples(index=False), turns, strict=True):
        table.add_row(
            escape(r.document),
            turn,
            escape(_fit(r.left, side, from_left=True)),
            escape(r.match),
            escape(_fit(r.right, side, from_left=False)),
        )
    return table
