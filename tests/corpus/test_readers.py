from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from casecode import CasecodeError
from casecode.corpus.readers import Columns, read_document
from conftest import write


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph("柏树村老年协会访谈")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "访谈时间"
    table.cell(0, 1).text = "2025年7月9日"
    table.cell(1, 0).text = "地点"
    table.cell(1, 1).text = "互助幸福院"
    d.add_paragraph("访谈者: 协会是怎么管理的？")
    d.add_paragraph("李会长：我们有理事会。")
    d.add_paragraph("每月账目公开。")
    d.save(path)
    return path


def test_docx_paragraphs_and_table_cells_in_reading_order(tmp_path):
    raw = read_document(make_docx(tmp_path / "a.docx"))
    assert raw.text.split("\n") == [
        "柏树村老年协会访谈",
        "访谈时间：2025年7月9日",
        "地点：互助幸福院",
        "访谈者: 协会是怎么管理的？",
        "李会长：我们有理事会。",
        "每月账目公开。",
    ]
    assert raw.format == "docx" and raw.encoding is None


def test_docx_two_column_transcript_table_becomes_labelled_lines(tmp_path):
    import docx

    from casecode import split_turns

    d = docx.Document()
    t = d.add_table(rows=3, cols=2)
    for i, (who, said) in enumerate([("访谈者", "您好"), ("受访者", "你好"), ("访谈者", "谢谢")]):
        t.cell(i, 0).text, t.cell(i, 1).text = who, said
    d.save(tmp_path / "t.docx")
    raw = read_document(tmp_path / "t.docx")
    assert [(s.speaker, raw.text[s.start : s.end]) for s in split_turns(raw.text)] == [
        ("访谈者", "您好"),
        ("受访者", "你好"),
        ("访谈者", "谢谢"),
    ]


@pytest.mark.parametrize("suffix", [".docx", ".xlsx", ".odt"])
def test_corrupt_office_files_are_refused(tmp_path, suffix):
    bad = write(tmp_path / f"bad{suffix}", "this is not a zip file at all")
    with pytest.raises(CasecodeError, match=rf"bad{suffix}: corrupt or unreadable"):
        read_document(bad)


def test_docx_that_is_a_zip_without_a_document_is_refused(tmp_path):
    path = tmp_path / "empty.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(CasecodeError, match="corrupt or unreadable .docx"):
        read_document(path)


def test_odt_paragraphs(tmp_path):
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        "<office:body><office:text>"
        '<text:h>Title</text:h><text:p>Q: one<text:s text:c="2"/>two</text:p><text:p>A: three</text:p>'
        "</office:text></office:body></office:document-content>"
    )
    path = tmp_path / "a.odt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("content.xml", content)
    assert read_document(path).text == "Title\nQ: one  two\nA: three"


def test_csv_one_row_per_turn(tmp_path):
    path = write(
        tmp_path / "t.csv",
        'time,speaker,text\n00:00:03,Interviewer,"Hello, welcome"\n00:00:09,Huang,"Yes.\nTwo lines"\n,,\n',
    )
    raw = read_document(path)
    assert raw.text == "[00:00:03] Interviewer: Hello, welcome\n[00:00:09] Huang: Yes.\nTwo lines"
    assert [(s.speaker, s.timestamp, raw.text[s.start : s.end]) for s in raw.segments] == [
        ("Interviewer", "00:00:03", "Hello, welcome"),
        ("Huang", "00:00:09", "Yes.\nTwo lines"),
    ]
    assert raw.segments[1].label_start == raw.text.index("[00:00:09]")


def test_csv_in_gbk_with_chinese_column_names(tmp_path):
    path = write(
        tmp_path / "t.csv",
        "说话人,内容\n访谈者,您好，请问互助幸福院什么时候建的？\n受访者,二〇一九年建的，老人在这里吃饭。\n",
        "gbk",
    )
    raw = read_document(path)
    assert raw.encoding == "gb18030"
    assert raw.text.splitlines()[0] == "访谈者：您好，请问互助幸福院什么时候建的？"


def test_table_columns_can_be_named(tmp_path):
    path = write(tmp_path / "t.csv", "who,words\nQ,hi\nA,hello\n")
    with pytest.raises(CasecodeError, match=r"t.csv: no text column .*--text-column"):
        read_document(path)
    raw = read_document(path, columns=Columns(text="words", speaker="who"))
    assert [s.speaker for s in raw.segments] == ["Q", "A"]
    with pytest.raises(CasecodeError, match="no column 'speech' for the text"):
        read_document(path, columns=Columns(text="speech"))


def test_xlsx_one_row_per_turn(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Speaker", "Text", "Time"])
    ws.append(["访谈者", "您好", "00:01"])
    ws.append(["受访者", "我们村有互助幸福院", None])
    ws.append([None, None, None])
    wb.save(tmp_path / "t.xlsx")
    raw = read_document(tmp_path / "t.xlsx")
    assert raw.text == "[00:01] 访谈者：您好\n受访者：我们村有互助幸福院"
    assert [raw.text[s.start : s.end] for s in raw.segments] == ["您好", "我们村有互助幸福院"]


def test_front_matter_is_metadata_and_turns_start_after_it(tmp_path):
    text = "---\ntitle: 访谈\ncase: 上坊村\nrole: 村支书\n---\n访谈者：您好\n"
    raw = read_document(write(tmp_path / "a.md", text))
    assert raw.metadata == {"title": "访谈", "case": "上坊村", "role": "村支书"}
    assert raw.text == text  # stored exactly
    assert raw.text[raw.body_start :].startswith("访谈者")


def test_broken_front_matter_names_the_file_and_line(tmp_path):
    path = write(tmp_path / "a.md", "---\ntitle: [unclosed\n---\n访谈者：您好\n")
    with pytest.raises(CasecodeError, match=r"a.md:\d+: front matter is not valid YAML"):
        read_document(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.pdf", b"%PDF-1.4", "corrupt or unreadable .pdf"),
        ("notes.rtf", b"{\\rtf1}", "unsupported file type '.rtf'"),
        ("empty.txt", b"", "empty file"),
        ("blank.md", b"\n\n  \n", "empty file"),
        ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "binary file"),
    ],
)
def test_bad_files_are_refused_with_the_cause(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CasecodeError, match=message) as info:
        read_document(path)
    assert name in str(info.value)


def test_files_over_the_size_limit_are_refused(tmp_path):
    path = write(tmp_path / "big.txt", "Q: " + "x" * 2000)
    with pytest.raises(CasecodeError, match="over the 0.00 MB limit"):
        read_document(path, max_bytes=1000)


def test_import_records_the_script_of_chinese_documents(tmp_path, project):
    import casecode
    from conftest import write

    write(tmp_path / "t" / "hant.txt", "問：村裡怎麼樣？\n答：村民委員會說經費不足，權責不清。\n")
    write(tmp_path / "t" / "hans.txt", "问：村里怎么样？\n答：村民委员会说经费不足，权责不清。\n")
    write(tmp_path / "t" / "en.txt", "Q: How is it?\nA: Fine.\n")
    casecode.import_documents(project, [tmp_path / "t"])
    scripts = {d["name"]: d["script"] for d in casecode.list_documents(project)}
    assert scripts == {"hant.txt": "zh-Hant", "hans.txt": "zh-Hans", "en.txt": None}
