from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casecode.cli import app

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "county-a"
SHARED = ROOT.parent / "shared"


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


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path
