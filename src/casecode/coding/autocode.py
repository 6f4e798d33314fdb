"""``autocode`` (``casecode code``): code documents with the codebook's rules, re-judging only
what changed since the coder's last run, in one process or several."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from casecode.codebook.load import require_valid
from casecode.codebook.refs import select_codes
from casecode.codebook.validate import validate_text
from casecode.coding.calibration import recalibrate
from casecode.coding.engine import findings
from casecode.coding.settings import (
    code_fingerprints,
    coding_codebook,
    coding_settings,
    make_engine,
    run_state,
    save_run_state,
)
from casecode.coding.tokenize import Tokens
from casecode.corpus.documents import resolve_documents
from casecode.errors import CasecodeError
from casecode.model import Segment
from casecode.project import Project, using_project

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
    tokenized: int = 0  # documents tokenised afresh (the others came from the cache)
    rejudged: int = 0  # documents the rules were run on (the others had nothing that changed)
    # documents in neither Chinese nor English: coded only when named
    not_coded: list[str] = field(default_factory=list)
    timed_out: list[str] = field(default_factory=list)  # rules whose regex ran out of time

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# Work shared with worker processes: one engine per process.
_ENGINE: dict[str, Any] = {}


def _worker_init(
    yaml_text: str, source: str, codes, settings: dict[str, Any], parent: int | None = None
) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if parent is not None:
        _watch_parent(parent)
    book = require_valid(validate_text(yaml_text, source))
    _ENGINE["engine"] = make_engine(book, codes, settings)


def _watch_parent(parent: int) -> None:
    """End this worker as soon as the process that started the run is gone (killed, even with
    SIGKILL, which it cannot pass on): a worker is never left behind."""
    import threading
    import time

    def watch() -> None:
        while True:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # the pid was reused by someone else's process
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, name="casecode-parent-watch", daemon=True).start()


def _code_one(payload: dict[str, Any]) -> dict[str, Any]:
    """Tokenise (unless cached) and match one document; runs in a worker or in-process."""

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
    timed_out = sorted(engine.rules[i].id for i in engine.timed_out)
    return {"id": payload["id"], "findings": rows, "tokens": fresh, "timed_out": timed_out}


def autocode(
    project: str | Path | Project | None = None,
    *,
    codes: Iterable[str] | None = None,
    docs: Iterable[str | int] | None = None,
    dry_run: bool = False,
    jobs: int = 1,
    coder: str = DEFAULT_CODER,
    spacy_model: str | None = None,
    min_confidence: float = 0.0,
    progress: Progress | None = None,
) -> CodeReport:
    """``casecode code``: code documents with the project's codebook rules (a project without a
    codebook is refused: choose one with ``casecode codebook use``).

    Re-running replaces only ``coder``'s earlier suggestions; manual codings and reviewed
    suggestions stay. A re-run judges again only what changed since that coder's last run —
    new or edited documents, codes whose rules changed — unless ``codes`` or ``docs`` name what
    to judge afresh. ``jobs`` > 1 spreads documents over processes with identical results.
    ``min_confidence`` keeps suggestions weaker than it out (changing it judges everything
    again).
    """

    if jobs < 1:
        raise CasecodeError("--jobs must be at least 1")
    if not 0.0 <= min_confidence <= 1.0:
        raise CasecodeError(f"min_confidence {min_confidence} is not between 0 and 1")
    coder = coder.strip()
    if not coder:
        raise CasecodeError("the coder needs a name")
    with using_project(project) as proj:
        store = proj.store
        if "hand" in store.coder_made(coder):  # suggestions under a person's name would pass
            raise CasecodeError(  # for their judgement in agree and evaluate
                f"'{coder}' has codings made by hand, so rule suggestions cannot be theirs",
                hint="code as auto (the default) or under a new name for the rules",
            )
        book, yaml_text = coding_codebook(proj)
        selected = select_codes(book, codes)
        rows = resolve_documents(store, docs)
        not_coded = [] if docs else [r["name"] for r in rows if r["language"] == "other"]
        rows = [r for r in rows if r["name"] not in not_coded]
        settings = coding_settings(proj, spacy_model)
        engine = make_engine(book, None, settings)
        _ENGINE["engine"] = engine
        fingerprint = engine.tokenizer.fingerprint
        state = run_state(store, coder, fingerprint)
        current = code_fingerprints(book, min_confidence)
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
                        (s.n, s.speaker, s.start, s.end, s.label_start, s.timestamp, s.kind, s.role)
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
            not_coded=not_coded,
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
                kept = [f for f in result["findings"] if f["confidence"] >= min_confidence]
                done = store.replace_suggestions(
                    result["id"],
                    coder,
                    only_of[result["id"]],
                    kept,
                    book.content_version,
                )
                report.added += done["added"]
                report.removed += done["removed"]
                report.kept_decisions += done["kept"]
            # the stored confidence is calibrated by the rules' review records
            # (coding.calibration); the evidence's own strength is kept beside it
            recalibrate(store)
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
            save_run_state(store, coder, state)
            counts = Counter(store.automatic_counts(coder, ids, selected))
        report.rejudged = len(payloads)
        report.timed_out = sorted({r for result in results for r in result["timed_out"]})
        report.codings = sum(counts.values())
        report.by_code = dict(sorted(counts.items()))
        return report


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
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, total),
        mp_context=context,
        initializer=_worker_init,
        initargs=(yaml_text, book.source or "codebook", selected, settings, os.getpid()),
    )
    with _terminate_raises():
        try:
            for done, result in enumerate(pool.map(_code_one, payloads, chunksize=1), 1):
                results.append(result)
                if progress:
                    progress(done, total, payloads[done - 1]["name"])
        except BaseException:  # Ctrl-C, SIGTERM, a worker's error: no worker goes on
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
            # documents still queued for the dead workers must not hold up the exit
            queue = getattr(pool, "_call_queue", None)
            if queue is not None:
                queue.cancel_join_thread()
            pool.shutdown(wait=False)
            raise
        pool.shutdown()
    return results


@contextmanager
def _terminate_raises():
    """While workers run, SIGTERM ends the run as Ctrl-C does (its workers terminated), not
    abruptly with the workers left running."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- explain ----------------------------------------------------------------------------------
