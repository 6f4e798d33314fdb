"""Tables that read well, at 80 and 200 columns: headers break only between words, names are cut
(with …) only when there is no room, numbers never; ``--out`` writes a file without printing the
table unless ``--print`` asks.

The bundled corpus gives the long code ids, Chinese labels and file names that used to fold
mid-word. Headers are checked against their full text (from ``--json`` or the code), by a rule
of their own: a header line may start or end only at a space, after . _ - / inside a word, or
between two Chinese characters.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from rich.cells import cell_len

import casecode
from casecode.cli.common import out
from conftest import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="bundled corpus not present")

WIDTHS = [80, 200]
STATS = ["agree %", "Cohen κ", "Fleiss κ", "Kripp. α"]
LONG = "suggestions.responsibilities_service_government"  # the longest id of the codebook
# ann's manual codings (one shared with the rules' suggestions, the others not)
ANN = [
    ("zh03_village_secretary.txt", 4, "motivation.policy_promotion"),
    ("zh01_county_civil_affairs.md", 8, LONG),
    ("en01_ngo_coordinator.txt", 21, "problems.lack_of_institutional_guarantee"),
    ("en02_volunteers_group.md", 28, "problems.unclear_responsibilities"),
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The bundled corpus coded by the rules (auto), and a few turns by hand (ann)."""
    root = casecode.init_project(tmp_path_factory.mktemp("tables") / "county-a")
    casecode.import_documents(root, [CORPUS])
    casecode.use_codebook(root, "coproduction")
    casecode.autocode(root)
    for doc, turn, code in ANN:
        casecode.tag(root, doc, turn, [code], coder="ann")
    found = casecode.query(root, "problems.unclear_responsibilities", coder="auto")
    for r in found.itertuples(index=False):  # enough for suggest to find its keywords
        casecode.tag(root, r.document, r.turn, ["problems.unclear_responsibilities"], coder="ann")
    return root


@pytest.fixture
def shown(cli, corpus, monkeypatch):
    """What a command prints on a terminal ``width`` columns wide (its tables within it)."""

    def run(width: int, *args) -> str:
        monkeypatch.setattr(out, "_width", width)
        text = cli(*args, "-p", corpus).stdout
        lines = [line for head, body in tables(text) for line in head + body]
        assert max((cell_len(line.rstrip()) for line in lines), default=0) <= width
        return text

    return run


# -- reading tables back from the terminal ------------------------------------------------------


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _boundary(text: str, i: int) -> bool:
    """Whether a line of ``text`` may start or end at ``i`` without breaking a word."""
    if i in (0, len(text)):
        return True
    a, b = text[i - 1], text[i]
    inside = a in "._-/" and i > 1 and text[i - 2] != " "  # after . _ - / inside an id or name
    return a == " " or b == " " or inside or (_wide(a) and _wide(b))


def is_chunk(token: str, texts) -> bool:
    """Whether ``token`` is a run of whole words of one of ``texts``."""
    for text in texts:
        start = text.find(token)
        while start >= 0:
            if _boundary(text, start) and _boundary(text, start + len(token)):
                return True
            start = text.find(token, start + 1)
    return False


def tables(text: str) -> list[tuple[list[str], list[str]]]:
    """Each table's header lines (between the blank line under its title and its rule) and
    body lines (from the rule to the next blank line)."""
    lines = text.splitlines()
    found = []
    for i, line in enumerate(lines):
        if line.strip() and set(line.strip()) == {"─"}:
            top = i
            while top > 0 and lines[top - 1].strip():
                top -= 1
            end = i + 1
            while end < len(lines) and (lines[end].strip() or _more_rows(lines, end)):
                end += 1
            found.append((lines[top:i], [b for b in lines[i + 1 : end] if b.strip()]))
    return found


def _more_rows(lines: list[str], i: int) -> bool:
    """A blank line between sections (totals, overall) is followed by a row, not a title."""
    return i + 1 < len(lines) and lines[i + 1].startswith("  ") and lines[i + 1].strip() != ""


def assert_headers(text: str, headers, *, whole=()) -> list[list[str]]:
    """Every header line of every table in ``text`` holds only whole words of ``headers``; the
    ``whole`` ones each on one line. Returns each table's body lines."""
    found = tables(text)
    assert found, text
    for head, _ in found:
        for token in (t for line in head for t in line.split()):
            assert is_chunk(token, headers), (token, "\n".join(head))
    lines = [line for head, _ in found for line in head]
    for header in whole:
        assert any(header in line for line in lines), (header, "\n".join(lines))
    return [body for _, body in found]


def assert_name(cell: str, names) -> str:
    """``cell`` is one of ``names`` in full, or one cut with … (returns the full name)."""
    if cell in names:
        return cell
    assert cell.endswith("…"), cell
    matches = [n for n in names if n.startswith(cell[:-1])]
    assert matches, cell
    return matches[0]


