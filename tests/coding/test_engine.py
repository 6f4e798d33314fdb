"""Properties of the coding engine's fast paths: token offsets, the reduced Doc the phrase
matcher runs on, units found turn by turn, and judging only some codes."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casecode import split_turns
from casecode.codebook import load_codebook, validate_text
from casecode.coding.engine import Engine
from casecode.coding.tokenize import Tokenizer, Tokens, match_form
from casecode.coding.units import UnitIndex, units
from casecode.corpus.readers import read_document
from casecode.model import Segment
from conftest import CORPUS

# letters, Chinese, punctuation, digits and odd whitespace, in runs a tokeniser must cope with
_ALPHABET = "abcXYZ éİßK中文村老人互助 \u3000\t\n.,'’…-:;!?。，“”1.5😀"  # K: the Kelvin sign
texts = st.text(alphabet=_ALPHABET, max_size=60)


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer({"互助", "老人"})


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts, st.sampled_from(["en", "zh"]))
def test_tokens_are_the_texts_words_in_order_and_leave_out_only_whitespace(
    tokenizer, text, language
):
    tokens = tokenizer.tokenize(text, language)
    assert len(tokens.starts) == len(tokens.ends) == len(tokens.words)
    form = match_form(text)  # what is tokenised: as long as the text, so offsets hold for both
    assert len(form) == len(text)
    previous = 0
    for s, e, word in zip(tokens.starts, tokens.ends, tokens.words, strict=True):
        assert previous <= s < e <= len(text)
        assert form[s:e] == word and not word.isspace()
        assert text[previous:s].strip() == ""  # what no token holds is whitespace
        previous = e
    assert text[previous:].strip() == ""
    for k, word in enumerate(tokens.words):  # the lemma of a word of letters, or lower case
        lower = word.lower()
        letters = word.isalpha()
        assert tokens.norm(k) == (tokenizer.lemma_table.get(lower, lower) if letters else lower)
    again = Tokens.from_blobs(*tokens.to_blobs())  # as the store's cache gives them back
    assert (again.starts, again.ends, again.norms()) == (tokens.starts, tokens.ends, tokens.norms())


def test_english_words_match_on_their_lemmas_from_the_lookup_table(tokenizer):
    tokens = tokenizer.tokenize("Volunteers volunteered; the elderly were visiting cafés.", "en")
    assert tokens.norms() == [
        *("volunteer", "volunteer", ";", "the", "elderly", "be", "visit", "café", ".")
    ]
    assert len(tokens.vocab) == 8  # each distinct norm once
    # the table's entries for 's and n't (has, not) are not used: they are no words of letters
    assert tokenizer.tokenize("son's don't", "en").norms() == ["son", "'s", "do", "n't"]


def test_a_codebooks_words_join_its_own_tokenizers_dictionary_only():
    # jieba's dictionary is read once per process and each tokenizer gets a copy of it
    text = "村里权责不清"
    assert Tokenizer({"权责不清"}).tokenize(text, "zh").words == ["村里", "权责不清"]
    assert Tokenizer().tokenize(text, "zh").words == ["村里", "权责", "不", "清"]
    assert Tokenizer({"权责不清"}).tokenize(text, "zh").words == ["村里", "权责不清"]


# Phrases that share words, start alike and nest, so a reduced Doc could go wrong.
_PHRASES = """\
name: phrases
languages: [zh, en]
codes:
  - id: a
    label: {zh: 甲, en: A}
    definition: x
    rules:
      - id: a1
        keywords: {en: [the village committee, village, committee meeting, a say], zh: [互助, 老人]}
      - id: a2
        keywords: {en: [say in the village, the the, meeting, "it’s", …, "the son's village"]}
        near:
          groups: [{en: [village]}, {en: [meeting, say]}]
          window: 2
  - id: b
    label: {zh: 乙, en: B}
    definition: x
    rules:
      - id: b1
        keywords: {en: [village committee meeting, in, committee, "don't say", €]}
"""
_PATTERN = """\
  - id: z
    label: {zh: 丙, en: Z}
    definition: x
    rules:
      - id: z1
        patterns: [[{LOWER: zzz}]]
