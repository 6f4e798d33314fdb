from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecode.corpus.turns import compile_patterns, split_turns


def turns(text: str, **kw):
    return [(s.speaker, text[s.start : s.end]) for s in split_turns(text, **kw)]


@pytest.mark.parametrize(
    ("line", "speaker", "said", "time"),
    [
        ("访谈者：您好", "访谈者", "您好", None),
        ("受访者:半角冒号", "受访者", "半角冒号", None),
        ("问：您多大年纪", "问", "您多大年纪", None),
        ("答：七十三了", "答", "七十三了", None),
        ("Q: how old", "Q", "how old", None),
        ("A: seventy", "A", "seventy", None),
        ("Interviewer: hello", "Interviewer", "hello", None),
        ("Interviewer1: hello", "Interviewer1", "hello", None),
        (" Interviewee: leading space", "Interviewee", "leading space", None),
        ("R1: yes", "R1", "yes", None),
        ("[00:12:03] 张书记：我们村", "张书记", "我们村", "00:12:03"),
        ("**Speaker 1**: bold", "Speaker 1", "bold", None),
        ("**孙老师**：加粗", "孙老师", "加粗", None),
        ("**R2:** colon inside", "R2", "colon inside", None),
        ("S1 (00:01:02): timed", "S1", "timed", "00:01:02"),
    ],
)
def test_each_label_style_opens_a_turn(line, speaker, said, time):
    segments = split_turns(line + "\n")
    assert len(segments) == 1
    seg = segments[0]
    assert (seg.speaker, line[seg.start : seg.end], seg.timestamp) == (speaker, said, time)
    assert seg.kind == "turn"
    assert seg.label_start == len(line) - len(line.lstrip())


def test_lines_without_label_continue_the_turn():
    text = "访谈者：您好。\n受访者：我们村有三百户。\n其中一半外出打工。\n\n还有留守老人。\n访谈者：谢谢。"
    assert turns(text) == [
        ("访谈者", "您好。"),
        ("受访者", "我们村有三百户。\n其中一半外出打工。\n\n还有留守老人。"),
        ("访谈者", "谢谢。"),
    ]


def test_text_before_the_first_label_is_kept_as_paragraphs():
    text = "A县访谈记录\n访谈时间：2025年7月8日\n访谈者：您好\n受访者：好"
    assert turns(text) == [
        (None, "A县访谈记录"),
        (None, "访谈时间：2025年7月8日"),  # a one-off "name:" is not a speaker
        ("访谈者", "您好"),
        ("受访者", "好"),
    ]


def test_a_name_that_recurs_is_a_speaker_but_a_one_off_is_not():
    text = "张书记：第一句\n访谈者：嗯\n张书记：第二句\n注意：这是说明"
    assert turns(text) == [
        ("张书记", "第一句"),
        ("访谈者", "嗯"),
        ("张书记", "第二句\n注意：这是说明"),
    ]


def test_transcription_app_labels_with_the_time_on_their_own_line():
    text = "说话人1 00:00:03\n您好，今天想聊聊互助幸福院。\n说话人2 00:00:09\n好的。\n"
    segs = split_turns(text)
    assert [(s.speaker, s.timestamp, text[s.start : s.end]) for s in segs] == [
        ("说话人1", "00:00:03", "您好，今天想聊聊互助幸福院。"),
        ("说话人2", "00:00:09", "好的。"),
    ]
    assert turns("Speaker 1  0:03\nHello\nSpeaker 2  0:09\nHi") == [
        ("Speaker 1", "Hello"),
        ("Speaker 2", "Hi"),
    ]
    # a sentence that happens to end with a time is not a label
    assert [s for s, _ in turns("访谈者：几点开饭？\n我们每天开饭是 11:30\n")] == ["访谈者"]


def test_explanatory_words_are_never_speakers_however_often_they_recur():
    text = (
        "访谈者：有哪些服务？\n比如：送餐\n比如：探访\n备注：录音中断\n备注：恢复\nNote: x\nNote: y"
    )
    assert [s for s, _ in turns(text)] == ["访谈者"]


def test_reported_speech_and_urls_are_not_labels():
    text = "访谈者：请讲\n他说：我们走\n他说：好的\nsee http://example.com\nhttp://x.org"
    assert [s for s, _ in turns(text)] == ["访谈者"]


def test_no_labels_splits_by_blank_line_paragraphs():
    text = "First paragraph\nstill first.\n\nSecond paragraph.\n\n\n  Third.  "
    segs = split_turns(text)
    assert [text[s.start : s.end] for s in segs] == [
        "First paragraph\nstill first.",
        "Second paragraph.",
        "Third.",
    ]
    assert all(s.kind == "paragraph" and s.speaker is None for s in segs)


