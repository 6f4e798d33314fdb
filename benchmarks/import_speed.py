"""Import throughput: generate N transcripts of about 5,000 characters and import them.

    python benchmarks/import_speed.py [N]

Prints documents per second, characters per second and the peak memory of this process.
Target (on a 2-core machine): 200 interviews of 5,000 characters in under 10 seconds.
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import casecode

SENTENCES = [
    "我们村六十岁以上的老人有两百多个，子女大多外出打工了。",
    "互助幸福院是村民代表大会商量以后建的，老人每天在这里集中用餐。",
    "志愿者轮流值班，低龄老人帮扶高龄老人，每个月记一次积分。",
    "县里给了建设补贴，但是运营经费还是紧张，补贴不到位。",
    "出了事谁负责，这个权责不清楚，乡里和村里互相推诿。",
    "老年协会每个月把账目公开，大家一起监督。",
]


def make_corpus(folder: Path, n: int) -> int:
    rng = random.Random(42)
    total = 0
    for i in range(n):
        lines = []
        while sum(map(len, lines)) < 5000:
            lines.append("访谈者：" + rng.choice(SENTENCES))
            lines.append("受访者：" + "".join(rng.choices(SENTENCES, k=4)))
        text = f"第{i}号访谈\n" + "\n".join(lines) + "\n"
        (folder / f"interview_{i:04d}.txt").write_text(text, encoding="utf-8")
        total += len(text)
    return total


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "corpus").mkdir()
        chars = make_corpus(root / "corpus", n)
        casecode.init_project(root / "proj")
        start = time.perf_counter()
        report = casecode.import_documents(root / "proj", [root / "corpus"])
        elapsed = time.perf_counter() - start
        assert report.count("imported") == n, report.failed[:3]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"documents:     {n}")
    print(f"characters:    {chars:,}")
    print(f"seconds:       {elapsed:.2f}")
    print(f"docs/second:   {n / elapsed:.1f}")
    print(f"chars/second:  {chars / elapsed:,.0f}")
    print(f"peak memory:   {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
