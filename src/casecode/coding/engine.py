"""The matching engine: a codebook compiled once into spaCy matchers, run over token streams.

Every word list of every rule (keywords, near groups, all/any conditions, exclusions) goes into
one spaCy ``PhraseMatcher`` on the LEMMA attribute, keyed by the rule and the place in the rule
it came from; token patterns go into one ``Matcher``; regexes are compiled once. A document is
matched in one pass, then each rule is judged unit by unit (sentence, turn or paragraph): what
matched, what was vetoed (speaker, language, exclusion, negation, min_hits) and why. ``code``
keeps the units where a rule fired; ``explain`` keeps everything.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..codebook.model import Codebook, Matchers, Rule, Words
from ..corpus.language import detect_language
from ..model import Segment
from .tokenize import CLAUSE_END, Tokenizer, Tokens, is_punct
from .units import Unit, UnitIndex, units

Path_ = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    ts: int  # first token
    te: int  # one past the last token
    text: str


@dataclass(slots=True)
class Judgement:
    """What one rule made of one unit."""

    rule: Rule
    unit: Unit
    status: str  # "fired", "vetoed", "skipped", "unmatched"
    reason: str = ""
    hits: list[Hit] = field(default_factory=list)
    vetoed: list[tuple[Hit, str]] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        return self.rule.confidence(len(self.hits)) if self.status == "fired" else 0.0


@dataclass(slots=True)
class Finding:
    """A suggested coding: a unit, a code, the best rule behind it and the evidence."""

    start: int
    end: int
    turn: int
    code: str
    rule: str
    confidence: float
    evidence: list[dict[str, Any]]


def _words(words: Words) -> list[tuple[str, bool]]:
    """Each word with whether to tokenise it as Chinese."""
    out = []
    for lang, items in (("zh", words.zh), ("en", words.en), (None, words.both)):
        for word in items:
            zh = lang == "zh" or (lang is None and re.search(r"[\u3400-\u9fff]", word) is not None)
            out.append((word, zh))
    return out


def zh_words(book: Codebook) -> set[str]:
    """The Chinese words that join jieba's dictionary: every word list except negation cues."""
    found: set[str] = set()

    def add(m: Matchers) -> None:
        for group in (m.keywords, *(g for n in m.near for g in n.groups)):
            found.update(w for w, zh in _words(group) if zh)

    for rule in book.rules():
        add(rule.match)
        for cond in (*rule.any, *rule.all):
            add(cond)
        found.update(w for w, zh in _words(rule.exclude) if zh)
    return found


