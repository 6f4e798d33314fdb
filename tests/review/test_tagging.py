"""People's coding: tag, untag, coders, history and memos, and what no automatic step may undo."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import add_document, stored_codings, with_transcripts, write
from samples import CODING_CODEBOOK as CODEBOOK


@pytest.fixture
def coded(project, tmp_path, cli, monkeypatch):
    monkeypatch.setenv("CASECODE_CODER", "ann")
    text = (
        "访谈者：村里的事谁管？\n村民：村里老人的事谁都管，又谁都不管，权责不清。\n"
        "访谈者：钱呢？\n村民：经费一直很紧张，经费也不透明。\n"
    )
    return with_transcripts(cli, project, tmp_path, {"a.txt": text}, CODEBOOK)


rows = stored_codings


def test_tag_a_turn_a_span_and_a_quote(coded, cli):
    whole = cli.json("tag", "a.txt", "2", "problems.unclear", "-p", coded)
    assert (
        whole[0]["text"] == "村里老人的事谁都管，又谁都不管，权责不清。"
        and whole[0]["coder"] == "ann"
    )
    quoted = cli.json(
        "tag", "a.txt", "2", "资金不足", "--quote", "权责不清", "--coder", "bo", "-p", coded
    )
    assert (quoted[0]["code"], quoted[0]["text"], quoted[0]["coder"]) == (
        "problems.funds",
        "权责不清",
        "bo",
    )
    spanned = cli.json(
        "tag", "a.txt", "4", "problems.f", "--span", "0-2", "--memo", "钱的事", "-p", coded
    )
    assert spanned[0]["text"] == "经费"
    again = cli.json("tag", "a.txt", "2", "problems.unclear", "-p", coded)
    assert again[0]["new"] is False
    stored = rows(coded)
    assert [(r["origin"], r["status"]) for r in stored] == [("manual", "accepted")] * 3
    assert stored[2]["memo"] == "钱的事"


@pytest.mark.parametrize(
    "args, message",
    [
        (["a.txt", "2", "problems.uncl", "--quote", "不在"], "does not contain '不在'"),
        (["a.txt", "4", "problems.funds", "--quote", "经费"], "occurs 2 times"),
        (["a.txt", "2", "problems.funds", "--span", "5-999"], "outside the turn"),
        (["a.txt", "2", "problems.funds", "--span", "abc"], "should look like 5-12"),
        (["a.txt", "9", "problems.funds"], "has no turn 9"),
        (["a.txt", "2", "problem.fund"], "closest: problems.funds"),
        (["a.txt", "2", "problems."], "could be any of"),
    ],
)
def test_tag_mistakes_are_explained(coded, cli, args, message):
    result = cli("tag", *args, "-p", coded, ok=False)
    assert message in result.stderr and result.exit_code == 1
    assert rows(coded) == []


def test_untag_removes_only_your_manual_coding(coded, cli):
    cli("code", "-p", coded)
    cli("tag", "a.txt", "2", "problems.unclear", "-p", coded)
    cli("tag", "a.txt", "2", "problems.unclear", "--coder", "bo", "-p", coded)
    cli("untag", "a.txt", "2", "权责不清", "-p", coded)
    left = {(r["coder"], r["origin"]) for r in rows(coded) if r["code_id"] == "problems.unclear"}
    assert left == {("bo", "manual"), ("auto", "rule:unclear-words")}
    missing = cli("untag", "a.txt", "2", "problems.unclear", "-p", coded, ok=False)
    assert "ann has no manual coding of problems.unclear" in missing.stderr


def test_history_and_coders(coded, cli):
    suggested = cli.json("code", "-p", coded)["codings"]
    cli("tag", "a.txt", "2", "problems.funds", "-p", coded)
    cli("untag", "a.txt", "2", "problems.funds", "-p", coded)
    cli("tag", "a.txt", "2", "problems.funds", "--coder", "bo", "-p", coded)
    history = cli.json("history", "a.txt", "2", "-p", coded)
    actions = [(e["actor"], e["action"], e["code"]) for e in history["events"]]
    assert actions == [
        ("auto", "suggest", "problems.unclear"),
        ("ann", "tag", "problems.funds"),
        ("ann", "untag", "problems.funds"),
        ("bo", "tag", "problems.funds"),
    ]
    assert {c["code"] for c in history["codings"]} == {"problems.unclear", "problems.funds"}
    coders = {r["coder"]: r for r in cli.json("coders", "-p", coded)}
    assert coders["bo"]["manual"] == 1 and coders["auto"]["suggested"] == suggested
    assert "bo" in cli("coders", "-p", coded).stdout


def test_memos_on_codes_documents_and_codings(coded, cli):
    cli("tag", "a.txt", "2", "problems.unclear", "-p", coded)
    coding = rows(coded)[0]["id"]
    cli("memo", "add", "常和资金问题一起出现", "--code", "权责不清", "-p", coded)
    cli("memo", "add", "受访者很坦率", "--doc", "a.txt", "-p", coded)
    cli("memo", "add", "边界案例", "--coding", coding, "-p", coded)
    memos = cli.json("memo", "list", "-p", coded)
    assert [(m["kind"], m["target"], m["author"]) for m in memos] == [
        ("code", "problems.unclear", "ann"),
        ("document", "a.txt", "ann"),
        ("coding", str(coding), "ann"),
    ]
    assert (
        cli.json("memo", "list", "--code", "problems.unclear", "-p", coded)[0]["text"]
        == "常和资金问题一起出现"
    )
    assert cli.json("show", "a.txt", "-p", coded)["memos"][0]["text"] == "受访者很坦率"
    # a code stands for the codes below it; a document brings the memos on its codings
    under = cli.json("memo", "list", "--code", "problems", "-p", coded)
    assert [m["target"] for m in under] == ["problems.unclear"]
    in_doc = cli.json("memo", "list", "--doc", "a.txt", "-p", coded)
    assert [m["kind"] for m in in_doc] == ["document", "coding"]
    both = cli(
        "memo", "add", "x", "--code", "problems.unclear", "--doc", "a.txt", "-p", coded, ok=False
    )
    assert "give --code, --doc or --coding" in both.stderr


def test_manual_codings_survive_recoding_codebook_switches_and_reimport(coded, cli, tmp_path):
    cli("tag", "a.txt", "2", "problems.funds", "-p", coded)
    cli("code", "-p", coded)
    _review(cli, coded, "a\nr\n", "--as", "cai")  # one accepted, one rejected
    decisions = {(r["code_id"], r["start"], r["status"]) for r in rows(coded) if r["reviewed_by"]}
    assert {s for _, _, s in decisions} == {"accepted", "rejected"}
    cli("code", "--docs", "a.txt", "-p", coded)
    cli("codebook", "use", "coproduction", "-p", coded)
    cli("code", "-p", coded)
    path = tmp_path / "t" / "a.txt"
    path.write_text(path.read_text("utf-8") + "访谈者：好的。\n", "utf-8")
    cli("import", path, "--replace", "-p", coded)
    manual = [r for r in rows(coded) if r["origin"] == "manual"]
    assert [(r["code_id"], r["coder"], r["status"]) for r in manual] == [
        ("problems.funds", "ann", "accepted")
    ]
    after = {(r["code_id"], r["start"], r["status"]) for r in rows(coded) if r["reviewed_by"]}
    assert after == decisions  # review decisions survive every path too


def test_two_terminals_can_code_at_once(coded):
    script = (
        "import sys, casecode\n"
        "for i in range(15):\n"
        "    casecode.tag(sys.argv[1], 'a.txt', 2 + 2 * (i % 2), ['problems.funds'], coder=sys.argv[2],"
        " span=f'{i % 3}-{i % 3 + 1}')\n"
        "    casecode.add_memo(sys.argv[1], f'note {i}', doc='a.txt', author=sys.argv[2])\n"
    )
    import casecode  # the casecode under test, wherever the tests run from

    env = {**os.environ, "PYTHONPATH": str(Path(casecode.__file__).parents[1])}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(coded), name], stderr=subprocess.PIPE, env=env
        )
        for name in ("ann", "bo")
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    stored = rows(coded)
    assert {r["coder"] for r in stored} == {"ann", "bo"}
    db = sqlite3.connect(coded / "casecode.db")
    assert db.execute("SELECT count(*) FROM memos").fetchone()[0] == 30
    assert len(stored) == len({(r["coder"], r["start"], r["end"]) for r in stored})


def _review(cli, project, keys: str, *args: str):
    result = cli.runner.invoke(
        __import__("casecode.cli", fromlist=["app"]).app,
        ["review", "-p", str(project), *args],
        input=keys,
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_review_from_piped_keys_saves_each_decision_and_resumes(coded, cli):
    cli("code", "-p", coded)
    open_before = [r for r in rows(coded) if r["status"] == "suggested"]
    assert len(open_before) == 2
    text = _review(cli, coded, "a\nq\n", "--as", "cai")
    assert "2 open" in text and "1 decision(s) saved; 1 suggestion(s) still open" in text
    first = next(r for r in rows(coded) if r["id"] == open_before[0]["id"])
    assert (first["status"], first["reviewed_by"]) == ("accepted", "cai")
    again = _review(cli, coded, "m\n值得讨论\nr\n")  # resumes at the first open suggestion
    assert "1/1" in again
    second = next(r for r in rows(coded) if r["id"] == open_before[1]["id"])
    assert (second["status"], second["memo"]) == ("rejected", "值得讨论")
    assert "Nothing to review" in _review(cli, coded, "")
    history = cli.json("history", "a.txt", "2", "-p", coded)
    assert ("cai", "accept") in [(e["actor"], e["action"]) for e in history["events"]]


def test_review_change_code_skip_back_and_end_of_input(coded, cli):
    cli("code", "-p", coded)
    text = _review(cli, coded, "s\nb\nc\n资金不足\n", "--as", "cai")  # input ends: quit
    assert "1 decision(s) saved" in text
    recoded = [r for r in rows(coded) if r["origin"] == "manual"]
    assert [(r["code_id"], r["coder"]) for r in recoded] == [("problems.funds", "cai")]
    assert any(
        r["status"] == "rejected" and r["code_id"] == "problems.unclear" for r in rows(coded)
    )
    cli("code", "--docs", "a.txt", "-p", coded)  # the rules find it again: the rejection stands
    assert any(
        r["status"] == "rejected" and r["code_id"] == "problems.unclear" for r in rows(coded)
    )
    assert not any(
        r["status"] == "suggested" and r["code_id"] == "problems.unclear" for r in rows(coded)
    )


def test_review_filters_by_code_and_coder(coded, cli):
    cli("code", "-p", coded)
    assert "1/1" in _review(cli, coded, "q\n", "--code", "problems.funds")
    assert "Nothing to review" in _review(cli, coded, "", "--of", "someone-else")


def test_sheet_round_trip_in_excel(coded, cli, tmp_path):
    import openpyxl

    cli("tag", "a.txt", "2", "problems.unclear", "-p", coded)
    sheet = tmp_path / "s.xlsx"
    info = cli.json("sheet", "export", sheet, "--coder", "ann", "-p", coded)
    assert info["rows"] == 4
    wb = openpyxl.load_workbook(sheet)
    ws = wb["coding"]
    assert [c.value for c in ws[1]] == ["document", "turn", "speaker", "text", "codes"]
    assert ws.freeze_panes == "E2" and ws["D2"].alignment.wrap_text
    assert ws["E3"].value == "problems.unclear"
    assert ws.data_validations.dataValidation[0].formula1.startswith("=codebook!$A$2")
    assert [r[0].value for r in wb["codebook"].iter_rows(min_row=2)][:2] == [
        "problems",
        "problems.unclear",
    ]
    ws["E3"] = "problems.funds; 权责不清"
    ws["E5"] = "problems.funds"
    wb.save(sheet)
    report = cli.json("sheet", "import", sheet, "--coder", "ann", "-p", coded)
    assert (report["added"], report["removed"], report["unchanged"], report["applied"]) == (
        2,
        0,
        1,
        True,
    )
    ws["E3"] = ""
    wb.save(sheet)
    again = cli.json("sheet", "import", sheet, "--coder", "ann", "-p", coded)
    assert again["removed"] == 2
    manual = {(r["code_id"], r["coder"]) for r in rows(coded) if r["origin"] == "manual"}
    assert manual == {("problems.funds", "ann")}
    blank = tmp_path / "blank.xlsx"
    cli("sheet", "export", blank, "-p", coded)
    assert openpyxl.load_workbook(blank)["coding"]["E3"].value in (None, "")


def test_a_sheet_with_errors_changes_nothing_unless_told(coded, cli, tmp_path):
    sheet = write(
        tmp_path / "s.csv",
        "document,turn,text,codes\n"
        "a.txt,2,,problems.funds\n"
        "a.txt,2,,problems.unclear\n"
        "a.txt,4,这不是原话,problems.funds\n"
        "b.txt,1,,problems.funds\n"
        "a.txt,,,problems.funds\n"
        "a.txt,3,,problems.nope\n",
    )
    result = cli("sheet", "import", sheet, "--coder", "ann", "-p", coded, ok=False)
    for expected in (
        "row 3: a.txt turn 2 is already on row 2",
        "row 4: the text of a.txt turn 4 differs",
        "row 5: no document 'b.txt'",
        "row 6: missing document or turn",
        "row 7: no code 'problems.nope'",
        "5 problem(s)",
        "nothing changed",
    ):
        assert expected in result.stderr, expected
    assert rows(coded) == []
    report = cli.json("sheet", "import", sheet, "--coder", "ann", "--skip-errors", "-p", coded)
    assert report["applied"] and report["added"] == 1
    assert [(r["code_id"], r["coder"]) for r in rows(coded)] == [("problems.funds", "ann")]


def test_sheet_in_columns_layout(coded, cli, tmp_path):
    import openpyxl

    sheet = tmp_path / "c.xlsx"
    cli("sheet", "export", sheet, "--layout", "columns", "--level", "1", "-p", coded)
    wb = openpyxl.load_workbook(sheet)
    ws = wb["coding"]
    assert [c.value for c in ws[1]] == [
        "document",
        "turn",
        "speaker",
        "text",
        "problems",
        "process",
    ]
    ws["E3"] = "x"
    wb.save(sheet)
    report = cli.json("sheet", "import", sheet, "--coder", "bo", "-p", coded)
    assert report["added"] == 1
    assert [(r["code_id"], r["coder"]) for r in rows(coded)] == [("problems", "bo")]
    bad = cli("sheet", "export", tmp_path / "x.txt", "-p", coded, ok=False)
    assert ".xlsx or .csv" in bad.stderr


def test_memos_appear_in_show(coded, cli):
    cli("tag", "a.txt", "2", "problems.unclear", "--memo", "典型表述", "-p", coded)
    cli("memo", "add", "受访者很坦率", "--doc", "a.txt", "-p", coded)
    plain = cli("show", "a.txt", "-p", coded).stdout
    assert "受访者很坦率" in plain
    coded_view = cli("show", "a.txt", "--codings", "-p", coded).stdout
    assert "受访者很坦率" in coded_view and "典型表述" in coded_view


def test_show_codings_prints_a_document_with_a_title_before_its_turns(coded, cli, tmp_path):
    text = "张家村访谈记录\n\n访谈者：钱呢？\n村民：经费一直很紧张。\n访谈者：好。\n村民：谢谢。\n"
    cli("import", write(tmp_path / "t" / "b.txt", text), "-p", coded)
    cli("code", "-p", coded)
    shown = cli("show", "b.txt", "--codings", "-p", coded).stdout
    assert "张家村访谈记录" in shown and "经费一直很紧张" in shown


CATEGORY_BOOK = CODEBOOK.replace(
    "    label: {zh: 问题, en: Problems}\n",
    "    label: {zh: 问题, en: Problems}\n    codable: false\n",
)


def test_categories_cannot_be_applied_by_hand(coded, cli, tmp_path):
    cli("codebook", "use", write(tmp_path / "cat.yaml", CATEGORY_BOOK), "-p", coded)
    result = cli("tag", "a.txt", "2", "problems", "-p", coded, ok=False)
    assert "problems is a category" in result.stderr and "problems.unclear" in result.stderr
    sheet = write(tmp_path / "s.csv", "document,turn,codes\na.txt,2,problems\n")
    bad = cli("sheet", "import", sheet, "--coder", "ann", "-p", coded, ok=False)
    assert "problems is a category" in bad.stderr
    cli("sheet", "export", tmp_path / "c.xlsx", "--layout", "columns", "-p", coded)
    import openpyxl

    header = [c.value for c in openpyxl.load_workbook(tmp_path / "c.xlsx")["coding"][1]]
    assert "problems" not in header and "problems.unclear" in header


def test_a_coarser_sheet_round_trip_keeps_finer_codings(coded, cli, tmp_path):
    cli("tag", "a.txt", "2", "problems.unclear", "--quote", "权责不清", "-p", coded)
    sheet = tmp_path / "l1.csv"
    cli("sheet", "export", sheet, "--coder", "ann", "--level", "1", "-p", coded)
    assert "a.txt,2,村民" in sheet.read_text("utf-8-sig") and ",problems\n" in sheet.read_text(
        "utf-8-sig"
    )
    report = cli.json("sheet", "import", sheet, "--coder", "ann", "-p", coded)
    assert (report["added"], report["removed"], report["unchanged"]) == (0, 0, 1)
    assert [(r["code_id"], r["end"] - r["start"]) for r in rows(coded)] == [("problems.unclear", 4)]


def test_csv_sheets_keep_multi_line_turns_and_labels_with_spaces(coded, cli, tmp_path):
    import csv

    path = tmp_path / "t" / "m.txt"
    write(path, "访谈者：说说？\n受访者：第一段。\n第二段，权责不清。\n")
    cli("import", path, "-p", coded)
    sheet = tmp_path / "m.csv"
    cli("sheet", "export", sheet, "--docs", "m.txt", "-p", coded)
    with open(sheet, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[2][3] == "第一段。\n第二段，权责不清。"
    table[2][4] = "Unclear responsibilities; 资金不足"
    with open(sheet, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(table)
    report = cli.json("sheet", "import", sheet, "--coder", "ann", "-p", coded)
    assert report["errors"] == [] and report["added"] == 2
    again = cli("sheet", "export", sheet, "-p", coded, ok=False)
    assert "already exists" in again.stderr


def test_untag_one_passage_and_memos_on_codings_show(coded, cli):
    cli("tag", "a.txt", "2", "problems.unclear", "-p", coded)
    made = cli.json("tag", "a.txt", "2", "problems.unclear", "--quote", "权责不清", "-p", coded)
    cli("memo", "add", "只这四个字", "--coding", made[0]["id"], "-p", coded)
    shown = cli.json("show", "a.txt", "-p", coded)["codings"]
    assert [c["memo"] for c in shown if c["id"] == made[0]["id"]] == ["只这四个字"]
    cli("untag", "a.txt", "2", "problems.unclear", "--quote", "权责不清", "-p", coded)
    assert [r["end"] - r["start"] for r in rows(coded)] == [21]


def test_review_asks_again_after_a_mistyped_code(coded, cli):
    cli("code", "-p", coded)
    text = _review(cli, coded, "c\nnosuchcode\n资金不足\nq\n")
    assert "no code 'nosuchcode'" in text and "1 decision(s) saved" in text


def test_review_decided_changes_an_earlier_decision_and_coders_count_reviews(coded, cli):
    cli("code", "-p", coded)
    _review(cli, coded, "a\na\n", "--as", "cai")
    assert "Nothing to review" in _review(cli, coded, "")
    _review(cli, coded, "r\nq\n", "--decided", "--as", "cai")
    statuses = sorted(r["status"] for r in rows(coded))
    assert statuses == ["accepted", "rejected"]
    coders = {r["coder"]: r for r in cli.json("coders", "-p", coded)}
    assert coders["cai"]["reviewed"] == 2


def test_review_decisions_apply_only_to_suggestions_and_recode_once(coded):
    from casecode import CasecodeError, decide
    from casecode import tag as tag_turn

    made = tag_turn(coded, "a.txt", 2, ["problems.unclear"], coder="bo")
    with pytest.raises(CasecodeError, match="not an automatic suggestion"):
        decide(coded, made[0]["id"], "reject", reviewer="cai")
    from casecode import autocode

    autocode(coded)
    suggestion = next(r for r in rows(coded) if r["origin"].startswith("rule:"))
    first = decide(coded, suggestion["id"], "recode", reviewer="cai", code="problems.funds")
    again = decide(coded, suggestion["id"], "recode", reviewer="cai", code="problems.funds")
    assert first["new"] == again["new"]
    assert sum(r["coder"] == "cai" for r in rows(coded)) == 1
    with pytest.raises(CasecodeError, match="name the code"):
        decide(coded, suggestion["id"], "recode", reviewer="cai", code=" ")


def test_a_sheet_turn_that_is_not_a_number_is_a_row_error(coded, cli, tmp_path):
    sheet = write(tmp_path / "s.csv", "document,turn,codes\na.txt,inf,problems.funds\n")
    result = cli("sheet", "import", sheet, "--coder", "ann", "-p", coded, ok=False)
    assert "row 2: turn 'inf' is not a number" in result.stderr


def test_history_puts_a_suggestion_before_the_decision_made_in_the_same_second(coded, cli):
    cli("code", "-p", coded)
    _review(cli, coded, "a\n", "--as", "cai", "--doc", "a.txt")
    history = cli.json("history", "a.txt", "2", "-p", coded)
    actions = [e["action"] for e in history["events"]]
    assert actions.index("suggest") < actions.index("accept")
    text = cli("history", "a.txt", "2", "-p", coded).stdout
    assert "@" in text  # each event names the span it is about


def test_a_suggestion_with_a_memo_survives_recoding_and_codebook_switches(coded, cli, tmp_path):
    cli("code", "-p", coded)
    _review(cli, coded, "m\n值得讨论\nq\n", "--as", "cai")
    noted = next(r for r in rows(coded) if r["memo"])
    cli("code", "--docs", "a.txt", "-p", coded)  # judged afresh: the rules find it again
    v2 = CODEBOOK.replace("推诿]", "推诿, 踢皮球]").replace("不够, 紧张]", "不够, 紧张, 缺]")
    cli("codebook", "use", write(tmp_path / "v2.yaml", v2), "-p", coded)
    cli("code", "-p", coded)
    same = [
        r
        for r in rows(coded)
        if (r["start"], r["end"], r["code_id"]) == (noted["start"], noted["end"], noted["code_id"])
    ]
    assert [(r["id"], r["status"], r["memo"]) for r in same] == [
        (noted["id"], "suggested", "值得讨论")
    ]
    memos = cli.json("memo", "list", "-p", coded)
    assert [m["target"] for m in memos] == [str(noted["id"])]
    path = tmp_path / "t" / "a.txt"
    path.write_text(path.read_text("utf-8").replace("权责不清", "说不清楚"), "utf-8")
    refused = cli("import", path, "--replace", "-p", coded, ok=False)
    assert "with a memo" in refused.stderr


def test_an_untagged_codings_memo_stays_marked_and_its_id_is_not_reused(coded, cli):
    made = cli.json("tag", "a.txt", "2", "problems.unclear", "-p", coded)[0]
    cli("memo", "add", "边界案例", "--coding", made["id"], "-p", coded)
    cli("untag", "a.txt", "2", "problems.unclear", "-p", coded)
    again = cli.json("tag", "a.txt", "2", "problems.funds", "-p", coded)[0]
    assert again["id"] != made["id"]
    memos = cli.json("memo", "list", "-p", coded)
    assert [(m["target"], m["text"], m["removed"]) for m in memos] == [
        (str(made["id"]), "边界案例", True)
    ]
    assert "(coding removed)" in cli("memo", "list", "-p", coded).stdout
    shown = cli.json("show", "a.txt", "-p", coded)["codings"]
    assert [c["memo"] for c in shown] == [None]


RENAMED_BOOK = CODEBOOK.replace("problems.funds", "problems.money")


def test_codings_of_a_code_that_left_the_codebook_can_be_untagged_and_sheeted(coded, cli, tmp_path):
    cli("tag", "a.txt", "2", "problems.funds", "-p", coded)
    cli("tag", "a.txt", "4", "problems.funds", "-p", coded)
    cli("codebook", "use", write(tmp_path / "renamed.yaml", RENAMED_BOOK), "-p", coded)
    for layout in ("list", "columns"):
        sheet = tmp_path / f"{layout}.csv"
        made = cli.json("sheet", "export", sheet, "--coder", "ann", "--layout", layout, "-p", coded)
        assert made["orphans"] == ["problems.funds"]
        report = cli.json("sheet", "import", sheet, "--coder", "ann", "-p", coded)
        assert (report["applied"], report["removed"], report["unchanged"]) == (True, 0, 2)
        assert [w["row"] for w in report["warnings"]] == [3, 5]
        assert "not in the codebook" in report["warnings"][0]["message"]
    new = write(tmp_path / "new.csv", "document,turn,codes\na.txt,3,problems.funds\n")
    bad = cli("sheet", "import", new, "--coder", "ann", "-p", coded, ok=False)
    assert "row 2: no code 'problems.funds'" in bad.stderr
    gone = cli.json("untag", "a.txt", "2", "problems.funds", "-p", coded)
    assert [g["code"] for g in gone] == ["problems.funds"]
    assert [(r["code_id"], r["start"]) for r in rows(coded)] == [("problems.funds", 48)]
    typo = cli("untag", "a.txt", "4", "problems.fund", "-p", coded, ok=False)
    assert "no code 'problems.fund'" in typo.stderr


def test_every_memo_on_a_coding_is_kept_shown_and_listed(coded, cli):
    made = cli.json("tag", "a.txt", "2", "problems.unclear", "--memo", "典型表述", "-p", coded)
    cli("memo", "add", "边界案例", "--coding", made[0]["id"], "--author", "bo", "-p", coded)
    cli("code", "-p", coded)
    _review(cli, coded, "c\n资金不足\nq\n", "--as", "cai")
    shown = cli.json("show", "a.txt", "-p", coded)["codings"]
    mine = next(c for c in shown if c["id"] == made[0]["id"])
    assert [(m["author"], m["text"]) for m in mine["memos"]] == [
        ("ann", "典型表述"),
        ("bo", "边界案例"),
    ]
    assert mine["memo"] == "典型表述\n边界案例"
    again = cli.json("tag", "a.txt", "2", "problems.unclear", "--memo", "再看", "-p", coded)
    assert (again[0]["new"], again[0]["id"]) == (False, made[0]["id"])
    shown = cli.json("show", "a.txt", "-p", coded)["codings"]
    mine = next(c for c in shown if c["id"] == made[0]["id"])
    assert mine["memo"] == "典型表述\n边界案例\n再看"
    view = cli("show", "a.txt", "--codings", "-p", coded).stdout
    assert "典型表述" in view and "边界案例" in view
    listed = [(m["author"], m["text"]) for m in cli.json("memo", "list", "-p", coded)]
    assert ("ann", "典型表述") in listed and ("bo", "边界案例") in listed
    assert ("cai", "recoded from problems.unclear") in listed
    assert len(listed) == 4


def test_an_older_store_gets_its_coding_memos_listed(tmp_path):
    from casecode.store import Store
    from casecode.store.migrations import MIGRATIONS

    path = tmp_path / "p.db"
    with Store(path, migrations=MIGRATIONS[:4]) as store, store.transaction():
        doc = add_document(store, "问：好")
        store.db.execute(
            'INSERT INTO codings (document_id, start, "end", code_id, coder, origin, status, '
            "memo, created_at) VALUES (?, 2, 3, 'x', 'ann', 'manual', 'accepted', '旧的', "
            "'2026-01-01T00:00:00Z')",
            (doc,),
        )
    with Store(path) as store:
        assert [(m["target"], m["text"], m["author"]) for m in store.memos("coding")] == [
            ("1", "旧的", "ann")
        ]
        assert store.coding_by_id(1)["memo"] == "旧的"


def test_review_change_code_cancels_with_q_and_finds_codes_by_id_part_or_label_words(coded, cli):
    cli("code", "-p", coded)
    text = _review(cli, coded, "c\nq\nc\nun\nfunds\nq\n", "--as", "cai")
    assert "no code 'q'" not in text
    assert "'un' could be any of problems.unclear, problems.funds" in text
    assert "1 decision(s) saved" in text
    recoded = [(r["code_id"], r["coder"]) for r in rows(coded) if r["origin"] == "manual"]
    assert recoded == [("problems.funds", "cai")]
    made = cli.json("tag", "a.txt", "4", "volunteers", "-p", coded)  # last part of an id
    assert made[0]["code"] == "process.volunteers"


def test_every_unknown_code_gets_the_same_three_closest_applicable_ids(coded, cli, tmp_path):
    cli("codebook", "use", write(tmp_path / "cat.yaml", CATEGORY_BOOK), "-p", coded)
    cli("code", "-p", coded)
    hint = "closest: problems.funds, problems.unclear, process)"
    for args in (
        ["tag", "a.txt", "2", "problemz"],
        ["code", "--codes", "problemz", "--dry-run"],
        ["review", "--code", "problemz"],
        ["memo", "add", "x", "--code", "problemz"],
    ):
        result = cli(*args, "-p", coded, ok=False)
        assert f"no code 'problemz' in the codebook ({hint}" in result.stderr, args


def test_sheet_import_takes_the_encoding_its_hint_names(coded, cli, tmp_path):
    text = "document,turn,codes\na.txt,2,problems.funds\n"
    sheet = tmp_path / "s16.csv"
    sheet.write_bytes(text.encode("utf-16-le"))  # no BOM: detection may not be sure
    report = cli.json(
        "sheet", "import", sheet, "--coder", "ann", "--encoding", "utf-16-le", "-p", coded
    )
    assert report["added"] == 1
    binary = tmp_path / "bin.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    result = cli("sheet", "import", binary, "--coder", "ann", "-p", coded, ok=False)
    assert result.exit_code == 1 and "internal error" not in result.stderr
    assert "--encoding" in result.stderr  # the hint names an option the command has
    assert "--encoding" in cli("sheet", "import", "--help").stdout


def test_a_sheet_for_an_unknown_coder_is_refused_naming_the_coders(coded, cli, tmp_path):
    sheet = tmp_path / "s.xlsx"
    nobody = cli("sheet", "export", sheet, "--coder", "ann", "-p", coded, ok=False)
    assert "no coder 'ann'" in nobody.stderr and "leave out --coder" in nobody.stderr
    cli("tag", "a.txt", "2", "problems.unclear", "-p", coded)
    typo = cli("sheet", "export", sheet, "--coder", "nobdy", "-p", coded, ok=False)
    assert "no coder 'nobdy' in the project (coders: ann;" in typo.stderr
    assert not sheet.exists()
    assert cli.json("sheet", "export", sheet, "--coder", "ann", "-p", coded)["rows"] == 4