"""
_WORDS = ["the", "village", "committee", "meeting", "a", "say", "in", "The", "villages", ",", "x"]
_WORDS += ["it’s", "…", "son's", "don't", "€", "$"]  # norms spaCy would change, keywords too


@pytest.fixture(scope="module")
def engines():
    reduced = Engine(validate_text(_PHRASES).codebook)
    full = Engine(validate_text(_PHRASES + _PATTERN).codebook)  # token patterns: whole Doc
    return reduced, full


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(_WORDS), max_size=30))
def test_matching_on_the_reduced_doc_finds_what_the_whole_doc_finds(engines, words):
    reduced, full = engines
    assert not len(reduced.patterns) and len(full.patterns)
    text = " ".join(words)
    tokens = reduced.tokenizer.tokenize(text, "en")
    assert reduced.doc(tokens, text, "en")[1] is not None  # the reduced path is taken
    assert full.doc(tokens, text, "en")[1] is None
    got = reduced.hits(text, tokens, "en")
    want = full.hits(text, tokens, "en")
    want = {k: sorted(v) for k, v in want.items() if k[0] < len(reduced.rules) and v}
    assert {k: sorted(v) for k, v in got.items() if v} == want


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(_WORDS), max_size=30), st.sets(st.sampled_from(["a", "b"])))
def test_matching_for_some_codes_finds_their_rules_hits_only(engines, words, codes):
    reduced, _ = engines
    text = " ".join(words)
    tokens = reduced.tokenizer.tokenize(text, "en")
    rules = frozenset(i for i, r in enumerate(reduced.rules) if r.code in codes)
    every = reduced.hits(text, tokens, "en")
    some = reduced.hits(text, tokens, "en", rules)
    assert {k: v for k, v in some.items() if v} == {
        k: v for k, v in every.items() if v and k[0] in rules
    }


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet="ab。.! \nDr", max_size=80),
    st.lists(st.integers(0, 80), max_size=6),
    st.sampled_from(["sentence", "paragraph", "turn"]),
    st.lists(st.tuples(st.integers(0, 80), st.integers(1, 10)), max_size=10),
)
def test_units_found_turn_by_turn_are_the_units_of_the_document(text, cuts, scope, spans):
    bounds = sorted({0, len(text), *(min(c, len(text)) for c in cuts)})
    segments = [Segment(n, f"s{n % 2}", a, b, a) for n, (a, b) in enumerate(pairwise(bounds), 1)]
    every = units(text, segments, scope)
    index = UnitIndex(text, segments, scope)
    for start, length in spans:
        end = start + length
        want = next((u for u in every if u.start <= start and end <= u.end), None)
        assert index.find(start, end) == want


def test_a_turn_without_text_at_the_same_place_hides_no_unit():
    text = "village here"
    segments = [Segment(1, "A", 0, 12, 0), Segment(2, "B", 0, 0, 0)]
    assert UnitIndex(text, segments, "sentence").find(0, 7) == units(text, segments, "sentence")[0]


def test_judging_some_codes_gives_what_judging_all_gives_for_them():
    book = load_codebook("coproduction")
    engine = Engine(book)
    codes = sorted({r.code for r in engine.rules})
    rng = random.Random(7)
    for path in sorted(CORPUS.glob("[ez][nh]*")):
        doc = read_document(path)
        segments = doc.segments or split_turns(doc.text)
        language = "en" if path.name.startswith("en") else "zh"
        tokens = engine.tokenizer.tokenize(doc.text, language)
        every = engine.judge(doc.text, segments, tokens, keep_all=True, language=language)
        for _ in range(3):
            only = set(rng.sample(codes, 3))
            some = engine.judge(
                doc.text, segments, tokens, keep_all=True, language=language, only=only
            )
            assert some == [j for j in every if j.rule.code in only]


_APOSTROPHES = """\
name: apostrophes
languages: [en]
codes:
  - id: a
    label: {en: A}
    definition: x
    rules:
      - id: a1
        keywords: {en: ["money doesn't come", "that's fair", "it’s hard", "son's", …, cafe]}
