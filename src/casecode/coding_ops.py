"""Library operations for automatic coding: ``autocode`` (``casecode code``) and ``explain``."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .codebook.model import Codebook
from .errors import CasecodeError
from .project import Project, using_project

Progress = Callable[[int, int, str], None]
DEFAULT_CODER = "auto"


@dataclass
class CodeReport:
    documents: int
    codings: int
    by_code: dict[str, int]
    coder: str
    codebook: str
    codebook_version: str
    dry_run: bool = False
    added: int = 0
    removed: int = 0
    kept_decisions: int = 0
    codebook_chosen: bool = False  # the built-in was chosen because the project had none
    tokenized: int = 0  # documents tokenised afresh (the others came from the cache)
    rejudged: int = 0  # documents the rules were run on (the others had nothing that changed)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def select_codes(book: Codebook, wanted: Iterable[str] | None) -> set[str] | None:
    """Code ids named by exact id, id prefix (a code and its descendants) or label."""
    if not wanted:
        return None
    chosen: set[str] = set()
    from .codebook.model import code_refs

    refs = code_refs(wanted)
    if not refs:
        raise CasecodeError(
            "no code given", hint="name code ids or labels, or leave the option out for all codes"
        )
    for ref in refs:
        hits = {
            c.id
            for c in book.walk()
            if c.id == ref
            or c.id.startswith(ref + ".")
            or ref.casefold() in (v.casefold() for v in c.label.values())
        }
        if not hits:
            hits = {c.id for c in book.walk() if c.id.startswith(ref)}
        if not hits:
            from .manual_ops import closest_hint

            raise CasecodeError(f"no code '{ref}' in the codebook", hint=closest_hint(book, ref))
        for code_id in list(hits):
            code = book.get(code_id)
            chosen.update(c.id for c in code.walk())
    return chosen


def _codebook(proj: Project, *, record: bool = True) -> tuple[Codebook, str, bool]:
    """The project's codebook and its YAML; the built-in one when none is set (made the
    project's only when ``record``: a dry run or an explanation writes nothing)."""
    from .codebook.load import builtin_codebooks, load_checked
    from .codebook_ops import BUILTIN_DEFAULT, project_codebook, use_codebook

    row = proj.store.current_codebook()
    if row is not None:
        return project_codebook(proj), row["content"], False
    if record:
        use_codebook(proj, BUILTIN_DEFAULT)
        return project_codebook(proj), proj.store.current_codebook()["content"], True
    text = builtin_codebooks()[BUILTIN_DEFAULT]
    return load_checked(text, f"builtin:{BUILTIN_DEFAULT}"), text, True


def _settings(proj: Project, spacy_model: str | None = None) -> dict[str, Any]:
    """The project's [coding] settings that shape tokens and matching."""
    path = proj.coding_file("stop_words")
    stop_words = set()
    if path is not None:
        stop_words = {w.strip() for w in path.read_text("utf-8-sig").splitlines() if w.strip()}
    return {
        "user_dict": proj.coding_file("user_dictionary"),
        "stop_words": stop_words,
        "hmm": proj.config.jieba_hmm,
        "model": spacy_model,
    }


def project_tokenizer(proj: Project):
    """The tokeniser coding uses in this project (its codebook's words in jieba's dictionary,
    its user dictionary), so streams cached by ``code`` are reused; a project without a
    codebook gets jieba's and spaCy's plain tokenisers."""
    from .coding.engine import zh_words
    from .coding.tokenize import Tokenizer

    settings = _settings(proj)
    row = proj.store.current_codebook()
    words = zh_words(_codebook(proj, record=False)[0]) if row is not None else set()
    return Tokenizer(words, settings["user_dict"], hmm=settings["hmm"])


def document_tokens(store, row, tokenizer):
    """A document's tokens: from the store's cache when they are there, else tokenised now."""
    from .coding.tokenize import Tokens

    cached = store.cached_tokens(row["id"], row["sha256"], tokenizer.fingerprint)
    if cached is not None:
        return Tokens.from_blobs(*cached)
    return tokenizer.tokenize(row["text"], row["language"])


# Work shared with worker processes: one engine per process.
_ENGINE: dict[str, Any] = {}


def _make_engine(book: Codebook, codes, settings: dict[str, Any]):
    from .coding.engine import Engine, zh_words
    from .coding.tokenize import Tokenizer

    tokenizer = Tokenizer(
        zh_words(book), settings["user_dict"], hmm=settings["hmm"], model=settings.get("model")
    )
    return Engine(book, codes=codes, tokenizer=tokenizer, stop_words=settings["stop_words"])


def _worker_init(yaml_text: str, source: str, codes, settings: dict[str, Any]) -> None:
    from .codebook.load import require_valid
    from .codebook.validate import validate_text

    book = require_valid(validate_text(yaml_text, source))
    _ENGINE["engine"] = _make_engine(book, codes, settings)


