from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecode import CasecodeError
from casecode.corpus.encoding import decode_bytes

ZH = "访谈者：您好，请介绍一下村里互助幸福院的情况。\n受访者：我们村的互助幸福院是2019年建的，老人在这里集中用餐，志愿者轮流值班，子女大多外出打工了。"
TW = "訪談者：您好，請介紹一下村裡互助幸福院的情況。\n受訪者：我們村的互助幸福院是2019年建的，老人在這裡集中用餐。"
EN = "Interviewer: Tell me about the café – was it “naïve” to start?\nR1: Well… the elderly association’s café is fine."


@pytest.mark.parametrize(
    ("text", "codec", "reported"),
    [
        (ZH, "utf-8", "utf-8"),
        (ZH, "utf-8-sig", "utf-8-sig"),
        (ZH, "utf-16", "utf-16"),
        (ZH, "utf-16-le", "utf-16"),
        (EN, "utf-16-be", "utf-16"),
        (ZH, "gbk", "gb18030"),
        (ZH, "gb18030", "gb18030"),
        (TW, "big5", "big5"),
        (EN, "cp1252", "cp1252"),
    ],
)
def test_detects_the_encoding_and_decodes_exactly(text, codec, reported):
    decoded = decode_bytes(text.encode(codec), source="t.txt")
    assert decoded.text == text
    assert decoded.encoding == reported


def test_the_byte_order_mark_is_not_part_of_the_text():
    decoded = decode_bytes(codecs.BOM_UTF8 + b"Q: hi", source="t.txt")
    assert decoded.text == "Q: hi"


def test_an_explicit_encoding_overrides_detection():
    data = ZH.encode("gbk")
    assert decode_bytes(data, source="t.txt", encoding="gbk").encoding == "gb18030"
    with pytest.raises(CasecodeError, match=r"t.txt: cannot decode as utf-8"):
        decode_bytes(data, source="t.txt", encoding="utf-8")
    with pytest.raises(CasecodeError, match="unknown encoding 'klingon'"):
        decode_bytes(data, source="t.txt", encoding="klingon")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"  \n\t ", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary file"),
        (bytes(range(1, 32)) * 50, "binary file"),
    ],
)
def test_bad_bytes_are_refused_with_a_reason(data, message):
    with pytest.raises(CasecodeError, match=message) as info:
        decode_bytes(data, source="bad.txt")
    assert str(info.value).startswith("bad.txt: ")


SENTENCES = [
    "访谈者：您好，请介绍一下村里的情况。",
    "受访者：我们村六十岁以上的老人有两百多个，子女大多外出打工了。",
    "互助幸福院是二〇一九年建的，老人每天在这里集中用餐。",
    "志愿者轮流值班，低龄老人帮扶高龄老人。",
    "问：资金从哪里来？",
    "答：县里给建设补贴，运营靠村集体和乡贤捐款，经费还是紧张。",
    "出了事谁负责，这个权责不清楚。",
    "老年协会每个月把账目公开，大家监督。",
]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=12).map("\n".join),
    st.sampled_from(["gbk", "gb18030", "utf-8", "utf-16"]),
)
def test_chinese_transcripts_round_trip_in_every_common_encoding(text, codec):
    assert decode_bytes(text.encode(codec), source="t").text == text
