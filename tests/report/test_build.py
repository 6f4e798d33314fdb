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

# the analysis codebook whose rule finds two words in a.txt turn 4 (confidence 0.75)
STRONG = CODEBOOK.replace("keywords: {zh: [说不清楚]}", "keywords: {zh: [说不清楚, 村委会]}")
# the analysis codebook with a weak single-keyword rule (拨款, 0.5) and a two-word English rule
ANALYSIS_CODEBOOK_WITH_RULES = CODEBOOK.replace(
    "en: Late funding}\n            definition: x\n",
    "en: Late funding}\n            definition: x\n"
    "            rules:\n"
    "              - {id: late-words, keywords: {zh: [拨款]}}\n"
    "              - {id: short-money, keywords: {en: [money, every year]}}\n",
)


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
    """The table that follows the caption (or heading) containing ``caption_part``."""
    body = list(doc.element.body.iterchildren())
    for i, el in enumerate(body):
        style = el.find(f"{qn('w:pPr')}/{qn('w:pStyle')}") if el.tag == qn("w:p") else None
        named = style is not None and style.get(qn("w:val")).startswith(("Caption", "Heading"))
        if named and caption_part in "".join(el.itertext()):
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


def title_page(doc) -> str:
    """The text of the title page (everything before the contents)."""
    out = []
    for p in doc.paragraphs:
        if p.style.name == "TOC Heading":
            break
        out.append(p.text)
    return "\n".join(out)


def quotes_of(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == "Quote"]


def build(cli, project, tmp_path, *args) -> Document:
    out = tmp_path / "r.docx"
    cli("report", "--out", out, "--force", *args, "-p", project)
    return Document(str(out))


# ------------------------------------------------------------------------- structure


def test_sections_are_numbered_and_the_codebook_is_an_appendix(coded, cli, tmp_path):
    out = tmp_path / "r.docx"
    result = cli.json("report", "--out", out, "-p", coded)
    assert result["file"] == str(out) and result["lang"] == "zh" and result["kind"] == "interview"
    doc = Document(str(out))
    assert headings(doc, 1) == [
        "一、资料与方法",
        "二、编码概况",
        "三、案例与群体比较",
        "四、编码共现",
        "五、分编码引文",
        "六、分案例分析",
        "附录一　编码本",
    ]
    assert headings(doc, 2)[:3] == ["（一）访谈资料", "（二）编码过程", "（三）编码信度"]
    # labels only: code ids are in the appendix, never in a heading
    assert "（二）资金不足" in headings(doc, 2) or "1. 资金不足" in headings(doc, 3)
    assert not any("problems" in h for level in (1, 2, 3) for h in headings(doc, level))
    appendix = cells(table_after(doc, "附录一　编码本"))
    assert appendix[0][:2] == ["编码", "编码代号"]  # Chinese label first, then the id
    ids = [row[1].replace("\u200b", "") for row in appendix[1:]]
    assert "problems.funds" in ids and "actors.village" in ids
    assert {"（一）上坊村", "（二）柏树村"} <= set(headings(doc, 2))
    title = [p.text for p in doc.paragraphs if p.style.name == "Title"]
    assert title == ["质性资料编码分析报告"]


def test_english_sections_are_numbered_1_and_1_1(coded, cli, tmp_path):
    doc = build(cli, coded, tmp_path, "--lang", "en", "--appendix")
    assert headings(doc, 1)[:2] == ["1 Material and method", "2 Codes at a glance"]
    assert headings(doc, 2)[:2] == ["1.1 Material", "1.2 Coding"]
    assert headings(doc, 1)[-2:] == ["Appendix A  The codebook", "Appendix B  Every coding"]


# ------------------------------------------------------------------------- honest status


def test_the_title_page_and_method_state_the_status_of_every_coding(coded, cli, tmp_path):
    doc = build(cli, coded, tmp_path)
    front = title_page(doc)
    # ann: 4 manual, bo: 1 manual, auto: 1 open suggestion (problems.unclear on a.txt turn 4)
    assert "共 6 条编码——人工编码 5 条，已接受的机器建议 0 条，待审阅的机器建议 1 条" in front
    assert "编码者：ann、auto、bo" in front
    assert "计入：已确认的编码（人工编码与已接受的建议）；编码者：ann、bo" in front
    assert "注意" not in front  # nothing unreviewed is counted
    method = " ".join(p.text for p in section(doc, "（二）编码过程"))
    assert "机器建议共 1 条，均未经研究者审阅" in method and "研究者人工编码 5 条" in method
    # the default counts confirmed codings only: auto's open suggestion is not counted
    freq = cells(table_after(doc, "各编码涉及的发言轮次"))
    assert "权责不清" not in [r[0] for r in freq]
    assert "未被使用的编码（1 个）：权责不清" in text_of(tmp_path / "r.docx")


