"""``casecode matrix``, ``cooccur``, ``query``, ``kwic`` and ``export codings``: the tables of a
thesis chapter, and the quotes behind them."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from casecode.analysis.frames import code_matrix, cooccurrence
from casecode.analysis.frames import export_codings as export
from casecode.analysis.frames import kwic as find
from casecode.analysis.frames import query as run_query
from casecode.cli.common import JsonOpt, ProjectOpt, err, errors, out, print_json

CoderOpt = Annotated[
    str | None, typer.Option("--coder", help="Only this coder's codings (default: everyone's).")
]
StatusOpt = Annotated[
    str,
    typer.Option(
        "--status",
        help="Which codings count: all (accepted and open suggestions), accepted, suggested, "
        "rejected.",
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
LevelOpt = Annotated[
    int | None,
    typer.Option("--level", help="Roll codings up to their codes at this level (default 1)."),
]
CodesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--codes",
        help="Columns: these codes (ids, prefixes or labels), each with its "
        "subtree; with --level, their descendants at that level. Repeat or use commas.",
    ),
]
LangOpt = Annotated[
    str | None, typer.Option("--lang", help="Code labels in zh or en (default: the interviews').")
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Also write the table: .csv, .xlsx, .dta or .parquet."),
]


def _number(value: Any, share: bool, fraction: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if share:
        return f"{value * 100 if fraction else value:.1f}%"
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else str(int(value))
    return str(value)


def _matrix_tables(frame, title: str, *, share: bool, width: int) -> list[Table]:
    """A frame as rich tables, code ids over their labels, totals set apart, zeros dimmed.

    A frame too wide for the terminal is split into blocks of columns that fit (each repeating
    the row names), so no number is ever cut.
    """
    from rich.cells import cell_len

    labels = frame.attrs.get("labels", {})
    fraction = frame.attrs.get("measure") == "coverage"
    shown = [[_number(v, share, fraction) for v in row] for row in frame.itertuples(index=False)]
    names = [str(n) for n in frame.index]
    name_width = min(28, max([cell_len(str(frame.index.name or "")), *map(cell_len, names)]))
    widths = []
    for j, column in enumerate(frame.columns):
        short = str(column).rsplit(".", 1)[-1]  # the full ids are in --json and --out files
        values = max((cell_len(row[j]) for row in shown), default=1)
        widths.append(max(values, 5, min(cell_len(short), 10)))
    blocks: list[list[int]] = [[]]
    used = name_width + 4
    for j, w in enumerate(widths):
        if blocks[-1] and used + w + 2 > width:
            blocks.append([])
            used = name_width + 4
        blocks[-1].append(j)
        used += w + 2
    totals = frame.attrs.get("totals", False)
    tables = []
    for b, block in enumerate(blocks):
        part = f" ({b + 1}/{len(blocks)})" if len(blocks) > 1 else ""
        table = Table(title=title + part, box=box.SIMPLE_HEAD, title_justify="left")
        table.add_column(
            escape(str(frame.index.name or "")),
            no_wrap=True,
            overflow="ellipsis",
            width=name_width,
        )
        for j in block:
            column = frame.columns[j]
            short = str(column).rsplit(".", 1)[-1]
            label = labels.get(column, "")
            head = f"{escape(short)}\n[dim]{escape(label)}[/]" if label else escape(short)
            table.add_column(head, justify="right", overflow="fold", width=widths[j])
        for i, name in enumerate(names):
            last = totals and i == len(names) - 1
            cells = []
            for j in block:
                value = frame.iat[i, j]
                style = "bold" if last else ("dim" if not value or value != value else "")
                cells.append(Text(shown[i][j] or "—", style=style))
            table.add_row(
                Text(name, style="bold" if last else ""),
                *cells,
                end_section=(totals and i == len(names) - 2),
            )
        tables.append(table)
    return tables


def _warn(frame) -> None:
    for w in frame.attrs.get("warnings", []):
        err.print(f"[yellow]warning:[/] {escape(w)}")


def _wrote(path: Path | None) -> None:
    if path is not None:
        out.print(f"Wrote {escape(str(path))}")


def _matrix_json(frame, totals: bool) -> dict[str, Any]:
    inner = frame.iloc[:-1, :-1] if totals else frame
    data: dict[str, Any] = {
        "rows": [str(r) for r in inner.index],
        "columns": [str(c) for c in inner.columns],
        "values": [[_plain(v) for v in row] for row in inner.itertuples(index=False)],
    }
    if totals:
        data["row_totals"] = [_plain(v) for v in frame.iloc[:-1, -1]]
        data["column_totals"] = [_plain(v) for v in frame.iloc[-1, :-1]]
        data["total"] = _plain(frame.iloc[-1, -1])
    data.update({k: frame.attrs[k] for k in ("measure", "percent", "warnings") if k in frame.attrs})
    data["labels"] = {c: frame.attrs.get("labels", {}).get(c, "") for c in data["columns"]}
    return data


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None  # JSON has no NaN: an undefined value is null
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _fit(text: str, width: int, *, from_left: bool) -> str:
    """``text`` cut to ``width`` terminal cells, keeping the end nearest the keyword."""
    from rich.cells import cell_len

    while cell_len(text) > width:
        text = text[1:] if from_left else text[:-1]
    return text


def _records(frame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]


def matrix_cli(
    rows: Annotated[
        str,
        typer.Option(
            "--rows", help="document, case, speaker, or an attribute (role, village, ...)."
        ),
    ] = "case",
    level: LevelOpt = None,
    codes: CodesOpt = None,
    measure: Annotated[
        str, typer.Option("--measure", help="count, presence, segments or coverage.")
    ] = "count",
    percent: Annotated[
        str | None, typer.Option("--percent", help="Show cells as % of the row or column.")
    ] = None,
    coder: CoderOpt = None,
    status: StatusOpt = "all",
    where: WhereOpt = None,
    lang: LangOpt = None,
    out_file: OutOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A rows × codes matrix with totals: codings, presence, turns or coverage."""

    with errors():
        frame = code_matrix(
            project,
            rows=rows,
            level=level,
            codes=codes,
            measure=measure,
            percent=percent,
            coder=coder,
            status=status,
            where=where,
            lang=lang,
            totals=True,
            out=out_file,
        )
    _warn(frame)
    if as_json:
        print_json(_matrix_json(frame, totals=True))
        return
    what = {
        "count": "codings",
        "presence": "presence (1 = coded)",
        "segments": "coded turns",
        "coverage": "share of characters coded",
    }[measure]
    if percent:
        what += f", % of {percent} total"
    title = f"{rows} × code: {what}"
    share = bool(percent) or measure == "coverage"
    for table in _matrix_tables(frame, title, share=share, width=out.width):
        out.print(table)
    _wrote(out_file)


