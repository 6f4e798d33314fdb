"""Automatic coding: each rule type and veto on hand-written turns, and `casecode code`."""

from __future__ import annotations

import csv
import sqlite3

import pytest

from casecode.codebook import load_codebook, validate_text
from casecode.coding.engine import Engine, findings
from casecode.model import Segment
from conftest import CORPUS, stored_codings, with_transcripts, write
from samples import CODING_CODEBOOK as CODEBOOK


@pytest.fixture(scope="module")
def engine():
    return Engine(validate_text(CODEBOOK).codebook)


def coded(engine, text: str, speaker: str = "村民", lang: str = "zh") -> dict[str, list[str]]:
    """Codes and the rules behind them for one turn."""
    segments = [Segment(1, speaker, 0, len(text), 0)]
    tokens = engine.tokenizer.tokenize(text, lang)
    result: dict[str, list[str]] = {}
    for j in engine.judge(text, segments, tokens):
        result.setdefault(j.rule.code, []).append(j.rule.id)
    return result


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        (
            "村里老人的事谁都管，又谁都不管，权责不清。",
            "zh",
            {"problems.unclear": ["unclear-words"]},
        ),
        ("现在分工很明确，不存在权责不清的问题。", "zh", {}),
        ("村里和镇里总是推诿，没人拍板。", "zh", {"problems.unclear": ["unclear-words"]}),
        ("谁的责任一直都很模糊。", "zh", {"problems.unclear": ["unclear-near"]}),
        ("责任落实到人以后，过了好几年大家还是说不清。", "zh", {}),  # too far apart
        ("Everyone keeps passing the buck.", "en", {"problems.unclear": ["unclear-words"]}),
        ("The duty is still vague.", "en", {"problems.unclear": ["unclear-near"]}),
        ("The duty of each side is still vague.", "en", {}),  # 5 tokens apart, window 3
        ("Nobody is passing the buck here.", "en", {}),  # negation: nobody
        ("We are not passing the buck.", "en", {}),
    ],
)
def test_keywords_near_and_negation(engine, text, lang, expected):
    assert coded(engine, text, lang=lang) == expected


def test_all_exclude_and_sentence_scope(engine):
    text = "经费一直很紧张。去年靠捐款箱的钱，资金也不够。"
    segments = [Segment(1, "村民", 0, len(text), 0)]
    found = findings(engine.judge(text, segments, engine.tokenizer.tokenize(text, "zh")))
    assert [(text[f.start : f.end], f.code, f.rule) for f in found] == [
        ("经费一直很紧张。", "problems.funds", "funds-all")
    ]
    assert coded(engine, "经费倒是有的。") == {}  # the 'all' condition is not met


def test_regex_and_weight(engine):
    found = coded(engine, "我们每月只有 200 元补贴。")
    assert found == {"problems.funds": ["funds-regex"]}
    text = "每月才80块。"
    j = engine.judge(
        text, [Segment(1, "村民", 0, len(text), 0)], engine.tokenizer.tokenize(text, "zh")
    )[0]
    assert j.confidence == pytest.approx(0.3)


def test_min_hits_and_lemmas(engine):
    assert coded(engine, "志愿者来了。") == {}
    assert coded(engine, "志愿者来了，又一个志愿者来了。") == {
        "process.volunteers": ["volunteer-words"]
    }
    text = "Volunteers came, and one more volunteering neighbour."
    assert coded(engine, text, lang="en") == {"process.volunteers": ["volunteer-words"]}


def test_spacy_patterns_match_lemmas(engine):
    assert coded(engine, "They visited the elderly on Sunday.", lang="en") == {
        "process.volunteers": ["visit-pattern"]
    }


def test_speakers_decide_whose_turns_count(engine):
    assert coded(engine, "老年协会管得很好。", speaker="李会长") == {
        "process.volunteers": ["chairman-only"]
    }
    assert coded(engine, "老年协会管得很好。", speaker="村民") == {}
    assert coded(engine, "是不是权责不清？", speaker="访谈者") == {}  # @interviewer by default


def test_text_outside_speaker_turns_is_not_coded(engine):
    text = "权责不清专题访谈\n村民：权责不清。"
    segments = [Segment(1, None, 0, 8, 0, kind="paragraph"), Segment(2, "村民", 12, 17, 9)]
    judged = engine.judge(text, segments, engine.tokenizer.tokenize(text, "zh"))
    assert [j.unit.turn for j in judged] == [2]


