"""``show_document`` (``casecode show``): a document's turns, and with ``codings`` its codings
labelled from the project's codebook, in the language asked for or the document's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from casecode.codebook.codes import Codebook
from casecode.codebook.use import project_codebook
from casecode.corpus.documents import get_document
from casecode.errors import CasecodeError
from casecode.project import Project, using_project

LABEL_LANGUAGES = ("zh", "en")


def show_document(
    project: str | Path | Project | None,
    doc: str | int,
    *,
    codings: bool = False,
    lang: str | None = None,
) -> dict[str, Any]:
    """``casecode show``: the document as ``get_document`` gives it. With ``codings``, each coding
    also carries its code's ``label`` in ``lang`` (else the document's language when it is zh or
    en) and its ``color`` (the code's colour, else its nearest coloured ancestor's; ``None`` when
    the codebook gives none, or does not have the code)."""
    if lang is not None and lang not in LABEL_LANGUAGES:
        raise CasecodeError(f"unknown language '{lang}'", hint="use zh or en")
    with using_project(project) as proj:
        document = get_document(proj, doc)
        if lang is None and document["language"] in LABEL_LANGUAGES:
            lang = document["language"]  # labels in the interview's language
        if codings and document["codings"]:
            book = project_codebook(proj, required=False)
            for coding in document["codings"]:
                coding["label"], coding["color"] = _look(book, coding["code"], lang)
    return document


def _look(book: Codebook | None, code_id: str, lang: str | None) -> tuple[str | None, str | None]:
    code = book.get(code_id) if book is not None else None
    if code is None:
        return None, None
    colour, up = None, code
    while up is not None and colour is None:
        colour = up.color
        up = book.get(up.parent) if up.parent is not None else None
    return code.text("label", lang), colour
