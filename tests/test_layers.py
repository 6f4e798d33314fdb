"""The folders are the flow: a stage imports only from stages to its left and from the floor.

corpus → codebook → coding → review → analysis → report → flow → cli, on a floor of errors,
model, outputs, store and project (see docs/architecture.md). Every import counts, including
those inside functions, and no module imports another's private (``_name``) names. Engines —
pure functions of data — never import the project or the store.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from conftest import ROOT

SRC = ROOT / "src"
STAGES = [
    "corpus",
    "codebook",
    "coding",
    "review",
    "interop",
    "analysis",
    "report",
    "flow",
    "cli",
]
# the floor, bottom first: each may import only what is listed before it
FLOOR = ["errors", "model", "outputs", "store", "project"]
ENGINES = {
    "corpus": {"encoding", "language", "readers", "spans", "turns"},
    "codebook": {
        "codes",
        "colours",
        "files",
        "load",
        "qdc",
        "refs",
        "regexcheck",
        "validate",
        "yamlpos",
    },
    "coding": {"engine", "tokenize", "units"},
    "review": {"stats", "unitize"},
    "interop": {"refi"},
    "analysis": {"counts", "data", "kwic", "matrix", "query", "tables"},
    "report": {"chart", "content", "docx", "html", "words"},
}


def modules() -> Iterator[tuple[str, str]]:
    for path in sorted((SRC / "casecode").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path.read_text("utf-8")


def imports(name: str, source: str) -> Iterator[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every casecode import, at any depth."""
    package = name if name.count(".") < 1 else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:  # relative: resolve against the package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, target] if target else base)
            if target == "casecode" or target.startswith("casecode."):
                yield target, [a.name for a in node.names], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("casecode"):
                    yield alias.name, [], node.lineno


def _place(module: str) -> tuple[str, int] | None:
    """("floor" or "stage", rank) of a casecode module; None for the package root."""
    parts = module.split(".")
    if len(parts) == 1:
        return None
    head = parts[1]
    if head in FLOOR:
        return "floor", FLOOR.index(head)
    if head in STAGES:
        return "stage", STAGES.index(head)
    if head == "codebooks":  # the built-in codebooks: data
        return "floor", -1
    if head == "__main__":  # python -m casecode: the command line
        return "stage", STAGES.index("cli")
    raise AssertionError(f"{module}: not in a stage or the floor; add it to docs/architecture.md")


def violations(sources: Iterable[tuple[str, str]]) -> list[str]:
    found = []
    for name, source in sources:
        here = _place(name)
        for target, names, line in imports(name, source):
            where = f"{name}:{line} imports {target}"
            there = _place(target)
            if target == "casecode":  # the lazy public API: only its version from inside
                if names != ["__version__"]:
                    found.append(f"{where}: inside casecode, import from the defining module")
                continue
            if here is None or there is None:
                continue
            if here[0] == "floor" and (there[0] == "stage" or there[1] > here[1]):
                found.append(f"{where}: the floor imports no stage and nothing above it")
            elif here[0] == "stage" and there[0] == "stage" and there[1] > here[1]:
                found.append(f"{where}: a stage imports only from stages to its left")
            parts = name.split(".")
            if (
                len(parts) == 3
                and parts[2] in ENGINES.get(parts[1], ())
                and target.split(".")[1] in ("project", "store")
            ):
                found.append(f"{where}: an engine takes data, not the project or its store")
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and target != name:
                found.append(f"{where}: private names {private}; make them public or move them")
    return found


def test_every_import_points_left_or_down():
    assert violations(modules()) == []


def test_every_module_is_in_a_stage_or_the_floor():
    for name, _ in modules():
        _place(name)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        # a wrong-way import hidden inside a function still counts
        (
            "casecode.corpus.readers",
            "def f():\n    from casecode.report.build import build_report\n",
        ),
        ("casecode.codebook.use", "import casecode.coding.autocode\n"),
        ("casecode.store.db", "from casecode.corpus.turns import split_turns\n"),
        ("casecode.errors", "from casecode.project import Project\n"),
        ("casecode.coding.engine", "from casecode.project import Project\n"),
        ("casecode.analysis.frames", "from casecode.coding.settings import _state_key\n"),
        ("casecode.review.tagging", "from casecode import autocode\n"),
        ("casecode.report.build", "from ..cli.common import out\n"),
    ],
)
def test_a_wrong_way_import_is_caught(module, source):
    assert len(violations([(module, source)])) == 1


def test_imports_that_point_the_right_way_pass():
    good = [
        ("casecode.cli.app", "from casecode import __version__\nfrom casecode.flow import run\n"),
        (
            "casecode.report.build",
            "def f():\n    from casecode.review.agreement import agreement\n",
        ),
        ("casecode.coding.autocode", "from casecode.project import Project\n"),
        ("casecode.project", "from casecode.store import Store\n"),
    ]
    assert violations(good) == []


def test_the_architecture_doc_names_every_stage_and_floor_module():
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    for name in STAGES + FLOOR:
        assert f"`{name}" in text, name
    assert isinstance(SRC, Path)
