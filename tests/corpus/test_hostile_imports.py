"""Imports from strangers: links are not followed unless asked, a link loop cannot make a pattern
endless, one content is stored once even when imports race, and a doubtful encoding guess is
reported."""

from __future__ import annotations

import json
import multiprocessing as mp
import sqlite3
from pathlib import Path

import pytest

import casecode
from casecode.corpus.encoding import decode_bytes
from casecode.errors import CasecodeError
from casecode.store.db import Store
from conftest import write

TEXT = "访谈者：村里的老年协会怎么样？\n李会长：每月账目公开，大家都满意。\n"


def _outcomes(result) -> dict[str, dict]:
    return {Path(o["path"]).name: o for o in json.loads(result.stdout)["outcomes"]}


def test_links_in_a_folder_are_skipped_unless_followed(tmp_path, cli, project):
    secret = write(tmp_path / "outside" / "passwd.txt", "root:x:0:0:root:/root:/bin/bash\n")
    folder = tmp_path / "in"
    write(folder / "a.txt", TEXT)
    (folder / "leak.txt").symlink_to(secret)
    (folder / "linked_dir").symlink_to(tmp_path / "outside")
    result = cli("import", folder, "-p", project, "--json")
    outcomes = _outcomes(result)
    assert outcomes["a.txt"]["status"] == "imported"
    assert outcomes["leak.txt"]["status"] == "skipped"
    assert "--follow-links" in outcomes["leak.txt"]["message"]
    assert outcomes["linked_dir"]["status"] == "skipped"
    assert [d["name"] for d in casecode.list_documents(project)] == ["a.txt"]
    result = cli("import", folder, "-p", project, "--follow-links", "--json")
    names = {d["name"] for d in casecode.list_documents(project)}
    assert names == {"a.txt", "leak.txt"}  # the folder link leads to the same file: once


def test_a_link_to_the_folder_itself_ends(tmp_path, cli, project):
    folder = tmp_path / "in"
    write(folder / "a.txt", TEXT)
    (folder / "loop").symlink_to(".")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to("..")
    result = cli("import", f"{folder}/**/*.txt", "-p", project, "--json")
    assert _outcomes(result)["a.txt"]["status"] == "imported"
    cli("import", folder, "-p", project, "--follow-links", "--json")
    assert [d["name"] for d in casecode.list_documents(project)] == ["a.txt"]


def _import(project: str, folder: str, barrier) -> None:
    barrier.wait()
    casecode.import_documents(project, [folder])


def test_racing_imports_of_one_content_under_two_names_store_it_once(tmp_path, project):
    for n in range(2):
        write(tmp_path / f"in{n}" / f"copy{n}.txt", TEXT)
    context = mp.get_context("fork")
    barrier = context.Barrier(2)
    workers = [
        context.Process(target=_import, args=(str(project), str(tmp_path / f"in{n}"), barrier))
        for n in range(2)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert len(casecode.list_documents(project)) == 1


def test_the_store_itself_refuses_a_second_copy(tmp_path, project):
    write(tmp_path / "a.txt", TEXT)
    casecode.import_documents(project, [tmp_path / "a.txt"])
    db = sqlite3.connect(project / "casecode.db")
    with pytest.raises(sqlite3.IntegrityError, match="same content"):
        db.execute(
            "INSERT INTO documents (name, case_name, path, format, language, sha256, text,"
            " body_start, metadata, imported_at) SELECT 'b.txt', case_name, path, format,"
            " language, sha256, text, body_start, metadata, imported_at FROM documents"
        )
    db.rollback()
    db.close()
    with Store(project / "casecode.db") as store, pytest.raises(CasecodeError):
        row = dict(store.db.execute("SELECT * FROM documents").fetchone())
        row.pop("id")
        row["name"] = "c.txt"
        store.insert_document({**row, "metadata": {}})


def test_one_cp1252_byte_in_english_is_a_doubtful_guess(tmp_path, cli, project):
    text = "Interviewer: How is the association doing?\nChair: It\x92s doing well, we think.\n"
    path = tmp_path / "one.txt"
    path.write_bytes(text.encode("latin-1"))
    decoded = decode_bytes(path.read_bytes(), source=path)
    assert decoded.note and "--encoding" in decoded.note
    outcome = _outcomes(cli("import", path, "-p", project, "--json"))["one.txt"]
    assert outcome["status"] == "imported"
    assert any("--encoding" in w for w in outcome["warnings"])
    sure = "访谈者：老年协会的资金从哪里来？李会长：主要是村里拨款和村民捐款。" * 3
    assert decode_bytes(sure.encode("gb18030"), source="x").note == ""
