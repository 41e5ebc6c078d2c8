"""In headless Chromium: the overview loads clean, and the language choice survives navigation and the URL."""

import re

import pytest

from tests.support import visible_problems, wait_idle

pytestmark = pytest.mark.browser


def test_overview_loads_without_exception(page, app_url):
    page.goto(app_url)
    wait_idle(page)
    body = page.inner_text("body")
    assert "令和5年度予算×DX/Day1" in body
    assert "2022年（令和4年）9月21日（水）" in body
    assert "215人" in body
    assert visible_problems(page) == []
    assert page.get_by_text("Deploy", exact=True).count() == 0


def test_language_persists_across_pages_and_in_the_url(page, app_url):
    page.goto(f"{app_url}/?lang=en")
    wait_idle(page)
    assert "Headline figures" in page.inner_text("body")
    page.get_by_test_id("stSidebar").get_by_text("Figure explorer").click()
    wait_idle(page)
    assert re.search(r"lang=en", page.url), page.url
    assert "Figure explorer" in page.inner_text("[data-testid='stSidebar']")
    page.get_by_test_id("stSidebar").get_by_text("日本語").click()
    wait_idle(page)
    assert re.search(r"lang=ja", page.url), page.url
    page.get_by_test_id("stSidebar").get_by_text("概要").click()
    wait_idle(page)
    assert "注目の数字" in page.inner_text("body")
    assert "lang=ja" in page.url


def test_switching_language_keeps_the_session(page, app_url):
    """A what-if added to the deck is still offered on the deck page after switching to English."""
    page.goto(f"{app_url}/whatif")
    wait_idle(page)
    field = page.get_by_label("電話での問い合わせ件数（年間）（件/年）")
    field.fill("1200")
    field.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="この試算をスライドに追加").click()
    # What the planner sees once it is added (the click's rerun has run past the button).
    page.get_by_role("link", name="スライド作成へ（試算を含めます）").wait_for()
    wait_idle(page)
    page.get_by_test_id("stSidebar").get_by_role("link", name="スライド・画像").click()
    wait_idle(page)
    assert page.get_by_text("「うちの自治体なら」の試算スライドを最後に入れる").count() == 1
    page.get_by_role("link", name="English", exact=True).click()
    page.wait_for_url("**/deck?lang=en")
    wait_idle(page)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.get_by_text("Add the what-if slide at the end").count() == 1
