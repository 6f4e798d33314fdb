"""``casecode tag``, ``untag``, ``coders``, ``history``, ``review``, ``memo``, ``sheet``, and
``agree``, ``evaluate``, ``suggest``, ``merge``: people's coding and how reliable it is."""

from __future__ import annotations

import sys
from typing import Any

import typer
from rich.cells import cell_len
from rich.markup import escape
from rich.table import Table

from casecode.cli.common import (
    AcceptOpt,
    AsOpt,
    AuthorOpt,
    CodeArg,
    CodedOnlyOpt,
    CoderOpt,
    CodersOpt,
    CodesArg,
    CodesOpt,
    CodingOpt,
    DecidedOpt,
    DisagreementsOpt,
    DocArg,
    DocsOpt,
    DryRunOpt,
    EncodingOpt,
    ForceOpt,
    FromOpt,
    GoldOpt,
    IntoOpt,
    JsonOpt,
    LayoutOpt,
    LevelOpt,
    MaxConfidenceOpt,
    MemoOpt,
    MemoTextArg,
    MinConfidenceFilterOpt,
    MinDecisionsOpt,
    NewCodeArg,
    NewNameArg,
    OfOpt,
    OldCodeArg,
    OrderOpt,
    OutOpt,
    PlainOpt,
    ProjectOpt,
    PseudonymsOpt,
    QuoteOpt,
    RejectOpt,
    ReplaceOpt,
    RuleOpt,
    RulesOpt,
    SheetArg,
    SheetOutArg,
    SkipErrorsOpt,
    SpanOpt,
    TestOpt,
    ThresholdOpt,
    TopOpt,
    TurnArg,
    UnitOpt,
    err,
    errors,
    out,
    print_json,
)
from casecode.cli.render import NAME, WORDS, Col, grid
from casecode.cli.reviewer import run_reviewer
from casecode.errors import CasecodeError
from casecode.review.agreement import agreement, evaluate, merge_coders, write_disagreements
from casecode.review.coders import coders as list_coders
from casecode.review.coders import default_coder
from casecode.review.editing import merge_code, remove_document, rename_code, rename_document
from casecode.review.memos import add_memo, list_memos
from casecode.review.queue import bulk_decide, decide, review_queue
from casecode.review.rules import rule_records
from casecode.review.sheets import export_sheet, import_sheet
from casecode.review.suggest import suggest_keywords
from casecode.review.tagging import history as turn_history
from casecode.review.tagging import tag as tag_turn
from casecode.review.tagging import untag as untag_turn
from casecode.review.undo import undo


