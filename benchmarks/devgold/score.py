"""How well the built-in codebooks' rules agree with the real-text gold set.

Imports the dev-corpus documents that hold the units of units.csv into a temporary project, codes
them with each built-in codebook (``coproduction``, ``welfare_production``) and prints, per
language and overall, precision, recall and F1 of the rules against gold.csv (or the
consensus.csv of all units, ``--gold consensus``), with 95 % Wilson intervals and the
number of units and judgements — at the codebook's second level (pooled) and per top-level
category — the self-agreement of the two hand-coding passes, and the inter-coder
agreement of gold.csv with an independent second coder (second_coder.csv, per codebook, over the
units that coder coded). A rule's
suggestion counts on a unit when one of its evidence words lies in the unit (a turn-scope
suggestion marks the sentences that hold its evidence, not every sentence of the turn).

    python benchmarks/devgold/score.py                 # every unit
    python benchmarks/devgold/score.py --half tune     # the half the rules were tuned on
    python benchmarks/devgold/score.py --half held-out # the other half
    python benchmarks/devgold/score.py --markdown      # tables as Markdown, for the README
    python benchmarks/devgold/score.py --gold consensus  # against consensus.csv instead
    python benchmarks/devgold/score.py --sample 2 --half held-out  # sample 2's report half
    python benchmarks/devgold/score.py --sample 3  # the report half of version 2.3 on
    python benchmarks/devgold/score.py --sample 4 --parity odd  # check tuning done on the even
    python benchmarks/devgold/score.py --sample 3+5  # samples pooled: the report set from 2.4 on

``--sample 2`` scores the second sample (units2.csv, 400 sentences drawn after the first
sample's report half had been looked at): its reference is the adjudicated consensus of two
blind coders (consensus2.csv; ``--gold first`` is its coder A, gold2_a.csv), and its held-out
half is the fresh report half.

``--sample 3`` scores the third sample (units3.csv, 300 sentences drawn from the report half's
documents only, after sample 2's report half had been looked at): coded and adjudicated as
sample 2 (gold3_a.csv, gold3_b.csv, consensus3.csv), it is all report half, so ``--half tune``
holds none of it. ``--sample 4`` (units4.csv: 400 sentences of the tuning half's documents, coded
the same way) is more to tune on, all tuning half; ``--sample 5`` (units5.csv: 300 more of the
report half's) is the fresh report half for the release after sample 3's has been looked at.

``--gold`` picks the reference the rules are scored against: ``first`` (gold.csv, the first
coder's coding of every unit; the default) or ``consensus`` (consensus.csv, the adjudicated
consensus of gold.csv and second_coder.csv, scoring only the units its ``# units:`` line lists).

The halves are split by document (alternate documents of each kind, in name order; the single
Legislative Council record by its first and second half), so the held-out half shares no
document with the tuning half. Offsets in units.csv point into the raw files; they are mapped
onto each imported document's stored text by aligning the two on non-whitespace characters, so
the scores survive changes in how import stores a text. It skips, with a reason, when
../shared/dev-corpus is absent. It uses this checkout's src/ when casecode is not installed.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import math
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from units import DEV, KINDS, SAMPLES, raw_text, read_units, side  # noqa: E402

GOLD = HERE / "gold.csv"
CONSENSUS = HERE / "consensus.csv"
# the references the rules can be scored against (--gold)
REFERENCES = {"first": GOLD, "consensus": CONSENSUS}
SECOND = HERE / "second_pass.csv"
SECOND_CODER = HERE / "second_coder.csv"
# per sample: its references (--gold), its second coder and the default reference
SAMPLE_FILES = {
    1: {"references": REFERENCES, "second": SECOND_CODER, "default": "first"},
    2: {
        "references": {"first": HERE / "gold2_a.csv", "consensus": HERE / "consensus2.csv"},
        "second": HERE / "gold2_b.csv",
        "default": "consensus",
    },
    **{
        n: {
            "references": {
                "first": HERE / f"gold{n}_a.csv",
                "consensus": HERE / f"consensus{n}.csv",
            },
            "second": HERE / f"gold{n}_b.csv",
            "default": "consensus",
        }
        for n in (3, 4, 5)
    },
}
BOOKS = {
    "coproduction": ("actors", "motivation", "process", "results", "problems", "suggestions"),
    "welfare_production": ("input", "production", "output", "effect"),
}
LANGS = {"zh": ("zh_policy", "zh_legco_traditional"), "en": ("en_iriss", "en_inquiry")}


def read_codes(path: Path) -> dict[int, set[str]]:
    with open(path, encoding="utf-8") as f:
        rows = [line for line in f if not line.startswith("#")]
    out: dict[int, set[str]] = defaultdict(set)
    for r in csv.DictReader(rows):
        out[int(r["unit"])].add(r["code"])
    return out


def read_coded_units(path: Path) -> list[int]:
    """The units a coding file says it coded: its ``# units: 0,2,4,...`` line (a listed unit
    without a row has no code; an unlisted one was not coded)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# units:"):
                return sorted(int(u) for u in line.split(":", 1)[1].split(",") if u.strip())
    raise ValueError(f"{path.name} has no '# units:' line")


