from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile

import pandas as pd
import pytest
from docx import Document

import casecode
from casecode import load_codebook
from casecode.store import Store
from conftest import CORPUS, write

INTERVIEW = "访谈者：您好，村里的互助幸福院是怎么办起来的？\n受访者：二〇一九年村民代表大会商量的，老人需要有人照顾。\n访谈者：谢谢。\n"


def test_init_creates_settings_and_store(tmp_path, cli):
    result = cli("init", tmp_path / "study")
    assert (tmp_path / "study" / "casecode.toml").is_file()
    assert (tmp_path / "study" / "casecode.db").is_file()
    assert "Project ready" in result.stdout
    cli("init", tmp_path / "study")  # again: harmless
    cli("init", "-p", tmp_path / "other")
    assert (tmp_path / "other" / "casecode.toml").is_file()


def test_commands_without_a_project_say_to_run_init(cli):
    result = cli("docs", ok=False)
    assert "no casecode project here" in result.stderr
    assert "casecode init" in result.stderr
    assert "Traceback" not in result.output


def test_project_found_by_option_env_and_parent_folder(tmp_path, cli, project, monkeypatch):
    write(tmp_path / "a.txt", INTERVIEW)
    cli("import", tmp_path / "a.txt", "-p", project)
    assert len(cli.json("docs", "--project", project)) == 1
    monkeypatch.setenv("CASECODE_PROJECT", str(project))
    assert len(cli.json("docs")) == 1
    monkeypatch.delenv("CASECODE_PROJECT")
    (project / "sub").mkdir()
    monkeypatch.chdir(project / "sub")
    assert len(cli.json("docs")) == 1
    result = cli("docs", "-p", tmp_path / "nowhere", ok=False)
    assert "not a casecode project" in result.stderr


def test_import_then_docs_and_show_json(tmp_path, cli, project):
    write(tmp_path / "村支书.txt", INTERVIEW)
    cli("import", tmp_path / "村支书.txt", "-p", project)
    docs = cli.json("docs", "-p", project)
    assert len(docs) == 1
    doc = docs[0]
    assert {
        "id",
        "name",
        "case",
        "language",
        "encoding",
        "turns",
        "characters",
        "speakers",
        "attributes",
    } <= doc.keys()
    assert (doc["name"], doc["case"], doc["language"], doc["encoding"]) == (
        "村支书.txt",
        "村支书",
        "zh",
        "utf-8",
    )
    assert (doc["turns"], doc["characters"], doc["speakers"]) == (
        3,
        len(INTERVIEW),
        ["受访者", "访谈者"],
    )
    for ref in (str(doc["id"]), "村支书.txt", "村支书"):
        shown = cli.json("show", ref, "-p", project)
        assert shown["text"] == INTERVIEW
        assert [t["speaker"] for t in shown["turns"]] == ["访谈者", "受访者", "访谈者"]
        for t in shown["turns"]:
            assert shown["text"][t["start"] : t["end"]] == t["text"]
            assert {"n", "speaker", "start", "end", "text"} <= t.keys()
    result = cli("show", "1", "-p", project)
    assert "受访者" in result.stdout and "二〇一九年" in result.stdout
    assert "no document 'nope'" in cli("show", "nope", "-p", project, ok=False).stderr


def test_gbk_file_is_stored_exactly_as_decoded(tmp_path, cli, project):
    path = write(tmp_path / "gbk.txt", INTERVIEW * 3, "gbk")
    cli("import", path, "-p", project)
    doc = cli.json("show", "gbk", "-p", project)
    assert doc["encoding"] == "gb18030"
    assert doc["text"] == path.read_bytes().decode("gbk")


def test_encoding_and_language_can_be_overridden(tmp_path, cli, project):
    path = write(tmp_path / "a.txt", INTERVIEW, "gbk")
    cli("import", path, "-p", project, "--encoding", "gbk", "--doc-lang", "mixed")
    doc = cli.json("docs", "-p", project)[0]
    assert (doc["encoding"], doc["language"]) == ("gb18030", "mixed")
    result = cli("import", path, "-p", project, "--doc-lang", "fr", ok=False)
    assert "unknown language" in result.stderr


