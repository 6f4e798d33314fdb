"""Real-world material in: speaker keys, bold labels, captions, web pages, PDF and its cleaning,
documents without speakers, who asks, language and encoding (issue 20). Every text here is
written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecode.corpus.clean import clean_extracted, looks_extracted
from casecode.corpus.encoding import decode_bytes
from casecode.corpus.language import detect_language
from casecode.corpus.readers import html_text, read_document
from casecode.corpus.turns import speaker_key, speaker_roles, split_turns
from conftest import write


def make_pdf(pages: list[list[str]]) -> bytes:
    """A small PDF: each page's lines in Helvetica, top to bottom (as a PDF printer makes)."""
    objects: list[bytes] = [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    pages_id = 1 + 2 * len(pages) + 1
    contents = []
    for lines in pages:
        ops = [b"BT /F1 11 Tf 14 TL 72 760 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(b"(" + escaped.encode("latin-1") + b") Tj T*")
        stream = b"\n".join([*ops, b"ET"])
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        contents.append(len(objects))
    kids = []
    for content in contents:
        objects.append(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 1 0 R >> >> >>" % (pages_id, content)
        )
        kids.append(b"%d 0 R" % len(objects))
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids)))
    assert len(objects) == pages_id
    objects.append(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        len(objects),
        xref,
    )
    return bytes(out)


def said(text: str, **kw) -> list[tuple[str | None, str]]:
    return [(s.speaker, text[s.start : s.end]) for s in split_turns(text, **kw) if s.n > 0]


# ---------------------------------------------------------------------------- speaker formats

PODCAST = """\
AM - Alison Mackie
TR - Tom Reid (care home manager)

AM Welcome to the programme. Tom, what does community mean for a care home?

TR It means the village comes in. We have a choir on Tuesdays.
And the primary school visits every month.

AM How did that start?

TR A parent asked us. SO we said yes.
"""


def test_initials_after_a_speaker_key_open_turns_and_name_the_speakers():
    assert speaker_key(PODCAST) == {"AM": "Alison Mackie", "TR": "Tom Reid"}
    segs = split_turns(PODCAST)
    assert [(s.n, s.speaker) for s in segs if s.n > 0] == [
        (1, "Alison Mackie"),
        (2, "Tom Reid"),
        (3, "Alison Mackie"),
        (4, "Tom Reid"),
    ]
    turn2 = next(s for s in segs if s.n == 2)
    assert PODCAST[turn2.start : turn2.end].endswith("visits every month.")
    # the key is the preamble: kept, numbered below 1, not a turn
    assert {s.kind for s in segs if s.n < 0} == {"preamble"}
    # the questioning side, by the pattern: the host asks, the guest answers
    roles = {s.speaker: s.role for s in speaker_roles(PODCAST, segs)}
    assert roles == {None: None, "Alison Mackie": "interviewer", "Tom Reid": None}


def test_a_key_whose_initials_open_no_lines_is_ordinary_text():
    text = "UK - United Kingdom\nEU - European Union\n\nWe compared the two systems."
    assert speaker_key(text) == {}
    assert [s for s, _ in said(text)] == [None, None]


HEARING = """\
3 March 2026
============

*(10.00 am)*

**Chair**: Good morning. Ms Okafor, please.

Ms Grace Okafor
---------------

*MS GRACE OKAFOR (sworn).*

Questions from Counsel
^^^^^^^^^^^^^^^^^^^^^^

**Counsel**: You run a home care agency; is that right?

**Ms Okafor**: Yes, since 2011. [As read] "We had no gloves."

(Witness nodded)

**Counsel**: Thank you.
"""


