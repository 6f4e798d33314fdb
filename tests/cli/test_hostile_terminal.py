"""The terminal never receives control sequences from transcript text: `show`, `kwic` and the
other commands print an escape character as ␛ (and other controls as visible characters)."""

from __future__ import annotations

import re

from conftest import write

CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202e]")
TEXT = (
    "访谈者：你好\x1b]52;c;ZXZpbA==\x07吗？\x1b[2J\n"
    "村民：村委会说不清楚\x9b31m，\u202e反过来。\n" + "访谈者：村里的老年协会怎么样？" * 30 + "\n"
)


def test_show_kwic_and_docs_print_no_control_sequence(tmp_path, cli, project):
    write(tmp_path / "esc\x1b[31m.txt", TEXT)
    cli("import", tmp_path / "esc\x1b[31m.txt", "-p", project)
    for args in (
        ["show", "1"],
        ["kwic", "村委会"],
        ["docs"],
        ["show", "1", "--json"],
        ["kwic", "村委会", "--json"],
    ):
        result = cli(*args, "-p", project)
        assert not CONTROLS.search(result.stdout), (args, result.stdout)
        assert not CONTROLS.search(result.stderr), (args, result.stderr)
    shown = cli("show", "1", "-p", project).stdout
    assert "你好␛]52;c;ZXZpbA==" in shown and "␛[2J" in shown
