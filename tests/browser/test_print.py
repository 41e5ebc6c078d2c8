"""Printing from the browser (Ctrl+P) and the handout download, as a planner meets them.

Chromium's page.pdf() prints with the print media styles, as the print dialog does. The printed
PDF is read with poppler's pdftotext: no sidebar, header or buttons; the source lines stay; no
chart picture is split over two sheets.
"""

from __future__ import annotations

import html
import io
import shutil
import subprocess

import pypdf
import pytest

from tests.support import visible_problems, wait_idle

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is missing"),
]

# Words only the sidebar, the header/toolbar or the buttons carry.
NOT_ON_PAPER = (
    "言語 / Language",
    "CSVの文字コード",
    "受付箱（職員用）",
    "予算説明の準備",
    "CSVをダウンロード",
    "スライド・画像にする",
    "この内容について問い合わせる",
    "表で見る",
    "Deploy",
)


def _print(page, url: str) -> bytes:
    page.goto(url, timeout=60_000)
    wait_idle(page)
    assert visible_problems(page) == []
    charts_drawn = (
        "() => [...document.querySelectorAll(\"[data-testid='stVegaLiteChart']\")]"
        ".every(c => c.querySelector('svg text'))"  # drawn, not just an empty <svg>
    )
    page.wait_for_function(charts_drawn, timeout=30_000)
    # As the print preview does: lay the page out for paper first. The print styles change the
    # width of the main area, so Vega redraws each chart; on a busy machine page.pdf() could catch a
    # chart mid-redraw. Wait for the redraw at (about) A4 width, then print.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})
    page.wait_for_timeout(300)
    page.wait_for_function(charts_drawn, timeout=30_000)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return page.pdf(format="A4", print_background=True)


def _text(pdf: bytes, page: int | None = None) -> str:
    only = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *only, "-", "-"], input=pdf, capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


def test_programme_page_prints_clean_a4(app_url, page, catalog_con):
    from jichitai_metrics import queries, screen
    from jichitai_metrics.chart_card import IMAGE_WIDTH, load_cards

    pdf = _print(page, f"{app_url}/program?program=1")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert all(abs(float(p.mediabox.width) - 595.3) < 1 for p in reader.pages)  # A4: 210 mm
    text = _text(pdf)
    flat = text.replace("\n", "")
    for word in NOT_ON_PAPER:
        assert word not in flat, word
    # The sources stay: the caption's 出典 line and each chart's quotes.
    program = queries.program(catalog_con, "r5-budget-dx-day1", 1)
    assert "出典：" in flat and program["speaker_ja"] in flat
    for chart_id in queries.charts(catalog_con, "r5-budget-dx-day1", 1)["chart_id"]:
        for quote in queries.chart_figures(catalog_con, chart_id)["quote"]:
            assert quote in flat.replace(" ", "") or quote in flat, quote
    # Charts are whole: each chart's own words (axis and legend titles, drawn by Vega as text) are
    # on the sheet that carries the chart's heading, never on the next one.
    pages = [_text(pdf, i) for i in range(1, len(reader.pages) + 1)]
    checked = 0
    for card in load_cards(catalog_con, "r5-budget-dx-day1", programs=[1])[1]:
        # Titles Vega draws as text in this chart (a spec may name an axis title it does not draw),
        # found on exactly one sheet (a table header elsewhere may repeat a word like 項目).
        drawn = screen.screen_svg(card.spec(IMAGE_WIDTH, title=False))
        words = {
            t
            for t in _titles(card.spec("container", title=False))
            if f">{html.escape(t)}<" in drawn and sum(t in p for p in pages) == 1
        }
        # The card's sheet: its heading and its first quote (the summary may name the topic too).
        first_quote = f"「{card.figures[0]['quote']}」"
        (home,) = [
            i
            for i, p in enumerate(pages)
            if card.title in p.replace("\n", "") and first_quote in p.replace("\n", "")
        ]
        for word in words:
            assert word in pages[home], (card.chart_id, word)
            checked += 1
    assert checked >= 3


def _titles(spec) -> list[str]:
    """Axis and legend titles in a Vega-Lite spec (text Vega draws once per chart)."""
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "title" and isinstance(value, str) and value:
                found.append(value)
            else:
                found += _titles(value)
    elif isinstance(spec, list):
        for value in spec:
            found += _titles(value)
    return found


def test_overview_prints_clean_a4(app_url, page, catalog_con):
    pdf = _print(page, f"{app_url}/")
    flat = _text(pdf).replace("\n", "")
    for word in (*NOT_ON_PAPER, "詳しく見る"):
        assert word not in flat, word
    assert "注目の数字" in flat and "出典：" in flat
    assert "2022年（令和4年）" in flat


def test_screen_is_unchanged_by_the_print_styles(app_url, page):
    page.goto(f"{app_url}/program?program=1", timeout=60_000)
    wait_idle(page)
    page.get_by_role("link", name="スライド・画像にする").first.wait_for(timeout=30_000)
    display = "els => els.map(e => getComputedStyle(e).display)"
    for selector in ("[data-testid='stSidebar']", "[data-testid='stHeader']", ".jm-actions", ".jm-tabs"):
        shown = page.eval_on_selector_all(selector, display)
        assert shown and "none" not in shown, selector


def test_from_a_chart_to_a_handout_in_two_clicks(app_url, page, tmp_path, catalog_con):
    from jichitai_metrics import queries

    page.goto(f"{app_url}/program?program=1", timeout=60_000)
    wait_idle(page)
    # Click 1: the chart card's link; click 2: the deck page's handout button.
    page.get_by_role("link", name="スライド・画像にする").first.click()
    wait_idle(page)
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="配布資料をダウンロード（A4 PDF）").click()
    download = info.value
    assert download.suggested_filename.startswith("jichitai-handout-r5-budget-dx-day1-")
    assert download.suggested_filename.endswith(".pdf")
    path = tmp_path / "handout.pdf"
    download.save_as(path)
    pdf = path.read_bytes()
    text = _text(pdf).replace("\n", "")
    chart = queries.chart(catalog_con, "p1-staff-satisfaction")
    assert chart["title_ja"] in text
    assert "charts=p1-staff-satisfaction" in text  # the link back to the same view
    assert visible_problems(page) == []
