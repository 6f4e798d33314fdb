"""Turn the bytes of a text file into text, with a real detector and honest errors."""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from casecode.errors import CasecodeError

# Detectors name the same codec in several ways; report the standard names people know.
_CANONICAL = {
    "utf_8": "utf-8",
    "utf-8": "utf-8",
    "utf_8_sig": "utf-8-sig",
    "utf-8-sig": "utf-8-sig",
    "utf_16": "utf-16",
    "utf_16_le": "utf-16-le",
    "utf_16_be": "utf-16-be",
    "utf_32": "utf-32",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "hz": "gb18030",
    "big5": "big5",
    "big5hkscs": "big5",
    "cp950": "big5",
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
    "latin_1": "cp1252",
    "iso8859_1": "cp1252",
    "ascii": "utf-8",
}

# When the detector is unsure between CJK code pages, prefer the one a researcher in
# mainland China most likely has (GB18030 is a superset of GB2312 and GBK).
_PREFERENCE = ["utf-8", "gb18030", "big5", "utf-16", "cp1252"]


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    note: str = ""  # why the detected encoding may be wrong (empty when it is sure)


# Characters that ordinary Chinese prose is full of, in both scripts: a GBK file read as Big5
# (or the reverse) loses them, punctuation first.
_COMMON_HAN = set("，。：？！、；“”（）《》的是了不在有人我他这這们們个個说說一")


def _chinese_hits(text: str) -> int:
    """Common characters of Chinese prose, less twice the private-use ones (which a GB file
    read as Big5, or the reverse, is full of)."""
    return sum(1 for ch in text if ch in _COMMON_HAN) - 2 * sum(
        1 for ch in text if "\ue000" <= ch <= "\uf8ff"
    )


def _clean_gb18030(data: bytes) -> str | None:
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    return None if any("\ue000" <= ch <= "\uf8ff" for ch in text) else text


def _chinese_choice(data: bytes, source: str | Path) -> Decoded | None:
    """GB18030 against Big5 for bytes that are not UTF-8: the one whose text reads as Chinese
    (GB18030 when they read alike, as in a short file), with a note when the evidence is thin;
    ``None`` when neither decodes into Chinese."""
    decoded = {}
    for name in ("gb18030", "big5"):
        try:
            decoded[name] = data.decode(name)
        except UnicodeDecodeError:
            continue
    hits = {name: _chinese_hits(text) for name, text in decoded.items()}
    if not hits or max(hits.values()) <= 0:
        return None  # not Chinese prose: leave it to the detector
    best = max(decoded, key=lambda n: (hits[n], n == "gb18030"))
    other = max((h for n, h in hits.items() if n != best), default=0)
    note = ""
    if hits[best] < 3 or (other > 0 and hits[best] < 2 * other):
        note = (
            f"the encoding is a guess ({best}, from little text); check the text, or pass "
            "--encoding"
        )
    try:
        return Decoded(_checked(decoded[best], best, source).text, best, note)
    except CasecodeError:
        return None


def _canonical(name: str) -> str:
    key = name.lower().replace("-", "_")
    return _CANONICAL.get(key, _CANONICAL.get(name.lower(), name.lower()))


def _looks_binary(text: str) -> bool:
    """Text with many control characters (other than tab/newline) is not a transcript."""
    if not text:
        return False
    sample = text[:20000]
    bad = sum(
        1
        for ch in sample
        if ch not in "\t\n\r\f\v" and unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")
    )
    return bad / len(sample) > 0.02