# -- the command ------------------------------------------------------------------------------


@pytest.fixture
def coded_project(project, tmp_path, cli):
    files = {
        "a.txt": "访谈者：村里的事谁管？\n村民：村里老人的事谁都管，又谁都不管，权责不清。\n"
        "访谈者：钱呢？\n村民：经费一直很紧张。志愿者来了，又一个志愿者来了。\n",
        "b.txt": "Interviewer: Who decides?\nResident: They keep passing the buck.\n"
        "Interviewer: OK.\nResident: Fine.\n",
    }
    return with_transcripts(cli, project, tmp_path, files, CODEBOOK)


_codings = stored_codings


def test_code_json_summary_and_show(coded_project, cli):
    report = cli.json("code", "-p", coded_project)
    assert {k: report[k] for k in ("documents", "codings", "by_code")} == {
        "documents": 2,
        "codings": 4,
        "by_code": {"problems.funds": 1, "problems.unclear": 2, "process.volunteers": 1},
    }
    shown = cli.json("show", "a.txt", "-p", coded_project)
    first = shown["codings"][0]
    assert set(first) - {"memo", "memos"} == {
        "id",
        "code",
        "turn",
        "start",
        "end",
        "coder",
        "origin",
        "status",
        "rule",
        "evidence",
        "confidence",
    }
    assert (first["code"], first["turn"], first["origin"], first["status"], first["rule"]) == (
        "problems.unclear",
        2,
        "rule",
        "suggested",
        "unclear-words",
    )
    assert first["evidence"][0]["text"] == "权责不清" and first["coder"] == "auto"
    text = shown["text"]
    assert text[first["evidence"][0]["start"] : first["evidence"][0]["end"]] == "权责不清"
    plain = cli("show", "a.txt", "--codings", "-p", coded_project).stdout
    assert "problems.unclear" in plain and "权责不清" in plain


def test_rerunning_replaces_only_that_coders_suggestions_and_keeps_decisions(coded_project, cli):
    cli("code", "-p", coded_project)
    db = sqlite3.connect(coded_project / "casecode.db")
    first = _codings(coded_project)
    rejected, accepted = first[0]["id"], first[1]["id"]
    db.execute("UPDATE codings SET status = 'rejected' WHERE id = ?", (rejected,))
    db.execute("UPDATE codings SET status = 'accepted' WHERE id = ?", (accepted,))
    db.execute(
        'INSERT INTO codings (document_id, start, "end", code_id, coder, origin, status, created_at)'
        " VALUES (1, 0, 3, 'problems.unclear', 'ann', 'manual', 'accepted', 'now')"
    )
    db.commit()
    report = cli.json("code", "--docs", "a.txt", "--docs", "b.txt", "-p", coded_project)
    assert report["kept_decisions"] == 2 and report["removed"] == 2 and report["added"] == 2
    after = _codings(coded_project)
    assert len(after) == len(first) + 1
    statuses = {r["id"]: r["status"] for r in after}
    assert statuses[rejected] == "rejected" and statuses[accepted] == "accepted"
    assert sum(r["origin"] == "manual" for r in after) == 1
    other = cli.json("code", "--coder", "rules-v2", "-p", coded_project)
    assert other["added"] == 4 and len(_codings(coded_project)) == len(after) + 4


def test_dry_run_changes_nothing(coded_project, cli):
    report = cli.json("code", "--dry-run", "-p", coded_project)
    assert report["codings"] == 4 and report["dry_run"] is True
    assert _codings(coded_project) == []


def test_codes_and_docs_narrow_the_run(coded_project, cli):
    cli("code", "-p", coded_project)
    report = cli.json("code", "--codes", "problems.unclear", "--docs", "b.txt", "-p", coded_project)
    assert report["by_code"] == {"problems.unclear": 1} and report["documents"] == 1
    assert len(_codings(coded_project)) == 4  # the other codes and documents were left alone
    by_label = cli.json("code", "--codes", "资金不足", "--dry-run", "-p", coded_project)
    assert by_label["by_code"] == {"problems.funds": 1}
    for empty in ("", " , "):
        none = cli("code", "--codes", empty, "-p", coded_project, ok=False)
        assert "no code given" in none.stderr and none.exit_code == 1
    bad = cli("code", "--codes", "problems.unclaer", "-p", coded_project, ok=False)
    assert "no code 'problems.unclaer'" in bad.stderr and "problems.unclear" in bad.stderr


