"""REFI-QDA project exchange: real exports from other tools in, casecode projects out and back.

The real samples are read from ../shared (skipped with a reason when it is absent); every export
is validated against the official Project.xsd there.
"""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import casecode
from casecode.errors import CasecodeError
from casecode.interop.refi import points_to_utf16, utf16_to_points, with_crlf
from conftest import SHARED

SAMPLES = SHARED / "refi-qda" / "samples"
XSD = SHARED / "refi-qda" / "schema" / "Project.xsd"
needs_shared = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason="../shared/refi-qda is absent (a plain clone)"
)

CODEBOOK = """\
name: exchange
languages: [en]
codes:
  - id: care
    label: Care
    color: "#336699"
    definition: Looking after someone.
    children:
      - id: care.family
        label: Family care
        rules:
          - id: family-words
            keywords: [daughter, son]
  - id: money
    label: Money
    rules:
      - id: money-words
        keywords: [money, pension]
  - id: groups
    label: Groups
    codable: false
"""

TEXT = (
    "Interviewer: How do you manage?\r\n"
    "Resident: My daughter helps 😀 and my pension is small.\r\n"
    "Interviewer: 还有呢？\r\n"
    "Resident: 女儿每周来一次。𠀀 Money is tight.\r\n"
)


def schema():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(XSD)))


def assert_valid(qdpx: Path) -> None:
    """The .qde inside validates against the official schema, and every internal file is there."""
    from lxml import etree

    if not XSD.is_file():
        pytest.skip("../shared/refi-qda/schema/Project.xsd is absent")
    with zipfile.ZipFile(qdpx) as archive:
        names = set(archive.namelist())
        assert "project.qde" in names
        doc = etree.fromstring(archive.read("project.qde"))
        for path in doc.xpath("//@plainTextPath"):
            assert path.startswith("internal://")
            assert "sources/" + path.removeprefix("internal://") in names
    validator = schema()
    assert validator.validate(doc), validator.error_log


