"""Codebook verbs, with the names the CLI uses.

``casecode codebook validate FILE`` is ``validate_codebook(FILE)``, ``codebook show`` is
``codebook_tree(...)``, ``codebook use`` is ``use_codebook(project, FILE)``, and so on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from casecode.codebook.codes import Code, Codebook
from casecode.codebook.files import read_text
from casecode.codebook.load import check_codebook, load_checked, load_codebook, require_valid
from casecode.codebook.qdc import export_qdc, import_qdc
from casecode.codebook.validate import Validation, validate_text
from casecode.errors import CasecodeError
from casecode.outputs import check_out, write_atomic
from casecode.project import Project, find_project, using_project

BUILTIN_DEFAULT = "coproduction"


def validate_codebook(source: str | Path) -> Validation:
    """``casecode codebook validate``: every mistake in a codebook file (or built-in name), with
    line and column."""
    return check_codebook(source)


@dataclass
class UseReport:
    name: str
    content_version: str
    version: str | None
    source: str
    codes: int
    rules: int
    changed: bool
    previous: str | None
    orphans: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "content_version": self.content_version,
            "source": self.source,
            "codes": self.codes,
            "rules": self.rules,
            "changed": self.changed,
            "previous": self.previous,
            "orphans": self.orphans,
            "warnings": self.warnings,
        }


def _source_label(source: str | Path, name: str) -> str:
    path = Path(source)
    return str(path.resolve()) if path.exists() else f"builtin:{name.removesuffix('.yaml')}"


def use_codebook(project: str | Path | Project | None, source: str | Path) -> UseReport:
    """``casecode codebook use``: make ``source`` the project's codebook. Codings are never touched:
    those whose code is not in the new codebook are reported as orphans and kept."""
    text, name = read_text(source)
    checked = validate_text(text, name)
    book = require_valid(checked)
    with using_project(project) as proj:
        store = proj.store
        previous = store.setting("codebook")
        with store.transaction():
            changed = store.save_codebook(
                book.name, book.content_version, _source_label(source, name), text
            )
        counts = store.coding_counts_by_origin()
    orphans = {code: n for code, n in sorted(counts.items()) if code not in book}
    return UseReport(
        name=book.name,
        content_version=book.content_version,
        version=book.version,
        source=_source_label(source, name),
        codes=len(book.ids),
        rules=sum(1 for _ in book.rules()),
        changed=changed,
        previous=previous,
        orphans=orphans,
        warnings=len(checked.warnings),
    )


@overload
def project_codebook(project: str | Path | Project | None = ...) -> Codebook: ...
@overload
def project_codebook(
    project: str | Path | Project | None, *, required: bool
) -> Codebook | None: ...


def project_codebook(
    project: str | Path | Project | None = None, *, required: bool = True
) -> Codebook | None:
    """The codebook the project uses (set by ``use_codebook``); with ``required=False``,
    ``None`` when it has none yet."""
    with using_project(project) as proj:
        row = proj.store.current_codebook()
    if row is None and not required:
        return None
    if row is None:
        raise CasecodeError(
            "this project has no codebook yet",
            hint=f"choose one with: casecode codebook use FILE, or use {BUILTIN_DEFAULT}",
        )
    return load_checked(row["content"], row["source"] or "project codebook")


def _code_node(code: Code, lang: str | None, counts: dict[str, int] | None) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": code.id,
        "label": code.text("label", lang),
        "labels": dict(code.label),
        "definition": code.text("definition", lang) or None,
        "codable": code.codable,
        "color": code.color,
        "rules": len(code.rules),
        "rule_ids": [r.id for r in code.rules],
    }
    if counts is not None:
        node["codings"] = counts.get(code.id, 0)
    node["children"] = [_code_node(c, lang, counts) for c in code.children]
    return node


def codebook_tree(
    source: str | Path | Codebook | None = None,
    *,
    project: str | Path | Project | None = None,
    lang: str | None = None,
) -> dict[str, Any]:
    """``casecode codebook show``: the codebook as nested dicts (``id, label, children`` and more).
    With no ``source``, the project's codebook; inside a project each code also carries its number
    of codings."""
    counts = None
    proj_root = _quiet_project(project)
    if source is None:
        if proj_root is None:
            raise CasecodeError(
                "no codebook given and no project here",
                hint=f"name a file, or a built-in: casecode codebook show {BUILTIN_DEFAULT}",
            )
        book = project_codebook(proj_root)
    else:
        book = load_codebook(source)
    if proj_root is not None:
        with using_project(proj_root) as proj:
            counts = proj.store.coding_counts()
    lang = lang or book.languages[0]
    if lang not in ("zh", "en"):
        raise CasecodeError(f"unknown language '{lang}'", hint="use zh or en")
    tree = {
        "name": book.name,
        "version": book.version,
        "content_version": book.content_version,
        "languages": list(book.languages),
        "source": book.source,
        "lang": lang,
        "codes": [_code_node(c, lang, counts) for c in book.codes],
    }
    if counts is not None:
        tree["orphans"] = {k: v for k, v in sorted(counts.items()) if k not in book}
    return tree


def _quiet_project(project: str | Path | Project | None) -> Path | Project | None:
    """The project to use, or None when there is none (``show`` works outside projects)."""
    if isinstance(project, Project):
        return project
    try:
        return find_project(project)
    except CasecodeError:
        if project is not None:
            raise
        return None


def export_codebook(
    source: str | Path | None = None,
    *,
    out: str | Path,
    format: str = "qdc",
    project: str | Path | Project | None = None,
    lang: str | None = None,
    force: bool = False,
) -> Path:
    """``casecode codebook export``: write a codebook (default: the project's) in an exchange format
    (``qdc``)."""

    if format.lower() != "qdc":
        raise CasecodeError(f"unknown format '{format}'", hint="casecode exports codebooks as qdc")
    out = Path(out)
    if out.suffix.lower() != ".qdc":
        raise CasecodeError("the output should be a .qdc file", file=out)
    if source is not None and Path(source).exists() and out.resolve() == Path(source).resolve():
        raise CasecodeError("refusing to write over the codebook being exported", file=out)
    check_out(out, force=force)
    book = project_codebook(project) if source is None else load_codebook(source)
    if lang is not None and lang not in ("zh", "en"):
        raise CasecodeError(f"unknown language '{lang}'", hint="use zh or en")
    return export_qdc(book, out, lang=lang)


def _dump(data: Any) -> str:
    """YAML people can edit: text with line breaks as block scalars (|), keys in their order."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return yaml.dump(
        data,
        Dumper=Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )


