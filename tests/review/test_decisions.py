"""Deciding many suggestions at once (``decide``), undoing batches of decisions (``undo``), what
decisions say about each rule (``rules``, ``explain``) and the confidence they calibrate."""

from __future__ import annotations

import json
import math
import sqlite3

import pytest

import casecode
from casecode.coding.calibration import calibrated, wilson
from conftest import build_once, copy_of, stored_codings, with_transcripts
from samples import CODING_CODEBOOK as CODEBOOK

TEXT = (
    "访谈者：村里的事谁管？\n"
    "村民：村里老人的事谁都管，又谁都不管，权责不清。经费一直很紧张。\n"
    "访谈者：钱呢？\n"
    "村民：经费不够，资金也紧张，志愿者说志愿者也累了。\n"
    "访谈者：谁负责？\n"
    "村民：责任不清，大家互相推诿。\n"
    "访谈者：还有呢？\n"
    "村民：经费很紧张，权责不清的事也多。\n"
)


def _build(cli, project, folder):
    other = TEXT.replace("钱呢", "钱的事呢")  # the same suggestions, in another document
    with_transcripts(cli, project, folder, {"a.txt": TEXT, "b.txt": other}, CODEBOOK)
    cli("code", "-p", project)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_once(tmp_path_factory, _build, CASECODE_CODER="ann")


@pytest.fixture
def coded(built, tmp_path, monkeypatch):
    monkeypatch.setenv("CASECODE_CODER", "ann")
    return copy_of(built, tmp_path)


def rows(project):
    return [dict(r) for r in stored_codings(project)]


def suggestions(project, **where):
    return [
        r
        for r in rows(project)
        if r["origin"].startswith("rule:") and all(r[k] == v for k, v in where.items())
    ]


# -- decide ---------------------------------------------------------------------------------


def test_decide_dry_run_lists_and_changes_nothing_then_one_batch_that_undo_reverts(coded, cli):
    before = rows(coded)
    funds = [r for r in suggestions(coded) if r["code_id"] == "problems.funds"]
    assert len(funds) >= 4
    dry = cli.json("decide", "--reject", "--code", "problems.funds", "--dry-run", "-p", coded)
    assert dry["count"] == len(funds) and dry["dry_run"] and dry["batch"] is None
    assert {c["id"] for c in dry["codings"]} == {r["id"] for r in funds}
    assert rows(coded) == before
    shown = cli("decide", "--reject", "--code", "problems.funds", "--dry-run", "-p", coded)
    assert "nothing changed (dry run)" in shown.stdout and "a.txt" in shown.stdout
    done = cli("decide", "--reject", "--code", "problems.funds", "--as", "cai", "-p", coded)
    assert f"Rejected {len(funds)} suggestion(s) of auto as cai" in done.stdout
    after = {r["id"]: r for r in rows(coded)}
    assert all(after[r["id"]]["status"] == "rejected" for r in funds)
    assert all(after[r["id"]]["reviewed_by"] == "cai" for r in funds)
    others = [r for r in before if r["code_id"] != "problems.funds"]
    assert all(after[r["id"]]["status"] == r["status"] for r in others)
    # again: nothing open is left to reject
    assert "nothing changed" in cli("decide", "--reject", "--code", "funds", "-p", coded).stdout
    undone = cli.json("undo", "-p", coded)
    assert undone["kind"] == "decide" and undone["actions"] == {"reject": len(funds)}
    assert rows(coded) == before  # confidences too: recalibrated back to the strengths


def test_decide_filters_by_rule_confidence_and_document(coded):
    regex = suggestions(coded, origin="rule:funds-regex")
    everything = casecode.bulk_decide(coded, "accept", dry_run=True)
    by_rule = casecode.bulk_decide(coded, "accept", rules=["unclear-near"], dry_run=True)
    assert by_rule["count"] and {c["rule"] for c in by_rule["codings"]} == {"unclear-near"}
    low = casecode.bulk_decide(coded, "accept", max_confidence=0.5, dry_run=True)
    high = casecode.bulk_decide(coded, "accept", min_confidence=0.5001, dry_run=True)
    assert low["count"] + high["count"] == everything["count"] and low["count"] and high["count"]
    assert all(c["confidence"] <= 0.5 for c in low["codings"])
    in_b = casecode.bulk_decide(coded, "accept", docs="b.txt", dry_run=True)
    assert {c["document"] for c in in_b["codings"]} == {"b.txt"}
    assert in_b["count"] * 2 == everything["count"]
    assert regex == suggestions(coded, origin="rule:funds-regex")  # dry runs changed nothing
    none = casecode.bulk_decide(coded, "accept", of="someone", dry_run=True)
    assert none["count"] == 0


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give --accept or --reject"),
        (["--accept", "--reject"], "give --accept or --reject"),
        (["--accept", "--min-confidence", "0.8", "--max-confidence", "0.2"], "is above"),
        (["--accept", "--max-confidence", "2"], "not between 0 and 1"),
        (["--accept", "--rule", "no-such-rule"], "no suggestions of a rule 'no-such-rule'"),
        (["--accept", "--code", "nosuchcode"], "nosuchcode"),
    ],
)
def test_decide_refuses_bad_filters_in_one_line_changing_nothing(coded, cli, args, message):
    before = rows(coded)
    result = cli("decide", *args, "-p", coded, ok=False)
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output
    assert rows(coded) == before


