"""The codebook format: validation messages, the model, use/show, and built-in codebooks."""

from __future__ import annotations

import json
import re
import sqlite3
import textwrap

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from casecode.codebook import validate_text
from casecode.codebook.regexcheck import backtracking_risk
from casecode.codebook.yamlpos import load as load_yaml
from conftest import ROOT, write
from samples import DOC_EXAMPLE

MINIMAL = """\
name: test
languages: [zh, en]
codes:
  - id: problems
    label: {zh: 问题, en: Problems}
    definition: Problems people describe.
    children:
      - id: problems.funds
        label: {zh: 资金不足, en: Insufficient funds}
        definition: Money is short.
        rules:
          - keywords: {zh: [资金不足, 缺钱], en: [funding]}
"""


def messages(text: str, severity: str = "error") -> list[str]:
    result = validate_text(textwrap.dedent(text), "cb.yaml")
    return [str(i) for i in (result.errors if severity == "error" else result.warnings)]


def test_the_documented_example_is_valid_without_warnings():
    result = validate_text(DOC_EXAMPLE, "example.yaml")
    assert result.errors == [] and result.warnings == []
    book = result.codebook
    assert book.ids == [
        "problems",
        "problems.unclear_responsibilities",
        "problems.insufficient_funds",
    ]
    rules = {r.id: r for r in book.rules()}
    assert set(rules) == {
        "unclear-duty-words",
        "duty-near-unclear",
        "problems.insufficient_funds#1",
        "problems.insufficient_funds#2",
    }
    near = rules["duty-near-unclear"].match.near[0]
    assert near.window == 6 and near.groups[0].zh[0] == "权责"
    funds = rules["problems.insufficient_funds#1"]
    assert (
        funds.scope == "sentence"
        and not funds.negation.enabled
        and funds.exclude.en == ("donation box",)
    )
    assert rules["unclear-duty-words"].scope == "turn"  # from defaults
    assert not rules["unclear-duty-words"].speakers.allows("访谈者")
    assert rules["unclear-duty-words"].speakers.allows("李会长")


@pytest.mark.parametrize(
    "label", ["访谈者", "访谈者2", "I1", "Q", "Interviewer (Wang)", "问（王）"]
)
def test_interviewer_turns_are_left_out_by_default(label):
    assert not validate_text(MINIMAL).codebook.get("problems.funds").rules[0].speakers.allows(label)


@pytest.mark.parametrize("label", ["李会长", "Ivy", "村民", "A", None])
def test_other_speakers_count_by_default(label):
    assert validate_text(MINIMAL).codebook.get("problems.funds").rules[0].speakers.allows(label)


def test_unknown_key_is_reported_with_position_and_suggestion():
    text = MINIMAL.replace("- keywords:", "- keyword:")
    assert messages(text)[0] == (
        "cb.yaml:12:13: problems.funds: unknown key 'keyword' (did you mean 'keywords'?)"
    )


def test_every_mistake_is_reported_at_once():
    text = """\
        name: bad
        codes:
          - id: problems
            label: {zh: 问题}
            definition: x
            children:
              - id: funds.other
                label: {zh: 其他, en: Other}
                definition: x
                rules: []
              - id: problems.a
                label: {zh: 甲, en: A}
                definition: x
                rules:
                  - regex: '(abc'
                  - regex: '(a+)+$'
                  - patterns: [[{LEMA: volunteer}]]
                  - scope: turns
              - id: problems.a
                label: {zh: 乙, en: B}
                definition: x
          - id: x.y
            label: {zh: 丙, en: C}
            definition: x
        """
    found = messages(text)
    expected = [
        r"cb.yaml:4:12: problems: label has no en text",
        r"cb.yaml:7:13: funds.other: id 'funds.other' does not extend its parent's id 'problems' \(expected 'problems.other'\)",
        r"cb.yaml:10:16: funds.other: rules is empty",
        r"cb.yaml:15:20: problems.a: invalid regex '\(abc': missing \), unterminated subpattern",
        r"cb.yaml:16:20: problems.a: regex '\(a\+\)\+\$' is prone to catastrophic backtracking",
        r"cb.yaml:17:24: problems.a: spaCy rejects the pattern: token 1, LEMA: unknown attribute",
        r"cb.yaml:18:13: problems.a: the rule has nothing to match",
        r"cb.yaml:18:20: problems.a: scope: 'turns' is not one of sentence, turn, paragraph \(did you mean 'turn'\?\)",
        r"cb.yaml:19:13: problems.a: duplicate id 'problems.a' \(first used on line 11\)",
        r"cb.yaml:22:9: x.y: a top-level id has no dots",
    ]
    for pattern in expected:
        assert any(re.match(pattern, m) for m in found), (pattern, found)
    assert len(found) == len(expected), found


