"""A document's language from its script: ``zh``, ``en`` or ``mixed``; and for Chinese, whether
it is written in Simplified (``zh-Hans``) or Traditional (``zh-Hant``) characters."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


_ENGLISH = frozenset(
    """the and of to a in is that it was for on with as i you he she we they this have be are
    not but at by from or an what so do there my our all if can will would""".split()  # noqa: SIM905
)
# Function words of the other languages researchers most often meet (French, Spanish, German,
# Italian, Portuguese, Dutch): a Latin-script text full of them is not English.
_OTHER = frozenset(
    """le la les des est et une un du que qui dans pour pas sur nous vous je ce avec
    el los las del y es en una por con para lo se mi muy
    der die das und ist nicht ich mit sie ein eine zu auf den dem
    il che di non per sono della gli os não uma com het een van ik niet zijn""".split()  # noqa: SIM905
)


def detect_language(text: str) -> str:
    """Han characters against Latin words (a Chinese character carries about a word's weight);
    a Latin-script text whose common words are French, Spanish, German ... rather than English
    is ``other``."""
    han = len(_HAN.findall(text))
    words = _LATIN_WORD.findall(text)
    latin = len(words)
    total = han + latin
    if total == 0:
        return "en"
    if han / total >= 0.8:
        return "zh"
    if latin / total >= 0.8:
        sample = [w.lower() for w in words[:5000]]
        english = sum(1 for w in sample if w in _ENGLISH)
        other = sum(1 for w in sample if w in _OTHER and w not in _ENGLISH)
        return "other" if other > max(2, english) else "en"
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
