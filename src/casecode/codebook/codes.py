"""The codebook model: codes in a tree, each with texts per language and matching rules.

Built from data that has passed validation (``casecode.codebook.validate``); the defaults the
format documents (docs/codebook.md) are filled in here, so the matcher never has to guess.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("zh", "en")
SCOPES = ("sentence", "turn", "paragraph")

#: What ``@interviewer`` stands for in a rule's ``speakers``.
INTERVIEWER_LABELS = (
    "问",
    "访谈者",
    "访谈员",
    "调研员",
    "调查员",
    "主持人",
    "记者",
    "q",
    "i",
    "interviewer",
    "researcher",
)


#: Default negation cues, per language.
def _negation_defaults() -> dict[str, dict[str, tuple[str, ...]]]:
    """The default cue lists (``negation.json``, data rather than code): ``before``, ``after``
    and ``over``, each by language."""
    from importlib import resources

    data = json.loads(resources.files("casecode.codebook").joinpath("negation.json").read_text())
    return {
        kind: {lang: tuple(words) for lang, words in data[kind].items()}
        for kind in ("before", "after", "over")
    }


NEGATION = _negation_defaults()
NEGATION_CUES = NEGATION["before"]
NEGATION_WINDOW = 3
NEAR_WINDOW = 5


def content_version(data: Any) -> str:
    """A short hash of the codebook's content: formatting and comments do not change it."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Words:
    """Words per language; ``both`` apply to every language."""

    zh: tuple[str, ...] = ()
    en: tuple[str, ...] = ()
    both: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: Any) -> Words:
        if value is None:
            return cls()
        if isinstance(value, list):
            return cls(both=tuple(value))
        return cls(zh=tuple(value.get("zh", ())), en=tuple(value.get("en", ())))

    def for_lang(self, lang: str) -> tuple[str, ...]:
        own = self.zh if lang == "zh" else self.en if lang == "en" else self.zh + self.en
        return own + self.both

    def __bool__(self) -> bool:
        return bool(self.zh or self.en or self.both)

    def __len__(self) -> int:
        return len(self.zh) + len(self.en) + len(self.both)


@dataclass(frozen=True, slots=True)
class Near:
    groups: tuple[Words, ...]
    window: int = NEAR_WINDOW
    ordered: bool = False
    clause: bool = True  # all the groups within one clause (a comma, a full stop ... ends it)


@dataclass(frozen=True, slots=True)
class Matchers:
    """Alternative ways to match: any one of them matching is a hit."""

    keywords: Words = Words()
    substring: bool = False
    heads: bool = True  # a Chinese word also matches a compound it ends (政府 in 人民政府)
    patterns: tuple[tuple[dict, ...], ...] = ()
    regex: tuple[str, ...] = ()
    near: tuple[Near, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.keywords or self.patterns or self.regex or self.near)


@dataclass(frozen=True, slots=True)
class Negation:
    enabled: bool = True
    cues: Words = Words(zh=NEGATION["before"]["zh"], en=NEGATION["before"]["en"])  # before a hit
    window: int = NEGATION_WINDOW
    after: Words = Words(zh=NEGATION["after"]["zh"], en=NEGATION["after"]["en"])
    over: Words = Words(zh=NEGATION["over"]["zh"], en=NEGATION["over"]["en"])


@dataclass(frozen=True, slots=True)
class Speakers:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ("@interviewer",)

    def allows(self, speaker: str | None, role: str | None = None) -> bool:
        """Whether a turn by ``speaker`` counts (``None``: text with no speaker). A speaker whose
        ``role`` is ``interviewer`` (the questioning side: host, counsel, chair ...) is one of
        ``@interviewer`` whatever their name."""
        if speaker is None:
            return not self.include
        name = speaker.strip().casefold()
        asks = role == "interviewer"
        if self.include and not _any_match(name, self.include, asks):
            return False
        return not _any_match(name, self.exclude, asks)


_NUMBERING = re.compile(r"(?:\s*[\d]+|\s*[（(][^）)]*[）)])+$")


def _any_match(name: str, patterns: tuple[str, ...], asks: bool = False) -> bool:
    for pattern in patterns:
        if pattern.strip().casefold() == "@interviewer":
            if asks:
                return True
            # 访谈者, 访谈者2, I1, Interviewer (王) ...
            if name in INTERVIEWER_LABELS or _NUMBERING.sub("", name) in INTERVIEWER_LABELS:
                return True
        elif fnmatch.fnmatchcase(name, pattern.strip().casefold()):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Context:
    """Words that must (``with``: at least one) or must not (``without``: none) occur around a
    hit, within its ``scope``: clause, sentence, turn or document; ``around`` widens a clause or
    sentence scope by that many clauses or sentences on each side, inside the hit's turn."""

    with_: Words = Words()
    without: Words = Words()
    scope: str = "sentence"
    substring: bool = False  # Chinese words count inside longer words too
    around: int = 0


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    code: str
    match: Matchers = Matchers()
    any: tuple[Matchers, ...] = ()
    all: tuple[Matchers, ...] = ()
    exclude: Words = Words()
    negation: Negation = Negation()
    scope: str = "turn"
    speakers: Speakers = Speakers()
    min_hits: int = 1
    weight: float = 1.0
    lang: str | None = None
    memo: str | None = None
    context: tuple[Context, ...] = ()