def test_parallel_jobs_give_identical_codings(coded_project, cli):
    cli("code", "-p", coded_project)
    one = [
        tuple(r)[1:5] + (r["origin"], r["confidence"], r["evidence"])
        for r in _codings(coded_project)
    ]
    cli("code", "--coder", "auto", "--jobs", "2", "-p", coded_project)
    two = [
        tuple(r)[1:5] + (r["origin"], r["confidence"], r["evidence"])
        for r in _codings(coded_project)
    ]
    assert one == two


def test_token_cache_is_reused_until_the_dictionary_changes(coded_project, cli, tmp_path):
    assert cli.json("code", "-p", coded_project)["tokenized"] == 2
    assert cli.json("code", "-p", coded_project)["tokenized"] == 0
    edited = CODEBOOK.replace("weight: 0.5", "weight: 0.4")  # no new Chinese word
    cli("codebook", "use", write(tmp_path / "cb2.yaml", edited), "-p", coded_project)
    assert cli.json("code", "-p", coded_project)["tokenized"] == 0
    added = CODEBOOK.replace("[权责不清, 推诿]", "[权责不清, 推诿, 扯皮]")
    cli("codebook", "use", write(tmp_path / "cb3.yaml", added), "-p", coded_project)
    assert cli.json("code", "-p", coded_project)["tokenized"] == 2


def test_explain_says_why(coded_project, cli):
    result = cli.json("explain", "a.txt", "2", "-p", coded_project)
    assert result["codes"] == ["problems.unclear"]
    fired = [r for r in result["rules"] if r["status"] == "fired"]
    assert fired[0]["rule"] == "unclear-words" and fired[0]["hits"][0]["text"] == "权责不清"
    asked = cli.json("explain", "a.txt", "1", "-p", coded_project)
    assert asked["codes"] == [] and asked["rules"] == []
    volunteers = cli.json("explain", "a.txt", "4", "-p", coded_project)
    assert any(
        r["rule"] == "volunteer-words" and r["status"] == "fired" for r in volunteers["rules"]
    )
    missing = cli("explain", "a.txt", "99", "-p", coded_project, ok=False)
    assert "has no turn 99" in missing.stderr
    text = cli("explain", "a.txt", "2", "-p", coded_project).stdout
    assert "fired" in text and "unclear-words" in text


def test_negation_veto_is_explained(project, tmp_path, cli):
    write(tmp_path / "n.txt", "访谈者：怎么样？\n受访者：现在分工很明确，不存在权责不清的问题。\n")
    cli("import", tmp_path / "n.txt", "-p", project)
    cli("codebook", "use", write(tmp_path / "cb.yaml", CODEBOOK), "-p", project)
    result = cli.json("explain", "n.txt", "2", "-p", project)
    vetoed = [r for r in result["rules"] if r["status"] == "vetoed"]
    assert vetoed and vetoed[0]["reason"] == "negated by '不'"
    assert result["codes"] == []


def test_code_without_a_codebook_is_refused_naming_codebook_use(project, tmp_path, cli):
    write(tmp_path / "x.txt", "访谈者：好\n村民：权责不清，互相推诿。\n")
    cli("import", tmp_path / "x.txt", "-p", project)
    for command in (("code",), ("code", "--dry-run"), ("explain", "x.txt", "2")):
        result = cli(*command, "-p", project, ok=False)
        assert result.exit_code == 1 and "Traceback" not in result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "no codebook" in lines[0]
        assert "casecode codebook use coproduction" in lines[0]
    assert cli.json("show", "x.txt", "-p", project)["codings"] == []  # nothing coded
    assert cli("codebook", "show", "-p", project, ok=False).exit_code == 1  # none was chosen
    cli("codebook", "use", "coproduction", "-p", project)
    assert cli.json("code", "-p", project)["codings"] >= 1


def test_bad_arguments_give_one_line(coded_project, cli):
    assert (
        "--jobs must be at least 1"
        in cli("code", "--jobs", "0", "-p", coded_project, ok=False).stderr
    )
    assert "no document 'zzz'" in cli("code", "--docs", "zzz", "-p", coded_project, ok=False).stderr


