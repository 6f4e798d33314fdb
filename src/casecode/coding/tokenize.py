"""Token streams: jieba (precise mode) for Chinese and mixed text, spaCy's tokenizer for English.

jieba's HMM guessing of unknown words is off by default: every word the codebook looks for is in
the dictionary, HMM only regroups runs of unknown characters (names, dialect), and it costs about
a quarter of the speed. ``[coding] jieba_hmm = true`` in casecode.toml turns it on.

Without HMM, Chinese is cut by ``PreciseCut``: jieba's precise mode (its dictionary, its
maximum-probability path through the word graph, its handling of Latin letters, digits and
spaces), computed in one pass per block without the intermediate graph, and with each word's log
probability computed once: the same words as ``jieba.Tokenizer.cut(text, HMM=False)`` (a test
compares them on random and real text) in about 60% of the time.

A stream is what the matcher needs and what the store caches: each token's character offsets
into the document's text and its norm, what word lists match it on: the lemma of a Latin word,
else its lower case. Whitespace is not a token. English lemmas come from the lookup table of
spacy-lookups-data (so volunteers/volunteered/volunteering → volunteer), also for Latin words
inside Chinese text; a Chinese token is its own norm.

Text is tokenised and matched in its *match form* (``match_form``): each letter or digit replaced
by its NFKC form where that is one character (full-width Ｎ and １ → N and 1, compatibility
ideographs → the unified ones; punctuation stays, so Simplified text with Chinese punctuation is
read exactly as written) and Traditional characters by Simplified ones (OpenCC's t2s, character by
character), so one Simplified codebook codes Simplified and Traditional text alike. The form has
the length of the text, so every offset points into the stored original, which is what people see.

A tokenizer's ``fingerprint`` names everything its output depends on (the words added to jieba's
dictionary, the user dictionary, library versions): a cached stream is reused only while both the
text and the fingerprint are unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from itertools import accumulate, compress
from math import log
from operator import not_
from pathlib import Path

from casecode.corpus.language import traditional_to_simplified
from casecode.errors import CasecodeError

# How tokens and keywords get their norms; a change makes every document judged again.
# 2: a keyword's tokens are normed as a document's; words with accents get lemmas too.
# 3: text and keywords are matched in their match form (NFKC per character, Traditional →
#    Simplified).
NORMS = 3

CLAUSE_END = set("，,、。.；;：:！？!?…\n")


@dataclass(slots=True)
class Tokens:
    """One document's tokens: character offsets, and what word lists match each token on (its
    norm: an English word's lemma, else its lower case), as an index into the document's list
    of distinct norms - compact to store, and quick to compare with a codebook's words."""

    starts: array
    ends: array
    vocab: list[str]  # the distinct norms, in order of first use
    ids: array  # each token's norm, as an index into vocab
    words: list[str] | None = None  # the token texts, when just tokenised (not stored)

    def __len__(self) -> int:
        return len(self.starts)

    def norm(self, k: int) -> str:
        return self.vocab[self.ids[k]]

    def norms(self) -> list[str]:
        return list(map(self.vocab.__getitem__, self.ids))

    def texts(self, text: str) -> list[str]:
        """The token texts (``words`` when just tokenised)."""
        if self.words is None:
            self.words = [text[s:e] for s, e in zip(self.starts, self.ends, strict=True)]
        return self.words

    def to_blobs(self) -> tuple[bytes, bytes, bytes, str]:
        import json

        vocab = json.dumps(self.vocab, ensure_ascii=False)
        return self.starts.tobytes(), self.ends.tobytes(), self.ids.tobytes(), vocab

    @classmethod
    def from_blobs(cls, starts: bytes, ends: bytes, ids: bytes, vocab: str) -> Tokens:
        import json

        s, e, i = array("i"), array("i"), array("i")
        s.frombytes(starts)
        e.frombytes(ends)
        i.frombytes(ids)
        return cls(s, e, json.loads(vocab), i)


@lru_cache(maxsize=1 << 16)
def is_punct(token: str) -> bool:
    """Whether a token is only punctuation, symbols and spaces."""
    return all(unicodedata.category(ch)[0] in "PSZ" for ch in token)