def test_hearing_in_restructuredtext_bold_labels_headings_and_stage_notes(tmp_path):
    raw = read_document(write(tmp_path / "day1.rst", HEARING))
    segs = split_turns(raw.text)
    turns = [(s.n, s.speaker) for s in segs if s.kind == "turn"]
    assert turns == [(1, "Chair"), (2, "Counsel"), (3, "Ms Okafor"), (4, "Counsel")]
    headings = [raw.text[s.start : s.end].split("\n")[0] for s in segs if s.kind == "heading"]
    assert headings == ["3 March 2026", "Ms Grace Okafor", "Questions from Counsel"]
    # inline markers stay inside the turn they interrupt; none is a speaker; a stage note that
    # closes a turn on its own line is a note, not the witness's words
    okafor = next(s for s in segs if s.speaker == "Ms Okafor")
    assert "[As read]" in raw.text[okafor.start : okafor.end]
    assert raw.text[okafor.start : okafor.end].endswith('"We had no gloves."')
    notes = [raw.text[s.start : s.end] for s in segs if s.kind == "note"]
    assert "(Witness nodded)" in notes
    roles = {s.speaker: s.role for s in speaker_roles(raw.text, segs) if s.speaker}
    assert roles == {"Chair": "interviewer", "Counsel": "interviewer", "Ms Okafor": None}


def test_other_counsel_join_the_questioning_side_but_a_debater_does_not():
    """Counsel named without a role word who mostly ask, and are answered, are on the
    questioning side; a member whose long speeches hold rhetorical questions, which the chair
    follows, is not."""
    counsel = [
        ("Chair", "We resume with questions from Mr Adeyemi."),
        ("Mr Adeyemi KC", "Were the visits stopped in March?"),
        ("Ms Lund", "They were, for most homes."),
        ("Mr Adeyemi KC", "Who decided that?"),
        ("Ms Lund", "The provider, on the council's advice."),
        ("Mr Adeyemi KC", "Did anyone ask the residents?"),
        ("Ms Lund", "Not at first, no."),
        ("Mr Adeyemi KC", "Thank you. And the families?"),
        ("Ms Lund", "Some were told by letter."),
        ("Chair", "Thank you both."),
    ]
    debate = [
        ("Chair", "Mr Berg, please."),
        (
            "Mr Berg",
            "Why should carers wait? We have asked for years, and the answer is always "
            "next year. I support the motion.",
        ),  # fmt: skip
        ("Chair", "Ms Cole."),
        ("Ms Cole", "Who pays for the day centre? The families do, and they cannot go on."),
        ("Chair", "Mr Berg again."),
        ("Mr Berg", "How long must they wait? I will not repeat myself."),
        ("Chair", "Ms Cole."),
        ("Ms Cole", "I agree with the motion."),
        ("Chair", "Mr Berg, finally."),
        ("Mr Berg", "Is this fair? No. I ask members to vote for it."),
    ]
    for lines, expected in (
        (counsel, {"Chair": "interviewer", "Mr Adeyemi KC": "interviewer", "Ms Lund": None}),
        (debate, {"Chair": "interviewer", "Mr Berg": None, "Ms Cole": None}),
    ):
        text = "".join(f"{who}: {said}\n" for who, said in lines)
        segs = split_turns(text)
        roles = {s.speaker: s.role for s in speaker_roles(text, segs) if s.speaker}
        assert roles == expected


def test_numbered_labels_and_the_vertical_colon_of_extracted_chinese():
    text = (
        "2. 李議員：主席，我想問局長。\n局長︰多謝李議員的質詢。\n主席：李議員，請提出補充質詢。\n"
        "李議員︰局長會否增加資源？\n局長：會。\n"
    )
    assert said(text) == [
        ("李議員", "主席，我想問局長。"),
        ("局長", "多謝李議員的質詢。"),
        ("主席", "李議員，請提出補充質詢。"),
        ("李議員", "局長會否增加資源？"),
        ("局長", "會。"),
    ]


def test_a_label_that_only_heads_lists_is_a_heading_not_a_speaker():
    text = (
        "主席：現在表決。\n功能團體：\n贊成：12人\n反對：3人\n"
        "地方選區：\n贊成：20人\n主席：議案獲得通過。\n功能團體：\n贊成：11人\n"
    )
    speakers = {s.speaker for s in split_turns(text) if s.kind == "turn"}
    assert "功能團體" not in speakers and "主席" in speakers


WEBVTT = """\
WEBVTT

NOTE made by a transcription service

1
00:00:01.000 --> 00:00:04.000
<v Dana Lee>Thanks for joining. How long have you volunteered?

2
00:00:04.500 --> 00:00:09.000
<v Sam Ortiz>About six years now.

3
00:00:09.000 --> 00:00:12.000
<v Sam Ortiz>Mostly driving people to appointments.

4
00:01:02.000 --> 00:01:05.000
<v.loud Dana Lee>Why did you start?
"""