def tag_cli(
    doc: DocArg,
    turn: TurnArg,
    codes: CodesArg,
    span: SpanOpt = None,
    quote: QuoteOpt = None,
    coder: CoderOpt = None,
    memo: MemoOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Code a turn (or part of it) by hand.

    The whole turn, or the characters at --span, or the words of --quote; as --coder (default:
    $CASECODE_CODER, else your login name)."""

    with errors():
        made = tag_turn(project, doc, turn, codes, span=span, quote=quote, coder=coder, memo=memo)
    if as_json:
        print_json(made)
        return
    for m in made:
        what = f"coded (coding {m['id']})" if m["new"] else "already coded"
        words = m["text"] if len(m["text"]) <= 40 else m["text"][:39] + "…"
        out.print(
            f"{what}: {escape(m['document'])} turn {m['turn']} [bold]{escape(m['code'])}[/] "
            f"by {escape(m['coder'])} — {escape(words)}",
            soft_wrap=True,
        )


def untag_cli(
    doc: DocArg,
    turn: TurnArg,
    code: CodeArg,
    span: SpanOpt = None,
    quote: QuoteOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Remove your manual coding of a code on a turn (all of them, or one passage).

    Only the coding at --span or of the words of --quote when given; yours as --coder (default:
    $CASECODE_CODER, else your login name)."""

    with errors():
        gone = untag_turn(project, doc, turn, code, coder=coder, span=span, quote=quote)
    if as_json:
        print_json(gone)
        return
    out.print(f"Removed {len(gone)} coding(s) of {escape(gone[0]['code'])} on turn {turn}.")


def coders_cli(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """Everyone (and every rule set) that has coded, with counts."""

    with errors():
        rows = list_coders(project)
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print("No codings yet.")
        return
    # the short headers stand in only where the full ones do not fit the terminal
    short = {"suggested": "sugg.", "accepted": "acc.", "rejected": "rej.", "imported": "imp."}
    short |= {"reviewed": "rev.", "documents": "docs"}
    counts = ("manual", "suggested", "accepted", "rejected", "imported", "reviewed", "documents")
    columns = [Col("coder", NAME), *(Col(c, short=short.get(c)) for c in counts)]
    out.print(grid(columns, [[escape(str(r[c.header] or 0)) for c in columns] for r in rows]))


def history_cli(
    doc: DocArg, turn: TurnArg, project: ProjectOpt = None, as_json: JsonOpt = False
) -> None:
    """Every coding decision on a turn, with coder and time."""

    with errors():
        result = turn_history(project, doc, turn)
    if as_json:
        print_json(result)
        return
    out.print(f"[bold]{escape(result['document'])}[/] turn {turn}")
    if not result["events"]:
        out.print("No coding decisions on this turn yet.")
    for e in result["events"]:
        detail = f" ({escape(e['detail'])})" if e["detail"] else ""
        detail += f" [dim]batch {e['batch']}[/]" if e["batch"] else ""
        out.print(
            f"{e['at']}  {escape(e['actor']):<10} {e['action']:<8} {escape(e['code'])} "
            f"[dim]@{e['start']}-{e['end']}[/]{detail}",
            soft_wrap=True,
        )
    now = ", ".join(f"{c['code']} ({c['status']}, {c['coder']})" for c in result["codings"])
    out.print(f"Now: {escape(now) or 'no codings'}", soft_wrap=True)


def review_cli(
    codes: CodesOpt = None,
    docs: DocsOpt = None,
    of: OfOpt = "auto",
    as_: AsOpt = None,
    decided_: DecidedOpt = False,
    rule: RulesOpt = None,
    min_confidence: MinConfidenceFilterOpt = None,
    max_confidence: MaxConfidenceOpt = None,
    order: OrderOpt = "document",
    plain: PlainOpt = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Accept, reject or change suggestions turn by turn; each decision is saved at once.

    In a terminal: a full-screen review (? lists its keys; u undoes). With --plain, or from a
    pipe: one suggestion at a time, one key a line: a accept, r reject, c change code, m memo,
    s skip, b back, u undo, q quit. Run it again to go on where you stopped. Only those of
    --codes, in --docs, of each --rule, between --min-confidence and --max-confidence, when
    given. --json lists them instead, deciding nothing.
    """

    with errors():
        queue = review_queue(
            project,
            codes=codes,
            docs=docs,
            of=of,
            decided=decided_,
            rules=rule,
            min_confidence=min_confidence,
            max_confidence=max_confidence,
            order=order,
        )
    if as_json:
        print_json(queue)
        return
    reviewer = (as_ or default_coder()).strip()
    if not queue:
        kind = "decided" if decided_ else "open"
        out.print(f"Nothing to review: no {kind} suggestions by {escape(of)}.")
        return
    if not plain and sys.stdin.isatty() and sys.stdout.isatty():
        with errors():
            summary = run_reviewer(
                project,
                queue,
                reviewer=reviewer,
                filters={
                    "codes": codes,
                    "docs": docs,
                    "of": of,
                    "decided": decided_,
                    "rules": rule,
                    "min_confidence": min_confidence,
                    "max_confidence": max_confidence,
                    "order": order,
                },
            )
        out.print(_review_summary(summary["decided"], summary["open"]))
        return
    _plain_review(project, queue, reviewer)


def _review_summary(done: int, still_open: int) -> str:
    return f"{done} decision(s) saved; {still_open} suggestion(s) still open" + (
        " — run review again to go on." if still_open else "."
    )


def _plain_review(project, queue: list[dict[str, Any]], reviewer: str) -> None:
    """One suggestion at a time, one key a line, each decision echoed."""
    status = {q["id"]: q["status"] for q in queue}  # as it is in the store now
    said: dict[int, str] = {}  # what was decided here, to show on coming back
    batches: list[tuple[int, bool]] = []  # this session's batches (decision or memo), to undo
    made = 0
    i = 0
    while 0 <= i < len(queue):
        item = queue[i]
        still_open = sum(1 for v in status.values() if v == "suggested")
        _show_item(
            item,
            i + 1,
            len(queue),
            len(queue) - still_open,
            still_open,
            said.get(item["id"])
            or (status[item["id"]] if status[item["id"]] != "suggested" else None),
        )
        key = _ask("[a]ccept [r]eject [c]hange [m]emo [s]kip [b]ack [u]ndo [q]uit > ")
        if key is None or key == "q":
            break
        with errors():
            if key == "a" or key == "r":
                result = decide(
                    project, item["id"], "accept" if key == "a" else "reject", reviewer=reviewer
                )
                status[item["id"]] = said[item["id"]] = result["status"]
                batches.append((result["batch"], True))
                made += 1
                out.print(f"{result['status']}: {_what(item)}", soft_wrap=True)
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
                    status[item["id"]] = "rejected"
                    said[item["id"]] = f"recoded as {target} (coding {result['new']})"
                    batches.append((result["batch"], True))
                    made += 1
                    out.print(
                        f"changed: {_what(item)} → {escape(result['code'])} "
                        f"(coding {result['new']})",
                        soft_wrap=True,
                    )
                    i += 1
            elif key == "m":
                text = _ask("memo > ")
                if text:
                    result = decide(project, item["id"], "memo", reviewer=reviewer, memo=text)
                    batches.append((result["batch"], False))
                    out.print(f"memo saved on coding {item['id']}")
            elif key == "s":
                out.print(f"skipped: {_what(item)}", soft_wrap=True)
                i += 1
            elif key == "b":
                i = max(i - 1, 0)
            elif key == "u":
                if not batches:
                    out.print("[yellow]nothing to undo in this review[/]")
                    continue
                batch, decision = batches[-1]
                try:
                    undone = undo(project, batch=batch, by=reviewer)
                except CasecodeError as exc:  # say why, and go on reviewing
                    err.print(f"[yellow]{escape(str(exc))}[/]")
                    continue
                batches.pop()
                back = next((k for k, q in enumerate(queue) if q["id"] in undone["codings"]), i)
                for q in queue:
                    if q["id"] in undone["codings"]:
                        status[q["id"]] = undone["codings"][q["id"]]
                        said.pop(q["id"], None)
                made -= decision
                out.print(f"undone: {escape(undone['summary'] or '')}", soft_wrap=True)
                i = back
            else:
                out.print("[yellow]?[/] a, r, c, m, s, b, u or q")
    out.print(_review_summary(made, sum(1 for v in status.values() if v == "suggested")))


def _what(item: dict[str, Any]) -> str:
    return (
        f"[bold]{escape(item['code'])}[/] on {escape(item['document'])} turn {item['turn']} "
        f"(coding {item['id']})"
    )


def decide_cli(
    accept: AcceptOpt = False,
    reject: RejectOpt = False,
    codes: CodesOpt = None,
    rule: RulesOpt = None,
    docs: DocsOpt = None,
    min_confidence: MinConfidenceFilterOpt = None,
    max_confidence: MaxConfidenceOpt = None,
    coder: CoderOpt = None,
    as_: AsOpt = None,
    dry_run: DryRunOpt = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Accept or reject every open suggestion the filters select, as one undoable batch.

    Give --accept or --reject; the suggestions of --coder (default: auto, the rules) of --codes,
    of each --rule, in --docs, between --min-confidence and --max-confidence. --dry-run lists
    what would change."""

    with errors():
        if accept == reject:
            raise CasecodeError("give --accept or --reject (one of them)")
        result = bulk_decide(
            project,
            "accept" if accept else "reject",
            codes=codes,
            rules=rule,
            docs=docs,
            min_confidence=min_confidence,
            max_confidence=max_confidence,
            of=coder or "auto",
            reviewer=as_,
            dry_run=dry_run,
        )
    if as_json:
        print_json(result)
        return
    if not result["count"]:
        out.print(f"No open suggestion of {escape(result['of'])} matches; nothing changed.")
        return
    if dry_run:
        columns = [Col("document", NAME), Col("turn"), Col("code", WORDS), Col("rule", WORDS)]
        columns += [Col("conf."), Col("text", WORDS)]
        rows = [
            [
                escape(c["document"]),
                str(c["turn"]),
                escape(c["code"]),
                escape(c["rule"] or ""),
                "—" if c["confidence"] is None else f"{c['confidence']:.2f}",
                escape(" ".join(c["text"].split())[:60]),
            ]
            for c in result["codings"]
        ]
        out.print(grid(columns, rows))
        out.print(
            f"Would {result['action']} {result['count']} suggestion(s) of "
            f"{escape(result['of'])} as {escape(result['reviewer'])}; nothing changed (dry run)."
        )
        return
    codes_note = ", ".join(f"{escape(k)} {v}" for k, v in result["by_code"].items())
    out.print(
        f"{result['status'].capitalize()} {result['count']} suggestion(s) of "
        f"{escape(result['of'])} as {escape(result['reviewer'])} ({codes_note}); "
        f"`casecode undo` reverts them.",
        soft_wrap=True,
    )


def undo_cli(
    dry_run: DryRunOpt = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Revert the last batch of decisions; nothing else is touched.

    A batch is one tag, untag, review decision, decide, memo, sheet import or merge, as history
    recorded it. Run it again to go further back."""

    with errors():
        result = undo(project, dry_run=dry_run)
    if as_json:
        print_json(result)
        return
    actions = ", ".join(f"{n} {a}" for a, n in result["actions"].items())
    verb = "Would undo" if dry_run else "Undid"
    out.print(
        f"{verb} batch {result['batch']} ({result['kind']}, by {escape(result['actor'])}, "
        f"{result['at']}): {escape(result['summary'] or '')} — {actions}.",
        soft_wrap=True,
    )


def rules_cli(
    codes: CodesOpt = None,
    threshold: ThresholdOpt = 0.6,
    min_decisions: MinDecisionsOpt = 5,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """How good each rule is, by people's review decisions: precision with a 95% interval.

    Per rule and per code: suggestions made, open, accepted, rejected, changed (to another
    code); precision = accepted / decided (Wilson interval). A rule with --min-decisions or more
    and precision below --threshold is flagged, with the words most often rejected."""

    with errors():
        result = rule_records(
            project, codes=codes, threshold=threshold, min_decisions=min_decisions
        )
    if as_json:
        print_json(result)
        return
    _render_rules(result)


def sheet_export_cli(
    file: SheetOutArg,
    docs: DocsOpt = None,
    level: LevelOpt = None,
    coder: CoderOpt = None,
    layout: LayoutOpt = "list",
    force: ForceOpt = False,
    pseudonyms: PseudonymsOpt = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write one row per turn, for coding in Excel.

    Every document, or only --docs; codes down to --level (1 = top); --coder's codings filled
    in (without it, an empty sheet)."""

    with errors():
        result = export_sheet(
            project,
            file,
            docs=docs,
            level=level,
            coder=coder,
            layout=layout,
            force=force,
            pseudonyms=pseudonyms,
        )
    if as_json:
        print_json(result)
        return
    out.print(f"Wrote {escape(result['file'])}: {result['rows']} turns, {result['codes']} codes.")
    if result["orphans"]:
        err.print(
            f"[yellow]note:[/] {len(result['orphans'])} code(s) no longer in the codebook are "
            f"filled in as they are: {escape(', '.join(result['orphans']))}"
        )


def sheet_import_cli(
    file: SheetArg,
    coder: CoderOpt,
    skip_errors: SkipErrorsOpt = False,
    encoding: EncodingOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Make a coding sheet a coder's manual codings (adding and removing to match it).

    The sheet holds --coder's codings; a .csv sheet is read in --encoding when given."""

    with errors():
        report = import_sheet(
            project, file, coder=coder, skip_errors=skip_errors, encoding=encoding
        )
    if as_json:
        print_json(report.as_dict())
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


def _show_item(
    item: dict, n: int, total: int, decided: int, still_open: int, decision: str | None
) -> None:
    from rich.text import Text

    out.rule(f"{n}/{total} · {decided} decided · {still_open} open", style="dim")
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


def memo_add_cli(
    text: MemoTextArg,
    codes: CodesOpt = None,
    docs: DocsOpt = None,
    coding: CodingOpt = None,
    author: AuthorOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a memo on a code, a document or a coding.

    Name one: --code, --doc or --coding."""

    with errors():
        memo = add_memo(project, text, code=codes, doc=docs, coding=coding, author=author)
    if as_json:
        print_json(memo)
        return
    out.print(f"Memo {memo['id']} on {memo['kind']} {escape(memo['target'])}.")


def memo_list_cli(
    codes: CodesOpt = None,
    docs: DocsOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List memos (all, or those on --codes and --docs)."""

    with errors():
        memos = list_memos(project, codes=codes, docs=docs)
    if as_json:
        print_json(memos)
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


def agree_cli(
    coder: CodersOpt,
    level: LevelOpt = None,
    codes: CodesOpt = None,
    unit: UnitOpt = "turn",
    docs: DocsOpt = None,
    coded_only: CodedOnlyOpt = False,
    disagreements: DisagreementsOpt = False,
    out_file: OutOpt = None,
    force: ForceOpt = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Inter-coder agreement per code and overall: percent agreement, Cohen's and Fleiss'
    kappa, Krippendorff's alpha.

    Compares each --coder (at least two) on --unit: turn, sentence or character (weighs by
    length); only --codes, and only --docs (as read by every coder), when given. --out writes
    the disagreements to a .xlsx or .csv sheet."""

    with errors():
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
        print_json(result)
        return
    _render_agreement(result)
    if disagreements and out_file is None:
        _render_disagreements(result)
    if written is not None:
        out.print(
            f"Wrote {len(result['disagreements'])} disagreement(s) to {escape(str(written))}."
        )


def evaluate_cli(
    gold: GoldOpt,
    test: TestOpt = "auto",
    level: LevelOpt = None,
    codes: CodesOpt = None,
    docs: DocsOpt = None,
    top: TopOpt = 10,
    unit: UnitOpt = "turn",
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Precision, recall and F1 per code of one coder (the rules) against another (gold).

    Per --unit (turn, sentence or character); only --codes, and only --docs (as read by both
    coders), when given; lists the --top rules behind false positives and the turns most
    missed."""

    with errors():
        result = evaluate(
            project, gold, test, level=level, codes=codes, docs=docs, top=top, unit=unit
        )
    if as_json:
        print_json(result)
        return
    _render_evaluation(result)


def suggest_cli(
    code: CodeArg,
    top: TopOpt = 20,
    coder: CodersOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Candidate keywords for a code, from the turns people coded with it.

    The --top candidates, from everyone's codings or only those of each --coder given."""

    with errors():
        result = suggest_keywords(project, code, top=top, coders=coder)
    if as_json:
        print_json(result)
        return
    _render_suggestions(result)


def merge_cli(
    from_: FromOpt,
    into: IntoOpt,
    rule: RuleOpt = "union",
    replace: ReplaceOpt = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Make a coder (e.g. consensus) from others' codings; nobody's codings are removed.

    --replace removes the --into coder's manual codings first."""

    with errors():
        result = merge_coders(project, from_, into, rule=rule, replace=replace)
    if as_json:
        print_json(result)
        return
    replaced = f" (replacing {result['replaced']})" if result["replaced"] else ""
    out.print(
        f"{escape(result['into'])}: {result['codings']} coding(s) in {result['documents']} "
        f"document(s), the {result['rule']} of {escape(', '.join(result['from']))}{replaced}."
    )


# -- agreement, evaluation, keyword suggestions and merging ---------------------------------


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return f"{value:,}"


STAT_HEADERS = ("agree\n%", "Cohen\nκ", "Fleiss\nκ", "Kripp.\nα")
CODE_MIN_WIDTH = 20  # narrower, and the coder columns go to a table of their own


def _needed(header: str, cells: list[str]) -> int:
    """The cells a number column takes: its widest line, and padding and divider."""
    return max(cell_len(x) for x in (*header.split("\n"), *cells)) + 3


def _number_table(
    title: str | None, first: str, headers: list[str], rows, short: dict[str, str] | None = None
) -> Table:
    """Codes (ids wrap after . and _) and their figures; a ``(None, [])`` row starts a section.
    ``short`` headers stand in where the full ones leave the terminal too narrow."""
    columns = [Col(first, WORDS), *(Col(h, short=(short or {}).get(h)) for h in headers)]
    body = [None if label is None else [label, *cells] for label, cells in rows]
    return grid(columns, body, title=title)


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
    out.print(_number_table(None, "code", headers, rows))
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
    kind = {"turn": "turns", "sentence": "sentences", "character": "characters"}[result["unit"]]
    title = (
        f"{result['test']} against {result['gold']} on {result['units']:,} {kind} of "
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
    short = {"precision": "prec.", "recall": "rec.", "support": "supp."}
    out.print(f"[bold]{escape(title)}[/]")
    out.print(_number_table(None, "code", headers, rows, short))
    if result["false_positive_rules"]:
        out.print("[bold]Rules behind most false positives[/]")
        for r in result["false_positive_rules"]:
            out.print(f"  {r['false_positives']:>4}  {escape(r['rule'])} → {escape(r['code'])}")
    if result["missed_turns"]:
        kind = "sentences" if result["unit"] == "sentence" else "turns"
        out.print(f"[bold]Gold {kind} most often missed[/]")
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
    columns = [Col("term", WORDS), *map(Col, ("z", "coded turns", "occurrences", "elsewhere"))]
    rows = [
        [escape(t["term"]), f"{t['z']:.2f}", str(t["turns"]), str(t["count"]), str(t["other"])]
        for t in result["terms"]
    ]
    out.print(grid(columns, rows))
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


def _render_rules(result: dict[str, Any]) -> None:
    if not result["rules"]:
        out.print("No suggestions yet: `casecode code` makes them, `casecode review` decides.")
        return

    def pct(value) -> str:
        return "—" if value is None else f"{value:.2f}"

    def interval(r) -> str:
        return "—" if r["low"] is None else f"{r['low']:.2f}–{r['high']:.2f}"

    counts = ("suggested", "open", "accepted", "rejected", "changed")
    short = {"suggested": "sugg.", "accepted": "acc.", "rejected": "rej.", "changed": "chg."}
    columns = [Col("rule", WORDS), Col("code", WORDS)]
    columns += [Col(c, short=short.get(c)) for c in counts]
    columns += [Col("precision", short="prec."), Col("95% interval", short="95% CI")]
    rows = [
        [
            ("[red]⚑[/] " if r["flagged"] else "") + escape(r["rule"]),
            escape(r["code"]),
            *(str(r[c]) for c in counts),
            pct(r["precision"]),
            interval(r),
        ]
        for r in result["rules"]
    ]
    out.print(grid(columns, rows, title="Rules"))
    code_columns = [Col("code", WORDS), Col("rules")]
    code_columns += [Col(c, short=short.get(c)) for c in counts]
    code_columns += [Col("precision", short="prec."), Col("95% interval", short="95% CI")]
    code_rows = [
        [escape(c["code"]), str(c["rules"]), *(str(c[k]) for k in counts)]
        + [pct(c["precision"]), interval(c)]
        for c in result["codes"]
    ]
    out.print(grid(code_columns, code_rows, title="Codes"))
    out.print(
        "[dim]precision = accepted / (accepted + rejected + changed), with its Wilson 95% "
        "interval; changed: rejected for another code.[/]"
    )
    for r in result["rules"]:
        if not r["flagged"]:
            continue
        words = ", ".join(
            f"{escape(w['word'])} ({w['rejected']} rejected, {w['accepted']} accepted)"
            for w in r["rejected_words"]
        )
        out.print(
            f"[red]⚑[/] [bold]{escape(r['rule'])}[/] → {escape(r['code'])}: precision "
            f"{r['precision']:.2f} < {result['threshold']:g} over {r['decided']} decisions"
            + (f"; most rejected: {words}" if words else ""),
            soft_wrap=True,
        )


def rm_cli(doc: DocArg, project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """Remove a document with its codings and memos (all kept in the history, restorable)."""

    with errors():
        result = remove_document(project, doc)
    if as_json:
        print_json(result)
        return
    out.print(
        f"Removed {escape(result['document'])} and its {result['codings']} coding(s); "
        f"kept as removed-document record {result['record']}."
    )


def rename_cli(
    doc: DocArg, name: NewNameArg, project: ProjectOpt = None, as_json: JsonOpt = False
) -> None:
    """Rename a document (its codings, memos and history stay with it)."""

    with errors():
        result = rename_document(project, doc, name)
    if as_json:
        print_json(result)
    else:
        out.print(f"Renamed {escape(result['old'])} to {escape(result['new'])}.")


def _moved(result) -> None:
    out.print(
        f"{result['codings']} coding(s) and {result['memos']} code memo(s) moved from "
        f"{escape(result['old'])} to {escape(result['new'])} (logged in the history). "
        "Rename the code in your codebook file too, then `casecode codebook use` it."
    )


def rename_code_cli(
    old: OldCodeArg, new: NewCodeArg, project: ProjectOpt = None, as_json: JsonOpt = False
) -> None:
    """Give every coding and memo of a code a new code id."""

    with errors():
        result = rename_code(project, old, new)
    if as_json:
        print_json(result)
    else:
        _moved(result)


def merge_code_cli(
    old: OldCodeArg, new: NewCodeArg, project: ProjectOpt = None, as_json: JsonOpt = False
) -> None:
    """Merge a code into another: its codings and memos become the other's."""

    with errors():
        result = merge_code(project, old, new)
    if as_json:
        print_json(result)
    else:
        _moved(result)
