"""The codebook model: one rule for rolling a code up to a level, shared by every stage."""

from __future__ import annotations

import pytest

import casecode
from casecode import load_codebook
from casecode.codebook.validate import validate_text

BOOK = """\
name: roll-up test
languages: [en]
codes:
  - id: process
    label: {en: Process}
    codable: false
    children:
      - id: process.design
        label: {en: Co-design}
        children:
          - id: process.design.meeting
            label: {en: Villagers' meeting}
      - id: process.provision
        label: {en: Co-provision}
        codable: false
        children:
          - id: process.provision.meals
            label: {en: Meals}
  - id: problems
    label: {en: Problems}
"""


@pytest.fixture(scope="module")
def book():
    result = validate_text(BOOK, "roll-up.yaml")
    assert result.valid, result.errors
    return result.codebook


@pytest.mark.parametrize(
    ("code", "level", "expected"),
    [
        ("process.design.meeting", None, "process.design.meeting"),
        ("process.design.meeting", 3, "process.design.meeting"),
        ("process.design.meeting", 2, "process.design"),
        ("process.design.meeting", 1, "process"),  # a category counts, as a grouping
        ("problems", 2, "problems"),  # already that high
        ("process.gone.old", 2, "process.gone"),  # an orphan rolls up by its dotted id
        ("process.gone.old", 1, "process"),
    ],
)
def test_roll_up_to_a_level(book, code, level, expected):
    assert book.roll_up(code, level) == expected


@pytest.mark.parametrize(
    ("code", "level", "expected"),
    [
        ("process.design.meeting", 2, "process.design"),
        # the ancestor at the level is a category: nothing above it may be applied either
        ("process.design.meeting", 1, "process.design.meeting"),
        ("process.provision.meals", 2, "process.provision.meals"),
        ("process.provision.meals", 3, "process.provision.meals"),
        # an orphan: the nearest known codable code on its dotted way up, else itself
        ("process.design.gone", 2, "process.design"),
        ("process.provision.gone", 2, "process.provision.gone"),
    ],
)
def test_roll_up_to_a_codable_code(book, code, level, expected):
    assert book.roll_up(code, level, codable=True) == expected


def test_the_built_in_codebooks_roll_every_code_up_to_its_top_level_ancestor():
    for name in ("coproduction", "welfare_production"):
        book = load_codebook(name)
        for code in book.walk():
            top = book.roll_up(code.id, 1)
            assert book.get(top).level == 1 and code.id.startswith(top)


def test_filters_name_codes_as_people_do(book):
    from casecode.codebook.refs import select_codes

    assert select_codes(book, ["meeting"]) == {"process.design.meeting"}  # the last part of an id
    assert select_codes(book, ["meeting"]) == select_codes(book, ["Villagers' meeting"])
    assert select_codes(book, ["meals"]) == {"process.provision.meals"}
    assert select_codes(book, ["Co-design"]) == {"process.design", "process.design.meeting"}
    with pytest.raises(casecode.CasecodeError, match="no code 'gone'"):
        select_codes(book, ["gone"])