SRT = """\
1
00:00:01,000 --> 00:00:03,000
Dana: Can you hear me?

2
00:00:03,500 --> 00:00:06,000
Sam: Yes, clearly.

3
00:00:06,000 --> 00:00:08,000
It's a good line.
"""


def test_webvtt_voices_and_times_with_one_turn_per_run_of_cues(tmp_path):
    raw = read_document(write(tmp_path / "call.vtt", WEBVTT))
    assert [(s.speaker, s.timestamp, raw.text[s.start : s.end]) for s in raw.segments] == [
        ("Dana Lee", "00:00:01", "Thanks for joining. How long have you volunteered?"),
        ("Sam Ortiz", "00:00:04", "About six years now. Mostly driving people to appointments."),
        ("Dana Lee", "00:01:02", "Why did you start?"),
    ]


def test_srt_names_before_a_colon(tmp_path):
    raw = read_document(write(tmp_path / "call.srt", SRT))
    assert [(s.speaker, raw.text[s.start : s.end]) for s in raw.segments] == [
        ("Dana", "Can you hear me?"),
        ("Sam", "Yes, clearly. It's a good line."),
    ]


def test_captions_without_cues_are_refused_with_the_cause(tmp_path):
    with pytest.raises(Exception, match="no timed cues"):
        read_document(write(tmp_path / "empty.vtt", "WEBVTT\n\nNOTE nothing here\n"))


def test_html_is_read_as_its_text(tmp_path):
    page = (
        "<html><head><title>x</title><style>p{}</style><script>var a=1;</script></head><body>"
        "<h1>Minutes of the village meeting</h1><p><b>Chair</b>: We begin.</p>"
        "<p><b>Treasurer</b>: The fund has 2,000 yuan.</p><!-- a comment --></body></html>"
    )
    raw = read_document(write(tmp_path / "minutes.html", page))
    assert "var a" not in raw.text and "p{}" not in raw.text and "comment" not in raw.text
    assert raw.text.startswith("# Minutes of the village meeting")
    assert said(raw.text) == [("Chair", "We begin."), ("Treasurer", "The fund has 2,000 yuan.")]
    assert html_text("<p>a &amp; b</p>") == "a & b"
    table = "<table><tr><td>Chair</td><td>We begin.</td></tr><tr><td>李会长</td><td>好。</td></tr>"
    assert said(html_text(table + "</table>")) == [("Chair", "We begin."), ("李会长", "好。")]


# ---------------------------------------------------------------------------- PDF and cleaning

PAGES = [
    [
        "County Care Study - Interview 4",
        "Interviewer: How did the care home keep in touch with fami-",
        "lies during the lockdown in the spring of that year?",
        "Respondent: We set up video calls every week for each resident and their",
        "relatives, and the staff read letters aloud when the calls",
        "1",
    ],
    [
        "County Care Study - Interview 4",
        "failed. Some families came to the window on Sundays to wave and sing",
        "with the residents in the garden when the weather allowed it.",
        "Interviewer: Who organised the calls, and how often did they happen?",
        "2",
    ],
    [
        "County Care Study - Interview 4",
        "Respondent: The activities coordinator did most of it, with volunteers",
        "from the church helping on weekends, at least once a week for everyone.",
        "3",
    ],
]


def test_pdf_text_is_cleaned_and_split(tmp_path):
    path = tmp_path / "interview4.pdf"
    path.write_bytes(make_pdf(PAGES))
    raw = read_document(path)
    assert raw.cleaned and raw.format == "pdf"
    assert "County Care Study" not in raw.text and "\f" not in raw.text
    assert "families during" in raw.text  # hyphenation undone
    assert "when the calls failed. Some families" in raw.text  # joined across the page break
    assert [s for s, _ in said(raw.text)] == [
        "Interviewer",
        "Respondent",
        "Interviewer",
        "Respondent",
    ]


def test_a_pdf_without_text_is_refused_with_the_cause(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([[], []]))
    with pytest.raises(Exception, match="no text in the PDF"):
        read_document(path)