class Engine:
    """A codebook compiled for matching (build once, use for many documents)."""

    def __init__(
        self,
        book: Codebook,
        *,
        codes: set[str] | None = None,
        tokenizer: Tokenizer | None = None,
        stop_words: set[str] = frozenset(),
    ) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        self.book = book
        self.rules: list[Rule] = [r for r in book.rules() if codes is None or r.code in codes]
        self.tokenizer = tokenizer or Tokenizer(zh_words(book))
        self.vocab = self.tokenizer.nlp.vocab
        self.stop_words = {w.lower() for w in stop_words}
        self.phrases = PhraseMatcher(self.vocab, attr="NORM")
        self.patterns = Matcher(self.vocab)
        self.regexes: list[tuple[tuple[int, Path_], re.Pattern]] = []
        self.needs_lemma = False
        self.phrase_norms: set[str] = set()
        self._languages: dict[tuple[int, int], str] = {}  # a unit's language, per document
        self.keys: dict[int, tuple[int, Path_]] = {}
        self.cues: list[frozenset[str]] = []
        self.plans = [
            (
                _plan((), r.match),
                tuple(_plan(("any", j), c) for j, c in enumerate(r.any)),
                tuple(_plan(("all", j), c) for j, c in enumerate(r.all)),
            )
            for r in self.rules
        ]
        self._allowed: dict[tuple[int, str | None], bool] = {}
        for i, rule in enumerate(self.rules):
            self._matchers(i, (), rule.match)
            for j, cond in enumerate(rule.any):
                self._matchers(i, ("any", j), cond)
            for j, cond in enumerate(rule.all):
                self._matchers(i, ("all", j), cond)
            if rule.exclude:
                self._phrases(i, ("ex",), rule.exclude)
            cues = rule.negation.cues
            self.cues.append(frozenset(w.lower() for w in (*cues.zh, *cues.en, *cues.both)))

    # -- compiling
    def _key(self, i: int, path: Path_) -> str:
        key = f"{i}|{'/'.join(map(str, path))}"
        self.keys[self.vocab.strings.add(key)] = (i, path)
        return key

    def _phrases(self, i: int, path: Path_, words: Words) -> None:
        from spacy.tokens import Doc

        docs = []
        for word, zh in _words(words):
            # a Chinese word is in jieba's dictionary (zh_words), so it is one token
            tokens = [word] if zh else self.tokenizer.phrase(word, "en")
            if tokens:
                norms = [self.tokenizer.lemma(w) if w.isascii() else w.lower() for w in tokens]
                self.phrase_norms.update(norms)
                doc = Doc(self.vocab, words=norms, spaces=[False] * len(norms))
                for token, norm in zip(doc, norms, strict=True):
                    token.norm_ = norm
                docs.append(doc)
        if docs:
            self.phrases.add(self._key(i, path), docs)

    def _matchers(self, i: int, prefix: Path_, m: Matchers) -> None:
        if m.keywords:
            self._phrases(i, (*prefix, "kw"), m.keywords)
        if m.patterns:
            self.patterns.add(self._key(i, (*prefix, "pat")), [list(p) for p in m.patterns])
            if "LEMMA" in repr(m.patterns).upper():
                self.needs_lemma = True
        for rx in m.regex:
            self.regexes.append(((i, (*prefix, "rx")), re.compile(rx)))
        for n, near in enumerate(m.near):
            for g, group in enumerate(near.groups):
                self._phrases(i, (*prefix, "near", n, g), group)

    # -- matching
    def doc(self, tokens: Tokens, words: list[str], language: str = "zh"):
        """A spaCy Doc to match on, and which token each of its tokens is (``None``: all).

        Word lists match on NORM, set to each token's lemma (English) or lower-case form. When
        the codebook has no token patterns, the Doc holds only the runs of tokens that occur in
        some word list, separated by a token no list contains: the phrase matcher finds exactly
        the same matches, and building the Doc costs a fraction.
        """
        from spacy.tokens import Doc

        lemmas = tokens.lemmas
        if len(self.patterns) or (self.tokenizer.model and language == "en"):
            if self.needs_lemma:  # token patterns that name LEMMA
                lemma_list = [lemmas.get(k) or w.lower() for k, w in enumerate(words)]
                doc = Doc(self.vocab, words=words, spaces=[False] * len(words), lemmas=lemma_list)
            else:
                doc = Doc(self.vocab, words=words, spaces=[False] * len(words))
            for k, lemma in lemmas.items():
                doc[k].norm_ = lemma
            if self.tokenizer.model and language == "en":  # a trained pipeline tags our tokens
                for _, component in self.tokenizer.nlp.pipeline:
                    doc = component(doc)
            return doc, None
        vocabulary = self.phrase_norms
        picked, index, previous = [], [], -2
        for k, word in enumerate(words):
            norm = lemmas.get(k) or word.lower()
            if norm in vocabulary:
                if k != previous + 1 and index:
                    picked.append("\x00")
                    index.append(-1)
                picked.append(norm)
                index.append(k)
                previous = k
        return Doc(
            self.vocab, words=picked or ["\x00"], spaces=[False] * max(len(picked), 1)
        ), index

    def hits(
        self, text: str, tokens: Tokens, words: list[str], language: str = "zh"
    ) -> dict[tuple[int, Path_], list[Hit]]:
        starts, ends = tokens.starts, tokens.ends
        found: dict[tuple[int, Path_], list[Hit]] = defaultdict(list)
        if not words:
            return found
        doc, index = self.doc(tokens, words, language)
        for matcher in (self.phrases, self.patterns):
            if not len(matcher):
                continue
            for match_id, s, e in matcher(doc):
                if index is not None:
                    s, e = index[s], index[e - 1] + 1
                a, b = starts[s], ends[e - 1]
                found[self.keys[match_id]].append(Hit(a, b, s, e, text[a:b]))
        for key, rx in self.regexes:
            for m in rx.finditer(text):
                if m.end() > m.start():
                    s = bisect_right(ends, m.start())
                    e = max(bisect_left(starts, m.end()), s + 1)
                    found[key].append(Hit(m.start(), m.end(), s, e, m.group()))
        return found

    # -- judging
    def judge(
        self,
        text: str,
        segments: list[Segment],
        tokens: Tokens,
        *,
        keep_all: bool = False,
        turn: int | None = None,
        language: str = "zh",
        only: set[str] | None = None,
    ) -> list[Judgement]:
        """Judge every rule on every unit where something of it matched.

        ``keep_all`` keeps the units where a rule did not fire (for ``explain``); ``turn``
        limits the work to one turn, ``only`` to the rules of some codes.
        """
        if any(s.speaker for s in segments):  # titles and headers around an interview
            segments = [s for s in segments if s.speaker]
        if turn is not None:
            segments = [s for s in segments if s.n == turn]
        words = tokens.words or [text[s:e] for s, e in zip(tokens.starts, tokens.ends, strict=True)]
        hits = self.hits(text, tokens, words, language)
        self._languages: dict[tuple[int, int], str] = {}
        by_rule: dict[int, dict[Path_, list[Hit]]] = defaultdict(dict)
        for (i, path), found in hits.items():
            by_rule[i][path] = found
        indexes: dict[str, UnitIndex] = {}
        judgements = []
        for i in sorted(by_rule):
            rule = self.rules[i]
            if only is not None and rule.code not in only:
                continue
            if rule.scope not in indexes:
                indexes[rule.scope] = UnitIndex(units(text, segments, rule.scope))
            index = indexes[rule.scope]
            per_unit: dict[int, dict[Path_, list[Hit]]] = {}
            allowed: dict[int, bool] = {}
            for path, found in by_rule[i].items():
                for hit in found:
                    u = index.find(hit.start, hit.end)
                    if u is None:
                        continue
                    if not keep_all:  # a turn whose speaker does not count needs no judging
                        ok = allowed.get(u)
                        if ok is None:
                            ok = allowed[u] = self._allows(i, index.units[u].speaker)
                        if not ok:
                            continue
                    per_unit.setdefault(u, {}).setdefault(path, []).append(hit)
            for u in sorted(per_unit):
                j = self._judge(i, rule, index.units[u], per_unit[u], text, tokens, words)
                if keep_all or j.status == "fired":
                    judgements.append(j)
        return judgements

    def _allows(self, i: int, speaker: str | None) -> bool:
        key = (i, speaker)
        if key not in self._allowed:
            self._allowed[key] = self.rules[i].speakers.allows(speaker)
        return self._allowed[key]

    def _judge(self, i, rule, unit, hits, text, tokens, words) -> Judgement:
        if not self._allows(i, unit.speaker):
            who = unit.speaker or "no speaker"
            return Judgement(rule, unit, "skipped", f"speaker '{who}' does not count for this rule")
        if rule.lang:
            lang = self._languages.get((unit.start, unit.end))
            if lang is None:
                lang = detect_language(text[unit.start : unit.end])
                self._languages[(unit.start, unit.end)] = lang
            if lang not in (rule.lang, "mixed"):
                return Judgement(rule, unit, "skipped", f"the unit is {lang}, the rule {rule.lang}")
        main, anys, alls = self.plans[i]
        primary = _collect(main, hits)
        for plan in anys:
            primary += _collect(plan, hits)
        required = []
        for j, plan in enumerate(alls):
            found = _collect(plan, hits)
            if not found:
                return Judgement(
                    rule, unit, "unmatched", f"'all' condition {j + 1} is not met", primary
                )
            required += found
        if not rule.match and not rule.any:
            primary = required
        if not primary:
            return Judgement(rule, unit, "unmatched", "nothing to count", required)
        primary = _distinct(primary)
        if hits.get(("ex",)):
            word = hits[("ex",)][0].text
            return Judgement(rule, unit, "vetoed", f"excluded by '{word}'", primary)
        kept, vetoed = [], []
        for hit in primary:
            cue = (
                self._negated(i, rule, hit, text, tokens, words) if rule.negation.enabled else None
            )
            if cue is None:
                kept.append(hit)
            else:
                vetoed.append((hit, f"negated by '{cue}'"))
        if len(kept) < rule.min_hits:
            reason = (
                vetoed[0][1]
                if vetoed and not kept
                else f"{len(kept)} hit(s), min_hits is {rule.min_hits}"
            )
            return Judgement(rule, unit, "vetoed", reason, kept, vetoed)
        return Judgement(rule, unit, "fired", "", kept, vetoed)

    def _negated(self, i, rule, hit, text, tokens, words) -> str | None:
        cues, window = self.cues[i], rule.negation.window
        starts, ends = tokens.starts, tokens.ends
        k, counted = hit.ts - 1, 0
        while k >= 0 and counted < window:
            if "\n" in text[ends[k] : starts[k + 1]]:
                break
            word = words[k]
            if any(ch in CLAUSE_END for ch in word) and is_punct(word):  # not "1.5"
                break
            lower = word.lower()
            if lower in cues:
                return word
            if not is_punct(word) and lower not in self.stop_words:
                counted += 1
            k -= 1
        return None