def test_no_labels_and_no_blank_lines_splits_by_line():
    text = "第一段。\n第二段。\r\n第三段。"
    assert [t for _, t in turns(text)] == ["第一段。", "第二段。", "第三段。"]


def test_crlf_line_ends_stay_out_of_turns():
    text = "Q: one\r\nA: two\r\n"
    assert turns(text) == [("Q", "one"), ("A", "two")]


def test_configured_patterns_come_first_and_builtins_can_be_switched_off():
    text = "JW> well, we began in 2019\nMK> and then\n访谈者：不是标签"
    patterns = compile_patterns([r"^(?P<speaker>[A-Z]{2})>\s*"], builtin=False)
    assert turns(text, patterns=patterns) == [
        ("JW", "well, we began in 2019"),
        ("MK", "and then\n访谈者：不是标签"),
    ]


def test_a_bad_configured_pattern_is_explained():
    from casecode import CasecodeError

    with pytest.raises(CasecodeError, match="no named group"):
        compile_patterns([r"^\w+:"])
    with pytest.raises(CasecodeError, match="not a valid regular expression"):
        compile_patterns([r"^(?P<speaker>\w+"])


def test_turns_start_after_front_matter():
    text = "---\ntitle: x\n---\n访谈者：您好\n"
    segs = split_turns(text, start=text.index("访谈者"))
    assert segs[0].label_start == text.index("访谈者")


# ---------------------------------------------------------------------------- properties

LABELS = [
    "访谈者：",
    "受访者:",
    "问：",
    "Q: ",
    "A:",
    "Interviewer1: ",
    " Interviewee: ",
    "R1: ",
    "[00:12:03] 张书记：",
    "**Speaker 1**: ",
    "S1 (00:01:02): ",
    "张书记：",
    "Note: ",
]
words = st.lists(
    st.sampled_from(list("abc xyz，。：:老人互助 \t\u3000*[]()12") + ["\n", "\r\n"]), max_size=40
).map("".join)
lines = st.one_of(words, st.tuples(st.sampled_from(LABELS), words).map("".join))


@settings(max_examples=400, deadline=None)
@given(st.lists(lines, max_size=25).map("\n".join))
def test_turn_spans_are_ordered_disjoint_and_cover_every_non_blank_character(text):
    segs = split_turns(text)
    covered = [False] * len(text)
    previous_end = 0
    # speech (and a document's units) is numbered 1, 2, ...; structure -1, -2, ... in order
    assert [s.n for s in segs if s.n > 0] == list(range(1, sum(s.n > 0 for s in segs) + 1))
    assert [s.n for s in segs if s.n < 0] == list(range(-1, -sum(s.n < 0 for s in segs) - 1, -1))
    for s in segs:
        assert 0 <= s.label_start <= s.start <= s.end <= len(text)
        assert s.label_start >= previous_end  # ordered, no overlap
        previous_end = s.end
        for k in range(s.label_start, s.end):
            covered[k] = True
        if s.end > s.start:  # trimmed: no blank at either edge
            assert not text[s.start].isspace() and not text[s.end - 1].isspace()
    assert all(covered[k] for k, ch in enumerate(text) if not ch.isspace())


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["访谈者：", "受访者：", "Q: ", "A: "]),
            st.text(alphabet="老人互助abc ，。", min_size=1, max_size=20),
        ),
        max_size=15,
    )
)
def test_every_known_label_line_is_one_turn(pairs):
    text = "\n".join(label + said for label, said in pairs)
    segs = [s for s in split_turns(text) if s.kind == "turn"]
    expected = [label.strip(" ：:") for label, said in pairs]
    assert [s.speaker for s in segs] == expected
    assert [text[s.start : s.end] for s in segs] == [said.strip() for _, said in pairs]
    assert all(
        re.fullmatch(r"\S(.*\S)?", text[s.start : s.end], re.S) or s.start == s.end for s in segs
    )


@pytest.mark.parametrize(
    "label", ["王书记", "李会长", "村民甲", "Secretary Li", "Villager", "Mr. Huang"]
)
def test_a_person_named_by_title_is_a_speaker_even_once(label):
    text = f"访谈者：怎么样？\n{label}：村里有日间照料中心。\n访谈者：好。\n注意：这是备注。\n"
    assert [s for s, _ in turns(text)] == ["访谈者", label, "访谈者"]
