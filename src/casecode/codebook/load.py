"""Find and read codebooks: files, or the built-in ones by name (``coproduction``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import CasecodeError
from .model import Codebook
from .validate import Validation, validate_text

MAX_BYTES = 20 * 1024 * 1024


def builtin_codebooks() -> dict[str, str]:
    """Built-in codebook names → their YAML text."""
    folder = resources.files("casecode.codebooks")
    return {
        entry.name.rsplit(".", 1)[0]: entry.read_text("utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    }


def read_text(source: str | Path) -> tuple[str, str]:
    """The text of a codebook file, or of a built-in codebook named ``source``.

    Returns (text, name to cite in messages).
    """
    path = Path(source)
    if not path.exists():
        name = path.name.removesuffix(".yaml").removesuffix(".yml")
        if str(source) == path.name:  # a bare name, not a path
            builtins = builtin_codebooks()
            if name in builtins:
                return builtins[name], f"{name}.yaml"
        hint = "built-in codebooks: " + ", ".join(builtin_codebooks())
        raise CasecodeError("no such codebook file", file=source, hint=hint)
    if path.is_dir():
        raise CasecodeError("is a folder, not a codebook file", file=path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise CasecodeError(
                f"too large for a codebook ({size / 1e6:.0f} MB, limit {MAX_BYTES // 2**20} MB)",
                file=path,
            )
        data = path.read_bytes()
    except OSError as exc:
        raise CasecodeError(f"cannot read: {exc.strerror or exc}", file=path) from exc
    from ..corpus.encoding import decode_bytes

    return decode_bytes(data, source=path).text.removeprefix("\ufeff"), str(path)


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