Texts = dict[str, str]  # language → text; "*" when written without a language


@dataclass(frozen=True, slots=True)
class Code:
    id: str
    label: Texts
    parent: str | None = None
    level: int = 1
    definition: Texts = field(default_factory=dict)
    include: Texts = field(default_factory=dict)
    exclude: Texts = field(default_factory=dict)
    examples: tuple[str, ...] = ()
    color: str | None = None
    memo: Texts = field(default_factory=dict)
    codable: bool = True
    rules: tuple[Rule, ...] = ()
    children: tuple[Code, ...] = ()
    line: int | None = None

    def text(self, what: str, lang: str | None = None) -> str:
        """``label``, ``definition``, ... in ``lang``, else in any language given."""
        return pick(getattr(self, what), lang)

    def walk(self) -> Iterator[Code]:
        yield self
        for child in self.children:
            yield from child.walk()


def pick(texts: Texts, lang: str | None = None) -> str:
    if not texts:
        return ""
    if lang and lang in texts:
        return texts[lang]
    if "*" in texts:
        return texts["*"]
    return next(iter(texts.values()))


@dataclass(frozen=True, slots=True)
class Codebook:
    name: str
    codes: tuple[Code, ...]
    languages: tuple[str, ...] = LANGUAGES
    version: str | None = None
    description: Texts = field(default_factory=dict)
    framework: Texts = field(default_factory=dict)
    content_version: str = ""
    source: str | None = None
    _by_id: dict[str, Code] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update((code.id, code) for code in self.walk())

    def walk(self) -> Iterator[Code]:
        for code in self.codes:
            yield from code.walk()

    def get(self, code_id: str) -> Code | None:
        return self._by_id.get(code_id)

    def __contains__(self, code_id: object) -> bool:
        return code_id in self._by_id

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)

    def rules(self) -> Iterator[Rule]:
        for code in self.walk():
            yield from code.rules

    def roll_up(self, code_id: str, level: int | None, *, codable: bool = False) -> str:
        """The code ``code_id`` counts as at ``level`` (1 = the top-level codes): its ancestor at
        that level, or itself when it is that high already; ``None`` keeps it as it is.

        With ``codable``, the nearest code on the way up from there that people may apply (a
        coding sheet offers only those), else ``code_id`` itself. A code not in this codebook (an
        orphan of an older version) rolls up by its dotted id, as every id extends its parent's.
        """
        if level is None:
            return code_id
        code = self.get(code_id)
        if code is None:
            parts = code_id.split(".")
            if not codable:
                return ".".join(parts[:level])
            for n in range(min(level, len(parts)), 0, -1):
                known = self.get(".".join(parts[:n]))
                if known is not None and known.codable:
                    return known.id
            return code_id
        while code.level > level and code.parent is not None and code.parent in self:
            code = self._by_id[code.parent]
        if not codable:
            return code.id
        found: Code | None = code
        while found is not None and not found.codable:
            found = self.get(found.parent) if found.parent is not None else None
        return found.id if found is not None else code_id

    def closest(self, ref: str, n: int = 3, cutoff: float = 0.3) -> list[str]:
        """Up to ``n`` ids of codes that can be applied, closest to ``ref`` first: what every
        "no code 'X'" message suggests. A code is as close as its id, the last part of its
        id or a label in any language."""
        from difflib import SequenceMatcher

        folded = ref.strip().casefold()
        scored = []
        for code in self.walk():
            if not code.codable:
                continue
            names = {code.id, code.id.rsplit(".", 1)[-1], *code.label.values()}
            score = max(SequenceMatcher(None, folded, s.casefold()).ratio() for s in names)
            if score >= cutoff:
                scored.append((-score, code.id))
        return [code_id for _, code_id in sorted(scored)[:n]]


# -- building from validated data ------------------------------------------------------------


def _texts(value: Any, languages: tuple[str, ...]) -> Texts:
    if value is None:
        return {}
    if isinstance(value, str):
        return {languages[0]: value} if languages else {"*": value}
    return {k: v for k, v in value.items()}


