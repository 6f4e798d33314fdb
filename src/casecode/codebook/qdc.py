"""REFI-QDA codebook exchange (.qdc): write a casecode codebook, read any tool's codebook.

The format (``urn:QDA-XML:codebook:1.0``) carries a tree of codes with a GUID, a name, a colour,
``isCodable`` and a description; casecode's rules have no place in it. Export writes the label in
one language as the name and ends each description with a ``casecode id:`` line, so a codebook
that goes out and comes back keeps its ids. Import is lenient with files that stray from the
schema (a warning each) and strict about XML itself: malformed files, DTDs and entities are
refused, and nothing is fetched from the network.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casecode import __version__
from casecode.codebook.codes import Code, Codebook
from casecode.errors import CasecodeError
from casecode.outputs import write_atomic

NS = "urn:QDA-XML:codebook:1.0"
KNOWN_NAMESPACES = {NS, "urn:QDA-XML:codebook:0:4"}
ID_LINE = "casecode id:"
MAX_BYTES = 50 * 1024 * 1024
_GUID = re.compile(
    r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$"
)
_COLOR = re.compile(r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
_CJK = re.compile(r"[\u3400-\u9fff]")


def code_guid(codebook: Codebook, code_id: str) -> str:
    """A GUID that stays the same for the same codebook name and code id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"casecode:{codebook.name}:{code_id}"))


def _description(code: Code, lang: str) -> str:
    parts = []
    if code.definition:
        parts.append(code.text("definition", lang))
    if code.include:
        parts.append(f"Include: {code.text('include', lang)}")
    if code.exclude:
        parts.append(f"Exclude: {code.text('exclude', lang)}")
    parts.append(f"{ID_LINE} {code.id}")
    return "\n\n".join(parts)


