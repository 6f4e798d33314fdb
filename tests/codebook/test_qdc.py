"""REFI-QDA codebook exchange: export validates against the standard's schema, import is lenient
with stray files and strict about XML."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from casecode import CasecodeError
from casecode.codebook import validate_text
from casecode.codebook.qdc import export_qdc, import_qdc
from conftest import SHARED, write
from samples import DOC_EXAMPLE

XSD = SHARED / "refi-qda" / "schema" / "Codebook.xsd"
SAMPLES = SHARED / "refi-qda" / "samples" / "codebooks"
needs_shared = pytest.mark.skipif(not XSD.is_file(), reason="../shared/refi-qda is not present")


def schema_errors(path) -> list[str]:
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(XSD)))
    ok = schema.validate(etree.parse(str(path)))
    return [] if ok else [str(e) for e in schema.error_log]


@pytest.fixture
def example():
    return validate_text(DOC_EXAMPLE, "example.yaml").codebook


@needs_shared
@pytest.mark.parametrize("name", ["coproduction", "welfare_production"])
def test_exported_builtin_codebooks_validate_against_the_refi_qda_schema(tmp_path, cli, name):
    out = tmp_path / f"{name}.qdc"
    cli("codebook", "export", name, "--format", "qdc", "--out", out)
    assert schema_errors(out) == []
    cli("codebook", "export", name, "--out", tmp_path / "en.qdc", "--lang", "en")
    assert schema_errors(tmp_path / "en.qdc") == []


def test_export_is_deterministic_and_import_gives_the_codes_back(tmp_path, example):
    first = export_qdc(example, tmp_path / "a.qdc", lang="en")
    second = export_qdc(example, tmp_path / "b.qdc", lang="en")
    assert first.read_bytes() == second.read_bytes()
    back = import_qdc(first)
    assert back.warnings == []
    codes = back.data["codes"]
    assert codes[0]["id"] == "problems" and codes[0]["codable"] is False
    child = codes[0]["children"][0]
    source = example.get("problems.unclear_responsibilities")
    assert child["id"] == source.id
    assert child["label"] == {"en": source.label["en"]}
    assert child["definition"] == source.definition["en"]
    assert child["include"] == source.text("include") and child["exclude"] == source.text("exclude")
    assert child["color"] == source.color
    assert back.data["languages"] == ["en"]


def test_export_of_the_project_codebook_and_bad_format(project, tmp_path, cli):
    out = tmp_path / "p.qdc"
    cli("codebook", "export", "-p", project, "--out", out, ok=False)  # no codebook yet
    cli("codebook", "use", write(tmp_path / "cb.yaml", DOC_EXAMPLE), "-p", project)
    cli("codebook", "export", "-p", project, "--out", out)
    assert b"casecode id: problems.insufficient_funds" in out.read_bytes()
    bad = cli("codebook", "export", "-p", project, "--out", out, "--format", "xml", ok=False)
    assert "unknown format 'xml'" in bad.stderr


def test_import_cli_writes_a_valid_yaml_codebook_and_refuses_to_overwrite(tmp_path, cli, example):
    qdc = export_qdc(example, tmp_path / "x.qdc")
    out = tmp_path / "x.yaml"
    data = cli.json("codebook", "import", qdc, "--out", out)
    assert data["codes"] == 3 and data["valid"]
    assert cli.json("codebook", "validate", out)["valid"]
    again = cli("codebook", "import", qdc, "--out", out, ok=False)
    assert "already exists" in again.stderr
    cli("codebook", "import", qdc, "--out", out, "--force")


def _qdc(body: str, codes: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Test">{body}<Codes>{codes}</Codes>'
        "</CodeBook>"
    )


def test_schema_invalid_but_well_formed_files_import_with_warnings(tmp_path):
    path = write(
        tmp_path / "odd.qdc",
        _qdc(
            "",
            '<Code guid="c1" name="资金 问题" color="red"><Description>\n  钱不够\n  </Description>'
            '<Code name="资金 问题" isCodable="false"/><Code guid="x" name="资金 问题" isCodable="true" color="#abc"/>'
            "<Memo>x</Memo></Code>",
        ),
    )
    result = import_qdc(path)
    text = " | ".join(result.warnings)
    assert "has no isCodable" in text and "invalid color 'red'" in text
    assert "not a GUID: 'c1' (line 2), 'x' (line 4)" in text and "<Memo>" in text
    assert "has no guid" in text
    code = result.data["codes"][0]
    assert code["id"] == "资金_问题" and code["definition"] == "钱不够" and "color" not in code
    assert [c["id"] for c in code["children"]] == ["资金_问题.资金_问题", "资金_问题.资金_问题_2"]
    assert code["children"][0]["codable"] is False and code["children"][1]["color"] == "#aabbcc"
    assert result.data["languages"] == ["zh"]
    dumped = yaml.safe_dump(result.data, allow_unicode=True)
    assert validate_text(dumped).valid


@pytest.mark.parametrize(
    "content, message",
    [
        ("<CodeBook><Codes><Code name='a'></Codes></CodeBook>", "malformed XML"),
        (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            "<CodeBook><Codes><Code name='&lol2;' guid='x' isCodable='true'/></Codes></CodeBook>",
            "declares a DTD or entities",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
            "<CodeBook><Codes><Code name='&ext;'/></Codes></CodeBook>",
            "declares a DTD or entities",
        ),
        ("<Project xmlns='urn:QDA-XML:project:1.0'/>", "not a REFI-QDA codebook"),
        (_qdc("", ""), "has no codes"),
        ("", "malformed XML"),
    ],
)
def test_bad_qdc_files_are_refused_with_one_line(tmp_path, cli, content, message):
    path = write(tmp_path / "bad.qdc", content)
    result = cli("codebook", "import", path, "--out", tmp_path / "out.yaml", ok=False)
    assert message in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.yaml").exists()


def test_missing_qdc_file(tmp_path, cli):
    result = cli(
        "codebook", "import", tmp_path / "nope.qdc", "--out", tmp_path / "o.yaml", ok=False
    )
    assert "nope.qdc: no such file" in result.stderr


@needs_shared
@pytest.mark.parametrize(
    "name, codes, warning",
    [
        ("atlasti_win_23.4.0_valid.qdc", 1, "set(s) of codes not imported"),
        ("example_codebook.qdc", 44, "not a GUID"),
    ],
)
def test_codebooks_from_other_tools_import(tmp_path, name, codes, warning):
    result = import_qdc(SAMPLES / name)
    assert result.codes == codes
    assert any(warning in w for w in result.warnings)
    assert validate_text(yaml.safe_dump(result.data, allow_unicode=True)).valid


@needs_shared
@pytest.mark.parametrize(
    "name", ["atlasti_win_23.4.0_truncated_corrupted.qdc", "example_codebook_defect.qdc"]
)
def test_corrupt_codebooks_from_other_tools_are_refused(name):
    with pytest.raises(CasecodeError, match="malformed XML") as info:
        import_qdc(SAMPLES / name)
    assert info.value.line is not None


_names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")), min_size=1, max_size=20
).filter(lambda s: s.strip())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_names, st.lists(_names, max_size=3)), min_size=1, max_size=5))
def test_any_code_names_import_as_a_valid_codebook(tmp_path_factory, tree):
    from xml.sax.saxutils import quoteattr

    codes = "".join(
        f"<Code name={quoteattr(name)} isCodable='true' guid='00000000-0000-0000-0000-000000000000'>"
        + "".join(f"<Code name={quoteattr(c)} isCodable='true'/>" for c in children)
        + "</Code>"
        for name, children in tree
    )
    path = write(tmp_path_factory.mktemp("q") / "h.qdc", _qdc("", codes))
    result = import_qdc(path)
    dumped = yaml.safe_dump(result.data, allow_unicode=True)
    check = validate_text(dumped)
    assert check.valid, [str(e) for e in check.errors]
    assert len(check.codebook.ids) == sum(1 + len(c) for _, c in tree)


def test_export_never_overwrites_without_force(tmp_path, cli):
    source = write(tmp_path / "cb.yaml", DOC_EXAMPLE)
    refused = cli("codebook", "export", source, "--out", source, ok=False)
    assert "should be a .qdc file" in refused.stderr and source.read_text("utf-8") == DOC_EXAMPLE
    out = write(tmp_path / "old.qdc", "precious")
    result = cli("codebook", "export", source, "--out", out, ok=False)
    assert "already exists" in result.stderr and out.read_text() == "precious"
    cli("codebook", "export", source, "--out", out, "--force", "--format", "QDC")
    assert "casecode id:" in out.read_text("utf-8")


def test_a_zip_file_is_not_taken_for_xml(tmp_path, cli):
    path = tmp_path / "x.qdc"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    result = cli("codebook", "import", path, "--out", tmp_path / "x.yaml", ok=False)
    assert "this is a zip file" in result.stderr


def test_import_json_names_the_codebook_and_its_content_version(tmp_path, cli, example):
    qdc = export_qdc(example, tmp_path / "x.qdc")
    out = tmp_path / "x.yaml"
    data = cli.json("codebook", "import", qdc, "--out", out)
    assert data["content_version"] == cli.json("codebook", "validate", out)["content_version"]
    assert data["name"]
