"""Download a deck and a PNG through the UI, then re-open and check them."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation

from jichitai_metrics import images
from tests.support import visible_problems, wait_idle

pytestmark = pytest.mark.browser


def test_deck_and_png_download(app_url, page, catalog_con, tmp_path):
    from jichitai_metrics import queries

    page.goto(f"{app_url}/deck?prog=4", timeout=60_000)  # the explorer's filter: programme 4
    wait_idle(page)
    assert visible_problems(page) == []

    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="スライドをダウンロード（.pptx）").click()
    download = info.value
    assert download.suggested_filename.startswith("jichitai-deck-r5-budget-dx-day1-")
    assert download.suggested_filename.endswith(".pptx")
    path = tmp_path / "deck.pptx"
    download.save_as(path)
    deck = Presentation(str(path))
    expected = list(queries.charts(catalog_con, "r5-budget-dx-day1", 4)["title_ja"])
    titles = [s.shapes.title.text_frame.text for s in list(deck.slides)[1:-1]]
    assert titles == expected
    assert all("「" in s.notes_slide.notes_text_frame.text for s in list(deck.slides)[1:-1])

    # The chart images are a list of links, each named after its chart (the first is programme 4's).
    first_chart = list(queries.charts(catalog_con, "r5-budget-dx-day1", 4)["title_ja"])[0]
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("link", name=f"PNG：P4 · {first_chart}").click()
    png = tmp_path / "chart.png"
    info.value.save_as(png)
    data = png.read_bytes()
    width, height = images.png_size(data)
    assert width > 1000 and height > 100
    assert info.value.suggested_filename.endswith(".png")
    # A real download does not rerun the page into an error state.
    assert visible_problems(page) == []
    assert io.BytesIO(data).read(8) == b"\x89PNG\r\n\x1a\n"


def test_from_a_chart_to_a_deck_in_two_clicks(app_url, page, tmp_path):
    page.goto(f"{app_url}/program?program=1", timeout=60_000)
    wait_idle(page)
    # Click 1: the chart card's link; click 2: the deck page's download button.
    page.get_by_role("link", name="スライド・画像にする").first.click()
    wait_idle(page)
    assert "charts=p1-staff-satisfaction" in page.url
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="スライドをダウンロード（.pptx）").click()
    path = tmp_path / "one.pptx"
    info.value.save_as(path)
    slides = list(Presentation(str(path)).slides)
    assert [s.shapes.title.text_frame.text for s in slides[1:-1]] == ["職員のデジタル環境への満足度"]
    assert visible_problems(page) == []
