"""Hostile and broken files: each one fails alone, with one line naming it and its cause, and
what it may expand to is bounded while it is read (casecode.corpus.limits)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from casecode import CasecodeError
from casecode.corpus.limits import Limits
from casecode.corpus.readers import read_document
from conftest import write
from samples import odt_bytes


def make_odt(path: Path, body: str) -> Path:
    path.write_bytes(odt_bytes(body))
    return path


def test_odt_with_a_space_count_that_is_no_number_reads_as_one_space(tmp_path):
    raw = read_document(
        make_odt(tmp_path / "a.odt", '<text:p>李会长：<text:s text:c="abc"/>好</text:p>')
    )
    assert raw.text == "李会长： 好"


def test_odt_nested_thousands_deep_is_refused_by_depth(tmp_path):
    deep = "<text:span>" * 5000 + "话" + "</text:span>" * 5000
    path = make_odt(tmp_path / "deep.odt", f"<text:p>{deep}</text:p>")
    with pytest.raises(CasecodeError) as err:
        read_document(path)
    assert "max_xml_depth" in str(err.value) and str(path) in str(err.value)


def test_odt_space_bomb_is_refused_while_reading(tmp_path):
    # a few hundred bytes that declare 300 million spaces
    body = '<text:p>a<text:s text:c="100000000"/></text:p>' * 3
    path = make_odt(tmp_path / "bomb.odt", body)
    assert path.stat().st_size < 1000
    with pytest.raises(CasecodeError, match="max_document_chars"):
        read_document(path)


def test_zip_member_that_expands_too_far_is_refused_before_unzipping(tmp_path):
    import random

    words = random.Random(7).choices(
        "我们村里老年协会每月账目公开资金来自政府和村民捐款", k=400_000
    )
    path = make_odt(tmp_path / "big.odt", "<text:p>" + "".join(words) + "</text:p>")
    with pytest.raises(CasecodeError, match="max_zip_ratio"):
        read_document(path, limits=Limits(ratio=1.5))
    with pytest.raises(CasecodeError, match="max_zip_member_mb"):
        read_document(path, limits=Limits(member_mb=0.5))
    assert len(read_document(path).text) == 400_000


def test_docx_with_too_many_paragraphs_is_refused(tmp_path):
    import docx

    d = docx.Document()
    for i in range(300):
        d.add_paragraph(f"第{i}段")
    d.save(tmp_path / "many.docx")
    with pytest.raises(CasecodeError, match="max_turns"):
        read_document(tmp_path / "many.docx", limits=Limits(turns=100))
    assert read_document(tmp_path / "many.docx").text.count("\n") == 299


def test_xlsx_declaring_a_huge_sheet_reads_only_its_cells(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["speaker", "text"])
    ws.append(["A", "我们村有老年协会。"])
    wb.save(tmp_path / "small.xlsx")
    # declare a million rows × 16,384 columns, as a hostile file does
    src = zipfile.ZipFile(tmp_path / "small.xlsx")
    with zipfile.ZipFile(tmp_path / "huge.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = data.replace(
                    b'<dimension ref="A1:B2"/>', b'<dimension ref="A1:XFD1048576"/>'
                )
                assert b"XFD1048576" in data
            out.writestr(info, data)
    raw = read_document(tmp_path / "huge.xlsx")
    assert raw.text == "A: 我们村有老年协会。"


def test_xlsx_with_too_many_cells_is_refused(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["speaker", "text"])
    ws.cell(row=5000, column=1, value="far away")
    wb.save(tmp_path / "far.xlsx")
    with pytest.raises(CasecodeError, match="max_sheet_cells"):
        read_document(tmp_path / "far.xlsx", limits=Limits(cells=1000))


def test_front_matter_alias_bomb_is_refused(tmp_path):
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    path = write(tmp_path / "bomb.md", bomb + "---\n访谈者：你好\n")
    with pytest.raises(CasecodeError, match="aliases"):
        read_document(path)


def test_deeply_nested_front_matter_is_refused(tmp_path):
    path = write(tmp_path / "deep.md", "---\na: " + "[" * 3000 + "]" * 3000 + "\n---\n问：好\n")
    with pytest.raises(CasecodeError, match="nested too deeply"):
        read_document(path)


def test_characters_per_text_file_are_limited(tmp_path):
    path = write(tmp_path / "long.txt", "访谈者：" + "好" * 5000)
    with pytest.raises(CasecodeError, match="max_document_chars") as err:
        read_document(path, limits=Limits(chars=1000))
    assert "5,004 characters" in str(err.value)


def test_any_reader_failure_becomes_that_files_error(tmp_path, monkeypatch):
    from casecode.corpus import readers

    def broken(path, **_):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setitem(readers._READERS, ".txt", broken)
    path = write(tmp_path / "a.txt", "hello")
    with pytest.raises(CasecodeError) as err:
        read_document(path)
    assert str(err.value) == f"{path}: nested too deeply to read"

    def bug(path, **_):
        raise KeyError("w:t")

    monkeypatch.setitem(readers._READERS, ".txt", bug)
    with pytest.raises(CasecodeError, match=r"cannot read this \.txt file \(KeyError"):
        read_document(path)


def test_a_batch_goes_on_past_hostile_files(tmp_path, cli, project):
    folder = tmp_path / "in"
    folder.mkdir()
    make_odt(folder / "a_space.odt", '<text:p>甲：<text:s text:c="abc"/>好</text:p>')
    deep = "<text:span>" * 5000 + "话" + "</text:span>" * 5000
    make_odt(folder / "b_deep.odt", f"<text:p>{deep}</text:p>")
    write(folder / "c_bomb.md", "---\na: &a [x]\nb: [*a, *a]\n---\n问：好\n")
    write(folder / "d_deep.yaml.md", "---\na: " + "[" * 3000 + "]" * 3000 + "\n---\n问：好\n")
    write(folder / "z_last.txt", "访谈者：最后一个文件也要导入。")
    result = cli("import", folder, "-p", project, "--json", ok=False)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    import json

    outcomes = {Path(o["path"]).name: o for o in json.loads(result.stdout)["outcomes"]}
    assert outcomes["a_space.odt"]["status"] == "imported"
    assert outcomes["z_last.txt"]["status"] == "imported"
    for name in ("b_deep.odt", "c_bomb.md", "d_deep.yaml.md"):
        assert outcomes[name]["status"] == "failed", outcomes[name]
        assert "\n" not in outcomes[name]["message"]


def test_a_failure_after_reading_fails_that_file_alone(tmp_path, cli, project, monkeypatch):
    from casecode.corpus import importing

    real = importing.split_turns

    def fragile(text, **kwargs):
        if "炸" in text:
            raise RecursionError("maximum recursion depth exceeded")
        return real(text, **kwargs)

    monkeypatch.setattr(importing, "split_turns", fragile)
    write(tmp_path / "in" / "a.txt", "访谈者：炸了吗？\n")
    write(tmp_path / "in" / "b.txt", "访谈者：好吗？\n村民：好。\n")
    result = cli("import", tmp_path / "in", "-p", project, "--json", ok=False)
    import json

    outcomes = {Path(o["path"]).name: o for o in json.loads(result.stdout)["outcomes"]}
    assert outcomes["a.txt"]["status"] == "failed"
    assert outcomes["a.txt"]["message"].startswith("cannot import (RecursionError")
    assert outcomes["b.txt"]["status"] == "imported"


def test_a_malformed_attributes_table_is_one_line(tmp_path, cli, project):
    path = write(tmp_path / "attributes.csv", 'document,role\na.txt,"' + "x" * 200_000 + "\n")
    result = cli("attributes", path, "-p", project, ok=False)
    assert result.exit_code == 1 and "internal error" not in result.stderr
    assert str(path) in result.stderr


def test_docx_paragraphs_are_counted_before_python_docx_builds_its_tree(tmp_path, monkeypatch):
    import docx

    d = docx.Document()
    for i in range(300):
        d.add_paragraph(f"第{i}段")
    d.save(tmp_path / "many.docx")

    def never(*args, **kwargs):
        raise AssertionError("python-docx was asked to build the tree")

    monkeypatch.setattr(docx, "Document", never)
    with pytest.raises(CasecodeError, match=r"too many turns or paragraphs: .*max_turns = 100"):
        read_document(tmp_path / "many.docx", limits=Limits(turns=100))
    with pytest.raises(CasecodeError, match="max_document_chars = 500"):
        read_document(tmp_path / "many.docx", limits=Limits(chars=500))
