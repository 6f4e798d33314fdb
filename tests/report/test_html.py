"""The HTML page's engine, read back with an HTML parser: spans at the right offsets, lanes for
overlaps, evidence, colours, the panel's controls, escaping of hostile text, pseudonyms, size."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from casecode.codebook.codes import build
from casecode.report.html import (
    ViewCoding,
    ViewDoc,
    ViewTurn,
    code_colours,
    view_page,
)

BOOK = build(
    {
        "name": "t",
        "languages": ["zh", "en"],
        "codes": [
            {
                "id": "problems",
                "label": {"zh": "问题", "en": "Problems"},
                "children": [
                    {"id": "problems.funds", "label": {"zh": "资金不足", "en": "Funds"}},
                    {"id": "problems.unclear", "label": {"zh": "权责不清", "en": "Unclear"}},
                    {"id": "problems.staff", "label": {"zh": "人手", "en": "Staff"}},
                ],
            },
            {
                "id": "actors",
                "label": {"zh": "主体", "en": "Actors"},
                "color": "#123456",
                "children": [{"id": "actors.village", "label": {"zh": "村委会", "en": "Village"}}],
            },
        ],
    }
)

# 访谈者：钱够吗？\n李书记：钱不够，村委会说不清楚。\n
TEXT = "访谈者：钱够吗？\n李书记：钱不够，村委会说不清楚。\n"
T1 = ViewTurn(1, "访谈者", 4, 8, 0)
T2 = ViewTurn(2, "李书记", 13, 25, 9)
DOC = ViewDoc(1, "zh03.txt", "上坊村", "zh", TEXT, [T1, T2], {"role": "村支书"})


def coding(cid, code, start, end, **kw) -> ViewCoding:
    values = dict(coder="auto", status="suggested", origin="rule:r1", confidence=0.8)
    values.update(kw)
    return ViewCoding(cid, 1, code, start, end, **values)


CODINGS = [
    coding(1, "problems.funds", 13, 16, evidence=((13, 14),)),  # 钱不够
    coding(2, "problems.unclear", 17, 24, coder="ann", status="accepted", origin="manual"),
    coding(3, "actors.village", 17, 20, confidence=None),  # 村委会, inside coding 2
]


class Tree(HTMLParser):
    """Every element with its attributes, and the text inside each ``data-c`` span."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.covered: dict[int, str] = {}
        self.bold: dict[str, str] = {}
        self.scripts: list[str] = []
        self.turn_text: dict[str, str] = {}
        self.turn: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.elements.append((tag, a))
        if tag not in ("input", "meta", "br", "img"):
            self.stack.append((tag, a))
        if tag == "div" and "turn" in a.get("class", "").split():
            self.turn = a["id"]
            self.turn_text[self.turn] = ""

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "script":
            self.scripts.append(data)
        for tag, a in self.stack:
            if "data-c" in a:
                n = int(a["data-c"])
                self.covered[n] = self.covered.get(n, "") + data
            if tag == "b" and "e" in a.get("class", "").split():
                key = a["class"]
                self.bold[key] = self.bold.get(key, "") + data
            if tag == "p" and a.get("class") == "tx" and self.turn:
                self.turn_text[self.turn] += data

    def find(self, tag=None, cls=None, **attrs):
        return [
            a
            for t, a in self.elements
            if (tag is None or t == tag)
            and (cls is None or cls in a.get("class", "").split())
            and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]


def parse(page: str) -> Tree:
    tree = Tree()
    tree.feed(page)
    tree.close()
    return tree


def data_of(page: str) -> dict:
    raw = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    return json.loads(raw.group(1))


@pytest.fixture(scope="module")
def page() -> str:
    return view_page([DOC], CODINGS, BOOK, lang="zh")


def test_each_coding_covers_exactly_its_characters(page):
    tree = parse(page)
    rows = data_of(page)["codings"]
    assert len(rows) == 3
    # the page numbers codings in reading order; each covers its stored offsets' text
    by_number = {n: c for n, c in enumerate(sorted(CODINGS, key=lambda c: (c.start, c.end)))}
    for n, c in by_number.items():
        assert tree.covered[n] == TEXT[c.start : c.end], c
    assert tree.turn_text == {"d1t1": "钱够吗？", "d1t2": "钱不够，村委会说不清楚。"}


def test_overlapping_codings_nest_in_different_lanes(page):
    spans = parse(page).find("span", cls="c")
    lanes = {}
    for s in spans:
        lane = next(c for c in s["class"].split() if re.fullmatch(r"l\d", c))
        lanes.setdefault(s["data-c"], set()).add(lane)
    # 权责不清 (17-24) and 村委会 (17-20) overlap: two lanes; 钱不够 stands alone in lane 0
    assert lanes["1"] != lanes["2"]
    assert lanes["0"] == {"l0"}
    # the wider one (权责不清) holds 村委会: one lane further out, its underline drawn below
    outer = '<span class="c k1 u1 sa l1" data-c="2" id="c2" tabindex="0">'
    inner = '<span class="c k2 u0 ss l0" data-c="1" id="c3" tabindex="0">'
    assert outer + inner + "村委会</span>说不清楚</span>" in page


def test_each_coding_is_focusable_once_and_evidence_is_bold(page):
    tree = parse(page)
    assert sorted(a["id"] for a in tree.find("span", tabindex="0")) == ["c1", "c2", "c3"]
    assert list(tree.bold.values()) == ["钱"]


