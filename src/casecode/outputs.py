"""Output files: one policy for every verb that writes a file the user names.

A file that is already there is refused (``OutputExists``) unless ``force`` is given, and the
refusal comes before any work (``check_out``). ``write_atomic`` and ``writing`` write through a
temporary file in the same folder and rename it over the output, so a failure never leaves half
a file behind and a link named as the output is replaced, never written through.

No output may be a project's store (or its journal files) or its ``casecode.toml``, whatever
links lead there: ``check_out`` refuses it, ``force`` or not, and the rename checks again.

Cells of exported tables pass through ``cell``: text that a spreadsheet would run as a formula
(it begins with ``= + - @``, a tab or a carriage return; the OWASP CSV-injection rules) gets a
leading apostrophe, and characters XML cannot hold are replaced (.xlsx only).

A floor module: it imports only :mod:`casecode.errors` and the standard library.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from casecode.errors import CasecodeError


class OutputExists(CasecodeError):
    """An output file is there already and ``force`` was not given."""

    def __init__(self, path: str | Path) -> None:
        super().__init__("already exists", file=path, hint="pass force=True to overwrite it")


def check_out(
    path: str | Path, *, force: bool = False, suffixes: Iterable[str] | None = None
) -> Path:
    """``path`` as a file this verb may write: of a kind in ``suffixes`` (when given), in a
    folder that exists, and not there already unless ``force``. Call it before any work."""
    path = Path(path)
    if suffixes is not None:
        kinds = [s.lower() for s in suffixes]
        if path.suffix.lower() not in kinds:
            what = (
                f"cannot write '{path.suffix}' files"
                if path.suffix
                else "the file has no extension"
            )
            names = ", ".join(kinds[:-1]) + " or " + kinds[-1] if len(kinds) > 1 else kinds[0]
            raise CasecodeError(what, file=path, hint=f"name a {names} file")
    if not path.parent.is_dir():
        raise CasecodeError("the folder does not exist", file=path.parent)
    if path.is_dir():
        raise CasecodeError("is a folder, not a file", file=path)
    refuse_protected(path)
    if path.exists() and not force:
        raise OutputExists(path)
    return path


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then
    ``os.replace``: readers see the old file or the new one, never half of one."""
    with writing(path) as tmp, open(tmp, "xb") as fh:
        fh.write(data)


@contextmanager
def writing(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` for a writer that wants a file name (pandas, openpyxl,
    python-docx); when the block ends it replaces ``path``, or is removed if the block fails."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.unlink(missing_ok=True)
        yield tmp
        refuse_protected(path)
        os.replace(tmp, path)
    except OSError as exc:
        raise CasecodeError(f"cannot write: {exc.strerror or exc}", file=path) from exc
    finally:
        tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------------------- protected files

_STORES: set[Path] = set()  # every store opened in this process (see store.db.Store)
_SQLITE = b"SQLite format 3\x00"
_SIDECARS = ("-wal", "-shm", "-journal")


def protect(path: str | Path) -> None:
    """Never let an output replace ``path`` (a store registers itself when opened)."""
    _STORES.add(Path(path).resolve())


def refuse_protected(path: str | Path) -> None:
    """Refuse an output that is, through any links, a project store, its journal, or a
    ``casecode.toml``: overwriting one would lose the project."""
    target = Path(path).resolve()
    candidates = [target]
    for sidecar in _SIDECARS:
        if target.name.endswith(sidecar):
            candidates.append(target.with_name(target.name[: -len(sidecar)]))
    for candidate in candidates:
        if candidate in _STORES or candidate.name == "casecode.toml" or _is_sqlite(candidate):
            raise CasecodeError(
                "is a casecode project's store or settings"
                + ("" if candidate == Path(path) else f" (it leads to {candidate})"),
                file=path,
                hint="name another output file",
            )


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == _SQLITE
    except OSError:
        return False


# ---------------------------------------------------------------------------- cells

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# characters an .xlsx (XML 1.0) cannot hold: C0 controls other than tab, newline, return
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def cell(value: Any, *, xlsx: bool = False) -> Any:
    """A value as an exported table cell: text a spreadsheet would take for a formula starts
    with an apostrophe (OWASP), and for .xlsx XML-illegal control characters become U+FFFD.
    Numbers and other values are kept as they are."""
    if not isinstance(value, str):
        return value
    if xlsx:
        value = _NOT_XML.sub("\ufffd", value)
    if value.startswith(_FORMULA_START):
        value = "'" + value
    return value


def uncell(value: str) -> str:
    """Text read back from a cell ``cell`` wrote: the apostrophe it added is dropped."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value
