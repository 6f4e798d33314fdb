"""What shapes automatic coding in a project: its codebook (a project without one is refused),
its [coding] settings, its tokeniser and token cache, and the state of each rule coder's last run
(which rules, on which document texts)."""

from __future__ import annotations

import json
from typing import Any

from casecode.codebook.codes import Codebook
from casecode.codebook.use import BUILTIN_DEFAULT, project_codebook
from casecode.coding.engine import ENGINE_VERSION, Engine, zh_words
from casecode.coding.tokenize import Tokenizer, Tokens
from casecode.errors import CasecodeError
from casecode.project import Project


def coding_codebook(proj: Project) -> tuple[Codebook, str]:
    """The project's codebook and its YAML. A project without one is refused: coding it with a
    codebook nobody chose would fill the store with codings of a framework nobody picked."""

    row = proj.store.current_codebook()
    if row is None:
        raise CasecodeError(
            "this project has no codebook, so there is nothing to code with",
            file=proj.root,
            hint=f"choose one first: casecode codebook use {BUILTIN_DEFAULT}, or "
            "welfare_production, or a YAML file of your own",
        )
    return project_codebook(proj), row["content"]


def coding_settings(proj: Project, spacy_model: str | None = None) -> dict[str, Any]:
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

    settings = coding_settings(proj)
    row = proj.store.current_codebook()
    words = zh_words(coding_codebook(proj)[0]) if row is not None else set()
    return Tokenizer(words, settings["user_dict"], hmm=settings["hmm"])


def document_tokens(store, row, tokenizer):
    """A document's tokens: from the store's cache when they are there, else tokenised now."""

    cached = store.cached_tokens(row["id"], row["sha256"], tokenizer.fingerprint)
    if cached is not None:
        return Tokens.from_blobs(*cached)
    return tokenizer.tokenize(row["text"], row["language"])


def make_engine(book: Codebook, codes, settings: dict[str, Any]):

    tokenizer = Tokenizer(
        zh_words(book), settings["user_dict"], hmm=settings["hmm"], model=settings.get("model")
    )
    return Engine(book, codes=codes, tokenizer=tokenizer, stop_words=settings["stop_words"])


def code_fingerprints(book: Codebook, min_confidence: float = 0.0) -> dict[str, str]:
    """A hash of each code's rules (with the codebook's defaults applied), of the engine's
    version and of the weakest suggestion kept: a code whose fingerprint is unchanged gives the
    same suggestions on the same tokens."""
    import hashlib

    floor = f"|{min_confidence!r}" if min_confidence else ""
    return {
        code.id: hashlib.sha256(f"{ENGINE_VERSION}{code.rules!r}{floor}".encode()).hexdigest()[:16]
        for code in book.walk()
        if code.rules
    }


def _state_key(coder: str) -> str:
    return f"autocode:{coder}"


def run_state(store, coder: str, tokenizer: str) -> dict[str, Any]:
    """What ``coder``'s last run coded: by which rules (``codes``: code id → rules fingerprint),
    on which document texts (``docs``: document id → text hash), with which tokeniser. Empty
    when there was none, or when the tokeniser has changed since (everything is judged again)."""
    empty = {"tokenizer": tokenizer, "codes": {}, "docs": {}}
    state = _stored_state(store, coder)
    if state.get("tokenizer") != tokenizer:
        return empty
    return {
        "tokenizer": tokenizer,
        "codes": dict(state.get("codes", {})),
        "docs": dict(state.get("docs", {})),
    }


def save_run_state(store, coder: str, state: dict[str, Any]) -> None:
    store.set_setting(_state_key(coder), json.dumps(state, sort_keys=True))


def coded_documents(store, coder: str) -> set[int]:
    """The documents ``coder``'s runs of ``casecode code`` have judged."""
    docs = _stored_state(store, coder).get("docs", {})
    return {int(d) for d in docs if str(d).isdigit()} if isinstance(docs, dict) else set()


def _stored_state(store, coder: str) -> dict[str, Any]:
    raw = store.setting(_state_key(coder))
    try:
        state = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return state if isinstance(state, dict) else {}
