"""Charts for the screen: the card's own Vega-Lite spec drawn server-side to SVG by vl-convert.

Why not `st.vega_lite_chart`: the browser then downloads and runs Vega (a few hundred kB of
JavaScript) and lays every chart out itself; a page of charts was 1.5-3x a hello page to draw
(bench/pages.py). An SVG picture of the same spec, the one the PNG and the slides are made from,
is drawn by the browser at once and stays sharp at any zoom. What is lost: Vega's tooltips on hover
(every value is printed on the bars and in the table and alt text, so nothing is only in a tooltip).

The SVG names the packaged font (Noto Sans CJK JP) for its text; a viewer's machine without it
would fall back to a serif or a Latin-only face, so the family is widened to the usual Japanese
gothic fonts of Windows, macOS and Linux. Widths were measured with Noto, whose glyph widths these
gothic fonts share closely for kana and kanji.
"""

from __future__ import annotations

from typing import Any

from jichitai_metrics import images

__all__ = ["FONT_STACK", "screen_svg"]

FONT_STACK = (
    "'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Hiragino Kaku Gothic ProN', "
    "'Yu Gothic', 'Meiryo', sans-serif"
)


def screen_svg(spec: dict[str, Any]) -> str:
    """The spec as an SVG string whose text names a gothic font stack (see the module note)."""
    svg = images.render_svg(spec)
    return svg.replace(f'font-family="{images.FONT_FAMILY}"', f'font-family="{FONT_STACK}"')