Plan = tuple[tuple[Path_, ...], tuple[tuple[tuple[Path_, ...], int, bool], ...]]


def _plan(prefix: Path_, m: Matchers) -> Plan:
    """Where a matcher's hits are filed: simple keys, and near blocks (group keys, window)."""
    simple = tuple((*prefix, kind) for kind in ("kw", "pat", "rx"))
    near = tuple(
        (tuple((*prefix, "near", n, g) for g in range(len(b.groups))), b.window, b.ordered)
        for n, b in enumerate(m.near)
    )
    return simple, near


def _collect(plan: Plan, hits: dict[Path_, list[Hit]]) -> list[Hit]:
    simple, near = plan
    found: list[Hit] = []
    for key in simple:
        if key in hits:
            found += hits[key]
    for keys, window, ordered in near:
        groups = [hits.get(k) for k in keys]
        if all(groups):
            found += _near(groups, window, ordered)
    return found


def _distinct(found: list[Hit]) -> list[Hit]:
    """Hits in reading order, each counted once: one inside another is the same mention
    ("civil affairs" inside "county civil affairs bureau")."""
    out: list[Hit] = []
    reach = -1  # the furthest end of a hit kept so far; earlier hits start no later
    for hit in sorted(found, key=lambda h: (h.start, -h.end)):
        if hit.end > reach:
            out.append(hit)
            reach = hit.end
    return out


