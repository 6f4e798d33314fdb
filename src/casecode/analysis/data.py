"""The coded corpus as analysis sees it: documents, turns, and codings laid onto turns.

A coding counts for every turn its span overlaps (clipped to what was said in that turn), and for
the *columns* asked for: with a level, the code's ancestor at that level (its "roll-up"); with a
list of codes, each listed code whose subtree holds it; with neither, the code itself.
Rejected suggestions never count unless asked for by status.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from casecode.codebook import Codebook
from casecode.codebook.codes import Code
from casecode.codebook.refs import resolve_code
from casecode.errors import CasecodeError

# --status: which codings count. "all" is everything a person has not rejected; "auto" (the
# default of the counting commands, see casecode.analysis.counts) is the accepted codings, or
# the open suggestions when nothing in scope is accepted yet.
STATUSES: dict[str, tuple[str, ...]] = {
    "auto": ("accepted", "suggested"),
    "all": ("accepted", "suggested"),
    "accepted": ("accepted",),
    "suggested": ("suggested",),
    "rejected": ("rejected",),
}
NO_SPEAKER = "(no speaker)"
MISSING = "(missing)"
BUILTIN_KEYS = ("document", "case", "language", "speaker")


@dataclass(frozen=True, slots=True)
class Doc:
    id: int
    name: str
    case: str
    language: str
    text: str
    attributes: dict[str, str]
    kind: str = "interview"  # interview, document or notes (see corpus.importing.document_kind)


@dataclass(frozen=True, slots=True)
class Turn:
    doc: int
    n: int
    speaker: str | None
    start: int
    end: int
    label_start: int

    @property
    def chars(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Hit:
    """One coding on one turn, counted for one column."""

    coding: int
    doc: int
    turn: int  # the turn's number in its document
    column: str
    code: str  # the code the coding names
    coder: str
    status: str
    span: tuple[int, int]  # the coding's own span
    start: int  # the span clipped to what was said in this turn
    end: int


@dataclass
class CodedCorpus:
    book: Codebook
    docs: dict[int, Doc]
    turns: list[Turn]
    hits: list[Hit]
    columns: list[str]
    left_out: dict[str, int] = field(default_factory=dict)  # codings of codes not in the codebook
    codings: dict[int, dict] = field(default_factory=dict)  # coding id → its stored row
    notes: list[str] = field(default_factory=list)
    counted: tuple[str, ...] = ("accepted", "suggested")  # the statuses the hits are of

    def value(self, turn: Turn, key: str) -> str:
        """What ``key`` (document, case, language, speaker or an attribute) is for a turn."""
        doc = self.docs[turn.doc]
        if key == "document":
            return doc.name
        if key == "case":
            return doc.case
        if key == "language":
            return doc.language
        if key == "speaker":
            return turn.speaker or NO_SPEAKER
        return doc.attributes.get(key, MISSING)

    def holds(self, turn: Turn, cond: Condition) -> bool:
        """Whether ``cond`` holds for a turn; a document may be named without its extension."""
        actual = self.value(turn, cond.key)
        if cond.key == "document" and cond.op in ("=", "!="):
            name = actual
            same = cond.value in (name, name.rsplit(".", 1)[0])
            return same if cond.op == "=" else not same
        return cond.holds(actual)

    def filter_keys(self) -> list[str]:
        """Every key a filter or a row may name."""
        attrs = sorted({k for d in self.docs.values() for k in d.attributes})
        return [*BUILTIN_KEYS, *(k for k in attrs if k not in BUILTIN_KEYS)]

    def warnings(self) -> list[str]:
        found = list(self.notes)
        if self.left_out:
            names = ", ".join(sorted(self.left_out)[:5])
            names += ", ..." if len(self.left_out) > 5 else ""
            n = sum(self.left_out.values())
            found.append(f"{n} coding(s) of codes not in the codebook were left out: {names}")
        if not self.hits and self.turns:
            found.append(
                "no codings count here: run `casecode code` (or code by hand), or check "
                "--coder, --status and --where"
            )
        return found


# ---------------------------------------------------------------------------- columns


def _within(code_id: str, root: str) -> bool:
    return code_id == root or code_id.startswith(root + ".")


@dataclass
class CodeColumns:
    """The columns asked for, and which of them each coded code counts in.

    - ``codes`` alone: each listed code, counting its whole subtree;
    - ``level`` (with or without ``codes``): the codes at that level (within the listed codes'
      subtrees), each counting its subtree; a leaf above the level is its own column, and so is
      a category above the level when something is coded with it directly;
    - neither: every code, counting only itself.
    """

    book: Codebook
    level: int | None
    roots: list[Code]

    def __post_init__(self) -> None:
        scope = [c for r in self.roots for c in r.walk()] if self.roots else list(self.book.walk())
        if self.level is None:
            fixed = [r.id for r in self.roots] if self.roots else []
        else:
            fixed = [
                c.id
                for c in scope
                if c.level == self.level or (c.level < self.level and not c.children)
            ]
        self.fixed = fixed
        self._scope = {c.id for c in scope}

    def of(self, code_id: str) -> list[str]:
        if self.level is None and self.roots:
            return [r.id for r in self.roots if _within(code_id, r.id)]
        code = self.book.get(code_id)
        if code is None or code_id not in self._scope:
            return []
        if self.level is None:
            return [code_id]
        return [self.book.roll_up(code.id, self.level)]

    def ids(self, used: set[str]) -> list[str]:
        """The final column list, in codebook order: the fixed ones and any others coded."""
        if self.level is None and not self.roots:
            keep = {c.id for c in self.book.walk() if c.codable} | used
        else:
            keep = set(self.fixed) | used
        return [c.id for c in self.book.walk() if c.id in keep]


def select_columns(
    book: Codebook,
    *,
    level: int | None = None,
    codes: Iterable[str] | None = None,
) -> CodeColumns:
    if level is not None and level < 1:
        raise CasecodeError("--level counts from 1 (the top-level codes)")
    roots: list[Code] = []
    for ref in codes or ():
        code = resolve_code(book, ref)
        if code not in roots:
            roots.append(code)
    if roots and level is not None and all(c.level > level for c in roots):
        deepest = max(c.level for c in roots)
        raise CasecodeError(
            f"the codes asked for are below level {level}",
            hint=f"use --level {deepest} or more, or leave it out",
        )
    return CodeColumns(book, level, roots)


# ---------------------------------------------------------------------------- filters


@dataclass(frozen=True, slots=True)
class Condition:
    key: str
    op: str  # "=", "!=", "~" (contains)
    value: str

    def holds(self, actual: str) -> bool:
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        return self.value.casefold() in actual.casefold()

    def __str__(self) -> str:
        return f"{self.key} {self.op} {self.value}"


_CONDITION = re.compile(r"^\s*(?P<key>[^=!~≠]+?)\s*(?P<op>==|=|!=|≠|~)\s*(?P<value>.*?)\s*$")


def parse_condition(text: str) -> Condition:
    """``role = 村支书``, ``village != 上坊村``, ``role ~ 书记`` (contains)."""
    m = _CONDITION.match(text)
    if not m or not m["value"]:
        raise CasecodeError(
            f"cannot read the filter '{text}'",
            hint='write KEY = VALUE, KEY != VALUE or KEY ~ PART, e.g. "role = 老年协会会长"',
        )
    op = {"==": "=", "≠": "!="}.get(m["op"], m["op"])
    return Condition(m["key"].strip(), op, m["value"].strip().strip("\"'“”"))


def check_condition(corpus: CodedCorpus, cond: Condition, turns: Iterable[Turn]) -> None:
    """Refuse a key nobody has, or a value no document (or turn) has, naming what exists."""
    keys = corpus.filter_keys()
    if cond.key not in keys:
        import difflib

        close = difflib.get_close_matches(cond.key, keys, n=3, cutoff=0.3)
        hint = f"closest: {', '.join(close)}" if close else f"keys: {', '.join(keys)}"
        raise CasecodeError(f"no document has an attribute '{cond.key}'", hint=hint)
    if cond.op == "!=":
        return
    turns = list(turns)
    if not any(corpus.holds(t, cond) for t in turns):
        values = list(dict.fromkeys(corpus.value(t, cond.key) for t in turns))
        shown = ", ".join(values[:8]) + (", ..." if len(values) > 8 else "")
        raise CasecodeError(f"nothing has {cond}", hint=f"{cond.key} is one of: {shown}")


# ---------------------------------------------------------------------------- loading


def load(
    store,
    book: Codebook,
    *,
    level: int | None = None,
    codes: Iterable[str] | None = None,
    coder: str | None = None,
    status: str = "all",
    where: Iterable[str] = (),
    keep_unknown: bool = False,
) -> CodedCorpus:
    """Read the store into a :class:`CodedCorpus` for the columns and filters asked for.

    ``keep_unknown``: codings of codes the codebook lacks stay (as their own column) instead of
    being left out with a warning; exports keep everything.
    """
    if status not in STATUSES:
        raise CasecodeError(f"unknown status '{status}'", hint=", ".join(STATUSES))
    columns = select_columns(book, level=level, codes=codes)
    conditions = [parse_condition(w) for w in where]
    coders = store.coder_names()
    if coder is not None and coder not in coders:
        raise CasecodeError(
            f"no codings by coder '{coder}'", hint=f"coders: {', '.join(coders) or 'none yet'}"
        )
    attributes = store.all_attributes()
    segments = store.all_segments()
    docs = {
        row["id"]: Doc(
            row["id"],
            row["name"],
            row["case_name"],
            row["language"],
            row["text"],
            attributes.get(row["id"], {}),
            row["kind"],
        )
        for row in store.all_documents()
    }
    turns = [
        Turn(doc_id, s.n, s.speaker, s.start, s.end, s.label_start)
        for doc_id in docs
        for s in segments.get(doc_id, [])
    ]
    if not docs:
        raise CasecodeError("this project has no documents yet", hint="casecode import FILES")
    corpus = CodedCorpus(book, docs, turns, [], [])
    for inner in columns.roots:
        outer = [r.id for r in columns.roots if r is not inner and _within(inner.id, r.id)]
        if outer and columns.level is None:
            corpus.notes.append(
                f"{inner.id} lies inside {outer[0]}: its codings count in both columns "
                "(and twice in the row totals)"
            )
    for cond in conditions:
        check_condition(corpus, cond, turns)
    corpus.turns = [t for t in turns if all(corpus.holds(t, c) for c in conditions)]

    by_doc: dict[int, list[Turn]] = {}
    for t in corpus.turns:
        by_doc.setdefault(t.doc, []).append(t)
    starts = {d: [t.label_start for t in ts] for d, ts in by_doc.items()}
    used: set[str] = set()
    unknown: set[str] = set()
    for c in store.codings_for_analysis(coder=coder, statuses=STATUSES[status]):
        code_id = c["code_id"]
        targets = columns.of(code_id)
        if not targets:
            if code_id in book:
                continue  # outside the columns asked for
            if not keep_unknown:
                corpus.left_out[code_id] = corpus.left_out.get(code_id, 0) + 1
                continue
            targets = [code_id]
            unknown.add(code_id)
        doc_turns = by_doc.get(c["document_id"])
        if not doc_turns:
            continue  # a document or turn filtered out
        cs, ce = c["start"], c["end"]
        doc_starts = starts[c["document_id"]]
        first = bisect_right(doc_starts, cs) - 1  # the turn the coding starts in
        last = max(bisect_left(doc_starts, ce), first + 1)
        for k in range(max(first, 0), last):
            t = doc_turns[k]
            start, end = max(cs, t.start), min(ce, t.end)
            if not (end > start or (k == first and cs <= t.end)):
                continue
            corpus.codings[c["id"]] = dict(c)
            used.update(targets)
            corpus.hits.extend(
                Hit(
                    c["id"],
                    t.doc,
                    t.n,
                    col,
                    code_id,
                    c["coder"],
                    c["status"],
                    (cs, ce),
                    start,
                    max(start, end),
                )
                for col in targets
            )
    corpus.counted = STATUSES[status]
    if status == "auto":
        _reviewed_first(corpus)
        used &= {h.column for h in corpus.hits}
    corpus.columns = columns.ids(used - unknown) + sorted(unknown)
    return corpus


UNREVIEWED_NOTE = (
    "nothing counted here is reviewed yet: the counts are of open (machine) suggestions; "
    "accept or reject them with casecode review"
)


def _reviewed_first(corpus: CodedCorpus) -> None:
    """Status ``auto``: keep the accepted codings when there are any, else the suggestions
    (and say so)."""
    if any(h.status == "accepted" for h in corpus.hits):
        corpus.hits = [h for h in corpus.hits if h.status == "accepted"]
        corpus.codings = {k: v for k, v in corpus.codings.items() if v["status"] == "accepted"}
        corpus.counted = ("accepted",)
    else:
        corpus.counted = ("suggested",)
        if corpus.hits:
            corpus.notes.append(UNREVIEWED_NOTE)