def test_a_key_given_twice_is_an_error_not_a_silent_overwrite():
    text = MINIMAL.replace(
        "        definition: Money is short.\n", "        definition: a\n        definition: b\n"
    )
    assert messages(text) == [
        "cb.yaml:11:9: problems.funds: 'definition' is given twice in this mapping"
    ]


def test_yaml_syntax_errors_have_a_position():
    found = messages("name: x\ncodes:\n  - id: a\n    label: [zh\n")
    assert len(found) == 1 and found[0].startswith("cb.yaml:5:1: codebook: YAML syntax error")


@pytest.mark.parametrize("text", ["", "just text", "- a\n- b\n"])
def test_a_file_that_is_not_a_codebook_is_explained(text):
    found = messages(text)
    assert found and all(m.startswith("cb.yaml:1:1: codebook:") for m in found)


def test_no_and_yes_are_words_not_booleans():
    text = MINIMAL.replace("en: [funding]", "en: [no, yes, 'off']")
    result = validate_text(text)
    assert result.valid
    rule = next(result.codebook.rules())
    assert rule.match.keywords.en == ("no", "yes", "off")


def test_warnings_do_not_make_a_codebook_invalid(tmp_path, cli):
    text = MINIMAL.replace("en: [funding]", "en: [funding, 经费, funding]") + textwrap.indent(
        "- id: problems.other\n  label: {zh: 其他, en: Other}\n  rules:\n    - keywords: {zh: [缺钱]}\n",
        " " * 6,
    )
    path = write(tmp_path / "cb.yaml", text)
    result = cli("codebook", "validate", path)
    assert "warning: '经费' is under en but looks Chinese" in result.stdout
    assert "warning: 'funding' is listed twice" in result.stdout
    assert "warning: keyword '缺钱' is also a keyword of problems.funds (line 12)" in result.stdout
    assert "warning: no definition" in result.stdout
    assert "is valid" in result.stdout


def test_validate_exit_code_and_json(tmp_path, cli):
    good = write(tmp_path / "good.yaml", MINIMAL)
    bad = write(tmp_path / "bad.yaml", MINIMAL.replace("id: problems.funds", "id: funds"))
    data = cli.json("codebook", "validate", good)
    assert (
        data["valid"] is True and data["errors"] == [] and data["codes"] == 2 and data["rules"] == 1
    )
    result = cli("codebook", "validate", bad, "--json", ok=False)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert data["errors"][0]["line"] == 8 and data["errors"][0]["code"] == "funds"
    plain = cli("codebook", "validate", bad, ok=False)
    assert "bad.yaml:8:13: funds: id 'funds' does not extend" in plain.stdout
    assert "1 error" in plain.stderr


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p, "no such codebook file"),
        (lambda p: (p.mkdir(), p)[1], "is a folder"),
        (
            lambda p: (p.write_bytes(b"\x89PNG\r\n" + bytes(range(256)) * 4), p)[1],
            "not a text file in UTF-8 or GBK",
        ),
    ],
)
def test_bad_codebook_files_give_one_line(tmp_path, cli, make, message):
    path = make(tmp_path / "cb.yaml")
    result = cli("codebook", "validate", path, ok=False)
    assert result.exit_code == 1 and message in result.stderr
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1


def test_a_gbk_codebook_is_read(tmp_path, cli):
    path = write(tmp_path / "cb.yaml", MINIMAL, encoding="gbk")
    assert cli.json("codebook", "validate", path)["valid"]


def test_content_version_ignores_formatting_but_not_content():
    base = validate_text(MINIMAL).codebook.content_version
    reformatted = "# a comment\n" + MINIMAL.replace(
        "{zh: 资金不足, en: Insufficient funds}",
        "\n          zh: 资金不足\n          en: Insufficient funds",
    )
    assert validate_text(reformatted).codebook.content_version == base
    changed = MINIMAL.replace("Money is short.", "Money is short or late.")
    assert validate_text(changed).codebook.content_version != base


