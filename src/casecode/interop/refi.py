"""REFI-QDA projects (.qdpx): read one into plain data, and write one from plain data.

An engine: pure functions of bytes and data; it never touches a casecode project or its store.

Reading is defensive. The zip's members are checked before anything is read (no ``..``, no
absolute paths, no encrypted members, size and compression-ratio limits), and the ``.qde`` is
parsed with a hardened parser (no DTDs, no entities, no network). Positions are returned as
code points into the source's plain text, end exclusive: files made by NVivo count UTF-16 code
units (an emoji counts 2), and those are converted. Text is kept exactly as the tool stored it
(CRLF line breaks too), which is what its positions count.

Writing gives the same bytes for the same data: GUIDs come from the caller (stable ones), the
zip's timestamps are fixed, and the .qde is ``project.qde`` at the root with the sources as
UTF-8 ``.txt`` files in a lowercase ``sources/`` folder (``internal://GUID.txt``), which every
tool reads.
"""

from __future__ import annotations

import io
import re
import zipfile
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from casecode.codebook.codes import Code
from casecode.codebook.qdc import add_code_elements, parse_xml_bytes, read_codes
from casecode.corpus.encoding import decode_bytes
from casecode.errors import CasecodeError

NS = "urn:QDA-XML:project:1.0"
KNOWN_NAMESPACES = {NS, "urn:QDA-XML:project:0:4"}
SCHEMA_LOCATION = "http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"

# limits checked on the zip's directory before anything is read
MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 256 * 1024 * 1024  # one file, uncompressed
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # all files, uncompressed
MAX_RATIO = 200  # uncompressed / compressed, for members over RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024

# tools whose positions count UTF-16 code units, not code points (NOTES.md)
UTF16_ORIGINS = ("nvivo",)
TOOLS = ("refi", "atlasti", "maxqda", "nvivo", "qualcoder")

_GUID = re.compile(
    r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$"
)
_MEDIA = {
    "PDFSource": "PDF",
    "PictureSource": "picture",
    "AudioSource": "audio",
    "VideoSource": "video",
}


# -- what a project holds -----------------------------------------------------------------------


@dataclass
class Coding:
    code: str  # the code's GUID
    user: str | None  # GUID of the user who made it
    notes: list[str] = field(default_factory=list)  # GUIDs of notes on it


