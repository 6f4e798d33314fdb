"""casecode's precise cut gives jieba's words (``jieba.Tokenizer.cut(text, HMM=False)``)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from casecode.codebook import load_codebook
from casecode.coding.engine import zh_words
from casecode.coding.tokenize import PreciseCut, Tokenizer, match_form
from casecode.corpus.readers import read_document

ROOT = Path(__file__).resolve().parents[2]
TOKENIZER = Tokenizer(zh_words(load_codebook("coproduction")))
# characters that start, end and join dictionary words, codebook words, Latin letters and
# digits (which jieba runs together), the punctuation and spaces that split blocks
PIECES = [
    *"的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会",
    *"老年协会村委会互助养老政府合作供给志愿者服务站",
    "村民委员会",
    "人民政府",
    "互助养老",
    "非政府",
    *"abcXYZ019.-_%&#+，。！？：「」 \t\n\r",
    "\r\n",
    "COVID-19",
    "3.5万元",
]


CUT = PreciseCut(TOKENIZER.jieba)  # its table of half a million prefixes is built once


def jieba_words(text: str) -> list[str]:
    return list(TOKENIZER.jieba.cut(text, HMM=False))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_precise_cut_is_jiebas_precise_mode(text):
    assert CUT(text) == jieba_words(text)
    assert TOKENIZER._cut is None or TOKENIZER._cut(text) == CUT(text)


def test_a_codebooks_table_is_the_default_ones_with_its_words_changed():
    """The tokenizer makes its cut's table from jieba's default dictionary's and the words it
    added; it must be the table a full build of its dictionary gives."""
    from casecode.coding.tokenize import _compounds, _log_frequencies

    freq = TOKENIZER.jieba.FREQ
    added = (*_compounds(), *TOKENIZER.zh_words)
    assert added and _log_frequencies(freq, added) == _log_frequencies(freq, None)


def test_precise_cut_on_the_sample_transcripts():
    cut = PreciseCut(TOKENIZER.jieba)
    texts = [read_document(p).text for p in sorted((ROOT / "corpora").rglob("zh*.txt"))]
    assert texts
    for text in texts:
        assert cut(match_form(text)) == jieba_words(match_form(text))


def test_tokenizing_uses_it_and_hmm_still_uses_jieba():
    text = "我们村的互助养老服务站由村民委员会管理，COVID-19以后老人更需要照顾。"
    plain = Tokenizer(zh_words(load_codebook("coproduction")))
    tokens = plain.tokenize(text, "zh")
    assert tokens.words == jieba_words(text)
    assert plain._cut is not None
    hmm = Tokenizer(zh_words(load_codebook("coproduction")), hmm=True)
    assert hmm.tokenize(text, "zh").words == [
        w for w in hmm.jieba.cut(text, HMM=True) if not w.isspace()
    ]
    assert hmm._cut is None