# -- the helpers in cli/render.py ---------------------------------------------------------------


def test_wrap_breaks_between_words_and_balances_chinese():
    from casecode.cli.render import pieces, unbreakable, wrap

    assert wrap("lack_of_institutional_guarantee", 16).plain.split("\n") == [
        "lack_of_",
        "institutional_",
        "guarantee",
    ]
    assert wrap("process.co_design.consultation", 20).plain.split("\n") == [
        "process.co_design.",
        "consultation",
    ]
    assert wrap("志愿者与村民", 10, balance=True).plain.split("\n") == ["志愿者", "与村民"]
    assert wrap("County and township government", 12).plain.split("\n") == [
        "County and",
        "township",
        "government",
    ]
    assert "".join(pieces("save it as .docx or .txt")) == "save it as .docx or .txt"
    assert ".txt" in pieces("save it as .docx or .txt")  # an extension is not cut from its dot
    assert pieces("受访者, 访谈者", cjk=False) == ["受访者, ", "访谈者"]
    assert unbreakable("responsibilities_service_government") == len("responsibilities_")
    assert wrap("organisations", 8).plain == "organis…"  # a word wider than the line is cut


def test_columns_keep_numbers_whole_and_shorten_headers_only_when_needed():
    from casecode.cli.render import NAME, Col, column_widths

    columns = [Col("coder", NAME), Col("suggested", short="sugg."), Col("documents", short="docs")]
    cells = [["auto"], ["1021"], ["11"]]
    assert column_widths(columns, cells, 80) == ([5, 9, 9], ["coder", "suggested", "documents"])
    widths, headers = column_widths(columns, cells, 24)
    assert headers == ["coder", "sugg.", "docs"] and widths[1:] == [5, 4]
    assert sum(widths) + 3 * len(widths) + 1 <= 24


# -- every table the command line prints --------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_docs_and_import_tables(shown, cli, corpus, width):
    documents = cli.json("docs", "-p", corpus)
    names = [d["name"] for d in documents]
    heads = ["id", "name", "case", "lang", "encoding", "turns", "chars", "speakers"]
    (rows,) = assert_headers(shown(width, "docs"), heads, whole=heads)
    rows = [r.split() for r in rows if r.split()[0].isdigit()]
    assert [assert_name(r[1], names) for r in rows] == names
    if width == 200:
        assert [r[1] for r in rows] == names
    heads = ["file", "status", "id", "encoding", "lang", "turns", "note"]
    again = shown(width, "import", CORPUS)  # everything skipped, with a note why
    (rows,) = assert_headers(again, heads, whole=heads)
    cells = [r.split()[:2] for r in rows if r.split()[1:2] == ["skipped"]]
    assert sorted(assert_name(c[0], names) for c in cells) == sorted(names)
    if width == 200:
        assert sorted(c[0] for c in cells) == sorted(names)


@pytest.mark.parametrize("width", WIDTHS)
def test_code_coders_and_suggest_tables(shown, cli, corpus, width):
    report = cli.json("code", "--dry-run", "-p", corpus)
    (rows,) = assert_headers(shown(width, "code", "--dry-run"), ["code", "codings"])
    assert {r.split()[0] for r in rows} == set(report["by_code"]) and LONG in report["by_code"]
    full = ["coder", "manual", "suggested", "accepted", "rejected", "imported", "reviewed"]
    full.append("documents")
    short = ["sugg.", "acc.", "rej.", "imp.", "rev.", "docs"]
    text = shown(width, "coders")
    (rows,) = assert_headers(text, full + short, whole=full if width == 200 else ["coder"])
    assert [r.split()[0] for r in rows] == ["ann", "auto"]
    heads = ["term", "z", "coded turns", "occurrences", "elsewhere"]
    assert_headers(shown(width, "suggest", "problems.unclear_responsibilities"), heads, whole=heads)


TOTALS = ["Total", "合计"]


def _labels(frame: dict) -> list[str]:
    """A matrix's column headers, from --json: the last parts of the ids, and the labels."""
    ids = [c.rsplit(".", 1)[-1] for c in frame["columns"]]
    return ids + [label for label in frame["labels"].values() if label]


@pytest.mark.parametrize("width", WIDTHS)
def test_matrix_headers_names_and_numbers(shown, cli, corpus, width):
    frame = cli.json("matrix", "-p", corpus)
    text = shown(width, "matrix")
    bodies = assert_headers(text, [*_labels(frame), *TOTALS, "case"], whole=_labels(frame)[:6])
    assert len(bodies) == 1  # the top-level codes fit on one table at 80 columns too
    rows = {r.split()[0]: r.split()[1:] for r in bodies[0]}
    for name, values, total in zip(
        frame["rows"], frame["values"], frame["row_totals"], strict=True
    ):
        assert rows[name] == [str(v) for v in values] + [str(total)]  # no number cut
    deeper = cli.json("matrix", "--level", "2", "-p", corpus)
    text = shown(width, "matrix", "--level", "2")
    bodies = assert_headers(text, [*_labels(deeper), *TOTALS, "case"])
    assert len(bodies) > 1  # blocks of columns, each repeating the row names
    shown_values: dict[str, list[str]] = {}
    for body in bodies:
        for r in body:
            shown_values.setdefault(r.split()[0], []).extend(r.split()[1:])
    for name, values, total in zip(
        deeper["rows"], deeper["values"], deeper["row_totals"], strict=True
    ):
        assert shown_values[name] == [str(v) for v in values] + [str(total)]


