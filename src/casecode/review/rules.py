"""``rule_records`` (``casecode rules``): how good each rule is, by people's review decisions."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from casecode.codebook.refs import select_codes
from casecode.codebook.use import project_codebook
from casecode.coding.calibration import records, wilson
from casecode.errors import CasecodeError
from casecode.project import Project, using_project

COUNTS = ("suggested", "open", "accepted", "rejected", "changed", "decided")


def rule_records(
    project: str | Path | Project | None = None,
    *,
    codes: str | Iterable[str] | None = None,
    threshold: float = 0.6,
    min_decisions: int = 5,
    words: int = 5,
) -> dict[str, Any]:
    """``casecode rules``: per rule and per code, the suggestions made and how many people
    accepted, rejected and changed (to another code); precision (accepted / decided) with its
    Wilson 95 % interval. A rule with at least ``min_decisions`` decisions and precision below
    ``threshold`` is flagged, with the ``words`` of its evidence most often rejected."""

    if not 0.0 <= threshold <= 1.0:
        raise CasecodeError(f"threshold {threshold} is not between 0 and 1")
    if min_decisions < 1:
        raise CasecodeError("min_decisions must be at least 1")
    with using_project(project) as proj:
        store = proj.store
        book = project_codebook(proj)
        wanted = select_codes(book, [codes] if isinstance(codes, str) else codes)
        found = records(store.rule_codings())
    rules = []
    for r in sorted(found.values(), key=lambda r: (r["code"], r["rule"])):
        if wanted is not None and r["code"] not in wanted:
            continue
        flagged = (
            r["decided"] >= min_decisions
            and r["precision"] is not None
            and r["precision"] < threshold
        )
        entry = book.get(r["code"])
        rules.append(
            {
                "rule": r["rule"],
                "code": r["code"],
                "label": entry.text("label") if entry else r["code"],
                **{k: r[k] for k in COUNTS},
                "precision": r["precision"],
                "low": r["low"],
                "high": r["high"],
                "smoothed": round(r["smoothed"], 4),
                "flagged": flagged,
                "rejected_words": r["rejected_words"][:words] if flagged else [],
                "in_codebook": entry is not None and any(x.id == r["rule"] for x in entry.rules),
            }
        )
    by_code: dict[str, dict[str, Any]] = {}
    for r in rules:
        c = by_code.setdefault(r["code"], {"code": r["code"], "label": r["label"], "rules": 0})
        c["rules"] += 1
        for k in COUNTS:
            c[k] = c.get(k, 0) + r[k]
    for c in by_code.values():
        c["precision"] = c["accepted"] / c["decided"] if c["decided"] else None
        c["low"], c["high"] = wilson(c["accepted"], c["decided"])
    return {
        "threshold": threshold,
        "min_decisions": min_decisions,
        "rules": rules,
        "codes": [by_code[k] for k in sorted(by_code)],
        "flagged": [r["rule"] for r in rules if r["flagged"]],
    }