def zip_folder(folder: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return out


def codings(project: Path) -> list[tuple[str, int, int, str, str]]:
    """(document, start, end, code, coder) of every coding, with its text checked."""
    found = []
    for doc in casecode.list_documents(project):
        full = casecode.get_document(project, doc["id"])
        for c in full["codings"]:
            found.append((doc["name"], c["start"], c["end"], c["code"], c["coder"]))
    return sorted(found)


def texts(project: Path) -> dict[str, str]:
    return {
        d["name"]: casecode.get_document(project, d["id"])["text"]
        for d in casecode.list_documents(project)
    }


def code_tree(project: Path) -> list[tuple[str, str, str | None, bool]]:
    tree = casecode.codebook_tree(project=project)
    out = []

    def walk(nodes):
        for n in nodes:
            out.append((n["id"], n["label"], n["color"], n["codable"]))
            walk(n["children"])

    walk(tree["codes"])
    return out


def exported_tree(project: Path) -> list[tuple[str, str, str | None, bool]]:
    """``code_tree`` as an export writes it: a code without a colour gets the view's colour."""
    from casecode.codebook.colours import code_colours

    colours = code_colours(casecode.project_codebook(project))
    return [(i, label, colour or colours[i], ok) for i, label, colour, ok in code_tree(project)]


@pytest.fixture
def built(tmp_path) -> Path:
    """A project with CRLF, Chinese and emoji text, a codebook, manual codings, suggestions,
    memos, a case and attributes."""
    root = tmp_path / "built"
    casecode.init_project(root)
    src = tmp_path / "interview.txt"
    src.write_bytes(TEXT.encode("utf-8"))
    casecode.import_documents(root, [src])
    (tmp_path / "book.yaml").write_text(CODEBOOK, encoding="utf-8")
    casecode.use_codebook(root, tmp_path / "book.yaml")
    casecode.tag(root, "interview.txt", 2, "money", quote="pension", coder="ann", memo="small")
    casecode.tag(root, "interview.txt", 4, ["care.family", "money"], coder="bo")
    casecode.autocode(root)
    casecode.add_memo(root, "about care", code="care", author="ann")
    casecode.add_memo(root, "a good interview", doc="interview.txt", author="bo")
    (tmp_path / "attrs.csv").write_text("document,case,village\ninterview.txt,R1,上坊村\n", "utf-8")
    casecode.set_attributes(root, tmp_path / "attrs.csv")
    return root


# -- the real samples ---------------------------------------------------------------------------


@needs_shared
def test_atlasti_23_empty_project(tmp_path):
    report = casecode.qdpx_import(
        SAMPLES / "atlasti-23" / "blank-atlas-project.qdpx", tmp_path / "p"
    )
    assert report.created and report.documents == [] and report.codes_added == 0
    assert not report.skipped
    assert casecode.project_codebook(tmp_path / "p", required=False) is None


@needs_shared
def test_atlasti_23_two_level_codebook(tmp_path):
    report = casecode.qdpx_import(
        SAMPLES / "atlasti-23" / "target-atlas-project.qdpx", tmp_path / "p"
    )
    assert report.codes_added == 3
    book = casecode.project_codebook(tmp_path / "p")
    assert [c.text("label") for c in book.codes] == ["Commits"]
    assert [c.text("label") for c in book.codes[0].children] == [
        "2022-05-10T02:05:59Z 19e4dce",
        "2022-02-11T10:39:25Z cdbfd92",
    ]


@needs_shared
def test_atlasti_8_standard_project_lists_what_it_skips(tmp_path):
    report = casecode.qdpx_import(
        SAMPLES / "atlasti-8-standard-project" / "TestProject.qdpx", tmp_path / "p"
    )
    book = casecode.project_codebook(tmp_path / "p")
    assert len(book.ids) == 14 == report.codes_added
    assert book.get("coke").text("definition") == "the breakfast of champions"
    assert book.get("coke").color == "#966450"
    # no source files are inside this export: every source is listed, none silently lost
    assert report.documents == []
    assert len(report.skipped) == 12
    kinds = " ".join(report.skipped)
    for kind in ("(PDF)", "(picture)", "(audio)", "(video)"):
        assert kind in kinds
    assert any("Mabel.txt" in s and "3 coding(s)" in s for s in report.skipped)
    unused = " ".join(report.not_imported)
    assert "set(s)" in unused and "link(s)" in unused and "graph(s)" in unused
    assert "Research Plan" in unused


@needs_shared
def test_maxqda_24_project_zipped_here(tmp_path):
    qdpx = zip_folder(SAMPLES / "maxqda-24", tmp_path / "maxqda.qdpx")
    report = casecode.qdpx_import(qdpx, tmp_path / "p")
    assert len(report.documents) == 10
    assert report.codes_added == 307
    assert any("10 file(s)" in line for line in report.not_imported)
    docs = {d["name"]: d for d in casecode.list_documents(tmp_path / "p")}
    assert "ICLS 2024 3-10" in docs
    text = casecode.get_document(tmp_path / "p", "ICLS 2024 3-10")["text"]
    raw = SAMPLES / "maxqda-24" / "sources" / "C5E4C960-5296-4FDE-8C63-DEABA4E17F92.txt"
    assert text == raw.read_bytes().decode("utf-8-sig")
    assert docs["ICLS 2024 3-10"]["turns"] >= 1
    book = casecode.project_codebook(tmp_path / "p")
    top = book.codes[0]
    assert top.text("label") == "Additional Themes and Ideas" and top.children
    assert top.text("definition").startswith("This category encompasses")
    # and it goes out again valid, and back with the same texts and codes
    casecode.qdpx_export(tmp_path / "p", out=tmp_path / "again.qdpx")
    assert_valid(tmp_path / "again.qdpx")
    casecode.qdpx_import(tmp_path / "again.qdpx", tmp_path / "q")
    assert texts(tmp_path / "q") == texts(tmp_path / "p")
    assert code_tree(tmp_path / "q") == exported_tree(tmp_path / "p")


# -- casecode → .qdpx → casecode ----------------------------------------------------------------


def test_export_is_valid_and_stable(built, tmp_path):
    first = casecode.qdpx_export(built, out=tmp_path / "a.qdpx")
    casecode.qdpx_export(built, out=tmp_path / "b.qdpx")
    assert_valid(tmp_path / "a.qdpx")
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()
    assert first.codings["ann"] == 1 and first.codings["bo"] == 2
    assert first.codings["casecode-auto"] >= 2
    with zipfile.ZipFile(tmp_path / "a.qdpx") as archive:
        names = archive.namelist()
        assert names[0] == "project.qde"
        assert all(n == "project.qde" or n.startswith("sources/") for n in names)
        qde = archive.read("project.qde").decode("utf-8")
        source = next(n for n in names if n.startswith("sources/"))
        assert archive.read(source).decode("utf-8") == TEXT  # CRLF kept, UTF-8
    assert 'name="casecode-auto"' in qde
    assert "上坊村" in qde and 'name="R1"' in qde


def test_round_trip_casecode_qdpx_casecode(built, tmp_path):
    casecode.qdpx_export(built, out=tmp_path / "out.qdpx")
    report = casecode.qdpx_import(tmp_path / "out.qdpx", tmp_path / "back")
    back = tmp_path / "back"
    assert texts(back) == texts(built)
    assert code_tree(back) == exported_tree(built)
    # suggestions come back under the user they went out as
    expected = [
        (d, s, e, c, "casecode-auto" if who == "auto" else who)
        for d, s, e, c, who in codings(built)
    ]
    assert codings(back) == sorted(expected)
    doc = casecode.get_document(back, "interview.txt")
    assert doc["case"] == "R1" and doc["attributes"]["village"] == "上坊村"
    ann = next(c for c in doc["codings"] if c["coder"] == "ann")
    assert doc["text"][ann["start"] : ann["end"]] == "pension"
    assert ann["origin"] == "import" and ann["status"] == "accepted"
    assert [m["text"] for m in ann["memos"]] == ["small"]
    memos = {(m["kind"], m["target"], m["text"]) for m in casecode.list_memos(back)}
    assert ("code", "care", "about care") in memos
    assert ("document", "interview.txt", "a good interview") in memos
    assert report.memos == 3
    # the same file again adds nothing
    again = casecode.qdpx_import(tmp_path / "out.qdpx", back)
    assert again.documents == [] and again.codings == {} and again.memos == 0
    assert codings(back) == sorted(expected)


def test_round_trip_qdpx_casecode_qdpx(built, tmp_path):
    casecode.qdpx_export(built, out=tmp_path / "one.qdpx")
    casecode.qdpx_import(tmp_path / "one.qdpx", tmp_path / "p1")
    casecode.qdpx_export(tmp_path / "p1", out=tmp_path / "two.qdpx")
    assert_valid(tmp_path / "two.qdpx")
    casecode.qdpx_import(tmp_path / "two.qdpx", tmp_path / "p2")
    assert texts(tmp_path / "p2") == texts(tmp_path / "p1")
    assert codings(tmp_path / "p2") == codings(tmp_path / "p1")
    assert code_tree(tmp_path / "p2") == code_tree(tmp_path / "p1")


def test_coder_and_status_choose_the_codings(built, tmp_path):
    only = casecode.qdpx_export(built, out=tmp_path / "ann.qdpx", coder="ann")
    assert only.codings == {"ann": 1}
    accepted = casecode.qdpx_export(built, out=tmp_path / "acc.qdpx", status="accepted")
    assert "casecode-auto" not in accepted.codings
    with pytest.raises(CasecodeError, match="no coder 'zed'"):
        casecode.qdpx_export(built, out=tmp_path / "z.qdpx", coder="zed")
    with pytest.raises(CasecodeError, match="already exists"):
        casecode.qdpx_export(built, out=tmp_path / "ann.qdpx")
    with pytest.raises(CasecodeError, match="unknown status"):
        casecode.qdpx_export(built, out=tmp_path / "s.qdpx", status="maybe")


def test_nvivo_positions_are_utf16_and_come_back_as_code_points(built, tmp_path):
    casecode.qdpx_export(built, out=tmp_path / "nvivo.qdpx", tool="nvivo")
    assert_valid(tmp_path / "nvivo.qdpx")
    from lxml import etree

    with zipfile.ZipFile(tmp_path / "nvivo.qdpx") as archive:
        root = etree.fromstring(archive.read("project.qde"))
    assert "NVivo" in root.get("origin")
    emoji_after = TEXT.index("😀") + 1
    starts = [int(s) for s in root.xpath("//*[local-name()='PlainTextSelection']/@startPosition")]
    units = points_to_utf16(TEXT)
    expected = sorted({units(s) for _, s, _, _, _ in codings(built)})
    assert sorted(set(starts)) == expected and any(units(s) != s for s in expected)
    assert emoji_after  # the emoji lies before the later codings, so the two counts differ
    casecode.qdpx_import(tmp_path / "nvivo.qdpx", tmp_path / "back")
    assert [c[1:3] for c in codings(tmp_path / "back")] == [c[1:3] for c in codings(built)]


def test_an_nvivo_file_with_emoji_and_crlf(tmp_path):
    text = "A: 我很好 😀\r\nB: 𠀀 great\r\n"
    start = text.index("great")
    units = points_to_utf16(text)
    qde = project_qde(
        origin="NVivo 12 (Windows)",
        text_path="internal://S.txt",
        selections=[(units(start), units(start + 5))],
    )
    qdpx = make_qdpx(tmp_path / "n.qdpx", qde, {"sources/S.txt": text.encode("utf-8")})
    report = casecode.qdpx_import(qdpx, tmp_path / "p")
    assert "UTF-16" in report.positions
    doc = casecode.get_document(tmp_path / "p", "Interview A")
    assert doc["text"] == text  # stored as the tool wrote it: CRLF kept
    (c,) = doc["codings"]
    assert doc["text"][c["start"] : c["end"]] == "great"
    assert c["coder"] == "Wang Fang"


def test_maxqda_export_writes_crlf(built, tmp_path):
    casecode.qdpx_export(built, out=tmp_path / "m.qdpx", tool="maxqda")
    assert_valid(tmp_path / "m.qdpx")
    casecode.qdpx_import(tmp_path / "m.qdpx", tmp_path / "back")
    assert [c[1:] for c in codings(tmp_path / "back")] == sorted(
        (s, e, code, "casecode-auto" if who == "auto" else who)
        for _, s, e, code, who in codings(built)
    )  # the text had CRLF already: nothing moved


def coding_rows(project: Path) -> list[tuple]:
    """(document, start, end, code, coder, origin, status) of every coding."""
    return sorted(
        (doc["name"], c["start"], c["end"], c["code"], c["coder"], c["origin"], c["status"])
        for doc in casecode.list_documents(project)
        for c in casecode.get_document(project, doc["id"])["codings"]
    )


def test_own_suggestions_come_back_once(built, tmp_path):
    """A project handed out and straight back: casecode's suggestions (user casecode-auto) are
    matched to the coder auto's, not added again as accepted codings."""
    import shutil

    before = coding_rows(built)
    casecode.qdpx_export(built, out=tmp_path / "out.qdpx")
    shutil.copytree(built, tmp_path / "copy")
    for project in (built, tmp_path / "copy"):
        report = casecode.qdpx_import(tmp_path / "out.qdpx", project)
        assert report.codings == {} and report.documents == []
        assert report.codings_there == len(before)
        assert coding_rows(project) == before
    # into a new project they stay what they were: open suggestions, to be reviewed there
    report = casecode.qdpx_import(tmp_path / "out.qdpx", tmp_path / "new")
    auto = [c for c in coding_rows(tmp_path / "new") if c[4] == "casecode-auto"]
    assert auto and report.suggestions == len(auto) == report.codings["casecode-auto"]
    assert {(c[5], c[6]) for c in auto} == {("import", "suggested")}
    people = [c for c in coding_rows(tmp_path / "new") if c[4] in ("ann", "bo")]
    assert {(c[5], c[6]) for c in people} == {("import", "accepted")}
    queue = casecode.review_queue(tmp_path / "new", of="casecode-auto")
    assert len(queue) == len(auto)
    casecode.decide(tmp_path / "new", queue[0]["id"], "accept", reviewer="cy")
    assert len(casecode.review_queue(tmp_path / "new", of="casecode-auto")) == len(auto) - 1
    # the new project's export, back into the first: only cy's decision is new (a person's
    # coding now); the suggestions still open there are the ones auto made here
    casecode.qdpx_export(tmp_path / "new", out=tmp_path / "again.qdpx")
    again = casecode.qdpx_import(tmp_path / "again.qdpx", built)
    assert again.codings == {"cy": 1} and again.suggestions == 0
    assert [c for c in coding_rows(built) if c[4] != "cy"] == before


def test_a_crlf_export_comes_back_to_the_same_documents(tmp_path):
    """--for maxqda writes CRLF: the documents are matched by their text, line breaks aside, and
    the positions moved back onto the stored LF text."""
    root = tmp_path / "p"
    casecode.init_project(root)
    text = "Interviewer: How are you?\nResident: My pension is small.\n\nResident: 女儿来了。\n"
    (tmp_path / "lf.txt").write_text(text, "utf-8")
    casecode.import_documents(root, [tmp_path / "lf.txt"])
    (tmp_path / "book.yaml").write_text(CODEBOOK, encoding="utf-8")
    casecode.use_codebook(root, tmp_path / "book.yaml")
    casecode.tag(root, "lf.txt", 3, "care", quote="女儿", coder="ann")
    casecode.tag(root, "lf.txt", 2, "money", coder="ann")
    before = coding_rows(root)
    casecode.qdpx_export(root, out=tmp_path / "m.qdpx", tool="maxqda")
    report = casecode.qdpx_import(tmp_path / "m.qdpx", root)
    assert report.documents == [] and report.already == ["lf.txt"]
    assert report.codings == {} and report.codings_there == 2
    assert coding_rows(root) == before
    # a project with the document but not the codings: they land on the same characters
    casecode.init_project(tmp_path / "q")
    casecode.import_documents(tmp_path / "q", [tmp_path / "lf.txt"])
    report = casecode.qdpx_import(tmp_path / "m.qdpx", tmp_path / "q")
    assert report.documents == [] and report.codings == {"ann": 2}
    doc = casecode.get_document(tmp_path / "q", "lf.txt")
    assert sorted(doc["text"][c["start"] : c["end"]] for c in doc["codings"]) == sorted(
        text[s:e] for _, s, e, *_ in before
    )


def test_attribute_values_changed_here_are_kept(built, tmp_path):
    casecode.qdpx_export(built, out=tmp_path / "out.qdpx")
    first = casecode.qdpx_import(tmp_path / "out.qdpx", tmp_path / "new")
    assert first.attributes == 1 and first.attributes_kept == []
    (tmp_path / "changed.csv").write_text(
        "document,village,role\ninterview.txt,下坊村,村民\n", "utf-8"
    )
    casecode.set_attributes(built, tmp_path / "changed.csv")
    again = casecode.qdpx_import(tmp_path / "out.qdpx", built)
    attrs = casecode.get_document(built, "interview.txt")["attributes"]
    assert attrs["village"] == "下坊村" and attrs["role"] == "村民"
    assert again.attributes == 0
    (kept,) = again.attributes_kept
    assert "village" in kept and "下坊村" in kept and "上坊村" in kept
    # nothing changed: nothing written, nothing reported
    casecode.qdpx_export(built, out=tmp_path / "now.qdpx")
    assert casecode.qdpx_import(tmp_path / "now.qdpx", built).attributes == 0


def test_markdown_front_matter_survives_the_round_trip(tmp_path):
    root = tmp_path / "p"
    casecode.init_project(root)
    md = (
        "---\ninterviewer: 研究者甲\ncase: R9\ndate: 2024-05-01\n---\n"
        "访谈者：最近怎么样？\n受访者：还可以，女儿常来。\n访谈者：钱够用吗？\n受访者：不太够。\n"
    )
    (tmp_path / "interview.md").write_text(md, "utf-8")
    casecode.import_documents(root, [tmp_path / "interview.md"])
    casecode.qdpx_export(root, out=tmp_path / "out.qdpx")
    report = casecode.qdpx_import(tmp_path / "out.qdpx", tmp_path / "q")
    assert report.attributes_kept == []

    def turns(project):
        doc = casecode.get_document(project, "interview.md")
        return [(t["n"], t["speaker"], t["text"]) for t in doc["turns"]], doc

    (here, one), (there, two) = turns(root), turns(tmp_path / "q")
    assert there == here and len(here) == 4
    assert two["case"] == one["case"] == "R9"
    assert two["attributes"]["interviewer"] == "研究者甲"


def test_accepted_suggestions_go_out_under_the_reviewer(built, tmp_path):
    queue = casecode.review_queue(built)
    assert len(queue) >= 2
    casecode.decide(built, queue[0]["id"], "accept", reviewer="cy")
    casecode.decide(built, queue[1]["id"], "reject", reviewer="cy")
    report = casecode.qdpx_export(built, out=tmp_path / "out.qdpx")
    assert report.codings["cy"] == 1
    assert report.codings["casecode-auto"] == len(queue) - 2  # the rejected one stays home
    rejected = casecode.qdpx_export(built, out=tmp_path / "rej.qdpx", status="rejected")
    assert rejected.codings == {"casecode-auto": 1}
    back = casecode.qdpx_import(tmp_path / "out.qdpx", tmp_path / "new")
    cy = [c for c in coding_rows(tmp_path / "new") if c[4] == "cy"]
    assert [c[1:4] for c in cy] == [(queue[0]["start"], queue[0]["end"], queue[0]["code"])]
    assert cy[0][5:] == ("import", "accepted") and back.suggestions == len(queue) - 2
    # handed back to this project: the accepted suggestion is the one cy accepted here
    before = coding_rows(built)
    again = casecode.qdpx_import(tmp_path / "out.qdpx", built)
    assert again.codings == {} and coding_rows(built) == before


def test_an_empty_export_warns_and_codes_get_colours(built, tmp_path, cli):
    from lxml import etree

    from casecode.codebook.colours import code_colours

    report = casecode.qdpx_export(built, out=tmp_path / "r.qdpx", status="rejected")
    assert report.codings == {} and len(report.warnings) == 1
    assert "no rejected codings" in report.warnings[0]
    full = casecode.qdpx_export(built, out=tmp_path / "all.qdpx")
    assert full.warnings == []
    result = cli(
        "qdpx", "export", "--out", tmp_path / "c.qdpx", "-p", built, "--status", "rejected"
    )
    assert "warning:" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    with zipfile.ZipFile(tmp_path / "all.qdpx") as archive:
        root = etree.fromstring(archive.read("project.qde"))
    colours = {el.get("name"): el.get("color") for el in root.iter("{urn:QDA-XML:project:1.0}Code")}
    view = code_colours(casecode.project_codebook(built))
    assert colours == {
        "Care": "#336699",  # its own colour stays
        "Family care": view["care.family"],
        "Money": view["money"],
        "Groups": view["groups"],
    }
    assert len(set(colours.values())) == 4


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from(["养老", "😀", "\r\n", "\n", "care ", "𠀀", "é", " ", "村"]),
        min_size=3,
        max_size=40,
    ),
    st.data(),
)
def test_offsets_survive_any_text(tmp_path_factory, pieces, data):
    text = "Resident: " + "".join(pieces) + " end"
    end = data.draw(st.integers(min_value=1, max_value=len(text)))
    start = data.draw(st.integers(min_value=0, max_value=end - 1))
    for tool in ("refi", "nvivo", "maxqda"):
        units = points_to_utf16(text)
        assert utf16_to_points(text)(units(start), False) == start
        crlf, move = with_crlf(text)
        # the same characters, line breaks aside (a span may begin or end inside a CRLF)
        lf = text[start:end].replace("\r\n", "\n")
        assert crlf[move(start) : move(end)].replace("\r\n", "\n") == lf
        folder = tmp_path_factory.mktemp(tool)
        qde = project_qde(
            origin="NVivo 14" if tool == "nvivo" else "MAXQDA 24",
            text_path="internal://S.txt",
            selections=[(units(start), units(end)) if tool == "nvivo" else (start, end)],
        )
        qdpx = make_qdpx(folder / "x.qdpx", qde, {"sources/S.txt": text.encode("utf-8")})
        casecode.qdpx_import(qdpx, folder / "p")
        casecode.qdpx_export(folder / "p", out=folder / "y.qdpx", tool=tool)
        casecode.qdpx_import(folder / "y.qdpx", folder / "q")
        for project in (folder / "p", folder / "q"):
            doc = casecode.get_document(project, "Interview A")
            (c,) = doc["codings"]
            if tool == "maxqda" and project.name == "q":
                assert doc["text"] == crlf
                assert (c["start"], c["end"]) == (move(start), move(end))
            else:
                assert doc["text"] == text
                assert (c["start"], c["end"]) == (start, end)


