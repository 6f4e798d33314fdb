"""``casecode matrix``, ``cooccur``, ``query``, ``kwic`` and ``export codings``: the tables of a
thesis chapter, and the quotes behind them."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.text import Text

from casecode.analysis.frames import code_matrix, cooccurrence
from casecode.analysis.frames import export_codings as export
from casecode.analysis.frames import kwic as find
from casecode.analysis.frames import query as run_query
from casecode.cli.common import (
    CoderOpt,
    CodesOpt,
    ContextOpt,
    DocsOpt,
    ForceOpt,
    JsonOpt,
    LangOpt,
    LevelOpt,
    MeasureOpt,
    OutFileOpt,
    OutOpt,
    PercentOpt,
    PrintOpt,
    ProjectOpt,
    PseudonymsOpt,
    QueryArg,
    RowsOpt,
    StatusOpt,
    SubstringOpt,
    UnitOpt,
    WhereOpt,
    WidthOpt,
    WordArg,
    errors,
    out,
    print_json,
    print_warnings,
)
from casecode.cli.render import kwic_table, matrix_tables


def _warn(frame) -> None:
    print_warnings(frame.attrs.get("warnings", []))


def _wrote(path: Path | None) -> None:
    if path is not None:
        out.print(f"Wrote {escape(str(path))}")


def _shown(path: Path | None, also_print: bool) -> bool:
    """Whether to print the table: always without --out; with it, only when --print asks."""
    return path is None or also_print


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
    keys = ("measure", "percent", "counted", "definition", "warnings")
    data.update({k: frame.attrs[k] for k in keys if k in frame.attrs})
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


def _records(frame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]


def matrix_cli(
    rows: RowsOpt = "case",
    level: LevelOpt = None,
    codes: CodesOpt = None,
    measure: MeasureOpt = "segments",
    percent: PercentOpt = None,
    coder: CoderOpt = None,
    status: StatusOpt = "auto",
    where: WhereOpt = None,
    lang: LangOpt = None,
    out_file: OutOpt = None,
    force: ForceOpt = False,
    also_print: PrintOpt = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A rows × codes matrix with totals: coded turns, codings, presence or coverage.

    Columns: the codes at --level (default 1), or --codes, each with its subtree (with --level,
    their descendants at that level). Cells count coded turns by default (the count the report
    and run use: a turn once however many codings it has), of accepted codings, or of open
    suggestions while none is accepted (--status). The codings of everyone, or of --coder.
    --out writes the table as .csv, .xlsx, .dta or .parquet."""

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
            force=force,
        )
    _warn(frame)
    if as_json:
        print_json(_with_file(_matrix_json(frame, totals=True), out_file))
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
    if _shown(out_file, also_print):
        for table in matrix_tables(frame, title, share=share):
            out.print(table)
        out.print(f"[dim]{_counted(frame)}[/]")
    _wrote(out_file)


def _with_file(data: dict, out_file) -> dict:
    """``data`` with the file --out wrote, as ``file``, when it wrote one."""
    return {**data, "file": str(out_file)} if out_file else data


def _counted(frame) -> str:
    """The line under a table naming which codings it counts."""
    statuses = frame.attrs.get("counted", ())
    if tuple(statuses) == ("suggested",):
        which = "open suggestions (nothing is accepted yet)"
    else:
        which = " and ".join(statuses) + " codings"
    return f"Counted: {which}. Cells: {frame.attrs.get('definition', '')}."


def cooccur_cli(
    level: LevelOpt = None,
    codes: CodesOpt = None,
    unit: UnitOpt = "turn",
    measure: MeasureOpt = "count",
    coder: CoderOpt = None,
    status: StatusOpt = "auto",
    where: WhereOpt = None,
    lang: LangOpt = None,
    out_file: OutOpt = None,
    force: ForceOpt = False,
    also_print: PrintOpt = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Code × code co-occurrence: units holding both codes, or their Jaccard index.

    Codes co-occur in one turn or one document (--unit); --measure count (units with both) or
    jaccard. Codes as for matrix (--level, --codes); the codings of everyone, or of --coder."""

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
            force=force,
        )
    _warn(frame)
    if as_json:
        data = _matrix_json(frame, totals=False)
        data.update(unit=unit, units=frame.attrs["units"])
        print_json(_with_file(data, out_file))
        return
    what = f"{unit}s with both codes" if measure == "count" else "Jaccard index"
    if _shown(out_file, also_print):
        for table in matrix_tables(frame, f"code × code ({what})", share=False):
            out.print(table)
        out.print(f"[dim]{frame.attrs['units']} {unit}(s) have at least one of these codes.[/]")
        out.print(f"[dim]{_counted(frame)}[/]")
    _wrote(out_file)


def query_cli(
    expr: QueryArg,
    context: ContextOpt = 0,
    coder: CoderOpt = None,
    status: StatusOpt = "all",
    where: WhereOpt = None,
    out_file: OutOpt = None,
    force: ForceOpt = False,
    also_print: PrintOpt = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The turns that answer a Boolean query over codes and attributes, as quotes.

    The codings of everyone, or of --coder. --out writes the quotes as .csv or .xlsx (or .dta,
    .parquet)."""

    with errors():
        frame = run_query(
            project,
            expr,
            context=context,
            coder=coder,
            status=status,
            where=where,
            out=out_file,
            force=force,
        )
    _warn(frame)
    if as_json:
        data = {
            "query": expr,
            "turns": len(frame),
            "documents": frame.attrs["documents"],
            "matches": _records(frame),
        }
        print_json(_with_file(data, out_file))
        return
    if not _shown(out_file, also_print):
        _wrote(out_file)
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
    word: WordArg,
    width: WidthOpt = 20,
    substring: SubstringOpt = False,
    docs: DocsOpt = None,
    out_file: OutOpt = None,
    force: ForceOpt = False,
    also_print: PrintOpt = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Keyword in context across the corpus, on jieba / spaCy word boundaries.

    In every document, or only in --docs. --out writes the table as .csv, .xlsx, .dta or
    .parquet."""

    with errors():
        frame = find(
            project,
            word,
            width=width,
            substring=substring,
            docs=docs,
            out=out_file,
            force=force,
        )
    if as_json:
        data = {"word": word, "hits": len(frame), "occurrences": _records(frame)}
        print_json(_with_file(data, out_file))
        return
    if not _shown(out_file, also_print):
        _wrote(out_file)
        return
    if len(frame):
        out.print(kwic_table(frame))
    how = "as text" if substring else "as a word"
    out.print(f"{len(frame)} occurrence(s) of [bold]{escape(word)}[/] ({how})")
    if not len(frame) and not substring:
        out.print("[dim]--substring also finds it inside longer words.[/]")
    _wrote(out_file)


def export_codings_cli(
    out_file: OutFileOpt,
    coder: CoderOpt = None,
    status: StatusOpt = "all",
    where: WhereOpt = None,
    lang: LangOpt = None,
    force: ForceOpt = False,
    pseudonyms: PseudonymsOpt = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every coding, one row each, with its document, case, attributes, turn, speaker,
    span, text, code, coder and status (tidy long format).

    --out names the file: .csv, .xlsx, .dta or .parquet. The codings of everyone, or of
    --coder."""

    with errors():
        frame = export(
            project,
            out_file,
            coder=coder,
            status=status,
            where=where,
            lang=lang,
            force=force,
            pseudonyms=pseudonyms,
        )
    _warn(frame)
    if as_json:
        print_json({"file": str(out_file), "codings": len(frame), "columns": list(frame.columns)})
        return
    out.print(f"Wrote {len(frame)} coding(s) to {escape(str(out_file))}")
