"""One definition of every count (casecode.analysis.counts): report, run, matrix and cooccur give
the same numbers, and say which codings they count."""

from __future__ import annotations

from docx import Document
from docx.oxml.ns import qn

import casecode
from conftest import write
from samples import ANALYSIS_CODEBOOK, A, B

# the rule finds two words on a.txt turn 4 and b.txt turn 2 (村委会), one on a.txt turn 2
CODEBOOK = ANALYSIS_CODEBOOK.replace(
    "keywords: {zh: [说不清楚]}", "keywords: {zh: [说不清楚, 村委会, 拨款]}"
)


def _table(doc, caption: str) -> list[list[str]]:
    body = list(doc.element.body.iterchildren())
    for i, el in enumerate(body):
        if el.tag == qn("w:p") and caption in "".join(el.itertext()):
            nxt = next(e for e in body[i + 1 :] if e.tag == qn("w:tbl"))
            from docx.table import Table

            return [[c.text for c in row.cells] for row in Table(nxt, doc).rows]
    raise AssertionError(caption)


def test_report_run_matrix_and_cooccur_count_the_same_turns(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CASECODE_CODER", "ann")
    folder = tmp_path / "t"
    write(folder / "a.txt", A)
    write(folder / "b.txt", B)
    out = tmp_path / "out"
    ran = cli.json("run", folder, "--out", out, "--codebook", write(tmp_path / "cb.yaml", CODEBOOK))
    counts = ran["counts"]
    assert counts["counted"] == ["suggested"]  # nothing reviewed yet: the suggestions, said so
    level1 = cli.json("matrix", "--level", "1", "-p", out)
    assert level1["counted"] == ["suggested"] and level1["measure"] == "segments"
    assert counts["codes"] == dict(zip(level1["columns"], level1["column_totals"], strict=True))
    assert counts["codes"]["problems"] == 3  # a.txt turns 2 and 4, b.txt turn 2: one each

    # once something is confirmed, every count is of confirmed codings only
    cli("tag", "a.txt", "2", "problems.funds", "-p", out)
    cli("tag", "a.txt", "2", "problems.funds.late", "--quote", "拨款也慢", "-p", out)
    cli("tag", "b.txt", "3", "problems.funds", "--coder", "bo", "-p", out)
    cli("tag", "b.txt", "3", "problems.funds", "-p", out)
    cli("tag", "b.txt", "2", "actors.village", "-p", out)
    matrix = cli.json("matrix", "--level", "2", "-p", out)
    assert matrix["counted"] == ["accepted"]
    totals = dict(zip(matrix["columns"], matrix["column_totals"], strict=True))
    assert totals == {"problems.funds": 2, "problems.unclear": 0, "actors.village": 1}
    co = cli.json("cooccur", "--level", "2", "-p", out)
    diagonal = {c: co["values"][k][k] for k, c in enumerate(co["columns"])}
    assert diagonal == totals
    cli("report", "--out", tmp_path / "r.docx", "-p", out)
    freq = _table(Document(str(tmp_path / "r.docx")), "各编码涉及的发言轮次、文档与案例")
    shown = {row[0]: int(row[3]) for row in freq[1:] if row[3].isdigit()}
    assert shown == {"资金不足": 2, "村委会": 1}
    frame = casecode.code_matrix(out, level=2)  # the library's default is the same count
    assert {c: int(frame[c].sum()) for c in frame.columns} == totals
    assert frame.attrs["counted"] == ["accepted"]


def test_status_auto_falls_back_to_suggestions_with_a_notice(cli, tmp_path, project):
    write(tmp_path / "t" / "a.txt", A)
    cli("import", tmp_path / "t", "-p", project)
    cli("codebook", "use", write(tmp_path / "cb.yaml", CODEBOOK), "-p", project)
    cli("code", "-p", project)
    result = cli("matrix", "-p", project)
    assert "nothing counted here is reviewed yet" in result.stderr
    assert "Counted: open suggestions codings" not in result.stdout
    assert "Counted: open suggestions" in result.stdout
    assert "distinct turns" in result.stdout  # the definition, under the table
    every = cli.json("matrix", "--status", "all", "--measure", "count", "-p", project)
    assert every["measure"] == "count" and every["counted"] == ["accepted", "suggested"]
