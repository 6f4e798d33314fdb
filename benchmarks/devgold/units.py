"""The units of the real-text gold set: sentences of the body text of ../shared/dev-corpus.

A unit is a sentence (or a short turn) of the body of a raw dev-corpus file, as decoded UTF-8
text, offsets in code points, end exclusive. Front matter, headings, speaker keys, speaker
labels, stage notes and page headers are not units. ``draw`` makes the fixed-seed sample stored
in units.csv; it is run once, before anything is coded, and its output is frozen:

    python benchmarks/devgold/units.py --draw     # writes benchmarks/devgold/units.csv
    python benchmarks/devgold/units.py --show 0:40   # the text of units 0-39, to code them

A second, larger sample (``--sample 2``: units2.csv, seed 15, 100 per kind) was drawn the same
way from the sentences the first sample does not touch, after the first sample's report half had
been looked at, to be a fresh report half (EVALUATION.md, point 6) and more tuning material.

A third sample (``--sample 3``: units3.csv, seed 16, 75 per kind) was drawn only from the
report-half documents (``side()``), none overlapping the first two samples, after sample 2's
report half had been looked at: a larger fresh report half for version 2.3. Sample 4 (seed 17,
100 per kind) comes from the tuning half's documents only, more material to tune on; sample 5
(seed 18, 75 per kind) from the report half's again, a fresh report half for the release after
sample 3's has been looked at.

The texts stay in ../shared; the repository keeps offsets only.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEV = ROOT.parent / "shared" / "dev-corpus"
UNITS = HERE / "units.csv"
KINDS = ("zh_policy", "zh_legco_traditional", "en_iriss", "en_inquiry")
SEED = 14
PER_KIND = 80
# sample number -> (file, seed, units per kind); a later sample leaves out the earlier ones' units
SAMPLES = {
    1: (UNITS, SEED, PER_KIND),
    2: (HERE / "units2.csv", 15, 100),
    3: (HERE / "units3.csv", 16, 75),
    4: (HERE / "units4.csv", 17, 100),
    5: (HERE / "units5.csv", 18, 75),
}
# samples drawn from one half's documents only
HALF = {3: "held-out", 4: "tune", 5: "held-out"}

_ZH_END = re.compile(r"[。！？!?]+[”」』\"]?")
_EN_END = re.compile(r"[.?!]+[\"'”’)]?(?=\s+[\"'“‘(]?[A-Z0-9])")
_IRISS_TURN = re.compile(r"^[A-Z]{1,3}\s+(?=\S)")
_RST_TURN = re.compile(r"^\*\*[^*]{1,60}\*\*:\s*")
_LEGCO_TURN = re.compile(r"^\s*[^\s：:，。]{1,16}[：:]")
_LEGCO_HEADER = re.compile(r"立法會\s*─\s*\d{4}年")


def files(kind: str) -> list[Path]:
    folder = DEV / kind
    suffix = {"zh_legco_traditional": ".txt", "en_inquiry": ".rst"}.get(kind, ".md")
    return sorted(p for p in folder.iterdir() if p.suffix == suffix)


def raw_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def _lines(text: str):
    start = 0
    for line in text.splitlines(keepends=True):
        yield start, line
        start += len(line)


def body_blocks(kind: str, text: str) -> list[tuple[int, int]]:
    """Stretches of body text (a paragraph or a turn), without labels, as (start, end)."""
    lines = list(_lines(text))
    blocks: list[tuple[int, int]] = []
    skip = set()
    if kind == "zh_policy":
        marker = text.find("<!-- INFO END -->")
        body_from = marker + len("<!-- INFO END -->") if marker >= 0 else 0
    elif kind == "en_iriss":
        # front matter, then the speaker key (lines "XX - Name")
        ends = [m.end() for m in re.finditer(r"^---\s*$", text, re.M)][:2]
        body_from = ends[1] if len(ends) == 2 else 0
    elif kind == "zh_legco_traditional":
        first = re.search(r"^主席：", text, re.M)
        body_from = first.start() if first else 0
    else:
        body_from = 0
        for i in range(len(lines) - 1):
            under = lines[i + 1][1].strip()
            if under and len(set(under)) == 1 and under[0] in "=-^~*#" and len(under) >= 3:
                skip.update({i, i + 1})
    for i, (start, line) in enumerate(lines):
        if start < body_from or i in skip:
            continue
        stripped = line.strip()
        if not stripped:
            continue
        lead = len(line) - len(line.lstrip())
        begin = start + lead
        if kind == "zh_policy" and stripped.startswith("#"):
            continue
        if kind == "en_iriss":
            if re.match(r"^[A-Z]{1,3}\s+-\s+\S", stripped):
                continue
            m = _IRISS_TURN.match(stripped)
            if m:
                begin += m.end()
        if kind == "en_inquiry":
            if stripped.startswith("*") and not stripped.startswith("**"):
                continue  # stage notes and oath lines
            if stripped.startswith(".."):
                continue
            m = _RST_TURN.match(stripped)
            if m:
                begin += m.end()
        if kind == "zh_legco_traditional":
            if _LEGCO_HEADER.search(stripped) or re.fullmatch(r"\d+", stripped):
                continue
            m = _LEGCO_TURN.match(line)
            if m and ("議員" in m.group() or "局長" in m.group() or "主席" in m.group()):
                begin = start + m.end()
        end = start + len(line.rstrip())
        if begin < end:
            blocks.append((begin, end))
    return blocks


def sentences(kind: str, text: str) -> list[tuple[int, int]]:
    """The sentences of the body text. Legco's hard-wrapped lines are joined into one stretch
    per turn first (a sentence runs over line breaks, not over a page header)."""
    blocks = body_blocks(kind, text)
    if kind == "zh_legco_traditional":
        merged: list[tuple[int, int]] = []
        for b in blocks:
            gap = text[merged[-1][1] : b[0]] if merged else ""
            label = _LEGCO_TURN.match(text[b[0] - 1 :] or "")
            joinable = merged and "\n\n\n" not in gap and not label
            ends_label = merged and re.search(r"[：:]\s*$", text[merged[-1][0] : merged[-1][1]])
            if joinable and not ends_label:
                merged[-1] = (merged[-1][0], b[1])
            else:
                merged.append(b)
        blocks = merged
    ends = _ZH_END if kind.startswith("zh") else _EN_END
    out: list[tuple[int, int]] = []
    for start, end in blocks:
        chunk = text[start:end]
        pos = 0
        for m in ends.finditer(chunk):
            out.append((start + pos, start + m.end()))
            pos = m.end()
        if pos < len(chunk):
            out.append((start + pos, end))
    trimmed = []
    for s, e in out:
        piece = text[s:e]
        s += len(piece) - len(piece.lstrip())
        e -= len(piece) - len(piece.rstrip())
        if s < e:
            trimmed.append((s, e))
    return trimmed


def _usable(kind: str, text: str) -> bool:
    if _LEGCO_HEADER.search(text) or "\f" in text:
        return False
    if kind.startswith("zh"):
        cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
        return cjk >= 10 and len(text) <= 300
    return len(text.split()) >= 6 and len(text) <= 600


def candidates(kind: str) -> list[tuple[str, int, int]]:
    rows = []
    for path in files(kind):
        text = raw_text(path)
        name = f"{kind}/{path.name}"
        for s, e in sentences(kind, text):
            if _usable(kind, text[s:e]):
                rows.append((name, s, e))
    return rows


def side(name: str, start: int) -> str:
    """``tune`` or ``held-out``: the half of the dev corpus a sentence at ``start`` of document
    ``name`` ("kind/file") lies in. The halves are split by document: alternate documents of
    each kind in name order; the single Legislative Council record by its first and second half."""
    kind, _, _ = name.partition("/")
    if kind == "zh_legco_traditional":
        return "tune" if start < len(raw_text(DEV / name)) // 2 else "held-out"
    names = [f"{kind}/{p.name}" for p in files(kind)]
    return "tune" if names.index(name) % 2 == 0 else "held-out"


def draw(
    seed: int = SEED,
    per_kind: int = PER_KIND,
    taken: list[tuple[str, int, int]] = (),
    half: str | None = None,
) -> list[tuple[str, int, int]]:
    """``per_kind`` sentences of each kind, none overlapping a unit of ``taken``, from one
    ``half`` of the documents when given."""
    rng = random.Random(seed)
    chosen = []
    for kind in KINDS:
        pool = [
            (n, s, e)
            for n, s, e in candidates(kind)
            if not any(n == tn and s < te and ts < e for tn, ts, te in taken)
            and (half is None or side(n, s) == half)
        ]
        chosen.extend(sorted(rng.sample(pool, per_kind)))
    return chosen


def read_units(path: Path = UNITS) -> list[tuple[str, int, int]]:
    with open(path, encoding="utf-8") as f:
        rows = [line for line in f if not line.startswith("#")]
    return [(r["file"], int(r["start"]), int(r["end"])) for r in csv.DictReader(rows)]


def unit_text(file: str, start: int, end: int) -> str:
    return raw_text(DEV / file)[start:end]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draw", action="store_true", help="draw the sample into units.csv")
    parser.add_argument("--show", metavar="FROM:TO", help="print the text of these units")
    parser.add_argument("--sample", type=int, choices=sorted(SAMPLES), default=1)
    args = parser.parse_args(argv)
    if not DEV.is_dir():
        print(f"skipped: {DEV} is absent", file=sys.stderr)
        return 0
    path, seed, per_kind = SAMPLES[args.sample]
    if args.draw:
        if path.exists():
            print(f"{path} exists: the sample is frozen", file=sys.stderr)
            return 1
        taken = [u for k in SAMPLES if k < args.sample for u in read_units(SAMPLES[k][0])]
        half = HALF.get(args.sample)
        rows = draw(seed, per_kind, taken, half)
        with open(path, "w", encoding="utf-8", newline="") as f:
            earlier = [SAMPLES[k][0].name for k in SAMPLES if k < args.sample]
            besides = f", none overlapping the units of {', '.join(earlier)}" if earlier else ""
            if half:
                which = "report" if half == "held-out" else "tuning"
                besides += f",\n# from the {which} half's documents only (units.side())"
            f.write(
                f"# Units of the real-text gold set: {per_kind} sentences from each of "
                f"{', '.join(KINDS)} in ../shared/dev-corpus,\n# drawn by "
                f"benchmarks/devgold/units.py with random.Random({seed}){besides}.\n"
                "# Offsets are code points into the raw file decoded as UTF-8, end exclusive.\n"
            )
            writer = csv.writer(f)
            writer.writerow(["unit", "file", "start", "end"])
            for i, (name, s, e) in enumerate(rows):
                writer.writerow([i, name, s, e])
        print(f"wrote {len(rows)} units to {path}")
    if args.show:
        a, b = (int(x) for x in args.show.split(":"))
        for i, (name, s, e) in enumerate(read_units(path)[a:b], start=a):
            text = " ".join(unit_text(name, s, e).split())
            print(f"[{i}] {name.split('/')[0]}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