def test_unreviewed_suggestions_are_counted_with_a_visible_notice(project, cli, tmp_path):
    tagged_project(cli, project, tmp_path, [])
    cli("codebook", "use", write(tmp_path / "strong.yaml", STRONG), "-p", project)
    cli("code", "-p", project)  # the rules' suggestion only
    out = tmp_path / "r.docx"
    result = cli.json("report", "--out", out, "-p", project)
    assert result["counted"] == ["suggested"]
    doc = Document(str(out))
    front = title_page(doc)
    assert "计入：未经审阅的机器建议" in front
    assert "注意：本报告的结果来自未经研究者审阅的机器编码建议" in front
    (quote,) = quotes_of(doc)
    assert "说不清楚" in quote and "〔机器建议，未审阅，置信度 " in quote
    body = list(doc.element.body.iterchildren())
    figure = next(
        i for i, el in enumerate(body) if "各编码涉及的发言轮次数" in "".join(el.itertext())
    )
    under = "".join(body[figure + 1].itertext())  # the chart's note says what it counts
    assert "计入：未经审阅的机器建议" in under
    assert any("not reviewed yet" in w or "reviewed yet" in w for w in result["warnings"])


def test_every_quote_is_marked_with_its_status(coded, cli, tmp_path):
    cli("codebook", "use", write(tmp_path / "strong.yaml", STRONG), "-p", coded)
    cli("code", "-p", coded)
    doc = build(cli, coded, tmp_path, "--status", "all")
    marks = [q for q in quotes_of(doc)]
    assert marks and all("〔已确认〕" in q or "〔机器建议，未审阅，置信度" in q for q in marks)
    assert any("〔机器建议，未审阅，置信度 " in q for q in marks)  # auto's, with --status all
    assert any("〔已确认〕" in q for q in marks)


def test_reliability_is_reported_per_code_or_said_to_be_missing(coded, cli, tmp_path):
    doc = build(cli, coded, tmp_path)
    text = " ".join(p.text for p in section(doc, "（三）编码信度"))
    assert "编码者 ann / bo 独立编码了" in text and "Cohen's κ" in text
    per_code = cells(table_after(doc, "各编码的编码者间一致性"))
    assert per_code[0] == ["编码", "一致率", "Cohen's κ", "Krippendorff's α"]
    assert "资金不足" in [r[0] for r in per_code[1:]]
    cli("untag", "a.txt", "2", "problems.funds", "--coder", "bo", "-p", coded)
    doc = build(cli, coded, tmp_path)
    text = " ".join(p.text for p in section(doc, "（三）编码信度"))
    assert "本项目未做编码信度检验" in text


def test_the_rules_are_scored_against_a_gold_coder_when_there_is_one(coded, cli, tmp_path):
    cli("tag", "a.txt", "4", "problems.unclear", "--coder", "gold", "-p", coded)
    cli("tag", "b.txt", "3", "problems.funds", "--coder", "gold", "-p", coded)
    doc = build(cli, coded, tmp_path)
    text = " ".join(p.text for p in section(doc, "（三）编码信度"))
    # auto suggested problems.unclear on a.txt turn 4 only: precision 1, recall 1/2
    assert "以编码者 gold 的编码为标准" in text and "精确率为 1.00，召回率为 0.50" in text
    # several coders are counted together, and the notes say a turn counts once
    assert "计入了 3 位编码者的编码：同一发言轮次被几位编码者编码也只计一次" in text_of(
        tmp_path / "r.docx"
    )


# ------------------------------------------------------------------------- counts