# -- the built-in codebook on the sample corpus ---------------------------------------------


@pytest.fixture(scope="module")
def corpus_project(tmp_path_factory):
    from casecode import autocode, run

    out = tmp_path_factory.mktemp("corpus") / "out"
    run(CORPUS, out)
    autocode(out)
    return out


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="bundled corpus not present")
def test_every_leaf_of_the_coproduction_codebook_fires_on_the_corpus(corpus_project):
    book = load_codebook("coproduction")
    db = sqlite3.connect(corpus_project / "casecode.db")
    fired = {r[0] for r in db.execute("SELECT DISTINCT code_id FROM codings")}
    leaves = {c.id for c in book.walk() if not c.children}
    assert leaves - fired == set()


def _level1(code: str) -> str:
    return code.split(".")[0]


def turn_codes(corpus_project) -> set[tuple[str, int, str]]:
    from casecode import get_document

    found = set()
    db = sqlite3.connect(corpus_project / "casecode.db")
    for (name,) in db.execute("SELECT name FROM documents"):
        doc = get_document(corpus_project, name)
        for c in doc["codings"]:
            found.add((name, c["turn"], _level1(c["code"])))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not (CORPUS / "gold" / "gold.csv").is_file(), reason="no gold set")
def test_rules_agree_with_the_gold_set_at_the_first_level(corpus_project):
    with open(CORPUS / "gold" / "gold.csv", encoding="utf-8") as f:
        gold = {(r["document"], int(r["turn"]), _level1(r["code"])) for r in csv.DictReader(f)}
    found = turn_codes(corpus_project)
    tp = len(gold & found)
    precision, recall = tp / len(found), tp / len(gold)
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.75, (precision, recall, f1)


def test_corpus_ignore_file_keeps_the_gold_set_out():
    assert "gold/" in (CORPUS / ".casecodeignore").read_text("utf-8")


def test_help_lists_the_coding_commands(cli):
    text = cli("--help").stdout
    assert "code" in text and "explain" in text


def test_a_missing_spacy_pipeline_is_named_not_downloaded(coded_project, cli):
    result = cli("code", "--spacy-model", "xx_no_such_pipeline", "-p", coded_project, ok=False)
    assert "spaCy pipeline 'xx_no_such_pipeline' is not installed" in result.stderr
    assert "never downloads" in result.stderr
    assert _codings(coded_project) == []


ANY_LANG_PARAGRAPH = """\
name: more
languages: [zh, en]
codes:
  - id: care
    label: {zh: 照料, en: Care}
    definition: x
    rules:
      - id: care-any
        any: [[送饭], {regex: '(?i)meals? on wheels'}]
        scope: paragraph
      - id: care-en-only
        keywords: [care]
        lang: en
"""


def test_any_group_lang_and_paragraph_scope():
    engine = Engine(validate_text(ANY_LANG_PARAGRAPH).codebook)
    text = "我们每天送饭。\n其他的事情再说。\nMeals on wheels came too. We care."
    segments = [Segment(1, "村民", 0, len(text), 0)]
    judged = engine.judge(text, segments, engine.tokenizer.tokenize(text, "zh"))
    got = sorted((j.rule.id, text[j.unit.start : j.unit.end]) for j in judged)
    assert got == [
        ("care-any", "Meals on wheels came too. We care."),
        ("care-any", "我们每天送饭。"),
        ("care-en-only", text),
    ]
    zh_only = "我们很 care 老人的。"
    judged = engine.judge(
        zh_only, [Segment(1, "村民", 0, len(zh_only), 0)], engine.tokenizer.tokenize(zh_only, "zh")
    )
    assert [j.rule.id for j in judged] == []  # a Chinese unit: the English-only rule is skipped


