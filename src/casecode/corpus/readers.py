"""Readers: one function per file format, each returning the text to store.

Plain-text formats are stored exactly as decoded (offsets index that text). Word, ODT and
spreadsheet files are stored as the plain text we extract from them, in reading order.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from casecode.corpus import limits as bounds
from casecode.corpus.clean import clean_extracted, looks_extracted
from casecode.corpus.encoding import decode_bytes
from casecode.corpus.limits import Limits
from casecode.errors import CasecodeError
from casecode.model import Segment

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ".rst"}
TABLE_SUFFIXES = {".csv", ".tsv", ".xlsx"}
CAPTION_SUFFIXES = {".vtt", ".srt"}
SUPPORTED_SUFFIXES = (
    TEXT_SUFFIXES | TABLE_SUFFIXES | CAPTION_SUFFIXES | {".docx", ".odt", ".html", ".htm", ".pdf"}
)

TEXT_COLUMNS = (
    "text",
    "utterance",
    "content",
    "transcript",
    "speech",
    "内容",
    "文本",
    "发言",
    "发言内容",
    "回答",
)
SPEAKER_COLUMNS = ("speaker", "name", "role", "说话人", "发言人", "角色", "发言者")
TIME_COLUMNS = ("time", "timestamp", "start", "start_time", "时间", "时间戳", "开始时间")


@dataclass(frozen=True, slots=True)
class Columns:
    """Column names for one-row-per-turn tables; ``None`` means look for the usual names."""

    text: str | None = None
    speaker: str | None = None
    time: str | None = None


@dataclass(slots=True)
class RawDocument:
    text: str
    format: str
    encoding: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    body_start: int = 0  # turns start here (after YAML front matter)
    segments: list[Segment] | None = None  # set by tabular formats, else split later
    cleaned: bool = False  # page furniture removed and lines joined (text from a PDF)
    warnings: list[str] = field(default_factory=list)  # e.g. a low-confidence encoding guess


def read_document(
    path: Path,
    *,
    encoding: str | None = None,
    columns: Columns = Columns(),
    max_bytes: int = 50 * 1024 * 1024,
    limits: Limits | None = None,
) -> RawDocument:
    """The text of one file, read by the reader for its type.

    Any failure of the reader becomes one ``CasecodeError`` naming the file, so a batch goes on
    with the next file; what the file expands to is bounded by ``limits`` while it is read.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise CasecodeError(
            f"unsupported file type '{suffix or path.name}'",
            file=path,
            hint="casecode reads " + ", ".join(sorted(SUPPORTED_SUFFIXES)),
        )
    if not path.exists():
        raise CasecodeError("no such file", file=path)
    if not path.is_file():
        raise CasecodeError("not a regular file", file=path)
    size = path.stat().st_size
    if size == 0:
        raise CasecodeError("empty file", file=path)
    if size > max_bytes:
        raise CasecodeError(
            f"file is {size / 1024 / 1024:.2f} MB, over the {max_bytes / 1024 / 1024:.2f} MB limit",
            file=path,
            hint="split it, or raise [import] max_file_mb in casecode.toml",
        )
    reader = _READERS[suffix]
    limits = limits or Limits()
    with bounds.using(limits):
        try:
            raw = reader(path, encoding=encoding, columns=columns)
            bounds.check_text(raw.text, path, limits)
            if raw.segments is not None:
                bounds.check_turns(len(raw.segments), path, limits)
        except CasecodeError:
            raise
        except MemoryError:
            raise CasecodeError(
                "too large to read in memory",
                file=path,
                hint="lower the [import] max_* limits in casecode.toml, or split the file",
            ) from None
        except RecursionError:
            raise CasecodeError("nested too deeply to read", file=path) from None
        except Exception as exc:  # a reader's bug or a library's surprise: this file fails
            detail = " ".join(str(exc).split())[:80]
            raise CasecodeError(
                f"cannot read this {suffix} file ({type(exc).__name__}"
                + (f": {detail}" if detail else "")
                + ")",
                file=path,
            ) from None
    return raw