# -- files that go wrong ------------------------------------------------------------------------


def project_qde(
    *, origin: str, text_path: str | None = None, selections=(), extra: str = "", head: str = ""
) -> str:
    sels = "".join(
        f'<PlainTextSelection guid="{i:08d}-0000-0000-0000-000000000001" '
        f'startPosition="{s}" endPosition="{e}" creatingUser="{USER}">'
        f'<Coding guid="{i:08d}-0000-0000-0000-000000000002" creatingUser="{USER}">'
        f'<CodeRef targetGUID="{CODE}"/></Coding></PlainTextSelection>'
        for i, (s, e) in enumerate(selections)
    )
    source = (
        f'<Sources><TextSource guid="{SOURCE}" name="Interview A" plainTextPath="{text_path}">'
        f"{sels}</TextSource></Sources>"
        if text_path
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{head}'
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="t" origin="{origin}">'
        f'<Users><User guid="{USER}" name="Wang Fang"/></Users>'
        f'<CodeBook><Codes><Code guid="{CODE}" name="养老" isCodable="true"/></Codes></CodeBook>'
        f"{source}{extra}</Project>"
    )


USER = "11111111-2222-3333-4444-555555555555"
CODE = "AAAAAAAA-2222-3333-4444-555555555555"
SOURCE = "BBBBBBBB-2222-3333-4444-555555555555"


