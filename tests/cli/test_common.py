"""The options every command shares: declared once (in cli/common.py), one meaning and one help
text per name, -h everywhere, flags shown without a type, lists of codes and documents."""

from __future__ import annotations

import ast

import pytest
import typer.main

from casecode.cli import COMMANDS, app
from conftest import ROOT

CLI = ROOT / "src" / "casecode" / "cli"

# init and run make the project, so their folder option is DIR (init) or the output folder
# (run), under the names --project/-p (and --out/-o) that mean something else elsewhere
MAKE_A_PROJECT = {("init", "project"), ("run", "out_dir")}


def _commands():
    """(command path, click command) for every command, and the groups with the app itself."""
    root = typer.main.get_command(app)
    found = [((), root)]
    for name, sub in root.commands.items():
        found.append(((name,), sub))
        for sub_name, command in getattr(sub, "commands", {}).items():
            found.append(((name, sub_name), command))
    return found


def _options():
    for path, command in _commands():
        for param in command.params:
            if param.param_type_name == "option":
                yield path, param


def _path(command) -> list[str]:
    return [command.group, command.name] if command.group else [command.name]


def test_no_cli_module_but_common_declares_options_or_arguments():
    for module in sorted(CLI.glob("*.py")):
        if module.name == "common.py":
            continue
        for node in ast.walk(ast.parse(module.read_text("utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                assert name not in ("Option", "Argument"), f"{module.name}:{node.lineno}"


def test_an_option_name_has_one_help_text_on_every_command():
    helps: dict[str, dict[str, list[str]]] = {}
    for path, option in _options():
        if (" ".join(path), option.name) in MAKE_A_PROJECT:
            continue
        for name in option.opts + option.secondary_opts:
            helps.setdefault(name, {}).setdefault(option.help or "", []).append(" ".join(path))
    differ = {name: texts for name, texts in helps.items() if len(texts) > 1}
    assert differ == {}
    assert len(helps["--lang"]) == 1 and len(helps["--coder"]) == 1  # the names it is about


def test_lang_is_the_labels_language_and_doc_lang_the_documents():
    by_command = {" ".join(p): {n for o in c.params for n in o.opts} for p, c in _commands()}
    assert "--lang" not in by_command["import"] and "--doc-lang" in by_command["import"]
    assert {"--lang", "--doc-lang"} <= by_command["run"]
    assert "--codings" in by_command["show"] and "--codes" not in by_command["show"]
    (lang,) = {o.help for _, o in _options() if "--lang" in o.opts}
    assert "zh or en" in lang and "mixed" not in lang


def test_codes_and_docs_are_lists_with_a_singular_alias():
    seen = set()
    for path, option in _options():
        names = set(option.opts)
        for plural, singular in (("--codes", "--code"), ("--docs", "--doc")):
            if names & {plural, singular}:
                assert option.opts == [plural, singular], (path, option.opts)
                assert option.multiple, (path, option.opts)
                seen.add((" ".join(path), plural))
    for command in ("code", "review", "agree", "evaluate", "report", "memo list", "memo add"):
        assert (command, "--codes") in seen, command
    for command in ("code", "review", "kwic", "agree", "evaluate", "sheet export", "memo list"):
        assert (command, "--docs") in seen, command


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(_path(c)))
def test_every_command_takes_h_and_shows_flags_without_a_type(cli, command):
    result = cli(*_path(command), "-h")
    assert "Usage: casecode " + " ".join(_path(command)) in result.stdout
    assert "--json" in result.stdout  # every command can print its result as JSON
    assert "<bool>" not in result.stdout


def test_the_app_and_its_groups_show_flags_without_a_type(cli):
    for args in ([], ["codebook"], ["memo"], ["sheet"], ["export"]):
        result = cli(*args, "--help")
        assert "--help" in result.stdout and "<bool>" not in result.stdout, args


def test_every_command_that_writes_a_named_file_takes_force():
    for path, command in _commands():
        names = {n for p in command.params for n in getattr(p, "opts", [])}
        if "--out" in names or path == ("sheet", "export"):
            assert "--force" in names, path