def test_a_rerun_judges_only_what_changed(coded_project, cli, tmp_path):
    first = cli.json("code", "-p", coded_project)
    assert first["rejudged"] == 2
    same = cli.json("code", "-p", coded_project)
    assert same["rejudged"] == 0 and same["by_code"] == first["by_code"]
    edited = CODEBOOK.replace("weight: 0.5", "weight: 0.4")  # only problems.funds changes
    report = cli.json("codebook", "use", write(tmp_path / "cb2.yaml", edited), "-p", coded_project)
    again = cli.json("code", "-p", coded_project)
    assert again["rejudged"] == 2 and again["by_code"] == first["by_code"]
    assert again["added"] == again["removed"] == 1  # the funds suggestion, judged anew
    rows = _codings(coded_project)
    assert {r["codebook_version"] for r in rows} == {report["content_version"]}
    without = CODEBOOK.split("  - id: process\n")[0]  # the volunteers code is gone
    cli("codebook", "use", write(tmp_path / "cb3.yaml", without), "-p", coded_project)
    last = cli.json("code", "-p", coded_project)
    assert last["by_code"] == {"problems.funds": 1, "problems.unclear": 2}
    assert "process.volunteers" not in {r["code_id"] for r in _codings(coded_project)}


def test_a_partial_run_does_not_hide_rule_changes_from_other_documents(
    coded_project, cli, tmp_path
):
    cli("code", "-p", coded_project)
    edited = CODEBOOK.replace(  # no new words, so the tokens stay as they were
        "en: [passing the buck]}\n", "en: [passing the buck]}\n            min_hits: 5\n"
    )
    cli("codebook", "use", write(tmp_path / "cb2.yaml", edited), "-p", coded_project)
    cli("code", "--docs", "b.txt", "-p", coded_project)
    full = cli.json("code", "-p", coded_project)
    assert "problems.unclear" not in full["by_code"]  # a.txt was judged with the new rules too


def test_a_full_stop_ends_english_sentences_and_clauses(engine):
    text = "Money is always short. No, the money is short, they said."
    segments = [Segment(1, "Resident", 0, len(text), 0)]
    judged = engine.judge(text, segments, engine.tokenizer.tokenize(text, "en"))
    assert [text[j.unit.start : j.unit.end] for j in judged] == [
        "Money is always short.",
        "No, the money is short, they said.",  # the comma ends the clause 'No' negates
    ]
    assert coded(engine, "We never stopped. Passing the buck is common.", lang="en") == {
        "problems.unclear": ["unclear-words"]
    }


def test_a_mention_inside_a_longer_one_counts_once():
    book = validate_text(
        CODEBOOK.replace(
            "en: [volunteer]}\n            min_hits: 2",
            "en: [volunteer, volunteer group]}\n            min_hits: 2",
        )
    ).codebook
    engine = Engine(book)
    assert coded(engine, "The volunteer group met.", lang="en") == {}
    assert coded(engine, "The volunteer group met another volunteer.", lang="en") == {
        "process.volunteers": ["volunteer-words"]
    }


def test_codes_may_be_given_with_commas(coded_project, cli):
    report = cli.json(
        "code", "--codes", "problems.unclear,problems.funds", "--dry-run", "-p", coded_project
    )
    assert set(report["by_code"]) == {"problems.unclear", "problems.funds"}


def test_a_damaged_store_is_reported_in_one_line(coded_project, cli):
    db = coded_project / "casecode.db"
    data = bytearray(db.read_bytes())
    data[4096:8192] = b"\xff" * 4096
    db.write_bytes(bytes(data))
    for wal in coded_project.glob("casecode.db-*"):
        wal.unlink()
    result = cli("docs", "-p", coded_project, ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "damaged" in result.stderr or "not a usable casecode database" in result.stderr


def test_explain_shows_the_decisions_in_the_project(coded_project, cli):
    cli("code", "-p", coded_project)
    db = sqlite3.connect(coded_project / "casecode.db")
    db.execute("UPDATE codings SET status = 'rejected' WHERE code_id = 'problems.unclear'")
    db.commit()
    result = cli.json("explain", "a.txt", "2", "-p", coded_project)
    assert [(c["code"], c["status"]) for c in result["stored"]] == [
        ("problems.unclear", "rejected")
    ]
    assert (
        "In the project now: problems.unclear (rejected, auto)"
        in cli("explain", "a.txt", "2", "-p", coded_project).stdout
    )


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="bundled corpus not present")
def test_the_welfare_production_codebook_codes_the_corpus(tmp_path, cli):
    report = cli.json("run", CORPUS, "--out", tmp_path / "wp", "--codebook", "welfare_production")
    assert report["coding"]["documents"] == 11 and report["coding"]["codings"] > 300
    assert report["coding"]["codebook"] == load_codebook("welfare_production").name