@pytest.mark.parametrize(
    "pattern, risky",
    [
        ("(a+)+", True),
        ("(a*)*b", True),
        (r"(\w+\s?)*$", True),
        ("(a|ab)*c", True),
        ("(.*a){10}", True),
        (r"(\d+,)*\d+", False),
        (r"(?:\d+\.){3}\d+", False),
        (r"每[个年月](?:只有|才)\s*\d+\s*(?:元|块)", False),
        (r"(?i)\bvolunteer\w*", False),
        (r"(?:资金|经费)+不足", False),
    ],
)
def test_catastrophic_regexes_are_flagged(pattern, risky):
    assert (backtracking_risk(pattern) is not None) is risky


def test_pattern_attributes_that_need_a_trained_pipeline_are_warned():
    text = MINIMAL.replace(
        "- keywords: {zh: [资金不足, 缺钱], en: [funding]}",
        "- patterns: [[{POS: NOUN}, {LEMMA: fund}]]",
    )
    result = validate_text(text, "cb.yaml")
    assert result.valid
    assert "POS needs a trained spaCy pipeline" in str(result.warnings[0])


def test_conditions_and_speakers_build_the_documented_model():
    text = MINIMAL.replace(
        "- keywords: {zh: [资金不足, 缺钱], en: [funding]}",
        textwrap.dedent(
            """\
            - all: [[钱, 资金], {regex: '不够|紧张'}]
                        any: [{near: {groups: [[经费], [拖欠]], window: 2, ordered: true}}]
                        speakers: {include: ["村*"], exclude: [村主任]}
                        negation: {cues: [难道], window: 2}
                        min_hits: 2
                        weight: 0.5"""
        ),
    )
    result = validate_text(text)
    assert result.valid, [str(i) for i in result.errors]
    rule = next(result.codebook.rules())
    assert rule.all[0].keywords.both == ("钱", "资金") and rule.all[1].regex == ("不够|紧张",)
    assert rule.any[0].near[0].ordered and rule.any[0].near[0].window == 2
    assert rule.speakers.allows("村民甲") and not rule.speakers.allows("村主任")
    assert not rule.speakers.allows("访谈者") and not rule.speakers.allows(None)
    assert {"难道", "没有"} <= set(rule.negation.cues.for_lang("zh"))
    assert rule.negation.window == 2 and rule.min_hits == 2
    assert rule.weight == 0.5


# -- the YAML reader ------------------------------------------------------------------------

_keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).filter(
    lambda k: k not in ("true", "false", "null", "y", "n")
)
_scalars = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.integers(-1000, 1000),
    st.booleans(),
)
_data = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_keys, children, min_size=1, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_keys, _data, min_size=1, max_size=5), st.booleans())
def test_yaml_reader_reads_what_yaml_writes_and_knows_where_each_key_is(data, flow):
    text = yaml.safe_dump(data, allow_unicode=True, default_flow_style=flow, width=1000)
    doc = load_yaml(text)
    assert doc.data == data
    lines = text.splitlines()
    for path, (line, column) in doc.keys.items():
        at = lines[line - 1][column - 1 :].lstrip("'\"")
        assert at.startswith(str(path[-1])), (path, text)


def test_yaml_aliases_cannot_blow_up():
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
    )
    found = messages(text)
    assert found == [
        "cb.yaml:1:1: codebook: YAML error: more than 200,000 values (with aliases expanded); "
        "far too many for a codebook"
    ]


# -- built-in codebooks ---------------------------------------------------------------------

BUILTINS = ["coproduction", "welfare_production"]


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_codebooks_validate_cleanly(name, cli):
    data = cli.json("codebook", "validate", name)
    assert data["valid"] and data["errors"] == []
    assert data["warnings"] == [], data["warnings"]
    file = ROOT / "codebooks" / f"{name}.yaml"
    assert cli.json("codebook", "validate", file)["content_version"] == data["content_version"]


def test_coproduction_codebook_covers_the_framework(cli):
    tree = cli.json("codebook", "show", "coproduction", "--lang", "en")
    ids = set()

    def walk(nodes):
        for node in nodes:
            ids.add(node["id"])
            assert node["label"] and set(node["labels"]) == {"zh", "en"}
            if not node["children"]:
                assert node["rules"] >= 1, node["id"]
                assert node["definition"], node["id"]
            walk(node["children"])

    walk(tree["codes"])
    for required in (
        "actors",
        "motivation",
        "process.co_design",
        "process.co_management",
        "process.co_provision",
        "process.co_evaluation",
        "results.value",
        "results.actors",
        "results.cost",
        "problems.unclear_responsibilities",
        "suggestions",
    ):
        assert required in ids
    assert len([i for i in ids if i.startswith("problems.")]) >= 7


