"""``casecode view``: the verb on a project (documents, codes, coders, statuses, pseudonyms, the
output policy), its command line, and the page in a real browser (headless Chromium)."""

from __future__ import annotations

import os
import re
import shutil
import struct

import pytest

import casecode
from browser import Browser, find_chromium
from conftest import build_once, copy_of, write
from samples import tagged_project


@pytest.fixture(scope="module")
def _coded(tmp_path_factory):
    return build_once(tmp_path_factory, _code, CASECODE_CODER="ann")


def _code(cli, project, tmp_path):
    # the rules suggest problems.unclear on a.txt turn 4 (说不清楚)
    tagged_project(
        cli,
        project,
        tmp_path,
        [
            ("a.txt", "2", "problems.funds", "--memo", "<i>late</i> money"),
            ("a.txt", "4", "actors.village", "--quote", "村委会"),
            ("b.txt", "2", "actors.village"),
            ("b.txt", "3", "problems.funds"),
            ("a.txt", "2", "problems.funds", "--coder", "bo"),
        ],
    )


@pytest.fixture
def coded(_coded, tmp_path, monkeypatch):
    monkeypatch.setenv("CASECODE_CODER", "ann")
    return copy_of(_coded, tmp_path)


def test_view_writes_one_page_with_every_coding(coded, tmp_path):
    out = tmp_path / "v.html"
    result = casecode.view(coded, out=out)
    page = out.read_text("utf-8")
    assert result["file"] == str(out) and result["bytes"] == len(page.encode())
    assert result["documents"] == 2 and result["codings"] == 6 and result["lang"] == "zh"
    assert page.count('tabindex="0"') == 6
    assert "钱不够" in page and "上坊村" in page and "村支书" in page
    assert "&lt;i&gt;late&lt;/i&gt;" not in page  # memos travel as JSON data, not markup
    assert "\\u003ci\\u003elate" in page


def test_view_selects_documents_codes_coders_and_statuses(coded, tmp_path):
    assert casecode.view(coded, ["a"], out=tmp_path / "1.html")["documents"] == 1
    assert casecode.view(coded, out=tmp_path / "2.html", codes="actors")["codings"] == 2
    assert casecode.view(coded, out=tmp_path / "3.html", coder="bo")["codings"] == 1
    only = casecode.view(coded, out=tmp_path / "4.html", status="suggested")
    assert only["codings"] == 1 and only["codes"] == 1
    none = casecode.view(coded, out=tmp_path / "5.html", status="rejected")
    assert none["codings"] == 0 and none["warnings"]
    # auto, as tables count: the accepted codings while there are any, else the suggestions
    assert casecode.view(coded, out=tmp_path / "6.html", status="auto")["codings"] == 5
    rules = casecode.view(coded, out=tmp_path / "7.html", status="auto", coder="auto")
    assert rules["codings"] == 1


def test_view_names_pseudonyms(coded, tmp_path):
    casecode.view(coded, out=tmp_path / "p.html", pseudonyms=True, lang="en")
    page = (tmp_path / "p.html").read_text("utf-8")
    assert "上坊村" not in page and "a.txt" not in page and "会长：" not in page
    assert "Case A" in page and "Document 2" in page and "村支书" in page


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"docs": ["nosuch"]}, "no document 'nosuch'"),
        ({"codes": "nosuch"}, "no code 'nosuch'"),
        ({"coder": "zed"}, "no codings by coder 'zed'"),
        ({"status": "maybe"}, "unknown status 'maybe'"),
        ({"lang": "fr"}, "unknown language 'fr'"),
        ({"out": "v.txt"}, "cannot write '.txt' files"),
    ],
)
def test_view_refuses_bad_input(coded, tmp_path, kwargs, message):
    kwargs.setdefault("out", tmp_path / "v.html")
    with pytest.raises(casecode.CasecodeError, match=re.escape(message)):
        casecode.view(coded, **kwargs)
    assert not (tmp_path / "v.html").exists()


def test_view_refuses_an_existing_file_without_force(coded, tmp_path):
    out = write(tmp_path / "v.html", "mine")
    with pytest.raises(casecode.CasecodeError, match="already exists"):
        casecode.view(coded, out=out)
    assert out.read_text() == "mine"
    casecode.view(coded, out=out, force=True)
    assert out.read_text("utf-8").startswith("<!doctype html>")


def test_view_cli(cli, coded, tmp_path):
    out = tmp_path / "v.html"
    result = cli("view", "a.txt", "b", "--codes", "problems", "-p", coded, "--out", out)
    assert re.match(r"Wrote .*v\.html: 2 documents, 4 codings of 2 codes", result.stdout)
    again = cli("view", "-p", coded, "--out", out, ok=False)
    assert again.exit_code == 1 and "already exists (use --force" in again.stderr
    bad = cli("view", "nosuch", "-p", coded, "--out", tmp_path / "x.html", ok=False)
    assert bad.exit_code == 1 and "no document 'nosuch'" in bad.stderr
    data = cli.json("view", "-p", coded, "--out", out, "--force", "--pseudonyms", "--lang", "en")
    assert data["pseudonyms"] is True and data["lang"] == "en" and data["codings"] == 6


