"""Bring transcripts into a project: ``import_documents`` (``casecode import``) and
``set_attributes`` (``casecode attributes``).

>>> import casecode
>>> casecode.init_project("study")
>>> report = casecode.import_documents("study", ["corpora/county-a"])
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casecode.corpus.encoding import decode_bytes
from casecode.corpus.language import detect_language, detect_script
from casecode.corpus.limits import Limits, check_text, check_turns
from casecode.corpus.readers import SUPPORTED_SUFFIXES, Columns, read_document, read_xlsx_rows
from casecode.corpus.spans import carry_spans
from casecode.corpus.speakers import apply_aliases, load_aliases
from casecode.corpus.turns import compile_patterns, speaker_roles, split_turns
from casecode.errors import CasecodeError
from casecode.project import Project, using_project
from casecode.store.db import utcnow

Progress = Callable[[int, int, str], None]
ATTRIBUTE_FILE_STEMS = {"attributes", "attribute", "属性"}
LANGUAGES = ("zh", "en", "mixed", "other")
KINDS = ("interview", "document", "notes")


@dataclass
class ImportOutcome:
    path: str
    status: str  # imported | replaced | skipped | failed
    message: str = ""
    document: str | None = None
    id: int | None = None
    encoding: str | None = None
    language: str | None = None
    turns: int | None = None
    kind: str | None = None  # interview | document | notes
    warnings: list[str] = field(default_factory=list)


@dataclass
class AttributesReport:
    file: str
    key: str  # "document" or "case"
    updated: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # names no document/case has
    ambiguous: list[str] = field(default_factory=list)  # names several documents share
    duplicates: list[str] = field(default_factory=list)  # listed again: the later row won
    columns: list[str] = field(default_factory=list)

    @property
    def matched_nothing(self) -> bool:
        """Rows were given but none named a document (or case) the project has."""
        return not self.updated and bool(self.unmatched or self.ambiguous)


@dataclass
class ImportReport:
    outcomes: list[ImportOutcome] = field(default_factory=list)
    attributes: list[AttributesReport] = field(default_factory=list)

    @property
    def failed(self) -> list[ImportOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


# ---------------------------------------------------------------------------- finding files


def as_paths(paths: str | Path | Iterable[str | Path]) -> list[str | Path]:
    """One path given as a string or Path means that path, not its characters."""
    return [paths] if isinstance(paths, (str, Path)) else list(paths)


def _unreadable(path: str | Path, exc: OSError) -> ImportOutcome:
    return ImportOutcome(str(path), "failed", f"cannot read ({exc.strerror or type(exc).__name__})")


IGNORE_FILE = ".casecodeignore"


def _ignored(folder: Path) -> Callable[[Path, bool], bool]:
    """What ``folder/.casecodeignore`` leaves out: shell patterns, one per line, matched against
    paths inside the folder (``gold/`` a folder, ``*.bak`` files anywhere, ``notes/*.md``)."""
    try:
        lines = (folder / IGNORE_FILE).read_text("utf-8-sig").splitlines()
    except OSError:
        return lambda path, is_dir: False
    patterns = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]

    def ignored(path: Path, is_dir: bool) -> bool:
        rel = path.relative_to(folder).as_posix()
        for pattern in patterns:
            if pattern.endswith("/"):
                if is_dir and fnmatch.fnmatch(rel, pattern.rstrip("/")):
                    return True
            elif fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(path.name, pattern):
                return True
        return False

    return ignored


_LINK_SKIPPED = "a link, not followed (pass --follow-links to import what it points to)"


def _walk(folder: Path, follow_links: bool = False) -> tuple[list[Path], list[ImportOutcome]]:
    """Files under ``folder`` in sorted order, and outcomes for entries that cannot be read.

    Links (to files or folders) are skipped unless ``follow_links``; followed, a folder already
    visited (a link to ``.`` or a parent) is not entered again."""
    found: list[Path] = []
    problems: list[ImportOutcome] = []
    ignored = _ignored(folder)
    seen = {os.path.realpath(folder)}
    for top, dirs, names in os.walk(
        folder,
        onerror=lambda e: problems.append(_unreadable(e.filename or folder, e)),
        followlinks=follow_links,
    ):
        kept = []
        for d in sorted(dirs):
            path = Path(top) / d
            if d.startswith(".") or ignored(path, True):
                continue
            if path.is_symlink():
                if not follow_links:
                    problems.append(ImportOutcome(str(path), "skipped", _LINK_SKIPPED))
                    continue
                real = os.path.realpath(path)
                if real in seen:
                    continue  # a loop, or a folder imported already
                seen.add(real)
            else:
                seen.add(os.path.realpath(path))
            kept.append(d)
        dirs[:] = kept
        for name in sorted(names):
            if name.startswith((".", "~$")) or ignored(Path(top) / name, False):
                continue
            path = Path(top) / name
            try:
                if path.is_symlink() and not path.exists():
                    problems.append(ImportOutcome(str(path), "failed", "broken link"))
                elif path.is_symlink() and not follow_links:
                    problems.append(ImportOutcome(str(path), "skipped", _LINK_SKIPPED))
                elif path.is_file():
                    found.append(path)
                elif path.is_symlink():
                    problems.append(ImportOutcome(str(path), "failed", "broken link"))
            except OSError as exc:
                problems.append(_unreadable(path, exc))
    return found, problems


def _glob(pattern: str, follow_links: bool) -> tuple[list[Path], list[ImportOutcome]]:
    """Files a shell pattern matches (``**`` for any depth). ``**`` never enters a linked
    folder, so a link to ``.`` cannot make it endless; matches through links are skipped unless
    ``follow_links``."""
    parts = Path(pattern).expanduser().parts
    at = next(i for i, p in enumerate(parts) if any(ch in p for ch in "*?["))
    base = Path(*parts[:at]) if at else Path(".")
    rest = "/".join(parts[at:])
    matches: list[Path] = []
    problems: list[ImportOutcome] = []
    try:
        found = sorted(base.glob(rest)) if base.is_dir() else []
    except (OSError, ValueError) as exc:
        return [], [ImportOutcome(pattern, "failed", f"cannot search: {exc}")]
    for m in found:
        if any(p.name.startswith(".") for p in [m, *m.parents][: len(m.parts) - len(base.parts)]):
            continue
        linked = any(p.is_symlink() for p in [m, *m.parents][: len(m.parts) - len(base.parts)])
        if linked and not follow_links:
            if m.is_file():
                problems.append(ImportOutcome(str(m), "skipped", _LINK_SKIPPED))
            continue
        if m.is_file():
            matches.append(m)
    return matches, problems


def _expand(
    paths: Iterable[str | Path], follow_links: bool = False
) -> tuple[list[tuple[Path, str]], list[Path], list[ImportOutcome]]:
    """(transcripts with their document names, attribute files in folders, problem outcomes).

    A file inside an imported folder is named by its path relative to that folder
    (``村A/访谈1.txt``), so two villages' ``访谈1.txt`` stay two documents.
    """
    files: list[tuple[Path, str]] = []
    attribute_files: list[Path] = []
    problems: list[ImportOutcome] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            walked, unreadable = _walk(path, follow_links)
            problems.extend(unreadable)
            for found in walked:
                suffix = found.suffix.lower()
                if found.stem.lower() in ATTRIBUTE_FILE_STEMS and suffix in (".csv", ".xlsx"):
                    attribute_files.append(found)
                elif suffix in SUPPORTED_SUFFIXES:
                    files.append((found, found.relative_to(path).as_posix()))
                else:
                    why = f"not a transcript type ({suffix or 'no extension'})"
                    if suffix in (".doc", ".rtf", ".wps", ".pages"):
                        why += "; save it as .docx or .txt"
                    problems.append(ImportOutcome(str(found), "skipped", why))
        elif path.exists():
            files.append((path, path.name))
        elif any(ch in str(raw) for ch in "*?["):
            matches, linked = _glob(str(raw), follow_links)
            problems.extend(linked)
            if not matches and not linked:
                problems.append(ImportOutcome(str(raw), "failed", "no files match this pattern"))
            files.extend((m, m.name) for m in matches)
        elif path.is_symlink():
            problems.append(ImportOutcome(str(raw), "failed", "broken link"))
        else:
            problems.append(ImportOutcome(str(raw), "failed", "no such file or folder"))
    unique: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for f, name in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((f, name))
    return unique, attribute_files, problems


# ---------------------------------------------------------------------------- importing


def import_documents(
    project: str | Path | Project | None,
    paths: str | Path | Iterable[str | Path],
    *,
    encoding: str | None = None,
    doc_lang: str | None = None,
    columns: Columns = Columns(),
    attributes: str | Path | None = None,
    replace: bool = False,
    kind: str | None = None,
    follow_links: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """``casecode import``: import transcripts (files, folders recursively, globs); one transaction
    per document.

    Good files are imported even when others fail; the report lists every outcome.
    ``attributes`` (CSV/XLSX) is read before anything is imported, so a bad one changes nothing.
    An ``attributes.csv``/``.xlsx`` inside an imported folder is applied the same way.
    ``doc_lang`` (zh, en, mixed or other) sets the documents' language instead of detecting it;
    ``kind`` (interview, document or notes) their kind. Links inside folders and patterns are
    skipped unless ``follow_links`` (a file named outright is read even when it is a link).
    """
    if doc_lang is not None and doc_lang not in LANGUAGES:
        raise CasecodeError(f"unknown language '{doc_lang}'", hint="use zh, en, mixed or other")
    if kind is not None and kind not in KINDS:
        raise CasecodeError(f"unknown kind '{kind}'", hint="use interview, document or notes")
    table = read_attribute_table(attributes) if attributes else None
    files, found_attribute_files, problems = _expand(as_paths(paths), follow_links)
    found_tables = [read_attribute_table(f) for f in found_attribute_files] if table is None else []
    report = ImportReport(outcomes=list(problems))
    with using_project(project) as proj:
        patterns = compile_patterns(
            proj.config.speaker_patterns, builtin=proj.config.builtin_speaker_patterns
        )
        max_bytes = int(proj.config.max_file_mb * 1024 * 1024)
        limits = Limits.of(proj.config)
        for i, (path, name) in enumerate(files):
            if progress:
                progress(i, len(files), name)
            try:
                outcome = _import_one(
                    proj,
                    path,
                    name,
                    encoding,
                    doc_lang,
                    columns,
                    replace,
                    patterns,
                    max_bytes,
                    kind,
                    limits,
                )
            except CasecodeError as exc:
                outcome = ImportOutcome(str(path), "failed", _about(exc, path))
            except OSError as exc:
                outcome = _unreadable(path, exc)
            except Exception as exc:  # splitting, detecting, storing: this file fails alone
                detail = " ".join(str(exc).split())[:80]
                outcome = ImportOutcome(
                    str(path), "failed", f"cannot import ({type(exc).__name__}: {detail})"
                )
            report.outcomes.append(outcome)
        if progress:
            progress(len(files), len(files), "")
        for t in [table] if table else found_tables:
            report.attributes.append(_apply_attributes(proj, t))
    return report


_NOTES_NAME = re.compile(
    r"(?i)(?:^|[^a-z])(?:field)?notes?(?:[^a-z]|$)|笔记|筆記|札记|札記|备忘|日志"
)


def document_kind(segments, name: str, given: str | None = None) -> str:
    """``interview`` when anyone speaks, else ``notes`` for a file named as notes (field notes,
    笔记, 札记), else ``document``; ``given`` (``--kind`` or front matter ``kind:``) wins."""
    if given:
        return given
    if any(s.kind == "turn" for s in segments):
        return "interview"
    return "notes" if _NOTES_NAME.search(name) else "document"


def _import_one(
    proj: Project,
    path: Path,
    name: str,
    encoding,
    doc_lang,
    columns,
    replace,
    patterns,
    max_bytes,
    kind=None,
    limits: Limits | None = None,
) -> ImportOutcome:

    raw = read_document(
        path, encoding=encoding, columns=columns, max_bytes=max_bytes, limits=limits
    )
    warnings = list(raw.warnings)
    sha = hashlib.sha256(raw.text.encode("utf-8")).hexdigest()
    store = proj.store
    if (same := _same_content(store, sha, path)) is not None:
        return same
    meta = dict(raw.metadata)
    given = kind or meta.pop("kind", "").strip().lower() or None
    if given is not None and given not in KINDS:
        raise CasecodeError(
            f"unknown kind '{given}' in the front matter",
            file=path,
            hint="interview, document or notes",
        )
    segments = (
        raw.segments
        if raw.segments is not None
        else split_turns(raw.text, start=raw.body_start, patterns=patterns, kind=given)
    )
    if not any(s.n > 0 for s in segments):
        raise CasecodeError("no text to import", file=path)
    check_turns(len(segments), path, limits)
    doc_kind = document_kind(segments, name, given)
    segments = apply_aliases(speaker_roles(raw.text, segments), load_aliases(proj.store))
    language = doc_lang or detect_language(raw.text[raw.body_start :])
    if language == "other":
        warnings.append(
            "neither Chinese nor English (French, Spanish ...?): stored, but `casecode code` "
            "codes it only when named"
        )
    if raw.cleaned:
        warnings.append("text cleaned: page headers, footers and numbers removed, lines joined")
    case = meta.pop("case", "") or path.stem
    fields: dict[str, Any] = {
        "name": name,
        "case_name": case,
        "path": str(path.resolve()),
        "format": raw.format,
        "encoding": raw.encoding,
        "language": language,
        "script": detect_script(raw.text[raw.body_start :]) if language != "en" else None,
        "sha256": sha,
        "text": raw.text,
        "body_start": raw.body_start,
        "metadata": raw.metadata,
        "kind": doc_kind,
        "file_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    with store.transaction():
        # looked up again inside the transaction: another import may have stored the same
        # content meanwhile (the store refuses a second copy in any case)
        if (same := _same_content(store, sha, path)) is not None:
            return same
        existing = store.document_by_name(name)
        if existing is None:
            doc_id = store.insert_document({**fields, "imported_at": utcnow()})
            status = "imported"
        elif not replace:
            elsewhere = existing["path"] != fields["path"]
            raise CasecodeError(
                f"a different version of '{name}' is already imported"
                + (f" (from {existing['path']})" if elsewhere else ""),
                file=path,
                hint="use --replace to update it",
            )
        else:
            doc_id = existing["id"]
            _carry_codings(proj, existing, raw.text, path)
            fields.pop("case_name")  # keep the case the researcher may have set
            store.update_document(doc_id, {**fields, "updated_at": utcnow()})
            status = "replaced"
        store.replace_segments(doc_id, segments)
        if meta:
            store.set_document_attributes(doc_id, meta)
    turns = sum(1 for s in segments if s.n > 0)
    return ImportOutcome(
        str(path), status, "", name, doc_id, raw.encoding, language, turns, doc_kind, warnings
    )


def _about(exc: CasecodeError, path: Path) -> str:
    """An error about ``path`` as its outcome's message (the outcome names the file)."""
    if exc.file != str(path):
        return str(exc)
    where = f"line {exc.line}: " if exc.line is not None else ""
    return where + exc.message + (f" ({exc.hint})" if exc.hint else "")


def _same_content(store, sha: str, path: Path) -> ImportOutcome | None:
    same = store.document_by_sha(sha)
    if same is None:
        return None
    return ImportOutcome(
        str(path),
        "skipped",
        f"same content already imported as '{same['name']}'",
        same["name"],
        same["id"],
    )


def _carry_codings(proj: Project, existing, new_text: str, path: Path) -> None:
    """Move every coding of the old text onto the new one, or refuse the replacement."""

    codings = proj.store.codings_for_document(existing["id"])
    if not codings:
        return
    carried = carry_spans(existing["text"], new_text, [(c["start"], c["end"]) for c in codings])
    lost = [c for c, span in zip(codings, carried, strict=True) if span is None]
    # An open automatic suggestion on edited text is no one's decision: it goes, and the next
    # `casecode code` judges the new text. Manual codings, reviewed ones and ones with a memo
    # block the change.
    with_memos = proj.store.codings_with_memos(existing["id"])
    pending = [
        c
        for c in lost
        if c["origin"].startswith("rule:")
        and c["status"] == "suggested"
        and c["id"] not in with_memos
    ]
    kept = [c for c in lost if c not in pending]
    if kept:
        manual = sum(1 for c in kept if c["origin"] == "manual")
        segments = proj.store.segments(existing["id"])
        where = "; ".join(
            f"turn {next((s.n for s in segments if s.label_start <= c['start'] < s.end + 1), '?')}"
            f" {c['code_id']} by {c['coder']}"
            for c in kept[:3]
        ) + ("; ..." if len(kept) > 3 else "")
        raise CasecodeError(
            f"--replace refused: {len(kept)} coding(s) ({manual} manual, "
            f"{len(kept) - manual} reviewed, imported or with a memo) lie on text that changed: "
            f"{where}",
            file=path,
            hint="people's codings are never dropped silently; "
            "keep the old version, or remove those codings first",
        )
    for coding in pending:
        proj.store.delete_coding(coding["id"])
    for coding, span in zip(codings, carried, strict=True):
        if span is not None and span != (coding["start"], coding["end"]):
            proj.store.move_coding(coding["id"], *span)


# ---------------------------------------------------------------------------- attributes

_KEY_COLUMNS = {
    "document": ("document", "doc", "file", "文档", "文件"),
    "case": ("case", "案例", "个案"),
}


@dataclass
class AttributeTable:
    file: str
    key: str
    header: list[str]
    rows: list[dict[str, str]]


def read_attribute_table(path: str | Path) -> AttributeTable:
    """Read an attributes CSV/XLSX; its key column is ``document`` (or ``case``)."""
    import csv

    path = Path(path)
    if not path.is_file():
        raise CasecodeError("no such attributes file", file=path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv", ".tsv"):
        raise CasecodeError("attributes must be a .csv or .xlsx file", file=path)
    try:
        if suffix == ".xlsx":
            rows = read_xlsx_rows(path)
        else:
            text = decode_bytes(path.read_bytes(), source=path).text
            check_text(text, path)
            rows = list(csv.reader(text.splitlines(), delimiter="\t" if suffix == ".tsv" else ","))
    except (CasecodeError, OSError):
        raise
    except Exception as exc:  # a malformed table: one line, not a crash
        detail = " ".join(str(exc).split())[:80]
        raise CasecodeError(
            f"cannot read this attributes file ({type(exc).__name__}: {detail})", file=path
        ) from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise CasecodeError("empty attributes file", file=path)
    header = [h.strip() for h in rows[0]]
    lowered = [h.lower() for h in header]
    key = None
    for kind in ("document", "case"):
        for alias in _KEY_COLUMNS[kind]:
            if alias in lowered:
                key = kind
                header[lowered.index(alias)] = kind
                break
        if key:
            break
    if key is None:
        raise CasecodeError(
            "no 'document' or 'case' column",
            file=path,
            hint="the first row names the columns; one must be document (file name) or case",
        )
    if "case" in lowered and key == "document":
        header[lowered.index("case")] = "case"
    dicts = []
    for row in rows[1:]:
        cells = [c.strip() for c in row] + [""] * (len(header) - len(row))
        dicts.append({h: c for h, c in zip(header, cells, strict=False) if h})  # extras: no header
    return AttributeTable(str(path), key, header, dicts)


def _match_document(store, ref: str) -> list:
    """Documents a table row's ``document`` value names: exactly, or without the extension."""
    row = store.document_by_name(ref)
    return [row] if row is not None else store.documents_by_stem(ref)


def _apply_attributes(proj: Project, table: AttributeTable) -> AttributesReport:
    store = proj.store
    report = AttributesReport(
        table.file, table.key, columns=[h for h in table.header if h not in ("document", "case")]
    )
    with store.transaction():
        if table.key == "document":
            for row in table.rows:
                ref = row.get("document", "")
                if not ref:
                    continue
                docs = _match_document(store, ref)
                if len(docs) != 1:
                    (report.ambiguous if docs else report.unmatched).append(ref)
                    continue
                doc = docs[0]
                if doc["name"] in report.updated:
                    report.duplicates.append(ref)
                values = {k: v for k, v in row.items() if k not in ("document", "case") and v}
                if row.get("case"):
                    store.set_document_case(doc["id"], row["case"])
                store.set_document_attributes(doc["id"], values)
                if doc["name"] not in report.updated:
                    report.updated.append(doc["name"])
        else:
            known = store.case_names()
            for row in table.rows:
                case = row.get("case", "")
                if not case:
                    continue
                values = {k: v for k, v in row.items() if k != "case" and v}
                store.set_case_attributes(case, values)
                if case not in known:
                    report.unmatched.append(case)
                elif case in report.updated:
                    report.duplicates.append(case)
                else:
                    report.updated.append(case)
    return report


def set_attributes(project: str | Path | Project | None, file: str | Path) -> AttributesReport:
    """``casecode attributes``: set document or case attributes from a CSV/XLSX table."""
    table = read_attribute_table(file)
    with using_project(project) as proj:
        return _apply_attributes(proj, table)


# ---------------------------------------------------------------------------- looking


# ---------------------------------------------------------------------------- the whole flow