# -- using a codebook in a project ----------------------------------------------------------


def _add_codings(project, codes):
    from casecode.store import Store

    write(project / "a.txt", "访谈者：你好\n村民：我们村资金不足\n")
    with Store(project / "casecode.db") as store, store.transaction():
        store.insert_document(
            {
                "name": "a.txt",
                "case_name": "a",
                "format": "txt",
                "language": "zh",
                "sha256": "x",
                "text": "村民：我们村资金不足",
                "imported_at": "2026-01-01T00:00:00Z",
            }
        )
        doc = store.db.execute("SELECT id FROM documents").fetchone()[0]
        for code, origin in codes:
            store.insert_coding(doc, 3, 10, code, coder="ann", origin=origin)


def test_use_records_the_codebook_and_show_counts_codings(project, tmp_path, cli):
    path = write(tmp_path / "cb.yaml", MINIMAL)
    _add_codings(project, [("problems.funds", "manual"), ("problems.funds", "rule:x")])
    report = cli.json("codebook", "use", path, "-p", project)
    assert report["changed"] and report["codes"] == 2 and report["orphans"] == {}
    assert report["content_version"] == validate_text(MINIMAL).codebook.content_version
    tree = cli.json("codebook", "show", "-p", project)
    assert tree["codes"][0]["id"] == "problems"
    assert tree["codes"][0]["children"][0]["codings"] == 2
    again = cli.json("codebook", "use", path, "-p", project)
    assert again["changed"] is False
    shown = cli("codebook", "show", "-p", project, "--lang", "en")
    assert "Insufficient funds" in shown.stdout and "2 codings" in shown.stdout


def test_switching_codebooks_keeps_codings_of_codes_that_are_gone(project, tmp_path, cli):
    _add_codings(
        project, [("problems.funds", "manual"), ("old.code", "manual"), ("old.code", "rule:r")]
    )
    first = write(tmp_path / "one.yaml", MINIMAL)
    cli("codebook", "use", first, "-p", project)
    second = write(tmp_path / "two.yaml", MINIMAL.replace("problems.funds", "problems.money"))
    report = cli.json("codebook", "use", second, "-p", project)
    assert report["orphans"] == {
        "old.code": {"manual": 1, "other": 1},
        "problems.funds": {"manual": 1},
    }
    assert report["previous"] == validate_text(MINIMAL).codebook.content_version
    db = sqlite3.connect(project / "casecode.db")
    assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == 3
    assert db.execute("SELECT count(*) FROM codebooks").fetchone()[0] == 2
    text = cli("codebook", "use", first, "-p", project).stdout
    notes = [line for line in text.splitlines() if "not in this codebook" in line]
    assert notes == [
        "note: 1 code(s) with codings are not in this codebook (old.code): their 1 manual "
        "coding(s) stay; 1 automatic or imported coding(s) stay until the next `casecode code`, "
        "which replaces open suggestions (reviewed ones and ones with a memo stay)."
    ]
    text = cli(
        "codebook",
        "use",
        write(tmp_path / "three.yaml", MINIMAL.replace("problems.funds", "problems.cash")),
        "-p",
        project,
    ).stdout
    assert "2 code(s) with codings are not in this codebook (old.code, problems.funds)" in text
    assert "0 manual" not in text and text.count("note:") == 1


def test_using_an_invalid_codebook_changes_nothing(project, tmp_path, cli):
    cli("codebook", "use", write(tmp_path / "ok.yaml", MINIMAL), "-p", project)
    bad = write(tmp_path / "bad.yaml", MINIMAL.replace("keywords:", "keyword:"))
    result = cli("codebook", "use", bad, "-p", project, ok=False)
    assert "bad.yaml:12:13: problems.funds: unknown key 'keyword'" in result.stderr
    assert "more error" not in result.stderr  # the typo's consequence is not a second error
    tree = cli.json("codebook", "show", "-p", project)
    assert tree["content_version"] == validate_text(MINIMAL).codebook.content_version


def test_show_without_a_codebook_says_what_to_do(project, cli):
    result = cli("codebook", "show", "-p", project, ok=False)
    assert "no codebook yet" in result.stderr and "codebook use" in result.stderr
    outside = cli("codebook", "show", ok=False)
    assert "no codebook given and no project here" in outside.stderr