def _matchers(data: dict, defaults: dict) -> Matchers:
    near = data.get("near")
    if isinstance(near, dict):
        near = [near]
    return Matchers(
        keywords=Words.parse(data.get("keywords")),
        substring=bool(data.get("substring", defaults.get("substring", False))),
        heads=bool(data.get("heads", defaults.get("heads", True))),
        patterns=tuple(tuple(p) for p in data.get("patterns", ())),
        regex=(data["regex"],)
        if isinstance(data.get("regex"), str)
        else tuple(data.get("regex", ())),
        near=tuple(
            Near(
                groups=tuple(Words.parse(g) for g in n["groups"]),
                window=n.get("window", NEAR_WINDOW),
                ordered=n.get("ordered", False),
                clause=n.get("clause", True),
            )
            for n in near or ()
        ),
    )


def _condition(data: Any, defaults: dict) -> Matchers:
    if isinstance(data, list) or ("zh" in data or "en" in data):
        return Matchers(
            keywords=Words.parse(data),
            substring=bool(defaults.get("substring", False)),
            heads=bool(defaults.get("heads", True)),
        )
    return _matchers(data, defaults)


def _negation(value: Any) -> Negation:
    if value is None or value is True:
        return Negation()
    if value is False:
        return Negation(enabled=False)
    default = Negation()
    lists = {}
    for key, field_name in (("cues", "cues"), ("after", "after"), ("over", "over")):
        given = value.get(key)
        if given is False:  # e.g. over: false - no such check
            lists[field_name] = Words()
            continue
        words = Words.parse(given)
        if not value.get("replace"):
            base = getattr(default, field_name)
            words = Words(zh=base.zh + words.zh, en=base.en + words.en, both=words.both)
        lists[field_name] = words
    return Negation(window=value.get("window", NEGATION_WINDOW), **lists)


def _speakers(value: Any) -> Speakers:
    if value is None:
        return Speakers()
    if isinstance(value, list):
        return Speakers(include=tuple(value), exclude=())
    return Speakers(
        include=tuple(value.get("include", ())), exclude=tuple(value.get("exclude", ()))
    )


def _rule(data: dict, code_id: str, n: int, defaults: dict) -> Rule:
    merged = {**defaults, **data}
    return Rule(
        id=data.get("id") or f"{code_id}#{n}",
        code=code_id,
        match=_matchers(data, defaults),
        any=tuple(_condition(c, merged) for c in data.get("any", ())),
        all=tuple(_condition(c, merged) for c in data.get("all", ())),
        exclude=Words.parse(data.get("exclude")),
        negation=_negation(merged.get("negation")),
        scope=merged.get("scope", "turn"),
        speakers=_speakers(merged.get("speakers")),
        min_hits=merged.get("min_hits", 1),
        weight=float(merged.get("weight", 1.0)),
        lang=data.get("lang"),
        memo=data.get("memo"),
        context=_context(data.get("context")),
    )


def _context(value: Any) -> tuple[Context, ...]:
    if not value:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(
        Context(
            with_=Words.parse(item.get("with")),
            without=Words.parse(item.get("without")),
            scope=item.get("scope", "sentence"),
            substring=bool(item.get("substring", False)),
            around=int(item.get("around", 0)),
        )
        for item in items
    )


def _code(data: dict, parent: str | None, level: int, ctx: dict) -> Code:
    langs = ctx["languages"]
    code_id = data["id"]
    examples = data.get("examples") or ()
    if isinstance(examples, dict):
        examples = [e for lang in LANGUAGES for e in examples.get(lang, ())]
    return Code(
        id=code_id,
        label=_texts(data["label"], langs),
        parent=parent,
        level=level,
        definition=_texts(data.get("definition"), langs),
        include=_texts(data.get("include"), langs),
        exclude=_texts(data.get("exclude"), langs),
        examples=tuple(examples),
        color=data.get("color"),
        memo=_texts(data.get("memo"), langs),
        codable=data.get("codable", True),
        rules=tuple(
            _rule(r, code_id, i, ctx["defaults"]) for i, r in enumerate(data.get("rules", ()), 1)
        ),
        children=tuple(_code(c, code_id, level + 1, ctx) for c in data.get("children", ())),
        line=ctx["lines"].get(code_id),
    )


def build(data: dict, *, source: str | None = None, lines: dict | None = None) -> Codebook:
    """A ``Codebook`` from data that passed validation."""
    langs = tuple(data.get("languages") or LANGUAGES)
    ctx = {"languages": langs, "defaults": data.get("defaults") or {}, "lines": lines or {}}
    version = data.get("version")
    return Codebook(
        name=data["name"],
        codes=tuple(_code(c, None, 1, ctx) for c in data["codes"]),
        languages=langs,
        version=None if version is None else str(version),
        description=_texts(data.get("description"), langs),
        framework=_texts(data.get("framework"), langs),
        content_version=content_version(data),
        source=source,
    )
