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
from typing import Any, NamedTuple

from casecode.codebook.codes import Codebook, Matchers, Rule, Words
from casecode.coding.tokenize import CLAUSE_END, Tokenizer, Tokens, is_punct, match_form
from casecode.coding.units import Unit, UnitIndex
from casecode.corpus.language import detect_language
from casecode.model import Segment

Path_ = tuple[Any, ...]


class Hit(NamedTuple):  # a tuple: made by the thousand per document
    start: int
    end: int
    ts: int  # first token
    te: int  # one past the last token
    text: str


# Bump when a change to judging changes what rules suggest: every code is judged again.
# 3: negation after, said to be over; 4: heads; 5: context; 6: 非政府; 7: context per language,
# substring contexts, a without word around the hit; 8: a without word inside a near hit;
# 9: a near hit's context judged against its groups' words; around counts whole sentences
ENGINE_VERSION = "9"

# How strongly one distinct piece of evidence of each kind points to a code (before the rule's
# weight): a word alone is the weakest; a phrase, a token pattern or a regex says more; two
# word groups close together (near) say most.
STRENGTH = {"word": 0.5, "head": 0.5, "phrase": 0.6, "pattern": 0.6, "regex": 0.6, "near": 0.7}


def confidence(pieces: list[tuple[str, str, float]], weight: float) -> float:
    """A suggestion's confidence: the rule's ``weight`` × the chance that at least one distinct
    piece of evidence is right, taking each as right with its kind's strength on its own
    (``1 - Π(1 - strength)``). The same word said three times is one piece: one word gives 0.5,
    two different words 0.75, three 0.875, a near pair 0.7 (× weight)."""
    missed = 1.0
    for _, _, strength in pieces:
        missed *= 1.0 - strength
    return round(min(1.0, max(0.0, weight * (1.0 - missed))), 4)


