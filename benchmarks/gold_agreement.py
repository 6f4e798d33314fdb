"""How well the built-in co-production rules agree with the sample corpus's gold set.

Codes corpora/county-a in a temporary project and prints precision, recall and F1 per
(turn, code) at each level of the codebook, and per top-level code. docs/reliability.md quotes it.

    python benchmarks/gold_agreement.py

It uses the installed casecode (``pip install .`` or ``pip install -e .``) and falls back to
this checkout's ``src/`` only when casecode is not installed.

The gold set has one row per (document, turn, code), which ``casecode sheet import`` does not
read. To score coders against it with ``casecode evaluate``, store it in a project made by
``casecode run corpora/county-a --out out/`` as the coder ``gold``:

    python benchmarks/gold_agreement.py --into out/
    casecode evaluate --gold gold --test auto -p out/ --level 1

or, from Python, ``load_gold(project)`` below (it writes the gold set as a coding sheet, one
row per turn with the codes joined by ``;``, and imports that with ``casecode.import_sheet``).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "county-a"
GOLD = CORPUS / "gold" / "gold.csv"
DEV_CORPUS = ROOT.parent / "shared" / "dev-corpus"  # real public text, for the real-text benchmarks


def dev_documents(sources: list[str] | tuple[str, ...]) -> list[tuple[Path, str]]:
    """The documents of these dev-corpus sources, in name order, each with the file name to
    import it under: hearing transcripts (.rst) as plain text; the record's .json is no
    document."""
    found = []
    for source in sources:
        for path in sorted((DEV_CORPUS / source).iterdir()):
            if path.suffix in (".txt", ".md", ".rst"):
                found.append(
                    (path, path.with_suffix(".txt").name if path.suffix == ".rst" else path.name)
                )
    return found


def load_casecode():
    """The installed casecode; this checkout's src/ only when none is installed. The built-in
    codebooks scored are this checkout's codebooks/ folder (an editable install of another
    checkout maps casecode.codebooks to that checkout's)."""
    try:
        import casecode
    except ModuleNotFoundError as exc:
        if exc.name != "casecode":
            raise
        sys.path.insert(0, str(ROOT / "src"))
        import casecode

    folder = ROOT / "codebooks"
    found = importlib.util.find_spec("casecode.codebooks")
    if found is None or Path(found.origin or "").resolve().parent != folder.resolve():
        spec = importlib.util.spec_from_file_location(
            "casecode.codebooks",
            folder / "__init__.py",
            submodule_search_locations=[str(folder)],
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules["casecode.codebooks"] = module
        spec.loader.exec_module(module)
    return casecode


def gold_rows(path: Path = GOLD) -> set[tuple[str, int, str]]:
    """The gold set's (document, turn, code) rows."""
    with open(path, encoding="utf-8") as f:
        return {(r["document"], int(r["turn"]), r["code"]) for r in csv.DictReader(f)}


def load_gold(project, coder: str = "gold", path: Path = GOLD):
    """Store the gold set in ``project`` (made from corpora/county-a) as ``coder``'s manual
    codings, through a coding sheet; returns ``casecode.import_sheet``'s report."""
    casecode = load_casecode()
    by_turn: dict[tuple[str, int], list[str]] = {}
    for document, turn, code in sorted(gold_rows(path)):
        by_turn.setdefault((document, turn), []).append(code)
    with tempfile.TemporaryDirectory() as tmp:
        sheet = Path(tmp) / "gold-sheet.csv"
        with open(sheet, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["document", "turn", "codes"])
            for (document, turn), codes in sorted(by_turn.items()):
                writer.writerow([document, turn, ";".join(codes)])
        return casecode.import_sheet(project, sheet, coder=coder)


def score(gold: set, found: set) -> tuple[float, float, float]:
    hits = len(gold & found)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def table() -> None:
    casecode = load_casecode()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        casecode.run(CORPUS, out)
        found_rows = {
            (doc["name"], c["turn"], c["code"])
            for doc in casecode.list_documents(out)
            for c in casecode.get_document(out, doc["name"])["codings"]
        }
    gold_set = gold_rows()

    def at(rows: set, level: int) -> set:
        return {(d, t, ".".join(c.split(".")[:level])) for d, t, c in rows}

    print("level  precision  recall   F1     (gold, suggested)")
    for level in (1, 2, 3):
        gold, found = at(gold_set, level), at(found_rows, level)
        p, r, f = score(gold, found)
        print(f"{level:>5}  {p:9.3f}  {r:6.3f}  {f:5.3f}  ({len(gold)}, {len(found)})")
    print("\nper top-level code")
    gold, found = at(gold_set, 1), at(found_rows, 1)
    for code in sorted({c for _, _, c in gold}):
        p, r, f = score({g for g in gold if g[2] == code}, {x for x in found if x[2] == code})
        print(f"  {code:12}  P {p:.2f}  R {r:.2f}  F1 {f:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--into",
        metavar="PROJECT",
        help="store the gold set in PROJECT (made from corpora/county-a) as a coder, then stop",
    )
    parser.add_argument("--coder", default="gold", help="the coder's name with --into (gold)")
    args = parser.parse_args(argv)
    if args.into is None:
        table()
        return 0
    casecode = load_casecode()
    try:
        report = load_gold(args.into, args.coder)
    except casecode.CasecodeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if report.errors:
        for row, message in report.errors[:10]:
            print(f"error: gold sheet row {row}: {message}", file=sys.stderr)
        print("nothing stored: is PROJECT made from corpora/county-a?", file=sys.stderr)
        return 1
    print(
        f"{args.coder}: {report.added} coding(s) added, {report.removed} removed, from "
        f"{report.rows} turns of {GOLD.relative_to(ROOT)}. Now: casecode evaluate --gold "
        f"{args.coder} --test auto -p {args.into}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
