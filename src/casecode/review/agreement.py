"""How reliable the coding is: ``agreement`` (``casecode agree``), ``evaluate`` (rules against a
gold coder) and ``merge_coders`` (``casecode merge``).

What counts as a coder's codings: every coding stored under their name that is not a rejected
suggestion (manual and imported codings; for a rule coder such as ``auto``, its open and accepted
suggestions), plus the suggestions of others they accepted in ``review`` (their latest decision
counts). A coder has coded a document when they coded, reviewed, or tagged and untagged in it
(for a rule coder: when ``casecode code`` ran on it); on documents they have not, their values are
missing, not "absent".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from casecode.codebook.codes import Codebook
from casecode.codebook.refs import code_refs, select_codes
from casecode.codebook.use import project_codebook
from casecode.coding.settings import coded_documents
from casecode.corpus.documents import resolve_documents
from casecode.errors import CasecodeError
from casecode.outputs import cell, check_out, writing
from casecode.project import Project, using_project
from casecode.review import stats
from casecode.review.coders import check_coders
from casecode.review.unitize import UNIT_KINDS, Span, Unit, document_units, presence

MERGE_RULES = ("union", "intersection")


# -- shared --------------------------------------------------------------------------------------


def _at_level(book: Codebook | None, code_id: str, level: int | None) -> str:
    """``code_id`` at ``level`` (see ``Codebook.roll_up``); by its dotted id without a codebook."""
    if book is None:
        return code_id if level is None else ".".join(code_id.split(".")[:level])
    return book.roll_up(code_id, level)


def _level(level: int | None) -> None:
    if level is not None and level < 1:
        raise CasecodeError("--level counts from 1 (the top-level codes)")


def coder_spans(store, coders: list[str]) -> dict[str, dict[int, list[Span]]]:
    """Each coder's codings per document (see the module's docstring for what counts)."""
    spans: dict[str, dict[int, list[Span]]] = {c: {} for c in coders}
    for r in store.codings_by(coders):
        spans[r["coder"]].setdefault(r["document_id"], []).append(
            Span(r["code_id"], r["start"], r["end"], r["origin"])
        )
    latest: dict[tuple[str, int], Any] = {}
    for e in store.review_decisions(coders):
        latest[(e["actor"], e["id"])] = e  # oldest first: the last decision stays
    for (actor, _), e in sorted(latest.items()):
        if e["action"] == "accept" and e["coder"] != actor:  # their own: counted above
            spans[actor].setdefault(e["document_id"], []).append(
                Span(e["code_id"], e["start"], e["end"], "review")
            )
    return spans


def coder_documents(store, coder: str) -> set[int]:
    """Documents a coder has coded (for a rule coder, those ``casecode code`` ran on)."""
    return store.coder_documents(coder) | coded_documents(store, coder)


def _documents(store, coders: list[str], docs, *, minimum: int):
    """The documents to compare on and who coded each: with ``docs``, those documents as read
    by every coder; otherwise the documents at least ``minimum`` of the coders coded."""

    if docs:
        rows = resolve_documents(store, docs)
        return rows, {r["id"]: set(coders) for r in rows}
    seen = {c: coder_documents(store, c) for c in coders}
    by_doc: dict[int, set[str]] = {}
    for c, ids in seen.items():
        for d in ids:
            by_doc.setdefault(d, set()).add(c)
    rows = [r for r in store.all_documents() if len(by_doc.get(r["id"], ())) >= minimum]
    return rows, by_doc


def _units(store, rows, coders, by_doc, spans, kind, book, level) -> list[Unit]:
    units: list[Unit] = []
    for row in rows:
        doc = row["id"]
        mine = {
            c: (
                [
                    Span(_at_level(book, s.code, level), s.start, s.end, s.origin)
                    for s in spans[c].get(doc, [])
                ]
                if c in by_doc.get(doc, ())
                else None
            )
            for c in coders
        }
        units.extend(document_units(doc, row["text"], store.segments(doc), kind, coders, mine))
    return units


def _selected(book: Codebook | None, codes, level: int | None) -> tuple[set[str] | None, set[str]]:
    """The (rolled-up) codes ``codes`` selects, and the codable ones it names outright (shown
    even when nobody applied them)."""
    if not codes:
        return None, set()

    chosen = select_codes(book, codes)

    named = {  # a category nobody may apply (codable: false) shows only when someone used it
        _at_level(book, r, level) for r in code_refs(codes) if r in book and book.get(r).codable
    }
    return {_at_level(book, c, level) for c in chosen}, named


def _label(book: Codebook | None, code: str) -> str:
    entry = book.get(code) if book is not None else None
    return entry.text("label") if entry is not None else ""


# -- agreement -----------------------------------------------------------------------------------


def _statistics(table, weights, two: bool) -> dict[str, Any]:

    pairable = sum(
        w for unit, w in zip(table, weights, strict=True) if sum(v is not None for v in unit) >= 2
    )
    complete = sum(
        w for unit, w in zip(table, weights, strict=True) if all(v is not None for v in unit)
    )
    cohen = None
    if two:
        cohen = stats.cohen_kappa(
            [u[0] for u in table], [u[1] for u in table], unit_weights=weights
        ).kappa
    return {
        "percent_agreement": stats.percent_agreement(table, weights),
        "cohen_kappa": cohen,
        "fleiss_kappa": stats.fleiss_kappa(table, weights).kappa,
        "krippendorff_alpha": stats.krippendorff_alpha(table, "nominal", weights),
        "units": pairable,
        "complete_units": complete,
    }


def agreement(
    project: str | Path | Project | None,
    coders: list[str],
    *,
    level: int | None = None,
    codes: Iterable[str] | None = None,
    unit: str = "turn",
    docs: Iterable[str | int] | None = None,
    coded_only: bool = False,
    disagreements: bool = False,
) -> dict[str, Any]:
    """``casecode agree``: per code and overall: percent agreement, Cohen's κ (two coders), Fleiss'
    κ and Krippendorff's α (nominal), each code a present/absent judgement per unit.

    Units are the turns (sentences, characters) of the documents at least two of the coders
    coded, or of ``docs`` (then read by every coder). ``coded_only`` keeps only the units some
    coder coded with some code (agreement that ignores text nobody touched; not the default).
    The overall figures pool every (unit, code) judgement. With ``disagreements``, every unit
    where the coders differ on a code, with its text.
    """
    if unit not in UNIT_KINDS:
        raise CasecodeError(f"unknown unit '{unit}'", hint="turn, sentence or character")
    _level(level)
    with using_project(project) as proj:
        store = proj.store
        coders = check_coders(store, coders)
        book = project_codebook(proj, required=level is not None or bool(codes))
        selected, named = _selected(book, codes, level)
        rows, by_doc = _documents(store, coders, docs, minimum=2)
        if not rows:
            raise CasecodeError(
                f"{' and '.join(coders) if len(coders) == 2 else 'these coders'} have no "
                "document in common",
                hint="each must code some of the same documents (or name them with --docs)",
            )
        spans = coder_spans(store, coders)
        units = _units(store, rows, coders, by_doc, spans, unit, book, level)
        if coded_only:
            units = [
                u
                for u in units
                if any(
                    codes_ and (selected is None or codes_ & selected)
                    for codes_ in u.codes
                    if codes_ is not None
                )
            ]
        used = {c for u in units for codes_ in u.codes if codes_ for c in codes_}
        chosen = sorted(used | named if selected is None else (used & selected) | named)
        weights = [u.weight for u in units]
        per_code: dict[str, Any] = {}
        pooled_table: list = []
        pooled_weights: list = []
        for code in chosen:
            table = presence(units, code)
            figures = _statistics(table, weights, len(coders) == 2)
            figures["coded"] = {
                c: sum(w for row, w in zip(table, weights, strict=True) if row[i] == 1)
                for i, c in enumerate(coders)
            }
            figures["label"] = _label(book, code)
            per_code[code] = figures
            pooled_table.extend(table)
            pooled_weights.extend(weights)
        overall = _statistics(pooled_table, pooled_weights, len(coders) == 2)
        overall["judgements"] = overall.pop("units")
        overall["complete_judgements"] = overall.pop("complete_units")
        overall["units"] = sum(w for u, w in zip(units, weights, strict=True) if _pairable(u))
        overall["complete_units"] = sum(
            w for u, w in zip(units, weights, strict=True) if all(c is not None for c in u.codes)
        )
        overall["codes"] = len(chosen)
        result: dict[str, Any] = {
            "coders": coders,
            "unit": unit,
            "level": level,
            "basis": "coded units only" if coded_only else "all units",
            "documents": len(rows),
            "overall": overall,
            "codes": per_code,
        }
        if disagreements:
            result["disagreements"] = _disagreements(store, rows, units, chosen, coders, book)
        return result


def _pairable(u: Unit) -> bool:
    return sum(c is not None for c in u.codes) >= 2


def _disagreements(store, rows, units, chosen, coders, book) -> list[dict[str, Any]]:
    names = {r["id"]: r for r in rows}
    speakers = {r["id"]: {s.n: s.speaker for s in store.segments(r["id"])} for r in rows}
    found: list[dict[str, Any]] = []
    for code in chosen:
        for u in units:
            values = [None if c is None else code in c for c in u.codes]
            given = [v for v in values if v is not None]
            if len(given) < 2 or all(v == given[0] for v in given):
                continue
            last = found[-1] if found else None
            if (  # character units: one row for a stretch where the same coders differ
                last is not None
                and last["code"] == code
                and last["_doc"] == u.document
                and last["turn"] == u.turn
                and last["end"] == u.start
                and list(last["coders"].values()) == values
            ):
                last["end"] = u.end
                continue
            found.append(
                {
                    "_doc": u.document,
                    "document": names[u.document]["name"],
                    "turn": u.turn,
                    "speaker": speakers[u.document].get(u.turn),
                    "start": u.start,
                    "end": u.end,
                    "code": code,
                    "label": _label(book, code),
                    "coders": dict(zip(coders, values, strict=True)),
                }
            )
    for f in found:
        f["text"] = names[f.pop("_doc")]["text"][f["start"] : f["end"]]
    found.sort(key=lambda f: (f["document"], f["start"], f["code"]))
    return found


def write_disagreements(result: dict[str, Any], out: str | Path, *, force: bool = False) -> Path:
    """The disagreements of an ``agreement(..., disagreements=True)`` result as a sheet (.xlsx
    or .csv) for a consensus meeting, with an empty ``decision`` column."""
    out = Path(out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise CasecodeError("the disagreements sheet is .xlsx or .csv", file=out)
    check_out(out, force=force)
    coders = result["coders"]
    header = ["document", "turn", "speaker", "code", "label", *coders, "text", "decision"]
    mark = {True: "x", False: "", None: "(not coded)"}
    table = [
        [
            d["document"],
            d["turn"],
            d["speaker"] or "",
            d["code"],
            d["label"],
            *(mark[d["coders"][c]] for c in coders),
            d["text"],
            "",
        ]
        for d in result.get("disagreements", [])
    ]
    if out.suffix.lower() == ".csv":
        import csv

        with writing(out) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([cell(h) for h in header])
            writer.writerows([cell(v) for v in r] for r in table)
        return out
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "disagreements"
    ws.append([cell(h, xlsx=True) for h in header])
    for r in table:
        ws.append([cell(v, xlsx=True) for v in r])
    for c in ws[1]:
        c.font = Font(bold=True)
    ws.freeze_panes = "A2"
    text_col = 6 + len(coders)
    from openpyxl.utils import get_column_letter

    for col, width in {1: 24, 2: 6, 3: 12, 4: 28, 5: 20, text_col: 80, text_col + 1: 24}.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for (c,) in ws.iter_rows(min_row=2, min_col=text_col, max_col=text_col):
        c.alignment = wrap
    with writing(out) as tmp:
        wb.save(tmp)
    return out


# -- evaluate ------------------------------------------------------------------------------------


def _prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}


def evaluate(
    project: str | Path | Project | None,
    gold: str,
    test: str = "auto",
    *,
    level: int | None = None,
    codes: Iterable[str] | None = None,
    docs: Iterable[str | int] | None = None,
    top: int = 10,
    unit: str = "turn",
) -> dict[str, Any]:
    """``casecode evaluate``: precision, recall, F1 and support per code of ``test``'s codings
    against ``gold``'s, per ``unit`` (turn, sentence or character: a coding marks every unit it
    overlaps; characters are counted one by one), on the documents ``gold`` coded (or ``docs``);
    micro and macro averages; the rules behind most false positives and the gold turns (or
    sentences) most often missed."""
    _level(level)
    if unit not in UNIT_KINDS:
        raise CasecodeError(f"unknown unit '{unit}'", hint="turn, sentence or character")
    if top < 0:
        raise CasecodeError("--top cannot be negative")
    with using_project(project) as proj:
        store = proj.store
        gold, test = check_coders(store, [gold, test], what="--gold and --test")
        book = project_codebook(proj, required=level is not None or bool(codes))
        selected, named = _selected(book, codes, level)
        if docs:
            rows, by_doc = _documents(store, [gold, test], docs, minimum=1)
        else:
            covered = coder_documents(store, gold)
            rows = [r for r in store.all_documents() if r["id"] in covered]
            by_doc = {r["id"]: {gold, test} for r in rows}
        if not rows:
            raise CasecodeError(f"{gold} has not coded any document yet")
        untested = [r["name"] for r in rows if r["id"] not in coder_documents(store, test)]
        spans = coder_spans(store, [gold, test])
        units = _units(store, rows, [gold, test], by_doc, spans, unit, book, level)
        used = {c for u in units for codes_ in u.codes if codes_ for c in codes_}
        chosen = sorted(used | named if selected is None else (used & selected) | named)
        counts = {c: Counter() for c in chosen}
        fp_units: list[tuple[Unit, str]] = []
        # what was missed, by the turn (turn and character units) or sentence that holds it
        missed: dict[tuple[int, int, int | None], set[str]] = {}
        for u in units:
            g, t = u.codes
            for code in chosen:
                key = ("tp" if code in g else "fp") if code in t else ("fn" if code in g else None)
                if key is None:
                    continue
                counts[code][key] += u.weight
                if key == "fp":
                    fp_units.append((u, code))
                elif key == "fn":
                    where = (u.document, u.turn, u.start if unit == "sentence" else None)
                    missed.setdefault(where, set()).add(code)
        per_code = {}
        for code in chosen:
            c = counts[code]
            per_code[code] = {**_prf(c["tp"], c["fp"], c["fn"]), "tp": c["tp"], "fp": c["fp"]}
            per_code[code]["fn"] = c["fn"]
            per_code[code]["label"] = _label(book, code)
        total = Counter()
        for c in counts.values():
            total.update(c)
        micro = _prf(total["tp"], total["fp"], total["fn"])

        def mean(key: str) -> float | None:
            values = [v[key] for v in per_code.values() if v[key] is not None]
            return sum(values) / len(values) if values else None

        macro = {
            "precision": mean("precision"),
            "recall": mean("recall"),
            "f1": mean("f1"),
            "support": micro["support"],
        }
        result = {
            "gold": gold,
            "test": test,
            "level": level,
            "unit": unit,
            "documents": len(rows),
            "units": sum(u.weight for u in units),
            "codes": per_code,
            "micro": micro,
            "macro": macro,
            "false_positive_rules": _fp_rules(spans[test], fp_units, book, level, top),
            "missed_turns": _missed(store, rows, units, missed, top, unit),
            "notes": (
                [f"{test} has not coded {len(untested)} of the documents: {', '.join(untested)}"]
                if untested
                else []
            ),
        }
        return result


def _fp_rules(test_spans, fp_units, book, level, top) -> list[dict[str, Any]]:
    counted: Counter[tuple[str, str]] = Counter()
    for u, code in fp_units:
        rules = {
            s.origin[5:] if s.origin.startswith("rule:") else s.origin
            for s in test_spans.get(u.document, [])
            if s.start < u.end and s.end > u.start and _at_level(book, s.code, level) == code
        }
        for rule in rules:
            counted[(rule, code)] += 1
    ranked = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"rule": r, "code": c, "false_positives": n} for (r, c), n in ranked[:top]]


def _missed(store, rows, units, missed, top, unit) -> list[dict[str, Any]]:
    """The turns (or, per sentence, sentences) with most gold codes missed; with character
    units, a turn lists every code missed on some of its characters."""
    by_id = {r["id"]: r for r in rows}
    spans = {(u.document, u.turn, u.start if unit == "sentence" else None): u for u in units}
    ranked = sorted(
        missed.items(),
        key=lambda kv: (-len(kv[1]), by_id[kv[0][0]]["name"], kv[0][1], kv[0][2] or 0),
    )
    found = []
    for (doc, turn, start), codes in ranked[:top]:
        segment = next((s for s in store.segments(doc) if s.n == turn), None)
        if unit == "sentence":
            u = spans[(doc, turn, start)]
            a, b = u.start, u.end
        elif unit == "turn":
            u = spans[(doc, turn, None)]
            a, b = u.start, u.end
        else:
            a, b = segment.start, segment.end
        entry = {
            "document": by_id[doc]["name"],
            "turn": turn,
            "speaker": segment.speaker if segment else None,
            "missed": sorted(codes),
            "text": by_id[doc]["text"][a:b],
        }
        if unit == "sentence":
            entry.update(start=a, end=b)
        found.append(entry)
    return found


# -- merge ---------------------------------------------------------------------------------------


def _union(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _intersection(x: list[tuple[int, int]], y: list[tuple[int, int]]) -> list[tuple[int, int]]:
    found, i, j = [], 0, 0
    while i < len(x) and j < len(y):
        a, b = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if a < b:
            found.append((a, b))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return found


def merge_coders(
    project: str | Path | Project | None,
    sources: list[str],
    into: str,
    *,
    rule: str = "union",
    replace: bool = False,
) -> dict[str, Any]:
    """``casecode merge``: make a new coder (``into``, e.g. ``consensus``) from two or more others:
    per document and code, the passages any of them coded (``union``) or all of them coded
    (``intersection``).

    The new codings are manual codings of ``into`` with a memo naming their sources, each logged.
    Nobody else's codings change. A coder that already has codings is refused unless
    ``replace`` and every one of them was made by an earlier merge: those are removed first
    (logged as untags). A person's own codings are never removed.
    """
    if rule not in MERGE_RULES:
        raise CasecodeError(f"unknown rule '{rule}'", hint="union or intersection")
    into = into.strip()
    if not into:
        raise CasecodeError("the new coder needs a name (--into)")
    with using_project(project) as proj:
        store = proj.store
        sources = check_coders(store, sources, what="--from")
        if into in sources:
            raise CasecodeError(f"{into} is one of the coders merged", hint="--into a new name")
        mine = [r for r in store.codings_by([into])]
        if any(r["origin"] != "manual" for r in mine):
            raise CasecodeError(
                f"{into} has automatic or imported codings", hint="merge --into another name"
            )
        if mine and not replace:
            raise CasecodeError(
                f"{into} already has {len(mine)} coding(s)",
                hint="--replace replaces an earlier merge, or choose another --into name",
            )
        by_hand = store.codings_not_merged(into) if mine else []
        if by_hand:  # people's codings are never removed by a merge
            raise CasecodeError(
                f"{into} has {len(by_hand)} coding(s) made by hand, not by a merge",
                hint="--replace only replaces an earlier merge; choose another --into name",
            )
        spans = coder_spans(store, sources)
        made: Counter[str] = Counter()
        docs: set[int] = set()
        memo = f"{rule} of {', '.join(sources)}"
        with store.transaction():
            store.begin_batch("merge", into, f"merge {', '.join(sources)} into {into}")
            removed = store.delete_manual_codings(into) if replace else []
            for c in removed:
                store.log_event(c, "untag", into, "merge --replace")
            doc_ids = sorted({d for s in sources for d in spans[s]})
            for doc in doc_ids:
                by_code: list[dict[str, list[tuple[int, int]]]] = []
                for s in sources:
                    per: dict[str, list[tuple[int, int]]] = {}
                    for sp in spans[s].get(doc, []):
                        per.setdefault(sp.code, []).append((sp.start, sp.end))
                    by_code.append({k: _union(v) for k, v in per.items()})
                for code in sorted({k for per in by_code for k in per}):
                    if rule == "union":
                        merged = _union([iv for per in by_code for iv in per.get(code, [])])
                    else:
                        merged = by_code[0].get(code, [])
                        for per in by_code[1:]:
                            merged = _intersection(merged, per.get(code, []))
                    for a, b in merged:
                        cid = store.insert_coding(
                            doc,
                            a,
                            b,
                            code,
                            coder=into,
                            origin="manual",
                            status="accepted",
                            memo=memo,
                        )
                        store.log_event(store.coding_by_id(cid), "tag", into, f"merge: {memo}")
                        made[code] += 1
                        docs.add(doc)
        return {
            "into": into,
            "from": sources,
            "rule": rule,
            "codings": sum(made.values()),
            "documents": len(docs),
            "by_code": dict(sorted(made.items())),
            "replaced": len(removed),
        }


# -- suggest -------------------------------------------------------------------------------------
