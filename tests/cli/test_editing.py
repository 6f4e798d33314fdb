"""Editing a project and its speakers from the command line (issue 20): rm (restorable), rename,
rename-code, merge-code, speakers --merge, roles, pseudonymize, --kind, and explain on a
preamble. Bad input: one line, exit 1, the store untouched."""

from __future__ import annotations

import csv
import sqlite3

import pytest

from casecode import restore_document
from casecode.corpus.pseudonyms import apply_pseudonyms, load_pseudonyms
from conftest import build_once, copy_of, write
from samples import CODING_CODEBOOK

INTERVIEW = """\
张家村志愿者访谈
访谈时间：2025年7月8日

主持：您好，村里的资金够用吗？
王大姐：资金不够，经费紧张，每个月只有 200 元。
主持：志愿者多吗？
王大姐：志愿者不少，志愿者都是村里的老人。
"""

SECOND = """\
interviewee: 我们的资金不够，经费很紧张。
Interviewer: 为什么？
Interviewee1: 上面的拨款少。
Interviewer: 还有呢？
interviewee: 没有了。
"""


def _build(cli, project, folder):
    write(folder / "t" / "a.txt", INTERVIEW)
    write(folder / "t" / "b.txt", SECOND)
    cli("import", folder / "t", "-p", project)
    cli("codebook", "use", write(folder / "cb.yaml", CODING_CODEBOOK), "-p", project)
    cli("code", "-p", project)
    cli("tag", "a.txt", "2", "process.volunteers", "--coder", "ann", "-p", project)
    cli("memo", "add", "the first talk", "--doc", "a.txt", "-p", project)
    cli("memo", "add", "money matters", "--code", "problems.funds", "-p", project)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_once(tmp_path_factory, _build, CASECODE_CODER="ann")


@pytest.fixture
def coded(built, tmp_path):
    return copy_of(built, tmp_path)


def dump(project):
    db = sqlite3.connect(project / "casecode.db")
    tables = ("documents", "segments", "codings", "coding_events", "memos", "settings")
    return {t: db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}


def test_turns_count_speech_and_explain_says_what_a_preamble_is(coded, cli):
    doc = cli.json("show", "a.txt", "-p", coded)
    numbered = [(t["n"], t["kind"]) for t in doc["turns"]]
    assert numbered[:3] == [(-1, "preamble"), (-2, "preamble"), (1, "turn")]
    assert doc["kind"] == "interview" and doc["turns"][2]["speaker"] == "主持"
    assert cli.json("docs", "-p", coded)[0]["turns"] == 4
    result = cli.json("explain", "a.txt", "0", "-p", coded)
    assert result["kind"] == "preamble" and "not a turn" in result["structure"]
    assert result["rules"] == [] and result["text"] == "张家村志愿者访谈"
    said = " ".join(cli("explain", "a.txt", "0", "-p", coded).stdout.split())
    assert "preamble (title, header and metadata lines): structure, not a turn" in said


def test_the_questioning_side_is_found_and_left_out_by_rules(coded, cli):
    doc = cli.json("show", "a.txt", "--codings", "-p", coded)
    roles = {t["speaker"]: t["role"] for t in doc["turns"] if t["speaker"]}
    assert roles == {"主持": "interviewer", "王大姐": None}
    # 主持 asks about 资金 and 志愿者; only 王大姐's answers are coded by the rules
    coded_turns = {c["turn"] for c in doc["codings"] if c["origin"] == "rule"}
    assert coded_turns == {2, 4}


def test_speakers_merge_spellings_and_set_a_role(coded, cli, tmp_path):
    before = {r["speaker"] for r in cli.json("speakers", "-p", coded)}
    assert {"interviewee", "Interviewee1"} <= before
    rows = cli.json(
        "speakers", "--merge", "interviewee", "--merge", "Interviewee1", "--as", "Interviewee",
        "--role", "respondent", "-p", coded,
    )  # fmt: skip
    merged = next(r for r in rows if r["speaker"] == "Interviewee")
    assert merged["turns"] == 3 and merged["merged"] == ["Interviewee1"]
    assert not {"interviewee", "Interviewee1"} & {r["speaker"] for r in rows}
    # a later import uses the aliases too
    write(tmp_path / "c.txt", "Interviewer: 你好？\ninterviewee: 好。\nInterviewer: 再见？\n")
    cli("import", tmp_path / "c.txt", "-p", coded)
    rows = cli.json("speakers", "-p", coded)
    assert next(r for r in rows if r["speaker"] == "Interviewee")["documents"] == 2
    # the matrix of speakers sees one speaker
    assert "Interviewee1" not in cli("docs", "-p", coded).stdout