def test_tables_count_coded_turns_as_the_matrix_does_and_say_so(coded, cli, tmp_path):
    doc = build(cli, coded, tmp_path)
    expected = casecode.code_matrix(coded, rows="case", level=2, totals=True)
    matrix = cells(table_after(doc, "各案例中各编码涉及的发言轮次数"))
    assert matrix[0] == ["编码", "上坊村", "柏树村", "合计"]
    by_label = {row[0]: row[1:] for row in matrix[1:]}
    for code, label in {"problems.funds": "资金不足", "actors.village": "村委会"}.items():
        assert by_label[label] == [str(int(v)) for v in expected[code]]
    assert by_label["合计"] == [str(int(v)) for v in expected["Total"]]
    assert by_label["问题"] == ["问题", "问题", "问题"]  # a category heads its group, merged
    freq = cells(table_after(doc, "各编码涉及的发言轮次、文档与案例"))
    assert freq[0] == ["编码", "文档", "案例", "发言轮次"]
    rows = {r[0]: r[1:] for r in freq[1:]}
    # problems.funds: a.txt turn 2 (ann and bo: one turn), b.txt turn 3
    assert rows["资金不足"] == ["2", "2", "2"] and rows["村委会"] == ["2", "2", "2"]
    assert rows["问题"] == ["问题", "问题", "问题"]
    notes = [p.text for p in doc.paragraphs if "计数口径：发言轮次数" in p.text]
    assert len(notes) >= 3  # under the frequencies, the matrix and the co-occurrence


def test_cooccurrence_is_jaccard_with_an_unshaded_diagonal(coded, cli, tmp_path):
    cli("tag", "b.txt", "3", "actors.village", "-p", coded)
    doc = build(cli, coded, tmp_path)
    table = table_after(doc, "编码两两共现的 Jaccard 系数")
    co = cells(table)
    assert co[0][1:] == ["1", "2"]
    assert [r[0] for r in co[1:]] == ["1. 村委会", "2. 资金不足"]
    # village: a4, b2, b3; funds: a2, b3 → both in b3, either in 4 turns
    assert co[1][1:] == ["—", "0.25"] and co[2][1:] == ["0.25", "—"]
    diagonal = table.rows[1].cells[1]._tc
    assert diagonal.find(f"{qn('w:tcPr')}/{qn('w:shd')}") is None
    assert table.rows[1].cells[2]._tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}") is not None
    expected = casecode.cooccurrence(coded, level=2, measure="jaccard")
    assert expected.loc["actors.village", "problems.funds"] == 0.25


def test_the_case_matrix_shades_shares_not_raw_counts(coded, cli, tmp_path):
    doc = build(cli, coded, tmp_path)
    table = table_after(doc, "各案例中各编码涉及的发言轮次数")
    fills = {}
    for row in table.rows[1:]:
        for k, cell in enumerate(row.cells[1:3]):
            shd = cell._tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}")
            fills[(row.cells[0].text, k)] = None if shd is None else shd.get(qn("w:fill"))
    # each case has two coded turns, one per code: the same share, the same shade
    assert fills[("资金不足", 0)] == fills[("村委会", 0)] == fills[("资金不足", 1)] is not None


# ------------------------------------------------------------------------- analytic tables


def test_framework_matrix_and_groups_by_attribute(coded, cli, tmp_path):
    write(
        tmp_path / "t2" / "c.txt",
        "---\ncase: 新塘村\nrole: 会长\n---\n访谈者：钱呢？\n会长：经费一直不够，拨款很慢。\n"
        "访谈者：还有呢？\n会长：没有了。\n",
    )
    cli("import", tmp_path / "t2" / "c.txt", "-p", coded)
    cli("tag", "c.txt", "2", "problems.funds", "-p", coded)
    doc = build(cli, coded, tmp_path)
    frame = cells(table_after(doc, "各案例在各主题下的关键引文"))
    assert frame[0] == ["案例", "问题", "主体"]
    rows = {r[0]: r[1:] for r in frame[1:]}
    assert rows["新塘村"][0].startswith("“经费一直不够") and rows["新塘村"][0].endswith("（1）")
    assert rows["新塘村"][1] == "—"
    by_role = cells(table_after(doc, "不同“身份”的资料中各主题所占比例"))
    assert by_role[0] == ["组别", "文档", "问题", "主体"]
    groups = {r[0]: r[1:] for r in by_role[1:]}
    # 会长: b.txt (funds b3, village b2) and c.txt (funds c2): 3 coded turns
    assert groups["会长"] == ["2", "67%（2/2）", "33%（1/2）"]
    assert groups["村支书"] == ["1", "50%（1/1）", "50%（1/1）"]
    same = casecode.code_matrix(coded, rows="role", level=1, percent="row")
    assert round(same.loc["会长", "problems"]) == 67
    assert "同 casecode matrix --rows role --level 1 --percent row" in text_of(tmp_path / "r.docx")