def _utf16_without_bom(data: bytes) -> str | None:
    """Guess the byte order of UTF-16 without a BOM from where ASCII's zero bytes fall."""
    sample = data[:8192]
    if len(sample) < 4 or len(sample) % 2:
        return None
    half = len(sample) / 2
    even_nul = sample[0::2].count(0) / half
    odd_nul = sample[1::2].count(0) / half
    if odd_nul > 4 * even_nul:
        return "utf-16-le"
    if even_nul > 4 * odd_nul:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, *, source: str | Path, encoding: str | None = None) -> Decoded:
    """Decode ``data``; ``encoding`` overrides detection. Raises CasecodeError naming ``source``."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise CasecodeError(
                f"unknown encoding '{encoding}'", file=source, hint="e.g. utf-8, gb18030, big5"
            ) from None
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise CasecodeError(
                f"cannot decode as {encoding} (byte {exc.start})",
                file=source,
                hint="check --encoding or leave it out to detect it",
            ) from None
        if text.startswith("\ufeff"):
            text = text[1:]
        return Decoded(text, _canonical(encoding))

    if not data.strip():
        raise CasecodeError("empty file", file=source)

    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                text = data.decode(name)
            except UnicodeDecodeError:
                break
            return _checked(text.lstrip("\ufeff"), name, source)

    if b"\x00" in data[:8192]:
        utf16 = _utf16_without_bom(data)
        for order in [utf16] if utf16 else ["utf-16-le", "utf-16-be"]:
            try:
                return _checked(data.decode(order), "utf-16", source)
            except (UnicodeDecodeError, CasecodeError):
                continue
        raise CasecodeError(
            "binary file, not text",
            file=source,
            hint="if it is UTF-16 text, pass --encoding utf-16-le",
        )

    try:
        return _checked(data.decode("utf-8"), "utf-8", source)
    except UnicodeDecodeError:
        pass

    chinese = _chinese_choice(data, source)
    if chinese is not None:
        return chinese

    from charset_normalizer import from_bytes  # imported here: not needed for UTF-8

    results = from_bytes(data)
    candidates = []
    for match in results:
        name = _canonical(match.encoding)
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        candidates.append((match.chaos, name, text))
    if not candidates:
        raise CasecodeError(
            "cannot detect the text encoding (undecodable bytes)",
            file=source,
            hint="name it with --encoding",
        )
    best_chaos = min(c[0] for c in candidates)
    close = [c for c in candidates if c[0] <= best_chaos + 0.05]
    close.sort(key=lambda c: _PREFERENCE.index(c[1]) if c[1] in _PREFERENCE else len(_PREFERENCE))
    _, name, text = close[0]
    if name == "big5":  # tried as GB18030 first: a short GBK file often passes for Big5
        gb = _clean_gb18030(data)
        if gb is not None and _chinese_hits(gb) >= _chinese_hits(text):
            note = "the encoding is a guess (gb18030 or big5); check the text, or pass --encoding"
            return Decoded(_checked(gb, "gb18030", source).text, "gb18030", note)
    if name.startswith("cp125") and name != "cp1252":
        try:  # Central/Eastern European code pages often decode Western text identically
            if data.decode("cp1252") == text:
                name = "cp1252"
        except UnicodeDecodeError:
            pass
    decoded = _checked(text, name, source)
    return Decoded(decoded.text, decoded.encoding, _doubt(data, decoded, candidates))


def _doubt(data: bytes, decoded: Decoded, candidates: list) -> str:
    """Why a detected encoding may be wrong: too few non-ASCII bytes to tell (one cp1252 quote
    in English text also reads as a GB18030 character), or another encoding fits about as well
    and reads the bytes differently."""
    foreign = sum(1 for b in data if b > 0x7F)
    others = sorted(
        {n for _, n, t in candidates if t != decoded.text and _canonical(n) != decoded.encoding}
    )
    if foreign < 8 or (others and foreign < 64):
        also = f" (or {', '.join(others[:2])})" if others else ""
        return (
            f"encoding guessed as {decoded.encoding}{also} from only {foreign} non-ASCII "
            "byte(s): check the text, or pass --encoding"
        )
    return ""


def _checked(text: str, name: str, source: str | Path) -> Decoded:
    if _looks_binary(text):
        raise CasecodeError("binary file, not text", file=source)
    if not text.strip():
        raise CasecodeError("empty file", file=source)
    return Decoded(text, _canonical(name))