@dataclass
class Selection:
    guid: str
    name: str
    start: int  # code points, end exclusive
    end: int
    user: str | None
    description: str = ""
    codings: list[Coding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Source:
    guid: str
    name: str
    kind: str  # text, PDF, picture, audio, video
    text: str | None = None  # the plain text, None when it could not be read
    encoding: str | None = None
    problem: str | None = None  # why it is not imported
    user: str | None = None
    description: str = ""
    selections: list[Selection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    codings: int = 0  # codings on it (for a source that is skipped)


@dataclass
class Case:
    guid: str
    name: str
    sources: list[str] = field(default_factory=list)  # source GUIDs
    variables: dict[str, str] = field(default_factory=dict)
    description: str = ""


@dataclass
class Note:
    guid: str
    name: str
    text: str
    user: str | None


@dataclass
class RefiProject:
    """A .qdpx as plain data. GUIDs are upper case without braces."""

    name: str
    origin: str
    users: dict[str, str] = field(default_factory=dict)  # GUID → name
    creating_user: str | None = None
    codes: list[dict[str, Any]] = field(default_factory=list)  # casecode codebook data
    code_lang: str = "en"
    code_ids: dict[str, str] = field(default_factory=dict)  # code GUID → code id
    code_notes: dict[str, list[str]] = field(default_factory=dict)  # code GUID → note GUIDs
    code_count: int = 0
    sources: list[Source] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    notes: dict[str, Note] = field(default_factory=dict)
    unused: list[str] = field(default_factory=list)  # parts with no place in casecode
    warnings: list[str] = field(default_factory=list)
    utf16: bool = False  # the file counted UTF-16 code units (converted)


def guid_key(value: str | None) -> str | None:
    """A GUID as a key: upper case, no braces (tools differ in both)."""
    if value is None:
        return None
    return value.strip().strip("{}").upper() or None


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el, name: str) -> list:
    return [c for c in el if _local(c.tag) == name]


def _child(el, name: str):
    found = _children(el, name)
    return found[0] if found else None


def _text_of(el, name: str) -> str:
    child = _child(el, name)
    return (child.text or "") if child is not None else ""


# -- the zip ------------------------------------------------------------------------------------


def _bad_name(name: str) -> str | None:
    if "\x00" in name:
        return "a NUL character"
    unified = name.replace("\\", "/")
    if unified.startswith("/") or re.match(r"^[A-Za-z]:", unified):
        return "an absolute path"
    if ".." in unified.split("/"):
        return "'..' in its path"
    return None


def check_zip(archive: zipfile.ZipFile, source: str) -> None:
    """Refuse a zip whose members could escape, are encrypted, or are too big to read safely."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise CasecodeError(
            f"refused: {len(infos)} files in the zip (limit {MAX_MEMBERS})", file=source
        )
    total = 0
    for info in infos:
        why = _bad_name(info.filename)
        if why:
            raise CasecodeError(f"refused: the zip member '{info.filename}' has {why}", file=source)
        if info.flag_bits & 0x1:
            raise CasecodeError(
                f"refused: the zip member '{info.filename}' is encrypted", file=source
            )
        if info.file_size > MAX_MEMBER_BYTES:
            raise CasecodeError(
                f"refused: the zip member '{info.filename}' is {info.file_size / 1e6:.0f} MB "
                f"unpacked (limit {MAX_MEMBER_BYTES / 1e6:.0f} MB)",
                file=source,
            )
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise CasecodeError(
                f"refused: the zip member '{info.filename}' unpacks "
                f"{info.file_size // max(info.compress_size, 1)} times larger than it is packed "
                "(a zip bomb?)",
                file=source,
            )
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise CasecodeError(
            f"refused: the zip unpacks to {total / 1e6:.0f} MB "
            f"(limit {MAX_TOTAL_BYTES / 1e6:.0f} MB)",
            file=source,
        )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> bytes:
    """A member's bytes, never more than its declared size allows (the directory may lie)."""
    limit = min(info.file_size, MAX_MEMBER_BYTES)
    try:
        with archive.open(info) as fh:
            data = fh.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
        raise CasecodeError(
            f"the zip member '{info.filename}' cannot be read ({exc})", file=source
        ) from None
    except Exception as exc:  # zlib.error and friends: a damaged member
        raise CasecodeError(
            f"the zip member '{info.filename}' is damaged ({type(exc).__name__})", file=source
        ) from None
    if len(data) > limit:
        raise CasecodeError(
            f"refused: the zip member '{info.filename}' is larger than the zip says", file=source
        )
    return data


def _project_member(infos: list[zipfile.ZipInfo], source: str) -> zipfile.ZipInfo:
    qdes = [i for i in infos if i.filename.lower().endswith(".qde") and "/" not in i.filename]
    named = [i for i in qdes if i.filename.lower() == "project.qde"]
    if named:
        return named[0]
    if len(qdes) == 1:  # ATLAS.ti 26 names it after the project
        return qdes[0]
    if not qdes:
        raise CasecodeError(
            "not a REFI-QDA project: the zip has no project.qde",
            file=source,
            hint="a .qdpx is a zip with project.qde at its root",
        )
    names = ", ".join(i.filename for i in qdes)
    raise CasecodeError(
        f"several .qde files in the zip ({names}); which is the project?", file=source
    )


# -- reading ------------------------------------------------------------------------------------


def read_qdpx(data: bytes, source: str) -> RefiProject:
    """A .qdpx file's bytes as a ``RefiProject``; ``source`` names the file in errors."""
    if not data.startswith(b"PK"):
        if data.lstrip()[:5] in (b"<?xml", b"<Proj"):
            hint = "it looks like a bare .qde: zip it with its sources folder into a .qdpx"
        else:
            hint = None
        raise CasecodeError("not a .qdpx file (not a zip)", file=source, hint=hint)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise CasecodeError(f"not a readable zip ({exc})", file=source) from None
    with archive:
        check_zip(archive, source)
        infos = [i for i in archive.infolist() if not i.is_dir()]
        qde = _project_member(infos, source)
        root = parse_xml_bytes(_read_member(archive, qde, source), f"{source}:{qde.filename}")
        files = {}
        for info in infos:
            path = PurePosixPath(info.filename.replace("\\", "/"))
            if info is qde or path.name.startswith("."):
                continue  # NVivo for Mac adds an empty sources/.root
            files.setdefault(path.name.lower(), info)

        def read_file(ref: str) -> tuple[bytes | None, str | None]:
            """(bytes, None) of an internal:// file, or (None, why not)."""
            scheme, _, rest = ref.partition("://")
            if scheme.lower() != "internal":
                return None, f"its file is outside the .qdpx ({ref})"
            info = files.pop(PurePosixPath(rest.replace("\\", "/")).name.lower(), None)
            if info is None:
                return None, f"its file {rest} is not in the .qdpx"
            return _read_member(archive, info, source), None

        project = parse_project(root, source, read_file)
        left = sorted(i.filename for i in files.values())
        if left:
            project.unused.append(
                f"{len(left)} file(s) in the .qdpx that no source names (e.g. {left[0]})"
            )
    return project


def parse_project(
    root, source: str, read_file: Callable[[str], tuple[bytes | None, str | None]]
) -> RefiProject:
    """A parsed ``<Project>`` element as a ``RefiProject``; ``read_file`` gives the bytes of an
    ``internal://`` path."""
    if _local(root.tag) != "Project":
        raise CasecodeError(
            f"not a REFI-QDA project: the root element is <{_local(root.tag)}>, not <Project>",
            file=source,
        )
    origin = (root.get("origin") or "").strip()
    project = RefiProject(name=(root.get("name") or "").strip(), origin=origin)
    warn = project.warnings.append
    namespace = root.tag.split("}")[0][1:] if root.tag.startswith("{") else ""
    if namespace not in KNOWN_NAMESPACES:
        warn(f"unexpected namespace '{namespace}' (expected {NS})")
    project.utf16 = any(tool in origin.lower() for tool in UTF16_ORIGINS)
    project.creating_user = guid_key(root.get("creatingUserGUID"))

    for block in _children(root, "Users"):
        for user in _children(block, "User"):
            key = guid_key(user.get("guid"))
            if key:
                project.users[key] = (user.get("name") or "").strip() or key

    for book in _children(root, "CodeBook"):
        elements = [c for codes in _children(book, "Codes") for c in _children(codes, "Code")]
        codes, lang, count = read_codes(elements, warn, project.code_ids)
        project.codes.extend(codes)
        project.code_lang, project.code_count = lang, project.code_count + count
        for el in book.iter():
            if _local(el.tag) == "Code":
                refs = [guid_key(n.get("targetGUID")) for n in _children(el, "NoteRef")]
                if refs:
                    project.code_notes[guid_key(el.get("guid")) or ""] = [r for r in refs if r]

    variables: dict[str, str] = {}
    for block in _children(root, "Variables"):
        for var in _children(block, "Variable"):
            key = guid_key(var.get("guid"))
            if key:
                variables[key] = (var.get("name") or "").strip() or key

    def values(el) -> dict[str, str]:
        found = {}
        for value in _children(el, "VariableValue"):
            ref = _child(value, "VariableRef")
            key = guid_key(ref.get("targetGUID")) if ref is not None else None
            name = variables.get(key or "", key)
            content = [c for c in value if _local(c.tag).endswith("Value")]
            if name and content:
                found[name] = (content[0].text or "").strip()
        return found

    for block in _children(root, "Cases"):
        for el in _children(block, "Case"):
            key = guid_key(el.get("guid")) or ""
            case = Case(
                key,
                (el.get("name") or "").strip() or key,
                [
                    r
                    for r in (guid_key(s.get("targetGUID")) for s in _children(el, "SourceRef"))
                    if r
                ],
                values(el),
                _text_of(el, "Description").strip(),
            )
            if _children(el, "CodeRef") or _children(el, "SelectionRef"):
                project.unused.append(
                    f"case '{case.name}': its codes and selections (casecode cases hold "
                    "documents and attributes)"
                )
            project.cases.append(case)

    for block in _children(root, "Sources"):
        for el in block:
            kind = _local(el.tag)
            if kind == "TextSource":
                project.sources.append(_text_source(el, project, read_file, values))
            elif kind in _MEDIA:
                codings = sum(1 for x in el.iter() if _local(x.tag) == "Coding")
                project.sources.append(
                    Source(
                        guid_key(el.get("guid")) or "",
                        (el.get("name") or "").strip() or "(no name)",
                        _MEDIA[kind],
                        problem="casecode codes text only",
                        codings=codings,
                    )
                )
            elif isinstance(el.tag, str):
                warn(f"line {el.sourceline}: unknown source <{kind}> ignored")

    for block in _children(root, "Notes"):
        for el in _children(block, "Note"):
            key = guid_key(el.get("guid")) or ""
            text = _child(el, "PlainTextContent")
            body = (text.text or "") if text is not None else ""
            if text is None and el.get("plainTextPath"):
                raw, why = read_file(el.get("plainTextPath"))
                if raw is not None:
                    try:
                        body = decode_bytes(raw, source=f"{source}:{key}").text
                    except CasecodeError as exc:
                        why = str(exc)
                if why:
                    warn(f"note '{el.get('name') or key}': {why}")
            description = _text_of(el, "Description").strip()
            body = "\n\n".join(p for p in (description, body.strip()) if p)
            project.notes[key] = Note(
                key,
                (el.get("name") or "").strip(),
                body,
                guid_key(el.get("creatingUser")),
            )

    for name, what in (
        ("Sets", "set(s) of codes or sources"),
        ("Links", "link(s)"),
        ("Graphs", "graph(s)"),
    ):
        count = sum(len([c for c in b if isinstance(c.tag, str)]) for b in _children(root, name))
        if count:
            project.unused.append(f"{count} {what}: casecode has no place for them")
    if _text_of(root, "Description").strip():
        project.unused.append("the project's description")
    return project


def _text_source(el, project: RefiProject, read_file, values) -> Source:
    key = guid_key(el.get("guid")) or ""
    src = Source(
        key,
        (el.get("name") or "").strip() or key,
        "text",
        user=guid_key(el.get("creatingUser")),
        description=_text_of(el, "Description").strip(),
        notes=[r for r in (guid_key(n.get("targetGUID")) for n in _children(el, "NoteRef")) if r],
        variables=values(el),
    )
    content = _child(el, "PlainTextContent")
    plain, rich = el.get("plainTextPath"), el.get("richTextPath")
    if plain:
        raw, why = read_file(plain)
        if raw is not None:
            try:
                decoded = decode_bytes(raw, source=f"{src.name} ({plain})")
                src.text, src.encoding = decoded.text, decoded.encoding
            except CasecodeError as exc:
                why = str(exc)
        src.problem = why
    elif content is not None:
        src.text, src.encoding = content.text or "", "utf-8"
    elif rich:
        src.problem = f"it has only rich text ({rich}) and no plain text"
    else:
        src.problem = "it has no text"
    if src.text is not None and not src.text.strip():
        src.text, src.problem = None, "its text is empty"
    selections = _children(el, "PlainTextSelection")
    src.codings = sum(len(_children(s, "Coding")) for s in selections)
    if src.text is None:
        return src
    if _children(el, "Coding"):
        project.unused.append(
            f"source '{src.name}': {len(_children(el, 'Coding'))} coding(s) of the whole source "
            "(casecode codes passages)"
        )
    to_points = utf16_to_points(src.text) if project.utf16 else None
    for sel in selections:
        sel_key = guid_key(sel.get("guid")) or ""
        try:
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
        except (TypeError, ValueError):
            project.warnings.append(
                f"source '{src.name}': selection {sel_key} has no valid positions; not imported"
            )
            continue
        if to_points is not None:
            start, end = to_points(start, False), to_points(end, True)
        if not 0 <= start < end <= len(src.text):
            project.warnings.append(
                f"source '{src.name}': selection {sel.get('startPosition')}-"
                f"{sel.get('endPosition')} lies outside its text ({len(src.text)} characters); "
                "not imported"
            )
            continue
        user = guid_key(sel.get("creatingUser"))
        src.selections.append(
            Selection(
                sel_key,
                (sel.get("name") or "").strip(),
                start,
                end,
                user,
                _text_of(sel, "Description").strip(),
                [
                    Coding(
                        guid_key(ref.get("targetGUID")) or "",
                        guid_key(c.get("creatingUser")) or user,
                        [
                            r
                            for r in (
                                guid_key(n.get("targetGUID")) for n in _children(c, "NoteRef")
                            )
                            if r
                        ],
                    )
                    for c in _children(sel, "Coding")
                    for ref in _children(c, "CodeRef")[:1]
                ],
                [
                    r
                    for r in (guid_key(n.get("targetGUID")) for n in _children(sel, "NoteRef"))
                    if r
                ],
            )
        )
    return src


# -- positions ----------------------------------------------------------------------------------


def _unit_starts(text: str) -> list[int] | None:
    """The UTF-16 offset of each code point (and of the end), or None when they are equal."""
    if not any(ord(ch) > 0xFFFF for ch in text):
        return None
    starts, at = [], 0
    for ch in text:
        starts.append(at)
        at += 2 if ord(ch) > 0xFFFF else 1
    starts.append(at)
    return starts


def utf16_to_points(text: str) -> Callable[[int, bool], int]:
    """A function: a UTF-16 offset into ``text`` → its code-point offset. An offset inside a
    surrogate pair moves to the character's start (``end=False``) or its end (``end=True``)."""
    starts = _unit_starts(text)
    if starts is None:
        return lambda units, end: units

    def convert(units: int, end: bool) -> int:
        i = bisect_left(starts, units)
        if i < len(starts) and starts[i] == units:
            return i
        return i if end else i - 1

    return convert


def points_to_utf16(text: str) -> Callable[[int], int]:
    """A function: a code-point offset into ``text`` → its UTF-16 offset."""
    starts = _unit_starts(text)
    if starts is None:
        return lambda points: points
    return lambda points: starts[points]


def with_crlf(text: str) -> tuple[str, Callable[[int], int]]:
    """``text`` with every lone LF written CRLF, and a function moving offsets along."""
    if "\n" not in text:
        return text, lambda points: points
    lone = [m.start() for m in re.finditer(r"(?<!\r)\n", text)]
    if not lone:
        return text, lambda points: points
    out = re.sub(r"(?<!\r)\n", "\r\n", text)
    return out, lambda points: points + bisect_left(lone, points)


def lf_only(text: str) -> str:
    """``text`` with every line break written LF (CRLF and a lone CR alike)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def to_lf(text: str) -> Callable[[int], int]:
    """A function: an offset into ``text`` → the same place in ``lf_only(text)``. An offset
    between a CR and its LF moves to the line break's start."""
    dropped = [m.start() for m in re.finditer(r"\r(?=\n)", text)]  # each CR of a CRLF
    if not dropped:
        return lambda points: points
    return lambda points: points - bisect_left(dropped, points)


def from_lf(text: str) -> Callable[[int], int]:
    """A function: an offset into ``lf_only(text)`` → the same place in ``text`` (before the CR
    of a CRLF, never between the two)."""
    at = [m.start() - k for k, m in enumerate(re.finditer(r"\r(?=\n)", text))]
    if not at:
        return lambda points: points
    return lambda points: points + bisect_left(at, points)


# -- writing ------------------------------------------------------------------------------------


@dataclass
class OutCoding:
    guid: str
    code: str  # the code's GUID
    user: str  # the user's GUID
    notes: list[str] = field(default_factory=list)


@dataclass
class OutSelection:
    guid: str
    start: int  # code points into the source's text
    end: int
    user: str
    name: str = ""
    codings: list[OutCoding] = field(default_factory=list)


@dataclass
class OutSource:
    guid: str
    name: str
    text: str
    selections: list[OutSelection] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)  # variable GUID → value
    notes: list[str] = field(default_factory=list)


