"""The wheel must carry every package and the built-in codebooks."""

from __future__ import annotations

import tomllib

from conftest import ROOT


def test_every_package_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    src = ROOT / "src"
    found = {".".join(init.parent.relative_to(src).parts) for init in src.rglob("__init__.py")}
    assert found | {"casecode.codebooks"} == listed
    assert config["package-dir"]["casecode.codebooks"] == "codebooks"


def test_builtin_codebooks_are_package_data():
    from casecode.codebook import builtin_codebooks

    on_disk = {p.stem for p in (ROOT / "codebooks").glob("*.yaml")}
    assert set(builtin_codebooks()) == on_disk