def test_codes_are_coloured_and_siblings_differ():
    colours = code_colours(BOOK)
    siblings = [colours[f"problems.{c}"] for c in ("funds", "unclear", "staff")]
    assert len(set(siblings)) == 3
    assert colours["actors"] == "#123456"  # the codebook's own colour wins
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours.values())


def test_the_style_sheet_gives_each_code_its_colour(page):
    data = data_of(page)
    colours = code_colours(BOOK)
    for k, (code, _, colour) in enumerate(data["codes"]):
        assert colour == colours[code]
        assert f".k{k}{{--c:{colour};" in page
        assert f".off-k{k} .c.k{k}" in page  # the rule that hides it
    assert [c[0] for c in data["codes"]][:3] == [
        "problems.funds",
        "problems.unclear",
        "actors.village",
    ]


def test_the_panel_has_every_control(page):
    tree = parse(page)
    boxes = tree.find("input", cls="fk")
    keys = {b["data-k"] for b in boxes}
    data = data_of(page)
    assert keys == {str(k) for k in range(len(data["codes"]))}
    assert all("checked" in b for b in boxes)
    assert len(tree.find("input", cls="fu")) == 2  # auto, ann
    assert {b["data-s"] for b in tree.find("input", cls="fs")} == {"sa", "ss"}
    assert tree.find("input", id="q", type="search")
    assert len(tree.find("a", cls="go")) == 3  # one per coded code, to its passages
    assert tree.find("template") and tree.find("section", cls="doc", id="d1", lang="zh")
    stripes = tree.find("i", cls="st")
    assert len(stripes) == 3 and all(s["title"] for s in stripes)
    # the codebook tree holds the coded codes and their parents, not problems.staff
    labels = page.split('<div class="tree">')[1].split("</div>")[0]
    assert "问题" in labels and "资金不足" in labels and "人手" not in labels


def test_no_network_no_files_beside_it(page):
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)
    assert "@import" not in page and "url(" not in page
    assert "<link" not in page


def test_hostile_text_stays_text():
    evil = "<script>alert(1)</script></script><!--"
    text = f"访谈者：{evil}\n{evil}：<b>x</b> & done\n"
    t1 = ViewTurn(1, "访谈者", 4, 4 + len(evil), 0)
    start2 = text.index("：<b>") + 1
    t2 = ViewTurn(2, evil, start2, len(text) - 1, len(evil) + 5)
    doc = ViewDoc(1, evil, evil, "en", text, [t1, t2], {"role": evil})
    c = ViewCoding(1, 1, "problems.funds", 4, 12, evil, "suggested", "rule:" + evil, 0.5, evil)
    page = view_page([doc], [c], BOOK, lang="en", title=evil)
    assert "<script>alert" not in page and "<b>x" not in page
    tree = parse(page)
    assert len([1 for t, _ in tree.elements if t == "script"]) == 2  # data and the page's own
    assert tree.turn_text["d1t2"] == "<b>x</b> & done"
    assert data_of(page)["codings"][0][5] == evil  # the memo, intact after JSON
    assert data_of(page)["coders"] == [evil]


def test_pseudonyms_replace_names_and_keep_roles():
    other = ViewDoc(2, "zh04.txt", "柏树村", "zh", TEXT, [T1, T2], {"role": "会长"})
    page = view_page([DOC, other], CODINGS, BOOK, lang="zh", pseudonyms=True)
    for name in ("李书记", "上坊村", "柏树村", "zh03", "zh04"):
        assert name not in page
    assert "受访者1" in page and "案例A" in page and "案例B" in page and "文档2" in page
    assert "村支书" in page and "会长" in page and "访谈者" in page  # roles stay
    english = view_page([DOC], CODINGS, BOOK, lang="en", pseudonyms=True)
    assert "Speaker 1" in english and "Case A" in english and "Document 1" in english


def test_size_grows_linearly_with_the_text():
    def page_of(n: int) -> str:
        docs, codings = [], []
        for d in range(n):
            docs.append(ViewDoc(d, f"d{d}", "c", "zh", TEXT, [T1, T2], {}))
            for c in CODINGS:
                codings.append(ViewCoding(c.id + 10 * d, d, *vars_of(c)))
        return view_page(docs, codings, BOOK, lang="zh")

    def vars_of(c):
        return (c.code, c.start, c.end, c.coder, c.status, c.origin, c.confidence, c.memo)

    small, big = len(page_of(200)), len(page_of(800))
    base = len(page_of(0))
    assert 3.7 < (big - base) / (small - base) < 4.3


def test_a_coding_over_two_turns_shows_in_both():
    both = [coding(1, "problems.funds", 5, 16)]
    tree = parse(view_page([DOC], both, BOOK, lang="zh"))
    assert tree.covered[0] == TEXT[5:8] + TEXT[13:16]
    assert len(tree.find("i", cls="st")) == 2


def test_a_page_without_codings_says_so():
    page = view_page([DOC], [], BOOK, lang="en")
    assert "No codings match." in page
    assert not parse(page).find("span", cls="c")


def test_a_category_shows_the_passages_of_its_codes(page):
    """问题 has no coding of its own but two below it: the panel says Σ 2, not 0."""
    tree = page.split('<div class="tree">')[1].split("</div>")[0]
    item = tree.split("问题</label>")[1].split("<ul")[0]
    assert "Σ 2" in item and ">0<" not in item