def test_a_batch_imports_the_good_files_and_lists_every_failure(tmp_path, cli, project):
    good = write(tmp_path / "in" / "good.txt", INTERVIEW)
    write(tmp_path / "in" / "empty.txt", "")
    (tmp_path / "in" / "binary.md").write_bytes(b"\x00\x01\x02\xff" * 300)
    write(tmp_path / "in" / "broken.docx", "not a zip")
    write(tmp_path / "in" / "broken.xlsx", "not a zip")
    write(tmp_path / "in" / "turns.csv", "who,words\nQ,hi\n")
    result = cli(
        "import", tmp_path / "in", tmp_path / "missing.txt", "-p", project, "--json", ok=False
    )
    assert result.exit_code == 1
    outcomes = {o["path"].split("/")[-1]: o for o in json.loads(result.stdout)["outcomes"]}
    assert outcomes["good.txt"]["status"] == "imported"
    expected = {
        "empty.txt": "empty file",
        "binary.md": "binary file",
        "broken.docx": "corrupt or unreadable .docx",
        "broken.xlsx": "corrupt or unreadable .xlsx",
        "turns.csv": "no text column",
        "missing.txt": "no such file",
    }
    for name, message in expected.items():
        assert outcomes[name]["status"] == "failed", name
        assert message in outcomes[name]["message"], (name, outcomes[name]["message"])
    docs = cli.json("docs", "-p", project)
    assert [d["name"] for d in docs] == [good.name]  # nothing half-imported from the failures
    table = cli("import", tmp_path / "in", "-p", project, ok=False)
    assert "failed" in table.stdout and "Traceback" not in table.output
    for name, message in expected.items():  # each failure said once, as one error line
        if name != "missing.txt":
            assert table.output.count(message) == 1, name
            assert f"{name}: {message}" in table.stderr, name


def test_unsupported_file_named_on_the_command_line_fails(tmp_path, cli, project):
    path = write(tmp_path / "notes.rtf", "{\\rtf1}")
    result = cli("import", path, "-p", project, ok=False)
    assert "unsupported file type" in result.stderr
    # a PDF is read now; a damaged one is refused with its cause, in one line
    damaged = write(tmp_path / "notes.pdf", "%PDF")
    result = cli("import", damaged, "-p", project, ok=False)
    assert "corrupt or unreadable .pdf" in result.stderr and result.exit_code == 1


def test_globs_are_expanded(tmp_path, cli, project):
    write(tmp_path / "a1.txt", INTERVIEW)
    write(tmp_path / "a2.txt", INTERVIEW + "受访者：再补充一句。\n")
    cli("import", str(tmp_path / "a*.txt"), "-p", project)
    assert len(cli.json("docs", "-p", project)) == 2
    result = cli("import", str(tmp_path / "zz*.txt"), "-p", project, ok=False)
    assert "no files match" in result.stderr


def test_same_content_twice_is_skipped_and_a_changed_file_is_refused(tmp_path, cli, project):
    path = write(tmp_path / "a.txt", INTERVIEW)
    cli("import", path, "-p", project)
    copy = write(tmp_path / "copy.txt", INTERVIEW)
    report = cli.json("import", copy, "-p", project)
    assert report["outcomes"][0]["status"] == "skipped"
    assert "already imported as 'a.txt'" in report["outcomes"][0]["message"]
    write(tmp_path / "a.txt", INTERVIEW + "受访者：补充。\n")
    result = cli("import", path, "-p", project, ok=False)
    assert "--replace" in result.stderr
    assert cli.json("show", "a.txt", "-p", project)["text"] == INTERVIEW


def _imported_with_a_manual_coding(tmp_path, cli, project, phrase="村民代表大会"):
    """Import INTERVIEW as a.txt and code ``phrase`` in it by hand, as a researcher would."""
    path = write(tmp_path / "a.txt", INTERVIEW)
    cli("import", path, "-p", project)
    with Store(project / "casecode.db") as store:
        start = INTERVIEW.index(phrase)
        store.insert_coding(
            1, start, start + len(phrase), "process.co_design", coder="ann", origin="manual"
        )
    return path, phrase