class Tokenizer:
    """Tokenises documents for one codebook (whose Chinese words join jieba's dictionary)."""

    def __init__(
        self,
        zh_words: set[str] = frozenset(),
        user_dictionary: Path | None = None,
        *,
        hmm: bool = False,
        model: str | None = None,
    ):
        self.zh_words = sorted({match_form(w) for w in zh_words if w.strip()})
        self.hmm = hmm
        self.model = model
        self.user_dictionary = user_dictionary
        self._jieba = None
        self._cut: PreciseCut | None = None
        self._nlp = None
        self._lemma_table = None
        self._norm_of: dict[str, str] = {}  # every word's norm so far (documents share words)
        digest = hashlib.sha256("\n".join((*_compounds(), "", *self.zh_words)).encode("utf-8"))
        if user_dictionary is not None:
            digest.update(user_dictionary.read_bytes())
        pipeline = f":model={model}" if model else ""
        self.fingerprint = (
            f"{_versions()}:hmm={int(hmm)}{pipeline}:norms={NORMS}:{digest.hexdigest()[:16]}"
        )

    # -- the libraries, loaded on first use
    @property
    def jieba(self):
        if self._jieba is None:
            import jieba

            freq, total = _jieba_dictionary()
            tokenizer = jieba.Tokenizer()  # starts from a copy: add_word changes the dictionary
            tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(freq), total, True
            if self.user_dictionary is not None:
                try:
                    tokenizer.load_userdict(str(self.user_dictionary))
                except Exception as exc:  # noqa: BLE001 - jieba raises plain exceptions
                    raise CasecodeError(
                        f"cannot read the user dictionary: {exc}", file=self.user_dictionary
                    ) from None
            for word in (*_compounds(), *self.zh_words):
                tokenizer.add_word(word)
            self._jieba = tokenizer
        return self._jieba

    @property
    def nlp(self):
        """spaCy's blank English pipeline, or the trained one named by ``model``."""
        if self._nlp is None:
            if self.model is None:
                self._nlp = _blank_english()
            else:
                import spacy
                from spacy.language import Language

                not_pipeline = CasecodeError(
                    f"'{self.model}' is not a spaCy pipeline",
                    hint="name a trained pipeline package such as en_core_web_sm",
                )
                try:
                    nlp = spacy.load(self.model)
                except (OSError, ImportError):
                    raise CasecodeError(
                        f"the spaCy pipeline '{self.model}' is not installed",
                        hint=f"casecode never downloads one: python -m spacy download {self.model}",
                    ) from None
                except Exception:  # noqa: BLE001 - an installed package that is no pipeline
                    raise not_pipeline from None  # (jieba, typer, spacy itself...)
                if not isinstance(nlp, Language):
                    raise not_pipeline
                self._nlp = nlp
        return self._nlp

    @property
    def lemma_table(self) -> dict[str, str]:
        """spacy-lookups-data's English lemma lookup (a lower-case form -> its lemma)."""
        if self._lemma_table is None:
            self._lemma_table = _lemma_lookup()
        return self._lemma_table

    def norm(self, word: str) -> str:
        """What a word matches on: the lemma of a word of letters that has one in the English
        table (cafés → café; not 's or n't, which the table reads as has and not), else its
        lower case."""
        return self._norm(match_form(word))

    def _norm(self, formed: str) -> str:
        """``norm`` of a word already in its match form (a tokenised document's words are)."""
        lower = formed.lower()
        return self.lemma_table.get(lower, lower) if lower.isalpha() else lower

    # -- tokenising
    def tokenize(self, text: str, language: str) -> Tokens:
        """Tokens of ``text`` (read in its match form): spaCy's tokenizer for English documents,
        jieba otherwise."""
        text = match_form(text)
        if language in ("en", "other"):  # offsets straight from spaCy's arrays: no Token objects
            from spacy.attrs import IDX, IS_SPACE, LENGTH

            starts, ends = array("i"), array("i")
            for a, b in chunks(text):  # a long text in pieces: memory bounded by a piece
                doc = self.nlp.tokenizer(text[a:b])
                if len(doc):
                    table = doc.to_array([IDX, LENGTH, IS_SPACE])
                    table = table[table[:, 2] == 0]
                    starts.frombytes((table[:, 0] + a).astype("int32").tobytes())
                    ends.frombytes((table[:, 0] + table[:, 1] + a).astype("int32").tobytes())
            words = [text[s:e] for s, e in zip(starts, ends, strict=True)]
        else:  # jieba's words cover the text: offsets are running sums of their lengths
            if self.hmm:
                cut = partial(self.jieba.cut, HMM=True)
            else:
                if self._cut is None:
                    added = None if self.user_dictionary else (*_compounds(), *self.zh_words)
                    self._cut = PreciseCut(self.jieba, added)
                cut = self._cut
            pieces = [p for a, b in chunks(text) for p in cut(text[a:b])]
            offsets = list(accumulate(map(len, pieces), initial=0))
            keep = list(map(not_, map(str.isspace, pieces)))  # whitespace is no token
            words = list(compress(pieces, keep))
            starts = array("i", compress(offsets[:-1], keep))
            ends = array("i", compress(offsets[1:], keep))
        vocab, ids = self.norms(words)
        return Tokens(starts, ends, vocab, ids, words)

    def norms(self, words: list[str]) -> tuple[list[str], array]:
        """Each word's ``norm``, as the distinct norms and, per word, an index into them. Each
        distinct word is looked at once: a document repeats its words."""
        index: dict[str, int] = {}
        known = self._norm_of
        if len(known) > 1_000_000:  # bounded: a long run of new words starts afresh
            known.clear()
        norm = self._norm  # the words are a tokenised text's: in their match form already
        of_word = {}
        for w in dict.fromkeys(words):
            n = known.get(w)
            if n is None:
                n = known[w] = norm(w)
            of_word[w] = index.setdefault(n, len(index))
        return list(index), array("i", map(of_word.__getitem__, words))

    def phrase(self, words: str, language: str) -> list[str]:
        """A keyword as the token texts the matcher compares (lower case)."""
        tokens = self.tokenize(words, language)
        return [words[s:e].lower() for s, e in zip(tokens.starts, tokens.ends, strict=True)]