"""


@pytest.mark.parametrize("pattern", ["", _PATTERN])
def test_keywords_with_apostrophes_and_marks_match_the_same_words_in_a_transcript(pattern):
    engine = Engine(validate_text(_APOSTROPHES + pattern).codebook)
    text = "The money doesn't come. That's fair… but it’s hard; my son's café is shut."
    tokens = engine.tokenizer.tokenize(text, "en")
    found = sorted(h.text for hs in engine.hits(text, tokens, "en").values() for h in hs)
    assert found == ["That's fair", "it’s hard", "money doesn't come", "son's", "…"]


def test_a_trained_pipeline_tags_the_tokens_and_keywords_still_match_on_casecodes_norms(tmp_path):
    import spacy

    nlp = spacy.blank("en")  # a stand-in for a trained pipeline: it tags and renormalises
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "visited"}]], {"TAG": "VBD"})
    ruler.add([[{"LOWER": "elderly"}]], {"NORM": "old"})
    nlp.to_disk(tmp_path / "pipeline")
    book = validate_text(
        _APOSTROPHES.replace('"son\'s", …, cafe', "elderly, volunteer")
        + "      - id: a2\n        patterns: [[{TAG: VBD}]]\n"
    ).codebook
    engine = Engine(book, tokenizer=Tokenizer(model=str(tmp_path / "pipeline")))
    text = "Volunteers visited the elderly; it’s hard."
    tokens = engine.tokenizer.tokenize(text, "en")
    found = engine.hits(text, tokens, "en")
    assert sorted(h.text for h in found[(0, ("kw",))]) == ["Volunteers", "elderly", "it’s hard"]
    assert [h.text for h in found[(1, ("pat",))]] == ["visited"]


# -- confidence: distinct evidence, not repetition ----------------------------------------------


def _judged(book_yaml: str, text: str, lang: str = "zh", *, fired: bool = True, turns=None):
    """The judgements of ``text`` as one turn (or as ``turns``: (start, end) spans)."""
    from casecode.codebook.validate import validate_text
    from casecode.coding.engine import Engine
    from casecode.model import Segment

    result = validate_text(book_yaml, "cb.yaml")
    assert result.valid, result.errors
    engine = Engine(result.codebook)
    tokens = engine.tokenizer.tokenize(text, lang)
    spans = turns or [(0, len(text))]
    segments = [Segment(1, "村民", a, b, k, None, "turn") for k, (a, b) in enumerate(spans)]
    judged = engine.judge(text, segments, tokens, language=lang, keep_all=not fired)
    return [j for j in judged if j.status == "fired" or not fired]


CONFIDENCE_BOOK = """\
name: c
languages: [zh, en]
codes:
  - id: funds
    label: {zh: 经费, en: Funds}
    rules:
      - keywords: [经费, 资金, 补贴, short of money, fund]
        near: [{groups: [[钱], [不够]], window: 3}]
        scope: turn
"""


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("经费。", "zh", 0.5),
        ("经费、经费，还是经费。", "zh", 0.5),  # one word three times is one piece
        ("经费和资金。", "zh", 0.75),
        ("经费、资金和补贴。", "zh", 0.875),
        ("钱真的不够。", "zh", 0.7),  # a near pair
        ("We are short of money.", "en", 0.6),  # a phrase
        ("The fund, the funds, more funds.", "en", 0.5),  # inflections are the same piece
    ],
)
def test_confidence_counts_distinct_evidence_by_kind(text, lang, expected):
    (judgement,) = _judged(CONFIDENCE_BOOK, text, lang)
    assert judgement.confidence == expected


def test_confidence_scales_with_the_rules_weight():
    book = CONFIDENCE_BOOK.replace(
        "        scope: turn", "        scope: turn\n        weight: 0.5"
    )
    (judgement,) = _judged(book, "经费和资金。")
    assert judgement.confidence == 0.375


@given(st.lists(st.sampled_from(["经费", "资金", "补贴"]), min_size=1, max_size=8))
@settings(max_examples=40, deadline=None)
def test_repeating_a_word_never_raises_confidence(words):
    text = "，".join(words) + "。"
    distinct = len(set(words))
    (judgement,) = _judged(CONFIDENCE_BOOK, text)
    assert judgement.confidence == round(1 - 0.5**distinct, 4)


# -- near: within one clause unless a rule says otherwise ---------------------------------------

NEAR_BOOK = """\
name: n
languages: [zh, en]
codes:
  - id: shortage
    label: {zh: 经费不足, en: Shortage}
    rules:
      - near: [{groups: [[钱, money], [不够, short]], window: 6}]
        negation: false
  - id: visits
    label: {zh: 上门, en: Visits}
    rules:
      - near: {groups: [[volunteer], [come]], window: 3}