def test_speakers_bad_input_changes_nothing(coded, cli):
    before = dump(coded)
    result = cli("speakers", "--merge", "nobody", "--as", "x", "-p", coded, ok=False)
    assert result.exit_code == 1 and "no speaker 'nobody'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert (
        cli("speakers", "--merge", "主持", "--role", "boss", "-p", coded, ok=False).exit_code == 1
    )
    assert dump(coded) == before


def test_rm_keeps_everything_and_restore_puts_it_back(coded, cli):
    before = dump(coded)
    result = cli.json("rm", "a.txt", "-p", coded)
    assert result["document"] == "a.txt" and result["codings"] >= 2
    assert [d["name"] for d in cli.json("docs", "-p", coded)] == ["b.txt"]
    assert "a.txt" not in cli("matrix", "-p", coded).stdout
    back = restore_document(coded, result["record"])
    assert back == {"document": "a.txt", "id": result["id"], "codings": result["codings"]}
    after = dump(coded)
    for table in ("documents", "codings"):
        assert after[table] == before[table]
    assert len(after["coding_events"]) == len(before["coding_events"])
    assert len(after["memos"]) == len(before["memos"])
    with pytest.raises(Exception, match="restored already"):
        restore_document(coded, result["record"])
    db = sqlite3.connect(coded / "casecode.db")
    actions = [r[0] for r in db.execute("SELECT action FROM document_events ORDER BY id")]
    assert actions == ["remove", "restore"]


def test_rm_of_an_unknown_document_is_one_line_and_changes_nothing(coded, cli):
    before = dump(coded)
    result = cli("rm", "nothing.txt", "-p", coded, ok=False)
    assert result.exit_code == 1 and "no document 'nothing.txt'" in result.stderr
    assert "Traceback" not in result.output
    assert dump(coded) == before


def test_rename_a_document(coded, cli):
    memos = cli.json("show", "a.txt", "-p", coded)["memos"]
    assert [m["text"] for m in memos] == ["the first talk"]
    cli("rename", "a.txt", "张家村/a.txt", "-p", coded)
    assert cli.json("show", "张家村/a.txt", "-p", coded)["memos"] == memos
    names = [d["name"] for d in cli.json("docs", "-p", coded)]
    assert names == ["张家村/a.txt", "b.txt"]
    assert cli.json("show", "张家村/a.txt", "--codings", "-p", coded)["codings"]
    db = sqlite3.connect(coded / "casecode.db")
    logged = db.execute("SELECT action, detail FROM document_events").fetchall()
    assert logged == [("rename", "a.txt -> 张家村/a.txt")]
    assert "rename" not in {r["coder"] for r in cli.json("coders", "-p", coded)}
    refused = cli("rename", "b.txt", "张家村/a.txt", "-p", coded, ok=False)
    assert "exists already" in refused.stderr and refused.exit_code == 1


def test_rename_and_merge_codes_move_every_coding_and_keep_history(coded, cli):
    before = cli.json("show", "a.txt", "--codings", "-p", coded)["codings"]
    n_funds = sum(c["code"] == "problems.funds" for c in before)
    assert n_funds
    moved = cli.json("codebook", "rename-code", "problems.funds", "problems.money", "-p", coded)
    assert moved["codings"] >= n_funds and moved["memos"] == 1
    after = cli.json("show", "a.txt", "--codings", "-p", coded)["codings"]
    assert sum(c["code"] == "problems.money" for c in after) == n_funds
    assert not any(c["code"] == "problems.funds" for c in after)
    history = cli.json("history", "a.txt", "2", "-p", coded)
    details = [e["detail"] for e in history["events"] if e["action"] == "recode"]
    assert "rename-code: problems.funds -> problems.money" in details
    merged = cli.json("codebook", "merge-code", "process.volunteers", "problems.money", "-p", coded)
    assert merged["codings"] >= 1
    codes = {c["code"] for c in cli.json("show", "a.txt", "--codings", "-p", coded)["codings"]}
    assert "process.volunteers" not in codes
    # renaming onto a code that has codings is refused: that is a merge
    refused = cli("codebook", "rename-code", "problems.unclear", "problems.money", "-p", coded,
                  ok=False)  # fmt: skip
    assert "merge-code" in refused.stderr and refused.exit_code == 1
    assert cli("codebook", "rename-code", "none.such", "x", "-p", coded, ok=False).exit_code == 1


