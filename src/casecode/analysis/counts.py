"""The one definition of what casecode counts, shared by ``report``, ``run``, ``matrix`` and
``cooccur``.

**A code's count is the number of distinct turns coded with it** (with the codes below it, when
codes are rolled up to a level): a turn counts once however many codings, coders or passages it
holds. In a document without speakers a "turn" is a paragraph. The codings counted are those of
the status ``auto`` (:data:`COUNTED`): accepted codings (manual codings and accepted suggestions)
when the codings in scope have any; otherwise, with a visible notice, the open suggestions — so
a project nobody has reviewed yet still has numbers, and says whose they are. Rejected
suggestions never count.

Every table that shows these numbers names this definition in its note (:func:`count_note`).
"""

from __future__ import annotations

from casecode.analysis.data import CodedCorpus

COUNTED = "auto"  # the status every count uses by default (see casecode.analysis.data.STATUSES)
MEASURE = "segments"  # the matrix measure that is this definition: distinct turns
DEFINITION = (
    "a code's count is its coded turns: the distinct turns (paragraphs, in documents without "
    "speakers) coded with it or a code below it"
)

_NOTE = {
    "zh": "计数口径：{unit}数，即含有该编码（或其下级编码）的不同{unit}个数；同一{unit}无论有"
    "几条编码、几位编码者，只计一次（报告、run、matrix 与 cooccur 相同）。",
    "en": "Counts are {unit}s: the distinct {unit}s coded with the code (or a code below it); a "
    "{unit} counts once however many codings or coders it has (the same in report, run, matrix "
    "and cooccur).",
}
_UNIT = {
    ("zh", "interview"): "发言轮次",
    ("zh", "document"): "段落",
    ("en", "interview"): "turn",
    ("en", "document"): "paragraph",
}


def coded_turns(corpus: CodedCorpus) -> dict[str, set[tuple[int, int]]]:
    """Column → the distinct ``(document id, turn)`` pairs coded with it: the count of every
    table is the size of one of these sets."""
    found: dict[str, set[tuple[int, int]]] = {c: set() for c in corpus.columns}
    for h in corpus.hits:
        found.setdefault(h.column, set()).add((h.doc, h.turn))
    return found


def turn_counts(corpus: CodedCorpus) -> dict[str, int]:
    """Column → its count (see the module's definition)."""
    return {c: len(units) for c, units in coded_turns(corpus).items()}


def unit_word(lang: str, kind: str) -> str:
    """What a counted unit is called: 发言轮次 / turn, or 段落 / paragraph for documents."""
    return _UNIT[(lang, "document" if kind == "document" else "interview")]


def count_note(lang: str, kind: str = "interview") -> str:
    """The sentence each table's note carries, naming the definition."""
    return _NOTE[lang].format(unit=unit_word(lang, kind))
