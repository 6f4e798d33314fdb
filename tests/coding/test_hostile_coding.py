"""Coding against hostile rules and interruptions: a regex that backtracks without end is set
aside by name while the rest of the coding goes on; a hostile speaker pattern fails its file, not
the import; stopping ``code --jobs N`` leaves no worker behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

import casecode
from casecode.coding import engine
from casecode.corpus import turns
from conftest import ROOT, write

CODEBOOK = """\
name: hostile
languages: [zh, en]
codes:
  - id: funds
    label: {zh: 资金, en: Funds}
    definition: x
    rules:
      - id: funds-words
        keywords: {zh: [资金, 经费]}
  - id: slow
    label: {zh: 慢, en: Slow}
    definition: x
    rules:
      - id: nested-bomb
        regex: '(?:a{1,30}){2,30}b'
"""


def test_a_regex_out_of_time_is_named_and_the_rest_codes(tmp_path, cli, project, monkeypatch):
    monkeypatch.setattr(engine, "REGEX_SECONDS", 0.2)
    write(
        tmp_path / "t" / "a.txt", "访谈者：资金够吗？\n村民：" + "a" * 3000 + "\n村民：经费不够。\n"
    )
    write(tmp_path / "t" / "b.txt", "访谈者：经费从哪里来？\n村民：村里拨的资金。\n")
    cli("import", tmp_path / "t", "-p", project)
    cli("codebook", "use", write(tmp_path / "cb.yaml", CODEBOOK), "-p", project)
    started = time.monotonic()
    result = cli("code", "-p", project)
    assert time.monotonic() - started < 30
    assert "rule nested-bomb: its regex ran out of time" in result.stderr
    report = casecode.autocode(project, dry_run=True, docs=["a.txt", "b.txt"])
    assert report.timed_out == ["nested-bomb"]
    assert report.by_code.get("funds", 0) >= 2 and "slow" not in report.by_code


def test_a_hostile_speaker_pattern_fails_its_file_not_the_batch(
    tmp_path, cli, project, monkeypatch
):
    monkeypatch.setattr(turns, "PATTERN_SECONDS", 0.2)
    config = project / "casecode.toml"
    config.write_text(
        config.read_text("utf-8").replace(
            "speaker_patterns = []", "speaker_patterns = ['^(?P<speaker>(a|aa)+)b']"
        ),
        "utf-8",
    )
    write(tmp_path / "t" / "a.txt", "a" * 3000 + "\n")
    write(tmp_path / "t" / "b.txt", "访谈者：好。\n")
    result = cli("import", tmp_path / "t", "-p", project, "--json", ok=False)
    outcomes = {Path(o["path"]).name: o for o in json.loads(result.stdout)["outcomes"]}
    assert outcomes["a.txt"]["status"] == "failed"
    assert "speaker pattern 1 in casecode.toml ran out of time" in outcomes["a.txt"]["message"]
    assert outcomes["b.txt"]["status"] == "imported"


def _marked(mark: str) -> list[int]:
    """Processes whose environment carries ``mark`` (Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL, signal.SIGINT])
def test_stopping_code_with_jobs_leaves_no_worker(tmp_path, cli, project, how):
    for n in range(6):
        write(
            tmp_path / "t" / f"d{n}.txt", f"访谈者：资金{n}？\n村民：" + "经费不够。" * 3000 + "\n"
        )
    cli("import", tmp_path / "t", "-p", project)
    cli("codebook", "use", write(tmp_path / "cb.yaml", CODEBOOK), "-p", project)
    mark = f"CASECODE_TEST_MARK={uuid.uuid4().hex}"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), mark.split("=")[0]: mark.split("=")[1]}
    parent = subprocess.Popen(
        [
            sys.executable,
            "-X",
            "faulthandler",
            "-m",
            "casecode",
            "code",
            "--jobs",
            "2",
            "-p",
            str(project),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "stderr.txt").open("w"),
    )
    try:
        deadline = time.monotonic() + 60
        while len(_marked(mark)) < 4 and parent.poll() is None:  # parent, server, 2 workers
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.1)
        assert parent.poll() is None, "the run ended before it could be stopped"
        parent.send_signal(how)
        try:
            parent.wait(30)
        except subprocess.TimeoutExpired:
            parent.send_signal(signal.SIGABRT)
            time.sleep(2)
            raise AssertionError((tmp_path / "stderr.txt").read_text()[-5000:]) from None
        deadline = time.monotonic() + 10
        while _marked(mark) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _marked(mark) == []
    finally:
        for pid in _marked(mark):
            os.kill(pid, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()


def test_long_texts_are_tokenised_in_pieces_with_the_same_tokens(monkeypatch):
    from casecode.coding import tokenize
    from casecode.coding.tokenize import Tokenizer, chunks

    zh = (
        "访谈者：村里的老年协会怎么样？\n李会长：每月账目公开，大家都满意。资金不够，经费紧张。"
        * 40
    )
    en = "Interviewer: how is the association doing?\nChair: the money is short, 1,000 yuan. " * 40
    tokenizer = Tokenizer({"老年协会", "资金"})
    whole = {lang: tokenizer.tokenize(text, lang) for lang, text in (("zh", zh), ("en", en))}
    monkeypatch.setattr(tokenize, "CHUNK", 64)
    for lang, text in (("zh", zh), ("en", en)):
        pieces = chunks(text, 64)
        assert pieces[0][0] == 0 and pieces[-1][1] == len(text) and len(pieces) > 10
        assert all(
            b - a <= 64 and a == prev
            for (a, b), (_, prev) in zip(pieces[1:], pieces[:-1], strict=True)
        )
        cut = tokenizer.tokenize(text, lang)
        assert (list(cut.starts), list(cut.ends)) == (
            list(whole[lang].starts),
            list(whole[lang].ends),
        )
    # a pathological unit (one run with no break at all) is cut where the size ends
    assert chunks("好" * 200, 64) == [(0, 64), (64, 128), (128, 192), (192, 200)]
