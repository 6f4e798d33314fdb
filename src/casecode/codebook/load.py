"""Find and read codebooks: files, or the built-in ones by name (``coproduction``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import CasecodeError
from .model import Codebook
from .validate import Validation, validate_text

MAX_BYTES = 5 * 1024 * 1024


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
    if path.suffix.lower() == ".qdc":
        raise CasecodeError(
            "this is a REFI-QDA codebook, not casecode YAML",
            file=path,
            hint=f"convert it first: casecode codebook import {path} --out {path.stem}.yaml",
        )
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
    return decode_codebook(data, path), str(path)


def decode_codebook(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, or GB18030/GBK (Windows editors in
    Chinese); anything else is refused rather than guessed, since a codebook is short."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise CasecodeError(
        "not a text file in UTF-8 or GBK", file=path, hint="save the codebook as UTF-8"
    )


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
    from .model import build
    from .yamlpos import load_plain

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