# -- undo -----------------------------------------------------------------------------------


def test_undo_takes_back_tag_untag_and_review_decisions_one_batch_at_a_time(coded, cli):
    start = rows(coded)
    (made,) = cli.json("tag", "a.txt", "4", "problems.unclear", "--memo", "边界", "-p", coded)
    cli("untag", "a.txt", "4", "problems.unclear", "-p", coded)
    assert made["id"] not in {r["id"] for r in rows(coded)}
    first = suggestions(coded)[0]
    recoded = casecode.decide(coded, first["id"], "recode", code="process.volunteers")
    assert recoded["new"] in {r["id"] for r in rows(coded)}

    assert cli.json("undo", "-p", coded)["kind"] == "review"  # the recode
    now = {r["id"]: r for r in rows(coded)}
    assert recoded["new"] not in now and now[first["id"]]["status"] == "suggested"
    assert now[first["id"]]["reviewed_by"] is None

    assert cli.json("undo", "-p", coded)["kind"] == "untag"  # back, under its id, with its memo
    back = {r["id"]: r for r in rows(coded)}[made["id"]]
    assert (back["code_id"], back["coder"], back["memo"]) == ("problems.unclear", "ann", "边界")
    memos = casecode.list_memos(coded)
    assert [(m["text"], m["removed"]) for m in memos] == [("边界", False)]

    out = cli("undo", "-p", coded).stdout
    assert "(tag, by ann" in out
    assert rows(coded) == start and casecode.list_memos(coded) == []
    cli("undo", "-p", coded, ok=False)  # nothing left: the suggestions came from `code`
    history = casecode.history(coded, "a.txt", 4)
    assert [e["action"] for e in history["events"]].count("undo") == 2  # tag and its untag


def test_undo_reverts_a_sheet_import_and_a_merge_and_touches_nothing_else(coded, cli, tmp_path):
    sheet = tmp_path / "ann.csv"
    sheet.write_text("document,turn,codes\na.txt,2,problems.unclear\na.txt,4,problems.funds\n")
    cli("sheet", "import", sheet, "--coder", "ann", "-p", coded)
    cli("tag", "a.txt", "2", "problems.unclear", "--coder", "bo", "-p", coded)
    cli("merge", "--from", "ann", "--from", "bo", "--into", "both", "-p", coded)
    before_merge = rows(coded)
    assert {r["coder"] for r in before_merge} == {"auto", "ann", "bo", "both"}
    assert cli.json("undo", "-p", coded)["kind"] == "merge"
    assert {r["coder"] for r in rows(coded)} == {"auto", "ann", "bo"}
    bo = [r for r in rows(coded) if r["coder"] == "bo"]
    cli("undo", "-p", coded)  # bo's tag
    cli("undo", "-p", coded)  # the sheet
    assert {r["coder"] for r in rows(coded)} == {"auto"}
    assert bo and all(r["id"] not in {x["id"] for x in rows(coded)} for r in bo)


def test_undo_dry_run_and_a_batch_a_later_one_changed_again(coded, cli):
    one = suggestions(coded)[0]
    first = casecode.decide(coded, one["id"], "accept", reviewer="ann")
    casecode.decide(coded, one["id"], "reject", reviewer="ann")
    before = rows(coded)
    dry = cli.json("undo", "--dry-run", "-p", coded)
    assert dry["dry_run"] and dry["codings"] == {str(one["id"]): "accepted"}
    assert rows(coded) == before
    with pytest.raises(casecode.CasecodeError, match="changed the same codings since"):
        casecode.undo(coded, batch=first["batch"])
    casecode.undo(coded)
    casecode.undo(coded, batch=first["batch"])
    assert {r["id"]: r for r in rows(coded)}[one["id"]]["status"] == "suggested"
    with pytest.raises(casecode.CasecodeError, match="undone already"):
        casecode.undo(coded, batch=first["batch"])