"""


@pytest.mark.parametrize(
    ("text", "lang", "codes"),
    [
        ("钱真的不够。", "zh", {"shortage"}),
        ("钱完全够用，从来没有不够的时候。", "zh", set()),  # across the comma: not one clause
        ("钱完全够用\n不够的是人手。", "zh", set()),  # a line break ends a clause too
        ("We are short of money.", "en", {"shortage"}),
        ("The money is fine; we are short of staff.", "en", set()),
        ("The volunteers came round every week.", "en", {"visits"}),  # lemmas: volunteer, come
        ("The volunteer comes on Mondays.", "en", {"visits"}),
    ],
)
def test_near_counts_within_one_clause(text, lang, codes):
    assert {j.rule.code for j in _judged(NEAR_BOOK, text, lang)} == codes


def test_near_may_reach_across_clauses_when_the_rule_says_so():
    book = NEAR_BOOK.replace("window: 6}]", "window: 6, clause: false}]")
    assert {j.rule.code for j in _judged(book, "钱完全够用，从来没有不够的时候。")} == {"shortage"}


@given(
    st.sampled_from(["，", "；", "。", "！", "\n"]),
    st.lists(st.sampled_from(["真的", "确实", "有点", "也"]), max_size=3),
)
@settings(max_examples=30, deadline=None)
def test_a_clause_end_between_the_groups_always_stops_a_near_match(end, filler):
    middle = "".join(filler)
    assert _judged(NEAR_BOOK, f"钱{middle}不够。")  # within the window, in one clause
    assert not _judged(NEAR_BOOK, f"钱{end}{middle}不够。")


# -- Traditional Chinese and surface variants: matched in the match form, shown as written --------

FORM_BOOK = """\
name: f
languages: [zh, en]
codes:
  - id: unclear
    label: {zh: 权责不清, en: Unclear responsibilities}
    rules:
      - keywords: [权责不清, 没有专人负责]
  - id: funds
    label: {zh: 经费不足, en: Short of funds}
    rules:
      - keywords: [经费不足, NGO]
        regex: 资金(短缺|紧张)
  - id: committee
    label: {zh: 村委会, en: Village committee}
    rules:
      - keywords: [村民委员会, 村委会]
"""

SIMPLIFIED = [
    "我们村权责不清，经费不足。",
    "村民委员会说资金紧张，没有专人负责。",
    "这件事权责不清，没有专人负责。",
    "NGO来了以后，经费不足的情况好一点。",
]


def _traditional(text: str) -> str:
    """Simplified → Traditional character by character (so offsets line up), as a test oracle
    independent of the table casecode builds."""
    import opencc

    convert = opencc.OpenCC("s2t").convert
    return "".join(c if len(t := convert(c)) != 1 else t for c in text)


def _found(text: str) -> set[tuple[str, int, int]]:
    return {(j.rule.code, h.start, h.end) for j in _judged(FORM_BOOK, text) for h in j.hits}


@pytest.mark.parametrize("simplified", SIMPLIFIED)
def test_traditional_text_gets_the_same_codes_at_the_same_offsets(simplified):
    traditional = _traditional(simplified)
    assert traditional != simplified
    assert _found(traditional) == _found(simplified) != set()


def test_evidence_and_reasons_show_the_original_traditional_text():
    text = "村民委員會說資金緊張，權責不清的問題沒有。"
    judgements = _judged(FORM_BOOK, text)
    hits = {h.text for j in judgements for h in j.hits}
    assert {"村民委員會", "資金緊張"} <= hits  # as written, not as matched
    vetoed = [
        (h.text, why)
        for j in _judged(FORM_BOOK, "沒有權責不清的問題。", fired=False)
        for h, why in j.vetoed
    ]
    assert vetoed == [("權責不清", "negated by '沒有'")]


def test_full_width_letters_and_compatibility_ideographs_match():
    text = "ＮＧＯ來了，經費不足。"
    assert {code for code, _, _ in _found(text)} == {"funds"}
    assert {h.text for j in _judged(FORM_BOOK, text) for h in j.hits} == {"ＮＧＯ", "經費不足"}


@given(st.text(min_size=0, max_size=60))
@settings(max_examples=200, deadline=None)
def test_the_match_form_keeps_every_offset(text):
    form = match_form(text)
    assert len(form) == len(text)
    assert match_form(form) == form  # idempotent: matching twice changes nothing more


@given(st.lists(st.sampled_from(SIMPLIFIED), min_size=1, max_size=3), st.data())
@settings(max_examples=25, deadline=None)
def test_mixed_scripts_code_alike(sentences, data):
    """Any mix of Simplified and Traditional sentences gets the codes the Simplified text gets."""
    mixed = "".join(_traditional(s) if data.draw(st.booleans()) else s for s in sentences)
    assert _found(mixed) == _found("".join(sentences))


# -- negation: cues before and after, answers to a question, problems said to be over ------------

NEG_BOOK = """\
name: neg
languages: [zh, en]
codes:
  - id: unclear
    label: {zh: 权责不清, en: Unclear responsibilities}
    rules:
      - keywords: [权责不清, 经费不足, insufficient funds, short of money, in charge, come round]