@dataclass
class OutCase:
    guid: str
    name: str
    sources: list[str]
    variables: dict[str, str] = field(default_factory=dict)  # variable GUID → value


@dataclass
class OutNote:
    guid: str
    name: str
    text: str
    user: str | None
    created: str | None = None


@dataclass
class OutProject:
    """What a .qdpx is written from: every GUID already chosen, codes as casecode codes."""

    name: str
    origin: str
    users: list[tuple[str, str]] = field(default_factory=list)  # (GUID, name)
    codes: list[Code] = field(default_factory=list)
    code_guids: dict[str, str] = field(default_factory=dict)  # code id → GUID
    code_notes: dict[str, list[str]] = field(default_factory=dict)  # code id → note GUIDs
    lang: str = "en"
    variables: list[tuple[str, str]] = field(default_factory=list)  # (GUID, name)
    cases: list[OutCase] = field(default_factory=list)
    sources: list[OutSource] = field(default_factory=list)
    notes: list[OutNote] = field(default_factory=list)


def _variable_values(parent, ns: str, values: dict[str, str]) -> None:
    import xml.etree.ElementTree as ET

    for guid, value in values.items():
        el = ET.SubElement(parent, f"{{{ns}}}VariableValue")
        ET.SubElement(el, f"{{{ns}}}VariableRef", {"targetGUID": guid})
        ET.SubElement(el, f"{{{ns}}}TextValue").text = value