# ---------------------------------------------------------------------------- plain text

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def front_matter(text: str, source: Path) -> tuple[dict[str, str], int]:
    """YAML front matter at the very start of a text: (metadata, offset where the body starts)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, 0
    import yaml

    try:
        _plain_front_matter(m.group(1), source)
        data = yaml.safe_load(m.group(1))
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise CasecodeError(
            "front matter is not valid YAML",
            file=source,
            line=None if line is None else line + 2,
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CasecodeError("front matter must be 'key: value' lines", file=source, line=2)
    meta = {str(k): "" if v is None else str(v) for k, v in data.items()}
    return meta, m.end()


def _plain_front_matter(text: str, source: Path) -> None:
    """Front matter is a few ``key: value`` lines: refuse aliases (a few hundred bytes of them
    expand to gigabytes) and deep nesting before anything is built."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise CasecodeError(
                "front matter uses YAML aliases (*name); write the values out",
                file=source,
                line=event.start_mark.line + 2,
            )
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > 20:
                raise CasecodeError(
                    "front matter is nested too deeply", file=source, line=event.start_mark.line + 2
                )
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _read_text(path: Path, *, encoding: str | None, columns: Columns) -> RawDocument:
    decoded = decode_bytes(path.read_bytes(), source=path, encoding=encoding)
    bounds.check_text(decoded.text, path)
    text, cleaned = decoded.text, False
    if looks_extracted(text):  # saved from a PDF: page headers and numbers, hard line breaks
        text, cleaned = clean_extracted(text), True
    meta, body = front_matter(text, path)
    if not text[body:].strip():
        raise CasecodeError("no text after the front matter", file=path)
    fmt = path.suffix.lower().lstrip(".")
    notes = [decoded.note] if decoded.note else []
    return RawDocument(text, fmt, decoded.encoding, meta, body, cleaned=cleaned, warnings=notes)


# ---------------------------------------------------------------------------- web pages, PDF

_BLOCK_TAGS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
    "blockquote", "pre", "table", "ul", "ol", "dt", "dd", "header", "footer", "hr", "title",
}  # fmt: skip


def html_text(markup: str) -> str:
    """The readable text of a web page: blocks on their own lines, headings as ``#`` lines,
    scripts, styles and comments left out."""
    from html.parser import HTMLParser

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style", "head", "noscript", "template"):
                self.skip += 1
            elif tag in _BLOCK_TAGS:
                self.parts.append("\n\n" if tag != "br" else "\n")
                if tag[:1] == "h" and tag[1:].isdigit():
                    self.parts.append("#" * int(tag[1:]) + " ")
            elif tag in ("b", "strong"):
                self.parts.append("**")
            elif tag in ("td", "th"):
                self.parts.append("\t")

        def handle_endtag(self, tag):
            if tag in ("script", "style", "head", "noscript", "template"):
                self.skip = max(0, self.skip - 1)
            elif tag in _BLOCK_TAGS:
                self.parts.append("\n\n")
            elif tag in ("b", "strong"):
                self.parts.append("**")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))

    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    # a table row `speaker │ words` reads as `speaker: words`, as in Word files
    lines = [_joined_row(line.split("\t")) if "\t" in line else line for line in lines]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _read_html(path: Path, *, encoding: str | None, columns: Columns) -> RawDocument:
    raw = path.read_bytes()
    if encoding is None:
        declared = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", raw[:4096], re.I)
        if declared:
            try:
                codecs_name = declared.group(1).decode("ascii")
                raw.decode(codecs_name)
                encoding = codecs_name
            except (LookupError, UnicodeDecodeError):
                encoding = None
    decoded = decode_bytes(raw, source=path, encoding=encoding)
    text = html_text(decoded.text)
    if not text.strip():
        raise CasecodeError("no text in the page", file=path)
    return RawDocument(text, "html", decoded.encoding)


def _read_pdf(path: Path, *, encoding: str | None, columns: Columns) -> RawDocument:
    import logging

    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged-but-readable files warn a lot
    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise CasecodeError("the PDF is password-protected", file=path) from None
        pages = [page.extract_text() or "" for page in reader.pages]
    except CasecodeError:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files
        why = f"corrupt or unreadable .pdf ({type(exc).__name__})"
        raise CasecodeError(why, file=path) from None
    if not "".join(pages).strip():
        raise CasecodeError(
            "no text in the PDF (a scan?)", file=path, hint="run OCR on it first, then import"
        )
    text = clean_extracted("\f".join(pages))
    return RawDocument(text, "pdf", None, cleaned=True)


# ---------------------------------------------------------------------------- captions

