"""Is a calibrated confidence of 0.8 right about 8 times in 10? The README's calibration table.

Codes corpora/county-a in a temporary project and lets the sample corpus's gold coder review the
rules' suggestions: a suggestion is accepted when gold coded the same code on that turn, and
rejected otherwise. Two folds of documents: gold's decisions on one fold's suggestions calibrate
the confidence of the other fold's (still open), and the table pools both folds' open
suggestions by confidence, next to how often gold would accept them. The same for the
evidence's own strength (the confidence before any decision), for comparison.

    python benchmarks/calibration.py

With ``--into PROJECT`` (a project made by ``casecode run corpora/county-a --out PROJECT``) it
stores the gold set there as the coder ``gold`` and lets gold review every open suggestion, so
that ``casecode rules -p PROJECT`` and ``casecode suggest CODE --coder gold -p PROJECT`` show the
README's loop: which keyword to drop, which to add.

It uses the installed casecode, or this checkout's ``src/`` when none is installed (see
gold_agreement.py, whose ``load_gold`` it shares).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gold_agreement import CORPUS, gold_rows, load_casecode, load_gold  # noqa: E402

BINS = [(0.0, 0.3), (0.3, 0.45), (0.45, 0.55), (0.55, 0.65), (0.65, 0.8), (0.8, 1.01)]


def _bin(value: float) -> int:
    return next(k for k, (a, b) in enumerate(BINS) if a <= value < b)


def run() -> dict:
    casecode = load_casecode()
    gold = gold_rows()
    held_out: list[tuple[float, float, bool]] = []  # (strength, calibrated, gold accepts)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        casecode.run(CORPUS, out)
        names = sorted(d["name"] for d in casecode.list_documents(out))
        folds = [names[0::2], names[1::2]]
        for k in (0, 1):
            project = Path(tmp) / f"fold{k}"
            casecode.init_project(project)
            casecode.use_codebook(project, "coproduction")
            casecode.import_documents(project, [str(CORPUS)])
            casecode.autocode(project)
            with casecode.open_project(project) as proj:
                train = casecode.review_queue(proj, docs=folds[1 - k])
                for q in train:
                    right = (q["document"], q["turn"], q["code"]) in gold
                    casecode.decide(proj, q["id"], "accept" if right else "reject", reviewer="gold")
                for q in casecode.review_queue(proj, docs=folds[k]):
                    strength = proj.store.coding_by_id(q["id"])["strength"]
                    right = (q["document"], q["turn"], q["code"]) in gold
                    held_out.append((strength, q["confidence"], right))
    return {"held_out": held_out}


def table(held_out: list[tuple[float, float, bool]]) -> str:
    lines = [
        "| confidence | suggestions (calibrated) | gold accepts | suggestions (evidence only) "
        "| gold accepts |",
        "|---|---|---|---|---|",
    ]
    for k, (a, b) in enumerate(BINS):
        cal = [r for _, c, r in held_out if _bin(c) == k]
        raw = [r for s, _, r in held_out if _bin(s) == k]

        def rate(rows: list[bool]) -> str:
            return f"{sum(rows) / len(rows):.2f}" if rows else "—"

        label = f"{a:.2f}–{min(b, 1.0):.2f}"
        lines.append(f"| {label} | {len(cal)} | {rate(cal)} | {len(raw)} | {rate(raw)} |")

    def brier(index: int) -> float:
        return sum((row[index] - row[2]) ** 2 for row in held_out) / len(held_out)

    lines.append("")
    lines.append(
        f"{len(held_out)} held-out suggestions; Brier score {brier(1):.3f} calibrated, "
        f"{brier(0):.3f} evidence only (lower is better); gold accepts "
        f"{sum(r for *_, r in held_out) / len(held_out):.2f} of them."
    )
    return "\n".join(lines)


def review_as_gold(project) -> int:
    """Gold's manual codings, and gold's decision on every open suggestion in ``project``."""
    casecode = load_casecode()
    gold = gold_rows()
    load_gold(project)
    with casecode.open_project(project) as proj:
        queue = casecode.review_queue(proj)
        for q in queue:
            right = (q["document"], q["turn"], q["code"]) in gold
            casecode.decide(proj, q["id"], "accept" if right else "reject", reviewer="gold")
    return len(queue)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--into", metavar="PROJECT", help="let gold review PROJECT, then stop")
    args = parser.parse_args(argv)
    if args.into:
        n = review_as_gold(args.into)
        print(f"gold decided {n} suggestion(s). Now: casecode rules -p {args.into}")
        return 0
    result = run()
    print(table(result["held_out"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
