"""``explain`` (``casecode explain``): why a turn was coded, or not, rule by rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from casecode.coding.engine import findings, zh_words
from casecode.coding.settings import coding_codebook, coding_settings, make_engine
from casecode.coding.tokenize import Tokens, match_form
from casecode.corpus.documents import codings_of, resolve_turn
from casecode.project import Project, using_project


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
        book, _, _ = coding_codebook(proj, record=False)
        engine = make_engine(book, None, coding_settings(proj, spacy_model))
        cached = store.cached_tokens(row["id"], row["sha256"], engine.tokenizer.fingerprint)

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


def _hidden_words(engine, text: str, tokens, start: int, end: int) -> list[dict[str, Any]]:
    """Codebook words that occur in the turn but not as whole tokens, so whole-token matching
    misses them: inside a longer token (推诿 in 互相推诿) or across a word boundary (不清 in
    不|清楚). What a researcher debugging a rule wants to know."""

    starts, ends = set(tokens.starts), set(tokens.ends)
    body = match_form(text[start:end])  # looked for as matched; shown as written
    notes = []
    for word in sorted({match_form(w) for w in zh_words(engine.book)}):
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
                notes.append(
                    {
                        "word": text[a:b],
                        "start": a,
                        "end": b,
                        "kind": "inside" if len(covering) == 1 else "across",
                        "tokens": words,
                        # the whole words that hold it: a keyword the matcher can find
                        "token": text[tokens.starts[first] : tokens.ends[last]],
                    }
                )
                break
            at = body.find(word, at + 1)
    return notes