@dataclass
class ImportedCodebook:
    source: str
    out: str
    codes: int
    warnings: list[str]
    validation: Validation

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "out": self.out,
            "codes": self.codes,
            "warnings": self.warnings,
            "valid": self.validation.valid,
            "name": self.validation.codebook.name if self.validation.codebook else None,
            "content_version": (
                self.validation.codebook.content_version if self.validation.codebook else None
            ),
        }


def import_codebook(
    source: str | Path, *, out: str | Path, force: bool = False
) -> ImportedCodebook:
    """``casecode codebook import``: turn a REFI-QDA .qdc file into a casecode YAML codebook at
    ``out``."""

    out = Path(out)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise CasecodeError("the output should be a .yaml file", file=out)
    check_out(out, force=force)
    result = import_qdc(source)
    header = (
        f"# Imported by casecode from {Path(source).name}. Add rules (docs/codebook.md) so that\n"
        "# automatic coding can suggest codes. Check it with: casecode codebook validate\n"
    )
    text = header + _dump(result.data)
    validation = validate_text(text, str(out))
    if not validation.valid:  # a bug in the converter, not the user's file
        raise RuntimeError("\n".join(str(i) for i in validation.errors))
    write_atomic(out, text.encode("utf-8"))
    return ImportedCodebook(str(source), str(out), result.codes, result.warnings, validation)
