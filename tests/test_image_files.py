"""The chart images behind the deck page's PNG/SVG links (ui/image_files.py), fetched over HTTP."""

from __future__ import annotations

import html
import re

import pytest

from jichitai_metrics import images, queries
from tests.botclient import BotSession
from tests.support import http_get

SEMINAR = "r5-budget-dx-day1"


def _image_links(app: str, query: str) -> list[str]:
    with BotSession(app, "deck", query) as bot:
        bodies = [n.proto.body for n in bot.elements("html")]
    return [html.unescape(h) for b in bodies for h in re.findall(r'href="([^"]*/files/image/[^"]*)"', b)]


def test_deck_page_links_a_png_and_an_svg_of_every_chart(app_url, catalog_con):
    links = _image_links(app_url, "lang=ja")
    chart_ids = list(queries.charts(catalog_con, SEMINAR)["chart_id"])
    assert len(links) == 2 * len(chart_ids)
    status, headers, data = http_get(app_url, next(h for h in links if f"/{chart_ids[0]}.png" in h))
    assert status == 200 and headers["content-type"] == "image/png"
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = images.png_size(data)
    assert width > 1000 and height > 100  # 2× resolution, for documents
    assert f'filename="jichitai-chart-{chart_ids[0]}-' in headers["content-disposition"]


def test_svg_link_draws_the_chart_with_its_title_in_the_pages_language(app_url, catalog_con):
    charts = queries.charts(catalog_con, SEMINAR)
    first = charts.iloc[0]
    for lang, title in (("ja", first["title_ja"]), ("en", first["title_en"])):
        link = next(h for h in _image_links(app_url, f"lang={lang}") if f"/{first['chart_id']}.svg" in h)
        status, headers, data = http_get(app_url, link)
        assert status == 200 and headers["content-type"].startswith("image/svg+xml")
        svg = data.decode("utf-8")
        assert svg.lstrip().startswith("<svg") and html.escape(str(title), quote=False) in svg


@pytest.mark.parametrize(
    "path",
    [
        f"files/image/{SEMINAR}/no-such-chart.png",
        "files/image/no-such-seminar/p1-staff-satisfaction.png",
        f"files/image/{SEMINAR}/p1-staff-satisfaction.gif",
    ],
)
def test_a_wrong_address_gets_a_short_message_not_a_traceback(app_url, path):
    status, headers, data = http_get(app_url, path + "?lang=ja")
    assert status == 404 and headers["content-type"].startswith("text/plain")
    text = data.decode("utf-8")
    assert "見つかりません" in text and "Traceback" not in text and len(text) < 200