def write_qdpx(project: OutProject, *, tool: str = "refi") -> bytes:
    """The bytes of a .qdpx for ``project``. ``tool`` adapts it to a receiving tool: ``nvivo``
    writes positions as UTF-16 code units; ``maxqda`` writes CRLF line breaks (positions moved
    with them); the others get the standard (code points, text as stored)."""
    import xml.etree.ElementTree as ET

    if tool not in TOOLS:
        raise CasecodeError(f"unknown tool '{tool}'", hint="one of " + ", ".join(TOOLS))
    n = f"{{{NS}}}"
    ET.register_namespace("", NS)
    ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
    root = ET.Element(
        f"{n}Project",
        {
            "name": project.name,
            "origin": project.origin,
            "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation": f"{NS} {SCHEMA_LOCATION}",
        },
    )
    if project.users:
        users = ET.SubElement(root, f"{n}Users")
        for guid, name in project.users:
            ET.SubElement(users, f"{n}User", {"guid": guid, "name": name})
    if project.codes:
        codes = ET.SubElement(ET.SubElement(root, f"{n}CodeBook"), f"{n}Codes")
        add_code_elements(
            codes, project.codes, lang=project.lang, ns=NS, guid=project.code_guids.__getitem__
        )
        by_guid = {guid: code for code, guid in project.code_guids.items()}
        for el in codes.iter(f"{n}Code"):
            refs = project.code_notes.get(by_guid.get(el.get("guid"), ""), [])
            for i, ref in enumerate(refs):  # after the Description, before child codes
                note = ET.Element(f"{n}NoteRef", {"targetGUID": ref})
                el.insert(1 + i, note)
    if project.variables:
        variables = ET.SubElement(root, f"{n}Variables")
        for guid, name in project.variables:
            ET.SubElement(
                variables, f"{n}Variable", {"guid": guid, "name": name, "typeOfVariable": "Text"}
            )
    if project.cases:
        cases = ET.SubElement(root, f"{n}Cases")
        for case in project.cases:
            el = ET.SubElement(cases, f"{n}Case", {"guid": case.guid, "name": case.name})
            _variable_values(el, NS, case.variables)
            for ref in case.sources:
                ET.SubElement(el, f"{n}SourceRef", {"targetGUID": ref})
    files: list[tuple[str, bytes]] = []
    if project.sources:
        sources = ET.SubElement(root, f"{n}Sources")
        for src in project.sources:
            text, move = src.text, (lambda points: points)
            if tool == "maxqda":
                text, move = with_crlf(text)
            units = points_to_utf16(text) if tool == "nvivo" else (lambda points: points)
            file_name = f"{src.guid}.txt"
            files.append((f"sources/{file_name}", text.encode("utf-8")))
            el = ET.SubElement(
                sources,
                f"{n}TextSource",
                {"guid": src.guid, "name": src.name, "plainTextPath": f"internal://{file_name}"},
            )
            for sel in src.selections:
                attrs = {
                    "guid": sel.guid,
                    "name": sel.name,
                    "startPosition": str(units(move(sel.start))),
                    "endPosition": str(units(move(sel.end))),
                    "creatingUser": sel.user,
                }
                sel_el = ET.SubElement(el, f"{n}PlainTextSelection", attrs)
                for coding in sel.codings:
                    c_el = ET.SubElement(
                        sel_el, f"{n}Coding", {"guid": coding.guid, "creatingUser": coding.user}
                    )
                    ET.SubElement(c_el, f"{n}CodeRef", {"targetGUID": coding.code})
                    for ref in coding.notes:
                        ET.SubElement(c_el, f"{n}NoteRef", {"targetGUID": ref})
            for ref in src.notes:
                ET.SubElement(el, f"{n}NoteRef", {"targetGUID": ref})
            _variable_values(el, NS, src.variables)
    if project.notes:
        notes = ET.SubElement(root, f"{n}Notes")
        for note in project.notes:
            attrs = {"guid": note.guid, "name": note.name}
            if note.user:
                attrs["creatingUser"] = note.user
            if note.created:
                attrs["creationDateTime"] = note.created
            el = ET.SubElement(notes, f"{n}Note", attrs)
            ET.SubElement(el, f"{n}PlainTextContent").text = note.text
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    qde = f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in [("project.qde", qde), *files]:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def is_guid(value: str) -> bool:
    return bool(_GUID.match(value))


def first_words(text: str, limit: int = 60) -> str:
    """A name for a selection or note: its first words, cut with … when longer."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def names_in(items: Iterable[str], limit: int = 3) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
