"""Keyword in context: where a word occurs, on token boundaries or as a plain substring."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from casecode.coding.tokenize import Tokens


@dataclass(frozen=True, slots=True)
class Occurrence:
    start: int
    end: int


def token_hits(
    text: str, tokens: Tokens, word: list[str], norm: Callable[[str], str]
) -> list[Occurrence]:
    """Runs of tokens that spell ``word`` (its tokens, lower case), by form or by norm (lemma).

    ``volunteer`` finds volunteers and volunteered; 资金 finds the token 资金 but not 资金池.
    """
    if not word:
        return []
    wanted = [(w, norm(w)) for w in word]
    size = len(wanted)
    forms = [text[s:e].lower() for s, e in zip(tokens.starts, tokens.ends, strict=True)]
    found = []
    for i in range(len(forms) - size + 1):
        for k, (w, w_norm) in enumerate(wanted):
            form = forms[i + k]
            if form != w and tokens.norm(i + k) != w_norm:
                break
        else:
            found.append(Occurrence(tokens.starts[i], tokens.ends[i + size - 1]))
    return found


def substring_hits(text: str, word: str) -> list[Occurrence]:
    """Every occurrence of ``word`` in ``text``, ignoring case, overlapping ones included."""
    haystack, needle = text.casefold(), word.casefold()
    if len(haystack) != len(text) or not needle:  # case folding changed lengths: match as is
        haystack, needle = text, word
    found, i = [], haystack.find(needle)
    while i >= 0 and needle:
        found.append(Occurrence(i, i + len(needle)))
        i = haystack.find(needle, i + 1)
    return found


def context(text: str, start: int, end: int, width: int, lo: int, hi: int) -> tuple[str, str]:
    """Up to ``width`` characters either side of ``[start, end)``, kept within ``[lo, hi)``,
    with line breaks shown as spaces."""
    left = text[max(lo, start - width) : start].replace("\n", " ")
    right = text[end : min(hi, end + width)].replace("\n", " ")
    return left, right
