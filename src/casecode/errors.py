"""The one exception type for mistakes we can explain to a person."""

from __future__ import annotations

from pathlib import Path


class CasecodeError(Exception):
    """Something the user can fix: a bad file, a missing project, an unknown id.

    The CLI prints it as one red line, ``file: message (hint)``, and exits non-zero.
    Anything that is not a ``CasecodeError`` is a bug and shows a traceback with ``--debug``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
            where += ": "
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{hint}"
