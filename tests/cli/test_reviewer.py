"""``casecode review``: the full-screen review (driven by Textual's headless pilot) and the plain
line-based one for pipes and scripts."""

from __future__ import annotations

import asyncio

import pytest

import casecode
from casecode.cli import app
from casecode.cli.reviewer import make_app, parse_filter, turns_of
from conftest import build_once, copy_of, stored_codings, with_transcripts
from samples import CODING_CODEBOOK as CODEBOOK

TEXT = (
    "访谈者：村里的事谁管？\n"
    "村民：权责不清。经费一直很紧张，志愿者说志愿者也累了。\n"
    "访谈者：钱呢？\n"
    "村民：经费不够，资金也紧张。\n"
    "访谈者：谁负责？\n"
    "村民：责任不清，大家互相推诿。\n"
)


def _build(cli, project, folder):
    with_transcripts(cli, project, folder, {"a.txt": TEXT}, CODEBOOK)
    cli("code", "-p", project)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_once(tmp_path_factory, _build, CASECODE_CODER="ann")


@pytest.fixture
def coded(built, tmp_path, monkeypatch):
    monkeypatch.setenv("CASECODE_CODER", "ann")
    return copy_of(built, tmp_path)


def status(project) -> dict[int, str]:
    return {r["id"]: r["status"] for r in stored_codings(project)}


def drive(project, keys: list[str], **kwargs):
    """Run the review app headless, press ``keys``, and return it (closed)."""
    queue = casecode.review_queue(project, **kwargs)
    review = make_app(project, queue, reviewer="cai", filters=kwargs)

    async def go():
        async with review.run_test(size=(100, 40)) as pilot:
            for key in keys:
                await pilot.press(key)
            await pilot.pause()
            review.shown = {
                name: str(review.query_one(f"#{name}").render())
                for name in ("progress", "list", "message", "turns")
            }

    asyncio.run(go())
    return review


def test_the_full_screen_review_goes_turn_by_turn_with_single_keys(coded):
    queue = casecode.review_queue(coded)
    turns = turns_of(queue)
    first_turn = [q for q in queue if (q["document"], q["turn"]) == turns[0]]
    assert len(first_turn) >= 2  # several suggestions on one turn, shown once
    review = drive(coded, ["a", "r"])
    now = status(coded)
    assert now[first_turn[0]["id"]] == "accepted" and now[first_turn[1]["id"]] == "rejected"
    assert review.made == 2 and review.open == len(queue) - 2
    assert f"decided 2 · open {len(queue) - 2}" in review.shown["progress"]
    assert "rejected: " in review.shown["message"]
    reviewed = [r for r in stored_codings(coded) if r["reviewed_by"]]
    assert {r["reviewed_by"] for r in reviewed} == {"cai"}


def test_the_whole_turn_at_once_and_undo_any_number_of_steps(coded):
    queue = casecode.review_queue(coded)
    turns = turns_of(queue)
    before = status(coded)
    review = drive(coded, ["A", "R", "u"])
    first = [q["id"] for q in queue if (q["document"], q["turn"]) == turns[0]]
    second = [q["id"] for q in queue if (q["document"], q["turn"]) == turns[1]]
    now = status(coded)
    assert all(now[i] == "accepted" for i in first)
    assert all(now[i] == "suggested" for i in second)  # R undone
    assert review.made == len(first)
    assert f"turn 2/{len(turns)}" in review.shown["progress"]  # back where it was undone
    drive(coded, ["u"])  # a new review undoes nothing of an earlier one
    assert status(coded) == now
    casecode.undo(coded)  # each suggestion of the turn was a decision of its own
    assert sum(now[i] != v for i, v in status(coded).items()) == 1 and status(coded) != before


def test_change_memo_skip_and_filter_in_the_full_screen_review(coded):
    queue = casecode.review_queue(coded)
    keys = ["s", "c", *"志愿", "enter", "m", *"ok", "enter"]  # 志愿: words of a label
    review = drive(coded, keys)
    second = queue[1]
    stored = {r["id"]: r for r in stored_codings(coded)}
    assert stored[second["id"]]["status"] == "rejected"
    new = [r for r in stored.values() if r["origin"] == "manual"]
    assert [(r["code_id"], r["coder"], r["start"]) for r in new] == [
        ("process.volunteers", "cai", second["start"])
    ]
    noted = [r for r in stored.values() if r["memo"] == "ok"]
    assert len(noted) == 1 and noted[0]["id"] != second["id"]  # on the next one, after c
    assert review.made == 1