def test_tag_never_stores_a_code_named_twice(coded, cli):
    made = cli.json("tag", "a.txt", "2", "problems.unclear", "权责不清", "unclear", "-p", coded)
    assert len(made) == 1
    mine = [r for r in rows(coded) if r["coder"] == "ann"]
    assert [(r["code_id"], r["start"]) for r in mine] == [("problems.unclear", made[0]["start"])]


# -- rules and calibration ----------------------------------------------------------------


def test_wilson_interval_known_values():
    low, high = wilson(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.49, 0.943)
    assert wilson(0, 0) == (None, None)
    assert wilson(5, 5)[1] == 1.0 and wilson(0, 5)[0] == 0.0


def test_rules_count_decisions_flag_weak_rules_with_their_rejected_words(coded, cli):
    funds = suggestions(coded, origin="rule:funds-all")
    assert len(funds) >= 4
    casecode.decide(coded, funds[0]["id"], "accept")
    for f in funds[1:3]:
        casecode.decide(coded, f["id"], "reject")
    casecode.decide(coded, funds[3]["id"], "recode", code="process.volunteers")
    result = cli.json("rules", "--min-decisions", "3", "-p", coded)
    record = next(r for r in result["rules"] if r["rule"] == "funds-all")
    assert (record["suggested"], record["accepted"], record["rejected"], record["changed"]) == (
        len(funds),
        1,
        2,
        1,
    )
    assert record["open"] == len(funds) - 4 and record["precision"] == 0.25
    assert (record["low"], record["high"]) == pytest.approx(wilson(1, 4))
    assert record["flagged"] and result["flagged"] == ["funds-all"]
    assert record["rejected_words"][0]["word"] in {"经费", "紧张", "资金", "不够"}
    code = next(c for c in result["codes"] if c["code"] == "problems.funds")
    made = {r["origin"] for r in suggestions(coded) if r["code_id"] == "problems.funds"}
    assert code["decided"] == 4 and code["rules"] == len(made)
    shown = cli("rules", "--min-decisions", "3", "-p", coded).stdout
    assert "⚑ funds-all" in shown and "most rejected" in shown
    assert not cli.json("rules", "-p", coded)["flagged"]  # 4 decisions < 5 by default
    explained = casecode.explain(coded, "a.txt", 8)  # 经费很紧张: funds-all fires
    fired = [r for r in explained["rules"] if r["rule"] == "funds-all"]
    assert fired and fired[0]["record"]["decided"] == 4


def test_confidence_is_calibrated_by_the_rules_record_and_back_when_undone(coded):
    funds = suggestions(coded, origin="rule:funds-all")
    assert all(r["confidence"] == r["strength"] for r in suggestions(coded))
    for f in funds[:3]:
        casecode.decide(coded, f["id"], "reject")
    now = {r["id"]: r for r in suggestions(coded)}
    still_open = [now[f["id"]] for f in funds[3:]]
    assert still_open and all(r["confidence"] < r["strength"] for r in still_open)
    record = casecode.rule_records(coded)["rules"]
    funds_record = next(r for r in record if r["rule"] == "funds-all")
    # the formula of docs/coding.md, from the record
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    m = sum(logit(f["strength"]) for f in funds[:3]) / 3
    prior = 1 / (1 + math.exp(-m))
    assert funds_record["smoothed"] == pytest.approx((0 + 4 * prior) / (3 + 4), abs=1e-4)
    s = still_open[0]["strength"]
    expected = 1 / (1 + math.exp(-(logit(funds_record["smoothed"]) + logit(s) - m)))
    assert still_open[0]["confidence"] == pytest.approx(expected, abs=1e-4)
    other = [r for r in suggestions(coded) if r["origin"] != "rule:funds-all"]
    assert all(r["confidence"] == r["strength"] for r in other)  # other rules keep theirs
    # re-coding keeps decisions and gives the same calibrated figures (the store's state)
    casecode.autocode(coded, codes=["problems"])
    again = {r["id"]: r["confidence"] for r in suggestions(coded) if r["status"] != "suggested"}
    assert again == {f["id"]: now[f["id"]]["confidence"] for f in funds[:3]}
    for _ in range(3):
        casecode.undo(coded)
    assert all(r["confidence"] == r["strength"] for r in suggestions(coded))


