"""What each behaviour of the matching engine adds or removes, on real text.

Codes ../shared/dev-corpus (zh_policy, zh_legco_traditional, en_iriss, en_inquiry) with the
built-in co-production codebook, once with the engine as it is and once with each behaviour of
the matching issue turned off, and prints a Markdown table: for each behaviour, how many
suggestions it adds (+) or removes (−) in each source. The dev-corpus text never enters the
project; it is read from ../shared and skipped, with a reason, when that is absent.

    python benchmarks/matching_changes.py

Behaviours (turned off one at a time by patching the engine for the run):

* match form: Traditional → Simplified and NFKC for letters and digits;
* heads: a keyword matching a compound it ends, and institution names kept whole;
* near in a clause: near groups may not reach across a clause end;
* negation after: cues after a hit, denials answering a question, problems said to be over;
* context: the codebook's sense limits (``context: with/without``), all of them.

Confidence from distinct evidence changes no suggestion's existence, only its figure, so it has
no row.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections import Counter
from contextlib import ExitStack, contextmanager
from pathlib import Path
from unittest import mock

from gold_agreement import (
    DEV_CORPUS,
    dev_documents,
    load_casecode,
)  # (this folder is on the path of a script)

load_casecode()

import casecode  # noqa: E402
from casecode.coding import engine, tokenize  # noqa: E402

SOURCES = ["zh_policy", "zh_legco_traditional", "en_iriss", "en_inquiry"]
BEHAVIOURS = ("match form", "heads", "near in a clause", "negation after", "context")


def _identity(text: str) -> str:
    return text


@contextmanager
def without(behaviour: str):
    with ExitStack() as stack:
        if behaviour == "match form":
            stack.enter_context(mock.patch.object(tokenize, "match_form", _identity))
            stack.enter_context(mock.patch.object(engine, "match_form", _identity))
        elif behaviour == "heads":
            stack.enter_context(mock.patch.object(engine.Engine, "_heads", lambda *a: None))
            stack.enter_context(mock.patch.object(tokenize, "_compounds", lambda: ()))
        elif behaviour == "near in a clause":
            stack.enter_context(mock.patch.object(engine, "_crosses", lambda *a: False))
        elif behaviour == "negation after":
            stack.enter_context(mock.patch.object(engine, "_cue_pattern", lambda cues: None))
        elif behaviour == "context":
            stack.enter_context(mock.patch.object(engine.Engine, "_context", lambda *a: None))
        yield


def corpus(folder: Path) -> None:
    """The dev-corpus files as casecode imports them (.rst read as plain text)."""
    for source in SOURCES:
        for path, name in dev_documents([source]):
            target = folder / source / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def counts(project: Path) -> Counter:
    """Suggestions per dev-corpus source."""
    names = {d["name"]: Path(d["path"]).parent.name for d in casecode.list_documents(project)}
    frame = casecode.export_codings(project, status="suggested")
    return Counter(names[name] for name in frame["document"])


def main() -> None:
    if not DEV_CORPUS.is_dir():
        print(f"skipped: {DEV_CORPUS} is absent (the development corpus lives beside the project)")
        return
    work = Path(tempfile.mkdtemp(prefix="casecode-matching-"))
    try:
        corpus(work / "corpus")
        base = work / "base"
        casecode.init_project(base)
        casecode.use_codebook(base, "coproduction")
        casecode.import_documents(base, [work / "corpus"])
        results = {}
        for behaviour in ("", *BEHAVIOURS):
            project = work / f"run-{behaviour or 'all'}".replace(" ", "-")
            shutil.copytree(base, project)
            with without(behaviour):
                casecode.autocode(project)
                results[behaviour] = counts(project)
        every = results[""]
        print("| behaviour (turned off to measure it) | " + " | ".join(SOURCES) + " |")
        print("|---|" + "---:|" * len(SOURCES))
        print(
            "| suggestions with the engine as it is | "
            + " | ".join(f"{every[s]:,}" for s in SOURCES)
            + " |"
        )
        for behaviour in BEHAVIOURS:
            cells = []
            for source in SOURCES:
                delta = every[source] - results[behaviour][source]
                cells.append(f"{delta:+,}".replace("-", "−") if delta else "0")
            print(f"| {behaviour} | " + " | ".join(cells) + " |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