def test_replace_carries_codings_onto_the_new_text(tmp_path, cli, project):
    path, phrase = _imported_with_a_manual_coding(tmp_path, cli, project)
    new = "A县访谈\n" + INTERVIEW + "受访者：补充。\n"
    write(tmp_path / "a.txt", new)
    report = cli.json("import", path, "-p", project, "--replace")
    assert report["outcomes"][0]["status"] == "replaced"
    with Store(project / "casecode.db") as store:
        (coding,) = store.codings_for_document(1)
        assert new[coding["start"] : coding["end"]] == phrase
        assert store.document_by_name("a.txt")["text"] == new


def test_replace_drops_open_suggestions_on_edited_text_but_keeps_the_rest(tmp_path, cli, project):
    path, phrase = _imported_with_a_manual_coding(tmp_path, cli, project)
    with Store(project / "casecode.db") as store:
        store.insert_coding(1, 0, 4, "problems.x", coder="auto", origin="rule:r")
    write(tmp_path / "a.txt", "B" + INTERVIEW[1:])  # the suggestion's text changes
    report = cli.json("import", path, "-p", project, "--replace")
    assert report["outcomes"][0]["status"] == "replaced"
    with Store(project / "casecode.db") as store:
        (coding,) = store.codings_for_document(1)
        assert coding["origin"] == "manual"


def test_replace_is_refused_when_coded_text_changed(tmp_path, cli, project):
    path, phrase = _imported_with_a_manual_coding(tmp_path, cli, project)
    write(tmp_path / "a.txt", INTERVIEW.replace(phrase, "村民议事会"))
    result = cli("import", path, "-p", project, "--replace", "--json", ok=False)
    assert "1 coding(s) (1 manual," in json.loads(result.stdout)["outcomes"][0]["message"]
    with Store(project / "casecode.db") as store:
        assert store.document_by_name("a.txt")["text"] == INTERVIEW
        assert len(store.codings_for_document(1)) == 1


def test_attributes_by_document_and_by_case(tmp_path, cli, project):
    write(tmp_path / "zhang.txt", INTERVIEW)
    write(
        tmp_path / "li.md",
        "---\nrole: 会长\ninterviewer: 甲\n---\n" + INTERVIEW.replace("您好", "你好"),
    )
    attrs = write(
        tmp_path / "attrs.csv",
        "document,case,role,village\nzhang,上坊村,村支书,上坊村\nghost,x,y,z\n",
    )
    result = cli(
        "import", tmp_path / "zhang.txt", tmp_path / "li.md", "-p", project, "--attributes", attrs
    )
    assert "ghost" in result.stderr  # unmatched rows are reported
    docs = {d["name"]: d for d in cli.json("docs", "-p", project)}
    assert docs["zhang.txt"]["case"] == "上坊村"
    assert docs["zhang.txt"]["attributes"] == {"role": "村支书", "village": "上坊村"}
    assert docs["li.md"]["attributes"] == {"role": "会长", "interviewer": "甲"}  # front matter
    cases = write(tmp_path / "cases.xlsx.csv", "case,township\n上坊村,东岭镇\n")
    report = cli.json("attributes", cases, "-p", project)
    assert report["updated"] == ["上坊村"]
    docs = {d["name"]: d for d in cli.json("docs", "-p", project)}
    assert docs["zhang.txt"]["attributes"]["township"] == "东岭镇"
    bad = write(tmp_path / "bad.csv", "name,role\nx,y\n")
    assert (
        "no 'document' or 'case' column" in cli("attributes", bad, "-p", project, ok=False).stderr
    )


def test_a_bad_attributes_file_stops_the_import_before_anything_changes(tmp_path, cli, project):
    write(tmp_path / "a.txt", INTERVIEW)
    result = cli(
        "import", tmp_path / "a.txt", "-p", project, "--attributes", tmp_path / "nope.csv", ok=False
    )
    assert "no such attributes file" in result.stderr
    assert cli.json("docs", "-p", project) == []


