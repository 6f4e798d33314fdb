"""Load codebooks: validated from a file or built-in name, or as stored in a project."""

from __future__ import annotations

from pathlib import Path

from casecode.codebook.codes import Codebook, build
from casecode.codebook.files import read_text
from casecode.codebook.validate import Validation, validate_text
from casecode.codebook.yamlpos import load_plain
from casecode.errors import CasecodeError


def check_codebook(source: str | Path) -> Validation:
    """Validate a codebook file or built-in name (see ``casecode codebook validate``)."""
    text, name = read_text(source)
    return validate_text(text, name)


def load_codebook(source: str | Path | Codebook) -> Codebook:
    """A valid ``Codebook`` from a file or built-in name; a ``CasecodeError`` naming the first
    mistake otherwise."""
    if isinstance(source, Codebook):
        return source
    result = check_codebook(source)
    return require_valid(result)


def load_checked(text: str, source: str) -> Codebook:
    """A codebook from YAML that passed validation when it was stored (skips re-checking)."""

    return build(load_plain(text), source=source)


def require_valid(result: Validation) -> Codebook:
    if result.codebook is not None:
        return result.codebook
    first = result.errors[0]
    more = len(result.errors) - 1
    command = f"casecode codebook validate {result.file}"
    hint = f"{more} more error{'s' if more > 1 else ''}; see `{command}`" if more else None
    raise CasecodeError(
        f"{first.code or 'codebook'}: {first.message}",
        file=f"{first.file}:{first.line}:{first.column}",
        hint=hint,
    )