def test_memos_of_codes_and_cases_are_included(coded, cli, tmp_path):
    cli("memo", "add", "资金问题集中在拨款环节。", "--code", "problems.funds", "-p", coded)
    cli("memo", "add", "书记很谨慎。", "--doc", "a.txt", "-p", coded)
    doc = build(cli, coded, tmp_path)
    text = text_of(tmp_path / "r.docx")
    assert "备忘录：资金问题集中在拨款环节。" in text and "备忘录：书记很谨慎。" in text
    case = " ".join(p.text for p in section(doc, "（一）上坊村"))
    assert "书记很谨慎" in case


# ------------------------------------------------------------------------- quotes


def test_quotes_are_attributed_by_role_and_case_without_extensions(coded, cli, tmp_path):
    doc = build(cli, coded, tmp_path, "--quotes", "1")
    quotes = quotes_of(doc)
    funds = [q for q in quotes if "钱不够" in q]
    assert funds and "—— 村支书，上坊村（a，第 2 轮）" in funds[0]
    assert not any(".txt" in q for q in quotes)
    para = next(p for p in doc.paragraphs if p.style.name == "Quote" and "村委会说不清楚" in p.text)
    assert [r.text for r in para.runs if r.bold] == ["村委会"]  # the evidence, in bold


def test_a_turn_is_never_quoted_twice(coded, cli, tmp_path):
    cli("tag", "a.txt", "2", "actors.village", "-p", coded)  # a.txt turn 2 under two codes
    doc = build(cli, coded, tmp_path, "--quotes", "5")
    cites = [q.rsplit("——", 1)[1].split("〔")[0].strip() for q in quotes_of(doc)]
    assert cites and len(cites) == len(set(cites))


def test_pseudonyms_replace_real_names(coded, cli, tmp_path):
    write(coded / "pseudonyms.csv", "name,pseudonym\n上坊村,甲村\n村委会,某委员会\n")
    doc = build(cli, coded, tmp_path)
    text = text_of(tmp_path / "r.docx")
    assert "上坊村" not in text and "甲村" in text and "（一）甲村" in headings(doc, 2)
    assert any(
        "村支书，甲村（a，第 4 轮）" in q and "某委员会说不清楚" in q for q in quotes_of(doc)
    )


def test_weak_single_keyword_suggestions_are_not_quoted(tmp_path):
    from casecode.report.content import Quote, pick_quotes

    def q(doc, turn, lang, reviewed=False, confidence=0.6, evidence=("x",)):
        return Quote("x", (), "s", doc, doc, turn, "k", reviewed, confidence, lang,
                     frozenset(evidence))  # fmt: skip

    english, chinese = q("en.txt", 1, "en", confidence=1.0), q("zh.txt", 1, "zh")
    # one of each language before a second of any, the report's language first
    assert pick_quotes([english, chinese], 2, lang="zh") == [chinese, english]
    reviewed = q("zh.txt", 2, "zh", reviewed=True)
    assert pick_quotes([chinese, reviewed], 1, lang="zh") == [reviewed]  # confirmed first
    used = {("zh.txt", 1)}
    other = q("zh.txt", 3, "zh", confidence=0.4)
    assert pick_quotes([chinese, other], 1, lang="zh", used=used) == [other]
    assert ("zh.txt", 3) in used
    same = q("zh.txt", 4, "zh", confidence=0.9, evidence=("y",))
    fresh = q("zh.txt", 5, "zh", confidence=0.7, evidence=("z",))
    echo = q("zh.txt", 6, "zh", confidence=0.8, evidence=("y",))
    assert pick_quotes([same, echo, fresh], 2, lang="zh") == [same, fresh]  # distinct evidence