def at_level(codes: set[str], level: int) -> set[str]:
    """Codes rolled up to ``level``; a code coarser than ``level`` has no code at it."""
    return {".".join(c.split(".")[:level]) for c in codes if c.count(".") + 1 >= level}


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def halves(units: list[tuple[str, int, int]] | None = None) -> dict[int, str]:
    """``tune`` or ``held-out`` for each unit (of ``units``, else units.csv), split by
    document (``units.side``)."""
    return {
        i: side(name, start)
        for i, (name, start, _) in enumerate(read_units() if units is None else units)
    }


def _load_casecode():
    """casecode (installed, or this checkout's src/), with this checkout's built-in codebooks —
    the ones being scored — whichever checkout an installed casecode maps them to."""
    import importlib.util

    try:
        import casecode
    except ModuleNotFoundError as exc:
        if exc.name != "casecode":
            raise
        from gold_agreement import load_casecode

        casecode = load_casecode()
    folder = HERE.parents[1] / "codebooks"
    found = importlib.util.find_spec("casecode.codebooks")
    if found is None or Path(found.origin or "").resolve().parent != folder.resolve():
        spec = importlib.util.spec_from_file_location(
            "casecode.codebooks", folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules["casecode.codebooks"] = module
        spec.loader.exec_module(module)
    return casecode


def _nonspace(text: str) -> tuple[str, list[int]]:
    positions = [i for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(text[i] for i in positions), positions


def map_span(raw: str, stored: str, start: int, end: int, cache: dict) -> tuple[int, int] | None:
    """``raw[start:end]`` as a span of ``stored``: found on non-whitespace characters, nearest
    its expected place when it occurs more than once, else by difflib around that place."""
    key = (hash(raw), hash(stored))
    if key not in cache:
        cache[key] = (_nonspace(raw), _nonspace(stored))
    (raw_ns, raw_pos), (st_ns, st_pos) = cache[key]
    a = sum(1 for p in raw_pos if p < start)  # index of the unit's first non-space char
    b = sum(1 for p in raw_pos if p < end)
    needle = raw_ns[a:b]
    if not needle:
        return None
    expect = int(a * len(st_ns) / max(1, len(raw_ns)))
    best, at = None, st_ns.find(needle)
    while at >= 0:
        if best is None or abs(at - expect) < abs(best - expect):
            best = at
        at = st_ns.find(needle, at + 1)
    if best is not None:
        return st_pos[best], st_pos[best + len(needle) - 1] + 1
    lo = max(0, expect - 4 * len(needle) - 2000)
    window = st_ns[lo : expect + 4 * len(needle) + 2000]
    blocks = difflib.SequenceMatcher(None, needle, window, autojunk=False).get_matching_blocks()
    blocks = [m for m in blocks if m.size >= 2]
    if sum(m.size for m in blocks) < 0.6 * len(needle):
        return None
    first, last = blocks[0], blocks[-1]
    return st_pos[lo + first.b], st_pos[lo + last.b + last.size - 1] + 1


# units said by the questioning side (an interviewer, a host, counsel), as import found it; the
# codebooks leave that side out (``speakers: exclude @interviewer``), the gold coder did not
ASKED: set[int] = set()


def suggested(
    book: str, names: list[str], tmp: Path, units: list[tuple[str, int, int]] | None = None
) -> dict[int, set[str]]:
    """The codes ``book``'s rules put on each unit of ``units`` (else units.csv), by the
    evidence inside it."""
    casecode = _load_casecode()
    units = read_units() if units is None else units
    folder = tmp / "docs"
    folder.mkdir(exist_ok=True)
    copies = {}
    for name in names:
        source = DEV / name
        # import reads .rst as no transcript type; its text is read as plain text
        target = folder / (source.stem + ".txt" if source.suffix == ".rst" else source.name)
        shutil.copyfile(source, target)
        copies[name] = target.name
    project = tmp / f"project-{book}"
    casecode.init_project(project)
    casecode.import_documents(project, sorted(folder.iterdir()))
    casecode.use_codebook(project, book)
    casecode.autocode(project)
    found: dict[int, set[str]] = defaultdict(set)
    cache: dict = {}
    for name in names:
        doc = casecode.get_document(project, copies[name])
        raw, stored = raw_text(DEV / name), doc["text"]
        spans = []
        for c in doc["codings"]:
            for e in c["evidence"] or [{"start": c["start"], "end": c["end"]}]:
                spans.append((e["start"], e["end"], c["code"]))
        for i, (uname, start, end) in enumerate(units):
            if uname != name:
                continue
            span = map_span(raw, stored, start, end, cache)
            if span is None:
                print(f"warning: unit {i} not found in the imported {name}", file=sys.stderr)
                continue
            s, e = span
            found[i] |= {code for a, b, code in spans if a < e and b > s}
            if any(
                t["role"] == "interviewer" and t["start"] < e and s < t["end"] for t in doc["turns"]
            ):
                ASKED.add(i)
    return found


def counts(gold, found, units_ids, codes_of_book, level, top=None):
    tp = fp = fn = 0
    for i in units_ids:
        g = {c for c in at_level(gold.get(i, set()), level) if c.split(".")[0] in codes_of_book}
        f = {c for c in at_level(found.get(i, set()), level) if c.split(".")[0] in codes_of_book}
        if top is not None:
            g = {c for c in g if c.split(".")[0] == top}
            f = {c for c in f if c.split(".")[0] == top}
        tp += len(g & f)
        fp += len(f - g)
        fn += len(g - f)
    return tp, fp, fn


def prf_row(label, tp, fp, fn, markdown):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    plo, phi = wilson(tp, tp + fp)
    rlo, rhi = wilson(tp, tp + fn)
    cells = [
        label,
        f"{p:.2f} [{plo:.2f}–{phi:.2f}] n={tp + fp}",
        f"{r:.2f} [{rlo:.2f}–{rhi:.2f}] n={tp + fn}",
        f"{f1:.2f}",
    ]
    if markdown:
        return "| " + " | ".join(cells) + " |"
    return f"  {cells[0]:<34} P {cells[1]:<24} R {cells[2]:<24} F1 {cells[3]}"


def kappa(a: list[bool], b: list[bool]) -> float:
    n = len(a)
    agree = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    chance = pa * pb + (1 - pa) * (1 - pb)
    return (agree - chance) / (1 - chance) if chance < 1 else 1.0


def agreement(
    first: dict[int, set[str]],
    second: dict[int, set[str]],
    ids: list[int],
    tops: tuple[str, ...] | None = None,
    names: tuple[str, str] = ("pass 1", "pass 2"),
) -> list[str]:
    """F1 and Cohen's κ of two codings over the (unit, code) judgements of the codes either
    used on ``ids``, at level 1 and level 2; only codes under ``tops`` when given."""

    def coded(codes: dict[int, set[str]], i: int, level: int) -> set[str]:
        out = at_level(codes.get(i, set()), level)
        return out if tops is None else {c for c in out if c.split(".")[0] in tops}

    lines = []
    for level in (1, 2):
        space = sorted({c for i in ids for c in coded(first, i, level) | coded(second, i, level)})
        a = [c in coded(first, i, level) for i in ids for c in space]
        b = [c in coded(second, i, level) for i in ids for c in space]
        if not a:
            lines.append(f"level {level}: {len(ids)} units, no code used by either")
            continue
        both = sum(x and y for x, y in zip(a, b, strict=True))
        f1 = 2 * both / (sum(a) + sum(b)) if sum(a) + sum(b) else 1.0
        agree = sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
        lines.append(
            f"level {level}: {len(ids)} units, {len(space)} codes used; codings in {names[0]} "
            f"{sum(a)}, {names[1]} {sum(b)}, both {both}; F1 {f1:.2f}, Cohen's κ "
            f"{kappa(a, b):.2f} over the {len(a)} (unit, code) judgements of the codes used "
            f"(agreement {agree:.2f})"
        )
    return lines


def self_agreement(markdown: bool) -> list[str]:
    ids = [i for i in range(len(read_units())) if i % 5 == 0]
    return agreement(read_codes(GOLD), read_codes(SECOND), ids)


def inter_coder(first, second, coded: list[int], names: tuple[str, str]) -> list[str]:
    """Agreement between a sample's first coder and its independent second coder, per codebook,
    over the units the second coder coded."""
    lines = []
    for book, tops in BOOKS.items():
        lines.append(f"{book}:")
        lines += ["  " + line for line in agreement(first, second, coded, tops, names)]
    return lines


def pooled(samples: list[int], gold_kind: str | None):
    """The units of ``samples`` one after the other, and by the pooled index: the reference
    codes, the units the reference covers, each unit's (sample, unit) and the two coders'
    codes with the units the second coded."""
    units, gold, covered, origin = [], {}, [], []
    first, second, second_coded = {}, {}, []
    for n in samples:
        files_, base = SAMPLE_FILES[n], len(units)
        own = read_units(SAMPLES[n][0])
        units += own
        origin += [(n, i) for i in range(len(own))]
        kind = gold_kind or files_["default"]
        reference = files_["references"][kind]
        gold.update({base + i: c for i, c in read_codes(reference).items()})
        listed = range(len(own)) if kind == "first" else read_coded_units(reference)
        covered += [base + i for i in listed]
        if files_["second"].exists():
            first.update(
                {base + i: c for i, c in read_codes(files_["references"]["first"]).items()}
            )
            second.update({base + i: c for i, c in read_codes(files_["second"]).items()})
            second_coded += [base + i for i in read_coded_units(files_["second"])]
    return units, gold, covered, origin, (first, second, second_coded)


def _default(samples: list[int]) -> str:
    """The reference the samples are scored against without --gold: theirs, or each its own."""
    defaults = {SAMPLE_FILES[n]["default"] for n in samples}
    return defaults.pop() if len(defaults) == 1 else "each sample's default"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=("all", "tune", "held-out"), default="all")
    parser.add_argument(
        "--sample",
        default="1",
        help=f"which sample ({', '.join(map(str, SAMPLE_FILES))}), or samples pooled (3+5)",
    )
    parser.add_argument("--books", default=",".join(BOOKS), help="codebooks to score")
    parser.add_argument("--markdown", action="store_true", help="tables as Markdown")
    parser.add_argument(
        "--gold",
        choices=tuple(REFERENCES),
        default=None,
        help="reference: the first coder's (every unit; sample 1's default) or the consensus "
        "(its listed units only; samples 2 and 3's default)",
    )
    parser.add_argument(
        "--errors", action="store_true", help="list each unit's false positives and misses"
    )
    parser.add_argument(
        "--parity",
        choices=("even", "odd"),
        help="only the even- or odd-numbered units (tune on one, check the other)",
    )
    args = parser.parse_args(argv)
    if not DEV.is_dir():
        print(f"skipped: {DEV} is absent (the gold set's texts live there)")
        return 0
    try:
        samples = [int(n) for n in args.sample.split("+")]
        if any(n not in SAMPLE_FILES for n in samples) or len(set(samples)) < len(samples):
            raise ValueError
    except ValueError:
        parser.error(f"--sample: {args.sample!r} is not a sample, or distinct samples joined by +")
    units, gold, covered, origin, (first, second, second_coded) = pooled(samples, args.gold)
    side = halves(units)
    chosen = [i for i in range(len(units)) if args.half == "all" or side[i] == args.half]
    if args.parity:
        chosen = [i for i in chosen if origin[i][1] % 2 == (args.parity == "odd")]
    chosen = sorted(set(chosen) & set(covered))
    names = sorted({units[i][0] for i in chosen})
    references = ", ".join(
        SAMPLE_FILES[n]["references"][args.gold or SAMPLE_FILES[n]["default"]].name for n in samples
    )
    print(
        f"Real-text gold set, sample {args.sample}: {len(chosen)} units ({args.half}) of "
        f"{len(units)}{f' ({args.parity} units only)' if args.parity else ''}; "
        f"reference: {references} (--gold {args.gold or _default(samples)})"
    )
    if samples == [1]:
        print("Hand-coding self-agreement (second pass of every fifth unit against the first):")
        for line in self_agreement(args.markdown):
            print("  " + line)
    if second_coded:
        firsts = ", ".join(
            SAMPLE_FILES[n]["references"]["first"].name
            for n in samples
            if SAMPLE_FILES[n]["second"].exists()
        )
        print(f"Inter-coder agreement ({firsts} against an independent second coder):")
        coders = ("gold", "coder 2") if samples == [1] else ("coder A", "coder B")
        wanted = set(chosen)
        coded = [i for i in second_coded if i in wanted]
        for line in inter_coder(first, second, coded, coders):
            print("  " + line)
    with tempfile.TemporaryDirectory() as tmp:
        for book in args.books.split(","):
            tops = BOOKS[book]
            found = suggested(book, names, Path(tmp), units)
            print(f"\n{book}: precision, recall [95% Wilson] and F1 over (unit, code) judgements")
            if args.markdown:
                print("\n| | precision | recall | F1 |\n|---|---|---|---|")
            for lang, kinds in [("all", KINDS), *LANGS.items()]:
                ids = [i for i in chosen if units[i][0].split("/")[0] in kinds]
                label = f"{lang} ({len(ids)} units)"
                for level in (1, 2):
                    tp, fp, fn = counts(gold, found, ids, tops, level)
                    print(prf_row(f"{label}, level {level}", tp, fp, fn, args.markdown))
            for lang, kinds in LANGS.items():
                ids = [i for i in chosen if units[i][0].split("/")[0] in kinds]
                asked = [i for i in ids if i in ASKED]
                if not asked:
                    continue
                _, _, missed = counts(gold, found, asked, tops, 2)
                tp, fp, fn = counts(gold, found, [i for i in ids if i not in ASKED], tops, 2)
                print(
                    f"  ({lang}: {len(asked)} units are said by the questioning side, which the"
                    f" rules leave out by design; the reference has {missed} level-2 codings there)"
                )
                label = f"{lang} answers ({len(ids) - len(asked)} units), level 2"
                print(prf_row(label, tp, fp, fn, args.markdown))
            if args.errors:
                from units import unit_text

                for i in chosen:
                    g = {c for c in at_level(gold.get(i, set()), 2) if c.split(".")[0] in tops}
                    f = {c for c in at_level(found.get(i, set()), 2) if c.split(".")[0] in tops}
                    if g != f:
                        text = " ".join(unit_text(*units[i]).split())[:110]
                        where = f"{origin[i][0]}:{origin[i][1]}" if len(samples) > 1 else i
                        print(f"  [{where}] +{sorted(f - g)} -{sorted(g - f)} {text}")
            for lang, kinds in [("all", KINDS), *LANGS.items()]:
                ids = [i for i in chosen if units[i][0].split("/")[0] in kinds]
                for top in tops:
                    tp, fp, fn = counts(gold, found, ids, tops, 2, top)
                    if tp + fp + fn:
                        print(prf_row(f"{lang}: {top} (level 2)", tp, fp, fn, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
