"""``suggest_keywords`` (``casecode suggest``): candidate keywords for a code, from the turns
people coded with it, ranked by weighted log-odds against the rest of the corpus."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from casecode.codebook.codes import Words
from casecode.codebook.refs import resolve_code
from casecode.codebook.use import project_codebook
from casecode.coding.engine import zh_words
from casecode.coding.settings import coding_settings
from casecode.coding.tokenize import Tokenizer, Tokens, is_punct
from casecode.errors import CasecodeError
from casecode.project import Project, using_project
from casecode.review.coders import check_coders

_CJK = "\u3400-\u9fff"


_NUMERALS = set("零〇一二两三四五六七八九十百千万亿几半第")


PRIOR_SCALE = 0.1  # the prior weighs a tenth of the corpus: rare words do not all tie at the top


SNIPPET_Z = 1.96  # the YAML snippet: candidates leaning to the code at the 5% level (two-sided)


def _is_zh(term: str) -> bool:
    import re

    return re.search(f"[{_CJK}]", term) is not None


def _rule_words(code) -> set[str]:

    found: set[str] = set()

    def add(words: Words) -> None:
        found.update(w.strip().casefold() for w in (*words.zh, *words.en, *words.both))

    for c in code.walk():
        for r in c.rules:
            for m in (r.match, *r.any, *r.all):
                add(m.keywords)
                for n in m.near:
                    for g in n.groups:
                        add(g)
            add(r.exclude)
    return found


def _near_rule_word(term: str, known: set[str]) -> bool:
    """Whether ``term`` is, contains or is contained in a word the rules use (Chinese: as
    characters, 事谁负责 and 谁负责; English: as whole words, village committee and committee)."""
    term = term.casefold()
    if _is_zh(term):
        return any(k in term or term in k for k in known if k and _is_zh(k))
    words = term.split()

    def within(part: list[str], whole: list[str]) -> bool:
        n = len(part)
        return any(whole[i : i + n] == part for i in range(len(whole) - n + 1))

    for k in known:
        if k and not _is_zh(k):
            kw = k.split()
            if within(kw, words) or within(words, kw):
                return True
    return False


def _stop_words(extra: set[str]) -> set[str]:
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.zh.stop_words import STOP_WORDS as ZH

    return {w.casefold() for w in (*EN, *ZH, *extra)}


def log_odds(
    target: Counter, other: Counter, *, prior_scale: float = 1.0
) -> dict[str, tuple[float, float]]:
    """Weighted log-odds ratios with an informative Dirichlet prior (Monroe, Colaresi & Quinn
    2008, eq. 16-22): the prior is the pooled counts times ``prior_scale`` (α_w = scale · y_w,
    α_0 = scale · n). Returns each word's (δ, z) for ``target`` against ``other``; z > 0 leans
    to ``target``."""
    pooled = target + other
    a0 = prior_scale * sum(pooled.values())
    n_t, n_o = sum(target.values()), sum(other.values())
    found = {}
    for w, total in pooled.items():
        a = prior_scale * total
        yt, yo = target.get(w, 0), other.get(w, 0)
        delta = math.log((yt + a) / (n_t + a0 - yt - a)) - math.log((yo + a) / (n_o + a0 - yo - a))
        var = 1 / (yt + a) + 1 / (yo + a)
        found[w] = (delta, delta / math.sqrt(var))
    return found


def suggest_keywords(
    project: str | Path | Project | None,
    code: str,
    *,
    top: int = 20,
    coders: Iterable[str] | None = None,
    min_turns: int = 2,
    min_z: float = SNIPPET_Z,
) -> dict[str, Any]:
    """``casecode suggest``: candidate keywords for ``code`` from the turns people coded with it (or
    a descendant): words and two-word phrases (jieba for Chinese, spaCy for English, English as
    lemmas) ranked by weighted log-odds (z) against every other turn, leaving out words that are,
    contain or are contained in a word the code's rules already use, stop words (spaCy's Chinese and
    English lists and the project's), numbers (七十岁 and 两个 too), punctuation, one-character
    words, and words in fewer than ``min_turns`` coded turns.

    Returns ``{code, label, coded_turns, other_turns, min_z, terms, yaml}``: ``terms`` the
    ``top`` candidates, each ``{term, lang, z, delta, count, turns, other}`` (``count``:
    occurrences in the coded turns, ``turns``: coded turns with it, ``other``: occurrences
    elsewhere); ``yaml`` a ``keywords:`` snippet of those with z ≥ ``min_z`` (as shown, to two
    decimals), empty when there are none.

    People's codings are manual and imported ones and accepted suggestions (``coders`` narrows
    them); open suggestions are not anyone's judgement yet and do not count.
    """
    import yaml

    if top < 1:
        raise CasecodeError("--top must be at least 1")
    with using_project(project) as proj:
        store = proj.store
        book = project_codebook(proj, required=True)
        entry = resolve_code(book, code)
        wanted = {c.id for c in entry.walk()}
        names = store.coder_names()
        chosen = list(coders) if coders else names
        if coders:
            check_coders(store, chosen, at_least=1)
        rows = store.codings_by(chosen) if chosen else []
        human = [
            r
            for r in rows
            if r["code_id"] in wanted
            and (not r["origin"].startswith("rule:") or r["status"] == "accepted")
        ]
        if not human:
            raise CasecodeError(
                f"nobody has coded {entry.id} yet",
                hint="suggestions come from the turns people coded with it (casecode tag)",
            )
        coded: dict[int, list[tuple[int, int]]] = {}
        for r in human:
            coded.setdefault(r["document_id"], []).append((r["start"], r["end"]))
        settings = coding_settings(proj)
        tokenizer = Tokenizer(zh_words(book), settings["user_dict"], hmm=settings["hmm"])
        stop = _stop_words(settings["stop_words"])
        known = _rule_words(entry)
        target: Counter[str] = Counter()
        other: Counter[str] = Counter()
        in_turns: Counter[str] = Counter()
        n_target = n_other = 0
        for row in store.all_documents():
            text, lang = row["text"], row["language"]
            cached = store.cached_tokens(row["id"], row["sha256"], tokenizer.fingerprint)
            tokens = Tokens.from_blobs(*cached) if cached else tokenizer.tokenize(text, lang)
            spans = coded.get(row["id"], [])
            k = 0
            for seg in store.segments(row["id"]):
                here = []
                while k < len(tokens) and tokens.starts[k] < seg.end:
                    if tokens.starts[k] >= seg.start:
                        here.append(k)
                    k += 1
                terms = _terms(text, tokens, here, stop, is_punct)
                is_coded = any(a < seg.end and b > seg.start for a, b in spans)
                if is_coded:
                    n_target += 1
                    target.update(terms)
                    in_turns.update(set(terms))
                else:
                    n_other += 1
                    other.update(terms)
        scores = log_odds(target, other, prior_scale=PRIOR_SCALE)
        ranked = [
            {
                "term": w,
                "lang": "zh" if _is_zh(w) else "en",
                "z": z,
                "delta": d,
                "count": target[w],
                "turns": in_turns[w],
                "other": other.get(w, 0),
            }
            for w, (d, z) in scores.items()
            if target.get(w, 0)
            and z > 0
            and in_turns[w] >= min_turns
            and not _near_rule_word(w, known)
        ]
        ranked.sort(key=lambda t: (-t["z"], t["term"]))
        ranked = ranked[:top]
        strong = [t for t in ranked if round(t["z"], 2) >= min_z]
        by_lang = {
            lang: [t["term"] for t in strong if t["lang"] == lang]
            for lang in ("zh", "en")
            if any(t["lang"] == lang for t in strong)
        }
        snippet = ""
        if by_lang:
            snippet = yaml.safe_dump(
                {"keywords": by_lang},
                allow_unicode=True,
                default_flow_style=None,
                sort_keys=False,
                width=100,
            )
        return {
            "code": entry.id,
            "label": entry.text("label"),
            "coded_turns": n_target,
            "other_turns": n_other,
            "min_z": min_z,
            "terms": ranked,
            "yaml": snippet,
        }


def _terms(text, tokens, indices, stop, is_punct) -> list[str]:
    """A turn's candidate terms: content words and adjacent pairs of them."""
    words = []
    for k in indices:
        raw = text[tokens.starts[k] : tokens.ends[k]]
        word = tokens.norm(k) if raw.isascii() else raw  # an English word's lemma
        content = (
            not is_punct(raw)
            and not any(ch.isdigit() for ch in raw)
            and not (raw[0] in _NUMERALS and len(raw) <= 3)  # 七十岁 两个 第一个 一部分
            and word.casefold() not in stop
            and raw.casefold() not in stop
        )
        words.append((k, word, content))
    found = []
    for i, (k, word, content) in enumerate(words):
        if not content:
            continue
        zh = _is_zh(word)
        if len(word) > 1 and (zh or word.isascii()):
            found.append(word)
        if i + 1 < len(words):
            k2, word2, content2 = words[i + 1]
            gap = text[tokens.ends[k] : tokens.starts[k2]]
            if (
                content2
                and zh == _is_zh(word2)
                and (not gap or (gap.isspace() and "\n" not in gap))
            ):
                found.append(word + word2 if zh else f"{word} {word2}")
    return found