def cooccur_cli(
    level: LevelOpt = None,
    codes: CodesOpt = None,
    unit: Annotated[
        str, typer.Option("--unit", help="Codes co-occur in one turn or one document.")
    ] = "turn",
    measure: Annotated[
        str, typer.Option("--measure", help="count (units with both) or jaccard.")
    ] = "count",
    coder: CoderOpt = None,
    status: StatusOpt = "all",
    where: WhereOpt = None,
    lang: LangOpt = None,
    out_file: OutOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Code × code co-occurrence: units holding both codes, or their Jaccard index."""

    with errors():
        frame = cooccurrence(
            project,
            level=level,
            codes=codes,
            unit=unit,
            measure=measure,
            coder=coder,
            status=status,
            where=where,
            lang=lang,
            out=out_file,
        )
    _warn(frame)
    if as_json:
        data = _matrix_json(frame, totals=False)
        data.update(unit=unit, units=frame.attrs["units"])
        print_json(data)
        return
    what = f"{unit}s with both codes" if measure == "count" else "Jaccard index"
    for table in _matrix_tables(frame, f"code × code ({what})", share=False, width=out.width):
        out.print(table)
    out.print(f"[dim]{frame.attrs['units']} {unit}(s) have at least one of these codes.[/]")
    _wrote(out_file)


def query_cli(
    expr: Annotated[
        str,
        typer.Argument(
            help="e.g. 'problems.unclear_responsibilities AND actors.village_committee', "
            "OR, NOT, ( ), NEAR/2 (within 2 turns), role = 老年协会会长."
        ),
    ],
    context: Annotated[
        int, typer.Option("--context", help="Also show N turns before and after.")
    ] = 0,
    coder: CoderOpt = None,
    status: StatusOpt = "all",
    where: WhereOpt = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the quotes: .csv or .xlsx.")
    ] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The turns that answer a Boolean query over codes and attributes, as quotes."""

    with errors():
        frame = run_query(
            project,
            expr,
            context=context,
            coder=coder,
            status=status,
            where=where,
            out=out_file,
        )
    _warn(frame)
    if as_json:
        print_json(
            {
                "query": expr,
                "turns": len(frame),
                "documents": frame.attrs["documents"],
                "matches": _records(frame),
            }
        )
        return
    for r in frame.itertuples(index=False):
        where_from = f"{r.document} · {r.case} · turn {r.turn}"
        out.print(f"[bold cyan]{escape(where_from)}[/]  [dim]{escape(r.codes)}[/]")
        if context and r.before:
            out.print(Text(r.before, style="dim"))
        speaker = f"[bold]{escape(r.speaker)}[/]：" if r.speaker else ""
        out.print(f"{speaker}{escape(r.text)}", soft_wrap=True)
        if context and r.after:
            out.print(Text(r.after, style="dim"))
        out.print()
    n, docs = len(frame), frame.attrs["documents"]
    out.print(f"{n} turn(s) in {docs} document(s) match [bold]{escape(expr)}[/]")
    _wrote(out_file)


def kwic_cli(
    word: Annotated[str, typer.Argument(help="A word or phrase.")],
    width: Annotated[int, typer.Option("--width", help="Characters of context on each side.")] = 20,
    substring: Annotated[
        bool,
        typer.Option(
            "--substring", help="Match anywhere in the text, not only on word boundaries."
        ),
    ] = False,
    docs: Annotated[
        list[str] | None, typer.Option("--docs", help="Only these documents (ids or names).")
    ] = None,
    out_file: OutOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Keyword in context across the corpus, on jieba / spaCy word boundaries."""

    with errors():
        frame = find(project, word, width=width, substring=substring, docs=docs, out=out_file)
    if as_json:
        print_json({"word": word, "hits": len(frame), "occurrences": _records(frame)})
        return
    from rich.cells import cell_len

    name_width = min(24, max([len("document"), *(cell_len(d) for d in frame["document"])]))
    word_width = max([4, *(cell_len(m) for m in frame["match"])])
    side = max(8, (out.width - name_width - word_width - 22) // 2)
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("document", no_wrap=True, overflow="ellipsis", max_width=name_width)
    table.add_column("turn", justify="right", no_wrap=True, min_width=4)
    table.add_column("", justify="right", no_wrap=True)
    table.add_column("", style="bold yellow", no_wrap=True)
    table.add_column("", no_wrap=True)
    for r in frame.itertuples(index=False):
        table.add_row(
            escape(r.document),
            "" if r.turn is None else str(r.turn),
            escape(_fit(r.left, side, from_left=True)),
            escape(r.match),
            escape(_fit(r.right, side, from_left=False)),
        )
    if len(frame):
        out.print(table)
    how = "as text" if substring else "as a word"
    out.print(f"{len(frame)} occurrence(s) of [bold]{escape(word)}[/] ({how})")
    if not len(frame) and not substring:
        out.print("[dim]--substring also finds it inside longer words.[/]")
    _wrote(out_file)


def export_codings_cli(
    out_file: Annotated[
        Path,
        typer.Option("--out", "-o", help="The file: .csv, .xlsx, .dta or .parquet."),
    ],
    coder: CoderOpt = None,
    status: StatusOpt = "all",
    where: WhereOpt = None,
    lang: LangOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every coding, one row each, with its document, case, attributes, turn, speaker,
    span, text, code, coder and status (tidy long format)."""

    with errors():
        frame = export(project, out_file, coder=coder, status=status, where=where, lang=lang)
    _warn(frame)
    if as_json:
        print_json({"file": str(out_file), "codings": len(frame), "columns": list(frame.columns)})
        return
    out.print(f"Wrote {len(frame)} coding(s) to {escape(str(out_file))}")