EXTRACTED_ZH = """\
市議會  ─  2025年 3月 4日

101
陳議員：主席，我想問局長，本市現時有多少間長者日間護理中心，輪候的
長者人數有多少，以及政府會否增加資源？

局長：主席，現時全市共有 80間日間護理中心，輪候人數約為 1 200人。
市議會  ─  2025年 3月 4日

102
陳議員：局長可否提供各區的數字，並說明增加名額的時間表，讓市民了解政
府的工作進度？

局長：我們會以書面答覆。
市議會  ─  2025年 3月 4日

103
主席：第二項質詢。
"""


def test_chinese_page_headers_and_numbers_go_and_lines_join_without_a_space():
    assert looks_extracted(EXTRACTED_ZH)
    clean = clean_extracted(EXTRACTED_ZH)
    assert "市議會" not in clean and "101" not in clean and "103" not in clean
    assert "輪候的長者人數" in clean and "讓市民了解政府的工作進度" in clean
    assert [s for s, _ in said(clean)] == ["陳議員", "局長", "陳議員", "局長", "主席"]


def test_plain_text_is_not_taken_for_extracted_text():
    text = "访谈者：您好\n受访者：我们村有 3 个小组。\n12\n访谈者：好的\n"
    assert not looks_extracted(text)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet="abc 老人互助，。", min_size=1, max_size=30), max_size=6),
        min_size=1,
        max_size=5,
    )
)
def test_cleaning_keeps_every_word_and_drops_form_feeds(pages):
    text = "\f".join("\n".join(lines) for lines in pages)
    clean = clean_extracted(text)
    assert "\f" not in clean and "\r" not in clean
    # nothing but whitespace and removed page furniture is lost: every kept character survives
    squeeze = "".join(clean.split())
    assert set(squeeze) <= set("".join(text.split()))


# ---------------------------------------------------------------------------- documents

POLICY = """\
# 某市居家养老服务条例

2020年5月6日 某市第十届人民代表大会常务委员会第三次会议通过

2021年3月1日 某省第十三届人民代表大会常务委员会第八次会议批准

<!-- INFO END -->

## 第一章  总则

第一条 为了规范居家养老服务，制定本条例。

第二条 本条例适用于本市行政区域内的居家养老服务。

前款所称居家养老服务，是指以家庭为基础的服务。

## 第二章  服务

第三条 街道应当设立居家养老服务中心。
"""


def test_a_regulation_is_articles_under_headings_with_a_preamble():
    segs = split_turns(POLICY)
    units = [(s.n, s.kind, POLICY[s.start : s.end][:4]) for s in segs]
    assert [u for u in units if u[0] > 0] == [
        (1, "article", "第一条 "),
        (2, "article", "第二条 "),
        (3, "article", "第三条 "),
    ]
    second = next(s for s in segs if s.n == 2)
    assert POLICY[second.start : second.end].endswith("以家庭为基础的服务。")
    kinds = [s.kind for s in segs if s.n < 0]
    assert kinds.count("preamble") == 2 and kinds.count("heading") == 3
    assert kinds.count("comment") == 1


def test_a_document_kind_ignores_labels():
    text = "会议纪要\n\n时间：3月4日\n地点：村委会\n\n村里讨论了幸福院的经费。"
    assert all(s.speaker is None for s in split_turns(text, kind="document"))


# ---------------------------------------------------------------------------- language, encoding


def test_french_is_other_and_english_is_english():
    fr = "Je travaille avec les personnes âgées de la commune depuis dix ans, et nous avons une"
    assert detect_language(fr + " association de bénévoles.") == "other"
    en = "I have worked with the older people of the town for ten years, and we have a group."
    assert detect_language(en) == "en"


def test_a_short_gbk_file_is_gb18030_not_big5():
    text = "访谈者：你好\n受访者：好的。"
    decoded = decode_bytes(text.encode("gbk"), source="short.txt")
    assert (decoded.encoding, decoded.text) == ("gb18030", text)
    big5 = "訪談者：你好，我們開始吧。\n受訪者：好的。"
    assert decode_bytes(big5.encode("big5"), source="b.txt").encoding == "big5"


def test_structure_never_overlaps_and_is_numbered_below_one(tmp_path):
    segs = split_turns(HEARING)
    starts = [s.label_start for s in segs]
    assert starts == sorted(starts)
    assert all((s.n > 0) == (s.kind in ("turn", "paragraph", "article")) for s in segs)