def _code_one(payload: dict[str, Any]) -> dict[str, Any]:
    """Tokenise (unless cached) and match one document; runs in a worker or in-process."""
    from .coding.engine import findings
    from .coding.tokenize import Tokens
    from .model import Segment

    engine = _ENGINE["engine"]
    fresh = None
    if payload["cached"] is not None:
        tokens = Tokens.from_blobs(*payload["cached"])
    else:
        tokens = engine.tokenizer.tokenize(payload["text"], payload["language"])
        fresh = tokens.to_blobs()
    segments = [Segment(*s) for s in payload["segments"]]
    found = findings(
        engine.judge(
            payload["text"], segments, tokens, language=payload["language"], only=payload["only"]
        )
    )
    rows = [
        {
            "start": f.start,
            "end": f.end,
            "turn": f.turn,
            "code": f.code,
            "rule": f.rule,
            "confidence": f.confidence,
            "evidence": f.evidence,
        }
        for f in found
    ]
    return {"id": payload["id"], "findings": rows, "tokens": fresh}


def autocode(
    project: str | Path | Project | None = None,
    *,
    codes: Iterable[str] | None = None,
    docs: Iterable[str | int] | None = None,
    dry_run: bool = False,
    jobs: int = 1,
    coder: str = DEFAULT_CODER,
    spacy_model: str | None = None,
    progress: Progress | None = None,
) -> CodeReport:
    """Code documents with the project's codebook rules (the built-in codebook if none is set).

    Re-running replaces only ``coder``'s earlier suggestions; manual codings and reviewed
    suggestions stay. A re-run judges again only what changed since that coder's last run —
    new or edited documents, codes whose rules changed — unless ``codes`` or ``docs`` name what
    to judge afresh. ``jobs`` > 1 spreads documents over processes with identical results.
    """
    from .operations import resolve_documents

    if jobs < 1:
        raise CasecodeError("--jobs must be at least 1")
    coder = coder.strip()
    if not coder:
        raise CasecodeError("the coder needs a name")
    with using_project(project) as proj:
        store = proj.store
        book, yaml_text, chosen = _codebook(proj, record=not dry_run)
        selected = select_codes(book, codes)
        rows = resolve_documents(store, docs)
        settings = _settings(proj, spacy_model)
        engine = _make_engine(book, None, settings)
        _ENGINE["engine"] = engine
        fingerprint = engine.tokenizer.fingerprint
        state_key = f"autocode:{coder}"
        state = _load_state(store.setting(state_key), fingerprint)
        current = code_fingerprints(book)
        changed = {
            c
            for c in current.keys() | state["codes"].keys()
            if current.get(c) != state["codes"].get(c)
        }
        forced = bool(codes) or bool(docs)  # named codes or documents are judged afresh
        payloads = []
        for row in rows:
            # Which codes to (re)judge here: a document coded before, unchanged since, needs
            # only the codes whose rules changed; a new or changed document needs them all.
            if forced or state["docs"].get(str(row["id"])) != row["sha256"]:
                only = selected
            else:
                only = changed if selected is None else changed & selected
            if only is not None and not only:
                continue
            cached = store.cached_tokens(row["id"], row["sha256"], fingerprint)
            payloads.append(
                {
                    "only": only,
                    "id": row["id"],
                    "name": row["name"],
                    "text": row["text"],
                    "language": row["language"],
                    "segments": [
                        (s.n, s.speaker, s.start, s.end, s.label_start, s.timestamp, s.kind)
                        for s in store.segments(row["id"])
                    ],
                    "cached": None if cached is None else tuple(cached),
                }
            )
        results = _run(payloads, jobs, (yaml_text, book), selected, settings, progress)
        report = CodeReport(
            documents=len(rows),
            codings=0,
            by_code={},
            coder=coder,
            codebook=book.name,
            codebook_version=book.content_version,
            dry_run=dry_run,
            codebook_chosen=chosen,
        )
        shas = {r["id"]: r["sha256"] for r in rows}
        only_of = {p["id"]: p["only"] for p in payloads}
        # A dry run makes every change a real run makes, counts them, and undoes them.
        with store.transaction(rollback=dry_run):
            for result in results:
                if result["tokens"] is not None:
                    report.tokenized += 1
                    store.cache_tokens(
                        result["id"], shas[result["id"]], fingerprint, result["tokens"]
                    )
                done = store.replace_suggestions(
                    result["id"],
                    coder,
                    only_of[result["id"]],
                    result["findings"],
                    book.content_version,
                )
                report.added += done["added"]
                report.removed += done["removed"]
                report.kept_decisions += done["kept"]
            ids = [r["id"] for r in rows]
            # suggestions of codes whose rules did not change are what the new version
            # gives too; the others keep the version that made them until judged again
            same = {c for c in current if c not in changed}
            if selected is not None:
                same |= selected
            store.stamp_suggestions(coder, ids, book.content_version, same)
            if selected is None:  # a document counts as coded once all codes were judged
                for row in rows:
                    state["docs"][str(row["id"])] = row["sha256"]
            if not docs:  # rules count as applied only once every document had them
                for code in current.keys() | state["codes"].keys():
                    if selected is None or code in selected:
                        if code in current:
                            state["codes"][code] = current[code]
                        else:
                            state["codes"].pop(code, None)
            state["tokenizer"] = fingerprint
            store.set_setting(state_key, json.dumps(state, sort_keys=True))
            counts = Counter(store.automatic_counts(coder, ids, selected))
        report.rejudged = len(payloads)
        report.codings = sum(counts.values())
        report.by_code = dict(sorted(counts.items()))
        return report