def test_near_hits_at_the_same_token_do_not_break_sorting():
    from casecode.coding.engine import Hit, _near

    same = [Hit(0, 2, 0, 1, "ab"), Hit(0, 3, 0, 2, "abc")]
    found = _near([same, [Hit(5, 6, 3, 4, "x")]], window=5, ordered=False)
    assert found and found[0].start == 0


def test_coding_some_codes_does_not_mark_a_new_document_as_fully_coded(coded_project, cli):
    cli("code", "--codes", "problems.unclear", "-p", coded_project)
    full = cli.json("code", "-p", coded_project)
    assert full["rejudged"] == 2 and set(full["by_code"]) == {
        "problems.funds",
        "problems.unclear",
        "process.volunteers",
    }


def test_only_suggestions_the_new_rules_would_give_get_the_new_version(
    coded_project, cli, tmp_path
):
    first = cli.json("code", "-p", coded_project)["codebook_version"]
    edited = CODEBOOK.replace("min_hits: 2", "min_hits: 2\n            weight: 0.9")
    new = cli.json("codebook", "use", write(tmp_path / "e.yaml", edited), "-p", coded_project)
    cli("code", "--codes", "problems", "-p", coded_project)  # volunteers' rules changed, not judged
    versions = {r["code_id"]: r["codebook_version"] for r in _codings(coded_project)}
    assert versions["process.volunteers"] == first
    assert versions["problems.unclear"] == new["content_version"]


def test_a_dry_run_and_explain_write_nothing(project, tmp_path, cli):
    write(tmp_path / "x.txt", "访谈者：好\n受访者：权责不清。\n")
    cli("import", tmp_path / "x.txt", "-p", project)
    cli("codebook", "use", "coproduction", "-p", project)
    db = sqlite3.connect(project / "casecode.db")
    before = db.execute("SELECT count(*) FROM codebooks").fetchone()[0]
    assert cli.json("code", "--dry-run", "-p", project)["codings"] >= 1
    cli("explain", "x.txt", "2", "-p", project)
    assert db.execute("SELECT count(*) FROM codebooks").fetchone()[0] == before
    assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == 0


def test_explain_notes_a_keyword_hidden_inside_a_longer_word(project, tmp_path, cli):
    files = {"h.txt": "访谈者：怎么样？\n受访者：以前乡里和村里互相推诿，经费不足。\n"}
    with_transcripts(cli, project, tmp_path, files, CODEBOOK)
    result = cli.json("explain", "h.txt", "2", "-p", project)
    # 推诿 is the head of 互相推诿 (a match); 经费 only the first part of 经费不足 (a note)
    assert "problems.unclear" in result["codes"]
    assert [(n["word"], n["token"]) for n in result["notes"]] == [("经费", "经费不足")]
    text = cli("explain", "h.txt", "2", "-p", project).stdout
    assert "经费 is inside the word 经费不足" in text
    assert "head 互相推诿" in text  # how the match was made


@pytest.mark.parametrize("package", ["jieba", "typer", "spacy"])
def test_an_installed_package_that_is_no_spacy_pipeline_is_named(coded_project, cli, package):
    result = cli("code", "--spacy-model", package, "--dry-run", "-p", coded_project, ok=False)
    assert result.exit_code == 1
    assert f"'{package}' is not a spaCy pipeline" in result.stderr
    assert "internal error" not in result.stderr


def test_a_dry_run_reports_what_a_real_run_would_add_and_remove(coded_project, cli, tmp_path):
    cli("code", "-p", coded_project)
    before = [tuple(r) for r in _codings(coded_project)]
    fewer = CODEBOOK.replace("[权责不清, 推诿]", "[推诿]").replace("[志愿者]", "[志愿者们]")
    cli("codebook", "use", write(tmp_path / "v2.yaml", fewer), "-p", coded_project)
    dry = cli.json("code", "--dry-run", "-p", coded_project)
    assert [tuple(r) for r in _codings(coded_project)] == before  # nothing changed
    real = cli.json("code", "-p", coded_project)
    keys = ("added", "removed", "kept_decisions", "codings", "by_code")
    assert {k: dry[k] for k in keys} == {k: real[k] for k in keys}
    assert dry["removed"] >= 1 and dry["dry_run"] and not real["dry_run"]