def test_errors_show_a_traceback_only_with_debug(tmp_path, cli):
    result = cli("docs", ok=False)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    result = cli("--debug", "docs", ok=False)
    assert result.exception is not None and not isinstance(result.exception, SystemExit)


def test_csv_transcript_with_named_columns(tmp_path, cli, project):
    path = write(tmp_path / "t.csv", "who,words\nQ,hello there\nA,we built it in 2019\n")
    cli("import", path, "-p", project, "--text-column", "words", "--speaker-column", "who")
    shown = cli.json("show", "t", "-p", project)
    assert [(t["speaker"], t["text"]) for t in shown["turns"]] == [
        ("Q", "hello there"),
        ("A", "we built it in 2019"),
    ]


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="bundled corpus not present")
def test_run_on_the_bundled_corpus(tmp_path, cli):
    report = cli.json("run", CORPUS, "--out", tmp_path / "out")
    docs = {d["name"]: d for d in report["documents"]}
    assert len(docs) == 11
    assert report["import"]["counts"]["failed"] == 0
    assert sum(d["language"] == "zh" for d in docs.values()) == 8
    assert sum(d["language"] == "en" for d in docs.values()) == 3
    assert docs["zh02_township_cadre.txt"]["encoding"] == "gb18030"
    assert docs["zh04_elderly_association.docx"]["speakers"] == ["李会长", "访谈者"]
    assert docs["zh03_village_secretary.txt"]["case"] == "上坊村"
    assert docs["zh03_village_secretary.txt"]["attributes"]["role"] == "村党支部书记"
    for d in docs.values():
        assert d["turns"] >= 18 and len(d["speakers"]) >= 2, d["name"]
        assert "attributes.csv" not in d["name"]
    assert (tmp_path / "out" / "documents.csv").is_file()
    assert report["coding"]["documents"] == 11 and report["coding"]["codings"] > 500
    assert report["coding"]["codebook_version"] == load_codebook("coproduction").content_version
    out = tmp_path / "out"
    written = ["documents.csv", "matrix.xlsx", "cooccurrence.xlsx", "codings.csv", "report.docx"]
    written.append("view.html")
    assert report["files"] == [str(out / name) for name in written]
    assert "项目：county-a" in "\n".join(
        p.text for p in Document(str(out / "report.docx")).paragraphs
    )
    matrix = pd.read_excel(out / "matrix.xlsx", index_col=0, skiprows=[1])
    expected = casecode.code_matrix(out, level=2, measure="segments", totals=True)
    assert matrix.loc["Total", "Total"] == expected.loc["Total", "Total"]  # turns, as the report
    first = {
        name: (out / name).read_bytes() for name in ("codings.csv", "documents.csv", "view.html")
    }
    first_report = zipfile.ZipFile(out / "report.docx").read("word/document.xml")
    # idempotent; -p names the project, and --force lets it write over the outputs
    again = cli.json("run", CORPUS, "-p", tmp_path / "out", "--force")
    assert {name: (out / name).read_bytes() for name in first} == first
    assert zipfile.ZipFile(out / "report.docx").read("word/document.xml") == first_report
    assert again["import"]["counts"]["skipped"] == 11
    assert again["coding"]["by_code"] == report["coding"]["by_code"]
    assert again["coding"]["tokenized"] == 0  # the token cache was reused
    db = sqlite3.connect(tmp_path / "out" / "casecode.db")
    assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == report["coding"]["codings"]


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from casecode.cli import app\n"
        "for args in (['--help'], ['codebook', '--help'], ['codebook', 'validate', '--help'],\n"
        "             ['matrix', '--help'], ['report', '--help'], ['export', 'codings', '--help']):\n"
        "    r = CliRunner().invoke(app, args)\n"
        "    assert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('spacy', 'jieba', 'pandas', 'docx', 'openpyxl', 'lxml', 'charset_normalizer', 'jsonschema', 'yaml', 'matplotlib', 'numpy', 'textual') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_python_api_takes_one_path_as_a_string(tmp_path, project):
    import casecode

    path = write(tmp_path / "a.txt", INTERVIEW)
    report = casecode.import_documents(project, str(path))
    assert [o.status for o in report.outcomes] == ["imported"]
    assert casecode.get_document(project, "a")["turns"][1]["speaker"] == "受访者"