@dataclass(slots=True)
class Judgement:
    """What one rule made of one unit."""

    rule: Rule
    unit: Unit
    status: str  # "fired", "vetoed", "skipped", "unmatched"
    reason: str = ""
    hits: list[Hit] = field(default_factory=list)
    vetoed: list[tuple[Hit, str]] = field(default_factory=list)
    # the distinct pieces of evidence among ``hits``: (what, kind, strength), see ``evidence``
    pieces: list[tuple[str, str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what else decided it (a context found)

    @property
    def confidence(self) -> float:
        if self.status != "fired":
            return 0.0
        return confidence(self.pieces, self.rule.weight)


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
        for ctx in rule.context:
            if ctx.substring:  # its Chinese words are found by a regex, inside any token
                continue
            for words in (ctx.with_, ctx.without):
                found.update(w for w, zh in _words(words) if zh)
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
        self.stop_words = {match_form(w).lower() for w in stop_words}
        self.phrases = PhraseMatcher(self.vocab, attr="NORM")
        self.patterns = Matcher(self.vocab)
        self.regexes: list[tuple[tuple[int, Path_], re.Pattern]] = []
        self.regex_seconds = REGEX_SECONDS
        self.timed_out: set[int] = set()  # rules whose regex ran out of time (by index)
        self.needs_lemma = False
        # per rule: the one-word phrases, and the pairs of words next to each other in phrases
        self.phrase_words: dict[int, set[str]] = defaultdict(set)
        self.phrase_pairs: dict[int, set[tuple[str, str]]] = defaultdict(set)
        self._vocabularies: dict[frozenset[int] | None, tuple[set, set]] = {}
        self._languages: dict[tuple[int, int], str] = {}  # a unit's language, per document
        self.keys: dict[int, list[tuple[int, Path_]]] = {}  # a match id's word lists
        # Chinese words that also match as the head of a longer token: word → (rule, path)s
        self.heads: dict[str, set[tuple[int, Path_]]] = {}
        # this document's hits on a head, per rule: (path, hit)
        self._head_hits: dict[int, set[tuple[Path_, Hit]]] = {}
        self._heads_of: dict[str, tuple[tuple[int, Path_], ...]] = {}  # norm -> its head hits
        self.cues: list[frozenset[str]] = []  # per rule: one-word cues before a hit
        # ... and cues of several words, by their last word
        self.cue_runs: list[dict[str, tuple[tuple[str, ...], ...]]] = []
        self.after: list[re.Pattern | None] = []  # cues after a hit
        self.over: list[re.Pattern | None] = []  # markers that say a problem is over
        self.plans = [
            (
                _plan((), r.match),
                tuple(_plan(("any", j), c) for j, c in enumerate(r.any)),
                tuple(_plan(("all", j), c) for j, c in enumerate(r.all)),
            )
            for r in self.rules
        ]
        self.ways = [_ways(m, a, r) for (m, a, _), r in zip(self.plans, self.rules, strict=True)]
        self._allowed: dict[tuple[int, str | None, str | None], bool] = {}
        self._roles: dict[str, str] = {}
        # rules with a near block kept within a clause, and the clause ends of the document
        self.rules_near = [
            any(n.clause for m in (r.match, *r.any, *r.all) for n in m.near) for r in self.rules
        ]
        self._clause_ends: list[int] | None = None
        self._sentence_ends: list[int] | None = None  # this document's, found when needed
        self._scope_breaks: dict[str, tuple[list[int], list[int]]] = {}  # and its scopes' ends
        shared: dict[tuple, tuple[int, Path_]] = {}
        inside_words: dict[tuple, Any] = {}
        self.ctx_from: dict[int, list[tuple[Path_, tuple[int, Path_]]]] = defaultdict(list)
        # a substring context's Chinese words, by rule and list
        self.ctx_rx: dict[int, dict[Path_, Any]] = defaultdict(dict)  # regex patterns
        for i, rule in enumerate(self.rules):
            self._matchers(i, (), rule.match)
            for j, cond in enumerate(rule.any):
                self._matchers(i, ("any", j), cond)
            for j, cond in enumerate(rule.all):
                self._matchers(i, ("all", j), cond)
            if rule.exclude:
                self._phrases(i, ("ex",), rule.exclude)
            for j, ctx in enumerate(rule.context):
                for side, words in (("with", ctx.with_), ("without", ctx.without)):
                    # a list another rule has too is matched once, for both
                    same = (words.zh, words.en, words.both, ctx.substring)
                    if words and same in shared:
                        self.ctx_from[i].append((("ctx", j, side), shared[same]))
                        if same in inside_words:
                            self.ctx_rx[i][("ctx", j, side)] = inside_words[same]
                        continue
                    shared[same] = (i, ("ctx", j, side))
                    chinese = [w for w, zh in _words(words) if zh] if ctx.substring else []
                    if chinese:  # inside longer words too: looked for around a hit, when judged
                        import regex

                        longest = sorted(chinese, key=len, reverse=True)
                        alternatives = "|".join(regex.escape(match_form(w)) for w in longest)
                        rx = inside_words[same] = regex.compile(alternatives)
                        self.ctx_rx[i][("ctx", j, side)] = rx
                        rest = tuple(w for w in words.both if w not in chinese)
                        words = Words(en=words.en, both=rest)
                    if words:
                        self._phrases(i, ("ctx", j, side), words)
            negation = rule.negation
            before = [match_form(w).lower().split() for w in _all(negation.cues)]
            self.cues.append(frozenset(w[0] for w in before if len(w) == 1))
            runs: dict[str, list[tuple[str, ...]]] = {}
            for w in before:
                if len(w) > 1:
                    runs.setdefault(w[-1], []).append(tuple(w))
            self.cue_runs.append({last: tuple(r) for last, r in runs.items()})
            self.after.append(_cue_pattern(_all(negation.after)))
            self.over.append(_cue_pattern(_all(negation.over)))

    # -- compiling
    def _key(self, i: int, path: Path_) -> str:
        key = f"{i}|{'/'.join(map(str, path))}"
        self.keys[self.vocab.strings.add(key)] = [(i, path)]
        return key

    def _phrases(self, i: int, path: Path_, words: Words, *, heads: bool = False) -> None:
        """Word lists go to the phrase matcher; with ``heads``, a Chinese word of two or more
        characters also matches a longer token it ends (its head: 政府 in 人民政府)."""
        from spacy.tokens import Doc

        for word, zh in _words(words):
            # a Chinese word is in jieba's dictionary (zh_words), so it is one token
            tokens = [word] if zh else self.tokenizer.phrase(word, "en")
            if tokens:  # a keyword's tokens get their norms as a document's tokens do
                norms = [self.tokenizer.norm(w) for w in tokens]
                if len(norms) == 1:
                    self.phrase_words[i].add(norms[0])
                    if heads and zh and len(norms[0]) >= 2:
                        self.heads.setdefault(norms[0], set()).add((i, path))
                self.phrase_pairs[i].update(zip(norms, norms[1:], strict=False))
                # one matcher key per distinct phrase, shared by every list that has it, so a
                # word in many lists is matched, and its hit made, once
                name = "w|" + "\x1f".join(norms)
                match_id = self.vocab.strings.add(name)
                lists = self.keys.get(match_id)
                if lists is None:
                    doc = Doc(self.vocab, words=norms, spaces=[False] * len(norms))
                    for token, norm in zip(doc, norms, strict=True):
                        token.norm_ = norm
                    self.phrases.add(name, [doc])
                    lists = self.keys[match_id] = []
                if (i, path) not in lists:
                    lists.append((i, path))

    def _matchers(self, i: int, prefix: Path_, m: Matchers) -> None:
        if m.keywords:
            self._phrases(i, (*prefix, "kw"), m.keywords, heads=m.heads)
            chinese = [w for w, zh in _words(m.keywords) if zh]
            if m.substring and chinese:  # anywhere in the text, inside words too
                alternatives = "|".join(re.escape(match_form(w)) for w in sorted(chinese, key=len))
                self.regexes.append(((i, (*prefix, "kw")), re.compile(alternatives)))
        if m.patterns:
            self.patterns.add(self._key(i, (*prefix, "pat")), [list(p) for p in m.patterns])
            if "LEMMA" in repr(m.patterns).upper():
                self.needs_lemma = True
        for rx in m.regex:
            self.regexes.append(((i, (*prefix, "rx")), timed_pattern(rx)))
        for n, near in enumerate(m.near):
            for g, group in enumerate(near.groups):
                self._phrases(i, (*prefix, "near", n, g), group, heads=m.heads)

    # -- matching
    def vocabulary(self, rules: frozenset[int] | None = None) -> tuple[set, set]:
        """For the phrases of some rules (``None``: all): the one-word phrases, and the pairs
        of words that follow each other in a phrase."""
        found = self._vocabularies.get(rules)
        if found is None:
            picked = range(len(self.rules)) if rules is None else rules
            found = (
                set().union(*(self.phrase_words[i] for i in picked)),
                set().union(*(self.phrase_pairs[i] for i in picked)),
            )
            self._vocabularies[rules] = found
        return found

    def doc(
        self,
        tokens: Tokens,
        text: str,
        language: str = "zh",
        rules: frozenset[int] | None = None,
    ):
        """A spaCy Doc to match on, and which token each of its tokens is (``None``: all).

        Word lists match on NORM: each token's lemma (English) or lower-case form. When the
        codebook has no token patterns, the Doc holds only the tokens that could be part of a
        phrase of ``rules``: one-word phrases, and pairs of tokens that follow each other in
        some phrase. Every match in the whole document is then a match in this Doc; a match in
        this Doc across tokens that are not next to each other in the document is none, and
        ``hits`` drops it. Building the Doc costs a fraction of building the whole document,
        and the tokens are picked by their norms' indexes, without looking at their texts.
        """
        import numpy as np
        from spacy.tokens import Doc

        vocab = tokens.vocab
        ids = np.asarray(tokens.ids, dtype=np.int64)
        if len(self.patterns) or (self.tokenizer.model and language == "en"):
            words = tokens.texts(text)
            spaces = [False] * len(words)
            if self.needs_lemma:  # token patterns that name LEMMA
                doc = Doc(self.vocab, words=words, spaces=spaces, lemmas=tokens.norms())
            else:
                doc = Doc(self.vocab, words=words, spaces=spaces)
            if self.tokenizer.model and language == "en":  # a trained pipeline tags our tokens
                for _, component in self.tokenizer.nlp.pipeline:
                    doc = component(doc)
            return self._set_norms(doc, vocab, ids), None
        singles, pairs = self.vocabulary(rules)
        keep = np.fromiter(map(singles.__contains__, vocab), bool, len(vocab))[ids]
        if pairs and len(ids) > 1:
            where = dict(zip(vocab, range(len(vocab)), strict=True))
            size = len(vocab)
            codes = [where[a] * size + where[b] for a, b in pairs if a in where and b in where]
            if codes:
                paired = np.isin(ids[:-1] * size + ids[1:], codes)
                keep[:-1] |= paired
                keep[1:] |= paired
        index = np.flatnonzero(keep)
        if not len(index):
            return Doc(self.vocab, words=["\x00"], spaces=[False]), []  # nothing can match
        picked = ids[index]
        words = list(map(vocab.__getitem__, picked.tolist()))
        doc = Doc(self.vocab, words=words, spaces=[False] * len(words))
        return self._set_norms(doc, vocab, picked), index.tolist()

    def _set_norms(self, doc, vocab: list[str], ids):
        """Give each token of ``doc`` its norm (``vocab[ids[k]]``), the attribute phrases are
        matched on: what casecode decided, not spaCy's own normalisation (’s → 's, … → ...),
        which keywords do not get."""
        import numpy as np
        from spacy.attrs import NORM

        if len(doc):
            used, where = np.unique(ids, return_inverse=True)
            strings = self.vocab.strings
            hashes = np.array([strings.add(vocab[k]) for k in used.tolist()], dtype=np.uint64)
            doc.from_array([NORM], hashes[where.reshape(-1)])
        return doc

    def hits(
        self,
        text: str,
        tokens: Tokens,
        language: str = "zh",
        rules: frozenset[int] | None = None,
        form: str | None = None,
    ) -> dict[tuple[int, Path_], list[Hit]]:
        """What each rule's word lists, patterns and regexes match (``rules``: only theirs), in
        the text's match form ``form``; each hit's text is the original's."""
        starts, ends = tokens.starts, tokens.ends
        found: dict[tuple[int, Path_], list[Hit]] = defaultdict(list)
        if not len(tokens):
            return found
        if form is None:
            form = match_form(text)
        doc, index = self.doc(tokens, form, language, rules)
        keys = self.keys
        for matcher in (self.phrases, self.patterns):
            if not len(matcher):
                continue
            for match_id, s, e in matcher(doc):
                if index is not None:
                    if index[e - 1] - index[s] != e - 1 - s:  # across a gap: no phrase there
                        continue
                    s, e = index[s], index[e - 1] + 1
                a, b = starts[s], ends[e - 1]
                hit = Hit(a, b, s, e, text[a:b])
                for key in keys[match_id]:
                    if rules is None or key[0] in rules:
                        found[key].append(hit)
        self._head_hits = {}
        if self.heads:
            self._heads(text, tokens, rules, found)
        for key, rx in self.regexes:
            if rules is not None and key[0] not in rules or key[0] in self.timed_out:
                continue
            try:  # a codebook's regex has a time budget per document (see timed_pattern)
                spans = [m.span() for m in timed_finditer(rx, form, self.regex_seconds)]
            except TimeoutError:
                self.timed_out.add(key[0])  # reported by name; not run again in this run
                found.pop(key, None)
                continue
            for a, b in spans:
                if b > a:
                    s = bisect_right(ends, a)
                    e = max(bisect_left(starts, b), s + 1)
                    found[key].append(Hit(a, b, s, e, text[a:b]))
        for key in [k for k in found if k[0] in self.timed_out and k[1][0] != "ctx"]:
            del found[key]  # a rule set aside judges nothing more (its context lists may serve
            # other rules, and are never judged on their own)
        return found

    def _heads(self, text, tokens, rules, found) -> None:
        """Hits on compounds by their heads: a Chinese token that ends in a listed word of two or
        more characters (人民政府 → 政府, 基层老年协会 → 老年协会) is a hit of that word, not one
        that merely begins with it (村民委员会 is no hit of 村民): Chinese compounds are
        head-final. The whole compound is the evidence."""
        import numpy as np

        matched: dict[int, list[tuple[int, Path_]]] = {}
        heads_of = self._heads_of
        for vid, norm in enumerate(tokens.vocab):
            keys = heads_of.get(norm)
            if keys is None:
                keys = heads_of[norm] = self._head_keys(norm)
            if keys:
                keys = [key for key in keys if rules is None or key[0] in rules]
                if keys:
                    matched[vid] = keys
        if not matched:
            return
        ids = np.asarray(tokens.ids, dtype=np.int64)
        starts, ends = tokens.starts, tokens.ends
        for k in np.flatnonzero(np.isin(ids, list(matched))).tolist():
            a, b = starts[k], ends[k]
            hit = Hit(a, b, k, k + 1, text[a:b])
            for key in matched[int(ids[k])]:
                found[key].append(hit)
                self._head_hits.setdefault(key[0], set()).add((key[1], hit))

    def _head_keys(self, norm: str) -> tuple[tuple[int, Path_], ...]:
        """The word lists a token of norm ``norm`` is a hit of by its head (asked once per
        distinct norm: documents repeat their words)."""
        found: list[tuple[int, Path_]] = []
        if len(norm) >= 3 and _CJK.match(norm):
            for size in range(2, len(norm)):
                if norm[:-size] in _NEGATING:  # 非政府 is not a kind of 政府
                    continue
                found += sorted(self.heads.get(norm[-size:], ()))
        return tuple(found)

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
        segments = [s for s in segments if s.n > 0]  # headings and preambles are structure
        if any(s.speaker for s in segments):  # titles and headers around an interview
            segments = [s for s in segments if s.speaker]
        self._roles = {s.speaker: s.role for s in segments if s.speaker and s.role}
        if turn is not None:
            segments = [s for s in segments if s.n == turn]
        rules = None
        if only is not None:
            chosen = {i for i, r in enumerate(self.rules) if r.code in only}
            # and the rules whose context lists they share
            rules = frozenset(chosen | {src[0] for i in chosen for _, src in self.ctx_from[i]})
        form = match_form(text)  # what is matched; what people see (hits, units) is ``text``
        hits = self.hits(text, tokens, language, rules, form)
        self._languages: dict[tuple[int, int], str] = {}
        self._clause_ends = None
        self._sentence_ends = None
        self._scope_breaks = {}
        self._in_order: dict[int, tuple[list[int], list[Hit]]] = {}
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
                indexes[rule.scope] = UnitIndex(text, segments, rule.scope)
            index = indexes[rule.scope]
            per_unit: dict[Unit, dict[Path_, list[Hit]]] = {}
            for path, found in by_rule[i].items():
                if path[0] in _AROUND:  # judged only where something of the rule matched
                    continue
                for hit in found:
                    seg = index.turn(hit.start, hit.end)
                    # a turn whose speaker does not count needs no judging
                    if seg is None or not (keep_all or self._allows(i, seg.speaker)):
                        continue
                    u = index.find(hit.start, hit.end, seg)
                    if u is not None:
                        per_unit.setdefault(u, {}).setdefault(path, []).append(hit)
            excluding = by_rule[i].get(("ex",)) if per_unit else None
            for hit in excluding or ():
                seg = index.turn(hit.start, hit.end)
                u = index.find(hit.start, hit.end, seg) if seg is not None else None
                if u in per_unit:
                    per_unit[u].setdefault(("ex",), []).append(hit)
            everywhere = by_rule[i] if rule.context else {}
            if self.ctx_from[i] and per_unit:
                everywhere = dict(everywhere)
                for path, src in self.ctx_from[i]:
                    everywhere[path] = hits.get(src, [])
            single, several = self.ways[i]
            for u in sorted(per_unit):
                found = per_unit[u]
                if (
                    not keep_all
                    and (single or several)
                    and single.isdisjoint(found)
                    and not any(all(p in found for p in w) for w in several)
                ):
                    continue  # no way of matching the rule is complete here: it cannot fire
                j = self._judge(i, rule, u, found, text, tokens, form, everywhere, index)
                if keep_all or j.status == "fired":
                    judgements.append(j)
        return judgements

    def _breaks(self, text: str, tokens: Tokens) -> list[int]:
        """The tokens that begin a new clause: each clause-ending punctuation token (，。；…, not
        the . of 1.5), and the first token after a line break; found once per document."""
        if self._clause_ends is None:
            import numpy as np

            ids = np.asarray(tokens.ids, dtype=np.int64)
            ends = np.fromiter(
                (is_punct(w) and not CLAUSE_END.isdisjoint(w) for w in tokens.vocab),
                bool,
                len(tokens.vocab),
            )
            found = set(np.flatnonzero(ends[ids]).tolist()) if len(ids) else set()
            starts = np.asarray(tokens.starts, dtype=np.int64)
            at = text.find("\n")
            while at >= 0:
                found.add(int(np.searchsorted(starts, at, side="right")))
                at = text.find("\n", at + 1)
            self._clause_ends = sorted(k for k in found if k < len(ids))  # a token begins it
        return self._clause_ends

    def _allows(self, i: int, speaker: str | None) -> bool:
        role = self._roles.get(speaker) if speaker else None
        key = (i, speaker, role)
        if key not in self._allowed:
            self._allowed[key] = self.rules[i].speakers.allows(speaker, role)
        return self._allowed[key]

    def _judge(self, i, rule, unit, hits, text, tokens, form, everywhere, index) -> Judgement:
        if not self._allows(i, unit.speaker):
            who = unit.speaker or "no speaker"
            side = " (the questioning side)" if self._roles.get(unit.speaker or "") else ""
            return Judgement(
                rule, unit, "skipped", f"speaker '{who}'{side} does not count for this rule"
            )
        if rule.lang:
            lang = self._languages.get((unit.start, unit.end))
            if lang is None:
                lang = detect_language(text[unit.start : unit.end])
                self._languages[(unit.start, unit.end)] = lang
            if lang not in (rule.lang, "mixed"):
                return Judgement(rule, unit, "skipped", f"the unit is {lang}, the rule {rule.lang}")
        main, anys, alls = self.plans[i]
        kinds: dict[Hit, str] = {}
        breaks = self._breaks(text, tokens) if self.rules_near[i] else []
        heads = self._head_hits.get(i, frozenset())
        parts: dict[Hit, tuple[tuple[int, int], ...]] = {}
        primary = _collect(main, hits, kinds, breaks, heads, parts)
        for plan in anys:
            primary += _collect(plan, hits, kinds, breaks, heads, parts)
        required = []
        for j, plan in enumerate(alls):
            found = _collect(plan, hits, kinds, breaks, heads, parts)
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
        kept, vetoed, notes = [], [], []
        for hit in primary:
            why = self._negation(i, rule, hit, text, form, tokens)
            if why is None and rule.context:
                pieces = parts.get(hit, ((hit.start, hit.end),))
                why = self._context(i, rule, hit, text, form, everywhere, index, notes, pieces)
            if why is None:
                kept.append(hit)
            else:
                vetoed.append((hit, why))
        if len(kept) < rule.min_hits:
            reason = (
                vetoed[0][1]
                if vetoed and not kept
                else f"{len(kept)} hit(s), min_hits is {rule.min_hits}"
            )
            return Judgement(rule, unit, "vetoed", reason, kept, vetoed)
        judged = Judgement(rule, unit, "fired", "", kept, vetoed, evidence(kept, kinds, tokens))
        judged.notes = list(dict.fromkeys(notes))
        return judged

    def _negation(self, i, rule, hit, text, form, tokens) -> str | None:
        """Why ``hit`` does not count as said (``None``: it does): a cue before it or after it in
        its clause, a denial that answers it (X? Not here.), or a marker later in its sentence
        that says the problem is over. Cues are looked for in the match form ``form`` and quoted
        from the original ``text``."""
        if not rule.negation.enabled:
            return None
        starts, ends = tokens.starts, tokens.ends
        k = self._negated(i, rule, hit, form, tokens)
        if k is not None:
            return f"negated by '{text[starts[k[0]] : ends[k[1] - 1]]}'"
        if self.after[i] is None and self.over[i] is None:
            return None
        breaks = self._breaks(form, tokens)
        here = ends[hit.te - 1]
        b = bisect_left(breaks, hit.te)  # the clause's end: the first break after the hit
        clause_end = starts[breaks[b]] if b < len(breaks) else len(form)
        if self.after[i] is not None:
            after = self.after[i]
            m = after.search(form, here, clause_end)
            if m is None and b < len(breaks) and form[clause_end : clause_end + 1] in ("?", "？"):
                # X? Not here. - a denial that opens the next clause answers the question
                nxt = bisect_left(breaks, breaks[b] + 1)
                stop = starts[breaks[nxt]] if nxt < len(breaks) else len(form)
                begin = clause_end + 1
                while begin < stop and form[begin].isspace():
                    begin += 1
                m = after.match(form, begin, stop)
            if m is not None:
                return f"negated by '{text[m.start() : m.end()]}' after it"
        if self.over[i] is not None:
            m = self.over[i].search(form, here, self._sentence_end(form, here))
            if m is not None:
                return f"said to be over ('{text[m.start() : m.end()]}' later in the sentence)"
        return None

    def _context(
        self, i, rule, hit, text, form, everywhere, index, notes, pieces=None
    ) -> str | None:
        """Why ``hit``'s surroundings rule it out (``None``: they do not): a context's ``without``
        word within its scope, or none of its ``with`` words. A ``with`` list that has no words
        for the hit's language (Chinese when the hit is in Chinese characters, else English) does
        not limit it. What satisfied a context goes to ``notes``. ``pieces``: the hit's characters
        (a ``near`` hit's are its groups' hits, not the words between them): a ``without``
        word rules the hit out beside them or holding one (*end of life* for difference …
        life), not inside one; a ``with`` word counts beside them."""
        pieces = pieces or ((hit.start, hit.end),)

        def against(a: int, b: int) -> bool:  # a without word at a..b rules the hit out
            return all(b <= s or a >= e for s, e in pieces) or any(
                a <= s and e <= b for s, e in pieces
            )

        def beside(a: int, b: int) -> bool:  # a with word at a..b counts
            return all(b <= s or a >= e for s, e in pieces)

        for j, ctx in enumerate(rule.context):
            start, end = self._scope(ctx.scope, hit, form, index, ctx.around)
            where = {"clause": "clause", "sentence": "sentence", "turn": "turn"}.get(
                ctx.scope, "document"
            )
            if ctx.around:
                where += f" or {ctx.around} {where}(s) either side"
            inside = [  # beside the hit, or a longer expression the hit is part of
                h
                for h in self._starting(everywhere.get(("ctx", j, "without")), start, end)
                if h.end <= end and against(h.start, h.end)
            ]
            if inside:
                return f"context: '{text[inside[0].start : inside[0].end]}' in the {where}"
            rx = self.ctx_rx[i].get(("ctx", j, "without"))
            # overlapped, longest first: a longer expression holding the hit is never hidden by a
            # shorter word where it starts
            for m in rx.finditer(form, start, end, overlapped=True) if rx is not None else ():
                a, b = m.span()
                if against(a, b):
                    return f"context: '{text[a:b]}' in the {where}"
            if ctx.with_.for_lang("zh" if _CJK.search(text, hit.start, hit.end) else "en"):
                found = [
                    h
                    for h in self._starting(everywhere.get(("ctx", j, "with")), start, end)
                    if h.end <= end and beside(h.start, h.end)
                ]
                rx = self.ctx_rx[i].get(("ctx", j, "with"))
                m = None
                if rx is not None:  # the first match in a stretch between the hit's pieces
                    edges = [start, *(x for piece in sorted(pieces) for x in piece), end]
                    for a, b in zip(edges[::2], edges[1::2], strict=True):
                        m = rx.search(form, max(a, start), min(b, end)) if a < b else None
                        if m:
                            break
                if m and (not found or m.start() < found[0].start):
                    a, b = m.span()
                    found.insert(0, Hit(a, b, 0, 0, text[a:b]))
                if not found:
                    words = ", ".join(_all(ctx.with_)[:4])
                    return f"context: none of {words} in the {where}"
                notes.append(f"context: '{text[found[0].start : found[0].end]}' in the {where}")
        return None

    def _starting(self, hits: list[Hit] | None, start: int, end: int) -> list[Hit]:
        """The ``hits`` that start in ``[start, end)``, in order, found by bisection (a context
        list can have thousands of hits in a document, each rule hit looks at a few)."""
        if not hits:
            return []
        got = self._in_order.get(id(hits))
        if got is None:
            ordered = sorted(hits, key=lambda h: (h.start, h.end))
            got = self._in_order[id(hits)] = ([h.start for h in ordered], ordered)
        starts, ordered = got
        return ordered[bisect_left(starts, start) : bisect_left(starts, end)]

    def _scope(self, scope: str, hit: Hit, form: str, index, around: int = 0) -> tuple[int, int]:
        """The characters a context of ``scope`` looks at around ``hit``: with ``around``, the
        clauses or sentences either side of its own as well, inside its turn."""
        if scope == "document":
            return 0, len(form)
        if scope == "turn":
            seg = index.turn(hit.start, hit.end)
            return (seg.start, seg.end) if seg is not None else (0, len(form))
        found = self._scope_breaks.get(scope)
        if found is None:  # this document's clause or sentence ends, found once
            pattern = _CLAUSE_BREAK if scope == "clause" else _SENTENCE_BREAK
            spans: list[list[int]] = []
            for m in pattern.finditer(form):  # breaks with nothing but space between are one
                if spans and not form[spans[-1][1] : m.start()].strip(_CLOSERS):
                    spans[-1][1] = m.end()
                else:
                    spans.append([m.start(), m.end()])
            found = self._scope_breaks[scope] = ([a for a, _ in spans], [b for _, b in spans])
        starts, ends = found
        k = bisect_right(ends, hit.start) - around  # the last end before the hit begins its scope
        start = ends[k - 1] if k > 0 else 0
        k = bisect_left(starts, hit.end) + around  # the first break after it ends the scope
        end = starts[k] if k < len(starts) else len(form)
        if around:
            seg = index.turn(hit.start, hit.end)
            if seg is not None:
                start, end = max(start, seg.start), min(end, seg.end)
        return start, end

    def _sentence_end(self, form: str, start: int) -> int:
        """Where the sentence that goes on at ``start`` ends: at 。！？!? or a line break (the
        ends found once per document)."""
        if self._sentence_ends is None:
            self._sentence_ends = [m.start() for m in _SENTENCE_END.finditer(form)]
        k = bisect_left(self._sentence_ends, start)
        return self._sentence_ends[k] if k < len(self._sentence_ends) else len(form)

    def _negated(self, i, rule, hit, text, tokens) -> tuple[int, int] | None:
        """The tokens ``(first, last + 1)`` of a negation cue before ``hit`` in its clause, at most
        the rule's window of words before it (``text``: the match form)."""
        cues, window = self.cues[i], rule.negation.window
        starts, ends = tokens.starts, tokens.ends
        k, counted = hit.ts - 1, 0
        while k >= 0 and counted < window:
            if text.find("\n", ends[k], starts[k + 1]) >= 0:
                break
            word = text[starts[k] : ends[k]]
            punct = is_punct(word)
            if punct and not CLAUSE_END.isdisjoint(word):  # a clause ends here (not "1.5")
                break
            lower = word.lower()
            if lower in cues:
                return k, k + 1
            for run in self.cue_runs[i].get(lower, ()):  # a cue of several words ending here
                first = k - len(run) + 1
                if first >= 0 and all(
                    text[starts[first + n] : ends[first + n]].lower() == w
                    for n, w in enumerate(run)
                ):
                    return first, k + 1
            if not punct and lower not in self.stop_words:
                counted += 1
            k -= 1
        return None


Plan = tuple[tuple[Path_, ...], tuple[tuple[tuple[Path_, ...], int, bool, bool], ...]]


def _ways(
    main: Plan, anys: tuple[Plan, ...], rule: Rule
) -> tuple[frozenset[Path_], tuple[tuple[Path_, ...], ...]]:
    """The hit lists a unit needs for the rule to have something to count there: any one of the
    simple lists, or every group of one near block, of the rule's own matchers or an ``any``
    condition. Both empty (a rule of ``all`` conditions only): judge always."""
    if not rule.match and not rule.any:
        return frozenset(), ()
    single: set[Path_] = set()
    several: list[tuple[Path_, ...]] = []
    for simple, near in (main, *anys):
        single.update(simple)
        several += [keys for keys, *_ in near]
    return frozenset(single), tuple(several)


def _plan(prefix: Path_, m: Matchers) -> Plan:
    """Where a matcher's hits are filed: simple keys, and near blocks (group keys, window)."""
    simple = tuple((*prefix, kind) for kind in ("kw", "pat", "rx"))
    near = tuple(
        (
            tuple((*prefix, "near", n, g) for g in range(len(b.groups))),
            b.window,
            b.ordered,
            b.clause,
        )
        for n, b in enumerate(m.near)
    )
    return simple, near


# How long one codebook regex may search one document before its rule is reported and set aside.
REGEX_SECONDS = 2.0


def timed_pattern(expression: str):
    """A codebook regex compiled by the ``regex`` module, whose searches take a timeout (the
    standard ``re`` cannot be stopped); ``re`` when ``regex`` reads it differently."""
    import regex

    try:
        return regex.compile(expression, flags=regex.VERSION0)
    except regex.error:
        return re.compile(expression)


def timed_finditer(pattern, text: str, seconds: float):
    if isinstance(pattern, re.Pattern):
        return pattern.finditer(text)
    return pattern.finditer(text, timeout=seconds)


_KINDS = {"kw": "word", "pat": "pattern", "rx": "regex"}
_CJK = re.compile(r"[\u3400-\u9fff]")
# a compound whose only modifier negates its head is not a kind of it: 非政府, 无组织, 不作为
_NEGATING = frozenset("非无不未反没")
_SENTENCE_END = re.compile(r"[。！？!?]|\n")
# word lists that only say something around a rule's own hits: its exclusions and contexts
_AROUND = frozenset({"ex", "ctx"})

# where a context's sentence or clause ends: a full stop of either script (not the . of 1.5 or
# of Mr.), ! ? and a line break; a clause also at commas, semicolons, colons and …
_SENTENCE_BREAK = re.compile(r"[。！？!?]|\n|(?<![A-Z][a-z])(?<![A-Z])\.(?=\s|$)")
_CLOSERS = " \t\r\n\u3000”’\"'」』）)"
_CLAUSE_BREAK = re.compile(r"[。！？!?，,、；;：:…]|\n|(?<![A-Z][a-z])(?<![A-Z])\.(?=\s|$)")


def _all(words: Words) -> list[str]:
    return [*words.zh, *words.en, *words.both]


def _cue_pattern(cues: list[str]) -> re.Pattern | None:
    """One pattern for a list of cues, in their match form: a Chinese cue anywhere, a Latin one
    as whole words (not in nowhere), its words apart by any space."""
    parts = []
    for cue in sorted({match_form(c).strip() for c in cues if c.strip()}, key=len, reverse=True):
        words = [re.escape(w) for w in cue.split()]
        if re.search(r"[a-zA-Z]", cue):
            parts.append(r"(?<![A-Za-z])" + r"\s+".join(words) + r"(?![A-Za-z])")
        else:
            parts.append("".join(words))
    if not parts:
        return None
    # most places in a text begin no cue: a class of the cues' first letters rules them out fast
    firsts = {c.strip()[0] for c in cues if c.strip()}
    firsts = (
        {match_form(f) for f in firsts} | {f.upper() for f in firsts} | {f.lower() for f in firsts}
    )
    ahead = "(?=[" + "".join(re.escape(f) for f in sorted(firsts)) + "])"
    return re.compile(ahead + "(?:" + "|".join(parts) + ")", re.IGNORECASE)


def _collect(
    plan: Plan,
    hits: dict[Path_, list[Hit]],
    kinds: dict[Hit, str],
    breaks: list[int],
    heads: set[tuple[Path_, Hit]] = frozenset(),
    parts: dict[Hit, tuple[tuple[int, int], ...]] | None = None,
) -> list[Hit]:
    """The hits a plan counts; ``kinds`` learns each one's kind of evidence (and ``parts`` a
    near hit's group hits). ``breaks``: the tokens where a clause ends, which a ``near`` within
    a clause may not reach across."""
    simple, near = plan
    found: list[Hit] = []
    for key in simple:
        if key in hits:
            kind = _KINDS[key[-1]]
            for hit in hits[key]:
                if (key, hit) in heads:
                    kinds.setdefault(hit, "head")
                else:
                    long = kind == "word" and hit.te - hit.ts > 1
                    kinds.setdefault(hit, "phrase" if long else kind)
            found += hits[key]
    for keys, window, ordered, clause in near:
        groups = [hits.get(k) for k in keys]
        if all(groups):
            combos = _near(groups, window, ordered, breaks if clause else None, parts)
            for hit in combos:
                kinds[hit] = "near"
            found += combos
    return found


def evidence(hits: list[Hit], kinds: dict[Hit, str], tokens) -> list[tuple[str, str, float]]:
    """The distinct pieces of evidence among ``hits``: one per distinct normalised form (a word
    and its inflections, said any number of times, are one piece), with the strongest kind it
    was found as."""
    best: dict[str, tuple[str, float]] = {}
    for hit in hits:
        kind = kinds.get(hit, "word")
        if kind in ("word", "head", "phrase", "pattern") and hit.te > hit.ts:
            what = (
                tokens.vocab[tokens.ids[hit.ts]]
                if hit.te - hit.ts == 1
                else " ".join(tokens.norm(k) for k in range(hit.ts, hit.te))
            )
        else:
            what = hit.text.casefold()
        strength = STRENGTH[kind]
        if what not in best or best[what][1] < strength:
            best[what] = (kind, strength)
    return [(what, kind, strength) for what, (kind, strength) in best.items()]


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


def _near(
    groups: list[list[Hit]],
    window: int,
    ordered: bool,
    breaks: list[int] | None = None,
    group_spans: dict[Hit, tuple[tuple[int, int], ...]] | None = None,
) -> list[Hit]:
    """Spans where a hit of every group lies within ``window`` tokens of the others (and, with
    ``breaks``, the sorted tokens that end a clause, with no clause end between them);
    ``group_spans`` learns the characters of each span's group hits."""
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
            if breaks and _crosses(breaks, min(h.ts for h in parts), max(h.te for h in parts)):
                continue
            if max(h.ts for h in parts) - min(h.te for h in parts) <= window:
                start, end = parts[0].start, max(h.end for h in parts)
                if (start, end) not in combos:
                    hit = combos[(start, end)] = Hit(
                        start,
                        end,
                        parts[0].ts,
                        max(h.te for h in parts),
                        " … ".join(h.text for h in parts),
                    )
                    if group_spans is not None:
                        group_spans[hit] = tuple((h.start, h.end) for h in parts)
    return list(combos.values())


def _crosses(breaks: list[int], ts: int, te: int) -> bool:
    """Whether a clause ends among tokens ``ts`` .. ``te - 1`` (at one of them, or just before
    one of them after the first)."""
    k = bisect_right(breaks, ts)
    return k < len(breaks) and breaks[k] < te


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
