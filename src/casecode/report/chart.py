"""The report's bar chart, drawn with matplotlib in a font that has Chinese characters.

Where no such font is installed, Chinese labels would print as empty boxes: the caller gets
``None`` from :func:`cjk_font` and labels the bars by code id instead (and says so).
"""

from __future__ import annotations

import io
from functools import lru_cache

# Fonts with CJK glyphs found on Windows, macOS and Linux, best first.
_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "STHeiti",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
    "Arial Unicode MS",
)


_HINTS = (
    "cjk",
    "wqy",
    "wenquanyi",
    "droidsansfallback",
    "simhei",
    "simsun",
    "msyh",
    "yahei",
    "pingfang",
    "sourcehan",
    "hiragino",
    "heiti",
    "uming",
    "ukai",
    "notosanssc",
    "arialuni",
)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The path of an installed font that draws 中文, or None. matplotlib's font list first (it
    may be older than the fonts installed), then the system's font files, those whose names
    suggest Chinese first; never a "last resort" font, which draws every character as a box."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    fonts = font_manager.fontManager.ttflist
    rank = {name: i for i, name in enumerate(_CJK_FAMILIES)}
    known = [
        f.fname
        for f in sorted((f for f in fonts if f.name in rank), key=lambda f: (rank[f.name], f.fname))
    ]
    system = sorted(
        font_manager.findSystemFonts(),
        key=lambda p: (
            not any(h in p.lower().replace("-", "").replace("_", "") for h in _HINTS),
            p,
        ),
    )
    others = sorted(f.fname for f in fonts if f.name not in rank)
    for path in dict.fromkeys([*known, *system, *others]):
        if "lastresort" in path.lower().replace("-", "").replace("_", ""):
            continue
        try:
            face = FT2Font(path)
            if face.get_char_index(ord("中")) and face.get_char_index(ord("编")):
                return path
        except Exception:  # noqa: BLE001 - a broken font file is just not used
            continue
    return None


def needs_cjk(labels: list[str]) -> bool:
    return any(ord(ch) > 0x2E7F for label in labels for ch in label)


def bar_chart(bars: list[tuple[str, int]], xlabel: str, font: str | None) -> bytes:
    """A horizontal bar chart (largest at the top) as PNG bytes; the same bars give the same
    bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    props = FontProperties(fname=font, size=9) if font else FontProperties(size=9)
    labels = [label for label, _ in bars][::-1]
    values = [value for _, value in bars][::-1]
    height = max(2.0, 0.28 * len(bars) + 0.9)
    fig = Figure(figsize=(6.3, height), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.barh(range(len(values)), values, color="#4472C4", height=0.7)
    ax.set_yticks(range(len(values)))
    ax.set_yticklabels(labels, fontproperties=props)
    ax.set_xlabel(xlabel, fontproperties=props)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v}", va="center", fontproperties=props)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # turns are whole numbers
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(x=0.08)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
