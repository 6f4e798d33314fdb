"""Matrices, co-occurrence, retrieval, keyword in context and the codings export, value by value
on a small project whose codings are known."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import casecode
from conftest import build_once, copy_of, write
from samples import ANALYSIS_CODEBOOK as CODEBOOK
from samples import A, B, tagged_project

C = "Interviewer: Who helps?\nVolunteer: The volunteers cook, and one volunteer drives.\n"


@pytest.fixture
def coded(_coded, tmp_path, monkeypatch):
    """Manual codings by ann and bo, and one suggestion of the rules (coder auto): each test's
    own copy of the project ``_code`` built once for this module."""
    monkeypatch.setenv("CASECODE_CODER", "ann")
    return copy_of(_coded, tmp_path)


@pytest.fixture(scope="module")
def _coded(tmp_path_factory):
    return build_once(tmp_path_factory, _code, CASECODE_CODER="ann")


def _code(cli, project, tmp_path):
    report = tagged_project(
        cli,
        project,
        tmp_path,
        [
            ("a.txt", "2", "problems.funds"),
            ("a.txt", "2", "problems.funds.late", "--quote", "拨款也慢"),
            ("a.txt", "4", "problems.unclear", "problems.funds"),
            ("a.txt", "4", "actors.village", "--quote", "村委会"),
            ("b.txt", "2", "actors.village"),
            ("b.txt", "3", "problems.funds"),
            ("a.txt", "2", "problems.unclear", "--coder", "bo"),
        ],
    )
    assert report["by_code"] == {"problems.unclear": 1}  # a.txt turn 4


def matrix(cli, project, *args):
    """``matrix`` counting codings of every status unless ``args`` say otherwise (the defaults,
    coded turns of accepted codings, are tested in tests/analysis/test_counts.py)."""
    defaults = [("--measure", "count"), ("--status", "all")]
    extra = [x for name, value in defaults if name not in args for x in (name, value)]
    return cli.json("matrix", "-p", project, *args, *extra)


def test_count_at_level_1_rolls_up_and_merges_what_becomes_the_same(coded, cli):
    m = matrix(cli, coded, "--rows", "case")
    assert m["rows"] == ["上坊村", "柏树村"] and m["columns"] == ["problems", "actors"]
    # a: turn 2 funds (ann), late (ann, a quote), unclear (bo); turn 4 unclear + funds by ann
    # on the same span merge into one; auto's suggestion on turn 4 is another coder's
    assert m["values"] == [[5, 1], [1, 1]]
    assert m["row_totals"] == [6, 2] and m["column_totals"] == [6, 2] and m["total"] == 8
    assert m["labels"] == {"problems": "问题", "actors": "主体"}


def test_deeper_levels_and_a_category_coded_directly(coded, cli):
    m = matrix(cli, coded, "--rows", "document", "--level", "2", "--status", "accepted")
    assert m["columns"] == ["problems.funds", "problems.unclear", "actors.village"]
    assert m["values"] == [[3, 2, 1], [1, 0, 1]]
    leaves = matrix(cli, coded, "--rows", "document", "--level", "3", "--status", "accepted")
    # problems.funds has a child but was coded itself, so it keeps a column of its own
    assert leaves["columns"] == [
        "problems.funds",
        "problems.funds.late",
        "problems.unclear",
        "actors.village",
    ]
    assert leaves["values"] == [[2, 1, 2, 1], [1, 0, 0, 1]]


def test_codes_pick_columns_with_their_subtrees(coded, cli):
    m = matrix(cli, coded, "--codes", "problems.funds", "--codes", "村委会", "--status", "accepted")
    assert m["columns"] == ["problems.funds", "actors.village"]
    assert m["values"] == [[3, 1], [1, 1]]
    within = matrix(cli, coded, "--codes", "problems", "--level", "2", "--status", "accepted")
    assert within["columns"] == ["problems.funds", "problems.unclear"]
    assert cli.json("matrix", "-p", coded, "--codes", "problems.funds，actors")["columns"] == [
        "problems.funds",
        "actors",
    ]


def test_presence_segments_and_coverage(coded, cli):
    presence = matrix(cli, coded, "--measure", "presence")
    assert presence["values"] == [[1, 1], [1, 1]] and presence["column_totals"] == [2, 2]
    segments = matrix(cli, coded, "--measure", "segments")
    assert segments["values"] == [[2, 1], [1, 1]]
    assert segments["row_totals"] == [2, 2]  # distinct turns, not a sum
    assert segments["column_totals"] == [3, 2] and segments["total"] == 4
    coverage = matrix(cli, coded, "--measure", "coverage")
    assert coverage["values"] == [[0.68, 0.12], [0.3125, 0.4375]]
    assert coverage["row_totals"] == [0.68, 0.75]
    assert coverage["column_totals"] == [round(22 / 41, 4), round(10 / 41, 4)]
    assert coverage["total"] == round(29 / 41, 4)


def test_percentages_of_row_and_column(coded, cli):
    row = matrix(cli, coded, "--percent", "row")
    assert row["values"] == [[83.33, 16.67], [50, 50]] and row["row_totals"] == [100, 100]
    column = matrix(cli, coded, "--percent", "column")
    assert column["values"] == [[83.33, 50], [16.67, 50]] and column["column_totals"] == [100, 100]


def test_rows_by_attribute_and_speaker_and_filters(coded, cli):
    by_role = matrix(cli, coded, "--rows", "role", "--status", "accepted")
    assert by_role["rows"] == ["会长", "村支书"] and by_role["values"] == [[1, 1], [4, 1]]
    by_village = matrix(cli, coded, "--rows", "village")
    assert by_village["rows"] == ["柏树村", "(missing)"]
    by_speaker = matrix(cli, coded, "--rows", "speaker", "--status", "accepted")
    assert by_speaker["rows"] == ["访谈者", "村民", "会长"]
    assert by_speaker["values"] == [[0, 0], [4, 1], [1, 1]]
    only = matrix(cli, coded, "--where", "role = 村支书", "--status", "accepted")
    assert only["rows"] == ["上坊村"] and only["values"] == [[4, 1]]
    contains = matrix(cli, coded, "--where", "role ~ 支书", "--where", "speaker != 访谈者")
    assert contains["rows"] == ["上坊村"]
    assert matrix(cli, coded, "--coder", "bo")["values"] == [[1, 0], [0, 0]]
    stem = matrix(cli, coded, "--where", "document = a", "--where", "document != b.txt")
    assert stem["rows"] == ["上坊村"]


def test_status_decides_which_codings_count(coded, cli):
    suggested = matrix(cli, coded, "--status", "suggested", "--level", "2")
    assert suggested["values"] == [[0, 1, 0], [0, 0, 0]]
    (item,) = casecode.review_queue(coded)
    casecode.decide(coded, item["id"], "reject", reviewer="cai")
    assert matrix(cli, coded, "--status", "suggested", "--level", "2")["total"] == 0
    assert matrix(cli, coded, "--status", "rejected", "--level", "2")["values"][0] == [0, 1, 0]
    assert matrix(cli, coded)["values"][0] == [4, 1]  # the rejected suggestion no longer counts


def test_cooccurrence_by_turn_and_document(coded, cli):
    turns = cli.json("cooccur", "-p", coded)
    assert turns["columns"] == ["problems", "actors"]
    assert turns["values"] == [[3, 1], [1, 2]] and turns["units"] == 4
    jaccard = cli.json("cooccur", "-p", coded, "--measure", "jaccard")
    assert jaccard["values"] == [[1, 0.25], [0.25, 1]]
    unused = cli.json("cooccur", "-p", coded, "--measure", "jaccard", "--coder", "bo")
    assert unused["values"] == [[1, 0], [0, None]]  # actors never occurs: undefined with itself
    docs = cli.json("cooccur", "-p", coded, "--unit", "document", "--level", "2")
    assert docs["columns"] == ["problems.funds", "problems.unclear", "actors.village"]
    assert docs["values"] == [[2, 1, 2], [1, 1, 1], [2, 1, 2]]


def test_the_python_api_returns_data_frames(coded):
    frame = casecode.code_matrix(coded, rows="case", level=2, status="accepted")
    assert list(frame.columns) == ["problems.funds", "problems.unclear", "actors.village"]
    assert frame.loc["柏树村", "actors.village"] == 1 and "Total" not in frame.index
    with_totals = casecode.code_matrix(coded, totals=True, measure="count", status="all")
    assert with_totals.loc["Total", "Total"] == 8
    assert casecode.cooccurrence(coded).loc["problems", "actors"] == 1
    quotes = casecode.query(coded, "actors.village")
    assert list(quotes["text"]) == ["村委会说不清楚。", "村委会管得好。"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".dta", ".parquet"])
def test_matrix_files_read_back_value_by_value(coded, cli, tmp_path, suffix):
    path = tmp_path / f"m{suffix}"
    cli(
        "matrix", "-p", coded, "--level", "2", "--rows", "document", "--measure", "count",
        "--status", "all", "--out", path,
    )  # fmt: skip
    if suffix == ".csv":
        back = pd.read_csv(path, index_col=0)
    elif suffix == ".xlsx":
        back = pd.read_excel(path, index_col=0, skiprows=[1])  # row 2 holds the labels
        labels = pd.read_excel(path, nrows=1)
        assert list(labels.iloc[0])[1:4] == ["资金不足", "权责不清", "村委会"]
    elif suffix == ".dta":
        back = pd.read_stata(path, index_col="document")
        reader = pd.io.stata.StataReader(path)
        with reader:
            assert reader.variable_labels()["problems_funds"] == "资金不足"
        back.columns = ["problems.funds", "problems.unclear", "actors.village", "Total"]
    else:
        back = pd.read_parquet(path).set_index("document")
    assert list(back.index) == ["a.txt", "b.txt", "Total"]
    assert back.loc["a.txt"].tolist() == [3, 3, 1, 7]  # unclear: bo's, ann's and auto's
    assert back.loc["Total"].tolist() == [4, 3, 2, 9]


def test_query_boolean_near_and_attributes(coded, cli):
    def turns(expr: str, *args: str) -> list[tuple[str, int]]:
        data = cli.json("query", expr, "-p", coded, *args)
        return [(m["document"], m["turn"]) for m in data["matches"]]

    assert turns("problems AND actors") == [("a.txt", 4)]
    assert turns("problems.funds NEAR/1 actors") == [("a.txt", 4), ("b.txt", 2), ("b.txt", 3)]
    assert turns("problems.funds NEAR/0 actors") == [("a.txt", 4)]
    assert turns("NOT problems AND role = 会长") == [("b.txt", 1), ("b.txt", 2)]
    assert turns("not (problems or actors) and speaker = 村民") == []
    assert turns("speaker = 会长 AND 村委会") == [("b.txt", 2)]
    assert turns("problems.unclear", "--coder", "bo") == [("a.txt", 2)]
    assert turns("problems.unclear", "--status", "suggested") == [("a.txt", 4)]
    data = cli.json("query", "problems.funds.late", "--context", "1", "-p", coded)
    (match,) = data["matches"]
    assert match["text"] == "钱不够，拨款也慢。" and match["before"] == "访谈者：钱够吗？"
    assert match["after"] == "访谈者：谁负责？" and match["role"] == "村支书"
    assert match["codes"] == "problems.funds; problems.funds.late; problems.unclear"
    assert "1 turn(s) in 1 document(s)" in cli("query", "problems.funds.late", "-p", coded).stdout


@pytest.mark.parametrize(
    "expr, column, message",
    [
        ("problems AND", 13, "found the end"),
        ("(problems OR actors", 20, "expected ')'"),
        ("problems actors", 10, "expected AND, OR or NEAR/k before 'actors'"),
        ("problems AND nosuch", 14, "no code 'nosuch'"),
        ("rol = 会长", 1, "no document has an attribute 'rol'"),
        ("role = 村干部", 1, "nothing has role = 村干部"),
        ("problems)", 9, "')' without a matching '('"),
        ("", 1, "the query is empty"),
        ('problems AND "问题', 14, "this quote is never closed"),
        ("problems NEAR/x actors", 10, "NEAR needs a number of turns"),
        ("Village committee", 9, 'quote a label with spaces: "Village committee"'),
    ],
)
def test_bad_queries_point_at_the_mistake(coded, cli, expr, column, message):
    result = cli("query", expr, "-p", coded, ok=False)
    assert message in result.stderr and f"at column {column}" in result.stderr
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_query_quotes_file(coded, cli, tmp_path):
    path = tmp_path / "quotes.xlsx"
    cli("query", "actors", "--out", path, "-p", coded)
    back = pd.read_excel(path)
    assert list(back["text"]) == ["村委会说不清楚。", "村委会管得好。"]
    assert list(back["case"]) == ["上坊村", "柏树村"]


def test_json_names_the_file_out_wrote(coded, cli, tmp_path):
    for args in (["matrix"], ["cooccur"], ["query", "actors"], ["kwic", "村委会"]):
        path = tmp_path / f"{args[0]}.csv"
        data = cli.json(*args, "--out", path, "-p", coded)
        assert data["file"] == str(path) and path.is_file()
        assert "file" not in cli.json(*args, "-p", coded)


def test_kwic_on_word_boundaries_and_as_substring(coded, cli, tmp_path):
    cli("import", write(tmp_path / "c.txt", "Interview with a volunteer group\n" + C), "-p", coded)
    hits = cli.json("kwic", "村委会", "-p", coded)
    assert [(o["document"], o["turn"], o["left"], o["right"]) for o in hits["occurrences"]] == [
        ("a.txt", 4, "", "说不清楚。"),
        ("b.txt", 2, "", "管得好。"),
    ]
    assert cli.json("kwic", "费", "-p", coded)["hits"] == 0  # inside 经费, one word
    inside = cli.json("kwic", "费", "--substring", "-p", coded)["occurrences"]
    assert [(o["document"], o["match"], o["left"]) for o in inside] == [("b.txt", "费", "经")]
    english = cli.json("kwic", "volunteer", "--width", "4", "-p", coded)["occurrences"]
    # the lemma finds "volunteers"; the speaker's label "Volunteer:" is not something said
    assert [(o["match"], o["left"], o["right"]) for o in english] == [
        ("volunteers", "The ", " coo"),
        ("volunteer", "one ", " dri"),
    ]
    assert "--substring" in cli("kwic", "费", "-p", coded).stdout


def test_export_codings_is_tidy_and_keeps_every_coding(coded, cli, tmp_path):
    path = tmp_path / "codings.csv"
    report = cli.json("export", "codings", "--out", path, "-p", coded)
    back = pd.read_csv(path, keep_default_na=False)
    assert report["codings"] == len(back) == 9  # 8 manual + 1 suggestion
    late = back[back["code"] == "problems.funds.late"].iloc[0]
    assert (late["document"], late["case"], late["turn"], late["speaker"]) == (
        "a.txt",
        "上坊村",
        2,
        "村民",
    )
    assert (late["text"], late["label"], late["coder"], late["origin"]) == (
        "拨款也慢",
        "拨款滞后",
        "ann",
        "manual",
    )
    assert late["role"] == "村支书" and late["status"] == "accepted"
    auto = back[back["coder"] == "auto"].iloc[0]
    assert (auto["origin"], auto["rule"], auto["status"]) == ("rule", "unclear-words", "suggested")
    dta = tmp_path / "codings.dta"
    result = cli("export", "codings", "--out", dta, "--coder", "bo", "-p", coded)
    assert "Warning" not in result.stderr  # Stata's reserved words are renamed, not warned about
    back = pd.read_stata(dta)
    assert back["code"].tolist() == ["problems.unclear"] and back["case_"].tolist() == ["上坊村"]
    with pd.io.stata.StataReader(dta) as reader:
        assert reader.variable_labels()["case_"] == "case"


def test_codings_of_codes_gone_from_the_codebook_are_exported_and_reported(coded, cli, tmp_path):
    smaller = CODEBOOK.split("  - id: actors")[0]
    cli("codebook", "use", write(tmp_path / "small.yaml", smaller), "-p", coded)
    result = cli("matrix", "-p", coded, "--json")
    assert "2 coding(s) of codes not in the codebook were left out: actors.village" in result.stderr
    assert json.loads(result.stdout)["columns"] == ["problems"]
    data = cli.json("export", "codings", "--out", tmp_path / "all.csv", "-p", coded)
    assert data["codings"] == 9


@pytest.mark.parametrize(
    "args, message",
    [
        (["matrix", "--rows", "rol"], "cannot make rows of 'rol' (closest: role)"),
        (["matrix", "--measure", "sum"], "unknown measure 'sum'"),
        (["matrix", "--measure", "coverage", "--percent", "row"], "coverage is a share already"),
        (["matrix", "--percent", "total"], "--percent is row or column"),
        (["matrix", "--level", "0"], "--level counts from 1"),
        (["matrix", "--codes", "problems.funds.late", "--level", "1"], "below level 1"),
        (["matrix", "--coder", "nobody"], "no codings by coder 'nobody' (coders: ann, auto, bo)"),
        (["matrix", "--status", "open"], "unknown status 'open'"),
        (["matrix", "--where", "role"], "cannot read the filter 'role'"),
        (["matrix", "--codes", "nosuch"], "no code 'nosuch'"),
        (["matrix", "--out", "m.txt"], "cannot write '.txt' files"),
        (["matrix", "--out", "m"], "the file has no extension"),
        (["matrix", "--out", "missing/m.csv"], "the folder does not exist"),
        (["cooccur", "--unit", "sentence"], "unknown unit 'sentence'"),
        (["kwic", " "], "give a word to look for"),
        (["export", "codings", "--out", "c.json"], "cannot write '.json' files"),
        (["matrix", "--lang", "fr"], "unknown language 'fr'"),
    ],
)
def test_mistakes_are_one_line_errors(coded, cli, args, message):
    result = cli(*args, "-p", coded, ok=False)
    assert message in result.stderr and result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1


def test_warnings_for_nested_codes_and_nothing_coded(coded, cli, tmp_path):
    nested = cli("matrix", "--codes", "problems,problems.funds", "-p", coded)
    assert "problems.funds lies inside problems" in nested.stderr
    nothing = cli("matrix", "--status", "rejected", "-p", coded)
    assert "no codings count here" in nothing.stderr
    cli("init", tmp_path / "empty")
    assert "has no documents yet" in cli("kwic", "x", "-p", tmp_path / "empty", ok=False).stderr


def test_a_wide_matrix_prints_in_blocks_that_fit(coded):
    from casecode.cli.render import matrix_tables

    frame = casecode.code_matrix(coded, level=3, totals=True)
    tables = matrix_tables(frame, "t", share=False, width=30)
    assert len(tables) > 1 and tables[0].title == f"t (1/{len(tables)})"
    assert sum(len(t.columns) - 1 for t in tables) == len(frame.columns)


def test_tables_print_for_people(coded, cli, tmp_path):
    text = cli("matrix", "-p", coded, "--measure", "coverage").stdout
    assert "68.0%" in text and "合计" in text
    assert "Jaccard" in cli("cooccur", "-p", coded, "--measure", "jaccard").stdout
    shown = cli("query", "problems AND actors", "-p", coded).stdout
    assert "a.txt · 上坊村 · turn 4" in shown and "村民" in shown
    written = cli("matrix", "-p", coded, "--out", tmp_path / "m.xlsx").stdout
    assert "Wrote" in written


# -- the query language, checked against sets -------------------------------------------------

ATOMS = ["problems", "problems.funds", "problems.unclear", "actors", "speaker = 村民"]


def _exprs():
    leaf = st.sampled_from(ATOMS).map(lambda a: (a, a))
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            inner.map(lambda e: (f"NOT {e[0]}", ("not", e[1]))),
            st.tuples(inner, st.sampled_from(["AND", "OR"]), inner).map(
                lambda t: (f"({t[0][0]} {t[1]} {t[2][0]})", (t[1].lower(), t[0][1], t[2][1]))
            ),
        ),
        max_leaves=6,
    )


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    from casecode import Project, init_project, project_codebook
    from casecode.analysis.data import load

    root = init_project(tmp_path_factory.mktemp("q") / "p")
    folder = tmp_path_factory.mktemp("t")
    write(folder / "a.txt", A)
    write(folder / "b.txt", B)
    casecode.import_documents(root, [folder])
    casecode.use_codebook(root, write(folder / "cb.yaml", CODEBOOK))
    for doc, turn, code in [
        ("a.txt", 2, "problems.funds"),
        ("a.txt", 4, "problems.unclear"),
        ("a.txt", 4, "actors.village"),
        ("b.txt", 2, "actors.village"),
        ("b.txt", 3, "problems.funds.late"),
    ]:
        casecode.tag(root, doc, turn, [code], coder="ann")
    with Project(root) as proj:
        book = project_codebook(proj)
        return load(proj.store, book), book


@settings(max_examples=60, deadline=None)
@given(_exprs())
def test_query_agrees_with_set_algebra(small_corpus, expr):
    from casecode.analysis.query import match_query, parse_query

    corpus, book = small_corpus
    universe = {(t.doc, t.n) for t in corpus.turns}

    def reference(node) -> set:
        if isinstance(node, str):
            if node.startswith("speaker"):
                return {(t.doc, t.n) for t in corpus.turns if t.speaker == "村民"}
            return {(h.doc, h.turn) for h in corpus.hits if h.code.startswith(node)}
        if node[0] == "not":
            return universe - reference(node[1])
        left, right = reference(node[1]), reference(node[2])
        return left & right if node[0] == "and" else left | right

    text, tree = expr
    assert match_query(parse_query(text, book), corpus, text) == reference(tree)