def code_fingerprints(book: Codebook) -> dict[str, str]:
    """A hash of each code's rules (with the codebook's defaults applied): a code whose
    fingerprint is unchanged gives the same suggestions on the same tokens."""
    import hashlib

    return {
        code.id: hashlib.sha256(repr(code.rules).encode("utf-8")).hexdigest()[:16]
        for code in book.walk()
        if code.rules
    }


def _load_state(raw: str | None, tokenizer: str) -> dict[str, Any]:
    """What the last run of a coder coded: by which rules, on which document texts."""
    empty = {"tokenizer": tokenizer, "codes": {}, "docs": {}}
    if not raw:
        return empty
    try:
        state = json.loads(raw)
    except ValueError:
        return empty
    if state.get("tokenizer") != tokenizer:  # different tokens: everything is judged again
        return empty
    return {
        "tokenizer": tokenizer,
        "codes": dict(state.get("codes", {})),
        "docs": dict(state.get("docs", {})),
    }


def _run(payloads, jobs, codebook, selected, settings, progress) -> list[dict]:
    total = len(payloads)
    results: list[dict] = []
    if jobs == 1 or total < 2:
        for done, payload in enumerate(payloads, 1):
            results.append(_code_one(payload))
            if progress:
                progress(done, total, payload["name"])
        return results
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    yaml_text, book = codebook
    context = mp.get_context("forkserver" if os.name != "nt" else "spawn")
    with ProcessPoolExecutor(
        max_workers=min(jobs, total),
        mp_context=context,
        initializer=_worker_init,
        initargs=(yaml_text, book.source or "codebook", selected, settings),
    ) as pool:
        for done, result in enumerate(pool.map(_code_one, payloads, chunksize=1), 1):
            results.append(result)
            if progress:
                progress(done, total, payloads[done - 1]["name"])
    return results


# -- explain ----------------------------------------------------------------------------------


def explain(
    project: str | Path | Project | None,
    doc: str | int,
    turn: int,
    *,
    spacy_model: str | None = None,
) -> dict[str, Any]:
    """Every rule that fired or was vetoed on one turn, and why."""
    from .coding.engine import findings
    from .operations import resolve_turn

    with using_project(project) as proj:
        store = proj.store
        row, seg = resolve_turn(store, doc, turn)
        segments = store.segments(row["id"])
        stored = [c for c in codings_of(store, row, segments) if c["turn"] == turn]
        book, _, _ = _codebook(proj, record=False)
        engine = _make_engine(book, None, _settings(proj, spacy_model))
        cached = store.cached_tokens(row["id"], row["sha256"], engine.tokenizer.fingerprint)
    from .coding.tokenize import Tokens

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
    from .coding.engine import zh_words

    starts, ends = set(tokens.starts), set(tokens.ends)
    body = text[start:end]
    notes = []
    for word in sorted(zh_words(engine.book)):
        at = body.find(word)
        while at != -1:
            a, b = start + at, start + at + len(word)
            if a not in starts or b not in ends:
                covering = [
                    k for k in range(len(tokens)) if tokens.starts[k] < b and tokens.ends[k] > a
                ]
                words = [text[tokens.starts[k] : tokens.ends[k]] for k in covering]
                first, last = covering[0], covering[-1]
                notes.append(
                    {
                        "word": word,
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


def codings_of(store, row, segments) -> list[dict[str, Any]]:
    """A document's codings in the shape ``show --json`` prints."""
    from bisect import bisect_right

    starts = [s.label_start for s in segments]
    memos = store.coding_memos(row["id"])
    out = []
    for c in store.codings_detail(row["id"]):
        i = bisect_right(starts, c["start"]) - 1
        origin = c["origin"]
        kind = (
            "rule" if origin.startswith("rule:") else "import" if origin == "imported" else "manual"
        )
        out.append(
            {
                "id": c["id"],
                "code": c["code_id"],
                "turn": segments[i].n if i >= 0 and segments else None,
                "start": c["start"],
                "end": c["end"],
                "coder": c["coder"],
                "origin": kind,
                "status": c["status"],
                "rule": origin[5:] if kind == "rule" else None,
                "evidence": json.loads(c["evidence"]) if c["evidence"] else [],
                "confidence": c["confidence"],
                "memo": c["memo"],  # every memo on it, one a line
                "memos": [
                    {"id": m["id"], "text": m["text"], "author": m["author"], "at": m["created_at"]}
                    for m in memos.get(c["id"], [])
                ],
            }
        )
    return out
