"""A document's language from its script: ``zh``, ``en`` or ``mixed``; and for Chinese, whether
it is written in Simplified (``zh-Hans``) or Traditional (``zh-Hant``) characters."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: str) -> str:
    """Han characters against Latin words (a Chinese character carries about a word's weight)."""
    han = len(_HAN.findall(text))
    latin = len(_LATIN_WORD.findall(text))
    total = han + latin
    if total == 0:
        return "en"
    if han / total >= 0.8:
        return "zh"
    if latin / total >= 0.8:
        return "en"
    return "mixed"


SCRIPTS = ("zh-Hans", "zh-Hant")


def detect_script(text: str) -> str | None:
    """``zh-Hant`` when the text has more characters that only Traditional Chinese writes (機, 會,
    們) than characters that only Simplified writes (机, 会, 们); else ``zh-Hans``; ``None``
    without Chinese characters."""
    table = traditional_to_simplified()
    counts = Counter(text)
    simplified_only = _simplified_only()
    traditional = sum(n for char, n in counts.items() if char in table)
    simplified = sum(n for char, n in counts.items() if char in simplified_only)
    if not traditional and not simplified:
        han = any(_HAN.match(char) for char in counts)
        return "zh-Hans" if han else None
    return "zh-Hant" if traditional > simplified else "zh-Hans"


@lru_cache(maxsize=1)
def traditional_to_simplified() -> dict[str, str]:
    """OpenCC's Traditional → Simplified conversion of each CJK ideograph it changes into one
    character (character by character: no phrase rules, so lengths never change)."""
    import opencc

    convert = opencc.OpenCC("t2s").convert
    table = {}
    for first, last in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0x20000, 0x2A6DF)):
        chars = "".join(map(chr, range(first, last + 1)))
        converted = convert(chars)
        if len(converted) == len(chars):  # a 1:1 conversion, as it has been for these blocks
            table.update((a, b) for a, b in zip(chars, converted, strict=True) if a != b)
        else:  # pragma: no cover - fall back to one character at a time
            for a in chars:
                b = convert(a)
                if len(b) == 1 and b != a:
                    table[a] = b
    return table


@lru_cache(maxsize=1)
def _simplified_only() -> frozenset[str]:
    table = traditional_to_simplified()
    return frozenset(table.values()) - frozenset(table)
