"""REFI-QDA project exchange: ``qdpx_import`` (``casecode qdpx import``) and ``qdpx_export``
(``casecode qdpx export``).

>>> import casecode
>>> casecode.qdpx_import("colleague.qdpx", "study")     # NVivo, ATLAS.ti, MAXQDA, QualCoder
>>> casecode.qdpx_export("study", out="back.qdpx")       # open suggestions as casecode-auto

Import is all or nothing: the file is read and checked first, then everything goes in one
transaction. Text sources become documents (turns split as on any import, after YAML front
matter), the codebook becomes the project's (or, when it has one, the codes it lacks are added to
it), users become coders, every coding of a passage becomes an accepted coding by its user
(origin ``imported``; by a ``casecode-...`` user, an open suggestion), notes become memos, cases
and variables become cases and attributes. What has no place in casecode is listed in the
summary, never dropped in silence. Nothing is added twice: documents are matched by their text
(line breaks aside), codings by span, code and coder (or its ``casecode-`` twin, or the reviewer
who accepted it), and attribute values only fill in what the project lacks.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from casecode import __version__
from casecode.codebook.codes import Code
from casecode.codebook.colours import code_colours
from casecode.codebook.load import load_checked, require_valid
from casecode.codebook.use import project_codebook
from casecode.codebook.validate import validate_text
from casecode.corpus.importing import document_kind
from casecode.corpus.language import detect_language, detect_script
from casecode.corpus.readers import front_matter
from casecode.corpus.speakers import apply_aliases, load_aliases
from casecode.corpus.turns import compile_patterns, speaker_roles, split_turns
from casecode.errors import CasecodeError
from casecode.interop.refi import (
    TOOLS,
    OutCase,
    OutCoding,
    OutNote,
    OutProject,
    OutSelection,
    OutSource,
    RefiProject,
    first_words,
    from_lf,
    lf_only,
    names_in,
    read_qdpx,
    to_lf,
    write_qdpx,
)
from casecode.outputs import check_out, write_atomic
from casecode.project import CONFIG_NAME, Project, init_project, using_project
from casecode.store.db import utcnow

MAX_QDPX_BYTES = 1024 * 1024 * 1024
# a fixed namespace: the same object gets the same GUID on every export, from any machine
GUIDS = uuid.UUID("6f1d3c52-8a57-4c1e-9a43-2b8f0e6a4c11")
STATUSES = {
    "all": ("accepted", "suggested"),
    "accepted": ("accepted",),
    "suggested": ("suggested",),
    "rejected": ("rejected",),
}
AUTO_PREFIX = "casecode-"


def stable_guid(*parts: object) -> str:
    """The GUID of an exported object: the same parts give the same GUID, upper case."""
    return str(uuid.uuid5(GUIDS, "\x1f".join(str(p) for p in parts))).upper()


# -- import -------------------------------------------------------------------------------------


@dataclass
class QdpxImport:
    """What ``qdpx_import`` brought in, and what it did not."""

    file: str
    project: str
    origin: str
    positions: str  # how the file counted positions
    documents: list[str] = field(default_factory=list)  # new documents
    already: list[str] = field(default_factory=list)  # sources whose text the project had
    skipped: list[str] = field(default_factory=list)  # sources not imported, one line each
    codebook: str = ""  # what happened to the codebook
    codes_added: int = 0
    codes_matched: int = 0
    codings: dict[str, int] = field(default_factory=dict)  # by coder
    suggestions: int = 0  # of those, casecode's suggestions (open: status suggested)
    codings_there: int = 0  # already in the project: not added twice
    memos: int = 0
    cases: int = 0
    attributes: int = 0  # attribute values written (missing ones only)
    attributes_kept: list[str] = field(default_factory=list)  # the project's value differs
    not_imported: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created: bool = False  # the project was made for this import

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _project_root(project: str | Path | Project | None) -> tuple[str | Path | Project | None, bool]:
    """The project to import into, made (``init``) when a folder is named that is not one."""
    if project is None or isinstance(project, Project):
        return project, False
    path = Path(project).expanduser()
    if path.is_file() and path.name == CONFIG_NAME:
        return path.parent, False
    if (path / CONFIG_NAME).is_file():
        return path, False
    return path, True


def qdpx_import(
    file: str | Path, project: str | Path | Project | None = None, *, doc_lang: str | None = None
) -> QdpxImport:
    """``casecode qdpx import``: bring a REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA
    or QualCoder into a project (made if the folder is not one yet): its text sources, codebook,
    coders' codings (positions in code points, end exclusive), memos, cases and variables.

    All or nothing: a damaged or hostile file changes nothing. ``doc_lang`` (zh, en or mixed)
    sets the documents' language instead of detecting it."""
    if doc_lang is not None and doc_lang not in ("zh", "en", "mixed"):
        raise CasecodeError(f"unknown language '{doc_lang}'", hint="use zh, en or mixed")
    path = Path(file)
    if path.suffix.lower() == ".qdc":
        raise CasecodeError(
            "this is a REFI-QDA codebook, not a project",
            file=path,
            hint="read it with: casecode codebook import",
        )
    try:
        if path.stat().st_size > MAX_QDPX_BYTES:
            raise CasecodeError(
                f"refused: {path.stat().st_size / 1e6:.0f} MB is too large", file=path
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise CasecodeError("no such file", file=path) from None
    except IsADirectoryError:
        raise CasecodeError(
            "is a folder, not a .qdpx file",
            file=path,
            hint="zip the folder's contents into a .qdpx",
        ) from None
    except OSError as exc:
        raise CasecodeError(f"cannot read: {exc.strerror or exc}", file=path) from None
    parsed = read_qdpx(data, str(path))  # everything is read and checked before any change
    target, make = _project_root(project)
    if make:
        target = init_project(target)
    with using_project(target) as proj:
        report = QdpxImport(
            file=str(path),
            project=str(proj.root),
            origin=parsed.origin,
            positions=(
                "UTF-16 code units (NVivo), converted to code points"
                if parsed.utf16
                else "code points"
            ),
            created=make,
        )
        with proj.store.transaction():
            _import(proj, parsed, path, report, doc_lang)
    return report


def _import(proj: Project, parsed: RefiProject, path: Path, report: QdpxImport, doc_lang) -> None:
    store = proj.store
    report.warnings.extend(parsed.warnings)
    report.not_imported.extend(parsed.unused)

    def user(guid: str | None) -> str:
        if guid is None:
            guid = parsed.creating_user
        if guid is None:
            return "imported"
        return parsed.users.get(guid, guid)

    code_ids = _import_codebook(proj, parsed, path, report)

    patterns = compile_patterns(
        proj.config.speaker_patterns, builtin=proj.config.builtin_speaker_patterns
    )
    case_of: dict[str, str] = {}
    for case in parsed.cases:
        for ref in case.sources:
            if ref in case_of:
                name = next((s.name for s in parsed.sources if s.guid == ref), ref)
                report.not_imported.append(
                    f"'{name}' is also in case '{case.name}' (a document has one case: "
                    f"'{case_of[ref]}')"
                )
            else:
                case_of[ref] = case.name
    used_notes: set[str] = set()
    imported_cases: set[str] = set()

    def memo(kind: str, target: str, note_guids: list[str], extra: str = "", author=None) -> None:
        texts = [(extra, author)] if extra else []
        for ref in note_guids:
            note = parsed.notes.get(ref)
            if note is None:
                report.warnings.append(f"a reference to note {ref}, which the file lacks")
                continue
            used_notes.add(ref)
            texts.append((_note_text(note.name, note.text), user(note.user)))
        for text, by in texts:
            if not text.strip():
                continue
            if any(m["text"] == text for m in store.memos(kind, target)):
                continue
            if kind == "coding":
                store.add_coding_memo(int(target), text, by or "imported")
            else:
                store.add_memo(kind, target, text, by or "imported")
            report.memos += 1

    own_attrs = store.document_own_attributes()
    case_attrs = store.case_attributes()

    def missing(what: str, have: dict[str, str], values: dict[str, str]) -> dict[str, str]:
        """The values ``have`` lacks (added to it); a different value is kept and listed."""
        new = {}
        for key, value in values.items():
            if key not in have:
                new[key] = value
            elif have[key] != value:
                report.attributes_kept.append(
                    f"{what}: {key} is '{have[key]}' here, '{value}' in the file"
                )
        have.update(new)
        report.attributes += len(new)
        return new

    lf_docs: dict[str, Any] | None = None  # documents by the hash of their text, LF only

    def same_text(text: str):
        """A document whose text is ``text``, exactly or but for its line breaks."""
        nonlocal lf_docs
        same = store.document_by_sha(_sha(text))
        if same is not None:
            return store.document_by_id(same["id"])
        if lf_docs is None:
            lf_docs = {}
            for d in store.all_documents():
                lf_docs.setdefault(_sha(lf_only(d["text"])), d)
        return lf_docs.get(_sha(lf_only(text)))

    touched_cases: set[str] = set()
    added: set[tuple] = set()  # codings added by this import
    for src in parsed.sources:
        if src.text is None:
            what = f" ({src.kind})" if src.kind != "text" else ""
            lost = f"; its {src.codings} coding(s) with it" if src.codings else ""
            report.skipped.append(f"{src.name}{what}: not imported, {src.problem}{lost}")
            continue
        same = same_text(src.text)
        move = None  # positions in the file's text → the stored text's, when they differ
        if same is not None:
            doc_id, name = same["id"], same["name"]
            report.already.append(name)
            if same["text"] != src.text:  # the same text with other line breaks (MAXQDA, NVivo)
                move = _mover(src.text, same["text"])
            if case_of.get(src.guid) == same["case_name"]:
                touched_cases.add(same["case_name"])
            meta: dict[str, str] = {}
        else:
            name = _free_name(store, src.name)
            meta, body = _front_matter(src, report)
            segments = split_turns(src.text, start=body, patterns=patterns)
            if not any(s.n > 0 for s in segments):
                report.skipped.append(f"{src.name}: not imported, no text to import")
                continue
            kind = document_kind(segments, name)
            segments = apply_aliases(speaker_roles(src.text, segments), load_aliases(store))
            case = case_of.get(src.guid) or meta.get("case") or Path(name).stem
            language = doc_lang or detect_language(src.text[body:])
            doc_id = store.insert_document(
                {
                    "name": name,
                    "case_name": case,
                    "path": str(path.resolve()),
                    "format": "qdpx",
                    "encoding": src.encoding,
                    "language": language,
                    "script": detect_script(src.text[body:]) if language != "en" else None,
                    "sha256": _sha(src.text),
                    "text": src.text,
                    "body_start": body,
                    "metadata": meta,
                    "kind": kind,
                    "imported_at": utcnow(),
                }
            )
            store.replace_segments(doc_id, segments)
            report.documents.append(name)
            if lf_docs is not None:
                lf_docs.setdefault(_sha(lf_only(src.text)), store.document_by_id(doc_id))
            if src.guid in case_of:
                imported_cases.add(case)
                touched_cases.add(case)
        values = {k: v for k, v in meta.items() if k != "case"} | src.variables
        if values:
            new = missing(f"document '{name}'", own_attrs.setdefault(doc_id, {}), values)
            if new:
                store.set_document_attributes(doc_id, new)
        memo("document", name, src.notes, src.description, user(src.user))
        for sel in src.selections:
            start, end = (move(sel.start), move(sel.end)) if move else (sel.start, sel.end)
            made: list[int] = []
            there = store.codings_in(doc_id, start, end)
            for coding in sel.codings:
                code_id = code_ids.get(coding.code)
                if code_id is None:
                    report.warnings.append(
                        f"{name} {start}-{end}: a coding with code {coding.code}, which "
                        "the codebook lacks; not imported"
                    )
                    continue
                coder = user(coding.user)
                same_coding = next(
                    (c for c in there if _same_coding(c, start, end, code_id, coder)), None
                )
                if same_coding is not None:
                    report.codings_there += 1
                    made.append(same_coding["id"])
                    memo("coding", str(same_coding["id"]), coding.notes)
                    continue
                key = (doc_id, start, end, code_id, coder)
                if key in added:  # the file has it twice
                    continue
                added.add(key)
                machine = coder.startswith(AUTO_PREFIX)  # casecode's suggestion: still open
                cid = store.insert_coding(
                    doc_id,
                    start,
                    end,
                    code_id,
                    coder=coder,
                    origin="imported",
                    status="suggested" if machine else "accepted",
                )
                made.append(cid)
                report.codings[coder] = report.codings.get(coder, 0) + 1
                report.suggestions += machine
                memo("coding", str(cid), coding.notes)
            if sel.description or sel.notes:
                if made:
                    for cid in dict.fromkeys(made):
                        memo("coding", str(cid), sel.notes, sel.description, user(sel.user))
                else:  # a passage with a note but no code: the note goes on the document
                    quote = f"On characters {start}-{end} ({sel.name or 'a passage'}): "
                    notes = [parsed.notes[r] for r in sel.notes if r in parsed.notes]
                    used_notes.update(r for r in sel.notes if r in parsed.notes)
                    for text in [sel.description] + [_note_text(n.name, n.text) for n in notes]:
                        if text:
                            memo("document", name, [], quote + text, user(sel.user))
    for case in parsed.cases:
        if case.name in touched_cases and case.variables:
            have = case_attrs.setdefault(case.name, {})
            new = missing(f"case '{case.name}'", have, case.variables)
            if new:
                store.set_case_attributes(case.name, new)
        if case.name in imported_cases and case.description:
            report.not_imported.append(f"case '{case.name}': its description")
    report.cases = len(imported_cases)
    for guid, refs in parsed.code_notes.items():
        if guid in code_ids:
            memo("code", code_ids[guid], refs)
    free = [n for key, n in parsed.notes.items() if key not in used_notes]
    if free:
        report.not_imported.append(
            f"{len(free)} note(s) on no code, document or passage "
            f"({names_in(repr(n.name) for n in free)}): casecode memos are on one of those"
        )


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _front_matter(src, report: QdpxImport) -> tuple[dict[str, str], int]:
    """A source's YAML front matter, found as ``casecode import`` finds it in a .txt or .md
    (so a Markdown interview exported with its front matter comes back with the same turns):
    (metadata, where the body starts); none when it is not valid YAML or nothing follows it."""
    try:
        meta, body = front_matter(src.text, Path(src.name))
    except CasecodeError as exc:
        report.warnings.append(
            f"{src.name}: its text begins like YAML front matter but {exc.message}; "
            "read as part of the text"
        )
        return {}, 0
    if not src.text[body:].strip():
        return {}, 0
    return meta, body


def _mover(incoming: str, stored: str):
    """Offsets into ``incoming`` → the same places in ``stored``, the same text but for its line
    breaks (CRLF, CR or LF)."""
    out_of, into = to_lf(incoming), from_lf(stored)
    return lambda points: into(out_of(points))


def _same_coding(c, start: int, end: int, code_id: str, coder: str) -> bool:
    """Whether stored coding ``c`` is the one a file's coding by ``coder`` stands for: the same
    span and code by the same coder or its ``casecode-`` twin (a suggestion handed out and back),
    or a suggestion that ``coder`` accepted (handed out under the reviewer's name)."""
    if (c["start"], c["end"], c["code_id"]) != (start, end, code_id):
        return False
    bare = coder.removeprefix(AUTO_PREFIX)
    if c["coder"] in (coder, bare, AUTO_PREFIX + bare):
        return True
    return c["reviewed_by"] == coder and c["status"] == "accepted"


def _note_text(name: str, text: str) -> str:
    """A note as a memo: its text, headed by its name unless the text begins with it."""
    bare = name.rstrip("…").strip()
    if not name or not text or " ".join(text.split()).startswith(bare):
        return text or name
    return f"{name}\n\n{text}"


def _free_name(store, name: str) -> str:
    if store.document_by_name(name) is None:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or " " in ext:
        stem, ext = name, ""
    n = 2
    while True:
        candidate = f"{stem} ({n}){'.' + ext if ext else ''}"
        if store.document_by_name(candidate) is None:
            return candidate
        n += 1


def _dump(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _import_codebook(
    proj: Project, parsed: RefiProject, path: Path, report: QdpxImport
) -> dict[str, str]:
    """Make the file's codebook the project's, or add the codes it lacks; code GUID → id."""
    store = proj.store
    if not parsed.codes:
        report.codebook = "the file has no codes"
        return {}
    current = store.current_codebook()
    origin = f", made by {parsed.origin}" if parsed.origin else ""
    if current is None:
        data = {
            "name": parsed.name or path.stem,
            "version": "1",
            "languages": [parsed.code_lang],
            "description": f"Imported from {path.name} (REFI-QDA project{origin}).",
            "codes": parsed.codes,
        }
        mapping = {c["id"]: c["id"] for c in _walk(parsed.codes)}
        report.codes_added = len(mapping)
        source = str(path.resolve())
        report.codebook = f"the file's codebook ({len(mapping)} codes) is the project's now"
    else:
        import yaml

        data = yaml.safe_load(current["content"])
        languages = data.get("languages") or ["zh", "en"]
        mapping, added = merge_codes(data["codes"], parsed.codes, languages)
        report.codes_added, report.codes_matched = added, len(mapping) - added
        if not added:
            report.codebook = f"all {len(mapping)} codes are in the project's codebook already"
            return {g: mapping[i] for g, i in parsed.code_ids.items() if i in mapping}
        source = f"{current['source']} + {path.resolve()}"
        report.codebook = (
            f"{added} code(s) added to the project's codebook, {len(mapping) - added} there already"
        )
    header = f"# Imported by casecode from {path.name}. Add rules (docs/codebook.md).\n"
    text = header + _dump(data)
    checked = validate_text(text, f"{path.name} (its codebook)")
    if checked.codebook is None:
        require_valid(checked)  # raises, naming the first problem
    book = checked.codebook
    store.save_codebook(book.name, book.content_version, source, text)
    return {g: mapping[i] for g, i in parsed.code_ids.items() if i in mapping}


def _walk(codes: list[dict]):
    for code in codes:
        yield code
        yield from _walk(code.get("children", []))


def merge_codes(
    existing: list[dict], incoming: list[dict], languages: list[str]
) -> tuple[dict[str, str], int]:
    """Add to ``existing`` (codebook data, changed in place) the ``incoming`` codes it lacks.

    A code is there already when an existing code has its id, or a label equal to its name
    (case and spaces aside); its children are matched among that code's children first. A new
    code goes under its parent's match, with an id extending that parent's. Returns (incoming
    id → id in the codebook, how many codes were added)."""
    mapping: dict[str, str] = {}
    everything = list(_walk(existing))
    by_id = {c["id"]: c for c in everything}

    def labels(code: dict) -> set[str]:
        label = code.get("label")
        values = label.values() if isinstance(label, dict) else [label]
        return {" ".join(str(v).split()).casefold() for v in values if v}

    def find(code: dict, pool: list[dict]) -> dict | None:
        if code["id"] in by_id:
            return by_id[code["id"]]
        names = labels(code)
        for candidate in pool:
            if labels(candidate) & names:
                return candidate
        return None

    added = 0

    def place(code: dict, siblings: list[dict], parent_id: str | None) -> None:
        nonlocal added
        match = find(code, siblings) or find(code, everything)
        if match is not None:
            mapping[code["id"]] = match["id"]
            kids = match.setdefault("children", [])
            for child in code.get("children", []):
                place(child, kids, match["id"])
            if not kids:
                match.pop("children")
            return
        tail = code["id"].rsplit(".", 1)[-1]
        base = f"{parent_id}.{tail}" if parent_id else tail
        new_id, n = base, 2
        while new_id in by_id:
            new_id, n = f"{base}_{n}", n + 1
        label = code["label"]
        text = next(iter(label.values())) if isinstance(label, dict) else label
        new = {k: v for k, v in code.items() if k != "children"}
        new.update(id=new_id, label={lang: text for lang in languages})
        by_id[new_id] = new
        everything.append(new)
        mapping[code["id"]] = new_id
        added += 1
        siblings.append(new)
        kids: list[dict] = []
        for child in code.get("children", []):
            place(child, kids, new_id)
        if kids:
            new["children"] = kids

    for code in incoming:
        place(code, existing, None)
    return mapping, added


# -- export -------------------------------------------------------------------------------------


@dataclass
class QdpxExport:
    """What ``qdpx_export`` wrote."""

    out: str
    tool: str
    documents: int = 0
    codes: int = 0
    codings: dict[str, int] = field(default_factory=dict)  # by REFI user name
    memos: int = 0
    cases: int = 0
    variables: int = 0
    notes: list[str] = field(default_factory=list)  # what the reader should know
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def user_name(
    coder: str, origin: str, status: str = "suggested", reviewed_by: str | None = None
) -> str:
    """The REFI user a coding goes out under. People's codings go under their own name; a
    suggestion someone accepted under that reviewer's name (a person's decision now); open (and
    rejected) suggestions under ``casecode-<coder>``, so that tools show them apart. A coding
    whose coder is ``casecode-...`` already (a suggestion that came in from a .qdpx) is a
    suggestion too."""
    machine = origin.startswith("rule:") or coder.startswith(AUTO_PREFIX)
    if not machine:
        return coder
    if status == "accepted" and reviewed_by:
        return reviewed_by
    return coder if coder.startswith(AUTO_PREFIX) else AUTO_PREFIX + coder


def qdpx_export(
    project: str | Path | Project | None = None,
    *,
    out: str | Path,
    coder: str | None = None,
    status: str = "all",
    tool: str = "refi",
    lang: str | None = None,
    force: bool = False,
) -> QdpxExport:
    """``casecode qdpx export``: write the project as a REFI-QDA project (.qdpx) that NVivo,
    ATLAS.ti, MAXQDA and QualCoder open: documents as UTF-8 text sources, the codebook, cases and
    attributes, every coder's codings (``status``: all, accepted, suggested or rejected; only
    ``coder``'s when given) and memos. Open automatic suggestions go out under the user
    ``casecode-auto`` (``casecode-<coder>``), accepted ones under the reviewer's name; rejected
    ones only with ``status="rejected"``. ``tool`` adapts positions and line breaks: refi
    (the standard: code points), nvivo (UTF-16 code units), maxqda (CRLF line breaks). GUIDs are
    stable: the same object gets the same GUID on every export."""
    if status not in STATUSES:
        raise CasecodeError(f"unknown status '{status}'", hint="one of " + ", ".join(STATUSES))
    if tool not in TOOLS:
        raise CasecodeError(f"unknown tool '{tool}'", hint="one of " + ", ".join(TOOLS))
    if lang is not None and lang not in ("zh", "en"):
        raise CasecodeError(f"unknown language '{lang}'", hint="use zh or en")
    out = check_out(out, force=force, suffixes=[".qdpx"])
    with using_project(project) as proj:
        store = proj.store
        if coder is not None and coder not in store.coder_names():
            known = ", ".join(store.coder_names()) or "none yet"
            raise CasecodeError(f"no coder '{coder}' in this project", hint=f"coders: {known}")
        book = project_codebook(proj, required=False)
        docs = store.all_documents()
        codings = store.codings_for_analysis(coder=coder, statuses=STATUSES[status])
        memos = store.memos()
        history = store.codebook_contents()
        case_attrs = store.case_attributes()
        own_attrs = store.document_own_attributes()
        name = proj.config.name
    report = QdpxExport(str(out), tool)
    lang = lang or (book.languages[0] if book else "en")
    codes: list[Code] = list(book.codes) if book else []
    known = set(book.ids) if book else set()
    used = sorted({c["code_id"] for c in codings} - known)
    if used:
        found = _old_codes(used, history)
        for code_id in used:
            codes.append(found.get(code_id) or Code(id=code_id, label={lang: code_id}))
        report.notes.append(
            f"{len(used)} code(s) no longer in the codebook written from earlier codebooks: "
            + names_in(used)
        )
    colours = code_colours(codes)  # as `casecode view` shows them; a code's own colour stays

    def coloured(code: Code) -> Code:
        return replace(
            code,
            color=code.color or colours.get(code.id),
            children=tuple(coloured(c) for c in code.children),
        )

    codes = [coloured(c) for c in codes]
    all_ids = [c.id for top in codes for c in top.walk()]
    code_guids = {cid: stable_guid("code", cid) for cid in all_ids}
    report.codes = len(all_ids)

    users: dict[str, str] = {}

    def user_guid(name: str) -> str:
        if name not in users:
            users[name] = stable_guid("user", name)
        return users[name]

    notes: list[OutNote] = []
    memo_refs: dict[tuple[str, str], list[str]] = {}
    coding_ids = {c["id"] for c in codings}
    doc_names = {d["name"] for d in docs}
    for m in memos:
        kind, target = m["target_kind"], m["target"]
        if kind == "coding" and int(target) not in coding_ids:
            continue
        if kind == "document" and target not in doc_names:
            continue
        if kind == "code" and target not in code_guids:
            continue
        guid = stable_guid("memo", m["id"])
        notes.append(
            OutNote(
                guid, first_words(m["text"]), m["text"], user_guid(m["author"]), m["created_at"]
            )
        )
        memo_refs.setdefault((kind, target), []).append(guid)
    report.memos = len(notes)

    by_doc: dict[int, list] = {}
    for c in codings:
        by_doc.setdefault(c["document_id"], []).append(c)
    variables: dict[str, str] = {}

    def var(key: str) -> str:
        if key not in variables:
            variables[key] = stable_guid("variable", key)
        return variables[key]

    sources, cases = [], {}
    for d in docs:
        guid = stable_guid("document", d["name"])
        selections: dict[tuple[int, int, str], OutSelection] = {}
        done: set[tuple] = set()
        for c in by_doc.get(d["id"], []):
            who = user_name(c["coder"], c["origin"], c["status"], c["reviewed_by"])
            if (c["start"], c["end"], who, c["code_id"]) in done:
                continue  # e.g. a reviewer's own coding and the suggestion they accepted
            done.add((c["start"], c["end"], who, c["code_id"]))
            key = (c["start"], c["end"], who)
            if key not in selections:
                selections[key] = OutSelection(
                    stable_guid("selection", d["name"], *key),
                    c["start"],
                    c["end"],
                    user_guid(who),
                    first_words(d["text"][c["start"] : c["end"]]),
                )
            selections[key].codings.append(
                OutCoding(
                    stable_guid("coding", d["name"], c["start"], c["end"], who, c["code_id"]),
                    code_guids[c["code_id"]],
                    user_guid(who),
                    memo_refs.get(("coding", str(c["id"])), []),
                )
            )
            report.codings[who] = report.codings.get(who, 0) + 1
        sources.append(
            OutSource(
                guid,
                d["name"],
                d["text"],
                sorted(selections.values(), key=lambda s: (s.start, s.end, s.guid)),
                {var(k): v for k, v in own_attrs.get(d["id"], {}).items()},
                memo_refs.get(("document", d["name"]), []),
            )
        )
        case = d["case_name"]
        if case not in cases:
            cases[case] = OutCase(
                stable_guid("case", case),
                case,
                [],
                {var(k): v for k, v in case_attrs.get(case, {}).items()},
            )
        cases[case].sources.append(guid)
    report.documents, report.cases, report.variables = len(sources), len(cases), len(variables)
    project = OutProject(
        name=name,
        origin=f"casecode {__version__}" + (" (positions for NVivo)" if tool == "nvivo" else ""),
        users=sorted(((g, n) for n, g in users.items()), key=lambda u: u[1]),
        codes=codes,
        code_guids=code_guids,
        code_notes={cid: memo_refs[("code", cid)] for cid in all_ids if ("code", cid) in memo_refs},
        lang=lang,
        variables=[(g, k) for k, g in variables.items()],
        cases=list(cases.values()),
        sources=sources,
        notes=notes,
    )
    write_atomic(out, write_qdpx(project, tool=tool))
    if not codings:
        which = "" if status == "all" else f" {status}"
        report.warnings.append(
            f"no{which} codings to export"
            + (f" by {coder}" if coder else "")
            + ": the file has documents and codes only; run `casecode code` (or code by hand), "
            "or check coder and status"
        )
    return report


def _old_codes(wanted: list[str], history) -> dict[str, Code]:
    """Codes the current codebook lacks, as the latest earlier codebook had them."""
    found: dict[str, Code] = {}
    for row in history:
        if len(found) == len(wanted):
            break
        try:
            book = load_checked(row["content"], row["source"] or row["name"])
        except CasecodeError:
            continue
        for code_id in wanted:
            code = book.get(code_id)
            if code is not None and code_id not in found:
                found[code_id] = replace(code, children=())
    return found
