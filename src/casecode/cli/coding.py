"""``casecode code`` and ``casecode explain``: automatic coding."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text

from casecode.cli.common import (
    CoderOpt,
    CodesOpt,
    DocArg,
    DocsOpt,
    DryRunOpt,
    JobsOpt,
    JsonOpt,
    MinConfidenceOpt,
    ProjectOpt,
    SpacyModelOpt,
    TurnArg,
    errors,
    out,
    print_json,
    progress_bar,
)
from casecode.cli.render import render_code_report
from casecode.coding.autocode import autocode
from casecode.coding.explain import explain as explain_turn


def code_cli(
    codes: CodesOpt = None,
    docs: DocsOpt = None,
    dry_run: DryRunOpt = False,
    jobs: JobsOpt = 1,
    coder: CoderOpt = "auto",
    spacy_model: SpacyModelOpt = None,
    min_confidence: MinConfidenceOpt = 0.0,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Code every document with the codebook's rules; suggestions await review.

    Only --codes and --docs when given (judged afresh); each suggestion is recorded as --coder's.
    """

    with errors(), progress_bar("coding") as progress:
        report = autocode(
            project,
            codes=codes,
            docs=docs,
            dry_run=dry_run,
            jobs=jobs,
            coder=coder,
            spacy_model=spacy_model,
            min_confidence=min_confidence,
            progress=progress,
        )
    if as_json:
        print_json(report.as_dict())
        return
    render_code_report(report)


def explain_cli(
    doc: DocArg,
    turn: TurnArg,
    spacy_model: SpacyModelOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Why a turn was coded (or not): every rule that fired or was vetoed, and why."""

    with errors():
        result = explain_turn(project, doc, turn, spacy_model=spacy_model)
    if as_json:
        print_json(result)
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
    if result.get("structure"):
        out.print(escape(result["structure"].capitalize()) + ".")
        return
    if not result["rules"]:
        out.print("No rule of the codebook matched anything in this turn.")
    colours = {"fired": "green", "vetoed": "red", "skipped": "yellow", "unmatched": "dim"}
    for r in result["rules"]:
        status = f"[{colours[r['status']]}]{r['status']:<9}[/]"
        why = f": {escape(r['reason'])}" if r["reason"] else ""
        conf = ""
        if r["status"] == "fired":
            conf = f" (confidence {r['calibrated']:.2f}"
            if r["calibrated"] != r["confidence"]:  # calibrated by the rule's review record
                conf += f"; evidence alone {r['confidence']:.2f}"
            conf += ")"
        out.print(
            f"{status} {escape(r['code'])} [dim]{escape(r['label'])} · rule "
            f"{escape(r['rule'])}[/]{conf}{why}",
            soft_wrap=True,
        )
        if r["hits"]:
            words = ", ".join(dict.fromkeys(h["text"] for h in r["hits"]))
            out.print(f"          matched: {escape(words)}", soft_wrap=True)
        for note in r["notes"]:
            out.print(f"          {escape(note)}", soft_wrap=True)
        for e in r["evidence"]:
            if e["kind"] == "head":
                out.print(f"          matched as the head of {escape(e['what'])}", soft_wrap=True)
        if r["status"] == "fired" and r["evidence"]:
            parts = " + ".join(f"{e['kind']} {e['what']} {e['strength']:g}" for e in r["evidence"])
            weight = f" × weight {r['weight']:g}" if r["weight"] != 1 else ""
            out.print(f"          [dim]confidence from: {escape(parts)}{weight}[/]", soft_wrap=True)
        rec = r["record"]
        if rec["decided"]:
            out.print(
                f"          [dim]record: {rec['suggested']} suggested, {rec['accepted']} "
                f"accepted, {rec['rejected']} rejected, {rec['changed']} changed · precision "
                f"{rec['precision']:.2f} [{rec['low']:.2f}–{rec['high']:.2f}][/]",
                soft_wrap=True,
            )
        elif rec["suggested"]:
            out.print(
                f"          [dim]record: {rec['suggested']} suggested, none reviewed yet[/]",
                soft_wrap=True,
            )
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
        rules = ", ".join(f"{r['rule']} ({r['code']})" for r in note["rules"])
        if note["hint"] is not None:
            advice = (
                f"list {escape(note['hint'])} as a keyword of rule {escape(rules)}, or set "
                "substring: true on it"
            )
        else:
            listed = ", ".join(f"{r['rule']} ({r['code']})" for r in note["listed_in"])
            advice = (
                f"a keyword of rule {escape(rules)}; {escape(note['token'])} is already a "
                f"keyword of {escape(listed)}"
            )
        out.print(
            f"[yellow]not matched:[/] {escape(note['word'])} {where}; {advice}", soft_wrap=True
        )
    codes = ", ".join(result["codes"]) or "none"
    out.print(f"\nThe rules code it: {escape(codes)}", soft_wrap=True)
    if result["stored"]:
        stored = ", ".join(f"{c['code']} ({c['status']}, {c['coder']})" for c in result["stored"])
        out.print(f"In the project now: {escape(stored)}", soft_wrap=True)