def test_informative_order_puts_unreviewed_rules_first_and_confidence_order_lowest(coded):
    funds = suggestions(coded, origin="rule:funds-all")
    for f in funds[:4]:
        casecode.decide(coded, f["id"], "reject")
    queue = casecode.review_queue(coded, order="informative")
    rules_in_order = [q["rule"] for q in queue]
    assert rules_in_order[-1] == "funds-all"
    assert set(rules_in_order[: rules_in_order.index("funds-all")]) == {
        r for r in rules_in_order if r != "funds-all"
    }
    by_conf = [q["confidence"] for q in casecode.review_queue(coded, order="confidence")]
    assert by_conf == sorted(by_conf)
    with pytest.raises(casecode.CasecodeError, match="order"):
        casecode.review_queue(coded, order="random")


def test_an_old_store_migrates_with_strengths_and_events_without_batches(tmp_path):
    from casecode.store.db import Store
    from casecode.store.migrations import MIGRATIONS
    from conftest import add_document

    path = tmp_path / "p.db"
    with Store(path, migrations=MIGRATIONS[:8]) as store, store.transaction():
        doc = add_document(store, "问：权责不清")
        store.db.execute(
            'INSERT INTO codings (document_id, start, "end", code_id, coder, origin, confidence,'
            " created_at) VALUES (?, 2, 6, 'x', 'auto', 'rule:r', 0.75, 'then')",
            (doc,),
        )
    with Store(path) as store:
        assert store.version == len(MIGRATIONS)
        (row,) = store.db.execute("SELECT strength, confidence FROM codings").fetchall()
        assert tuple(row) == (0.75, 0.75)
        assert store.last_batch() is None


def test_calibrated_is_the_strength_without_decisions():
    record = {"decided": 0, "smoothed": 0.5, "mean_logit": 0.0}
    assert calibrated(0.6, record) == 0.6
    more = {"decided": 10, "smoothed": 0.9, "mean_logit": 0.0}
    assert calibrated(0.5, more) == pytest.approx(0.9, abs=1e-4)
    assert calibrated(0.7, more) > calibrated(0.5, more) > calibrated(0.3, more)


def test_history_events_keep_the_coding_as_it_was(coded):
    one = suggestions(coded)[0]
    casecode.decide(coded, one["id"], "accept", reviewer="cai")
    db = sqlite3.connect(coded / "casecode.db")
    (before, batch) = db.execute(
        "SELECT before, batch_id FROM coding_events WHERE coding_id = ?", (one["id"],)
    ).fetchone()
    assert json.loads(before)["status"] == "suggested" and batch is not None


def test_undo_is_refused_when_the_document_was_re_imported_since(coded, cli):
    cli("tag", "a.txt", "2", "problems.unclear", "-p", coded)
    db = sqlite3.connect(coded / "casecode.db")
    db.execute("UPDATE documents SET updated_at = '2999-01-01T00:00:00Z' WHERE name = 'a.txt'")
    db.commit()
    db.close()
    before = rows(coded)
    result = cli("undo", "-p", coded, ok=False)
    assert "a.txt was re-imported since" in result.output and result.exit_code == 1
    assert rows(coded) == before


@pytest.mark.slow
def test_calibrated_confidence_on_the_sample_corpus_says_how_often_gold_accepts():
    """benchmarks/calibration.py, which the README quotes: held-out suggestions in each band of
    calibrated confidence are accepted by gold about as often as the band says."""
    import runpy

    from conftest import ROOT

    bench = runpy.run_path(str(ROOT / "benchmarks" / "calibration.py"))
    held_out = bench["run"]()["held_out"]
    assert len(held_out) > 500
    for a, b in bench["BINS"]:
        band = [right for _, c, right in held_out if a <= c < b]
        if len(band) >= 50:
            assert a - 0.1 <= sum(band) / len(band) <= b + 0.1, (a, b)

    def brier(k):
        return sum((row[k] - row[2]) ** 2 for row in held_out) / len(held_out)

    assert brier(1) < brier(0)  # better than the evidence alone


def test_a_new_kind_of_batch_registers_its_undo(coded, monkeypatch):
    from casecode.project import using_project
    from casecode.review import undo as undo_module

    seen = []
    monkeypatch.setitem(
        undo_module.UNDO, "rm", lambda store, row, events: seen.append(json.loads(row["payload"]))
    )
    with using_project(coded) as proj, proj.store.transaction():
        proj.store.begin_batch("rm", "ann", "rm b.txt", payload={"document": "b.txt"})
    result = casecode.undo(coded)
    assert (result["kind"], seen) == ("rm", [{"document": "b.txt"}])
    with pytest.raises(casecode.CasecodeError, match="nothing to undo"):
        casecode.undo(coded)
