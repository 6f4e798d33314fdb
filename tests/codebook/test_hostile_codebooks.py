"""Hostile codebooks and settings: nesting deep enough to exhaust the stack is one clear error
(YAML and .qdc alike), and paths in casecode.toml cannot leave the project."""

from __future__ import annotations

import pytest

import casecode
from casecode.errors import CasecodeError
from conftest import write

QDC_NS = "urn:QDA-XML:codebook:1.0"


def test_a_deeply_nested_yaml_codebook_is_one_error(tmp_path, cli, project):
    deep = "name: x\ncodes: " + "[" * 5000 + "]" * 5000 + "\n"
    path = write(tmp_path / "deep.yaml", deep)
    result = cli("codebook", "validate", path, ok=False)
    assert result.exit_code == 1 and "nested more than" in result.output
    result = cli("codebook", "use", path, "-p", project, ok=False)
    assert result.exit_code == 1 and "internal error" not in result.output


def test_deeply_nested_codes_in_a_qdc_are_one_error(tmp_path, cli, project):
    depth = 200
    codes = (
        "".join(
            f'<Code guid="{i:08d}-0000-4000-8000-000000000000" name="c{i}" isCodable="true">'
            for i in range(depth)
        )
        + "</Code>" * depth
    )
    path = write(
        tmp_path / "deep.qdc",
        f'<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="{QDC_NS}"><Codes>{codes}'
        "</Codes></CodeBook>",
    )
    result = cli("codebook", "import", path, "--out", tmp_path / "cb.yaml", ok=False)
    assert result.exit_code == 1
    assert "nested more than" in result.stderr and str(path) in result.stderr


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("database", "../elsewhere.db"),
        ("database", "/tmp/casecode-hostile.db"),
        ("user_dictionary", "/etc/passwd"),
        ("stop_words", "../../secret.txt"),
    ],
)
def test_paths_in_the_settings_stay_inside_the_project(tmp_path, project, setting, value):
    config = project / "casecode.toml"
    text = config.read_text("utf-8")
    old = {"database": 'database = "casecode.db"'}.get(setting, f'{setting} = ""')
    assert old in text
    config.write_text(text.replace(old, f'{setting} = "{value}"'), "utf-8")
    with (
        pytest.raises(CasecodeError, match="inside the project folder"),
        casecode.open_project(project) as proj,
    ):
        proj.coding_file(setting)
    assert not (tmp_path / "elsewhere.db").exists()


def test_a_store_linked_outside_the_project_is_refused(tmp_path, project):
    (project / "casecode.db").rename(tmp_path / "moved.db")
    (project / "casecode.db").symlink_to(tmp_path / "moved.db")
    with pytest.raises(CasecodeError, match="inside the project folder"):
        casecode.open_project(project)


@pytest.mark.parametrize("pattern", [r"(?=(a+)+b)", r"(?!(a|ab)*c)", r"(x)?(?(1)a|(a+)+)b"])
def test_catastrophic_regexes_inside_lookarounds_and_conditionals_are_refused(pattern):
    from casecode.codebook.regexcheck import backtracking_risk

    assert backtracking_risk(pattern)
