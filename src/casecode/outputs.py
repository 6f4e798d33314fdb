"""Output files: one policy for every verb that writes a file the user names.

A file that is already there is refused (``OutputExists``) unless ``force`` is given, and the
refusal comes before any work (``check_out``). ``write_atomic`` writes through a temporary file
in the same folder, so a failure never leaves half a file behind.

A floor module: it imports only :mod:`casecode.errors` and the standard library.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

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
    if path.exists() and not force:
        raise OutputExists(path)
    return path


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then
    ``os.replace``: readers see the old file or the new one, never half of one."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CasecodeError(f"cannot write: {exc.strerror or exc}", file=path) from exc