def test_weak_matches_are_left_out_and_english_is_quoted_with_a_note(project, cli, tmp_path):
    codebook = ANALYSIS_CODEBOOK_WITH_RULES
    write(tmp_path / "t" / "a.txt", A)
    write(
        tmp_path / "t" / "e.txt",
        "---\ncase: Hill\nrole: volunteer\n---\nInterviewer: How is it?\nVolunteer: The money "
        "is short every year. We cannot pay the cook.\n",
    )
    cli("import", tmp_path / "t", "-p", project)
    cli("codebook", "use", write(tmp_path / "cb.yaml", codebook), "-p", project)
    cli("code", "-p", project)
    doc = build(cli, project, tmp_path)
    quotes = quotes_of(doc)
    english = [q for q in quotes if "money" in q]
    assert english and "（英文原文，未翻译）" in english[0]
    assert "volunteer，Hill（e，第 2 轮）" in english[0]
    assert not any("拨款也慢" in q for q in quotes)  # a 0.5 single-keyword match
    assert "置信度低于 0.6 的单一关键词匹配不作引用" in text_of(tmp_path / "r.docx")


def test_excerpts_keep_whole_sentences_when_they_fit():
    from casecode.report.content import excerpt, sentence_bounds

    text = "第一句话很长很长。第二句有资金问题。第三句也在。" * 8
    cut, bold = excerpt(text, [(text.index("资金"), text.index("资金") + 2)], 30)
    assert cut.lstrip("…").startswith("第") and cut.rstrip("…").endswith("。")
    assert [cut[s:e] for s, e in bold] == ["资金"]
    said = "He said no. The money is short! We wait."
    assert said[slice(*sentence_bounds(said, 16, 21))] == "The money is short!"


def test_excerpts_cut_at_word_and_clause_boundaries():
    from casecode.report.content import excerpt

    text = "word " * 60 + "township matters here " + "more " * 60
    cut, bold = excerpt(text, [(text.index("township"), text.index("township") + 8)])
    assert cut.startswith("…word") and cut.endswith("more…")
    assert [cut[s:e] for s, e in bold] == ["township"]


# ------------------------------------------------------------------------- documents


REGULATION = (
    "---\ncase: 某市养老服务条例\n---\n某市养老服务条例\n\n"
    "（2015年3月1日某市人民代表大会常务委员会通过　根据2020年5月1日决定修正）\n\n"
    "第一条　为了发展养老服务，满足老年人需求，制定本条例。\n\n"
    "第二条　村民委员会应当协助做好养老服务工作，资金不足的由财政补助。\n\n"
    "（一）组织老年人开展互助活动；\n\n"
)


def test_a_project_of_documents_speaks_of_documents_and_articles(project, cli, tmp_path):
    cli("import", write(tmp_path / "reg.txt", REGULATION), "-p", project)
    cli("codebook", "use", write(tmp_path / "cb.yaml", CODEBOOK), "-p", project)
    para = {t["n"]: t for t in cli.json("show", "reg.txt", "-p", project)["turns"]}
    history = next(n for n, t in para.items() if "修正" in t["text"])
    article = next(n for n, t in para.items() if "村民委员会" in t["text"])
    item = next(n for n, t in para.items() if "互助活动" in t["text"])
    cli("tag", "reg.txt", str(history), "actors.village", "-p", project)
    cli("tag", "reg.txt", str(article), "actors.village", "--quote", "村民委员会", "-p", project)
    cli("tag", "reg.txt", str(item), "problems.funds", "-p", project)
    out = tmp_path / "r.docx"
    result = cli.json("report", "--out", out, "-p", project)
    assert result["kind"] == "document"
    doc = Document(str(out))
    text = text_of(out)
    assert "访谈" not in text and "发言轮次" not in text and "轮" not in text.replace("轮廓", "")
    assert "（一）文件资料" in headings(doc, 2) and "段落" in text
    quotes = quotes_of(doc)
    assert any("《reg》第二条" in q for q in quotes)
    assert any("《reg》第二条" in q and "互助活动" in q for q in quotes)  # an item of article 2
    assert not any("修正" in q for q in quotes)  # revision history is not quoted


def test_many_or_long_case_names_are_numbered_with_a_key(project, cli, tmp_path):
    for k in range(1, 9):
        write(
            tmp_path / "t" / f"d{k}.txt",
            f"---\ncase: 第{k}号很长很长的案例名称\n---\n村委会说不清楚。\n",
        )
    cli("import", tmp_path / "t", "-p", project)
    cli("codebook", "use", write(tmp_path / "cb.yaml", CODEBOOK), "-p", project)
    for k in range(1, 9):
        cli("tag", f"d{k}.txt", "1", "actors.village", "-p", project)
    doc = build(cli, project, tmp_path)
    matrix = cells(table_after(doc, "各案例中各编码涉及的段落数"))
    assert matrix[0] == ["编码", *(str(k) for k in range(1, 9)), "合计"]
    assert "案例编号：1 = 第1号很长很长的案例名称" in text_of(tmp_path / "r.docx")


