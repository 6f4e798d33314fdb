"""Lay a :class:`ReportData` out as a Word document with python-docx.

Real Word machinery throughout: Title and Heading styles (the navigation pane and the table of
contents field read them), captions numbered by SEQ fields, table styles with a repeating header
row, page numbers in the footer, and the East Asian font set on the styles (``w:eastAsia``) so
Chinese text is set in a Chinese font, not only the Latin one. A user's template lends its
styles; whatever it lacks falls back to plain formatting.
"""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path
from typing import Any

from casecode.corpus.limits import check_member
from casecode.errors import CasecodeError
from casecode.outputs import writing
from casecode.report.content import CaseSection, CodeSection, Quote, ReportData, Table
from casecode.report.words import word

# East Asian fonts: body and headings (Word substitutes a close one where they are missing).
ZH_BODY, ZH_HEADING = "SimSun", "SimHei"


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _element(tag: str, **attrs: str):
    from docx.oxml import OxmlElement

    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(_qn(key), value)
    return el


class _Writer:
    def __init__(self, data: ReportData, template: Path | None) -> None:
        from docx import Document

        self.data = data
        self.lang = data.lang
        self.colon = "：" if data.lang == "zh" else ": "
        self.tables = 0
        self.figures = 0
        self.outline: list[tuple[int, str]] = []  # the headings, for the table of contents
        self.toc_anchor = None
        self.new_page = False
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
        Chinese reports); a user's template keeps every font it sets."""
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
            if ours and self.lang == "zh":
                for attr in ("w:ascii", "w:hAnsi"):
                    fonts.set(_qn(attr), "Times New Roman")
                for attr in ("w:asciiTheme", "w:hAnsiTheme"):
                    fonts.attrib.pop(_qn(attr), None)
            if ours and self.lang == "zh" and style.name in ("Quote", "Subtitle"):
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

    def heading(self, text: str, level: int) -> None:
        self.outline.append((level, text))
        if self.style(f"Heading {level}"):
            paragraph = self.doc.add_heading(text, level)
        else:
            paragraph = self.doc.add_paragraph()
            paragraph.add_run(text).bold = True
            paragraph.paragraph_format.keep_with_next = True
        if self.new_page:
            paragraph.paragraph_format.page_break_before = True
            self.new_page = False

    def paragraph(self, text: str = "", style: str | None = None):
        return self.doc.add_paragraph(text, style=self.style(style) if style else None)

    def field(self, paragraph, instruction: str, shown: str) -> None:
        """A Word field (PAGE, SEQ, TOC) showing ``shown`` until Word updates it."""
        simple = _element("w:fldSimple", **{"w:instr": instruction})
        run = _element("w:r")
        text = _element("w:t")
        text.text = shown
        run.append(text)
        simple.append(run)
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
        p.add_run(("：" if self.lang == "zh" else ". ") + text)

    def table(self, spec: Table, *, widths: list[float] | None = None, size: float = 9) -> None:
        from docx.shared import Cm, Pt, RGBColor

        self.caption("table", spec.caption)
        rows = spec.rows
        table = self.doc.add_table(rows=len(rows), cols=len(rows[0]))
        table.style = self.style("Table Grid")
        inner = [
            row[1:-1] if spec.totals else row[1:] for row in rows[1 : -1 if spec.totals else None]
        ]
        numbers = [v for row in inner for v in row if isinstance(v, int | float)]
        top = max(numbers, default=0) or 1
        last_row, last_col = len(rows) - 1, len(rows[0]) - 1
        for i, (row, row_cells) in enumerate(zip(rows, table.rows, strict=True)):
            cells = row_cells.cells  # one lookup per row: table.cell() rescans the whole table
            for j, value in enumerate(row):
                cell = cells[j]
                text = _show(value)
                paragraph = cell.paragraphs[0]
                run = paragraph.add_run(text)
                run.font.size = Pt(size)
                if i == 0:
                    run.bold = True
                if isinstance(value, int | float) and not isinstance(value, bool):
                    paragraph.alignment = 2  # right
                    is_total = spec.totals and (i == last_row or j == last_col)
                    if spec.shade and i > 0 and j > 0 and not is_total:
                        fill, dark = _heat(value / top)
                        shd = _element("w:shd", **{"w:val": "clear", "w:color": "auto"})
                        shd.set(_qn("w:fill"), fill)
                        cell._tc.get_or_add_tcPr().append(shd)
                        if dark:
                            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        for row in table.rows:  # a row never splits across pages
            row._tr.get_or_add_trPr().append(_element("w:cantSplit", **{"w:val": "true"}))
        header = table.rows[0]._tr.get_or_add_trPr()
        header.append(_element("w:tblHeader", **{"w:val": "true"}))
        if widths:
            scale = self.page_cm / sum(widths)
            widths = [w * scale for w in widths]
            table.autofit = False
            for column, width in zip(table.columns, widths, strict=False):
                column.width = Cm(width)  # the grid, which LibreOffice reads
            for row in table.rows:
                for cell, width in zip(row.cells, widths, strict=False):
                    cell.width = Cm(width)  # the cells, which Word reads
        if spec.note:
            self.paragraph(spec.note).runs[0].italic = True
        self.paragraph()

    def quote(self, q: Quote) -> None:
        from docx.shared import Pt

        p = self.paragraph(style="Quote")
        cursor = 0
        open_mark, close_mark = ("“", "”")
        p.add_run(open_mark)
        for start, end in sorted(q.bold):
            if start > cursor:
                p.add_run(q.text[cursor:start])
            p.add_run(q.text[max(start, cursor) : end]).bold = True
            cursor = max(cursor, end)
        p.add_run(q.text[cursor:] + close_mark)
        turn = word("turn", self.lang, n=q.turn)
        who = "，".join(x for x in (q.speaker, q.case, q.document, turn) if x)
        if self.lang == "en":
            who = ", ".join(x for x in (q.speaker, q.case, q.document, turn) if x)
        cite = p.add_run(f" —— {who}" if self.lang == "zh" else f" — {who}")
        cite.font.size = Pt(9)

    # -- the document ------------------------------------------------------------------------

    def write(self, chart: bytes | None, chart_note: str) -> None:
        self.body(chart, chart_note)
        self.fill_contents()

    def body(self, chart: bytes | None, chart_note: str) -> None:
        d, lang = self.data, self.lang
        self.title_page()
        self.contents()
        self.footer()

        self.heading(word("method", lang), 1)
        self.heading(word("material", lang), 2)
        self.paragraph(word("material_text", lang, **d.material))
        if d.roles:
            sep = "、" if lang == "zh" else "; "
            self.paragraph(f"{word('roles', lang)}{self.colon}{sep.join(d.roles)}")
        self.heading(word("coding", lang), 2)
        self.paragraph(word("coding_text", lang, **d.coding["text"]))
        if d.scope:
            self.paragraph(d.scope)
        if d.coding.get("suggestions"):
            self.paragraph(word("reviewed_text", lang, **d.coding["suggestions"]))
        self.paragraph(word("view_text", lang))
        if d.coders is not None:
            self.table(d.coders)
        if d.reliability or d.evaluation:
            self.heading(word("reliability", lang), 2)
        if d.reliability:
            self.paragraph(word("reliability_text", lang, **d.reliability))
        if d.evaluation:
            self.paragraph(word("evaluation_text", lang, **d.evaluation))

        if d.codebook_table is not None:
            self.heading(word("codebook_section", lang), 1)
            self.table(d.codebook_table, widths=[3.4, 2.2, 4.4, 2.6, 2.6, 2.0], size=8)

        if d.frequencies is not None:
            self.heading(word("frequencies", lang), 1)
            self.table(d.frequencies, widths=[5.0, 4.0, 1.75, 1.75, 1.75, 1.75])
            if chart is not None:
                from docx.shared import Cm

                self.doc.add_picture(io.BytesIO(chart), width=Cm(min(15.5, self.page_cm)))
                self.doc.paragraphs[-1].paragraph_format.keep_with_next = True  # with its caption
                self.caption("figure", word("chart_caption", lang))
                if chart_note:
                    self.paragraph(chart_note).runs[0].italic = True

        if d.matrix is not None:
            self.heading(word("matrix", lang), 1)
            self.table(d.matrix, widths=_first_wide(len(d.matrix.rows[0])))
        if d.cooccurrence is not None:
            self.heading(word("cooccur", lang), 1)
            columns = len(d.cooccurrence.rows[0])
            self.table(d.cooccurrence, size=8, widths=_first_wide(columns, first=4.6))

        if d.code_sections:
            self.heading(word("by_code", lang), 1)
            for section in d.code_sections:
                self.code_section(section)
        if d.case_sections:
            self.heading(word("by_case", lang), 1)
            for case in d.case_sections:
                self.case_section(case)
        if d.appendix is not None:
            self.new_page = True
            self.heading(word("appendix", lang), 1)
            self.table(d.appendix, widths=[3.2, 1.1, 3.6, 5.6, 1.3, 1.7], size=8)

    def title_page(self) -> None:
        from docx.shared import Pt

        d, lang = self.data, self.lang
        for _ in range(6):
            self.paragraph()
        title = self.paragraph(d.title, style="Title")
        if not self.style("Title"):
            title.runs[0].bold = True
            title.runs[0].font.size = Pt(24)
        title.alignment = 1
        version = f"{word('version', lang)} {d.codebook_version}"
        version = f"（{version}）" if lang == "zh" else f" ({version})"
        for line in (
            f"{word('project', lang)}{self.colon}{d.project}",
            f"{word('codebook', lang)}{self.colon}{d.codebook}{version}",
            f"{word('as_of', lang)}{self.colon}{d.as_of}",
        ):
            self.paragraph(line, style="Subtitle").alignment = 1
        self.paragraph()
        self.paragraph(word("made_by", lang)).alignment = 1
        self.doc.add_page_break()

    def contents(self) -> None:
        """The contents heading and a place for the field, filled in by :meth:`fill_contents`
        once every heading is known."""
        lang = self.lang
        p = self.paragraph(word("contents", lang), style="TOC Heading")
        if not self.style("TOC Heading"):
            p.runs[0].bold = True
        self.toc_anchor = self.paragraph()._p
        settings = self.doc.settings.element
        if settings.find(_qn("w:updateFields")) is None:
            settings.append(_element("w:updateFields", **{"w:val": "true"}))
        self.new_page = True  # the next chapter starts a page (no blank page if the list fills one)

    def fill_contents(self) -> None:
        """A TOC field whose shown result already lists the headings (without page numbers),
        so the contents read right before Word updates the field and in converters that never
        do; Word fills in the page numbers when it updates fields on opening."""
        from docx.shared import Cm

        def run_with(child):
            run = _element("w:r")
            run.append(child)
            return run

        lines = [(level, text) for level, text in self.outline if level <= 2]
        if not lines:
            lines = [(1, word("toc_hint", self.lang))]
        anchor = self.toc_anchor
        for k, (level, text) in enumerate(lines):
            paragraph = self.doc.add_paragraph()
            style = self.style(f"TOC {level}") or self.style(f"toc {level}")
            if style:
                paragraph.style = style
            elif level > 1:
                paragraph.paragraph_format.left_indent = Cm(0.75)
            p = paragraph._p
            if k == 0:
                p.append(run_with(_element("w:fldChar", **{"w:fldCharType": "begin"})))
                instr = _element("w:instrText")
                instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                instr.text = ' TOC \\o "1-2" \\h \\z \\u '
                p.append(run_with(instr))
                p.append(run_with(_element("w:fldChar", **{"w:fldCharType": "separate"})))
            t = _element("w:t")
            t.text = text
            p.append(run_with(t))
            if k == len(lines) - 1:
                p.append(run_with(_element("w:fldChar", **{"w:fldCharType": "end"})))
            anchor.addprevious(p)
        anchor.getparent().remove(anchor)

    def footer(self) -> None:
        for section in self.doc.sections:
            p = section.footer.paragraphs[0] if section.footer.paragraphs else None
            if p is None:
                p = section.footer.add_paragraph()
            if p.text.strip() or p._p.findall(f".//{_qn('w:fldSimple')}"):
                continue  # a template's own footer stays
            p.alignment = 1
            before, after = word("page", self.lang, page="\0").split("\0")
            if before:
                p.add_run(before)
            self.field(p, "PAGE", "1")
            if after:
                p.add_run(after)

    def code_section(self, s: CodeSection) -> None:
        self.heading(f"{s.label}（{s.id}）" if self.lang == "zh" else f"{s.label} ({s.id})", 2)
        if s.definition:
            p = self.paragraph()
            p.add_run(f"{word('definition', self.lang)}{self.colon}").bold = True
            p.add_run(s.definition)
        if not s.quotes:
            self.paragraph(word("no_quotes", self.lang)).runs[0].italic = True
        for q in s.quotes:
            self.quote(q)

    def case_section(self, c: CaseSection) -> None:
        lang = self.lang
        self.heading(c.name, 2)
        if c.attributes:
            p = self.paragraph()
            p.add_run(f"{word('attributes', lang)}{self.colon}").bold = True
            sep = "；" if lang == "zh" else "; "
            p.add_run(
                sep.join(f"{k}：{v}" if lang == "zh" else f"{k}: {v}" for k, v in c.attributes)
            )
        p = self.paragraph()
        p.add_run(f"{word('codes_present', lang)}{self.colon}").bold = True
        sep = "、" if lang == "zh" else ", "
        present = sep.join(
            f"{label}（{n}）" if lang == "zh" else f"{label} ({n})" for label, n in c.codes
        )
        p.add_run(present or word("none", lang))
        if c.quotes:
            self.paragraph().add_run(f"{word('key_quotes', lang)}{self.colon}").bold = True
            for q in c.quotes:
                self.quote(q)


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


def _first_wide(columns: int, page: float = 16.0, first: float = 4.2) -> list[float]:
    """Column widths (cm) for a table whose first column holds labels: that one wide, the rest
    sharing what is left of the page."""
    rest = max(1.0, (page - first) / max(1, columns - 1))
    return [first, *([rest] * (columns - 1))]


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


def write_docx(
    data: ReportData,
    out: Path,
    *,
    template: Path | None = None,
    chart: bytes | None = None,
    chart_note: str = "",
) -> Path:
    """Write the report to ``out`` (through a temporary file, so a failure leaves no half)."""
    writer = _Writer(_xml_safe(data), template)
    writer.write(chart, chart_note)
    with writing(out) as temp:
        writer.doc.save(temp)
    return out
