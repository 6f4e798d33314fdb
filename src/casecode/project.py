"""A project is a folder with ``casecode.toml`` and the SQLite store it names."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casecode.errors import CasecodeError
from casecode.store.db import Store, utcnow

CONFIG_NAME = "casecode.toml"
ENV_VAR = "CASECODE_PROJECT"

_CONFIG_TEMPLATE = """\
# casecode project settings. Paths are relative to this file and must stay inside its folder.

[project]
name = {name}
database = "casecode.db"
created = "{created}"

[import]
# Extra speaker-label patterns (Python regular expressions matched at the start of a line),
# tried before the built-in ones. Each needs a named group (?P<speaker>...) and may have
# (?P<time>...). Example: '^(?P<speaker>[A-Z]{{2,3}})>\\s*' for "JW> well ..."
speaker_patterns = []
# false: use only the patterns above.
builtin_speaker_patterns = true
# Files larger than this are refused.
max_file_mb = 50
# What one file may expand to once read (a few KB of zipped XML can declare gigabytes):
# characters of text, turns (or paragraphs, or rows), one zip member's uncompressed size and
# its compression ratio (.docx .odt .xlsx), spreadsheet cells read, and XML nesting depth.
max_document_chars = 3000000
max_turns = 200000
max_zip_member_mb = 100
max_zip_ratio = 200
max_sheet_cells = 5000000
max_xml_depth = 200

[coding]
# A jieba user dictionary (one word per line, optionally "word freq tag") for your field's
# terms, and stop words (one per line) that negation windows do not count. Both optional.
user_dictionary = ""
stop_words = ""
# jieba's HMM guessing of unknown words (names, dialect); slower, rarely matters for coding.
jieba_hmm = false
"""


@dataclass
class Config:
    name: str
    database: str = "casecode.db"
    speaker_patterns: list[str] = field(default_factory=list)
    builtin_speaker_patterns: bool = True
    max_file_mb: float = 50
    max_document_chars: int = 3_000_000
    max_turns: int = 200_000
    max_zip_member_mb: float = 100
    max_zip_ratio: float = 200
    max_sheet_cells: int = 5_000_000
    max_xml_depth: int = 200
    user_dictionary: str = ""
    stop_words: str = ""
    jieba_hmm: bool = False

    @classmethod
    def load(cls, path: Path) -> Config:
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise CasecodeError(f"not valid TOML: {exc}", file=path) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CasecodeError(f"cannot read the project settings ({exc})", file=path) from None
        project = data.get("project", {})
        imports = data.get("import", {})
        coding = data.get("coding", {})
        patterns = imports.get("speaker_patterns", [])
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise CasecodeError("[import] speaker_patterns must be a list of strings", file=path)
        return cls(
            name=str(project.get("name", path.parent.name)),
            database=str(project.get("database", "casecode.db")),
            speaker_patterns=patterns,
            builtin_speaker_patterns=bool(imports.get("builtin_speaker_patterns", True)),
            max_file_mb=_positive(imports.get("max_file_mb", 50), "[import] max_file_mb", path),
            **{
                name: _positive(imports.get(name, default), f"[import] {name}", path, integer)
                for name, default, integer in _LIMITS
            },
            user_dictionary=_text(
                coding.get("user_dictionary", ""), "[coding] user_dictionary", path
            ),
            stop_words=_text(coding.get("stop_words", ""), "[coding] stop_words", path),
            jieba_hmm=bool(coding.get("jieba_hmm", False)),
        )


def _text(value: Any, what: str, path: Path) -> str:
    if not isinstance(value, str):
        raise CasecodeError(f"{what} must be text (a file path)", file=path)
    return value


# the [import] limits on what one file expands to (see casecode.corpus.limits), with their
# defaults, and whether each is a whole number
_LIMITS = (
    ("max_document_chars", 3_000_000, True),
    ("max_turns", 200_000, True),
    ("max_zip_member_mb", 100, False),
    ("max_zip_ratio", 200, False),
    ("max_sheet_cells", 5_000_000, True),
    ("max_xml_depth", 200, True),
)


def _positive(value: Any, what: str, path: Path, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise CasecodeError(f"{what} must be a positive number", file=path)
    if integer:
        if value != int(value):
            raise CasecodeError(f"{what} must be a whole number", file=path)
        return int(value)
    return float(value)


class Project:
    """An open project: its folder, settings and store. Use as a context manager."""

    def __init__(self, root: Path, *, create: bool = False) -> None:
        self.root = root
        self.config = Config.load(root / CONFIG_NAME)
        database = self.inside("[project] database", self.config.database)
        self.store = Store(database, create=create)

    def inside(self, setting: str, value: str) -> Path:
        """A path from casecode.toml, which must stay inside the project folder (a shared
        project must not read or write elsewhere on the machine that opens it)."""
        root = self.root.resolve()
        path = (root / value).resolve()
        if not path.is_relative_to(root):
            raise CasecodeError(
                f"{setting} must name a file inside the project folder, not {value}",
                file=self.root / CONFIG_NAME,
            )
        return path

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def coding_file(self, setting: str) -> Path | None:
        """The project's user dictionary or stop-word file (``None`` when not set)."""
        value = getattr(self.config, setting)
        if not value:
            return None
        path = self.inside(f"[coding] {setting}", value)
        if not path.is_file():
            what = "a folder, not a file" if path.is_dir() else "a file that does not exist"
            raise CasecodeError(
                f"[coding] {setting} names {what}: {value}",
                file=self.root / CONFIG_NAME,
            )
        return path


def init_project(directory: str | Path = ".", *, name: str | None = None) -> Path:
    """``casecode init``: create ``casecode.toml`` and the store in ``directory``; return the
    project folder.

    Initialising an existing project is harmless: it only brings the store up to date.
    """
    root = Path(directory).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise CasecodeError("exists and is not a folder", file=directory)
    root.mkdir(parents=True, exist_ok=True)
    config = root / CONFIG_NAME
    if not config.exists():
        title = name or root.name
        quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
        config.write_text(_CONFIG_TEMPLATE.format(name=quoted, created=utcnow()), encoding="utf-8")
    Project(root, create=True).close()
    return root


def find_project(project: str | Path | None = None) -> Path:
    """The project folder: ``project``, else $CASECODE_PROJECT, else this folder or a parent."""
    given = project or os.environ.get(ENV_VAR)
    if given:
        path = Path(given).expanduser()
        if path.is_file() and path.name == CONFIG_NAME:
            path = path.parent
        if not (path / CONFIG_NAME).is_file():
            hint = (
                "give the project's folder"
                if path.is_file()
                else f"create it with `casecode init {path}`"
            )
            raise CasecodeError("not a casecode project (no casecode.toml)", file=path, hint=hint)
        return path.resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise CasecodeError(
        "no casecode project here",
        hint="run `casecode init` to make this folder a project, or pass --project DIR",
    )


def open_project(project: str | Path | Project | None = None) -> Project:
    if isinstance(project, Project):
        return project
    return Project(find_project(project))


@contextmanager
def using_project(project: str | Path | Project | None = None) -> Iterator[Project]:
    """Open the project for a ``with`` block; one the caller passed in stays open after it."""
    if isinstance(project, Project):
        yield project
        return
    with Project(find_project(project)) as proj:
        yield proj