def export_qdc(
    codebook: Codebook, out: str | Path, *, lang: str | None = None, origin: str | None = None
) -> Path:
    """Write ``codebook`` as a REFI-QDA .qdc file; the same codebook gives the same bytes."""

    lang = lang or codebook.languages[0]
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}CodeBook", {"origin": origin or f"casecode {__version__}"})
    codes = ET.SubElement(root, f"{{{NS}}}Codes")
    add_code_elements(
        codes, codebook.codes, lang=lang, ns=NS, guid=lambda c: code_guid(codebook, c)
    )
    ET.indent(root, space="  ")
    out = Path(out)
    body = ET.tostring(root, encoding="unicode")
    write_atomic(out, f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'.encode())
    return out


def add_code_elements(
    parent: ET.Element,
    codes: Iterable[Code],
    *,
    lang: str,
    ns: str,
    guid: Callable[[str], str],
) -> None:
    """Append ``<Code>`` elements (namespace ``ns``) for ``codes`` and their children under
    ``parent``: a .qdc's or a .qdpx project's ``<Codes>``. ``guid`` gives a code id's GUID."""
    for code in codes:
        attrs = {
            "guid": guid(code.id),
            "name": code.text("label", lang),
            "isCodable": "true" if code.codable else "false",
        }
        if code.color:
            attrs["color"] = code.color
        element = ET.SubElement(parent, f"{{{ns}}}Code", attrs)
        ET.SubElement(element, f"{{{ns}}}Description").text = _description(code, lang)
        add_code_elements(element, code.children, lang=lang, ns=ns, guid=guid)


# -- import ---------------------------------------------------------------------------------


@dataclass
class QdcImport:
    """A codebook read from a .qdc file, as casecode YAML data, with what did not fit."""

    source: str
    data: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    codes: int = 0


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _slug(name: str) -> str:
    slug = re.sub(r"[^\w-]+", "_", name.strip().lower()).strip("_")
    return slug or "code"


def parse_xml(path: Path):
    """Parse an XML file with a hardened parser; refuse DTDs, entities and malformed XML."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise CasecodeError(f"too large ({size / 1e6:.0f} MB)", file=path)
        data = path.read_bytes()
    except FileNotFoundError:
        raise CasecodeError("no such file", file=path) from None
    except IsADirectoryError:
        raise CasecodeError("is a folder, not a file", file=path) from None
    except OSError as exc:
        raise CasecodeError(f"cannot read: {exc.strerror or exc}", file=path) from exc
    if data.startswith(b"PK\x03\x04"):
        raise CasecodeError(
            "this is a zip file (a .docx or .qdpx?), not a REFI-QDA codebook (.qdc)", file=path
        )
    return parse_xml_bytes(data, path)


def parse_xml_bytes(data: bytes, path: str | Path):
    """Parse XML bytes (from ``path``, named in errors) with a hardened parser: no DTDs, no
    entities, nothing fetched from the network, no huge trees; malformed XML is refused."""
    from lxml import etree

    if re.search(rb"<!DOCTYPE|<!ENTITY", data[:65536], re.IGNORECASE):
        raise CasecodeError("refused: the file declares a DTD or entities", file=path)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
    )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        msg = re.sub(r",? line \d+, column \d+$", "", str(exc.msg or exc).split(" (line")[0])
        raise CasecodeError(f"malformed XML: {msg}", file=path, line=line) from None


def import_qdc(path: str | Path) -> QdcImport:
    """Read a REFI-QDA codebook into casecode's codebook format (data ready for YAML)."""
    path = Path(path)
    root = parse_xml(path)
    result = QdcImport(str(path), {})
    warn = result.warnings.append
    namespace = root.tag.split("}")[0][1:] if root.tag.startswith("{") else ""
    if _local(root.tag) != "CodeBook":
        raise CasecodeError(
            f"not a REFI-QDA codebook: the root element is <{_local(root.tag)}>, not <CodeBook>",
            file=path,
        )
    if namespace not in KNOWN_NAMESPACES:
        warn(f"unexpected namespace '{namespace}' (expected {NS})")
    codes_el = [el for el in root if _local(el.tag) == "Codes"]
    if not codes_el:
        raise CasecodeError("the codebook has no <Codes> element", file=path)
    for el in root:
        if _local(el.tag) == "Sets":
            sets = [s for s in el if _local(s.tag) == "Set"]
            warn(f"{len(sets)} set(s) of codes not imported: casecode codebooks have no sets")
        elif _local(el.tag) not in ("Codes", "Sets") and isinstance(el.tag, str):
            warn(f"line {el.sourceline}: unknown element <{_local(el.tag)}> ignored")

    try:
        codes, lang, count = read_codes(
            [el for block in codes_el for el in block if _local(el.tag) == "Code"], warn
        )
    except CasecodeError as exc:
        if exc.file is None:
            raise CasecodeError(exc.message, file=path, hint=exc.hint) from None
        raise
    if not codes:
        raise CasecodeError("the codebook has no codes", file=path)
    result.codes = count
    origin = (root.get("origin") or "").strip()
    made_by = f", made by {origin}" if origin else ""
    result.data = {
        "name": path.stem,
        "version": "1",
        "languages": [lang],
        "description": f"Imported from {path.name} (REFI-QDA codebook{made_by}).",
        "codes": codes,
    }
    return result


MAX_DEPTH = 30  # levels of codes inside codes


def read_codes(
    elements: list, warn: Callable[[str], None], guids: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], str, int]:
    """``<Code>`` elements (of a .qdc, or of a .qdpx project's CodeBook) as casecode code data:
    (codes, their label language, how many codes in all). What does not fit goes to ``warn``;
    ``guids``, when given, is filled with each code's GUID (upper case, no braces) → its id."""
    names: list[str] = []
    bad_guids: list[str] = []

    def read(el, parent_id: str | None, taken: set[str], depth: int = 1) -> dict[str, Any]:
        line = el.sourceline
        if depth > MAX_DEPTH:  # no codebook nests so deep; a hostile one would exhaust the stack
            raise CasecodeError(f"line {line}: codes nested more than {MAX_DEPTH} levels deep")
        name = (el.get("name") or "").strip()
        if not name:
            name = f"code {len(names) + 1}"
            warn(f"line {line}: a <Code> without a name, called '{name}'")
        names.append(name)
        guid = el.get("guid")
        if guid is None:
            warn(f"line {line}: code '{name}' has no guid")
        elif not _GUID.match(guid):
            bad_guids.append(f"'{guid}' (line {line})")
        codable = el.get("isCodable")
        if codable is None:
            warn(f"line {line}: code '{name}' has no isCodable; taken as true")
        elif codable.strip().lower() not in ("true", "false", "1", "0"):
            warn(f"line {line}: code '{name}' has isCodable='{codable}'; taken as true")
        description = ""
        for child in el:
            kind = _local(child.tag)
            if kind == "Description":
                description = _dedent(child.text or "")
            elif kind != "Code" and isinstance(child.tag, str):
                warn(f"line {child.sourceline}: unknown element <{kind}> in code '{name}' ignored")
        code_id = _take_id(description, name, parent_id, taken)
        if guids is not None and guid:
            guids[guid.strip("{}").upper()] = code_id
        code: dict[str, Any] = {"id": code_id, "label": name}
        code.update(_split_description(description))
        color = el.get("color")
        if color is not None:
            if _COLOR.match(color.strip()):
                color = color.strip()
                if len(color) == 4:
                    color = "#" + "".join(ch * 2 for ch in color[1:])
                code["color"] = color.lower()
            else:
                warn(f"line {line}: code '{name}' has an invalid color '{color}'; dropped")
        if codable is not None and codable.strip().lower() in ("false", "0"):
            code["codable"] = False
        child_taken: set[str] = set()
        kids = [read(c, code_id, child_taken, depth + 1) for c in el if _local(c.tag) == "Code"]
        if kids:
            code["children"] = kids
        return code

    taken: set[str] = set()
    codes = [read(el, None, taken) for el in elements]
    if bad_guids:
        shown = ", ".join(bad_guids[:3]) + (", ..." if len(bad_guids) > 3 else "")
        warn(
            f"{len(bad_guids)} code(s) have a guid that is not a GUID: {shown}; casecode ids "
            "do not depend on them"
        )
    lang = "zh" if sum(bool(_CJK.search(n)) for n in names) * 2 > len(names) else "en"
    for code in _walk(codes):
        code["label"] = {lang: code["label"]}
    return codes, lang, len(names)


