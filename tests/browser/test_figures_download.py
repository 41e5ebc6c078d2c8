"""Click a chart's CSV download in Chromium; the file decodes as the same Japanese rows in both encodings."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.support import visible_problems, wait_idle

pytestmark = pytest.mark.browser

CARD = "section.jm-card-box[aria-labelledby='{chart_id}']"


def _download(page, chart_id: str) -> tuple[str, bytes]:
    link = page.locator(f"{CARD.format(chart_id=chart_id)} a[download]")
    link.scroll_into_view_if_needed()
    with page.expect_download() as info:
        link.click()
    download = info.value
    return download.suggested_filename, download.path().read_bytes()


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _choose_encoding(page, label: str) -> None:
    page.get_by_test_id("stSidebar").get_by_role("link", name=label).click()
    wait_idle(page)


def test_chart_csv_downloads_in_utf8_bom_and_cp932(page, app_url):
    page.goto(app_url)
    wait_idle(page)
    page.goto(f"{app_url}/program?program=1")
    wait_idle(page)

    name, data = _download(page, "p1-staff-satisfaction")
    assert re.fullmatch(r"jichitai-chart-p1-staff-satisfaction-\d{8}\.csv", name)
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so Japanese Excel opens it"
    utf8_text = data.decode("utf-8-sig")
    rows = _rows(utf8_text)
    assert [(r["項目"], r["区分"], r["値"], r["表示"]) for r in rows] == [
        ("不満", "今回調査", "32", "32%"),
        ("不満", "2021年調査", "54", "54%"),
        ("満足", "今回調査", "25", "25%"),
        ("満足", "2021年調査", "", "報告なし"),  # blank, never 0
    ]
    assert all(
        r["出典"].startswith("出典：ジチタイワークス「【セミナーレポート】令和5年度予算×DX/Day1」 Program1")
        for r in rows
    )
    assert rows[0]["引用"] == "不満32%"

    _choose_encoding(page, "Shift_JIS（CP932）")
    name, data = _download(page, "p1-staff-satisfaction")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.decode("cp932") == utf8_text, "the same rows, byte-for-byte the same text"
    assert visible_problems(page) == []


def test_cp932_lookalike_characters_are_announced(page, app_url):
    """「20〜70歳代」 holds U+301C, which CP932 stores as ～ (U+FF5E): the page must say so."""
    page.goto(app_url)
    wait_idle(page)
    page.goto(f"{app_url}/program?program=4")
    wait_idle(page)
    _choose_encoding(page, "Shift_JIS（CP932）")
    card = page.locator(CARD.format(chart_id="p4-user-behaviour"))
    assert "〜" in card.locator(".jm-csv-note").inner_text()  # announced beside the link
    _, data = _download(page, "p4-user-behaviour")
    text = data.decode("cp932")
    assert "20～70歳代平均" in text and "〜" not in text
    assert len(_rows(text)) == 4
