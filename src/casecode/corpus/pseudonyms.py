"""Pseudonyms: the names a report prints instead of real ones.

A project may hold ``pseudonyms.csv`` in its folder, with columns ``name,pseudonym`` (a
speaker, case, place or person as written in the transcripts, and what to print instead).
"""

from __future__ import annotations

import csv
from pathlib import Path

from casecode.errors import CasecodeError
from casecode.project import Project

PSEUDONYMS_FILE = "pseudonyms.csv"


def load_pseudonyms(project: Project) -> dict[str, str]:
    """Real name → pseudonym, from the project's ``pseudonyms.csv`` ({} when it has none)."""
    path = Path(project.root) / PSEUDONYMS_FILE
    if not path.is_file():
        return {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CasecodeError(f"cannot read pseudonyms: {exc}", file=path) from None
    if rows and not {"name", "pseudonym"} <= set(rows[0]):
        raise CasecodeError("pseudonyms need the columns name and pseudonym", file=path)
    return {
        r["name"].strip(): r["pseudonym"].strip()
        for r in rows
        if (r.get("name") or "").strip() and (r.get("pseudonym") or "").strip()
    }
