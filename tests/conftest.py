from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner

from casecode.cli import app

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "county-a"
SHARED = ROOT.parent / "shared"


def _this_checkouts_codebooks() -> None:
    """Test this checkout's built-in codebooks: an editable install of another checkout maps
    ``casecode.codebooks`` to that checkout's codebooks/ folder."""
    import importlib.util
    import sys

    folder = ROOT / "codebooks"
    found = importlib.util.find_spec("casecode.codebooks")
    if found is not None and Path(found.origin or "").resolve().parent == folder.resolve():
        return
    spec = importlib.util.spec_from_file_location(
        "casecode.codebooks", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["casecode.codebooks"] = module
    spec.loader.exec_module(module)


_this_checkouts_codebooks()


@pytest.fixture(autouse=True, scope="session")
def _one_click_command():
    """The click command the CLI runner invokes, built from the Typer app once per session, not
    once per invocation: building it costs more than most commands take, and nothing changes the
    app after it is imported."""
    command = typer.main.get_command(app)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            typer.testing,
            "_get_command",
            lambda typer_app: command if typer_app is app else typer.main.get_command(typer_app),
        )
        yield


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No test sees a project from the environment or the developer's folders."""
    monkeypatch.delenv("CASECODE_PROJECT", raising=False)
    monkeypatch.chdir(tmp_path)


class Cli:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool | None = True):
        result = self.runner.invoke(app, [str(a) for a in args])
        if ok is True:
            assert result.exit_code == 0, result.output
        elif ok is False:
            assert result.exit_code != 0, result.output
        return result

    def json(self, *args: str):
        result = self(*args, "--json")
        return json.loads(result.stdout)


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def project(tmp_path, cli) -> Path:
    root = tmp_path / "proj"
    cli("init", root)
    return root


def build_once(tmp_path_factory, build: Callable[[Cli, Path, Path], object], **env: str) -> Path:
    """A folder with a project ``proj`` that ``build(cli, project, folder)`` filled, isolated as
    a test is and with ``env`` set, for a module- or session-scoped fixture: each test then takes
    its own copy (``copy_of``) instead of building the same project again."""
    folder = tmp_path_factory.mktemp("built")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("CASECODE_PROJECT", raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        patch.chdir(folder)
        cli = Cli()
        cli("init", folder / "proj")
        build(cli, folder / "proj", folder)
    return folder


def copy_of(built: Path, tmp_path: Path) -> Path:
    """A copy of what ``build_once`` built, in the test's own ``tmp_path`` (its project, and the
    files beside it), so no other test sees what this one writes; the copy's project."""
    shutil.copytree(built, tmp_path, dirs_exist_ok=True)
    return tmp_path / "proj"


def stored_codings(project: Path) -> list[sqlite3.Row]:
    """Every coding in a project's store, in reading order."""
    db = sqlite3.connect(project / "casecode.db")
    db.row_factory = sqlite3.Row
    return db.execute(
        'SELECT * FROM codings ORDER BY document_id, start, "end", code_id, id'
    ).fetchall()


def with_transcripts(
    cli, project: Path, folder: Path, files: dict[str, str], codebook: str
) -> Path:
    """Import ``files`` (name → text) from ``folder`` and use ``codebook`` (YAML text)."""
    for name, text in files.items():
        write(folder / "t" / name, text)
    cli("import", folder / "t", "-p", project)
    cli("codebook", "use", write(folder / "cb.yaml", codebook), "-p", project)
    return project


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def add_document(store, text: str) -> int:
    """A document inserted straight into a store (for tests of the store and its migrations)."""
    return store.insert_document(
        dict(
            name="a.txt",
            case_name="a",
            format="txt",
            language="zh",
            sha256="x",
            text=text,
            imported_at="2026-01-01T00:00:00Z",
        )
    )
