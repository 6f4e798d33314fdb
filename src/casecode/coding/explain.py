"""``explain`` (``casecode explain``): why a turn was coded, or not, rule by rule."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from casecode.coding.calibration import calibrated, records
from casecode.coding.engine import findings, zh_words
from casecode.coding.settings import coding_codebook, coding_settings, make_engine
from casecode.coding.tokenize import Tokens, match_form
from casecode.corpus.documents import codings_of, resolve_turn
from casecode.project import Project, using_project

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def explain(
    project: str | Path | Project | None,
    doc: str | int,
    turn: int,
    *,
    spacy_model: str | None = None,
) -> dict[str, Any]:
    """``casecode explain``: every rule that fired or was vetoed on one turn, and why."""

    with using_project(project) as proj:
        store = proj.store
        row, seg = resolve_turn(store, doc, turn, structure=True)
        if not seg.counted:  # a title, header, metadata line or heading: never coded
            what = {"heading": "a heading", "comment": "a comment"}.get(
                seg.kind, "the document's preamble (title, header and metadata lines)"
            )
            return {
                "notes": [],
                "document": row["name"],
                "turn": seg.n,
                "kind": seg.kind,
                "speaker": None,
                "start": seg.start,
                "end": seg.end,
                "text": row["text"][seg.start : seg.end],
                "structure": f"this is {what}: structure, not a turn; rules do not code it "
                "and turn numbers do not count it",
                "codebook": None,
                "codebook_version": None,
                "codes": [],
                "rules": [],
                "stored": [],
            }
        segments = store.segments(row["id"])
        stored = [c for c in codings_of(store, row, segments) if c["turn"] == turn]
        book, _ = coding_codebook(proj)
        engine = make_engine(book, None, coding_settings(proj, spacy_model))
        cached = store.cached_tokens(row["id"], row["sha256"], engine.tokenizer.fingerprint)
        # each rule's review record: what people decided about its suggestions so far
        known = records(store.rule_codings({r.id for r in book.rules()}))

    text = row["text"]
    tokens = (
        Tokens.from_blobs(*cached)
        if cached is not None
        else engine.tokenizer.tokenize(text, row["language"])
    )
    judgements = engine.judge(
        text, segments, tokens, keep_all=True, turn=turn, language=row["language"]
    )
    judgements = [j for j in judgements if j.hits or j.vetoed or j.status != "unmatched"]
    order = {"fired": 0, "vetoed": 1, "skipped": 2, "unmatched": 3}
    label_lang = row["language"] if row["language"] in ("zh", "en") else None
    judgements.sort(key=lambda j: (order[j.status], j.unit.start, j.rule.code, j.rule.id))
    rules = []
    for j in judgements:
        rules.append(
            {
                "rule": j.rule.id,
                "code": j.rule.code,
                "label": book.get(j.rule.code).text("label", label_lang),
                "status": j.status,
                "reason": j.reason,
                "scope": j.rule.scope,
                "unit": {
                    "start": j.unit.start,
                    "end": j.unit.end,
                    "text": text[j.unit.start : j.unit.end],
                },
                "hits": [{"text": h.text, "start": h.start, "end": h.end} for h in j.hits],
                "vetoed": [
                    {"text": h.text, "start": h.start, "end": h.end, "why": why}
                    for h, why in j.vetoed
                ],
                "confidence": j.confidence,
                # what the confidence is made of: each distinct piece of evidence, its kind and
                # strength, and the rule's weight (see coding.engine.confidence)
                "evidence": [
                    {"what": what, "kind": kind, "strength": strength}
                    for what, kind, strength in j.pieces
                ],
                "weight": j.rule.weight,
                "notes": list(j.notes),  # e.g. the context word that let it count
                "record": _record(known.get(j.rule.id)),
                # the confidence stored for it: calibrated by the record (coding.calibration)
                "calibrated": (
                    calibrated(j.confidence, known[j.rule.id])
                    if j.status == "fired" and j.rule.id in known
                    else j.confidence
                ),
            }
        )
    codes = sorted({f.code for f in findings(judgements)})
    return {
        "notes": _hidden_words(engine, text, tokens, seg.start, seg.end),
        "document": row["name"],
        "turn": turn,
        "speaker": seg.speaker,
        "start": seg.start,
        "end": seg.end,
        "text": text[seg.start : seg.end],
        "codebook": book.name,
        "codebook_version": book.content_version,
        "codes": codes,
        "rules": rules,
        "stored": stored,
    }


def _record(r: dict[str, Any] | None) -> dict[str, Any]:
    fields = ("suggested", "accepted", "rejected", "changed", "decided", "precision", "low")
    if r is None:
        return {f: (None if f in ("precision", "low") else 0) for f in fields} | {"high": None}
    return {f: r[f] for f in (*fields, "high")}


def _match_words(book) -> dict[str, list[tuple[str, str]]]:
    """Each Chinese word a rule matches on (its keywords and its any, all and near groups, not
    its exclusions or context words), in match form, with the (code, rule) pairs that list it."""

    owners: dict[str, list[tuple[str, str]]] = {}
    for rule in book.rules():
        for m in (rule.match, *rule.any, *rule.all):
            for group in (m.keywords, *(g for n in m.near for g in n.groups)):
                for word in (*group.zh, *group.both):
                    if _CJK.search(word):
                        pairs = owners.setdefault(match_form(word), [])
                        if (rule.code, rule.id) not in pairs:
                            pairs.append((rule.code, rule.id))
    return owners


def _hidden_words(engine, text: str, tokens, start: int, end: int) -> list[dict[str, Any]]:
    """Keywords that occur in the turn but not as whole tokens, so whole-token matching misses
    them: inside a longer token (推诿 in 互相推诿) or across a word boundary (不清 in 不|清楚).
    Each note names the codes and rules the keyword belongs to, and ``hint`` is the whole word
    to list as a keyword — ``None`` when it already is one (of ``listed_in``, other rules: a
    keyword whose own rules list the whole word is matched by them and gets no note)."""

    starts, ends = set(tokens.starts), set(tokens.ends)
    body = match_form(text[start:end])  # looked for as matched; shown as written
    owners = _match_words(engine.book)
    notes = []
    for word in sorted(w for w in {match_form(w) for w in zh_words(engine.book)} if w in owners):
        at = body.find(word)
        while at != -1:
            a, b = start + at, start + at + len(word)
            head = b in ends and a not in starts and word in engine.heads  # matched as a head
            if (a not in starts or b not in ends) and not head:
                covering = [
                    k for k in range(len(tokens)) if tokens.starts[k] < b and tokens.ends[k] > a
                ]
                words = [text[tokens.starts[k] : tokens.ends[k]] for k in covering]
                first, last = covering[0], covering[-1]
                # the whole words that hold it: a keyword the matcher can find
                whole = text[tokens.starts[first] : tokens.ends[last]]
                listed = owners.get(match_form(whole), [])
                if set(owners[word]) <= set(listed):  # its rules match the whole word anyway
                    break
                notes.append(
                    {
                        "word": text[a:b],
                        "start": a,
                        "end": b,
                        "kind": "inside" if len(covering) == 1 else "across",
                        "tokens": words,
                        "token": whole,
                        "rules": [{"code": c, "rule": r} for c, r in owners[word]],
                        "hint": None if listed else whole,
                        "listed_in": [{"code": c, "rule": r} for c, r in listed],
                    }
                )
                break
            at = body.find(word, at + 1)
    return notes
