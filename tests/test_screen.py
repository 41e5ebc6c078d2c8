"""Charts on screen: SVG pictures of the card's spec, with AA-contrast text and a gothic font stack."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from jichitai_metrics import chart_card, screen

NAMED = {"white": "#FFFFFF", "black": "#000000"}
# Every background a chart draws text on: the page (white) and the headline tiles' fill.
BACKGROUNDS = ("#FFFFFF", "#F0F2F6")


def _rgb(colour: str) -> tuple[float, float, float]:
    colour = NAMED.get(colour, colour).lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    return tuple(int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio of two opaque colours."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula_on_known_pairs():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)  # the classic AA grey
    assert contrast("#8C8C8C", "#FFFFFF") < 4.5  # the old "not reported" grey failed


def _texts(svg: str) -> list[tuple[str, str, float, bool]]:
    """(text, fill, size px, bold) of every text in the SVG, with fills inherited from groups."""
    out = []

    def walk(node: ET.Element, fill: str | None) -> None:
        fill = node.get("fill", fill)
        if node.tag.endswith("text") and node.get("opacity") != "0":  # opacity 0: not drawn at all
            size = float((node.get("font-size") or "11px").removesuffix("px"))
            out.append(("".join(node.itertext()), fill or "#000", size, node.get("font-weight") == "bold"))
            # a translucent text would need blending; the charts draw none (this fails if one appears)
            assert node.get("opacity") in (None, "1") and node.get("fill-opacity") in (None, "1")
        for child in node:
            walk(child, fill)

    walk(ET.fromstring(svg), None)
    return out


@pytest.fixture(scope="module", params=["ja", "en"])
def cards(request, catalog_con):
    seminar_id = catalog_con.execute("SELECT id FROM seminars").fetchone()[0]
    return chart_card.load_cards(catalog_con, seminar_id, lang=request.param)[1]


def test_every_chart_label_meets_aa_contrast(cards):
    """Text in every chart: 4.5:1 (3:1 when large: ≥ 24 px, or ≥ 18.66 px bold) on every background."""
    failures = []
    for item in cards:
        svg = screen.screen_svg(item.spec(chart_card.IMAGE_WIDTH, title=False))
        texts = _texts(svg)
        assert texts, item.chart_id
        for text, fill, size, bold in texts:
            if not text.strip() or fill == "none":
                continue
            need = 3.0 if size >= 24 or (bold and size >= 18.66) else 4.5
            worst = min(contrast(fill, bg) for bg in BACKGROUNDS)
            if worst < need:
                failures.append((item.chart_id, text, fill, round(worst, 2)))
    assert failures == []


def test_screen_svg_names_a_gothic_font_stack(cards):
    svg = screen.screen_svg(cards[0].spec(chart_card.IMAGE_WIDTH, title=False))
    families = {node.get("font-family") for node in ET.fromstring(svg).iter() if node.get("font-family")}
    assert families == {screen.FONT_STACK}
    assert screen.FONT_STACK.startswith("'Noto Sans CJK JP'") and screen.FONT_STACK.endswith("sans-serif")