_CUE_TIME = re.compile(
    r"^\s*(?:(\d{1,2}):)?(\d{1,2}):(\d{2})[.,](\d{1,3})\s*-->\s*[\d:.,]+(?:\s.*)?$"
)
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]+>")


def captions_rows(text: str, path: Path) -> list[tuple[str, str | None, str]]:
    """(time, speaker, words) of each cue of a WebVTT or SRT file; the voice is ``<v Name>`` or
    a ``Name:`` opening the cue; consecutive cues of one speaker are one turn."""
    rows: list[tuple[str, str | None, str]] = []
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    for block in blocks:
        lines = [ln for ln in block.split("\n") if ln.strip()]
        at = next((i for i, ln in enumerate(lines) if _CUE_TIME.match(ln)), None)
        if at is None:
            continue  # the WEBVTT header, NOTE and STYLE blocks, cue numbers alone
        m = _CUE_TIME.match(lines[at])
        hours, minutes, seconds = m.group(1) or "0", m.group(2), m.group(3)
        time = f"{int(hours):02d}:{int(minutes):02d}:{int(seconds):02d}"
        body = " ".join(ln.strip() for ln in lines[at + 1 :])
        voice = _VOICE.search(body)
        speaker = voice.group(1).strip() if voice else None
        words = _TAG.sub("", body).strip()
        if speaker is None:
            named = re.match(r"^(?:-\s*)?([^\W\d][^:：]{0,30}?)\s*[:：]\s+(.*)$", words)
            if named and len(named.group(1).split()) <= 4:
                speaker, words = named.group(1).strip(), named.group(2)
        if not words:
            continue
        if rows and speaker is not None and rows[-1][1] == speaker:
            rows[-1] = (rows[-1][0], speaker, rows[-1][2] + " " + words)
        elif rows and speaker is None:  # a cue without a voice goes on with the last one
            rows[-1] = (rows[-1][0], rows[-1][1], rows[-1][2] + " " + words)
        else:
            rows.append((time, speaker, words))
    if not rows:
        raise CasecodeError("no timed cues (HH:MM:SS.mmm --> ...) in the file", file=path)
    return rows


def _read_captions(path: Path, *, encoding: str | None, columns: Columns) -> RawDocument:
    decoded = decode_bytes(path.read_bytes(), source=path, encoding=encoding)
    rows = captions_rows(decoded.text, path)
    table = [["time", "speaker", "text"]] + [[t, s or "", w] for t, s, w in rows]
    fmt = path.suffix.lower().lstrip(".")
    return rows_to_document(table, path, Columns("text", "speaker", "time"), fmt, decoded.encoding)


# ---------------------------------------------------------------------------- word processors


def _joined_row(cells: list[str]) -> str:
    """A table row as one line: `speaker: words` for two-column transcripts, else tab-separated."""
    cells = [c.strip() for c in cells]
    if len(cells) == 2 and cells[0] and "\n" not in cells[0] and len(cells[0]) <= 12:
        colon = "：" if re.search(r"[\u3400-\u9fff]", cells[0]) else ": "
        return f"{cells[0]}{colon}{cells[1]}"
    return "\t".join(c for c in cells if c)


def _docx_blocks(container, budget=None) -> list[str]:
    from docx.table import Table

    chars, paragraphs = budget or (None, None)
    lines: list[str] = []
    for block in container.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                seen: list[object] = []
                cells: list[str] = []
                for cell in row.cells:
                    if any(cell._tc is s for s in seen):  # merged cells repeat
                        continue
                    seen.append(cell._tc)
                    cells.append("\n".join(_docx_blocks(cell, budget)))
                line = _joined_row(cells)
                if line:
                    lines.append(line)
        else:
            lines.append(block.text)
        if budget:
            chars.take(len(lines[-1]) + 1 if lines else 0)
            paragraphs.take(1)
    return lines