def test_filters_and_escape_in_the_full_screen_review(coded):
    filtered = drive(coded, ["f", *"code:funds", "enter"])
    assert all(q["code"] == "problems.funds" for q in filtered.items) and filtered.items
    assert "code:funds" in filtered.shown["progress"]
    wrong = drive(coded, ["f", *"x:1", "enter"])
    assert "not a filter" in wrong.shown["message"]
    cancelled = drive(coded, ["c", "v", "escape", "a"])
    assert cancelled.made == 1  # escape left the box; a accepted


def test_the_review_highlights_each_suggestion_and_shows_neighbours(coded):
    review = drive(coded, [])
    assert "村里的事谁管" in review.shown["turns"]  # the turn before
    assert "钱呢" in review.shown["turns"]  # the turn after
    assert "problems.unclear" in review.shown["list"]
    empty = drive(coded, [], codes="problems.funds", docs="a.txt", max_confidence=0.0)
    assert "Nothing to review" in empty.shown["turns"]


def test_parse_filter():
    base = {"of": "auto", "order": "document", "codes": ["x"]}
    got = parse_filter("rule:a,b min:0.3 order:confidence code:", base)
    assert got == {
        "of": "auto",
        "order": "confidence",
        "codes": None,
        "rules": ["a", "b"],
        "min_confidence": 0.3,
    }
    with pytest.raises(casecode.CasecodeError, match="not a number"):
        parse_filter("max:lots", base)


# -- the plain review -------------------------------------------------------------------------


def plain(cli, project, keys: str, *args: str) -> str:
    result = cli.runner.invoke(app, ["review", "-p", str(project), *args], input=keys)
    assert result.exit_code == 0, result.output
    return result.output


def test_plain_review_echoes_each_decision_and_counts_decided_and_open(coded, cli):
    queue = casecode.review_queue(coded)
    n = len(queue)
    text = plain(cli, coded, "a\nr\ns\nq\n", "--as", "cai")
    assert f"1/{n} · 0 decided · {n} open" in text
    assert f"2/{n} · 1 decided · {n - 1} open" in text
    assert f"accepted: {queue[0]['code']} on a.txt turn {queue[0]['turn']}" in text
    assert f"rejected: {queue[1]['code']}" in text and "skipped: " in text
    assert f"2 decision(s) saved; {n - 2} suggestion(s) still open" in text
    # --decided: the two decided ones, both counted as decided from the start
    again = plain(cli, coded, "r\nq\n", "--decided", "--plain")
    assert "1/2 · 2 decided · 0 open" in again and "rejected: " in again
    assert "1 decision(s) saved; 0 suggestion(s) still open." in again


def test_plain_review_undoes_with_u(coded, cli):
    queue = casecode.review_queue(coded)
    before = status(coded)
    text = plain(cli, coded, "a\nu\nu\nq\n")
    assert "undone: accept coding" in text and "nothing to undo in this review" in text
    assert status(coded) == before
    assert "0 decision(s) saved" in text and f"{len(queue)} suggestion(s) still open" in text


def test_review_options_select_and_order(coded, cli):
    every = cli.json("review", "-p", coded)
    lowest = cli.json("review", "--order", "confidence", "-p", coded)
    assert [q["confidence"] for q in lowest] == sorted(q["confidence"] for q in every)
    rule = every[0]["rule"]
    only = cli.json("review", "--rule", rule, "-p", coded)
    assert only and {q["rule"] for q in only} == {rule}
    top = max(q["confidence"] for q in every)
    assert cli.json("review", "--min-confidence", str(top), "-p", coded)
    assert not cli.json("review", "--max-confidence", "0.01", "-p", coded)
    bad = cli("review", "--order", "random", "-p", coded, ok=False)
    assert "order 'random'" in bad.output and bad.exit_code == 1


def test_u_undoes_a_memo_too_in_both_reviews(coded, cli):
    text = plain(cli, coded, "m\nnote\nu\nq\n")
    assert "memo saved on coding" in text and "undone: memo on coding" in text
    assert casecode.list_memos(coded) == []
    review = drive(coded, ["m", *"ok", "enter", "u"])
    assert casecode.list_memos(coded) == [] and "memo undone" in review.shown["message"]
    assert review.made == 0