# ------------------------------------------------------------------------- Word machinery


def test_word_machinery_pages_fields_fonts_and_properties(coded, cli, tmp_path):
    out = tmp_path / "r.docx"
    cli("report", "--out", out, "--author", "王老师", "--title", "东岭镇调查", "-p", coded)
    doc = Document(str(out))
    for name in ("Normal", "Heading 1", "Title"):
        fonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) in ("SimSun", "SimHei"), name
    for name in ("Quote", "Subtitle", "Caption"):
        assert doc.styles[name].font.italic is not True, name  # no synthetic italics
    assert not [r for p in doc.paragraphs for r in p.runs if r.italic and r.text.strip()]
    xml = zipfile.ZipFile(out).read("word/document.xml").decode("utf-8")
    # contents: each heading's page number is a PAGEREF to a bookmark on the heading
    marks = [b.get(qn("w:name")) for b in doc.element.body.iter(qn("w:bookmarkStart"))]
    assert marks and all(f"PAGEREF {m} \\h" in xml for m in marks)
    assert 'w:instr="SEQ Table \\* ARABIC"' in xml and 'w:instr="SEQ Figure \\* ARABIC"' in xml
    assert "<w:tblHeader" in xml
    # an unnumbered title page; the body's pages numbered from 1, under a running header
    title, body = doc.sections
    assert not title.footer.paragraphs[0].text and not title.header.paragraphs[0].text
    assert body.header.paragraphs[0].text == "东岭镇调查 · " + casecode.Project(coded).config.name
    assert 'w:instr="PAGE"' in body.footer._element.xml
    assert body._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
    props = doc.core_properties
    assert props.title == "东岭镇调查" and props.author == "王老师"
    assert props.created.year >= 2024 and "python-docx" not in (props.comments + props.author)
    assert any(t.style is not None and t.style.name == "Table Grid" for t in doc.tables)
    assert doc.inline_shapes, "the bar chart"


def test_short_tables_keep_rows_whole_and_long_ones_may_split(tmp_path):
    from casecode.report.content import ReportData, Table
    from casecode.report.docx import SPLIT_ROWS, write_docx

    short = Table("short", [["a", "b"], ["x", 1]])
    long = Table("long", [["a", "b"], *([["x", 1]] * (SPLIT_ROWS + 5))])
    data = ReportData("en", "T", "", "p", "2026-01-01", [], [], "T", [short, long])
    write_docx(data, tmp_path / "t.docx")
    doc = Document(str(tmp_path / "t.docx"))
    kept = [
        [row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
         for row in t.rows]
        for t in doc.tables
    ]  # fmt: skip
    assert all(kept[0]) and not any(kept[1])
    for t in doc.tables:
        assert t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeats on every page


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
    assert "1.1 Insufficient funds" in headings(doc, 2) or "Insufficient funds" in " ".join(
        headings(doc, 3)
    )
    assert not any("Village" in h for h in headings(doc, 2) + headings(doc, 3))  # --codes
    appendix = cells(table_after(doc, "Every coding"))
    assert appendix[0] == ["Document", "Turn", "Code", "Text", "Coder", "Status"]
    assert {r[5] for r in appendix[1:]} == {"confirmed"}  # the open suggestion is left out
    assert {r[0] for r in appendix[1:]} == {"a", "b"}  # no file extensions
    assert result["appendix"] is True
    assert "This report covers only these codes" in text_of(out)


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
    assert "一、资料与方法" in headings(Document(str(out)), 1)
    assert out.stat().st_mode & 0o044  # readable by others, like the other files written


def test_no_quotes_means_no_quote_sections_and_subsets_say_so(coded, cli, tmp_path):
    doc = build(cli, coded, tmp_path, "--quotes", "0", "--codes", "problems")
    assert not any("分编码引文" in h for h in headings(doc, 1))
    assert "本报告只涉及以下编码及其下级编码" in text_of(tmp_path / "r.docx")
    assert not quotes_of(doc)


