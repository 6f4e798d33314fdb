"""Limits on what one imported file may *expand* to, checked while it is read.

A file's size on disk says little about what it holds: a few hundred bytes of zipped XML can
declare gigabytes of text, a spreadsheet can declare a million rows, XML can nest thousands of
levels deep. Each limit here is a project setting (``[import]`` in casecode.toml) and every
refusal names its setting, so a researcher with a genuinely large file knows what to raise.

The readers ask for the limits in force with ``current()``; ``read_document`` sets them for
the file it reads (``using``), so a reader added later is bounded without being changed.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casecode.errors import CasecodeError

# setting name in [import] → Limits field, with its default
SETTINGS = {
    "max_document_chars": ("chars", 3_000_000),
    "max_turns": ("turns", 200_000),
    "max_zip_member_mb": ("member_mb", 100),
    "max_zip_ratio": ("ratio", 200),
    "max_sheet_cells": ("cells", 5_000_000),
    "max_xml_depth": ("xml_depth", 200),
}


@dataclass(frozen=True, slots=True)
class Limits:
    """What one document may expand to (the defaults fit any real interview or field note)."""

    chars: int = 3_000_000  # characters of text per document (coding memory grows with it)
    turns: int = 200_000  # turns (or paragraphs, or table rows) per document
    member_mb: float = 100  # one member of a zipped file (.docx .odt .xlsx), uncompressed
    ratio: float = 200  # uncompressed / compressed size of one zip member
    cells: int = 5_000_000  # spreadsheet cells actually iterated (rows × columns)
    xml_depth: int = 200  # elements inside elements

    @classmethod
    def of(cls, config: Any) -> Limits:
        """The limits a project's settings (``Config``) give."""
        return cls(**{field: getattr(config, name) for name, (field, _) in SETTINGS.items()})


def refuse(what: str, setting: str, value: float, source: str | Path) -> CasecodeError:
    """The error for a file past a limit: what it has, and the setting that allows it."""
    shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return CasecodeError(
        f"{what}: over the limit [import] {setting} = {shown}",
        file=source,
        hint="raise it in casecode.toml if the file is genuine",
    )


_CURRENT: ContextVar[Limits | None] = ContextVar("casecode_limits", default=None)


def current() -> Limits:
    """The limits for the file being read (the defaults outside ``using``)."""
    return _CURRENT.get() or Limits()


@contextmanager
def using(limits: Limits) -> Iterator[Limits | None]:
    token = _CURRENT.set(limits)
    try:
        yield limits
    finally:
        _CURRENT.reset(token)


class Budget:
    """Characters (or turns) taken so far while reading one file; refuses past the limit."""

    def __init__(self, limit: int, what: str, setting: str, source: str | Path) -> None:
        self.limit, self.what, self.setting, self.source = limit, what, setting, source
        self.used = 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise refuse(f"too many {self.what}", self.setting, self.limit, self.source)


def chars_budget(source: str | Path, limits: Limits | None = None) -> Budget:
    limits = limits or current()
    return Budget(limits.chars, "characters of text", "max_document_chars", source)


def turns_budget(source: str | Path, limits: Limits | None = None) -> Budget:
    limits = limits or current()
    return Budget(limits.turns, "turns or paragraphs", "max_turns", source)


def check_text(text: str, source: str | Path, limits: Limits | None = None) -> None:
    limits = limits or current()
    if len(text) > limits.chars:
        raise refuse(
            f"{len(text):,} characters of text", "max_document_chars", limits.chars, source
        )


def check_turns(count: int, source: str | Path, limits: Limits | None = None) -> None:
    limits = limits or current()
    if count > limits.turns:
        raise refuse(f"{count:,} turns", "max_turns", limits.turns, source)


# ---------------------------------------------------------------------------- zip files


def check_zip(path: str | Path, limits: Limits | None = None, *, what: str = "file") -> None:
    """Refuse a zipped file (.docx .odt .xlsx .qdpx, a template) whose members would expand
    past the limits, before anything unzips them. ``zipfile`` never reads a member past its
    declared size, so the declared sizes bound what is read."""
    limits = limits or current()
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise CasecodeError(
            f"corrupt or unreadable {what} ({type(exc).__name__})", file=path
        ) from None
    for info in infos:
        check_member(info, path, limits)


def check_member(info: zipfile.ZipInfo, source: str | Path, limits: Limits | None = None) -> None:
    limits = limits or current()
    if info.file_size > limits.member_mb * 1024 * 1024:
        raise refuse(
            f"'{info.filename}' expands to {info.file_size / 1024 / 1024:,.1f} MB",
            "max_zip_member_mb",
            limits.member_mb,
            source,
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > 1024 * 1024 and ratio > limits.ratio:
        raise refuse(
            f"'{info.filename}' expands {ratio:,.0f} times (a zip bomb?)",
            "max_zip_ratio",
            limits.ratio,
            source,
        )


def read_member(z: zipfile.ZipFile, name: str, source: str | Path) -> bytes:
    """One member's bytes, refused before unzipping when it would expand past the limits."""
    info = z.getinfo(name)
    check_member(info, source)
    return z.read(info)


# ---------------------------------------------------------------------------- XML


def scan_xml(
    data: bytes,
    source: str | Path,
    limits: Limits | None = None,
    *,
    blocks: str | None = None,
    text: str | None = None,
) -> None:
    """Stream through XML before a library builds its tree, refusing it past the limits: nested
    deeper than ``max_xml_depth``, more ``blocks`` elements (paragraphs, by their qualified
    name such as ``w:p``) than ``max_turns``, or more characters inside ``text`` elements than
    ``max_document_chars``. Nothing is built, so this costs no memory."""
    import xml.parsers.expat

    limits = limits or current()
    paragraphs = turns_budget(source, limits)
    chars = chars_budget(source, limits)
    depth = 0
    inside = 0  # how many ``text`` elements we are in

    def start(name, attrs) -> None:
        nonlocal depth, inside
        depth += 1
        if depth > limits.xml_depth:
            raise refuse("XML nested too deep", "max_xml_depth", limits.xml_depth, source)
        if name == blocks:
            paragraphs.take(1)
        if name == text:
            inside += 1

    def end(name) -> None:
        nonlocal depth, inside
        depth -= 1
        if name == text:
            inside -= 1

    def data_(content: str) -> None:
        if inside:
            chars.take(len(content))

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = data_
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise CasecodeError(f"damaged XML ({exc})", file=source) from None


def parse_xml(data: bytes, source: str | Path, limits: Limits | None = None):
    """An ElementTree root from ``data``, refused as soon as elements nest deeper than
    ``[import] max_xml_depth`` (so walking the tree cannot recurse without bound)."""
    import xml.etree.ElementTree as ET

    limits = limits or current()
    parser = ET.XMLPullParser(events=("start", "end"))
    root = None
    depth = 0
    step = 1 << 16
    try:
        for at in [*range(0, len(data), step), None]:
            if at is None:
                parser.close()
            else:
                parser.feed(data[at : at + step])
            for event, element in parser.read_events():
                if event == "start":
                    root = element if root is None else root
                    depth += 1
                    if depth > limits.xml_depth:
                        raise refuse(
                            "XML nested too deep",
                            "max_xml_depth",
                            limits.xml_depth,
                            source,
                        )
                else:
                    depth -= 1
    except ET.ParseError as exc:
        raise CasecodeError(f"damaged XML ({exc})", file=source) from None
    if root is None:
        raise CasecodeError("damaged XML (no elements)", file=source)
    return root
