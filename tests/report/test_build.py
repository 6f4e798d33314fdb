"""The Word report: its sections, tables against the matrix, quotes, Word machinery, languages,
templates, determinism, and what happens without data or with bad options."""

from __future__ import annotations

import shutil
import subprocess
import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn

import casecode
from conftest import build_once, copy_of, write
from samples import ANALYSIS_CODEBOOK as CODEBOOK
from samples import A, tagged_project


@pytest.fixture
def coded(_coded, tmp_path, monkeypatch):
    """Each test's own copy of the project ``_code`` built once for this module."""
    monkeypatch.setenv("CASECODE_CODER", "ann")
    return copy_of(_coded, tmp_path)


@pytest.fixture(scope="module")
def _coded(tmp_path_factory):
    return build_once(tmp_path_factory, _code, CASECODE_CODER="ann")


def _code(cli, project, tmp_path):
    # the rules suggest problems.unclear on a.txt turn 4 (说不清楚)
    tagged_project(
        cli,
        project,
        tmp_path,
        [
            ("a.txt", "2", "problems.funds"),
            ("a.txt", "4", "actors.village", "--quote", "村委会"),
            ("b.txt", "2", "actors.village"),
            ("b.txt", "3", "problems.funds"),
            ("a.txt", "2", "problems.funds", "--coder", "bo"),
        ],
    )


def headings(doc, level: int) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == f"Heading {level}"]


def table_after(doc, caption_part: str):
    """The table that follows the caption containing ``caption_part``."""
    body = list(doc.element.body.iterchildren())
    for i, el in enumerate(body):
        if el.tag == qn("w:p") and caption_part in "".join(el.itertext()):
            for nxt in body[i + 1 :]:
                if nxt.tag == qn("w:tbl"):
                    from docx.table import Table

                    return Table(nxt, doc)
    raise AssertionError(f"no table after {caption_part!r}")


def section(doc, heading: str) -> list:
    """The paragraphs under ``heading``, up to the next heading."""
    out, inside = [], False
    for p in doc.paragraphs:
        if p.style.name.startswith("Heading"):
            inside = p.text == heading
        elif inside:
            out.append(p)
    return out


