"""How fast casecode codes: characters per second against raw jieba and spaCy tokenisation.

Builds a synthetic corpus from the sample corpus's sentences (fixed seed), imports it into a
fresh project and prints, in one run:

* raw ``jieba.lcut`` over the same text, and casecode's tokenisation;
* end-to-end coding with the built-in codebook, including store writes (target: at least 0.7×
  raw jieba);
* re-coding after a codebook edit, with token streams from the store's cache (target: at least
  5× faster than the first run);
* the same corpus coded with ``--jobs 2`` from a cold cache: time and peak memory (target for
  10 million characters: under 60 s and 1.5 GB);
* English likewise, against what a user would otherwise write for the same job: spaCy's blank
  English pipeline with the lookup lemmatizer and a PhraseMatcher over ``nlp.pipe`` (target: at
  least 0.7× of that, in the same run); raw spaCy tokenisation is printed for reference.

    python benchmarks/coding_speed.py                 # 10 million Chinese characters
    python benchmarks/coding_speed.py --chars 1000000 --english-chars 300000
    python benchmarks/coding_speed.py --runs 3        # each step's best of three (less noise)
    python benchmarks/coding_speed.py --real 2000000  # also real text, 2 million chars a language

The synthetic corpus is dense: built from the sample corpus's interviews, written to exercise
every code, it gets a coding every 40 characters or so, and judging grows with the codings. Real
text is sparser. ``--real N`` runs the same comparisons on the real public text of
../shared/dev-corpus (Chinese regulations and a Legislative Council record; English podcasts and
hearings), repeated to about N characters a language; it skips, with a reason, when that folder
is absent.

It uses the installed casecode (``pip install .`` or ``pip install -e .``) and falls back to
this checkout's ``src/`` only when casecode is not installed.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import shutil
import tempfile
import time
from pathlib import Path

from gold_agreement import (
    DEV_CORPUS,
    ROOT,
    dev_documents,
    load_casecode,
)  # (this folder is on the path of a script)

load_casecode()  # the installed casecode, else this checkout's, with its built-in codebooks

from casecode import autocode, import_documents, init_project, use_codebook  # noqa: E402
from casecode.codebook import load_codebook  # noqa: E402
from casecode.corpus.readers import read_document  # noqa: E402

CORPUS = ROOT / "corpora" / "county-a"


def sentences(language: str) -> list[str]:
    """Sentences of the sample corpus's interviewee turns, in one language."""
    found = []
    for path in sorted(CORPUS.glob(f"{language}*")):
        doc = read_document(path)
        for line in doc.text.splitlines():
            body = re.sub(r"^[^：:]{1,12}[：:]\s*", "", line.strip())
            pattern = r"[^。！？]+[。！？]" if language == "zh" else r"[^.!?]+[.!?]"
            found += [s.strip() for s in re.findall(pattern, body) if len(s.strip()) > 4]
    return found


def synthesize(folder: Path, language: str, chars: int, seed: int = 20261125) -> str:
    """Interviews of about 5,000 characters each, built from shuffled sample sentences."""
    rng = random.Random(seed)
    pool = sentences(language)
    folder.mkdir(parents=True)
    asker, answerer = (
        ("访谈者：", "受访者：") if language == "zh" else ("Interviewer: ", "Resident: ")
    )
    joiner = "" if language == "zh" else " "
    total, n, texts = 0, 0, []
    while total < chars:
        lines = []
        size = 0
        while size < 5000:
            turn = joiner.join(rng.choice(pool) for _ in range(rng.randint(2, 6)))
            question = rng.choice(pool)
            lines += [asker + question, answerer + turn]
            size += len(question) + len(turn)
        text = "\n".join(lines) + "\n"
        n += 1
        (folder / f"{language}{n:05d}.txt").write_text(text, encoding="utf-8")
        texts.append(text)
        total += len(text)
    return "".join(texts)


DEV_KINDS = {"zh": ("zh_policy", "zh_legco_traditional"), "en": ("en_iriss", "en_inquiry")}


def gather(folder: Path, language: str, chars: int) -> str:
    """The dev corpus's documents in ``language``, copied (again and again, each copy marked
    with its number at the end) into ``folder`` until they hold about ``chars`` characters;
    hearing transcripts (.rst) as plain text."""
    sources = dev_documents(DEV_KINDS[language])
    folder.mkdir(parents=True)
    total, n, texts = 0, 0, []
    while total < chars:
        n += 1
        for source, name in sources:
            # import skips a document it already holds: each copy ends differently
            text = source.read_text("utf-8").rstrip("\n") + f"\n\n({n})\n"
            (folder / f"r{n:03d}-{name}").write_text(text, encoding="utf-8")
            texts.append(text)
            total += len(text)
    return "".join(texts)


def rate(chars: int, seconds: float) -> str:
    return f"{chars / seconds / 1000:8.0f} k chars/s  ({seconds:6.1f} s)"


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def best(runs: int, work) -> float:
    """The shortest of ``runs`` timings of ``work(run)`` (the least disturbed by other load)."""
    times = []
    for run in range(runs):
        t = time.perf_counter()
        work(run)
        times.append(time.perf_counter() - t)
    return min(times)