def test_same_file_name_in_two_subfolders_stays_two_documents(tmp_path, cli, project):
    write(tmp_path / "tree" / "村A" / "访谈1.txt", INTERVIEW)
    write(tmp_path / "tree" / "村B" / "访谈1.txt", INTERVIEW.replace("您好", "你好"))
    cli("import", tmp_path / "tree", "-p", project)
    assert sorted(d["name"] for d in cli.json("docs", "-p", project)) == [
        "村A/访谈1.txt",
        "村B/访谈1.txt",
    ]


def test_broken_links_in_a_folder_are_listed_and_the_rest_imported(tmp_path, cli, project):
    write(tmp_path / "in" / "ok.txt", INTERVIEW)
    (tmp_path / "in" / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    result = cli("import", tmp_path / "in", "-p", project, ok=False)
    assert "dangling.txt: broken link" in result.stderr
    assert [d["name"] for d in cli.json("docs", "-p", project)] == ["ok.txt"]


@pytest.mark.parametrize("damage", ["delete", "empty", "foreign"])
def test_a_missing_empty_or_foreign_store_is_refused_not_recreated(project, cli, damage):
    import sqlite3

    db = project / "casecode.db"
    db.unlink()
    if damage == "empty":
        db.write_bytes(b"")
    elif damage == "foreign":
        other = sqlite3.connect(db)
        other.execute("CREATE TABLE invoices (id INTEGER)")
        other.commit()
        other.close()
    result = cli("docs", "-p", project, ok=False)
    assert "casecode.db" in result.stderr and "Traceback" not in result.output
    assert db.exists() == (damage != "delete")
    if damage == "foreign":
        tables = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
        assert tables == {"invoices"}


def test_attribute_rows_that_match_nothing_or_several_documents_fail(tmp_path, cli, project):
    write(tmp_path / "s.txt", INTERVIEW)
    write(tmp_path / "s.md", INTERVIEW + "受访者：另一份。\n")
    cli("import", tmp_path / "s.txt", tmp_path / "s.md", "-p", project)
    result = cli(
        "attributes",
        write(tmp_path / "a.csv", "document,role\ns,x\nghost,y\n"),
        "-p",
        project,
        ok=False,
    )
    assert (
        "several documents match s" in result.stderr and "no document named ghost" in result.stderr
    )
    ok = cli.json(
        "attributes", write(tmp_path / "b.csv", "document,role\ns.md,x\ns.md,y\n"), "-p", project
    )
    assert ok["updated"] == ["s.md"] and ok["duplicates"] == ["s.md"]
    assert cli.json("show", "s.md", "-p", project)["attributes"] == {"role": "y"}


def test_run_on_a_missing_corpus_creates_nothing(tmp_path, cli):
    result = cli("run", tmp_path / "nope", "--out", tmp_path / "out", ok=False)
    assert "no such file or folder" in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_overview_csv_has_no_duplicate_columns(tmp_path, cli):
    import csv

    write(tmp_path / "c" / "a.txt", INTERVIEW)
    write(tmp_path / "c" / "attributes.csv", "document,language,role\na,中文,村支书\n")
    cli("run", tmp_path / "c", "--out", tmp_path / "out")
    with open(tmp_path / "out" / "documents.csv", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh))
    assert len(header) == len(set(header))
    assert "attr_language" in header and "role" in header


def test_show_refuses_an_unknown_language(tmp_path, cli, project):
    cli("import", write(tmp_path / "a.txt", "访谈者：你好\n村民：你好\n"), "-p", project)
    assert (
        "unknown language 'fr'"
        in cli("show", "a.txt", "--lang", "fr", "-p", project, ok=False).stderr
    )


def test_a_user_dictionary_that_is_a_folder_is_named_as_such(tmp_path, cli, project):
    cli("import", write(tmp_path / "a.txt", "访谈者：你好\n村民：权责不清\n"), "-p", project)
    cli("codebook", "use", "coproduction", "-p", project)
    settings = project / "casecode.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            'user_dictionary = ""', 'user_dictionary = "."'
        ),
        encoding="utf-8",
    )
    result = cli("code", "-p", project, ok=False)
    assert "user_dictionary names a folder, not a file" in result.stderr