def test_builtin_codebook_can_be_used_by_name(project, cli):
    report = cli.json("codebook", "use", "coproduction", "-p", project)
    assert report["source"] == "builtin:coproduction" and report["codes"] > 30
    assert cli.json("codebook", "show", "-p", project)["name"] == report["name"]


# -- what a new user ran into ----------------------------------------------------------------


def test_a_typo_in_an_id_key_gives_one_error_not_a_cascade():
    text = MINIMAL.replace("  - id: problems\n", "  - idd: problems\n")
    found = messages(text)
    assert found == ["cb.yaml:4:5: codebook: unknown key 'idd' (did you mean 'id'?)"]


def test_a_misspelt_required_key_is_not_also_reported_missing():
    text = MINIMAL.replace("        label: {zh: 资金不足", "        lable: {zh: 资金不足")
    assert messages(text) == [
        "cb.yaml:9:9: problems.funds: unknown key 'lable' (did you mean 'label'?)"
    ]


def test_a_missing_label_names_the_code_that_lacks_it():
    text = MINIMAL.replace("        label: {zh: 资金不足, en: Insufficient funds}\n", "")
    assert messages(text) == ["cb.yaml:8:9: problems.funds: missing 'label'"]


def test_duplicate_code_ids_do_not_also_report_their_default_rule_ids():
    text = MINIMAL + MINIMAL.split("    children:\n")[1]
    found = messages(text)
    assert len(found) == 1 and "duplicate id 'problems.funds'" in found[0]


@pytest.mark.parametrize(
    "old, new, hint",
    [
        ("    label: {zh: 问题", "    label： {zh: 问题", "full-width '：' outside quotes"),
        (
            "definition: Money is short.",
            "definition: Note: money is short.",
            "put the value in quotes",
        ),
        ("    definition: Problems people describe.", "\tdefinition: x", "not tabs"),
    ],
)
def test_yaml_syntax_errors_come_with_a_hint(old, new, hint):
    found = messages(MINIMAL.replace(old, new))
    assert len(found) == 1 and hint in found[0], found


def test_fullwidth_commas_inside_a_keyword_are_warned():
    text = MINIMAL.replace("[资金不足, 缺钱]", "[资金不足，缺钱]")
    assert "contains '，': is it two words?" in messages(text, "warning")[0]


def test_an_unquoted_colour_is_explained():
    text = MINIMAL.replace("definition: Money is short.", "definition: x\n        color: #2e86c1")
    assert "an unquoted # starts a YAML comment" in messages(text)[0]


def test_a_short_gbk_codebook_is_read_as_gbk(tmp_path):
    from casecode.codebook.files import read_text

    path = write(
        tmp_path / "cb.yaml", "name: 编码本\ncodes:\n  - id: a\n    label: 权责不清\n", "gbk"
    )
    assert read_text(path)[0].startswith("name: 编码本")


def test_use_points_a_qdc_file_to_codebook_import(project, tmp_path, cli):
    qdc = write(tmp_path / "x.qdc", "<CodeBook/>")
    result = cli("codebook", "use", qdc, "-p", project, ok=False)
    assert "REFI-QDA codebook" in result.stderr and "codebook import" in result.stderr


def test_validate_json_answers_for_files_that_cannot_be_read(tmp_path, cli):
    result = cli("codebook", "validate", tmp_path / "missing.yaml", "--json", ok=False)
    data = json.loads(result.stdout)
    assert data["valid"] is False and data["errors"][0]["message"] == "no such codebook file"
    assert {k: data[k] for k in ("name", "content_version", "codes", "rules")} == dict.fromkeys(
        ("name", "content_version", "codes", "rules")
    )
    assert "no such codebook file" in result.stderr


def test_a_mistake_inside_a_context_names_the_key_not_the_alternatives():
    from casecode.codebook.validate import validate_text

    book = """\
name: t
languages: [zh]
codes:
  - id: a
    label: A
    rules:
      - keywords: [x]
        context: {with: [y], substring: maybe}
      - keywords: [z]
        context: [{with: [y], scope: para}]
"""
    errors = [str(e) for e in validate_text(book, "cb.yaml").errors]
    assert errors == [
        "cb.yaml:8:41: a: context.substring should be true or false, not text",
        "cb.yaml:10:38: a: context.scope: 'para' is not one of clause, sentence, turn, document",
    ]