class PreciseCut:
    """jieba's precise mode without HMM (``jieba.Tokenizer.cut(text, HMM=False)``), word for word,
    for a jieba tokenizer whose dictionary no longer changes.

    jieba builds, for each block of Han characters, letters and digits, a dictionary of every
    word that starts at each position, then finds the most probable path backwards from it. Here
    the two are one backward pass: the words starting at a position are read off the prefix
    dictionary as the path is scored, each with its log frequency from a table built once per
    process, not computed once per occurrence. Ties go to the longer word, as in jieba."""

    def __init__(self, jieba_tokenizer, added: Iterable[str] | None = None) -> None:
        """``added``: the words added to jieba's default dictionary to make this tokenizer's,
        when known (a table is then made in a fraction of the time)."""
        self.log_total = log(jieba_tokenizer.total)
        # every prefix in the dictionary, with its word's log frequency, or _NO_WORD for a
        # prefix that is no word: one look-up per prefix tried
        self.log_f = _log_frequencies(jieba_tokenizer.FREQ, added)

    def __call__(self, text: str) -> list[str]:
        words: list[str] = []
        for block in _HAN_BLOCK.split(text):
            if not block:
                continue
            if _HAN_BLOCK.match(block):
                self._block(block, words)
            else:  # spaces and line ends are words, each other character one too
                for piece in _SKIP.split(block):
                    if _SKIP.match(piece):
                        words.append(piece)
                    else:
                        words.extend(piece)
        return words

    def _block(self, s: str, words: list[str]) -> None:
        get, log_total = self.log_f.get, self.log_total
        n = len(s)
        score = [0.0] * (n + 1)  # the best path's log probability from each position
        to = list(range(n + 1))  # ... and where its first word ends (inclusive)
        for k in range(n - 1, -1, -1):
            best = _NO_PATH
            i, frag = k, s[k]
            while (p := get(frag)) is not None:  # the dictionary holds every prefix of its words
                if p is not _NO_WORD:  # a word, not only a prefix
                    here = p - log_total + score[i + 1]  # in jieba's order of operations
                    if here >= best:
                        best, to[k] = here, i
                i += 1
                if i == n:
                    break
                frag = s[k : i + 1]
            if best == _NO_PATH:  # a character that starts no word is one, of frequency 1
                best = score[k + 1] - log_total
            score[k] = best
        x, run = 0, ""
        while x < n:  # single letters and digits in a row are one word
            y = to[x] + 1
            word = s[x:y]
            if y - x == 1 and _LATIN_CHAR.match(word):
                run += word
            else:
                if run:
                    words.append(run)
                    run = ""
                words.append(word)
            x = y
        if run:
            words.append(run)


_NO_WORD = float("nan")  # a prefix that is no word (told by identity)
_NO_PATH = float("-inf")


def _log_frequencies(freq: dict[str, int], added: Iterable[str] | None) -> dict[str, float]:
    """Each prefix of ``freq`` (a jieba prefix dictionary) with its word's log frequency, or
    _NO_WORD for a prefix that is no word. ``added``: the words ``freq`` has on top of jieba's
    default dictionary (``None``: not known). The default dictionary's table (half a million
    entries) is built once per process, and a codebook's is a copy with its words changed."""
    if added is None:
        return _table(freq)
    table = dict(_default_table())
    for word in added:  # add_word gives a word a frequency and its prefixes places
        for end in range(1, len(word) + 1):
            f = freq.get(word[:end])
            if f is not None:
                table[word[:end]] = log(f) if f else _NO_WORD
    return table


