"""Lay a :class:`ReportData` out as a Word document with python-docx.

Real Word machinery throughout: Title and Heading styles (the navigation pane and the contents
read them), headings numbered 一、（一）1. in Chinese and 1 / 1.1 in English, captions numbered
by SEQ fields, contents whose page numbers are PAGEREF fields (Word, WPS and LibreOffice fill
them in when they lay the report out), tables whose header rows repeat on every page and whose
rows may split when a table is longer than a page, an unnumbered title page, and in the body a
running header and page numbers from 1. The East Asian font is set on the styles
(``w:eastAsia``) so Chinese is set in a Chinese font, and Chinese is never set in italics (Word
would slant it synthetically). A user's template lends its styles (and its header and footer);
whatever it lacks falls back to plain formatting.
"""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from casecode.corpus.limits import check_member
from casecode.errors import CasecodeError
from casecode.outputs import writing
from casecode.report.content import Chart, Heading, Para, Quote, ReportData, Table
from casecode.report.words import chinese_number, word

# East Asian fonts: body and headings (Word substitutes a close one where they are missing).
ZH_BODY, ZH_HEADING = "SimSun", "SimHei"
GREY = (0x59, 0x59, 0x59)
SPLIT_ROWS = 20  # a table with more rows than this may split its rows across pages
# The contents are plain paragraphs with PAGEREF fields, not a TOC field: LibreOffice keeps a
# TOC field's shown result as it is (no page numbers), but computes PAGEREF fields.
TOC_FIELD = False


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _element(tag: str, **attrs: str):
    from docx.oxml import OxmlElement

    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(_qn(key), value)
    return el


def _run_with(child):
    run = _element("w:r")
    run.append(child)
    return run


