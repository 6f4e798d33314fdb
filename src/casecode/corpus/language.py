"""A document's language from its script: ``zh``, ``en`` or ``mixed``."""

from __future__ import annotations

import re

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