def _table(freq: dict[str, int]) -> dict[str, float]:
    return {w: log(f) if f else _NO_WORD for w, f in freq.items()}


@lru_cache(maxsize=1)
def _default_table() -> dict[str, float]:
    """The table of jieba's default dictionary (never changed: tables are copies of it)."""
    return _table(_jieba_dictionary()[0])


# jieba's own patterns (jieba.re_han_default, re_skip_default, re_eng)
_HAN_BLOCK = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")
_SKIP = re.compile(r"(\r\n|\s)")
_LATIN_CHAR = re.compile(r"[a-zA-Z0-9]")


CHUNK = 20_000  # characters tokenised at once; longer texts are cut where no word can span


def chunks(text: str, size: int | None = None) -> list[tuple[int, int]]:
    """``text`` as consecutive (start, end) pieces of at most ``size`` characters, each cut just
    after a line break, else after a sentence or clause end or a space, where neither jieba nor
    spaCy joins characters into one token; only a run with none of those (a pathological unit)
    is cut where the size ends. Tokens are the same as for the whole text."""
    size = size or CHUNK
    spans, start, n = [], 0, len(text)
    while n - start > size:
        window = text[start : start + size]
        cut = window.rfind("\n") + 1
        if cut <= size // 2:
            cut = max(window.rfind(ch) for ch in " \t\u3000") + 1
        if cut <= size // 2:
            cut = max(window.rfind(ch) for ch in "。！？；，、：") + 1
        if cut <= size // 4:
            cut = size
        spans.append((start, start + cut))
        start += cut
    spans.append((start, n))
    return spans


def match_form(text: str) -> str:
    """``text`` as casecode matches it: the same length, each letter or digit in its NFKC form
    where that is one character, Traditional characters as Simplified ones (character by
    character)."""
    if text is _last_form[0]:  # tokenising and judging a document ask for the same text
        return _last_form[1]
    changes = {}
    for char in set(text):
        form = _char_form(char)
        if form != char:
            changes[char] = form
    form = text.translate(str.maketrans(changes)) if changes else text
    if len(text) > 10_000:
        _last_form[:] = [text, form]
    return form


_last_form: list[str | None] = [None, None]  # the last long text and its form


@cache
def _char_form(char: str) -> str:
    form = char
    if unicodedata.category(char)[0] in "LN":  # letters and digits; punctuation stays as it is
        form = unicodedata.normalize("NFKC", char)
        if len(form) != 1:  # a ligature, ½: keep the character, and every offset
            form = char
    return traditional_to_simplified().get(form, form)


@lru_cache(maxsize=1)
def _compounds() -> tuple[str, ...]:
    """Institution and actor compounds kept whole (``compounds.txt``), in their match form."""
    from importlib import resources

    text = resources.files("casecode.coding").joinpath("compounds.txt").read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return tuple(match_form(line) for line in lines if line and not line.startswith("#"))


@lru_cache(maxsize=1)
def _blank_english():
    """spaCy's blank English pipeline, built once per process (its tokenizer's special cases take
    a tenth of a second) and shared: casecode only tokenises with it and matches on its vocabulary,
    and sets no attribute of a word type (norms are set on a Doc's tokens)."""
    import spacy

    return spacy.blank("en")


@lru_cache(maxsize=1)
def _lemma_lookup() -> dict[str, str]:
    """spacy-lookups-data's English lemma lookup, read once per process (nothing changes it)."""
    try:
        import spacy_lookups_data
        from spacy.util import load_language_data
    except ImportError:  # pragma: no cover - a declared dependency
        raise CasecodeError(
            "English lemmas need spacy-lookups-data", hint="pip install spacy-lookups-data"
        ) from None
    return dict(load_language_data(spacy_lookups_data.en["lemma_lookup"]))


@lru_cache(maxsize=1)
def _jieba_dictionary() -> tuple[dict[str, int], int]:
    """jieba's default dictionary (its prefix dictionary and total frequency), read once per
    process: reading it takes half a second, copying it a hundredth of that."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer.FREQ, tokenizer.total


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for name in ("jieba", "spacy", "spacy-lookups-data"):
        try:
            parts.append(f"{name}={version(name)}")
        except PackageNotFoundError:  # pragma: no cover
            parts.append(f"{name}=?")
    return ",".join(parts)