class _Writer:
    def __init__(self, data: ReportData, template: Path | None) -> None:
        from docx import Document

        self.data = data
        self.lang = data.lang
        self.zh = data.lang == "zh"
        self.colon = "：" if self.zh else ": "
        self.tables = 0
        self.figures = 0
        self.numbers = [0, 0, 0]
        self.appendices = 0
        self.in_appendix = False
        self.outline: list[tuple[int, str, str]] = []  # level, text, bookmark
        self.toc_anchor = None
        self.template = template is not None
        if template is not None:
            self.doc = _open_template(template)
            body = self.doc.element.body
            for child in list(body):
                if child.tag != _qn("w:sectPr"):
                    body.remove(child)
        else:
            self.doc = Document()
            self._page_setup()
        self.styles = {s.name for s in self.doc.styles}
        section = self.doc.sections[-1]
        usable = section.page_width - section.left_margin - section.right_margin
        self.page_cm = round(usable / 360000, 2) if usable else 16.0  # EMU per cm
        self._fonts(template is None)

    # -- styles ------------------------------------------------------------------------------

    def _page_setup(self) -> None:
        from docx.shared import Cm

        for section in self.doc.sections:
            section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
            for side in ("left_margin", "right_margin"):
                setattr(section, side, Cm(2.5))
            section.top_margin = section.bottom_margin = Cm(2.5)

    def _fonts(self, ours: bool) -> None:
        """Set the East Asian font on the styles (and, on our own template, the Latin one for
        Chinese reports); a user's template keeps every font it sets. No style slants Chinese."""
        from docx.shared import Pt

        for style in self.doc.styles:
            if style.type != 1 or style.name not in (
                "Normal", "Title", "Subtitle", "Caption", "Quote", "TOC Heading",
                *(f"Heading {i}" for i in range(1, 4)),
            ):  # fmt: skip
                continue
            rpr = style.element.get_or_add_rPr()
            fonts = rpr.find(_qn("w:rFonts"))
            if fonts is None:
                fonts = _element("w:rFonts")
                rpr.insert(0, fonts)
            heading = style.name != "Normal" and style.name not in ("Caption", "Quote")
            if ours or fonts.get(_qn("w:eastAsia")) is None:
                fonts.set(_qn("w:eastAsia"), ZH_HEADING if heading else ZH_BODY)
                fonts.attrib.pop(_qn("w:eastAsiaTheme"), None)
            if ours and self.zh:
                for attr in ("w:ascii", "w:hAnsi"):
                    fonts.set(_qn(attr), "Times New Roman")
                for attr in ("w:asciiTheme", "w:hAnsiTheme"):
                    fonts.attrib.pop(_qn(attr), None)
            if self.zh:
                style.font.italic = False  # Chinese is not set in italics
            if style.name == "Normal":
                lang = rpr.find(_qn("w:lang"))
                if lang is None:
                    lang = _element("w:lang")
                    rpr.append(lang)
                lang.set(_qn("w:eastAsia"), "zh-CN")
                if ours:
                    style.font.size = Pt(10.5)

    def style(self, name: str) -> str | None:
        return name if name in self.styles else None

    # -- building blocks ---------------------------------------------------------------------

    def number(self, h: Heading) -> str:
        """The heading's number: 一、（一）1. in Chinese, 1 / 1.1 / 1.1.1 in English; appendices
        附录一 / Appendix A at level 1 and unnumbered below."""
        if h.appendix or (self.in_appendix and h.level > 1):
            if h.level == 1:
                self.in_appendix = True
                self.appendices += 1
                n = self.appendices
                return word(
                    "appendix_n", self.lang, n=chinese_number(n) if self.zh else chr(64 + n)
                )
            return ""
        level = h.level
        self.numbers[level - 1] += 1
        for k in range(level, 3):
            self.numbers[k] = 0
        a, b, c = self.numbers
        if self.zh:
            return (f"{chinese_number(a)}、", f"（{chinese_number(b)}）", f"{c}. ")[level - 1]
        return (f"{a} ", f"{a}.{b} ", f"{a}.{b}.{c} ")[level - 1]

    def heading(self, h: Heading) -> None:
        number = self.number(h)
        gap = "　" if h.appendix and self.zh else "  " if h.appendix else ""
        text = f"{number}{gap}{h.text}"
        if self.style(f"Heading {h.level}"):
            paragraph = self.doc.add_heading("", h.level)
            run = paragraph.add_run(text)
        else:
            paragraph = self.doc.add_paragraph()
            run = paragraph.add_run(text)
            run.bold = True
            paragraph.paragraph_format.keep_with_next = True
        if h.new_page:
            paragraph.paragraph_format.page_break_before = True
        if h.level <= 2:
            mark = f"_Toc{len(self.outline) + 1:06d}"
            self.outline.append((h.level, text, mark))
            start = _element("w:bookmarkStart", **{"w:id": str(len(self.outline)), "w:name": mark})
            end = _element("w:bookmarkEnd", **{"w:id": str(len(self.outline))})
            run._r.addprevious(start)
            run._r.addnext(end)

    def paragraph(self, text: str = "", style: str | None = None):
        return self.doc.add_paragraph(text, style=self.style(style) if style else None)

    def note(self, text: str, size: float = 8.5) -> None:
        """A small grey note; italic only in English (Chinese has no italics)."""
        from docx.shared import Pt, RGBColor

        p = self.paragraph()
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.font.color.rgb = RGBColor(*GREY)
        run.italic = not self.zh

    def para(self, block: Para) -> None:
        if block.note:
            self.note(block.text, 9.5)
            return
        p = self.paragraph()
        if block.lead:
            p.add_run(block.lead).bold = True
        if block.text:
            p.add_run(block.text)

    def field(self, paragraph, instruction: str, shown: str) -> None:
        """A Word field (PAGE, SEQ) showing ``shown`` until Word updates it."""
        simple = _element("w:fldSimple", **{"w:instr": instruction})
        text = _element("w:t")
        text.text = shown
        simple.append(_run_with(text))
        paragraph._p.append(simple)

    def caption(self, kind: str, text: str) -> None:
        if kind == "table":
            self.tables += 1
            n, seq = self.tables, "Table"
        else:
            self.figures += 1
            n, seq = self.figures, "Figure"
        p = self.paragraph(style="Caption")
        p.paragraph_format.keep_with_next = kind == "table"  # a table's caption sits above it
        p.add_run(word("table" if kind == "table" else "figure", self.lang) + " ")
        self.field(p, f"SEQ {seq} \\* ARABIC", str(n))
        p.add_run(("　" if self.zh else ". ") + text)

    def table(self, spec: Table) -> None:
        from docx.shared import Cm, Pt, RGBColor

        self.caption("table", spec.caption)
        rows = spec.rows
        columns = len(rows[0])
        table = self.doc.add_table(rows=len(rows), cols=columns)
        table.style = self.style("Table Grid")
        for i, (row, row_cells) in enumerate(zip(rows, table.rows, strict=True)):
            cells = row_cells.cells  # one lookup per row: table.cell() rescans the whole table
            if i in spec.groups:  # a group's heading spans the table
                merged = cells[0].merge(cells[-1]) if columns > 1 else cells[0]
                run = merged.paragraphs[0].add_run(_show(row[0]))
                run.bold = True
                run.font.size = Pt(spec.size)
                shd = _element("w:shd", **{"w:val": "clear", "w:color": "auto", "w:fill": "EDEDED"})
                merged._tc.get_or_add_tcPr().append(shd)
                row_cells._tr.get_or_add_trPr().append(_element("w:cantSplit", **{"w:val": "true"}))
                continue
            for j, value in enumerate(row):
                cell = cells[j]
                paragraph = cell.paragraphs[0]
                run = paragraph.add_run(_show(value))
                run.font.size = Pt(spec.size)
                if i < spec.header:
                    run.bold = True
                if (
                    j > 0
                    and (isinstance(value, int | float) or _numeric(value))
                    and i >= spec.header
                ):
                    paragraph.alignment = 2  # right
                share = spec.shade[i][j] if spec.shade and j < len(spec.shade[i]) else None
                if share is not None and i >= spec.header:
                    fill, dark = _heat(share)
                    shd = _element("w:shd", **{"w:val": "clear", "w:color": "auto"})
                    shd.set(_qn("w:fill"), fill)
                    cell._tc.get_or_add_tcPr().append(shd)
                    if dark:
                        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        if len(rows) <= SPLIT_ROWS:  # a short table keeps each row whole; a long one may not
            for row in table.rows:
                tr = row._tr.get_or_add_trPr()
                if tr.find(_qn("w:cantSplit")) is None:
                    tr.append(_element("w:cantSplit", **{"w:val": "true"}))
        for k in range(min(spec.header, len(rows))):
            table.rows[k]._tr.get_or_add_trPr().append(_element("w:tblHeader", **{"w:val": "true"}))
        if spec.widths:
            scale = self.page_cm / sum(spec.widths)
            widths = [w * scale for w in spec.widths]
            table.autofit = False
            for column, width in zip(table.columns, widths, strict=False):
                column.width = Cm(width)  # the grid, which LibreOffice reads
            for k, row in enumerate(table.rows):
                if k in spec.groups:
                    continue
                for cell, width in zip(row.cells, widths, strict=False):
                    cell.width = Cm(width)  # the cells, which Word reads
        if spec.note:
            self.note(spec.note)
        self.paragraph()

    def chart(self, block: Chart) -> None:
        from docx.shared import Cm

        self.doc.add_picture(io.BytesIO(block.png), width=Cm(min(15.5, self.page_cm)))
        self.doc.paragraphs[-1].paragraph_format.keep_with_next = True  # with its caption
        self.caption("figure", block.caption)
        if block.note:
            self.note(block.note)

    def quote(self, q: Quote) -> None:
        from docx.shared import Pt, RGBColor

        p = self.paragraph(style="Quote")
        cursor = 0
        runs = [p.add_run("“")]
        for start, end in sorted(q.bold):
            if start > cursor:
                runs.append(p.add_run(q.text[cursor:start]))
            bold = p.add_run(q.text[max(start, cursor) : end])
            bold.bold = True
            runs.append(bold)
            cursor = max(cursor, end)
        runs.append(p.add_run(q.text[cursor:] + "”"))
        if q.note:
            runs.append(p.add_run(q.note))
        cite = p.add_run(f" —— {q.source}" if self.zh else f" — {q.source}")
        cite.font.size = Pt(9)
        mark = p.add_run(f" {q.mark}")
        mark.font.size = Pt(8)
        mark.font.color.rgb = RGBColor(*GREY)
        runs += [cite, mark]
        if self.zh or q.language == "zh":
            for run in runs:
                run.italic = False  # never slant Chinese

    # -- the document ------------------------------------------------------------------------

    def write(self) -> None:
        self.title_page()
        self.contents()
        self.body_section()
        for block in self.data.body:
            if isinstance(block, Heading):
                self.heading(block)
            elif isinstance(block, Para):
                self.para(block)
            elif isinstance(block, Table):
                self.table(block)
            elif isinstance(block, Chart):
                self.chart(block)
            else:
                self.quote(block)
        self.fill_contents()
        self.properties()

    def title_page(self) -> None:
        from docx.shared import Pt

        d = self.data
        for _ in range(5):
            self.paragraph()
        title = self.paragraph(d.title, style="Title")
        if not self.style("Title"):
            title.runs[0].bold = True
            title.runs[0].font.size = Pt(24)
        title.alignment = 1
        for line in d.subtitle:
            self.paragraph(line, style="Subtitle").alignment = 1
        self.paragraph()
        for line in d.status:
            p = self.paragraph()
            run = p.add_run(line)
            run.font.size = Pt(10)
            if line.startswith(("注意", "Note")):
                run.bold = True
        self.paragraph()
        self.paragraph(word("made_by", self.lang)).alignment = 1
        self.doc.add_page_break()

    def contents(self) -> None:
        """The contents heading and a place for the entries, filled in by
        :meth:`fill_contents` once every heading is known."""
        p = self.paragraph(word("contents", self.lang), style="TOC Heading")
        if not self.style("TOC Heading"):
            p.runs[0].bold = True
        self.toc_anchor = self.paragraph()._p
        settings = self.doc.settings.element
        if settings.find(_qn("w:updateFields")) is None:
            settings.append(_element("w:updateFields", **{"w:val": "true"}))

    def body_section(self) -> None:
        """A new section for the body: page numbers from 1, the running header and the page
        number in the footer (a template's own header and footer stay)."""
        from docx.enum.section import WD_SECTION
        from docx.shared import Pt, RGBColor

        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        sectpr = section._sectPr
        numbering = _element("w:pgNumType", **{"w:start": "1"})
        cols = sectpr.find(_qn("w:cols"))
        if cols is not None:
            cols.addprevious(numbering)
        else:
            sectpr.append(numbering)
        first = self.doc.sections[0]
        if not _has_text(first.header):
            section.header.is_linked_to_previous = False
            p = section.header.paragraphs[0]
            p.alignment = 2
            run = p.add_run(self.data.header)
            run.font.size = Pt(8.5)
            run.font.color.rgb = RGBColor(*GREY)
        if not _has_text(first.footer):
            section.footer.is_linked_to_previous = False
            p = section.footer.paragraphs[0]
            p.alignment = 1
            before, after = word("page", self.lang, page="\0").split("\0")
            if before:
                p.add_run(before)
            self.field(p, "PAGE", "1")
            if after:
                p.add_run(after)

    def fill_contents(self) -> None:
        """The contents: a TOC field (Word rebuilds it on opening) whose shown result already
        lists the headings, each with a PAGEREF field to its bookmark, so the page numbers are
        right wherever the renderer lays the report out (LibreOffice's PDF export too)."""
        from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
        from docx.shared import Cm, Pt, RGBColor

        anchor = self.toc_anchor
        note = self.doc.add_paragraph()  # under the heading: it never dangles on a page alone
        run = note.add_run(word("toc_note", self.lang))
        run.font.size = Pt(8)
        run.font.color.rgb = RGBColor(*GREY)
        anchor.addprevious(note._p)
        lines = self.outline
        for k, (level, text, mark) in enumerate(lines):
            paragraph = self.doc.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(2)
            paragraph.paragraph_format.space_before = Pt(0)
            style = self.style(f"TOC {level}") or self.style(f"toc {level}")
            if style:
                paragraph.style = style
            elif level > 1:
                paragraph.paragraph_format.left_indent = Cm(0.75)
            paragraph.paragraph_format.tab_stops.add_tab_stop(
                Cm(self.page_cm - 0.05), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
            )
            p = paragraph._p
            if k == 0 and TOC_FIELD:
                _complex_field(p, ' TOC \\o "1-2" \\h \\z \\u ', open_only=True)
            t = _element("w:t")
            t.text = text
            p.append(_run_with(t))
            p.append(_run_with(_element("w:tab")))
            _complex_field(p, f" PAGEREF {mark} \\h ", shown="")
            if k == len(lines) - 1 and TOC_FIELD:
                p.append(_run_with(_element("w:fldChar", **{"w:fldCharType": "end"})))
            anchor.addprevious(p)
        anchor.getparent().remove(anchor)

    def properties(self) -> None:
        """Title, author, subject, dates: from the options and the data, never python-docx's."""
        d = self.data
        props = self.doc.core_properties
        props.title = d.title
        props.author = d.author
        props.last_modified_by = d.author
        props.subject = d.project
        props.comments = word("made_by", self.lang)
        props.keywords = "casecode"
        props.category = ""
        props.language = "zh-CN" if self.zh else "en"
        props.revision = 1
        try:
            when = datetime.fromisoformat(d.as_of) if d.as_of else datetime(2000, 1, 1)
        except ValueError:
            when = datetime(2000, 1, 1)
        props.created = props.modified = when
        props.last_printed = when


