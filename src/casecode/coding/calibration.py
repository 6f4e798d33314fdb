"""What people's decisions say about each rule, and confidence calibrated by it.

A rule's *record* counts its suggestions and the review decisions on them: accepted, rejected,
changed (rejected for another code). Its precision is accepted / decided, with a Wilson 95 %
interval. A suggestion's stored ``confidence`` is calibrated by its rule's record (see
``calibrated`` and docs/coding.md); ``strength`` keeps what the evidence alone said. Both are
functions of the store's state, recomputed whenever it changes (``recalibrate``).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

# How many decisions the rule's evidence alone counts for: with few decisions a rule's precision
# stays near what its evidence said; with many, the decisions speak.
PRIOR_WEIGHT = 4.0
Z95 = 1.959963984540054


def wilson(accepted: int, decided: int, z: float = Z95) -> tuple[float | None, float | None]:
    """The Wilson score interval of a proportion (None, None when nothing was decided)."""
    if decided == 0:
        return None, None
    p = accepted / decided
    denominator = 1 + z * z / decided
    centre = (p + z * z / (2 * decided)) / denominator
    half = z * math.sqrt(p * (1 - p) / decided + z * z / (4 * decided * decided)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _logit(p: float) -> float:
    p = min(max(p, 0.01), 0.99)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def outcome(row) -> str | None:
    """``accepted``, ``rejected``, ``changed`` (rejected for another code) or None (open)."""
    if row["status"] == "accepted":
        return "accepted"
    if row["status"] == "rejected":
        return "changed" if row["last_action"] == "recode" else "rejected"
    return None


def _words(evidence: str | None) -> set[str]:
    items = json.loads(evidence) if evidence else []
    return {" ".join(e["text"].split()).lower() for e in items if e.get("text")}


def records(rows: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Each rule's record from its codings (``Store.rule_codings`` rows), by rule id."""
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        rule = row["origin"][5:]
        r = found.setdefault(
            rule,
            {
                "rule": rule,
                "code": row["code_id"],
                "codes": Counter(),
                "suggested": 0,
                "open": 0,
                "accepted": 0,
                "rejected": 0,
                "changed": 0,
                "_logits": [],
                "_decided_logits": [],
                "_rejected_words": Counter(),
                "_accepted_words": Counter(),
            },
        )
        r["codes"][row["code_id"]] += 1
        r["suggested"] += 1
        strength = row["strength"] if row["strength"] is not None else row["confidence"]
        logit = _logit(strength if strength is not None else 0.5)
        r["_logits"].append(logit)
        result = outcome(row)
        if result is None:
            r["open"] += 1
            continue
        r[result] += 1
        r["_decided_logits"].append(logit)
        words = _words(row["evidence"])
        (r["_accepted_words"] if result == "accepted" else r["_rejected_words"]).update(words)
    for r in found.values():
        r["code"] = r["codes"].most_common(1)[0][0]
        r["codes"] = sorted(r["codes"])
        decided = r["accepted"] + r["rejected"] + r["changed"]
        r["decided"] = decided
        r["precision"] = r["accepted"] / decided if decided else None
        r["low"], r["high"] = wilson(r["accepted"], decided)
        logits = r["_decided_logits"] or r["_logits"]
        r["mean_logit"] = sum(logits) / len(logits)
        prior = _sigmoid(r["mean_logit"])
        r["smoothed"] = (r["accepted"] + PRIOR_WEIGHT * prior) / (decided + PRIOR_WEIGHT)
        accepted_words = r.pop("_accepted_words")
        r["rejected_words"] = [
            {"word": w, "rejected": n, "accepted": accepted_words.get(w, 0)}
            for w, n in sorted(r.pop("_rejected_words").items(), key=lambda x: (-x[1], x[0]))
        ]
        del r["_logits"], r["_decided_logits"]
    return found


def calibrated(strength: float | None, record: dict[str, Any]) -> float:
    """A suggestion's confidence: its rule's smoothed precision, moved up or down by how much
    stronger or weaker its evidence is than that of the rule's decided suggestions (on the
    log-odds scale). With no decisions it is the evidence's own strength."""
    s = 0.5 if strength is None else strength
    if record["decided"] == 0:
        return round(s, 4)
    value = _sigmoid(_logit(record["smoothed"]) + _logit(s) - record["mean_logit"])
    return round(value, 4)


def recalibrate(store, rules: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Set rule-made codings' confidence from their strength and their rule's record (those of
    ``rules``, else of every rule with a decision); returns the records. Runs inside the
    caller's write."""
    # a rule nobody has decided on has its strengths as confidences already (they are stored
    # equal, and every decision and undo recalibrates its rule), so only decided rules move
    wanted = store.decided_rules() if rules is None else set(rules)
    rows = store.rule_codings(wanted)
    found = records(rows)
    changes = []
    for row in rows:
        value = calibrated(
            row["strength"] if row["strength"] is not None else row["confidence"],
            found[row["origin"][5:]],
        )
        if row["confidence"] != value:
            changes.append((value, row["id"]))
    if changes:
        store.set_confidences(changes)
    return found


def rule_record(store, rule: str) -> dict[str, Any] | None:
    """One rule's record (None when it has made no suggestion)."""
    return records(store.rule_codings({rule})).get(rule)