"""


def _outcome(text: str, lang: str = "zh", book: str = NEG_BOOK) -> tuple[str, str]:
    (judgement,) = _judged(book, text, lang, fired=False)
    return judgement.status, judgement.reason


@pytest.mark.parametrize(
    ("text", "lang", "reason"),
    [
        ("我们村不再权责不清。", "zh", "negated by '不再'"),
        ("这里禁止权责不清。", "zh", "negated by '禁止'"),
        ("这里从未经费不足。", "zh", "negated by '从未'"),
        ("权责不清的问题在我们村是不存在的。", "zh", "negated by '不存在' after it"),
        ("權責不清的問題在我們村是不存在的。", "zh", "negated by '不存在' after it"),
        ("经费不足？没有的事。", "zh", "negated by '没有的事' after it"),
        ("Insufficient funds? Not here.", "en", "negated by 'Not here' after it"),
        ("We are no longer short of money.", "en", "negated by 'no longer'"),
        ("They never come round any more.", "en", "negated by 'never'"),
        (
            "以前权责不清，现在已经理顺了。",
            "zh",
            "said to be over ('已经理顺' later in the sentence)",
        ),
        (
            "We used to be short of money, but now the council pays.",
            "en",
            "said to be over ('but now' later in the sentence)",
        ),
    ],
)
def test_negation_and_problems_said_to_be_over(text, lang, reason):
    assert _outcome(text, lang) == ("vetoed", reason)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("权责不清，这个不存在争议的。", "zh"),  # the cue after is in the next clause
        ("经费不足。现在已经理顺了别的事。", "zh"),  # the marker is in the next sentence
        ("Who is in charge? Nobody knows.", "en"),  # a question answered, not denied
        ("经费不足，不存在的是办法。", "zh"),  # 不存在 is in another clause
        ("We are short of money, and nobody cares.", "en"),
    ],
)
def test_negation_stops_at_its_clause_or_sentence(text, lang):
    assert _outcome(text, lang)[0] == "fired"


def test_a_rule_can_add_cues_and_turn_the_over_check_off():
    book = NEG_BOOK.replace(
        "come round]", "come round]\n        negation: {after: [不成立], over: false}"
    )
    assert _outcome("权责不清这个说法不成立。", book=book) == (
        "vetoed",
        "negated by '不成立' after it",
    )
    assert _outcome("以前权责不清，现在已经理顺了。", book=book)[0] == "fired"


@given(
    st.sampled_from(["，", "；", "。", "！", "？", "\n"]),
    st.sampled_from(["不存在", "没有的事", "已经解决", "已经理顺"]),
)
@settings(max_examples=40, deadline=None)
def test_a_cue_after_a_clause_end_never_negates(end, cue):
    """Negation never crosses a clause boundary (except a denial answering a question, and a
    problem said to be over later in the same sentence)."""
    status, reason = _outcome(f"经费不足{end}我觉得{cue}的事情很多。")
    if end in "，；" and cue in ("已经解决", "已经理顺"):  # same sentence: said to be over
        assert status == "vetoed" and reason.startswith("said to be over")
    else:
        assert status == "fired", reason


# -- Chinese compounds are head-final -------------------------------------------------------------

HEAD_BOOK = """\
name: h
languages: [zh, en]
codes:
  - id: government
    label: {zh: 政府, en: Government}
    rules:
      - keywords: [政府]
  - id: villagers
    label: {zh: 村民, en: Villagers}
    rules:
      - keywords: [村民]
  - id: association
    label: {zh: 老年协会, en: Elderly association}
    rules:
      - keywords: [老年协会]
  - id: other
    label: {zh: 其他, en: Other}
    rules:
      - keywords: [{WORDS}]