def test_explain_says_when_a_keyword_crosses_a_word_boundary(project, tmp_path, cli):
    files = {"h.txt": "访谈者：谁管？\n受访者：我不清楚。\n"}
    with_transcripts(cli, project, tmp_path, files, CODEBOOK)
    result = cli.json("explain", "h.txt", "2", "-p", project)
    assert [(n["word"], n["kind"], n["tokens"], n["token"]) for n in result["notes"]] == [
        ("不清", "across", ["不", "清楚"], "不清楚")
    ]
    text = cli("explain", "h.txt", "2", "-p", project).stdout
    assert "不清 crosses jieba's word boundary (不|清楚)" in text
    assert "list 不清楚 as a keyword of rule unclear-near (problems.unclear), or set" in text
    assert "list 不 as" not in text
    assert result["notes"][0]["rules"] == [{"code": "problems.unclear", "rule": "unclear-near"}]


def test_explain_gives_no_keyword_hint_for_a_word_that_already_is_a_keyword(project, tmp_path, cli):
    # 不清楚 is a keyword of another rule already: 不清 is still noted, without "list 不清楚"
    book = CODEBOOK.replace("[权责不清, 推诿]", "[权责不清, 推诿, 不清楚]")
    files = {"h.txt": "访谈者：谁管？\n受访者：我不清楚。\n"}
    with_transcripts(cli, project, tmp_path, files, book)
    result = cli.json("explain", "h.txt", "2", "-p", project)
    (note,) = result["notes"]
    assert note["word"] == "不清" and note["hint"] is None
    assert note["listed_in"] == [{"code": "problems.unclear", "rule": "unclear-words"}]
    text = cli("explain", "h.txt", "2", "-p", project).stdout
    assert "list 不清楚" not in text
    assert "不清楚 is already a keyword of unclear-words (problems.unclear)" in text
    # when the keyword's own rule lists the whole word, that rule matches it: no note at all
    same_rule = CODEBOOK.replace("[不清, 不明, 模糊]", "[不清, 不明, 模糊, 不清楚]")
    cli("codebook", "use", write(tmp_path / "same.yaml", same_rule), "-p", project)
    assert cli.json("explain", "h.txt", "2", "-p", project)["notes"] == []
    # context words and exclusions are not keywords: no "list ... as a keyword" for them
    files = {"e.txt": "访谈者：钱呢？\n受访者：大捐款箱里的钱不够。\n"}
    cli("import", write(tmp_path / "e.txt", files["e.txt"]), "-p", project)
    assert cli.json("explain", "e.txt", "2", "-p", project)["notes"] == []


def test_min_confidence_keeps_weaker_suggestions_out_and_a_change_judges_again(coded_project, cli):
    everything = cli.json("code", "-p", coded_project)
    confidences = sorted(r["confidence"] for r in _codings(coded_project))
    floor = min(c for c in confidences if c > confidences[0])  # some fall below it
    strict = cli.json("code", "--min-confidence", str(floor), "-p", coded_project)
    assert strict["rejudged"] == 2  # a new floor judges everything again
    kept = [r["confidence"] for r in _codings(coded_project)]
    assert kept and min(kept) >= floor and len(kept) < len(confidences)
    again = cli.json("code", "-p", coded_project)  # back to the default: all of them again
    assert again["rejudged"] == 2 and again["codings"] == everything["codings"]
    assert (
        "between 0 and 1"
        in cli("code", "--min-confidence", "2", "-p", coded_project, ok=False).stderr
    )


def test_rules_and_people_never_code_under_one_name(coded_project, cli):
    """Rule suggestions stored as a person's (or hand codings as the rules') would pass for that
    coder's judgement in agree and evaluate."""
    cli("code", "-p", coded_project)
    cli("tag", "a.txt", "2", "problems.unclear", "--coder", "gold", "-p", coded_project)
    before = _codings(coded_project)
    refused = cli("code", "--coder", "gold", "-p", coded_project, ok=False).stderr
    assert "'gold' has codings made by hand" in refused and "Traceback" not in refused
    refused = cli(
        "tag", "a.txt", "4", "problems.funds", "--coder", "auto", "-p", coded_project, ok=False
    )
    assert "'auto' is a coder of rules" in refused.stderr
    assert (
        "name at least one code"
        in cli("tag", "a.txt", "2", "", "-p", coded_project, ok=False).stderr
    )
    assert [tuple(r) for r in _codings(coded_project)] == [tuple(r) for r in before]