# -------------------------------------------------------------------- in a real browser


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.slow
def test_the_page_in_headless_chromium(coded, tmp_path):
    """Chromium loads the page; unticking a code hides its spans and stripes (and only its),
    ticking it shows them again; focus shows a coding's details; search hides other turns; the
    phone-width layout has no sideways scrolling; a screenshot is kept."""
    binary = find_chromium()
    if binary is None:
        pytest.skip("no Chromium here: install Debian's chromium package (.ci/run does)")
    out = tmp_path / "view.html"
    casecode.view(coded, out=out)
    browser = Browser(binary, tmp_path / "profile")
    try:
        browser.open(out)
        js = browser.evaluate
        k = js("JSON.parse(document.getElementById('data').textContent).codes"
               ".findIndex(c => c[0] === 'problems.funds')")  # fmt: skip
        other = js("JSON.parse(document.getElementById('data').textContent).codes"
                   ".findIndex(c => c[0] === 'actors.village')")  # fmt: skip
        visible = (
            "(k) => [...document.querySelectorAll('main .c.k' + k)].map(e => "
            "getComputedStyle(e).boxShadow !== 'none')"
        )
        stripes = (
            "(k) => [...document.querySelectorAll('main .st.k' + k)].map(e => "
            "e.getBoundingClientRect().height > 0)"
        )
        assert js(f"({visible})({k})") == [True, True, True]  # two by ann, one by bo
        assert all(js(f"({stripes})({k})")) and js(f"({stripes})({k})")
        assert js("document.querySelectorAll('main template').length") == 0  # all in place

        js(f"document.querySelector('input.fk[data-k=\"{k}\"]').click()")
        assert js(f"({visible})({k})") == [False, False, False]
        assert not any(js(f"({stripes})({k})"))
        assert all(js(f"({visible})({other})"))  # another code is untouched
        assert js(f"document.body.classList.contains('off-k{k}')")
        browser.screenshot(tmp_path / "view-off.png")

        js(f"document.querySelector('input.fk[data-k=\"{k}\"]').click()")
        assert js(f"({visible})({k})") == [True, True, True]
        assert all(js(f"({stripes})({k})"))

        # a coder's filter, then the details of a focused coding
        js("document.querySelector('input.fu[data-u]').click()")
        assert not all(js(f"({visible})({k})"))
        js("document.querySelector('input.fu[data-u]').click()")
        tip = js(
            f"(() => {{ const e = document.querySelector('main .c.k{k}[tabindex]');"
            " e.focus(); const t = document.getElementById('tip');"
            " return [t.hidden, t.textContent]; })()"
        )
        assert tip[0] is False and "资金不足" in tip[1] and "problems.funds" in tip[1]

        # search: only turns holding the words stay
        js("{ const q = document.getElementById('q'); q.value = '经费';"
           "q.dispatchEvent(new Event('input')) }")  # fmt: skip
        browser.evaluate("new Promise(r => setTimeout(r, 400))")
        shown = js("[...document.querySelectorAll('main .turn')]"
                   ".filter(t => t.getBoundingClientRect().height > 0).length")  # fmt: skip
        assert shown == 1
        js("{ const q = document.getElementById('q'); q.value = '';"
           "q.dispatchEvent(new Event('input')) }")  # fmt: skip
        browser.evaluate("new Promise(r => setTimeout(r, 400))")

        png = browser.screenshot(tmp_path / "view.png")
        assert _png_size(png) == (1280, 900) and len(png) > 20_000

        # a link in the page's address hides a code as it opens
        browser.open(out, "hide=problems")
        assert js(f"document.querySelector('input.fk[data-k=\"{k}\"]').checked") is False
        assert js(f"({visible})({k})") == [False, False, False]

        # phone width: one column, nothing to scroll sideways
        browser.resize(390, 800, mobile=True)
        browser.open(out)
        assert js("document.documentElement.scrollWidth") <= 390
        # the text comes first: the panel's lists start folded, a tap away
        assert js("[].map.call(document.querySelectorAll('#panel details'), d => d.open)") == [
            False,
            False,
        ]
        assert js("document.querySelector('.turn').getBoundingClientRect().top") < 800
        phone = browser.screenshot(tmp_path / "view-phone.png")
        assert _png_size(phone)[0] == 390
    finally:
        browser.close()
    if os.environ.get("CASECODE_ARTIFACTS"):  # CI keeps the screenshots
        for name in ("view.png", "view-off.png", "view-phone.png"):
            shutil.copy(tmp_path / name, os.environ["CASECODE_ARTIFACTS"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_method_says_where_the_page_is(coded, tmp_path, lang):
    from docx import Document

    casecode.build_report(coded, tmp_path / "r.docx", lang=lang)
    text = "\n".join(p.text for p in Document(str(tmp_path / "r.docx")).paragraphs)
    assert "view.html" in text and "casecode view" in text
