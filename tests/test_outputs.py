"""The one policy for output files: refused when already there unless forced, checked before any
work, written whole or not at all."""

from __future__ import annotations

import pytest

from casecode.errors import CasecodeError
from casecode.outputs import OutputExists, check_out, write_atomic


def test_an_existing_file_is_refused_unless_forced(tmp_path):
    path = tmp_path / "t.csv"
    assert check_out(path) == path  # not there yet: fine
    path.write_text("precious")
    with pytest.raises(OutputExists) as caught:
        check_out(path)
    assert str(caught.value) == f"{path}: already exists (pass force=True to overwrite it)"
    assert check_out(path, force=True) == path
    assert path.read_text() == "precious"  # checking writes nothing


def test_kind_and_folder_are_checked_first(tmp_path):
    with pytest.raises(CasecodeError, match=r"cannot write '\.txt' files \(name a \.csv or \.xlsx"):
        check_out(tmp_path / "t.txt", suffixes=(".csv", ".xlsx"))
    with pytest.raises(CasecodeError, match="the file has no extension"):
        check_out(tmp_path / "t", suffixes=(".csv",))
    with pytest.raises(CasecodeError, match="the folder does not exist"):
        check_out(tmp_path / "nowhere" / "t.csv", force=True)
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(CasecodeError, match="is a folder"):
        check_out(tmp_path / "d.csv", force=True)


def test_write_atomic_replaces_the_file_and_leaves_no_temporary_one(tmp_path):
    path = tmp_path / "a.qdc"
    path.write_bytes(b"old")
    write_atomic(path, "新的".encode())
    assert path.read_bytes() == "新的".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["a.qdc"]


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    import os

    path = tmp_path / "a.yaml"
    path.write_text("old")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(CasecodeError, match="cannot write: No space left on device"):
        write_atomic(path, b"new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.yaml"]