"""


def _codes(text: str, book: str = HEAD_BOOK, words: str = "无关词") -> set[str]:
    return {j.rule.code for j in _judged(book.replace("{WORDS}", words), text)}


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("县人民政府发了文件。", {"government"}),  # 政府 heads 县人民政府
        ("人民政府很重视。", {"government"}),
        ("基层老年协会很活跃。", {"association"}),
        ("村民委员会开会了。", set()),  # 村民 only modifies 村民委员会
        ("非政府组织也来了。", set()),  # non-governmental: not a kind of government
        ("非政府来了。", set()),
        ("村民都来了。", {"villagers"}),
    ],
)
def test_a_word_matches_a_compound_it_heads_not_one_it_modifies(text, codes):
    assert _codes(text) == codes


def test_a_rule_can_keep_to_whole_tokens():
    book = HEAD_BOOK.replace(
        "      - keywords: [政府]", "      - keywords: [政府]\n        heads: false"
    )
    assert _codes("县人民政府发了文件。", book) == set()
    assert _codes("政府发了文件。", book) == {"government"}


def test_a_head_match_is_evidence_of_its_own_kind():
    (judgement,) = _judged(HEAD_BOOK.replace("{WORDS}", "无关词"), "县人民政府发了文件。")
    assert [(h.text, h.start, h.end) for h in judgement.hits] == [("县人民政府", 0, 5)]
    assert [kind for _, kind, _ in judgement.pieces] == ["head"]


@given(
    st.text(alphabet="东西南北上下新老大小", min_size=1, max_size=3),
    st.sampled_from(["政府", "村民", "老年协会"]),
    st.text(alphabet="东西南北上下新老大小", min_size=1, max_size=3),
)
@settings(max_examples=60, deadline=None)
def test_a_head_match_never_starts_inside_a_modifier(before, word, after):
    """With the compound ``before+word`` and the compound ``word+after`` each one token, the word
    matches the first (it ends it) and never the second (it only begins it)."""
    head, modified = before + word, word + after
    text = f"{head}，{modified}。"
    (judgement,) = [
        j
        for j in _judged(HEAD_BOOK.replace("{WORDS}", f"{head}, {modified}"), text)
        if j.rule.code != "other"
    ] or [None]
    assert judgement is not None
    assert [(h.start, h.end) for h in judgement.hits] == [(0, len(head))]


def test_substring_matches_chinese_keywords_inside_words():
    book = HEAD_BOOK.replace(
        "      - keywords: [村民]", "      - keywords: [村民]\n        substring: true"
    )
    (judgement,) = [j for j in _judged(book.replace("{WORDS}", "无关词"), "村民委员会开会了。")]
    assert judgement.rule.code == "villagers"
    assert [(h.text, h.start, h.end) for h in judgement.hits] == [("村民", 0, 2)]


# -- sense: context words that must, or must not, be around a hit ---------------------------------

SENSE_RULE = """\
name: s
languages: [zh, en]
codes:
  - id: voluntary
    label: {zh: 义务服务, en: Voluntary work}
    rules:
      - keywords: [义务, board]
        context:
"""
SENSE_BOOK = (
    SENSE_RULE
    + """\
          with: [志愿, 服务, 帮忙, volunteer]
          without: [义务教育, ironing board]
          scope: {SCOPE}