def test_pseudonymize_builds_an_editable_reversible_table(coded, cli):
    result = cli.json("pseudonymize", "-p", coded)
    table = {r["name"]: r["pseudonym"] for r in result["added"]}
    assert "王大姐" in table and "主持" not in table and "Interviewer" not in table
    path = coded / "pseudonyms.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert {"name", "pseudonym", "source"} <= set(rows[0])
    # the user's edit survives a second run, and the table maps both ways
    text = path.read_text("utf-8").replace(table["王大姐"], "志愿者甲", 1)
    path.write_text(text, "utf-8")
    again = cli.json("pseudonymize", "-p", coded)
    assert again["added"] == []
    mapping = load_pseudonyms(coded)
    assert mapping["王大姐"] == "志愿者甲"
    assert len(set(mapping.values())) == len(mapping)
    assert apply_pseudonyms("王大姐说：资金不够。", mapping) == "志愿者甲说：资金不够。"
    # the stored text stays original
    assert "王大姐" in cli.json("show", "a.txt", "-p", coded)["text"]


def test_a_bad_pseudonym_table_is_one_line(coded, cli):
    write(coded / "pseudonyms.csv", "who,alias\nx,y\n")
    result = cli("pseudonymize", "-p", coded, ok=False)
    assert "pseudonyms.csv" in result.stderr and "name and pseudonym" in result.stderr
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_kind_documents_notes_and_other_languages(tmp_path, cli, project):
    write(tmp_path / "minutes.md", "# 村委会会议纪要\n\n时间：3月4日\n\n会议讨论了幸福院经费。\n")
    write(tmp_path / "fieldnotes.txt", "Visited the home at 10.\n\nThe volunteers were cooking.\n")
    write(tmp_path / "entretien.txt", "Q: Comment avez-vous commencé ?\nR: Je suis bénévole "
          "depuis dix ans dans la commune, avec les personnes âgées.\nQ: Et pour vous ?\n"
          "R: Pour moi, c'est une question de solidarité entre les générations.\n")  # fmt: skip
    report = cli.json("import", tmp_path / "minutes.md", "--kind", "document", "-p", project)
    assert report["outcomes"][0]["kind"] == "document"
    report = cli.json("import", tmp_path / "fieldnotes.txt", tmp_path / "entretien.txt", "-p",
                      project)  # fmt: skip
    outcomes = {o["document"]: o for o in report["outcomes"]}
    assert outcomes["fieldnotes.txt"]["kind"] == "notes"
    assert outcomes["entretien.txt"]["language"] == "other"
    assert any("neither Chinese nor English" in w for w in outcomes["entretien.txt"]["warnings"])
    docs = {d["name"]: d for d in cli.json("docs", "-p", project)}
    assert docs["minutes.md"]["kind"] == "document" and docs["minutes.md"]["speakers"] == []
    assert docs["entretien.txt"]["file_sha256"]
    bad = cli("import", tmp_path / "minutes.md", "--kind", "memo", "-p", project, ok=False)
    assert "unknown kind 'memo'" in bad.stderr and bad.exit_code == 1


def test_other_languages_are_coded_only_when_named(tmp_path, cli, project):
    write(tmp_path / "entretien.txt", "Q: Et le financement ?\nR: Nous n'avons pas assez "
          "d'argent pour les bénévoles, le fonds est trop petit.\nQ: Et les visites ?\n"
          "R: Les bénévoles visitent les personnes âgées chaque semaine.\n")  # fmt: skip
    imported = cli("import", tmp_path / "entretien.txt", "-p", project)
    assert "neither Chinese nor English" in imported.stderr
    cli("codebook", "use", write(tmp_path / "cb.yaml", CODING_CODEBOOK), "-p", project)
    report = cli.json("code", "-p", project)
    assert report["not_coded"] == ["entretien.txt"] and report["rejudged"] == 0
    named = cli.json("code", "--docs", "entretien.txt", "-p", project)
    assert named["not_coded"] == [] and named["rejudged"] == 1


