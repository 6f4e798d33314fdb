"""Code colours: one distinct colour for every code, as ``casecode view`` shows them and as
``qdpx export`` hands them to other tools.

An engine: a pure function of the codes.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence

from casecode.codebook.codes import Code, Codebook


def _hex(h: float, lightness: float, saturation: float) -> str:
    r, g, b = colorsys.hls_to_rgb(h % 1.0, lightness, saturation)
    return "#{:02x}{:02x}{:02x}".format(*(round(v * 255) for v in (r, g, b)))


def _hue_of(colour: str) -> tuple[float, float, float] | None:
    c = colour.strip().lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    try:
        r, g, b = (int(c[i : i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return None
    return colorsys.rgb_to_hls(r, g, b)


def code_colours(book: Codebook | Sequence[Code]) -> dict[str, str]:
    """A colour for every code (of a codebook, or of top-level codes): sibling codes get distinct
    hues (their parent's hue range shared out among them), deeper codes lighter shades. A code's
    own codebook ``color`` wins when no sibling has the same one; siblings that share one colour
    get hues spread around it."""
    colours: dict[str, str] = {}

    def share(codes: Sequence[Code], low: float, high: float, depth: int) -> None:
        given = [c.color for c in codes if c.color]
        width = (high - low) / max(len(codes), 1)
        for i, code in enumerate(codes):
            own = code.color if code.color and given.count(code.color) == 1 else None
            lo, hi = low + i * width, low + (i + 1) * width
            if own is not None:
                colours[code.id] = own
                hls = _hue_of(own)
                if hls is not None:  # its children share out the hues around its own
                    lo, hi = hls[0] - 0.08, hls[0] + 0.08
            elif code.color and (hls := _hue_of(code.color)) is not None:
                # siblings named with one colour: hues spread around it, within ±0.12
                same = [c for c in codes if c.color == code.color]
                k = same.index(code)
                spread = 0.24 / max(len(same), 1)
                hue = hls[0] - 0.12 + spread * (k + 0.5)
                lightness = 0.38 + 0.08 * (k % 2) + 0.06 * min(depth, 3)
                colours[code.id] = _hex(hue, lightness, 0.62)
                lo, hi = hue - spread / 2, hue + spread / 2
            else:
                hue = (lo + hi) / 2
                lightness = 0.40 + 0.07 * min(depth, 3) + (0.06 if i % 2 else 0.0)
                colours[code.id] = _hex(hue, lightness, 0.65)
                half = min(hi - lo, 0.22) / 2  # its children keep near its hue
                lo, hi = hue - half, hue + half
            share(code.children, lo, hi, depth + 1)

    share(book.codes if isinstance(book, Codebook) else list(book), 0.0, 1.0, 0)
    return colours
