"""Codebook files: read one (UTF-8, UTF-16 or GBK), or a built-in one by name (``coproduction``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from casecode.errors import CasecodeError

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