def _read_docx(path: Path, *, encoding: str | None, columns: Columns) -> RawDocument:
    import docx

    bounds.check_zip(path, what=".docx")
    try:
        with zipfile.ZipFile(path) as z:
            # before python-docx builds its tree: depth, paragraphs and text, streamed
            body = [n for n in z.namelist() if n.startswith("word/") and n.endswith(".xml")]
            for name in body:
                main = name == "word/document.xml"
                bounds.scan_xml(
                    bounds.read_member(z, name, path),
                    path,
                    blocks="w:p" if main else None,
                    text="w:t" if main else None,
                )
    except (zipfile.BadZipFile, OSError) as exc:
        raise CasecodeError(
            f"corrupt or unreadable .docx ({type(exc).__name__})", file=path
        ) from None
    budget = (bounds.chars_budget(path), bounds.turns_budget(path))
    try:
        document = docx.Document(str(path))
        lines = _docx_blocks(document, budget)
    except CasecodeError:
        raise
    except Exception as exc:  # python-docx raises many types for a damaged package
        raise CasecodeError(
            f"corrupt or unreadable .docx ({type(exc).__name__})", file=path
        ) from None
    text = "\n".join(lines)
    if not text.strip():
        raise CasecodeError("no text in the document", file=path)
    return RawDocument(text, "docx", None)


def _read_odt(path: Path, *, encoding: str | None, columns: Columns) -> RawDocument:
    import xml.etree.ElementTree as ET

    text_ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    table_ns = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"

    chars = bounds.chars_budget(path)
    paragraphs = bounds.turns_budget(path)

    def spaces(count: str | None) -> str:
        try:
            n = int(count or "1")
        except ValueError:  # <text:s text:c="abc"/>: one space, as office suites read it
            n = 1
        n = max(n, 1)
        chars.take(n)
        return " " * n

    def inline(el) -> str:
        parts = [el.text or ""]
        chars.take(len(parts[0]))
        for child in el:
            tag = child.tag
            chars.take(len(child.tail or ""))
            if tag == f"{{{text_ns}}}s":
                parts.append(spaces(child.get(f"{{{text_ns}}}c")))
            elif tag == f"{{{text_ns}}}tab":
                parts.append("\t")
            elif tag == f"{{{text_ns}}}line-break":
                parts.append("\n")
            elif tag not in (f"{{{text_ns}}}note",):
                parts.append(inline(child))
            parts.append(child.tail or "")
        return "".join(parts)

    def blocks(el) -> list[str]:
        out: list[str] = []
        for child in el:
            if child.tag in (f"{{{text_ns}}}p", f"{{{text_ns}}}h"):
                paragraphs.take(1)
                out.append(inline(child))
            elif child.tag == f"{{{table_ns}}}table-row":
                cells = [
                    "\n".join(blocks(c)) for c in child if c.tag == f"{{{table_ns}}}table-cell"
                ]
                line = _joined_row(cells)
                if line:
                    out.append(line)
            else:
                out.extend(blocks(child))
        return out

    try:
        with zipfile.ZipFile(path) as z:
            content = bounds.read_member(z, "content.xml", path)
        bounds.scan_xml(content, path, blocks="text:p", text="text:p")  # before any tree
        root = bounds.parse_xml(content, path)
    except (zipfile.BadZipFile, KeyError, ET.ParseError, OSError) as exc:
        raise CasecodeError(
            f"corrupt or unreadable .odt ({type(exc).__name__})", file=path
        ) from None
    text = "\n".join(blocks(root))
    if not text.strip():
        raise CasecodeError("no text in the document", file=path)
    return RawDocument(text, "odt", None)


# ---------------------------------------------------------------------------- tables


def _pick(
    header: list[str],
    wanted: str | None,
    defaults: tuple[str, ...],
    what: str,
    path: Path,
    required: bool,
) -> int | None:
    norm = [h.strip().lower() for h in header]
    if wanted is not None:
        if wanted.strip().lower() in norm:
            return norm.index(wanted.strip().lower())
        raise CasecodeError(
            f"no column '{wanted}' for the {what}", file=path, hint="columns: " + ", ".join(header)
        )
    for name in defaults:
        if name in norm:
            return norm.index(name)
    if required:
        raise CasecodeError(
            f"no {what} column (looked for {', '.join(defaults[:4])} ...)",
            file=path,
            hint=f"name it with --{what}-column; columns: " + ", ".join(h for h in header if h),
        )
    return None


