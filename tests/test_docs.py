"""The documentation keeps up with the code.

* docs/commands.md has a section for every command (a ``##`` or ``###`` heading naming it, such as
  "casecode codebook validate"), and each section mentions every option of its command, as the
  command line really has it; an option table row naming an option the command lacks fails too.
* The README stays a front page: exactly two commands in its Quickstart (``.ci/run`` runs them),
  under 150 lines, and links only to files that exist. Links between the docs resolve too,
  anchors included.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from casecode.cli import COMMANDS, app
from conftest import ROOT

DOCS = ROOT / "docs"
README = ROOT / "README.md"
HEADING = re.compile(r"^(#{2,3}) +(.+?) *$", re.M)


def command_names() -> list[str]:
    return [f"{c.group} {c.name}" if c.group else c.name for c in COMMANDS]


def click_commands() -> dict[str, object]:
    """Every runnable command of the click tree, by its name under ``casecode``."""
    found: dict[str, object] = {}

    def walk(command, path: list[str]) -> None:
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                walk(child, [*path, name])
        else:
            found[" ".join(path)] = command

    walk(typer.main.get_command(app), [])
    return found


def options_of(command) -> set[str]:
    names: set[str] = set()
    for param in command.params:
        if param.param_type_name == "option":
            names |= set(param.opts) | set(param.secondary_opts)
    return names - {"--help", "-h"}


def sections(text: str) -> dict[str, str]:
    """Each ``##``/``###`` heading (backticks dropped) and the text up to the next one."""
    marks = list(HEADING.finditer(text))
    out = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        out[mark.group(2).replace("`", "").strip()] = text[mark.end() : end]
    return out


def mentions(text: str, option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


@pytest.fixture(scope="module")
def reference() -> dict[str, str]:
    return sections((DOCS / "commands.md").read_text("utf-8"))


def test_commands_lists_match_the_click_tree():
    assert sorted(click_commands()) == sorted(command_names())


@pytest.mark.parametrize("name", command_names())
def test_every_command_has_a_section_naming_every_option(reference, name):
    heading = f"casecode {name}"
    assert heading in reference, f"docs/commands.md has no '## {heading}' section"
    section = reference[heading]
    command = click_commands()[name]
    missing = sorted(o for o in options_of(command) if not mentions(section, o))
    assert not missing, f"docs/commands.md, {heading}: options not described: {missing}"
    # the other way round: an option table row names only options the command has
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `-")]
    named = {o for cell in rows for o in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", cell)}
    stale = sorted(named - options_of(command))
    assert not stale, f"docs/commands.md, {heading}: options the command does not have: {stale}"


def test_command_sections_follow_the_order_of_commands(reference):
    headings = [h for h in reference if h.startswith("casecode ")]
    assert headings == [f"casecode {name}" for name in command_names()]


def quickstart_commands(text: str) -> list[str]:
    """The lines .ci/run executes: between the markers, without the markers and fences."""
    block = text.split("<!-- quickstart:start -->", 1)[1].split("<!-- quickstart:end -->", 1)[0]
    return [
        line
        for line in block.splitlines()
        if line.strip() and not line.startswith("<!--") and not line.startswith("```")
    ]


def test_readme_quickstart_has_exactly_two_commands():
    text = README.read_text("utf-8")
    assert text.count("<!-- quickstart:start -->") == 1
    assert text.count("<!-- quickstart:end -->") == 1
    assert len(quickstart_commands(text)) == 2


def test_readme_is_a_front_page():
    lines = README.read_text("utf-8").splitlines()
    assert len(lines) < 150, f"README.md has {len(lines)} lines; guides belong in docs/"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def links(text: str) -> list[str]:
    """Markdown link targets outside code blocks and code spans."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.findall(r"\]\(([^)\s]+)\)", text)


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in links(page.read_text("utf-8")):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(target)
        elif anchor and file.suffix == ".md":
            anchors = {slug(h) for _, h in HEADING.findall(file.read_text("utf-8"))}
            anchors |= {slug(h) for h in re.findall(r"^# +(.+?) *$", file.read_text("utf-8"), re.M)}
            if anchor not in anchors:
                broken.append(target)
    return broken


def test_readme_links_resolve():
    text = README.read_text("utf-8")
    assert "docs/commands.md" in text
    assert not broken_links(README)


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_doc_links_resolve(page):
    assert not broken_links(page), page.name
