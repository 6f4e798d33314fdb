"""show_document: a document with its codings labelled and coloured from the codebook."""

from __future__ import annotations

import pytest

import casecode
from conftest import write

BOOK = """\
name: colours
languages: [zh, en]
codes:
  - id: problems
    label: {zh: 问题, en: Problems}
    color: "#d62728"
    children:
      - id: problems.funding
        label: {zh: 经费不足, en: Short of funds}
        rules:
          - keywords: [经费]
  - id: actors
    label: {zh: 主体, en: Actors}
    rules:
      - keywords: [村委会]
"""


@pytest.fixture
def coded(tmp_path, project):
    write(tmp_path / "t" / "a.txt", "访谈者：怎么样？\n村民：村委会说经费不够。\n")
    casecode.import_documents(project, [tmp_path / "t"])
    casecode.use_codebook(project, write(tmp_path / "cb.yaml", BOOK))
    casecode.autocode(project)
    return project


def test_codings_carry_labels_in_the_documents_language_and_inherited_colours(coded):
    doc = casecode.show_document(coded, "a", codings=True)
    found = {c["code"]: (c["label"], c["color"]) for c in doc["codings"]}
    assert found == {
        "problems.funding": ("经费不足", "#d62728"),  # the colour of its parent
        "actors": ("主体", None),  # no colour anywhere up: the renderer picks one
    }


def test_labels_in_the_language_asked_for(coded):
    doc = casecode.show_document(coded, "a", codings=True, lang="en")
    assert {c["label"] for c in doc["codings"]} == {"Short of funds", "Actors"}


def test_without_codings_nothing_is_looked_up(coded):
    doc = casecode.show_document(coded, "a")
    assert doc["codings"] and all("label" not in c for c in doc["codings"])


def test_an_unknown_label_language_is_refused_by_the_library(coded):
    with pytest.raises(casecode.CasecodeError, match="unknown language 'fr'"):
        casecode.show_document(coded, "a", lang="fr")


def test_a_code_the_codebook_no_longer_has_shows_unlabelled(tmp_path, coded):
    casecode.tag(coded, "a", 2, ["actors"], coder="ann")
    casecode.use_codebook(coded, write(tmp_path / "cb2.yaml", BOOK.split("  - id: actors")[0]))
    doc = casecode.show_document(coded, "a", codings=True)
    assert {(c["label"], c["color"]) for c in doc["codings"] if c["code"] == "actors"} == {
        (None, None)
    }
