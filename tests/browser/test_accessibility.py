"""Accessibility in the browser (JIS X 8341-3:2016 AA, issue 12): axe-core, the page language,
readable tables and chart alternatives. Each test is named on the アクセシビリティ方針 page.
"""

from __future__ import annotations

import re
import urllib.request

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import ADMIN_PASSWORD
from tests.support import PAGE_PATHS, wait_idle

pytestmark = pytest.mark.browser

# Every page, every programme, both languages (the inbox is checked signed in, below).
# Every page, plus the what-if with results (its cards, chart picture, CSV link and buttons).
PAGES = ["overview" if not p else p for p in PAGE_PATHS] + ["whatif?inquiries=12000&paper_sheets=3000000"]


def _with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def _violations(page) -> list[str]:
    result = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result.response["violations"]
    ]


def _open(page, url: str) -> None:
    page.goto(url)
    wait_idle(page)
    # pictures decoded, so axe sees the page as drawn
    page.wait_for_function("[...document.images].every(i => i.complete)")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_page_has_no_axe_violations(page, app_url, lang):
    """axe-core, all rules it runs by default (WCAG 2.x A/AA and best practices), any impact: none."""
    found = {}
    for path in PAGES:
        _open(page, f"{app_url}/{_with_lang(path, lang)}")
        problems = _violations(page)
        if problems:
            found[path] = problems
    assert found == {}


def _sign_in(page, app_url: str, lang: str) -> None:
    _open(page, f"{app_url}/inbox?lang={lang}")
    page.get_by_label("パスワード" if lang == "ja" else "Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="ログイン" if lang == "ja" else "Log in").click()
    wait_idle(page)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_inbox_after_sign_in_has_no_axe_violations(page, app_url, lang):
    _sign_in(page, app_url, lang)
    assert page.get_by_label("パスワード" if lang == "ja" else "Password", exact=True).count() == 0, (
        "still at the sign-in"
    )
    assert _violations(page) == []


def test_document_language_from_first_paint(page, app_url):
    """The served HTML already says ja/en (before any script), and a switch in the session follows."""
    for path, lang in (
        ("", "ja"),
        ("program?program=2", "ja"),
        ("explorer?lang=en", "en"),
        ("?lang=en", "en"),
    ):
        shell = urllib.request.urlopen(f"{app_url}/{path}").read().decode()
        assert re.search(r"<html lang=\"(\w+)\"", shell).group(1) == lang, path
    _open(page, f"{app_url}/program?program=1")
    assert page.evaluate("document.documentElement.lang") == "ja"
    page.get_by_role("link", name="English", exact=True).click()  # client-side: the session stays
    page.wait_for_url("**program=1&lang=en")  # the address says it: a copied link opens in English
    wait_idle(page)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.get_by_role("heading", name="Summary (our own words)").count() == 1
    page.get_by_role("link", name="日本語", exact=True).click()
    page.wait_for_url("**program=1&lang=ja")
    wait_idle(page)
    assert page.evaluate("document.documentElement.lang") == "ja"


def test_navigation_marks_the_current_page_and_keeps_sections(page, app_url):
    _open(page, f"{app_url}/explorer")
    sidebar = page.get_by_test_id("stSidebar")
    current = sidebar.locator("[aria-current='page']")
    assert current.count() == 1 and current.inner_text() == "数値一覧"
    sections = sidebar.get_by_role("navigation").locator(".jm-nav-section").all_inner_texts()
    assert sections == ["セミナー", "予算説明の準備", "お問い合わせ"]
    sidebar.get_by_role("link", name="アクセシビリティ方針").click()
    wait_idle(page)
    assert page.get_by_role("heading", name="アクセシビリティ方針", level=1).count() == 1
    assert sidebar.locator("[aria-current='page']").inner_text() == "アクセシビリティ方針"


def test_tables_are_html_tables_with_caption_and_header_cells(page, app_url):
    """Figure tables and the explorer: <table> with <caption> and <th scope=col> for every column."""
    _open(page, f"{app_url}/explorer?q=FAX")
    table = page.locator("[data-testid='stMain'] table").first
    assert "数値一覧" in table.locator("caption").inner_text()
    headers = table.locator("thead th[scope='col']").all_inner_texts()
    assert headers == ["項目", "値", "時点・年度", "種別", "引用", "注記", "出典"]
    assert table.locator("tbody tr").count() >= 1
    assert "FAX" in table.locator("tbody").inner_text()
    # the chart's table view: same HTML form, inside the card
    _open(page, f"{app_url}/program?program=1")
    card = page.locator("section.jm-card-box[aria-labelledby='p1-staff-satisfaction']")
    card.get_by_text("表で見る（グラフと同じ数値）").click()
    wait_idle(page)
    table = card.locator("table")
    assert "グラフと同じ数値" in table.locator("caption").inner_text()
    assert "値" in table.locator("thead th[scope='col']").all_inner_texts()
    assert "32" in table.locator("tbody").inner_text()


def test_chart_pictures_state_their_values(page, app_url):
    """Each chart is a picture whose alt text gives its title and every value, not only a title."""
    _open(page, f"{app_url}/program?program=1")
    page.locator("[data-testid='stMain'] img").nth(2).wait_for()
    alts = page.locator("[data-testid='stMain'] img").evaluate_all("els => els.map(e => e.alt)")
    assert len(alts) == 3
    satisfaction = next(a for a in alts if a.startswith("職員のデジタル環境への満足度"))
    for value in ("32%", "25%", "54%"):
        assert value in satisfaction
    assert page.locator("[data-testid='stVegaLiteChart']").count() == 0