def make_qdpx(path: Path, qde: str, files: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde)
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return path


def untouched(project: Path):
    db = sqlite3.connect(project / "casecode.db")
    state = [
        db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("documents", "codings", "memos", "codebooks")
    ]
    db.close()
    return state


def hostile(tmp_path: Path, kind: str) -> dict[str, Path]:
    good = project_qde(origin="x", text_path="internal://S.txt", selections=[(0, 3)])
    out = {}
    out["dotdot"] = make_qdpx(tmp_path / "dotdot.qdpx", good, {"../evil.txt": b"x"})
    out["absolute"] = make_qdpx(tmp_path / "abs.qdpx", good, {"/etc/evil.txt": b"x"})
    if kind == "ratio":  # built only when asked: 30 MB of one letter
        bomb = {"sources/S.txt": b"a" * 30_000_000}
        out["ratio"] = make_qdpx(tmp_path / "ratio.qdpx", good, bomb)
    out["corrupt"] = tmp_path / "corrupt.qdpx"
    data = make_qdpx(tmp_path / "c.qdpx", good, {"sources/S.txt": b"abc def"}).read_bytes()
    out["corrupt"].write_bytes(data[: len(data) // 2])
    entity = project_qde(
        origin="x",
        head='<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        extra="<Description>&xxe;</Description>",
    )
    out["entity"] = make_qdpx(tmp_path / "xxe.qdpx", entity)
    out["not a zip"] = tmp_path / "plain.qdpx"
    out["not a zip"].write_text("hello", "utf-8")
    out["no qde"] = tmp_path / "noqde.qdpx"
    with zipfile.ZipFile(out["no qde"], "w") as archive:
        archive.writestr("sources/S.txt", "abc")
    out["bad xml"] = make_qdpx(tmp_path / "badxml.qdpx", "<Project><Users>")
    return out


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("dotdot", "'..'"),
        ("absolute", "absolute path"),
        ("ratio", "zip bomb"),
        ("corrupt", "zip"),
        ("entity", "DTD"),
        ("not a zip", "not a zip"),
        ("no qde", "no project.qde"),
        ("bad xml", "malformed XML"),
    ],
)
def test_a_hostile_or_broken_file_changes_nothing(built, tmp_path, kind, message):
    before = untouched(built)
    path = hostile(tmp_path, kind)[kind]
    with pytest.raises(CasecodeError, match=message) as caught:
        casecode.qdpx_import(path, built)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)
    assert untouched(built) == before
    # a folder that was not a project yet is not made for a file that fails
    with pytest.raises(CasecodeError):
        casecode.qdpx_import(path, tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_a_failure_half_way_rolls_everything_back(built, tmp_path, monkeypatch):
    qde = project_qde(origin="x", text_path="internal://S.txt", selections=[(0, 3)])
    qdpx = make_qdpx(tmp_path / "ok.qdpx", qde, {"sources/S.txt": "新的 text here".encode()})
    before = untouched(built)
    from casecode.store.db import Store

    def broken(self, *args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Store, "insert_coding", broken)
    with pytest.raises(sqlite3.OperationalError):
        casecode.qdpx_import(qdpx, built)
    assert untouched(built) == before


def test_merging_into_a_project_with_a_codebook(built, tmp_path):
    qde = project_qde(origin="x", text_path="internal://S.txt", selections=[(0, 3)])
    qde = qde.replace(
        f'<Code guid="{CODE}" name="养老" isCodable="true"/>',
        f'<Code guid="{CODE}" name="养老" isCodable="true"/>'
        '<Code guid="CCCCCCCC-2222-3333-4444-555555555555" name="money" isCodable="true"/>',
    )
    qdpx = make_qdpx(tmp_path / "m.qdpx", qde, {"sources/S.txt": "新的 text here".encode()})
    report = casecode.qdpx_import(qdpx, built)
    assert report.codes_added == 1 and report.codes_matched == 1
    book = casecode.project_codebook(built)
    assert "money" in book and book.get("care").rules == ()  # rules of the old codebook kept
    assert any(r.id == "money-words" for r in book.rules())
    new = [c for c in book.codes if c.text("label") == "养老"]
    assert new and new[0].id in book


def test_a_docx_only_source_and_content_inline(tmp_path):
    extra = (
        '<Sources><TextSource guid="DDDDDDDD-2222-3333-4444-555555555555" name="rich.docx" '
        'richTextPath="internal://R.docx"/>'
        '<TextSource guid="EEEEEEEE-2222-3333-4444-555555555555" name="inline">'
        "<PlainTextContent>村民说：很好。</PlainTextContent>"
        f'<PlainTextSelection guid="EEEEEEEE-2222-3333-4444-000000000001" startPosition="4" '
        f'endPosition="6"><Coding guid="EEEEEEEE-2222-3333-4444-000000000002">'
        f'<CodeRef targetGUID="{CODE}"/></Coding></PlainTextSelection></TextSource></Sources>'
    )
    qdpx = make_qdpx(tmp_path / "x.qdpx", project_qde(origin="QualCoder 3.5", extra=extra))
    report = casecode.qdpx_import(qdpx, tmp_path / "p")
    assert report.documents == ["inline"]
    assert any("rich.docx" in s and "only rich text" in s for s in report.skipped)
    (c,) = casecode.get_document(tmp_path / "p", "inline")["codings"]
    assert (c["start"], c["end"], c["coder"]) == (4, 6, "imported")


# -- the command line ---------------------------------------------------------------------------


def test_cli_import_and_export(built, tmp_path, cli):
    result = cli("qdpx", "export", "--out", tmp_path / "x.qdpx", "-p", built, "--for", "nvivo")
    assert "Wrote" in result.stdout and "casecode-auto" in result.stdout
    result = cli("qdpx", "import", tmp_path / "x.qdpx", "-p", tmp_path / "new")
    said = " ".join(result.stdout.split())
    assert "(new project)" in said and "ann 1" in said and "UTF-16" in said
    data = cli.json("qdpx", "import", tmp_path / "x.qdpx", "-p", tmp_path / "new")
    assert data["documents"] == [] and data["already"] == ["interview.txt"]
    result = cli("qdpx", "export", "--out", tmp_path / "x.qdpx", "-p", built, ok=False)
    assert "--force" in result.output
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"PK\x03\x04broken")
    result = cli("qdpx", "import", bad, "-p", built, ok=False)
    assert result.exit_code == 1 and "error:" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_qdc_is_pointed_to_codebook_import(tmp_path):
    (tmp_path / "x.qdc").write_text("<CodeBook/>", "utf-8")
    with pytest.raises(CasecodeError, match="codebook import"):
        casecode.qdpx_import(tmp_path / "x.qdc", tmp_path / "p")


def test_bytes_in_memory_read(tmp_path):
    """read_qdpx works on bytes alone (an engine)."""
    from casecode.interop.refi import read_qdpx

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("My Project.qde", project_qde(origin="ATLAS.ti 26"))
        archive.writestr("sources/.root", b"")
    project = read_qdpx(buffer.getvalue(), "mem.qdpx")
    assert project.users and len(project.codes) == 1 and not project.unused