def test_codes_and_cases_without_codings_are_left_out(coded, cli, tmp_path):
    doc = build(cli, coded, tmp_path, "--coder", "bo")
    freq = cells(table_after(doc, "各编码涉及的发言轮次、文档与案例"))
    assert [r[0] for r in freq[1:]] == ["问题", "资金不足"]
    assert "未被使用的编码（2 个）：权责不清、村委会" in text_of(tmp_path / "r.docx")
    matrix = cells(table_after(doc, "各案例中各编码涉及的发言轮次数"))
    assert matrix[0] == ["编码", "上坊村", "合计"]  # 柏树村 has nothing by bo
    assert "（一）上坊村" in headings(doc, 2) and not any("柏树村" in h for h in headings(doc, 2))


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
    assert any("中文字体" in w for w in result["warnings"])
    assert "中文字体" in text_of(tmp_path / "r.docx")


def test_the_chinese_font_is_never_a_last_resort_font():
    from casecode.report.chart import cjk_font

    font = cjk_font()
    assert font is None or "lastresort" not in font.lower().replace("-", "")


def test_sections_without_data_are_left_out(project, cli, tmp_path):
    cli("import", write(tmp_path / "a.txt", A), "-p", project)
    cli("codebook", "use", write(tmp_path / "cb.yaml", CODEBOOK), "-p", project)
    out = tmp_path / "r.docx"
    result = cli.json("report", "--out", out, "-p", project)
    doc = Document(str(out))
    assert headings(doc, 1) == ["一、资料与方法", "附录一　编码本"]
    assert result["chart"] is False and result["quotes"] == 0
    assert "编码状态：尚无编码。" in title_page(doc)


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


def test_a_bad_pseudonyms_file_is_a_one_line_error(coded, cli, tmp_path):
    write(coded / "pseudonyms.csv", "real,fake\n上坊村,甲村\n")
    result = cli("report", "--out", tmp_path / "r.docx", "-p", coded, ok=False)
    assert "needs the columns name and pseudonym" in result.stderr
    assert "pseudonyms.csv" in result.stderr and not (tmp_path / "r.docx").exists()


def test_a_project_without_a_codebook_says_so(project, cli, tmp_path):
    cli("import", write(tmp_path / "a.txt", A), "-p", project)
    assert "no codebook" in cli("report", "-p", project, ok=False).stderr


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
@pytest.mark.skipif(
    _soffice() is None,
    reason="LibreOffice is not installed (.ci/run installs it with apt-get where it can)",
)
def test_libreoffice_prints_every_matrix_row_and_the_contents_page_numbers(cli, tmp_path):
    """The bundled corpus's case × code matrix is longer than a page: in LibreOffice's PDF every
    row is there, with its numbers, and the contents give page numbers."""
    pypdf = pytest.importorskip("pypdf")
    from conftest import ROOT

    corpus = ROOT / "corpora" / "county-a"
    out = tmp_path / "out"
    cli("run", corpus, "--attributes", corpus / "attributes.csv", "--out", out)
    docx = out / "report.docx"
    matrix = cells(table_after(Document(str(docx)), "各案例中各编码涉及的发言轮次数"))
    assert len(matrix) > 36  # more rows than a page holds
    profile = (tmp_path / "lo").as_uri()  # its own profile: runs in parallel do not clash
    done = subprocess.run(
        [_soffice(), f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(docx)],
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    pages = [p.extract_text() for p in pypdf.PdfReader(tmp_path / "report.pdf").pages]
    text = "\n".join(pages)
    start = text.index("各案例中各编码涉及的发言轮次数")
    shown = text[start : text.index("底色深浅表示", start)]
    lines = {" ".join(line.split()) for line in shown.splitlines()}
    for row in matrix[1:]:
        if len(set(row)) == 1:  # a category's merged heading row
            assert row[0] in lines
            continue
        assert " ".join(" ".join(row).split()) in lines, row
    contents = pages[1]
    assert "目录" in contents and "一、资料与方法" in contents
    numbers = [
        line.rstrip(".").rsplit(".", 1)[-1] for line in contents.splitlines() if "..." in line
    ]
    assert numbers and all(n.strip().isdigit() for n in numbers)  # PAGEREFs were computed


def test_code_ids_in_the_codebook_appendix_break_only_after_a_dot():
    from casecode.report.build import _breakable

    text = "补贴另编 input.government.subsidy；见 e.g. 1.5 万元"
    assert (
        _breakable(text) == "补贴另编 input.\u200bgovernment.\u200bsubsidy；见 e.\u200bg. 1.5 万元"
    )
    assert _breakable(text).replace("\u200b", "") == text