def _split_description(text: str) -> dict[str, str]:
    """Definition, include and exclude from a description (as casecode writes them)."""
    fields: dict[str, list[str]] = {"definition": [], "include": [], "exclude": []}
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if not para or para.startswith(ID_LINE):
            continue
        for key, prefix in (("include", "Include:"), ("exclude", "Exclude:")):
            if para.startswith(prefix):
                fields[key].append(para[len(prefix) :].strip())
                break
        else:
            fields["definition"].append(para)
    return {k: "\n\n".join(v) for k, v in fields.items() if v}


def _walk(codes: list[dict]):
    for code in codes:
        yield code
        yield from _walk(code.get("children", []))


def _dedent(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines()]
    return "\n".join(lines)


def _take_id(description: str, name: str, parent: str | None, taken: set[str]) -> str:
    prefix = f"{parent}." if parent else ""
    for line in description.splitlines():
        if line.startswith(ID_LINE):
            wanted = line[len(ID_LINE) :].strip()
            tail = wanted[len(prefix) :] if wanted.startswith(prefix) else ""
            if tail and re.fullmatch(r"[\w-]+", tail) and wanted not in taken:
                taken.add(wanted)
                return wanted
    base = prefix + _slug(name)
    code_id, n = base, 2
    while code_id in taken:
        code_id, n = f"{base}_{n}", n + 1
    taken.add(code_id)
    return code_id