def cells(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def text_of(path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_report_sections_follow_the_data(coded, cli, tmp_path):
    out = tmp_path / "r.docx"
    result = cli.json("report", "--out", out, "-p", coded)
    assert result["file"] == str(out) and result["lang"] == "zh"
    doc = Document(str(out))
    assert headings(doc, 1) == [
        "资料与方法",
        "编码本",
        "编码频次",
        "案例 × 编码矩阵",
        "编码共现",
        "分编码引文",
        "分案例分析",
    ]
    assert headings(doc, 2)[:3] == ["访谈资料", "编码过程", "编码信度与效度"]
    reliability = " ".join(p.text for p in section(doc, "编码信度与效度"))
    assert "编码者 ann / bo" in reliability and "Cohen's κ" in reliability
    assert "资金不足（problems.funds）" in headings(doc, 2)
    assert {"上坊村", "柏树村"} <= set(headings(doc, 2))
    title = [p.text for p in doc.paragraphs if p.style.name == "Title"]
    assert title == ["质性资料编码分析报告"]


def test_the_rules_are_scored_against_a_gold_coder_when_there_is_one(coded, cli, tmp_path):
    cli("tag", "a.txt", "4", "problems.unclear", "--coder", "gold", "-p", coded)
    cli("tag", "b.txt", "3", "problems.funds", "--coder", "gold", "-p", coded)
    out = tmp_path / "r.docx"
    cli("report", "--out", out, "-p", coded)
    text = " ".join(p.text for p in section(Document(str(out)), "编码信度与效度"))
    # auto suggested problems.unclear on a.txt turn 4 only: precision 1, recall 1/2
    assert "以编码者 gold 的编码为标准" in text and "精确率为 1.00，召回率为 0.50" in text


def test_tables_match_the_matrix_and_frequencies(coded, cli, tmp_path):
    out = tmp_path / "r.docx"
    cli("report", "--out", out, "-p", coded)
    doc = Document(str(out))
    matrix = cells(table_after(doc, "各案例中各编码涉及的发言轮次"))
    expected = casecode.code_matrix(coded, rows="case", level=2, measure="segments", totals=True)
    assert matrix[0] == ["编码", "上坊村", "柏树村", "合计"]
    by_label = {row[0]: row[1:] for row in matrix[1:]}
    labels = {
        "problems.funds": "资金不足",
        "problems.unclear": "权责不清",
        "actors.village": "村委会",
    }
    for code, label in labels.items():
        assert by_label[label] == [str(int(v)) for v in expected[code]]
    assert by_label["合计"] == [str(int(v)) for v in expected["Total"]]
    freq = cells(table_after(doc, "各编码的频次"))
    assert freq[0] == ["编码", "名称", "文档", "案例", "发言轮次", "编码数"]
    rows = {r[0]: r[2:] for r in freq[1:]}
    # problems.funds: a.txt turn 2 (ann and bo: two codings), b.txt turn 3
    assert rows["problems.funds"] == ["2", "2", "2", "3"]
    assert rows["actors.village"] == ["2", "2", "2", "2"]
    co = cells(table_after(doc, "同一发言轮次中同时出现的编码"))
    assert co[0][1:] == ["1", "2", "3"]  # codes numbered, most frequent first
    assert [r[0] for r in co[1:]] == ["1. 资金不足", "2. 村委会", "3. 权责不清"]
    assert co[2] == ["2. 村委会", "0", "2", "1"]


def test_quotes_cite_their_source_and_bold_the_evidence(coded, cli, tmp_path):
    out = tmp_path / "r.docx"
    cli("report", "--out", out, "--quotes", "1", "-p", coded)
    doc = Document(str(out))
    quotes = [p for p in doc.paragraphs if p.style.name == "Quote"]
    unclear = [p for p in quotes if "说不清楚" in p.text]
    assert unclear, [p.text for p in quotes]
    bold = [r.text for r in unclear[0].runs if r.bold]
    assert bold == ["说不清楚"]
    assert "村民，上坊村，a.txt，第 4 轮" in unclear[0].text
    funds = [p.text for p in section(doc, "资金不足（problems.funds）") if p.style.name == "Quote"]
    assert len(funds) == 1  # --quotes 1 per code
    case = [p.text for p in section(doc, "上坊村") if p.style.name == "Quote"]
    assert len(case) == 1 and "上坊村" in case[0]


def test_word_machinery_fonts_fields_and_styles(coded, cli, tmp_path):
    out = tmp_path / "r.docx"
    cli("report", "--out", out, "-p", coded)
    doc = Document(str(out))
    for name in ("Normal", "Heading 1", "Title"):
        fonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) in ("SimSun", "SimHei"), name
    xml = zipfile.ZipFile(out).read("word/document.xml").decode("utf-8")
    assert 'TOC \\o "1-2" \\h \\z \\u' in xml and 'w:fldCharType="separate"' in xml
    contents = [p.text for p in doc.paragraphs[: len(headings(doc, 1)) * 6]]
    assert "资料与方法" in contents and "编码频次" in contents  # listed before Word updates it
    assert 'w:instr="SEQ Table \\* ARABIC"' in xml and 'w:instr="SEQ Figure \\* ARABIC"' in xml
    assert "<w:tblHeader" in xml and 'w:fill="' in xml  # repeated headers, shaded cells
    footer = doc.sections[0].footer._element.xml
    assert 'w:instr="PAGE"' in footer
    assert any(t.style is not None and t.style.name == "Table Grid" for t in doc.tables)
    assert doc.inline_shapes, "the bar chart"


def test_same_store_same_options_same_document(coded, cli, tmp_path):
    first, second = tmp_path / "1.docx", tmp_path / "2.docx"
    cli("report", "--out", first, "-p", coded)
    cli("report", "--out", second, "-p", coded)
    read = lambda p: zipfile.ZipFile(p).read("word/document.xml")  # noqa: E731
    assert read(first) == read(second)
    assert text_of(first) == text_of(second)


def test_english_report_and_options(coded, cli, tmp_path):
    out = tmp_path / "en.docx"
    result = cli.json(
        "report", "--out", out, "--lang", "en", "--title", "County A study", "--codes",
        "problems", "--status", "accepted", "--appendix", "-p", coded,
    )  # fmt: skip
    doc = Document(str(out))
    assert [p.text for p in doc.paragraphs if p.style.name == "Title"] == ["County A study"]
    assert "Material and method" in headings(doc, 1) and "Appendix: every coding" in headings(
        doc, 1
    )
    assert "Insufficient funds (problems.funds)" in headings(doc, 2)
    assert not any("actors" in h for h in headings(doc, 2))  # --codes problems
    appendix = cells(table_after(doc, "Every coding"))
    assert appendix[0] == ["Document", "Turn", "Code", "Text", "Coder", "Status"]
    assert {r[5] for r in appendix[1:]} == {"accepted"}  # the open suggestion is left out
    assert result["appendix"] is True


def test_a_template_lends_its_styles_and_loses_its_text(coded, cli, tmp_path):
    template = Document()
    template.add_paragraph("模板里的旧内容")
    heading = template.styles["Heading 1"]
    heading.font.name = "Arial"
    fonts = heading.element.rPr.find(qn("w:rFonts"))
    fonts.set(qn("w:eastAsia"), "KaiTi")
    template.save(tmp_path / "t.docx")
    out = tmp_path / "r.docx"
    cli("report", "--out", out, "--template", tmp_path / "t.docx", "-p", coded)
    doc = Document(str(out))
    assert "模板里的旧内容" not in text_of(out)
    fonts = doc.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "KaiTi" and fonts.get(qn("w:ascii")) == "Arial"


def test_a_dotx_template_is_used(coded, cli, tmp_path):
    Document().save(tmp_path / "t.docx")
    with zipfile.ZipFile(tmp_path / "t.docx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"wordprocessingml.document.main+xml", b"wordprocessingml.template.main+xml"
    )
    with zipfile.ZipFile(tmp_path / "t.dotx", "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    out = tmp_path / "r.docx"
    cli("report", "--out", out, "--template", tmp_path / "t.dotx", "-p", coded)
    assert "资料与方法" in headings(Document(str(out)), 1)
    assert out.stat().st_mode & 0o044  # readable by others, like the other files written


def test_quotes_prefer_the_reports_language_and_unquoted_turns(tmp_path):
    from casecode.report.content import Quote, pick_quotes

    def q(doc, turn, lang, reviewed=False, confidence=0.6):
        return Quote("x", (), "s", "c", doc, turn, "k", reviewed, confidence, lang)

    english, chinese = q("en.txt", 1, "en", confidence=1.0), q("zh.txt", 1, "zh")
    assert pick_quotes([english, chinese], 1, lang="zh") == [chinese]
    assert pick_quotes([english, chinese], 1, lang="en") == [english]
    reviewed = q("en.txt", 2, "en", reviewed=True)
    assert pick_quotes([chinese, reviewed], 1, lang="zh") == [reviewed]  # reviewed comes first
    used = {("zh.txt", 1)}
    other = q("zh.txt", 2, "zh", confidence=0.4)
    assert pick_quotes([chinese, other], 1, lang="zh", used=used) == [other]
    assert ("zh.txt", 2) in used


def test_excerpts_cut_at_word_and_clause_boundaries():
    from casecode.report.content import excerpt

    text = "word " * 60 + "township matters here " + "more " * 60
    cut, bold = excerpt(text, [(text.index("township"), text.index("township") + 8)])
    assert cut.startswith("…word") and cut.endswith("more…")
    assert [cut[s:e] for s, e in bold] == ["township"]
    zh = "老人的事谁都管，又谁都不管，权责不清。" * 6 + "资金的问题一直存在，" * 6
    cut, bold = excerpt(zh, [(zh.index("资金"), zh.index("资金") + 2)], 60)
    assert cut[1] in "老又权资" and cut[-2] in "，。"  # after and before a clause mark
    assert [cut[s:e] for s, e in bold] == ["资金"]


def test_no_quotes_means_no_quote_sections_and_subsets_say_so(coded, cli, tmp_path):
    out = tmp_path / "r.docx"
    cli("report", "--out", out, "--quotes", "0", "--codes", "problems", "-p", coded)
    doc = Document(str(out))
    assert "分编码引文" not in headings(doc, 1)
    assert "本报告只涉及以下编码及其下级编码" in text_of(out)
    assert not [p for p in doc.paragraphs if p.style.name == "Quote"]


def test_codes_and_cases_without_codings_are_left_out(coded, cli, tmp_path):
    out = tmp_path / "r.docx"
    cli("report", "--out", out, "--coder", "bo", "-p", coded)
    doc = Document(str(out))
    freq = cells(table_after(doc, "各编码的频次"))
    assert [r[0] for r in freq[1:]] == ["problems.funds"]
    assert "另有 2 个编码" in text_of(out)
    matrix = cells(table_after(doc, "各案例中各编码涉及的发言轮次"))
    assert matrix[0] == ["编码", "上坊村", "合计"]  # 柏树村 has nothing by bo
    assert "上坊村" in headings(doc, 2) and "柏树村" not in headings(doc, 2)


def test_without_a_chinese_font_the_chart_is_labelled_by_id(coded, tmp_path, monkeypatch):
    from casecode.report import build, chart

    monkeypatch.setattr(build, "cjk_font", lambda: None)  # where the report looks it up
    drawn = []
    real = chart.bar_chart
    monkeypatch.setattr(
        build,
        "bar_chart",
        lambda bars, axis, font: drawn.append((bars, axis)) or real(bars, axis, font),
    )
    result = casecode.build_report(coded, tmp_path / "r.docx")
    ((bars, axis),) = drawn
    assert not chart.needs_cjk([axis, *(label for label, _ in bars)])  # nothing drawn as boxes
    assert result["chart"] is True
    assert any(
        "No font with Chinese characters" in w or "中文字体" in w for w in result["warnings"]
    )
    assert "中文字体" in text_of(tmp_path / "r.docx")


def test_sections_without_data_are_left_out(project, cli, tmp_path):
    cli("import", write(tmp_path / "a.txt", A), "-p", project)
    cli("codebook", "use", write(tmp_path / "cb.yaml", CODEBOOK), "-p", project)
    out = tmp_path / "r.docx"
    result = cli.json("report", "--out", out, "-p", project)
    doc = Document(str(out))
    assert headings(doc, 1) == ["资料与方法", "编码本"]
    assert result["chart"] is False and result["quotes"] == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--out", "r.pdf"], "a report is a .docx file"),
        (["--out", "missing/r.docx"], "the folder does not exist"),
        (["--status", "suggested"], "unknown status 'suggested'"),
        (["--template", "nope.docx"], "no such template"),
        (["--quotes", "-1"], "--quotes is a number"),
        (["--lang", "fr"], "unknown language 'fr'"),
        (["--codes", "nosuch"], "no code 'nosuch'"),
    ],
)
def test_bad_options_are_one_line_errors(coded, cli, args, message):
    result = cli("report", *args, "-p", coded, ok=False)
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_broken_template_is_refused_and_nothing_is_written(coded, cli, tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = cli("report", "--out", tmp_path / "r.docx", "--template", bad, "-p", coded, ok=False)
    assert "not a Word .docx or .dotx file (save the template as .docx)" in result.stderr
    assert not (tmp_path / "r.docx").exists()


def test_a_project_without_a_codebook_says_so(project, cli, tmp_path):
    cli("import", write(tmp_path / "a.txt", A), "-p", project)
    assert "no codebook" in cli("report", "-p", project, ok=False).stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_the_report_to_pdf(coded, cli, tmp_path):
    out = tmp_path / "r.docx"
    cli("report", "--out", out, "-p", coded)
    done = subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        capture_output=True,
        timeout=180,
    )
    assert done.returncode == 0 and (tmp_path / "r.pdf").stat().st_size > 10_000