def test_run_with_a_broken_codebook_creates_nothing(tmp_path, cli):
    bad = write(tmp_path / "bad.yaml", "codes:\n  - id: x\n    lable: y\n")
    result = cli("run", CORPUS, "--out", tmp_path / "out", "--codebook", bad, ok=False)
    assert "bad.yaml" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.fixture
def two_coders(tmp_path, cli, project, monkeypatch):
    """Two documents coded by hand by ann and bo (samples A and B)."""
    from samples import ANALYSIS_CODEBOOK, A, B

    for name, text in {"a.txt": A, "b.txt": B}.items():
        write(tmp_path / "t" / name, text)
    cli("import", tmp_path / "t", "-p", project)
    cli("codebook", "use", write(tmp_path / "cb.yaml", ANALYSIS_CODEBOOK), "-p", project)
    for coder in ("ann", "bo"):
        cli("tag", "a.txt", "2", "problems.funds", "--coder", coder, "-p", project)
    cli("tag", "b.txt", "3", "problems.funds", "--coder", "ann", "-p", project)
    return project


OUTPUTS = {  # every command that writes a file it is told to: its arguments, {} for the file
    "matrix": ["matrix", "--out", "{}.csv"],
    "cooccur": ["cooccur", "--out", "{}.xlsx"],
    "query": ["query", "problems", "--out", "{}.csv"],
    "kwic": ["kwic", "村委会", "--substring", "--out", "{}.csv"],
    "export codings": ["export", "codings", "--out", "{}.csv"],
    "report": ["report", "--out", "{}.docx"],
    "view": ["view", "--out", "{}.html"],
    "sheet export": ["sheet", "export", "{}.xlsx"],
    "codebook export": ["codebook", "export", "--out", "{}.qdc"],
    "agree": ["agree", "--coder", "ann", "--coder", "bo", "--out", "{}.csv"],
}


@pytest.mark.parametrize("command", OUTPUTS)
def test_an_output_file_already_there_is_refused_without_force(tmp_path, cli, two_coders, command):
    args = [a.replace("{}", str(tmp_path / "file")) for a in OUTPUTS[command]]
    path = tmp_path / next(a for a in args if a.startswith(str(tmp_path))).split("/")[-1]
    path.write_text("precious")
    refused = cli(*args, "-p", two_coders, ok=False)
    assert refused.exit_code == 1
    assert refused.stderr == f"error: {path}: already exists (use --force to overwrite it)\n"
    assert path.read_text() == "precious"
    cli(*args, "--force", "-p", two_coders)
    assert path.read_bytes() != b"precious"


def test_codebook_import_refuses_an_existing_yaml_without_force(tmp_path, cli):
    qdc = tmp_path / "cb.qdc"
    cli("codebook", "export", "coproduction", "--out", qdc)
    out = write(tmp_path / "cb.yaml", "precious")
    refused = cli("codebook", "import", qdc, "--out", out, ok=False)
    assert refused.stderr == f"error: {out}: already exists (use --force to overwrite it)\n"
    assert out.read_text() == "precious"
    cli("codebook", "import", qdc, "--out", out, "--force")
    assert out.read_text() != "precious"


