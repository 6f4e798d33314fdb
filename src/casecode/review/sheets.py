"""Coding sheets: code in Excel (or any spreadsheet) and bring the decisions back.

``export_sheet`` writes one row per turn — document, turn, speaker, text — and either one
``codes`` column (ids separated by ``;``, with a drop-down of valid ids) or one column per code
(mark a cell with x). ``import_sheet`` makes the sheet a coder's manual codings of those turns,
adding and removing to match; any problem (an unknown code, a turn whose text changed, a row
without its document or turn, a turn listed twice) is reported with its sheet row, and nothing
changes unless ``skip_errors``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casecode.codebook.codes import Codebook
from casecode.codebook.refs import resolve_code
from casecode.codebook.use import project_codebook
from casecode.corpus.documents import resolve_documents
from casecode.corpus.encoding import decode_bytes
from casecode.corpus.pseudonyms import apply_pseudonyms, load_pseudonyms
from casecode.corpus.readers import read_xlsx_rows
from casecode.errors import CasecodeError
from casecode.outputs import cell, check_out, uncell, writing
from casecode.project import Project, using_project

HEADER = ["document", "turn", "speaker", "text"]
_SPLIT = re.compile(r"\s*[;；,，、\n]+\s*")  # not spaces: English labels have them
_MARKED = {"x", "1", "✓", "✔", "yes", "y", "是", "true"}


def _codes_at(book: Codebook, level: int | None) -> list[str]:
    """The codes a person may apply, down to ``level``."""
    return [c.id for c in book.walk() if c.codable and (level is None or c.level <= level)]


def _covers(sheet_code: str, stored_code: str) -> bool:
    """A code in a sheet stands for itself and, at a coarser level, for its descendants."""
    return stored_code == sheet_code or stored_code.startswith(sheet_code + ".")


def export_sheet(
    project: str | Path | Project | None,
    out: str | Path,
    *,
    docs: list[str] | None = None,
    level: int | None = None,
    coder: str | None = None,
    layout: str = "list",
    force: bool = False,
    pseudonyms: bool = False,
) -> dict[str, Any]:
    """``casecode sheet export``: write a coding sheet (.xlsx or .csv); ``coder``'s codings are
    filled in when given. ``pseudonyms``: speakers and names in the text as pseudonyms.csv has
    them (``sheet import`` takes such a sheet back)."""

    out = Path(out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise CasecodeError("a coding sheet is .xlsx or .csv", file=out)
    if layout not in ("list", "columns"):
        raise CasecodeError(f"unknown layout '{layout}'", hint="list or columns")
    if level is not None and level < 1:
        raise CasecodeError("--level counts from 1 (the top-level codes)")
    check_out(out, force=force)
    with using_project(project) as proj:
        store = proj.store
        names = load_pseudonyms(proj) if pseudonyms else {}
        book = project_codebook(proj)
        codes = _codes_at(book, level)
        if not codes:
            raise CasecodeError(
                f"no code down to level {level} can be applied (they are all categories)",
                hint="choose a deeper --level",
            )
        if coder and coder not in store.coder_names():
            known = store.coder_names()
            raise CasecodeError(
                f"no coder '{coder}' in the project",
                hint=f"coders: {', '.join(known)}; leave out --coder for a blank sheet"
                if known
                else "nobody has coded yet; leave out --coder for a blank sheet",
            )
        rows_db = resolve_documents(store, docs)
        marks: list[tuple[list[Any], dict[int, set[str]], Any]] = []
        orphans: set[str] = set()  # the coder's codes that have left the codebook
        for row in rows_db:
            segments = store.segments(row["id"])
            mine: dict[int, set[str]] = {}
            if coder:
                for c in store.codings_for_document(row["id"]):
                    if c["coder"] == coder and c["status"] != "rejected":
                        n = _turn_of(segments, c["start"])
                        if n is not None:
                            code_id = book.roll_up(c["code_id"], level, codable=True)
                            mine.setdefault(n, set()).add(code_id)
                            if code_id not in book:
                                orphans.add(code_id)
            marks.append((segments, mine, row))
        columns = codes + sorted(orphans)
        table: list[list[Any]] = []
        for segments, mine, row in marks:
            for s in segments:
                text = row["text"][s.start : s.end]
                marked = sorted(mine.get(s.n, set()))
                speaker = names.get(s.speaker or "", s.speaker or "")
                base = [row["name"], s.n, speaker, apply_pseudonyms(text, names)]
                if layout == "list":
                    table.append([*base, "; ".join(marked)])
                else:
                    table.append([*base, *("x" if c in marked else "" for c in columns)])
    header = HEADER + (["codes"] if layout == "list" else columns)
    if out.suffix.lower() == ".csv":
        with writing(out) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([cell(h) for h in header])
            writer.writerows([cell(v) for v in r] for r in table)
    else:
        with writing(out) as tmp:
            _write_xlsx(tmp, header, table, book, codes, layout, len(columns))
    return {
        "file": str(out),
        "rows": len(table),
        "codes": len(codes),
        "layout": layout,
        "orphans": sorted(orphans),
    }


def _turn_of(segments, offset: int) -> int | None:
    for s in segments:
        if s.label_start <= offset < max(s.end, s.label_start + 1):
            return s.n
    return None


def _write_xlsx(
    out: Path, header, table, book: Codebook, codes: list[str], layout: str, n_columns: int
) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "coding"
    ws.append([cell(h, xlsx=True) for h in header])
    for r in table:
        ws.append([cell(v, xlsx=True) for v in r])
    for c in ws[1]:
        c.font = Font(bold=True)
    ws.freeze_panes = "E2"
    widths = {"A": 24, "B": 6, "C": 12, "D": 80}
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for (c,) in ws.iter_rows(min_row=2, min_col=4, max_col=4):
        c.alignment = wrap
    ref = wb.create_sheet("codebook")
    ref.append(["id", "label", "definition"])
    for cid in codes:
        code = book.get(cid)
        ref.append([cell(v, xlsx=True) for v in (cid, code.text("label"), code.text("definition"))])
    ref.column_dimensions["A"].width = 40
    ref.column_dimensions["B"].width = 24
    last = len(table) + 1
    if layout == "list":
        ws.column_dimensions["E"].width = 40
        dv = DataValidation(
            type="list",
            formula1=f"=codebook!$A$2:$A${len(codes) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",  # several ids separated by ';' are allowed past the warning
            error="Not a single code id from the list (several ids may be separated by ;)",
        )
        ws.add_data_validation(dv)
        dv.add(f"E2:E{max(last, 2)}")
    else:
        dv = DataValidation(type="list", formula1='"x"', allow_blank=True)
        ws.add_data_validation(dv)
        from openpyxl.utils import get_column_letter

        first, end = get_column_letter(5), get_column_letter(4 + n_columns)
        dv.add(f"{first}2:{end}{max(last, 2)}")
    wb.save(out)


@dataclass
class SheetReport:
    file: str
    rows: int = 0
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    applied: bool = False
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "added": self.added,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "applied": self.applied,
            "errors": [{"row": r, "message": m} for r, m in self.errors],
            "warnings": [{"row": r, "message": m} for r, m in self.warnings],
        }


def _read(path: Path, encoding: str | None = None) -> list[list[Any]]:
    if not path.is_file():
        raise CasecodeError("no such file", file=path)
    if path.suffix.lower() == ".csv":
        text = decode_bytes(path.read_bytes(), source=path, encoding=encoding).text
        return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    if path.suffix.lower() != ".xlsx":
        raise CasecodeError("a coding sheet is .xlsx or .csv", file=path)

    return read_xlsx_rows(path, formulas=False)


def import_sheet(
    project: str | Path | Project | None,
    file: str | Path,
    *,
    coder: str,
    skip_errors: bool = False,
    encoding: str | None = None,
) -> SheetReport:
    """``casecode sheet import``: make a coding sheet ``coder``'s manual codings of the turns it
    lists (``encoding``: of a .csv sheet, instead of detecting it)."""

    path = Path(file)
    coder = coder.strip()
    if not coder:
        raise CasecodeError("the coder needs a name (--coder)")
    if encoding and path.suffix.lower() == ".xlsx":
        raise CasecodeError("--encoding is for .csv sheets (.xlsx has none)", file=path)
    rows = _read(path, encoding)
    report = SheetReport(str(path))
    if not rows:
        raise CasecodeError("the sheet is empty", file=path)
    header = [str(h or "").strip() for h in rows[0]]
    lower = [h.lower() for h in header]
    for needed in ("document", "turn"):
        if needed not in lower:
            raise CasecodeError(f"the sheet has no '{needed}' column", file=path)
    col = {
        name: lower.index(name) for name in ("document", "turn", "text", "codes") if name in lower
    }
    # long format: one row per (document, turn, code), rows of one turn merged
    long = "codes" not in col and "code" in lower
    if long:
        col["codes"] = lower.index("code")
    with using_project(project) as proj:
        store = proj.store
        names = load_pseudonyms(proj)  # a sheet exported with --pseudonyms comes back too
        book = project_codebook(proj)
        code_columns = {i: h for i, h in enumerate(header) if h in book and h.lower() not in col}
        # a column named by a code that has left the codebook, which the coder still has
        theirs = store.manual_code_ids(coder)
        code_columns.update(
            {
                i: h
                for i, h in enumerate(header)
                if h not in book and h in theirs and h.lower() not in col
            }
        )
        if "codes" not in col and not code_columns:
            raise CasecodeError(
                "the sheet has neither a 'codes' column nor columns named by code ids", file=path
            )
        wanted: dict[tuple[int, int], tuple[int, set[str]]] = {}
        docs: dict[str, Any] = {}
        for number, cells in enumerate(rows[1:], start=2):
            cells = [uncell(c) if isinstance(c, str) else c for c in cells]  # our apostrophes
            cells += [None] * (len(header) - len(cells))
            if not any(str(c or "").strip() for c in cells):
                continue
            report.rows += 1
            name = str(cells[col["document"]] or "").strip()
            turn_cell = str(cells[col["turn"]] or "").strip()
            if not name or not turn_cell:
                report.errors.append((number, "missing document or turn"))
                continue
            if name not in docs:
                docs[name] = store.document_by_name(name)
            doc = docs[name]
            if doc is None:
                report.errors.append((number, f"no document '{name}' in the project"))
                continue
            try:
                turn = int(float(turn_cell))
            except (ValueError, OverflowError):
                report.errors.append((number, f"turn '{turn_cell}' is not a number"))
                continue
            seg = next((s for s in store.segments(doc["id"]) if s.n == turn), None)
            if seg is None:
                report.errors.append((number, f"{name} has no turn {turn}"))
                continue
            given = str(cells[col["text"]] or "").strip() if "text" in col else ""
            stored = doc["text"][seg.start : seg.end].strip()
            if given and given not in (stored, apply_pseudonyms(stored, names).strip()):
                report.errors.append(
                    (number, f"the text of {name} turn {turn} differs from the project's")
                )
                continue
            if (doc["id"], turn) in wanted and not long:
                first = wanted[(doc["id"], turn)][0]
                report.errors.append((number, f"{name} turn {turn} is already on row {first}"))
                continue
            codes: set[str] = (
                wanted[(doc["id"], turn)][1] if long and (doc["id"], turn) in wanted else set()
            )
            refs = []
            if "codes" in col:
                refs = [r for r in _SPLIT.split(str(cells[col["codes"]] or "").strip()) if r]
            refs += [
                code_id
                for i, code_id in code_columns.items()
                if str(cells[i] or "").strip().lower() in _MARKED
            ]
            had = None  # the coder's manual codes on this turn, looked up when needed
            for ref in dict.fromkeys(refs):
                if ref in book:
                    ref_code = book.get(ref)
                    if ref_code.codable:
                        codes.add(ref)
                        continue
                elif had is None:
                    had = {
                        c["code_id"]
                        for c in store.codings_in(doc["id"], seg.label_start, seg.end)
                        if c["origin"] == "manual" and c["coder"] == coder
                    }
                if ref not in book and ref in had:
                    codes.add(ref)  # kept as it is, though the codebook no longer has it
                    report.warnings.append(
                        (number, f"{ref} is not in the codebook; {coder}'s coding of it is kept")
                    )
                    continue
                try:
                    codes.add(resolve_code(book, ref, to_apply=True).id)
                except CasecodeError as exc:
                    report.errors.append((number, f"{exc.message} ({exc.hint})"))
            if (doc["id"], turn) not in wanted:
                wanted[(doc["id"], turn)] = (number, codes)
        if report.errors and not skip_errors:
            return report
        bad_rows = {r for r, _ in report.errors}
        with store.transaction():
            store.begin_batch("sheet", coder, f"sheet import {Path(file).name} as {coder}")
            for (doc_id, turn), (number, codes) in wanted.items():
                if number in bad_rows:
                    continue
                seg = next(s for s in store.segments(doc_id) if s.n == turn)
                mine = [
                    c
                    for c in store.codings_in(doc_id, seg.label_start, seg.end)
                    if c["origin"] == "manual" and c["coder"] == coder
                ]
                # A coding stays while the sheet names its code or, at a coarser level, an
                # ancestor; a code is added only if nothing at or below it is there yet.
                have = {c["code_id"] for c in mine}
                for c in mine:
                    if not any(_covers(code, c["code_id"]) for code in codes):
                        store.log_event(c, "untag", coder, "coding sheet")
                        store.delete_coding(c["id"])
                        report.removed += 1
                present = {code for code in codes if any(_covers(code, h) for h in have)}
                for code_id in sorted(codes - present):
                    cid = store.insert_coding(
                        doc_id,
                        seg.start,
                        seg.end,
                        code_id,
                        coder=coder,
                        origin="manual",
                        status="accepted",
                    )
                    store.log_event(store.coding_by_id(cid), "tag", coder, "coding sheet")
                    report.added += 1
                report.unchanged += len(present)
        report.applied = True
        return report