def test_exports_and_the_view_print_pseudonyms(coded, cli, tmp_path):
    write(coded / "pseudonyms.csv", "name,pseudonym,note\n王大姐,志愿者甲,kept\n张家村,甲村,\n")
    cli("export", "codings", "--out", tmp_path / "plain.csv", "-p", coded)
    cli("export", "codings", "--out", tmp_path / "p.csv", "--pseudonyms", "-p", coded)
    plain = (tmp_path / "plain.csv").read_text("utf-8")
    masked = (tmp_path / "p.csv").read_text("utf-8")
    assert "王大姐" in plain and "王大姐" not in masked and "志愿者甲" in masked
    cli("view", "--out", tmp_path / "v.html", "--pseudonyms", "-p", coded)
    page = (tmp_path / "v.html").read_text("utf-8")
    assert "志愿者甲" in page
    assert "王大姐" in cli.json("show", "a.txt", "-p", coded)["text"]  # the store keeps names


def test_a_sheet_with_pseudonyms_goes_out_and_comes_back(coded, cli, tmp_path):
    write(coded / "pseudonyms.csv", "name,pseudonym\n王大姐,志愿者甲\n")
    sheet = tmp_path / "s.csv"
    cli("sheet", "export", sheet, "--pseudonyms", "-p", coded)
    text = sheet.read_text("utf-8-sig")
    assert "志愿者甲" in text and "王大姐" not in text
    rows = list(csv.reader(text.splitlines()))
    header, body = rows[0], rows[1:]
    i = header.index("codes")
    for row in body:
        if row[0] == "a.txt" and row[1] == "2":
            row[i] = "problems.funds"
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *body])
    report = cli.json("sheet", "import", sheet, "--coder", "bo", "-p", coded)
    assert report["added"] == 1 and not report["errors"]


def test_the_preamble_cannot_be_tagged(coded, cli):
    result = cli("tag", "a.txt", "0", "problems.funds", "-p", coded, ok=False)
    assert "turns count from 1" in result.stderr and result.exit_code == 1


def test_names_found_in_texts():
    from casecode.corpus.pseudonyms import find_names

    zh = find_names("李國麟議員：主席，我想問局長。王建国书记说，张国柱也来了。明白了。", "zh")
    assert {"李國麟", "王建国"} <= set(zh) and "明白" not in zh
    en = find_names(
        "Ms Carey asked Sam Jordan about Shared Lives. Our shared lives matter. "
        "Mr Hancock's view was clear.",
        "en",
    )
    assert {"Ms Carey", "Sam Jordan", "Mr Hancock"} <= set(en) and "Shared Lives" not in en


def test_undo_reverts_rm_rename_and_code_moves(coded, cli):
    """Each edit is one batch: ``casecode undo`` takes back the last, one at a time."""
    before = dump(coded)
    cli("codebook", "rename-code", "problems.funds", "problems.money", "-p", coded)
    cli("codebook", "merge-code", "process.volunteers", "problems.money", "-p", coded)
    cli("rename", "a.txt", "张家村.txt", "-p", coded)
    cli("rm", "b.txt", "-p", coded)
    assert [d["name"] for d in cli.json("docs", "-p", coded)] == ["张家村.txt"]
    assert cli.json("undo", "-p", coded)["kind"] == "rm"
    assert cli.json("undo", "-p", coded)["kind"] == "rename"
    assert [d["name"] for d in cli.json("docs", "-p", coded)] == ["a.txt", "b.txt"]
    assert cli.json("undo", "-p", coded)["kind"] == "merge-code"
    assert cli.json("undo", "-p", coded)["kind"] == "rename-code"
    after = dump(coded)
    for table in ("documents", "codings", "memos"):
        assert after[table] == before[table], table
    assert cli.json("undo", "-p", coded)["kind"] == "tag"  # what the fixture did before