def _complex_field(p, instruction: str, *, shown: str = "", open_only: bool = False) -> None:
    """A field as begin / instruction / separate [/ shown / end] runs appended to ``p``."""
    p.append(_run_with(_element("w:fldChar", **{"w:fldCharType": "begin"})))
    instr = _element("w:instrText")
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = instruction
    p.append(_run_with(instr))
    p.append(_run_with(_element("w:fldChar", **{"w:fldCharType": "separate"})))
    if open_only:
        return
    if shown:
        t = _element("w:t")
        t.text = shown
        p.append(_run_with(t))
    p.append(_run_with(_element("w:fldChar", **{"w:fldCharType": "end"})))


def _has_text(part) -> bool:
    """Whether a header or footer (a template's) says anything."""
    try:
        return any(p.text.strip() for p in part.paragraphs) or bool(
            part._element.findall(f".//{_qn('w:fldSimple')}")
        )
    except Exception:  # noqa: BLE001 - a section without its own header
        return False


def _open_template(path: Path):
    """A user's template as a document: a .docx, or a .dotx (Word's template format), whose
    content type is that of a document once opened."""
    import zipfile

    from docx import Document

    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():  # a small zip may declare gigabytes: refused first
                check_member(info, path)
            parts = {name: z.read(name) for name in z.namelist()}
    except (zipfile.BadZipFile, OSError):
        raise CasecodeError(
            "not a Word .docx or .dotx file", file=path, hint="save the template as .docx"
        ) from None
    try:
        parts = _defused(parts)
    except Exception as exc:  # noqa: BLE001 - lxml raises many kinds for damaged XML
        raise CasecodeError(
            f"cannot use it as a Word template ({type(exc).__name__})",
            file=path,
            hint="save the template as .docx",
        ) from None
    types = parts.get("[Content_Types].xml", b"")
    parts["[Content_Types].xml"] = types.replace(
        b"wordprocessingml.template.main+xml", b"wordprocessingml.document.main+xml"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    try:
        return Document(io.BytesIO(buffer.getvalue()))
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds
        raise CasecodeError(
            f"cannot use it as a Word template ({type(exc).__name__})",
            file=path,
            hint="save the template as .docx",
        ) from None


def _numeric(value: Any) -> bool:
    text = str(value)
    return bool(text) and (text[0].isdigit() or text in ("—",)) and len(text) < 24


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# fields a template may keep: page numbers, dates, its own references; any other (DDE,
# INCLUDEPICTURE, INCLUDETEXT, LINK, IMPORT, HYPERLINK ...) can reach outside the document
_SAFE_FIELDS = {
    "PAGE", "NUMPAGES", "SECTIONPAGES", "SECTION", "DATE", "TIME", "STYLEREF", "TITLE",
    "PAGEREF", "REF", "SEQ", "TOC",
}  # fmt: skip


def _defused(parts: dict[str, bytes]) -> dict[str, bytes]:
    """A template's parts without what reaches outside it: relationships to external targets
    (a remote attached template, linked pictures, hyperlinks), the attached template setting,
    and fields other than page numbers, dates and references (their shown text stays)."""
    from lxml import etree

    safe = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    dropped: dict[str, set[str]] = {}  # part → ids of external relationships taken out
    for name, data in list(parts.items()):
        if not name.endswith(".rels"):
            continue
        root = etree.fromstring(data, safe)
        gone = {
            rel.get("Id")
            for rel in list(root)
            if rel.get("TargetMode") == "External" and root.remove(rel) is None
        }
        if gone:
            folder, _, base = name.rpartition("_rels/")
            dropped[folder + base.removesuffix(".rels")] = gone
            parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    for name, data in list(parts.items()):
        if not name.endswith(".xml") or not data.lstrip().startswith(b"<"):
            continue
        marks = (b"instrText", b"fldSimple", b"attachedTemplate")
        if name not in dropped and not any(m in data for m in marks):
            continue
        root = etree.fromstring(data, safe)
        _strip_fields(root)
        for el in root.iter(f"{{{_W}}}attachedTemplate"):
            el.getparent().remove(el)
        gone = dropped.get(name, set())
        for el in root.iter():
            for attr in [a for a in el.attrib if a.startswith(f"{{{_R}}}")]:
                if el.get(attr) in gone:
                    del el.attrib[attr]
        parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return parts


def _field_name(instruction: str) -> str:
    words = instruction.split()
    return words[0].upper() if words else ""


def _strip_fields(root) -> None:
    """Remove fields not in ``_SAFE_FIELDS``: a simple field is replaced by its shown runs, a
    complex one loses its begin/separate/end marks and instruction (its shown text stays)."""
    for simple in list(root.iter(f"{{{_W}}}fldSimple")):
        if _field_name(simple.get(f"{{{_W}}}instr", "")) in _SAFE_FIELDS:
            continue
        parent = simple.getparent()
        at = parent.index(simple)
        for child in reversed(list(simple)):
            parent.insert(at, child)
        parent.remove(simple)
    stack: list[list] = []  # open complex fields: [instruction, its marks]
    doomed = []
    for el in list(root.iter(f"{{{_W}}}fldChar", f"{{{_W}}}instrText")):
        if el.tag == f"{{{_W}}}instrText":
            if stack:
                stack[-1][0] += el.text or ""
                stack[-1][1].append(el)
            else:
                doomed.append(el)
            continue
        kind = el.get(f"{{{_W}}}fldCharType")
        if kind == "begin":
            stack.append(["", [el]])
        elif stack:
            stack[-1][1].append(el)
            if kind == "end":
                instruction, marks = stack.pop()
                if _field_name(instruction) not in _SAFE_FIELDS:
                    doomed.extend(marks)
        else:
            doomed.append(el)
    for _instruction, marks in stack:  # never closed: no field Word would run safely
        doomed.extend(marks)
    for el in doomed:
        el.getparent().remove(el)


_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value: Any) -> Any:
    """The report's content with characters a .docx cannot hold (control characters that
    came with a transcript) replaced by U+FFFD, one for one, so every offset still holds."""
    if isinstance(value, str):
        return _NOT_XML.sub("\ufffd", value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _xml_safe(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, list):
        return [_xml_safe(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_xml_safe(v) for v in value)
    if isinstance(value, dict):
        return {k: _xml_safe(v) for k, v in value.items()}
    return value


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}" if not value.is_integer() else str(int(value))
    return str(value)


def _heat(share: float) -> tuple[str, bool]:
    """A fill from white to dark blue for a share 0..1, and whether text on it should be white."""
    share = max(0.0, min(1.0, share))
    low, high = (0xFF, 0xFF, 0xFF), (0x1F, 0x4E, 0x79)
    rgb = [round(a + (b - a) * share) for a, b in zip(low, high, strict=True)]
    return "".join(f"{c:02X}" for c in rgb), share > 0.55


def write_docx(data: ReportData, out: Path, *, template: Path | None = None) -> Path:
    """Write the report to ``out`` (through a temporary file, so a failure leaves no half)."""
    writer = _Writer(_xml_safe(data), template)
    writer.write()
    with writing(out) as temp:
        writer.doc.save(temp)
    return out