"""
)


def _sense(text: str, scope: str = "sentence", lang: str = "zh"):
    (judgement,) = _judged(SENSE_BOOK.replace("{SCOPE}", scope), text, lang, fired=False)
    return judgement.status, judgement.reason, judgement.notes


@pytest.mark.parametrize(
    ("text", "scope", "lang", "status"),
    [
        ("她义务来帮忙。", "sentence", "zh", "fired"),
        ("他们有赡养义务。", "sentence", "zh", "vetoed"),  # duty, not voluntary work
        ("义务教育以后，她义务来帮忙。", "sentence", "zh", "vetoed"),  # ruled out in the sentence
        ("她义务来，很多人帮忙。", "clause", "zh", "vetoed"),  # 帮忙 is in the next clause
        ("她义务来，很多人帮忙。", "sentence", "zh", "fired"),
        ("她义务来。后来大家都帮忙。", "sentence", "zh", "vetoed"),
        ("她义务来。后来大家都帮忙。", "turn", "zh", "fired"),
        ("The volunteer sits on the board.", "sentence", "en", "fired"),
        ("Put it on the ironing board.", "sentence", "en", "vetoed"),
    ],
)
def test_context_limits_a_word_to_its_sense(text, scope, lang, status):
    assert _sense(text, scope, lang)[0] == status


def test_explain_says_which_context_decided():
    assert (
        _sense("他们有赡养义务。")[1]
        == "context: none of 志愿, 服务, 帮忙, volunteer in the sentence"
    )
    assert _sense("义务教育以后，她义务来帮忙。")[1] == "context: '义务教育' in the sentence"
    assert _sense("她义务来帮忙。")[2] == ["context: '帮忙' in the sentence"]


AROUND_BOOK = SENSE_RULE + "          with: [帮忙, volunteer]\n          around: {N}\n"


@pytest.mark.parametrize(
    ("text", "around", "status"),
    [
        ("她义务来。后来大家都帮忙。", 0, "vetoed"),  # 帮忙 is in the next sentence
        ("她义务来。后来大家都帮忙。", 1, "fired"),
        ("大家都帮忙。天冷。她义务来。", 1, "vetoed"),  # two sentences before
        ("大家都帮忙。天冷。她义务来。", 2, "fired"),
        ("We need a volunteer. And the board agreed.", 1, "fired"),
        # sentences end at a line break, ?! or a closing quote after a stop: each counts once
        ("大家都帮忙。\n她义务来。", 1, "fired"),
        ("大家都帮忙？！她义务来。", 1, "fired"),
        ("“大家都帮忙。”\n她义务来。", 1, "fired"),
        ("We need a volunteer?! And the board agreed.", 1, "fired"),
    ],
)
def test_around_widens_a_sentence_context_by_its_neighbours(text, around, status):
    (judgement,) = _judged(AROUND_BOOK.replace("{N}", str(around)), text, "zh", fired=False)
    assert judgement.status == status
    if around and status == "fired":
        assert judgement.notes[0].endswith(f"in the sentence or {around} sentence(s) either side")


def test_around_stays_inside_the_turn():
    book, text = AROUND_BOOK.replace("{N}", "3"), "大家都帮忙。\n她义务来。"
    (judgement,) = _judged(book, text, fired=False)
    assert judgement.status == "fired"
    (judgement,) = _judged(book, text, fired=False, turns=[(0, 6), (7, len(text))])
    assert judgement.status == "vetoed"  # 帮忙 was said in another turn


def test_around_needs_a_clause_or_sentence_scope():
    from casecode.codebook.validate import validate_text

    typo = validate_text(AROUND_BOOK.replace("{N}", "1") + "          scope: sentnce\n", "cb.yaml")
    assert [e.message for e in typo.errors] == [
        "context.scope: 'sentnce' is not one of clause, sentence, turn, document"
        " (did you mean 'sentence'?)"
    ]
    nothing = AROUND_BOOK.replace("{N}", "0") + "          scope: turn\n"
    assert validate_text(nothing, "cb.yaml").valid  # around 0 widens nothing

    book = AROUND_BOOK.replace("{N}", "1") + "          scope: turn\n"
    result = validate_text(book, "cb.yaml")
    assert (
        not result.valid and "around" in str(result.errors[0]) or "scope" in str(result.errors[0])
    )


NEAR_SENSE_BOOK = """\
name: s
languages: [en]
codes:
  - id: difference
    label: {en: A difference to a life}
    rules:
      - near: [{groups: [[difference], [life]], window: 6}]
        context: {without: [end of life, life changes trust]}
