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

    page.evaluate("window.jmMarker = 'before the download'")
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
    # A real download does not rerun the page into an error state, nor leave it (the button is a
    # form whose answer is a file: the page, its session and its script stay).
    assert visible_problems(page) == []
    assert page.evaluate("window.jmMarker") == "before the download"
    page.get_by_role("link", name="プログラムで選ぶ").click()
    page.get_by_role("checkbox", name="Program1", exact=False).first.wait_for()
    assert "mode=programs" in page.url and page.evaluate("window.jmMarker") == "before the download"
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


def test_ticking_charts_and_applying_makes_the_deck_of_those(app_url, page, catalog_con, tmp_path):
    from jichitai_metrics import queries

    titles = dict(
        zip(
            *[queries.charts(catalog_con, "r5-budget-dx-day1")[c] for c in ("chart_id", "title_ja")],
            strict=True,
        )
    )
    page.goto(f"{app_url}/deck", timeout=60_000)
    wait_idle(page)
    page.get_by_role("link", name="グラフを選ぶ").click()
    wait_idle(page)
    page.get_by_role("checkbox", name=f"P5 · {titles['p5-kpi']}").check()
    page.get_by_role("checkbox", name=f"P2 · {titles['p2-kpi']}").check()
    page.get_by_label("配布資料をA4横向きにする").check()
    page.get_by_role("button", name="この内容にする").click()
    page.get_by_text("スライド 4 枚").wait_for()  # title, 2 charts, closing slide
    wait_idle(page)
    # both boxes travel in the address (one parameter per box), so a copied link opens this choice
    assert "chart=p2-kpi" in page.url and "chart=p5-kpi" in page.url and "landscape=1" in page.url
    assert page.get_by_role("checkbox", name=f"P5 · {titles['p5-kpi']}").is_checked()
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="スライドをダウンロード（.pptx）").click()
    path = tmp_path / "two.pptx"
    info.value.save_as(path)
    slides = list(Presentation(str(path)).slides)
    assert [s.shapes.title.text_frame.text for s in slides[1:-1]] == [titles["p2-kpi"], titles["p5-kpi"]]
    assert visible_problems(page) == []


def test_the_what_if_added_in_the_session_reaches_the_downloaded_deck(app_url, page, tmp_path):
    # The entries live in this tab's session; the deck's button is a form to a file address, so the
    # page writes them into the form and the file has the what-if slide.
    page.goto(f"{app_url}/whatif?inquiries=12000", timeout=60_000)
    wait_idle(page)
    page.get_by_role("button", name="この試算をスライドに追加").click()
    page.get_by_role("link", name="スライド作成へ（試算を含めます）").click()
    page.get_by_text("試算1枚", exact=False).wait_for()
    wait_idle(page)
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="スライドをダウンロード（.pptx）").click()
    path = tmp_path / "whatif.pptx"
    info.value.save_as(path)
    slides = list(Presentation(str(path)).slides)
    assert slides[-2].shapes.title.text_frame.text == "うちの自治体なら：報告事例を当てはめた例示"
    assert "12,000" in slides[-2].notes_slide.notes_text_frame.text or "1万2,000" in (
        slides[-2].notes_slide.notes_text_frame.text
    )
    assert visible_problems(page) == []
