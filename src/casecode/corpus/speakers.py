"""Speakers across a project: who speaks, in how many turns and documents, with which role; and
speaker aliases (``casecode speakers --merge A B --as NAME``), the project setting that maps
spellings (``Interviewee``, ``interviewee``, ``Interviewee1``) to one speaker and a role.

Aliases are applied to the stored turns (their labels stay in the text as written) and to every
later import, so matrices, queries and reports all see one speaker.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from casecode.errors import CasecodeError
from casecode.model import Segment
from casecode.project import Project, using_project

ROLES = ("interviewer", "respondent")
_SETTING = "speaker_aliases"


def load_aliases(store) -> dict[str, Any]:
    """``{"names": {spelling (case-folded): name}, "roles": {name: role}}`` from the store."""
    raw = store.setting(_SETTING)
    data = json.loads(raw) if raw else {}
    return {
        "names": data.get("names", {}),
        "roles": data.get("roles", {}),
        "spellings": data.get("spellings", {}),  # case-folded → as first written
    }


def apply_aliases(segments: list[Segment], aliases: dict[str, Any]) -> list[Segment]:
    """Turns with their speakers' spellings mapped to one name, and the roles set for them."""
    names, roles = aliases.get("names", {}), aliases.get("roles", {})
    if not names and not roles:
        return segments
    out = []
    for s in segments:
        if s.speaker is None:
            out.append(s)
            continue
        name = names.get(s.speaker.strip().casefold(), s.speaker)
        role = roles.get(name, s.role)
        role = None if role == "respondent" else role
        out.append(Segment(s.n, name, s.start, s.end, s.label_start, s.timestamp, s.kind, role))
    return out


def speakers(
    project: str | Path | Project | None = None,
    *,
    merge: list[str] | None = None,
    as_name: str | None = None,
    role: str | None = None,
) -> list[dict[str, Any]]:
    """``casecode speakers``: every speaker with their role, turns, documents and the spellings
    merged into them. ``merge`` (with ``as_name``, default the first) maps those spellings to one
    speaker, now and in later imports; ``role`` (interviewer or respondent) sets that speaker's
    role (``interviewer``: the questioning side, which rules leave out by default)."""
    if role is not None and role not in ROLES:
        raise CasecodeError(f"unknown role '{role}'", hint="use interviewer or respondent")
    if as_name is not None and not merge:
        raise CasecodeError("--as needs --merge NAME ...")
    with using_project(project) as proj:
        store = proj.store
        if merge:
            known = {r["speaker"] for r in store.speaker_counts()}
            folded = {k.casefold(): k for k in known}
            missing = [m for m in merge if m not in known and m.casefold() not in folded]
            if missing:
                raise CasecodeError(
                    f"no speaker '{missing[0]}' in any document",
                    hint="`casecode speakers` lists them",
                )
            target = (as_name or merge[0]).strip()
            if not target:
                raise CasecodeError("--as needs a name")
            aliases = load_aliases(store)
            for spelling in [*merge, target]:
                aliases["names"][spelling.strip().casefold()] = target
                written = (
                    folded.get(spelling.casefold(), spelling) if spelling not in known else spelling
                )
                aliases["spellings"].setdefault(spelling.strip().casefold(), written.strip())
            for old, new in list(aliases["names"].items()):  # earlier merges into a spelling
                if new.casefold() in {m.casefold() for m in merge}:
                    aliases["names"][old] = target
            if role is not None:
                aliases["roles"][target] = role
            spellings = {k for k in known if k.casefold() in {m.casefold() for m in merge}}
            with store.transaction():
                store.set_setting(_SETTING, json.dumps(aliases, ensure_ascii=False))
                store.rename_speakers(sorted(spellings | {target}), target, role)
        elif role is not None:
            raise CasecodeError("--role needs --merge NAME (a speaker to set it for)")
        aliases = load_aliases(store)
        merged: dict[str, list[str]] = {}
        for spelling, name in aliases["names"].items():
            if spelling != name.casefold():
                merged.setdefault(name, []).append(aliases["spellings"].get(spelling, spelling))
        return [
            {
                "speaker": r["speaker"],
                "role": r["role"] or "respondent",
                "turns": r["turns"],
                "documents": r["documents"],
                "merged": sorted(merged.get(r["speaker"], [])),
            }
            for r in store.speaker_counts()
        ]