def rows_to_document(
    rows: list[list[str]], path: Path, columns: Columns, fmt: str, encoding: str | None
) -> RawDocument:
    """One row per turn → text ``[time] speaker: words`` per line, with its segments."""
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise CasecodeError("empty table", file=path)
    header, body = rows[0], rows[1:]
    ti = _pick(header, columns.text, TEXT_COLUMNS, "text", path, True)
    si = _pick(header, columns.speaker, SPEAKER_COLUMNS, "speaker", path, False)
    mi = _pick(header, columns.time, TIME_COLUMNS, "time", path, False)

    def cell(row: list[str], i: int | None) -> str:
        return row[i].strip() if i is not None and i < len(row) else ""

    parts: list[str] = []
    segments: list[Segment] = []
    pos = 0
    for row in body:
        words = cell(row, ti)
        if not words:
            continue
        speaker = cell(row, si) or None
        time = cell(row, mi) or None
        label = f"[{time}] " if time else ""
        if speaker:
            label += speaker + ("：" if re.search(r"[\u3400-\u9fff]", speaker) else ": ")
        line = label + words
        if parts:
            parts.append("\n")
            pos += 1
        segments.append(
            Segment(
                len(segments) + 1,
                speaker,
                pos + len(label),
                pos + len(line),
                pos,
                time,
                "turn" if speaker else "paragraph",
            )
        )
        parts.append(line)
        pos += len(line)
        if len(segments) > bounds.current().turns:
            bounds.check_turns(len(segments), path)
    if not segments:
        raise CasecodeError("no rows with text", file=path)
    return RawDocument("".join(parts), fmt, encoding, segments=segments)


def _read_csv(path: Path, *, encoding: str | None, columns: Columns) -> RawDocument:
    import csv

    decoded = decode_bytes(path.read_bytes(), source=path, encoding=encoding)
    content = decoded.text
    if path.suffix.lower() == ".tsv":
        delimiter = "\t"
    else:
        try:
            delimiter = csv.Sniffer().sniff(content[:4096], delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    try:
        rows = list(csv.reader(content.splitlines(keepends=True), delimiter=delimiter))
    except csv.Error as exc:
        raise CasecodeError(f"malformed CSV: {exc}", file=path) from None
    raw = rows_to_document(rows, path, columns, path.suffix.lower().lstrip("."), decoded.encoding)
    if decoded.note:
        raw.warnings.append(decoded.note)
    return raw


def read_xlsx_rows(path: Path, *, formulas: bool = True) -> list[list[str]]:
    """The first sheet's rows as text (an empty row as ``[]``, so row numbers hold).

    ``formulas=False`` refuses a formula cell, naming it: its cached value may be stale or
    missing (a missing one would read as a blank), so a sheet people typed must hold values.
    """
    import openpyxl
    from openpyxl.utils import get_column_letter

    bounds.check_zip(path, what=".xlsx")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=formulas)
    except Exception as exc:  # openpyxl raises zip, XML and key errors for damaged files
        raise CasecodeError(
            f"corrupt or unreadable .xlsx ({type(exc).__name__})", file=path
        ) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the cells there are, not the size the file declares
        limit = bounds.current().cells
        cells = bounds.Budget(limit, "spreadsheet cells", "max_sheet_cells", path)
        chars = bounds.chars_budget(path)
        empty: list[str] = []  # shared by every empty row: callers only read rows
        rows = []
        for number, row in enumerate(sheet.iter_rows(), start=1):
            cells.take(max(len(row), 1))
            values = [getattr(c, "value", None) for c in row]
            if not formulas:
                for column, c in enumerate(row, start=1):
                    if getattr(c, "data_type", None) == "f":
                        raise CasecodeError(
                            f"cell {get_column_letter(column)}{number} holds a formula "
                            f"({str(c.value)[:40]}), not a value",
                            file=path,
                            hint="paste the sheet as values (Paste Special → Values) and save",
                        )
            if any(v is not None for v in values):
                text = ["" if v is None else str(v) for v in values]
                chars.take(sum(map(len, text)))
                rows.append(text)
            else:
                rows.append(empty)
    except CasecodeError:
        raise
    except Exception as exc:
        raise CasecodeError(
            f"corrupt or unreadable .xlsx ({type(exc).__name__})", file=path
        ) from None
    finally:
        workbook.close()
    return rows


def _read_xlsx(path: Path, *, encoding: str | None, columns: Columns) -> RawDocument:
    return rows_to_document(read_xlsx_rows(path), path, columns, "xlsx", None)


_READERS: dict[str, Callable[..., RawDocument]] = {
    **{s: _read_text for s in TEXT_SUFFIXES},
    ".docx": _read_docx,
    ".odt": _read_odt,
    ".csv": _read_csv,
    ".tsv": _read_csv,
    ".xlsx": _read_xlsx,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".vtt": _read_captions,
    ".srt": _read_captions,
}
