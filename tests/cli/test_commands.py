"""Every command is a plain function with help, paired with the library verb it calls."""

from __future__ import annotations

import ast
import inspect

import casecode
from casecode.cli import COMMANDS, app
from conftest import ROOT


def test_every_command_names_a_public_library_verb():
    for command in COMMANDS:
        assert command.verb in casecode.__all__, command
        assert callable(getattr(casecode, command.verb)), command


def test_every_command_is_a_plain_module_level_function_with_help():
    for command in COMMANDS:
        function = command.function
        assert function.__qualname__ == function.__name__, command  # not nested
        assert function.__module__.startswith("casecode.cli."), command
        assert (inspect.getdoc(function) or "").strip(), f"{command.name} has no help"


def test_every_command_calls_its_verb():
    """The verb's name appears as a call in the command's body (the one library call)."""
    for command in COMMANDS:
        tree = ast.parse(inspect.getsource(command.function).strip())
        called = {
            node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
        }
        module = inspect.getmodule(command.function)
        aliases = {
            name
            for name, value in vars(module).items()
            if value is getattr(casecode, command.verb, None)
        }
        assert called & ({command.verb} | aliases), f"{command.name} never calls {command.verb}"


def test_the_table_is_what_the_app_registers():
    import typer.main

    group = typer.main.get_command(app)
    registered = set()
    for name, sub in group.commands.items():
        if hasattr(sub, "commands"):
            registered |= {(name, n) for n in sub.commands}
        else:
            registered.add((None, name))
    assert registered == {(c.group, c.name) for c in COMMANDS}


def test_the_architecture_doc_lists_every_cli_module():
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    for command in COMMANDS:
        module = command.function.__module__.rsplit(".", 1)[1]
        assert module in text, module


def test_every_verbs_docstring_names_its_command_first():
    for command in COMMANDS:
        name = "casecode " + (f"{command.group} " if command.group else "") + command.name
        first = (inspect.getdoc(getattr(casecode, command.verb)) or "").split("\n\n")[0]
        assert f"``{name}``" in first, f"{command.verb}'s docstring does not begin with {name}"
