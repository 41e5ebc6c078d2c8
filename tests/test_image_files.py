"""The chart images behind the deck page's PNG/SVG links (ui/image_files.py), fetched over HTTP."""

from __future__ import annotations

import html
import re

import pytest

from jichitai_metrics import images, queries
from jichitai_metrics.ui import image_files
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


def _picture_links(app: str, page: str, query: str) -> list[str]:
    with BotSession(app, page, query) as bot:
        bodies = [n.proto.body for n in bot.elements("html")]
    return [
        html.unescape(s)
        for b in bodies
        for s in re.findall(r'<img[^>]* src="([^"]*/files/picture/[^"]*)"', b)
    ]


def test_chart_cards_pictures_are_kept_by_the_browser_and_draw_the_cards_chart(app_url, catalog_con):
    charts = queries.charts(catalog_con, SEMINAR, 1)
    links = _picture_links(app_url, "program", "program=1&lang=en")
    assert [re.search(r"/([^/]+)\.svg\?", s)[1] for s in links] == list(charts["chart_id"])
    status, headers, data = http_get(app_url, links[0])
    assert status == 200 and headers["content-type"].startswith("image/svg+xml")
    # The address names the drawing (v=), so the browser may keep it without asking again.
    assert "immutable" in headers["cache-control"] and "max-age=31536000" in headers["cache-control"]
    assert headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in headers["content-security-policy"]
    svg = data.decode("utf-8")
    assert svg.lstrip().startswith("<svg")
    assert image_files.picture_digest(svg) in links[0]
    # No built-in title (the card's heading says it), but the English axis text of that chart.
    assert html.escape(str(charts.iloc[0]["title_en"]), quote=False) not in svg
    assert "<text" in svg


def test_a_picture_address_from_before_a_republish_gets_todays_drawing_not_kept(app_url):
    (link, *_) = _picture_links(app_url, "program", "program=1")
    stale = re.sub(r"v=[0-9a-f]+", "v=0000000000000000", link)
    status, headers, data = http_get(app_url, stale)
    assert status == 200 and data.lstrip().startswith(b"<svg")
    assert headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    [
        f"files/picture/{SEMINAR}/no-such-chart.svg?lang=ja&w=900&v=0",
        "files/picture/no-such-seminar/p1-staff-satisfaction.svg?lang=ja&w=900&v=0",
        f"files/picture/{SEMINAR}/p1-staff-satisfaction.svg?lang=ja&w=5000&v=0",  # any width: unbounded work
        f"files/picture/{SEMINAR}/p1-staff-satisfaction.svg?lang=ja&w=abc&v=0",
    ],
)
def test_a_wrong_picture_address_gets_a_short_message(app_url, path):
    status, headers, data = http_get(app_url, path)
    assert status == 404 and headers["content-type"].startswith("text/plain")
    text = data.decode("utf-8")
    assert "見つかりません" in text and "Traceback" not in text and len(text) < 200


@pytest.mark.parametrize(
    "answer",
    [
        lambda: image_files._answer(SEMINAR, "p1-staff-satisfaction", "png", "ja"),
        lambda: image_files._picture(SEMINAR, "p1-staff-satisfaction", "ja", "900", "0"),
    ],
    ids=["download", "picture"],
)
def test_unreadable_data_files_get_a_503_that_says_so(monkeypatch, answer):
    from jichitai_metrics.errors import CatalogError
    from jichitai_metrics.ui import common

    def unreadable():
        raise CatalogError("figures.csv", "2 fields, expected 19", row=3)

    monkeypatch.setattr(common, "seminars", unreadable)
    response = answer()
    assert response.status_code == 503 and response.media_type.startswith("text/plain")
    text = response.body.decode("utf-8")
    assert "データファイルを読み込めない" in text and "管理者" in text and "figures.csv" not in text
