"""``casecode agree``, ``evaluate``, ``suggest`` and ``merge``: how reliable the coding is, how
good the rules are, and what to add to them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.cells import cell_len
from rich.markup import escape
from rich.table import Table

from .cli_common import JsonOpt, ProjectOpt, _errors, _print_json, err, out

LevelOpt = Annotated[
    int | None, typer.Option("--level", help="Roll codes up to their level-N ancestor (1 = top).")
]
CodesOpt = Annotated[
    list[str] | None,
    typer.Option("--codes", help="Only these codes (ids, prefixes or labels; repeat or comma)."),
]
DocsOpt = Annotated[
    list[str] | None,
    typer.Option("--docs", help="Only these documents, as read by every coder."),
]


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return f"{value:,}"


def register(app: typer.Typer) -> None:
    @app.command("agree")
    def agree(
        coder: Annotated[
            list[str], typer.Option("--coder", help="A coder to compare (at least two).")
        ],
        level: LevelOpt = None,
        codes: CodesOpt = None,
        unit: Annotated[
            str, typer.Option("--unit", help="turn, sentence or character (weighs by length).")
        ] = "turn",
        docs: DocsOpt = None,
        coded_only: Annotated[
            bool,
            typer.Option(
                "--coded-only", help="Leave out units no coder coded (not the usual figure)."
            ),
        ] = False,
        disagreements: Annotated[
            bool,
            typer.Option("--disagreements", help="List every unit where the coders differ."),
        ] = False,
        out_file: Annotated[
            Path | None,
            typer.Option("--out", help="Write the disagreements to this .xlsx or .csv."),
        ] = None,
        force: Annotated[bool, typer.Option("--force", help="Overwrite --out.")] = False,
        project: ProjectOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Inter-coder agreement per code and overall: percent agreement, Cohen's and Fleiss'
        kappa, Krippendorff's alpha."""
        from .reliability_ops import agreement, write_disagreements

        with _errors():
            result = agreement(
                project,
                coder,
                level=level,
                codes=codes,
                unit=unit,
                docs=docs,
                coded_only=coded_only,
                disagreements=disagreements or out_file is not None,
            )
            written = write_disagreements(result, out_file, force=force) if out_file else None
        if as_json:
            if written is not None:
                result["file"] = str(written)
            _print_json(result)
            return
        _render_agreement(result)
        if disagreements and out_file is None:
            _render_disagreements(result)
        if written is not None:
            out.print(
                f"Wrote {len(result['disagreements'])} disagreement(s) to {escape(str(written))}."
            )

    @app.command("evaluate")
    def evaluate_(
        gold: Annotated[str, typer.Option("--gold", help="The coder taken as right.")],
        test: Annotated[str, typer.Option("--test", help="The coder to score.")] = "auto",
        level: LevelOpt = None,
        codes: CodesOpt = None,
        docs: DocsOpt = None,
        top: Annotated[int, typer.Option("--top", help="How many rules and turns to list.")] = 10,
        project: ProjectOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Precision, recall and F1 per code of one coder (the rules) against another (gold)."""
        from .reliability_ops import evaluate

        with _errors():
            result = evaluate(project, gold, test, level=level, codes=codes, docs=docs, top=top)
        if as_json:
            _print_json(result)
            return
        _render_evaluation(result)

    @app.command("suggest")
    def suggest(
        code: Annotated[str, typer.Argument(help="Code id, unique prefix or label.")],
        top: Annotated[int, typer.Option("--top", help="How many candidates.")] = 20,
        coder: Annotated[
            list[str] | None,
            typer.Option("--coder", help="Only these people's codings (default: everyone's)."),
        ] = None,
        project: ProjectOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Candidate keywords for a code, from the turns people coded with it."""
        from .reliability_ops import suggest_keywords

        with _errors():
            result = suggest_keywords(project, code, top=top, coders=coder)
        if as_json:
            _print_json(result)
            return
        _render_suggestions(result)

    @app.command("merge")
    def merge(
        from_: Annotated[
            list[str], typer.Option("--from", help="A coder to merge (at least two).")
        ],
        into: Annotated[str, typer.Option("--into", help="The new coder, e.g. consensus.")],
        rule: Annotated[
            str,
            typer.Option("--rule", help="union: coded by any; intersection: coded by all."),
        ] = "union",
        replace: Annotated[
            bool,
            typer.Option("--replace", help="Remove the --into coder's manual codings first."),
        ] = False,
        project: ProjectOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Make a coder (e.g. consensus) from others' codings; nobody's codings are removed."""
        from .reliability_ops import merge_coders

        with _errors():
            result = merge_coders(project, from_, into, rule=rule, replace=replace)
        if as_json:
            _print_json(result)
            return
        replaced = f" (replacing {result['replaced']})" if result["replaced"] else ""
        out.print(
            f"{escape(result['into'])}: {result['codings']} coding(s) in {result['documents']} "
            f"document(s), the {result['rule']} of {escape(', '.join(result['from']))}{replaced}."
        )


STAT_HEADERS = ("agree\n%", "Cohen\nκ", "Fleiss\nκ", "Kripp.\nα")
CODE_MIN_WIDTH = 20  # narrower, and the coder columns go to a table of their own


def _needed(header: str, cells: list[str]) -> int:
    """The cells a number column takes: its widest line, and padding and divider."""
    return max(cell_len(x) for x in (*header.split("\n"), *cells)) + 3


def _number_table(title: str | None, first: str, headers: list[str], rows, widths) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column(first, overflow="fold", ratio=1)
    for header, width in zip(headers, widths, strict=True):
        table.add_column(escape(header), justify="right", no_wrap=True, min_width=width - 3)
    for label, cells in rows:
        if label is None:
            table.add_section()
        else:
            table.add_row(label, *cells)
    return table


def _render_agreement(result: dict[str, Any]) -> None:
    coders = result["coders"]
    o = result["overall"]
    unit = result["unit"]
    what = "characters" if unit == "character" else f"{unit}s"
    level = f", level {result['level']}" if result["level"] else ""
    out.print(
        f"[bold]Agreement of {escape(', '.join(coders))}[/] on {len(result['codes'])} code(s) "
        f"in {result['documents']} document(s) ({result['basis']}{level})"
    )
    two = len(coders) == 2

    def stats(f: dict[str, Any]) -> list[str]:
        pa = f["percent_agreement"]
        return [
            "—" if pa is None else f"{100 * pa:.1f}",
            _num(f["cohen_kappa"]) if two else "—",
            _num(f["fleiss_kappa"]),
            _num(f["krippendorff_alpha"]),
        ]

    names = [escape(c) for c in result["codes"]]
    figures = [stats(f) for f in result["codes"].values()]
    counts = [[_num(f["coded"][c]) for c in coders] for f in result["codes"].values()]
    overall = "[bold]overall[/]"
    stat_widths = [
        _needed(h, [r[i] for r in [*figures, stats(o)]]) for i, h in enumerate(STAT_HEADERS)
    ]
    coder_widths = [_needed(c, [r[i] for r in counts]) for i, c in enumerate(coders)]
    widest = max((cell_len(c) for c in result["codes"]), default=7)
    room = out.width - 1 - sum(stat_widths) - sum(coder_widths) - 3
    inline = room >= min(widest, CODE_MIN_WIDTH)
    rows = [(n, f + (c if inline else [])) for n, f, c in zip(names, figures, counts, strict=True)]
    rows += [(None, []), (overall, stats(o) + ([""] * len(coders) if inline else []))]
    headers = [*STAT_HEADERS, *(coders if inline else [])]
    widths = stat_widths + (coder_widths if inline else [])
    out.print(_number_table(None, "code", headers, rows, widths))
    if not result["codes"]:
        err.print("[yellow]warning:[/] no code was applied by these coders on these units")
    elif not inline:
        per_coder = [(n, c) for n, c in zip(names, counts, strict=True)]
        out.print(
            _number_table(
                f"{what.capitalize()} each coder coded with the code",
                "code",
                coders,
                per_coder,
                coder_widths,
            )
        )
    out.print(_units_note(result, what), soft_wrap=False)
    out.print(
        "[dim]Each code is present/absent per unit; overall pools every (unit, code) judgement"
        + (f"; coder columns: {what} each coder coded with the code" if inline else "")
        + "; — : undefined (no variation) or not applicable.[/]"
    )


def _units_note(result: dict[str, Any], what: str) -> str:
    o = result["overall"]
    n = len(result["coders"])
    if n == 2:
        return f"Units: {o['units']:,} {what} both coders coded, for every figure."
    return (
        f"Units: {o['units']:,} {what} coded by two or more of the coders for agree % and "
        f"Kripp. α; {o['complete_units']:,} of them coded by all {n} for Fleiss κ. "
        "Cohen κ is for two coders only."
    )


def _render_disagreements(result: dict[str, Any]) -> None:
    rows = result["disagreements"]
    if not rows:
        out.print("No disagreements.")
        return
    coders = result["coders"]
    by_code: dict[str, list[dict[str, Any]]] = {}
    for d in rows:
        by_code.setdefault(d["code"], []).append(d)
    out.print(f"[bold]{len(rows)} disagreement(s)[/] on {len(by_code)} code(s)")
    doc_width = min(max(cell_len(d["document"]) for d in rows), 30)
    turn_width = max(4, *(len(str(d["turn"])) for d in rows))
    mark = {True: "✓", False: "·", None: "n/a"}
    for code, found in sorted(by_code.items()):
        label = f" {escape(found[0]['label'])}" if found[0]["label"] else ""
        table = Table(
            title=f"[bold]{escape(code)}[/]{label} ({len(found)})",
            title_justify="left",
            box=None,
            padding=(0, 1),
            pad_edge=True,
            expand=True,
            header_style="dim",
        )
        table.add_column("document", no_wrap=True, overflow="ellipsis", width=doc_width)
        table.add_column("turn", justify="right", no_wrap=True, width=turn_width)
        for c in coders:
            table.add_column(escape(c), justify="center", no_wrap=True, width=max(len(c), 3))
        table.add_column("text", no_wrap=True, overflow="ellipsis", ratio=1)
        for d in found:
            table.add_row(
                escape(d["document"]),
                str(d["turn"]),
                *(mark[d["coders"][c]] for c in coders),
                escape(" ".join(d["text"].split())),
            )
        out.print(table)
    out.print(
        "[dim]✓ coded, · not coded, n/a: the coder did not code the document. Each text is cut "
        "to one line: `--out FILE.xlsx` writes them in full, with a decision column.[/]"
    )


def _render_evaluation(result: dict[str, Any]) -> None:
    title = (
        f"{result['test']} against {result['gold']} on {result['units']:,} turns of "
        f"{result['documents']} document(s)"
        + (f", level {result['level']}" if result["level"] else "")
    )
    rows: list = [
        (
            escape(code),
            [
                _num(f["precision"], 2),
                _num(f["recall"], 2),
                _num(f["f1"], 2),
                _num(f["support"]),
                _num(f["tp"]),
                _num(f["fp"]),
                _num(f["fn"]),
            ],
        )
        for code, f in result["codes"].items()
    ]
    rows.append((None, []))
    for name in ("micro", "macro"):
        f = result[name]
        rows.append(
            (
                f"[bold]{name}[/]",
                [_num(f["precision"], 2), _num(f["recall"], 2), _num(f["f1"], 2)]
                + [_num(f["support"]), "", "", ""],
            )
        )
    headers = ["precision", "recall", "F1", "support", "TP", "FP", "FN"]
    widths = [_needed(h, [r[1][i] for r in rows if r[0]]) for i, h in enumerate(headers)]
    out.print(f"[bold]{escape(title)}[/]")
    table = _number_table(None, "code", headers, rows, widths)
    out.print(table)
    if result["false_positive_rules"]:
        out.print("[bold]Rules behind most false positives[/]")
        for r in result["false_positive_rules"]:
            out.print(f"  {r['false_positives']:>4}  {escape(r['rule'])} → {escape(r['code'])}")
    if result["missed_turns"]:
        out.print("[bold]Gold turns most often missed[/]")
        for m in result["missed_turns"]:
            words = m["text"] if len(m["text"]) <= 60 else m["text"][:59] + "…"
            out.print(
                f"  {escape(m['document'])} turn {m['turn']}: {escape(', '.join(m['missed']))}"
                f" [dim]— {escape(words)}[/]",
                soft_wrap=True,
            )
    for note in result["notes"]:
        err.print(f"[yellow]note:[/] {escape(note)}")


def _render_suggestions(result: dict[str, Any]) -> None:
    coded, others = result["coded_turns"], result["other_turns"]
    out.print(
        f"[bold]{escape(result['code'])}[/] {escape(result['label'])}: "
        f"{coded} coded turns against {others} others"
    )
    if not result["terms"]:
        out.print(
            "No word stands out yet: a candidate must occur in at least two coded turns "
            "and more often there than elsewhere."
        )
        return
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("term")
    for col in ("z", "coded turns", "occurrences", "elsewhere"):
        table.add_column(col, justify="right", no_wrap=True)
    for t in result["terms"]:
        table.add_row(
            escape(t["term"]), f"{t['z']:.2f}", str(t["turns"]), str(t["count"]), str(t["other"])
        )
    out.print(table)
    out.print(
        f"[dim]coded turns: how many of the {coded} coded turns have the term; occurrences: how "
        f"often it occurs in them; elsewhere: how often in the {others} other turns.[/]"
    )
    min_z = f"{result['min_z']:.2f}"
    if not result["yaml"]:
        out.print(f"No candidate has z ≥ {min_z} yet, so there is nothing to paste.")
        return
    out.print(
        f"[dim]# the candidates with z ≥ {min_z}; paste into the rules after reading each:[/]"
    )
    out.print(escape(result["yaml"].rstrip()), soft_wrap=True)
