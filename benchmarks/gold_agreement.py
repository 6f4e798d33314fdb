"""How well the built-in co-production rules agree with the sample corpus's gold set.

Codes corpora/county-a in a temporary project and prints precision, recall and F1 per
(turn, code) at each level of the codebook, and per top-level code. The README quotes it.

    python benchmarks/gold_agreement.py
"""

from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from casecode import get_document, list_documents, run  # noqa: E402

CORPUS = ROOT / "corpora" / "county-a"


def score(gold: set, found: set) -> tuple[float, float, float]:
    hits = len(gold & found)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        run(CORPUS, out)
        found_rows = {
            (doc["name"], c["turn"], c["code"])
            for doc in list_documents(out)
            for c in get_document(out, doc["name"])["codings"]
        }
    with open(CORPUS / "gold" / "gold.csv", encoding="utf-8") as f:
        gold_rows = {(r["document"], int(r["turn"]), r["code"]) for r in csv.DictReader(f)}

    def at(rows: set, level: int) -> set:
        return {(d, t, ".".join(c.split(".")[:level])) for d, t, c in rows}

    print("level  precision  recall   F1     (gold, suggested)")
    for level in (1, 2, 3):
        gold, found = at(gold_rows, level), at(found_rows, level)
        p, r, f = score(gold, found)
        print(f"{level:>5}  {p:9.3f}  {r:6.3f}  {f:5.3f}  ({len(gold)}, {len(found)})")
    print("\nper top-level code")
    gold, found = at(gold_rows, 1), at(found_rows, 1)
    for code in sorted({c for _, _, c in gold}):
        p, r, f = score({g for g in gold if g[2] == code}, {x for x in found if x[2] == code})
        print(f"  {code:12}  P {p:.2f}  R {r:.2f}  F1 {f:.2f}")


if __name__ == "__main__":
    main()