def test_a_second_run_into_a_folder_needs_force_and_refuses_before_any_work(tmp_path, cli):
    corpus = write(tmp_path / "c" / "a.txt", INTERVIEW).parent
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.docx").write_text("precious")
    refused = cli("run", corpus, "--out", out, ok=False)
    assert refused.stderr == (
        f"error: {out / 'report.docx'}: already exists (use --force to overwrite it)\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["report.docx"]  # no project, no import
    first = cli.json("run", corpus, "--out", out, "--force")
    written = {name: (out / name).read_bytes() for name in ("documents.csv", "codings.csv")}
    assert "already exists" in cli("run", corpus, "--out", out, ok=False).stderr
    again = cli.json("run", corpus, "--out", out, "--force")
    assert again["files"] == first["files"]
    assert {name: (out / name).read_bytes() for name in written} == written


def test_init_codebook_export_and_review_print_json(tmp_path, cli, two_coders):
    made = cli.json("init", tmp_path / "new")
    assert made == {"project": str(tmp_path / "new"), "created": True}
    assert cli.json("init", tmp_path / "new")["created"] is False
    qdc = tmp_path / "cb.qdc"
    assert cli.json("codebook", "export", "--out", qdc, "-p", two_coders) == {"file": str(qdc)}
    cli("code", "-p", two_coders)
    queue = cli.json("review", "-p", two_coders)  # the open suggestions; nothing decided
    assert queue and all(q["status"] == "suggested" and q["coder"] == "auto" for q in queue)
    assert cli.json("review", "-p", two_coders) == queue


def test_lists_of_codes_and_documents_take_commas_and_the_singular_spelling(cli, two_coders):
    cli("code", "-p", two_coders)
    every = cli.json("review", "-p", two_coders)
    assert [(q["document"], q["code"]) for q in every] == [("a.txt", "problems.unclear")]
    for spelling in (
        ["--docs", "a.txt,b.txt"],
        ["--doc", "b.txt，a.txt"],
        ["--doc", "a.txt"],
        ["--codes", "actors,problems"],
        ["--code", "problems.unclear", "--code", "actors"],
    ):
        assert cli.json("review", *spelling, "-p", two_coders) == every, spelling
    assert cli.json("review", "--docs", "b.txt", "-p", two_coders) == []
    assert cli.json("review", "--code", "actors", "-p", two_coders) == []
    cli("memo", "add", "on a", "--doc", "a.txt", "-p", two_coders)
    cli("memo", "add", "on b", "--docs", "b.txt", "-p", two_coders)
    cli("memo", "add", "on funds", "--code", "problems.funds", "-p", two_coders)
    listed = cli.json("memo", "list", "--docs", "a.txt，b.txt", "-p", two_coders)
    assert [m["text"] for m in listed] == ["on a", "on b"]
    both = cli.json("memo", "list", "--doc", "b.txt", "--code", "problems.funds", "-p", two_coders)
    assert [m["text"] for m in both] == ["on b", "on funds"]
    two = cli("memo", "add", "x", "--codes", "problems,problems.funds", "-p", two_coders, ok=False)
    assert "a memo is about one thing, not 2" in two.stderr


def test_run_checks_the_encoding_first_and_writes_nothing_when_nothing_came_in(tmp_path, cli):
    write(tmp_path / "c" / "a.txt", "访谈者：好吗？\n村民：好。\n")
    bad = cli("run", tmp_path / "c", "--out", tmp_path / "o1", "--encoding", "nonsense", ok=False)
    assert bad.stderr.count("unknown encoding 'nonsense'") == 1
    assert not (tmp_path / "o1").exists()  # refused before any work
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.txt").write_bytes(bytes(range(256)) * 4)  # a binary file
    empty = cli("run", tmp_path / "b", "--out", tmp_path / "o2", ok=False)
    assert "nothing was imported" in empty.stderr
    assert not any((tmp_path / "o2" / name).exists() for name in ("documents.csv", "report.docx"))
    # so the corrected run needs no --force
    write(tmp_path / "b" / "x.txt", "访谈者：好吗？\n村民：好。\n")
    cli("run", tmp_path / "b", "--out", tmp_path / "o2")


def test_a_failure_no_command_foresaw_is_one_line_without_debug(monkeypatch, capsys):
    import importlib

    from casecode.cli.common import state

    app_module = importlib.import_module("casecode.cli.app")

    def broken() -> None:
        raise ValueError("style must not be set\nsecond line")

    monkeypatch.setattr(app_module, "app", broken)
    with pytest.raises(SystemExit) as exit_:
        app_module.main()
    assert exit_.value.code == 1
    printed = capsys.readouterr().err
    assert printed.count("\n") == 1 and "Traceback" not in printed
    assert "ValueError: style must not be set" in printed and "--debug" in printed
    monkeypatch.setitem(state, "debug", True)
    with pytest.raises(ValueError):
        app_module.main()