@pytest.mark.parametrize("width", WIDTHS)
def test_matrix_row_names_are_cut_only_without_room(shown, cli, corpus, width):
    frame = cli.json("matrix", "--rows", "role", "--lang", "en", "-p", corpus)
    roles = frame["rows"]
    longest = max(roles, key=len)
    assert " " in longest and len(longest) > 40
    text = shown(width, "matrix", "--rows", "role", "--lang", "en")
    headers = [*_labels(frame), *TOTALS, "role"]
    bodies = assert_headers(text, headers, whole=_labels(frame) if width == 200 else ())
    for body in bodies:
        cells = [re.split(r"\s{2,}", r.strip())[0] for r in body]  # names have single spaces
        found = [assert_name(c, [*roles, "Total"]) for c in cells]
        assert set(found) == {*roles, "Total"}
        if width == 200:
            assert longest in cells


@pytest.mark.parametrize("width", WIDTHS)
def test_cooccur_headers_in_both_languages(shown, cli, corpus, width):
    for lang in ("zh", "en"):
        frame = cli.json("cooccur", "--level", "2", "--lang", lang, "-p", corpus)
        text = shown(width, "cooccur", "--level", "2", "--lang", lang)
        bodies = assert_headers(text, [*_labels(frame), "code"])  # no totals here
        for body in bodies:
            names = [r.split()[0] for r in body]
            assert [assert_name(n, frame["rows"]) for n in names] == frame["rows"]
            if width == 200:
                assert names == frame["rows"]  # the code ids in full


@pytest.mark.parametrize("width", WIDTHS)
def test_kwic_names_documents_in_full_when_there_is_room(shown, cli, corpus, width):
    hits = cli.json("kwic", "老人", "-p", corpus)["occurrences"]
    (rows,) = assert_headers(shown(width, "kwic", "老人"), ["document", "turn"])
    names = sorted({h["document"] for h in hits})
    cells = [r.split()[0] for r in rows]
    assert sorted({assert_name(c, names) for c in cells}) == names
    if width == 200:
        assert sorted(set(cells)) == names


@pytest.mark.parametrize("width", WIDTHS)
def test_agree_and_evaluate_wrap_code_ids_between_words(shown, cli, corpus, width):
    args = ("agree", "--coder", "auto", "--coder", "ann")
    codes = list(cli.json(*args, "-p", corpus)["codes"])
    assert LONG in codes
    (rows,) = assert_headers(shown(width, *args), [*STATS, "code", "auto", "ann"])
    firsts = [r.split()[0] for r in rows if r.split()[0] != "overall"]
    assert all(is_chunk(f, codes) for f in firsts), firsts  # ids wrap only after . or _
    if width == 200:
        assert [f for f in firsts if f in codes] == codes  # every id on one line
    heads = ["code", "precision", "recall", "F1", "support", "TP", "FP", "FN"]
    result = cli.json("evaluate", "--gold", "ann", "-p", corpus)
    (rows,) = assert_headers(shown(width, "evaluate", "--gold", "ann"), heads, whole=heads)
    firsts = [r.split()[0] for r in rows if r.split()[0] not in ("micro", "macro")]
    assert all(is_chunk(f, result["codes"]) for f in firsts), firsts
    if width == 200:
        assert [f for f in firsts if f in result["codes"]] == list(result["codes"])


# -- --out writes the file; --print prints the table too ----------------------------------------


@pytest.mark.parametrize(
    "args",
    [("matrix",), ("cooccur",), ("query", "problems AND actors"), ("kwic", "老人")],
    ids=["matrix", "cooccur", "query", "kwic"],
)
def test_out_writes_without_printing_unless_asked(cli, corpus, tmp_path, args):
    table = cli(*args, "-p", corpus).stdout
    assert len(table.splitlines()) > 5
    target = tmp_path / f"{args[0]}.csv"
    quiet = cli(*args, "--out", target, "-p", corpus).stdout
    assert "".join(quiet.split()) == f"Wrote{target}" and target.is_file()  # (a long path wraps)
    again = tmp_path / f"{args[0]}-2.csv"
    loud = cli(*args, "--out", again, "--print", "-p", corpus).stdout
    assert loud.startswith(table) and "".join(loud[len(table) :].split()) == f"Wrote{again}"
    assert again.read_bytes() == target.read_bytes()