def test_dev_data_is_not_needed(tmp_path):
    # the readers need nothing outside the project: a tiny Markdown interview reads as ever
    raw = read_document(write(tmp_path / "a.md", "# Title\n\nQ: hi\nA: hello\n"))
    assert said(raw.text) == [("Q", "hi"), ("A", "hello")]
    assert Path(tmp_path / "a.md").exists()


def test_a_key_with_colons_and_first_names_is_not_read_as_turns():
    text = (
        "Kirsty: Kirsty Bain\nJO: Jo Ode\n\nKirsty So what brought you here?\n"
        "JO The garden, really.\nKirsty And now?\nJO: Now the people.\n"
    )
    assert speaker_key(text) == {"Kirsty": "Kirsty Bain", "JO": "Jo Ode"}
    assert said(text) == [
        ("Kirsty Bain", "So what brought you here?"),
        ("Jo Ode", "The garden, really."),
        ("Kirsty Bain", "And now?"),
        ("Jo Ode", "Now the people."),
    ]


def test_a_transcript_that_opens_with_short_turns_has_no_key():
    text = "Interviewer: Hello\nRespondent: Hi\nInterviewer: How are you?\nRespondent: Fine.\n"
    assert speaker_key(text) == {}
    assert [s for s, _ in said(text)] == ["Interviewer", "Respondent"] * 2


def test_a_guess_from_little_text_is_reported_never_silent(tmp_path):
    path = tmp_path / "short.txt"
    path.write_bytes("老人互助".encode("gbk"))
    raw = read_document(path)
    assert (raw.encoding, raw.text) == ("gb18030", "老人互助")
    assert raw.warnings and "guess" in raw.warnings[0]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Dana", "Sam Ortiz", None]),
            st.text(alphabet="abc xyz老人互助，。?", min_size=1, max_size=25).filter(str.strip),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_caption_turns_hold_exactly_what_the_cues_say(tmp_path_factory, cues):
    lines = ["WEBVTT", ""]
    for i, (who, words) in enumerate(cues):
        voice = f"<v {who}>" if who else ""
        lines += [f"00:00:{i:02d}.000 --> 00:00:{i:02d}.900", voice + words.strip(), ""]
    path = tmp_path_factory.mktemp("vtt") / "c.vtt"
    path.write_text("\n".join(lines), "utf-8")
    raw = read_document(path)
    said_text = " ".join(raw.text[s.start : s.end] for s in raw.segments)
    assert said_text.split() == " ".join(w.strip() for _, w in cues).split()
    for s in raw.segments:
        assert raw.text[s.label_start : s.start].endswith((": ", "：", "] "))


def test_a_comment_late_in_an_article_leaves_its_paragraphs_content():
    text = "# News\n\n" + "\n\n".join(f"Paragraph {i} about the home." for i in range(8))
    text += "\n\n<!-- end of story -->\n\nLast line.\n"
    segs = split_turns(text)
    assert [s.kind for s in segs if s.n > 0] == ["paragraph"] * 9


def test_a_dated_sentence_in_the_body_is_content():
    text = "# 新闻\n\n省人大常委会召开会议。\n\n2021年9月29日，会议表决通过了条例修正案。\n"
    assert [s.kind for s in split_turns(text) if s.n > 0] == ["paragraph", "paragraph"]


def test_stage_notes_that_close_a_turn_are_notes_and_a_note_inside_it_stays():
    text = (
        "**Chair**: We shall break now.\n\n*(11.15 am)*\n\n*(A short break)*\n\n*(11.31 am)*\n\n"
        "**Counsel**: You said so.\n\n(Pause)\n\nThen you left.\n\n**Witness**: Yes."
    )
    segs = split_turns(text)
    said = {s.speaker: text[s.start : s.end] for s in segs if s.kind == "turn"}
    assert said["Chair"] == "We shall break now."
    assert said["Counsel"] == "You said so.\n\n(Pause)\n\nThen you left."
    notes = [text[s.start : s.end] for s in segs if s.kind == "note"]
    assert notes == ["*(11.15 am)*", "*(A short break)*", "*(11.31 am)*"]
    assert all(s.n < 1 for s in segs if s.kind == "note")
