"""Coders: who is coding (``$CASECODE_CODER``, else the login name), which coders a command may
name, and ``coders`` (``casecode coders``): everyone who has coded, with counts."""

from __future__ import annotations

import getpass
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from casecode.errors import CasecodeError
from casecode.project import Project, using_project

CODER_ENV = "CASECODE_CODER"


def coder_name(name: str | None) -> str:
    if name is None:
        return default_coder()
    if not name.strip():
        raise CasecodeError("the coder needs a name")
    return name.strip()


def default_coder() -> str:
    """``$CASECODE_CODER``, else the login name."""
    name = os.environ.get(CODER_ENV, "").strip()
    if name:
        return name
    try:
        return getpass.getuser() or "me"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "me"


def coders(project: str | Path | Project | None = None) -> list[dict[str, Any]]:
    """``casecode coders``: every coder with their codings: manual, suggested, accepted, rejected,
    imported."""
    with using_project(project) as proj:
        return [dict(r) for r in proj.store.coder_counts()]


def check_coders(store, coders: Iterable[str], *, at_least: int = 2, what: str = "--coder"):
    names = [c.strip() for c in coders]
    if any(not n for n in names):
        raise CasecodeError("a coder needs a name")
    if len(set(names)) != len(names):
        twice = sorted(n for n, k in Counter(names).items() if k > 1)
        raise CasecodeError(f"{', '.join(twice)} named twice", hint="name each coder once")
    if len(names) < at_least:
        raise CasecodeError(
            f"name at least {at_least} coders",
            hint=f"give {what} once per coder, e.g. {what} ann {what} bo",
        )
    known = store.coder_names()
    for n in names:
        if n not in known:
            shown = ", ".join(known) if known else "none yet"
            raise CasecodeError(f"no coder '{n}' in this project", hint=f"coders: {shown}")
    return names