def spacy_script(documents: list[str]) -> int:
    """What a user would otherwise write for lemma-aware keyword coding in English: spaCy's
    blank English pipeline with the lookup lemmatizer, the built-in codebook's English keywords
    (and near words) in a PhraseMatcher on LEMMA, run over ``nlp.pipe``; the number of matches.
    Built inside the clock, as casecode builds its engine inside its run."""
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
    book = load_codebook("coproduction")
    for rule in book.rules():
        words = [*rule.match.keywords.en, *rule.match.keywords.both]
        for near in rule.match.near:
            for group in near.groups:
                words += [*group.en, *group.both]
        words = [w for w in words if not re.search(r"[\u3400-\u9fff]", w)]
        if words:
            matcher.add(rule.id, list(nlp.pipe(words)))
    found = 0
    for doc in nlp.pipe(documents):
        found += len(matcher(doc))
    return found


def bench(language: str, chars: int, work: Path, jobs: int, runs: int, real: bool = False) -> None:
    if real:
        print(f"\n== {language}: real text, ../shared/dev-corpus repeated to {chars:,} characters")
        language_dir = f"real-{language}"
        text = gather(work / f"corpus-{language_dir}", language, chars)
    else:
        print(f"\n== {language}: building {chars:,} characters from the sample corpus")
        language_dir = language
        text = synthesize(work / f"corpus-{language}", language, chars)
    n = len(text)
    corpus = work / f"corpus-{language_dir}"
    documents = [p.read_text("utf-8") for p in sorted(corpus.iterdir())]
    if language == "zh":  # raw tokenisers get the same documents, one call each
        import jieba

        jieba.initialize()

        def raw_run(_: int) -> None:
            for doc_text in documents:
                jieba.lcut(doc_text)

        raw = best(runs, raw_run)
        print(f"raw jieba.lcut                 {rate(n, raw)}")
    else:
        import spacy

        def raw_run(_: int) -> None:
            tokenizer = spacy.blank("en").tokenizer  # a cold cache, as casecode's run has
            for doc_text in documents:
                tokenizer(doc_text)

        raw = best(runs, raw_run)
        print(f"raw spaCy tokenizer            {rate(n, raw)}")
        script = best(runs, lambda _: spacy_script(documents))
        print(f"plain spaCy script             {rate(n, script)}   (blank en + lookup lemmatizer")
        print("                               + PhraseMatcher on LEMMA over nlp.pipe)")

    from casecode.coding.engine import zh_words
    from casecode.coding.tokenize import Tokenizer

    tokenizers = []
    for _ in range(runs):  # each run a fresh tokeniser, its libraries loaded before the clock
        tokenizers.append(Tokenizer(zh_words(load_codebook("coproduction"))))
        tokenizers[-1].tokenize("预热 warm up", language)

    def tokenize_run(run: int) -> None:
        for doc_text in documents:
            tokenizers[run].tokenize(doc_text, language)

    tok = best(runs, tokenize_run)
    print(f"casecode tokenisation          {rate(n, tok)}")

    project = init_project(work / f"project-{language_dir}")
    use_codebook(project, "coproduction")
    t = time.perf_counter()
    import_documents(project, corpus)
    print(f"import (not part of coding)    {rate(n, time.perf_counter() - t)}")
    copies = [project.parent / f"run{r}-{language_dir}" for r in range(runs)]
    for copy in copies:
        shutil.copytree(project, copy)

    reports = []
    first = best(runs, lambda r: reports.append(autocode(copies[r])))
    if language == "zh":
        versus = f"{raw / first:.2f}× raw jieba (target ≥ 0.7×)"
    else:
        versus = f"{script / first:.2f}× the plain spaCy script (target ≥ 0.7×)"
    print(
        f"coding, end to end             {rate(n, first)}   "
        f"{reports[0].codings:,} codings; {versus}"
    )

    edited = work / f"edited-{language_dir}.yaml"
    source = (ROOT / "codebooks" / "coproduction.yaml").read_text("utf-8")
    edited.write_text(source.replace("weight: 0.8", "weight: 0.7", 1) + "\n", "utf-8")
    for copy in copies:
        use_codebook(copy, edited)
    again = best(runs, lambda r: autocode(copies[r]))
    print(
        f"re-coding after a rule edit    {rate(n, again)}   "
        f"{first / again:.1f}× faster (target ≥ 5×)"
    )

    if jobs > 1:
        t = time.perf_counter()
        autocode(project, jobs=jobs)
        parallel = time.perf_counter() - t
        print(
            f"coding with --jobs {jobs}          {rate(n, parallel)}   peak memory "
            f"{peak_mb():,.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chars", type=int, default=10_000_000, help="Chinese characters")
    parser.add_argument("--english-chars", type=int, default=10_000_000, help="English characters")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--runs", type=int, default=1, help="time each step this many times; print the best"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    parser.add_argument(
        "--real",
        type=int,
        default=0,
        metavar="N",
        help="also time real text (../shared/dev-corpus), about N characters a language",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="casecode-bench-"))
    try:
        if args.chars:
            bench("zh", args.chars, work, args.jobs, args.runs)
        if args.english_chars:
            bench("en", args.english_chars, work, args.jobs, args.runs)
        if args.real and not DEV_CORPUS.is_dir():
            print(f"\n== real text skipped: {DEV_CORPUS} is absent")
        elif args.real:
            for language in ("zh", "en"):
                bench(language, args.real, work, args.jobs, args.runs, real=True)
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
