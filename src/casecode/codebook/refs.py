"""Code references as people type them: ids, id prefixes and labels, split from lists
(``a,b`` or ``a，b``), resolved against a codebook, with the closest ids as a hint."""

from __future__ import annotations

from collections.abc import Iterable

from casecode.codebook.codes import Code, Codebook
from casecode.errors import CasecodeError


def select_codes(book: Codebook, wanted: Iterable[str] | None) -> set[str] | None:
    """Code ids named by exact id, id prefix (a code and its descendants) or label; else by the
    last part of an id or words of a label, when only one code fits (as ``resolve_code``)."""
    if not wanted:
        return None
    chosen: set[str] = set()

    refs = code_refs(wanted)
    if not refs:
        raise CasecodeError(
            "no code given", hint="name code ids or labels, or leave the option out for all codes"
        )
    for ref in refs:
        hits = {
            c.id
            for c in book.walk()
            if c.id == ref
            or c.id.startswith(ref + ".")
            or ref.casefold() in (v.casefold() for v in c.label.values())
        }
        if not hits:
            hits = {c.id for c in book.walk() if c.id.startswith(ref)}
        if not hits:  # the last part of an id, or words of a label, when one code fits
            hits = {_find_code(book, ref).id}
        for code_id in list(hits):
            code = book.get(code_id)
            chosen.update(c.id for c in code.walk())
    return chosen


def resolve_code(book: Codebook, ref: str, *, to_apply: bool = False) -> Code:
    """A code by exact id, unique id prefix, or label in any language (case-insensitive).

    ``to_apply``: the code is about to be applied by a person, so a category (``codable:
    false``) is refused with its children named.
    """
    code = _find_code(book, ref, to_apply=to_apply)
    if to_apply and not code.codable:
        children = [c.id for c in code.walk() if c.codable and c is not code]
        shown = ", ".join(children[:4]) + (", ..." if len(children) > 4 else "")
        raise CasecodeError(
            f"{code.id} is a category, not applied itself", hint=f"code one of: {shown}"
        )
    return code


def _find_code(book: Codebook, ref: str, *, to_apply: bool = False) -> Code:
    """Exact id, then a label, a unique id prefix, the last part of an id (``funding`` for
    ``process.co_management.funding``) and words of a label; several matches are named."""
    ref = ref.strip()
    exact = book.get(ref)
    if exact is not None:
        return exact
    folded = ref.casefold()
    by_label = [c for c in book.walk() if folded in (v.casefold() for v in c.label.values())]
    if len(by_label) == 1:
        return by_label[0]
    by_prefix = [c for c in book.walk() if c.id.startswith(ref)]
    if len(by_prefix) == 1:
        return by_prefix[0]
    many = by_label or by_prefix
    if not many and folded:
        usable = [c for c in book.walk() if c.codable or not to_apply]
        by_part = [c for c in usable if c.id.rsplit(".", 1)[-1].casefold() == folded]
        in_label = [c for c in usable if any(folded in v.casefold() for v in c.label.values())]
        for found in (by_part, in_label):
            if len(found) == 1:
                return found[0]
        many = by_part or in_label
    if many:
        names = ", ".join(c.id for c in many[:5]) + (", ..." if len(many) > 5 else "")
        raise CasecodeError(f"'{ref}' could be any of {names}", hint="give the full code id")
    raise CasecodeError(f"no code '{ref}' in the codebook", hint=closest_hint(book, ref))


def closest_hint(book: Codebook, ref: str) -> str:
    """The hint of every "no code 'X'" message: up to three closest applicable ids."""
    close = book.closest(ref)
    return f"closest: {', '.join(close)}" if close else "`casecode codebook show` lists the codes"


def code_refs(values: str | Iterable[str] | None) -> list[str]:
    """Code references as people type them: a list, and/or comma-separated (, or ，)."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else values
    return [
        ref.strip()
        for item in items
        for ref in str(item).replace("，", ",").split(",")
        if ref.strip()
    ]