"""


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("It made a real difference to her life.", "fired"),
        ("It made a difference to end of life care.", "vetoed"),  # the without words overlap it
        ("The Life Changes Trust made a difference.", "vetoed"),
    ],
)
def test_a_without_word_inside_a_near_hit_rules_it_out(text, status):
    (judgement,) = _judged(NEAR_SENSE_BOOK, text, "en", fired=False)
    assert judgement.status == status


@pytest.mark.parametrize(
    ("context", "text", "status"),
    [
        # a without word inside one group's words does not rule it out, as for a keyword
        ("{without: [home]}", "The care home staff were kind.", "fired"),
        ("{without: [care home staff]}", "The care home staff were kind.", "vetoed"),
        # between the groups: a without word rules it out, a with word counts
        ("{without: [volunteers]}", "The care home volunteers staff it.", "vetoed"),
        ("{with: [volunteers]}", "The care home volunteers staff it.", "fired"),
        ("{with: [volunteers]}", "The care home staff.", "vetoed"),
    ],
)
def test_a_near_hits_context_is_judged_against_its_groups_words(context, text, status):
    book = NEAR_SENSE_BOOK.replace(
        "[[difference], [life]], window: 6", "[[care home], [staff]], window: 3"
    ).replace("{without: [end of life, life changes trust]}", context)
    (judgement,) = _judged(book, text, "en", fired=False)
    assert judgement.status == status


def test_a_longer_expression_the_hit_is_part_of_rules_it_out():
    # the hit 'board' lies inside the unwanted 'ironing board', with a 'volunteer' beside it
    assert _sense("The volunteer irons on the ironing board.", lang="en")[0] == "vetoed"
    assert _sense("The volunteer irons on the ironing board.", lang="en")[1] == (
        "context: 'ironing board' in the sentence"
    )
    assert _sense("The volunteer sits on the board.", lang="en")[0] == "fired"


LANG_SENSE_BOOK = SENSE_RULE + "          with: {zh: [帮忙, 村民]}\n          {SUBSTRING}\n"


@pytest.mark.parametrize(
    ("text", "lang", "substring", "status"),
    [
        ("She sits on the board.", "en", False, "fired"),  # no English words: no English limit
        ("他们有赡养义务。", "zh", False, "vetoed"),
        ("她义务来帮忙。", "zh", False, "fired"),
        # 村民委员会 is one token: 村民 counts inside it only with substring
        ("村民委员会安排她义务值班。", "zh", False, "vetoed"),
        ("村民委员会安排她义务值班。", "zh", True, "fired"),
    ],
)
def test_a_context_limits_the_languages_it_has_words_for(text, lang, substring, status):
    book = LANG_SENSE_BOOK.replace("{SUBSTRING}", "substring: true" if substring else "")
    (judgement,) = _judged(book, text, lang, fired=False)
    assert judgement.status == status


def test_a_longer_unwanted_expression_is_found_whatever_the_order_of_its_list():
    # 社区服务 starts where 社区服务中心 does; the longer one holds the hit 服务中心 and rules it out
    for words in ("[社区服务, 社区服务中心]", "[社区服务中心, 社区服务]"):
        book = SENSE_RULE.replace("[义务, board]", "[服务中心]") + (
            f"          without: {{zh: {words}}}\n          substring: true\n"
        )
        (judgement,) = _judged(book, "我们去社区服务中心看看。", fired=False)
        assert judgement.status == "vetoed", words


def test_a_rule_set_aside_for_its_regex_keeps_the_context_it_shares():
    from casecode.codebook.validate import validate_text
    from casecode.coding.engine import Engine
    from casecode.model import Segment

    book = """\
name: s
languages: [zh]
codes:
  - id: a
    label: {zh: 经费}
    rules:
      - keywords: [经费]
        regex: ['补助']
        context: {without: [义务教育]}
  - id: b
    label: {zh: 义务}
    rules:
      - keywords: [义务]
        context: {without: [义务教育]}
"""
    engine = Engine(validate_text(book, "cb.yaml").codebook)
    text = "义务教育的义务很重。"
    tokens = engine.tokenizer.tokenize(text, "zh")
    segments = [Segment(1, "村民", 0, len(text), 0, None, "turn")]
    engine.timed_out.add(0)  # rule a's regex ran out of time earlier in the run
    assert [j.rule.code for j in engine.judge(text, segments, tokens)] == []


def test_context_is_validated():
    from casecode.codebook.validate import validate_text

    bad = SENSE_BOOK.replace("{SCOPE}", "paragraph")
    result = validate_text(bad, "cb.yaml")
    assert not result.valid and "scope" in str(result.errors[0])


@given(
    st.lists(
        st.sampled_from(
            [
                "经费不足",
                "权责不清",
                "？",
                "，",
                "。",
                "\n",
                "没有的事",
                "不存在",
                "已经解决",
                "钱",
                "不够",
                " ",
            ]
        ),
        max_size=14,
    )
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_judging_any_arrangement_of_cues_and_clause_ends_never_fails(pieces):
    """Clause and sentence ends at the very start or end of a text (a final line break, a
    question mark with nothing after it) are where offsets run out."""
    text = "".join(pieces)
    for judgement in _judged(NEG_BOOK, text, fired=False) + _judged(NEAR_BOOK, text, fired=False):
        assert judgement.status in ("fired", "vetoed", "unmatched", "skipped")
