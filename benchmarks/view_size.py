"""``casecode view`` on a large project: generation time, page size and the time a browser takes
to open the page; and the README's screenshot of the page on the sample corpus.

    python benchmarks/view_size.py [--mb 10] [--browser] [--screenshot docs/img/view.png]

Runs the whole flow on the sample corpus (corpora/county-a) once, then repeats its documents
and their codings until the transcripts hold ``--mb`` megabytes of UTF-8 text, and builds the
page from them with the engine (``casecode.report.html.view_page``), at 1/4, 1/2 and all of that
size, to show the generator is linear. ``--browser`` opens the full page in headless Chromium
and times it until the page's script is done and the first document is drawn.
``--screenshot FILE`` writes a 1280×900 screenshot of ``casecode view`` on the sample corpus.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import casecode
from casecode.codebook.use import project_codebook
from casecode.project import Project
from casecode.report.html import ViewCoding, ViewDoc, view_page
from casecode.report.view import view_codings, view_documents

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def sample(folder: Path):
    """The sample corpus, imported and coded: its documents, codings and codebook."""
    casecode.run(ROOT / "corpora" / "county-a", folder)
    with Project(folder) as proj:
        store = proj.store
        book = project_codebook(proj)
        docs = view_documents(store, store.all_documents())
        codings = view_codings(store)
    return docs, codings, book


def repeated(docs, codings, megabytes: float):
    """Copies of the documents (with their codings) until their text holds ``megabytes``."""
    by_doc: dict[int, list[ViewCoding]] = {}
    for c in codings:
        by_doc.setdefault(c.doc, []).append(c)
    out_docs, out_codings, size, copy = [], [], 0, 0
    while size < megabytes * 1e6:
        for d in docs:
            new_id = copy * 1000 + d.id
            out_docs.append(
                ViewDoc(
                    new_id, f"{copy}-{d.name}", d.case, d.language, d.text, d.turns, d.attributes
                )
            )
            for c in by_doc.get(d.id, []):
                out_codings.append(
                    ViewCoding(
                        copy * 10_000_000 + c.id,
                        new_id,
                        c.code,
                        c.start,
                        c.end,
                        c.coder,
                        c.status,
                        c.origin,
                        c.confidence,
                        c.memo,
                        c.evidence,
                    )  # fmt: skip
                )
            size += len(d.text.encode("utf-8"))
        copy += 1
    return out_docs, out_codings, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=10.0)
    parser.add_argument("--browser", action="store_true")
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        docs, codings, book = sample(tmp / "sample")
        if args.screenshot:
            screenshot(tmp, args.screenshot)
        for share in (0.25, 0.5, 1.0):
            big_docs, big_codings, size = repeated(docs, codings, args.mb * share)
            start = time.perf_counter()
            page = view_page(big_docs, big_codings, book, lang="zh")
            data = page.encode("utf-8")
            elapsed = time.perf_counter() - start
            print(
                f"transcripts {size / 1e6:5.1f} MB ({len(big_docs):,} documents, "
                f"{len(big_codings):,} codings): page {len(data) / 1e6:5.1f} MB "
                f"in {elapsed:5.2f} s"
            )
        path = tmp / "big.html"
        path.write_bytes(data)
        if args.browser:
            from browser import Browser, find_chromium

            binary = find_chromium()
            if binary is None:
                sys.exit("no Chromium found")
            browser = Browser(binary, tmp / "profile")
            try:
                until = (
                    "document.body.classList.contains('ready') && "
                    "document.querySelector('main .turn') !== null"
                )
                seconds = browser.open(path, until=until)
                print(f"Chromium: page ready, first document drawn, in {seconds:.1f} s")
                k = "document.querySelector('input.fk').click()"
                start = time.perf_counter()
                browser.evaluate(f"{k}; document.body.offsetHeight")
                print(f"Chromium: a code toggled off in {time.perf_counter() - start:.2f} s")
            finally:
                browser.close()


def screenshot(tmp: Path, target: Path) -> None:
    """``casecode view`` of one sample interview, as the README shows it."""
    from browser import Browser, find_chromium

    page = tmp / "view.html"
    casecode.view(tmp / "sample", ["zh03_village_secretary"], out=page)
    browser = Browser(find_chromium() or sys.exit("no Chromium found"), tmp / "shot")
    try:
        browser.open(page)
        browser.evaluate(
            "(() => { const e = document.querySelectorAll('main .c[tabindex]')[6];"
            " e.scrollIntoView({block: 'center'}); e.focus(); })()"
        )
        time.sleep(0.3)
        target.parent.mkdir(parents=True, exist_ok=True)
        browser.screenshot(target)
        print(f"Wrote {target}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