def _near(groups: list[list[Hit]], window: int, ordered: bool) -> list[Hit]:
    """Spans where a hit of every group lies within ``window`` tokens of the others."""
    events = sorted(
        ((h.ts, g, h) for g, found in enumerate(groups) for h in found),
        key=lambda e: (e[0], e[1], e[2].start, e[2].end),
    )
    combos: dict[tuple[int, int], Hit] = {}
    need = len(groups)
    for a, (_, g0, first) in enumerate(events):
        if ordered and g0 != 0:
            continue
        chosen = {g0: first}
        for _, g, hit in events[a + 1 :]:
            if hit.ts - first.te > window:
                break
            if ordered and g != len(chosen):
                continue
            if g not in chosen and hit.ts >= first.ts:
                chosen[g] = hit
                if len(chosen) == need:
                    break
        if len(chosen) == need:
            parts = sorted(chosen.values(), key=lambda h: h.start)
            if max(h.ts for h in parts) - min(h.te for h in parts) <= window:
                start, end = parts[0].start, max(h.end for h in parts)
                combos.setdefault(
                    (start, end),
                    Hit(
                        start,
                        end,
                        parts[0].ts,
                        max(h.te for h in parts),
                        " … ".join(h.text for h in parts),
                    ),
                )
    return list(combos.values())


def findings(judgements: list[Judgement]) -> list[Finding]:
    """One suggestion per (unit, code): the most confident rule, with all rules' evidence."""
    merged: dict[tuple[int, int, str], Finding] = {}
    for j in judgements:
        if j.status != "fired":
            continue
        key = (j.unit.start, j.unit.end, j.rule.code)
        evidence = [
            {"text": h.text, "start": h.start, "end": h.end, "rule": j.rule.id} for h in j.hits
        ]
        old = merged.get(key)
        if old is None:
            merged[key] = Finding(
                j.unit.start,
                j.unit.end,
                j.unit.turn,
                j.rule.code,
                j.rule.id,
                j.confidence,
                evidence,
            )
        else:
            if j.confidence > old.confidence:
                old.rule, old.confidence = j.rule.id, j.confidence
            old.evidence = sorted(
                old.evidence + evidence, key=lambda e: (e["start"], e["end"], e["rule"])
            )
    return sorted(merged.values(), key=lambda f: (f.start, f.end, f.code))
