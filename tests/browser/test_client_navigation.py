"""Links drawn as HTML (menu, programme picker, card links) navigate inside the session, like st.page_link.

The menu and the pages' links are plain `<a data-jm-nav>` in one HTML block (ui/nav.py, ui/prose.py);
a click is handed to the frontend's own history handling. These tests read what a planner would
notice if that broke: the page reloading (a new session: the CSV encoding chosen is forgotten), the
address not changing, or Back not returning.
"""

from __future__ import annotations

import pytest

from tests.support import visible_problems, wait_idle

pytestmark = pytest.mark.browser


def _open(page, url: str) -> None:
    page.goto(url)
    wait_idle(page)


def test_menu_and_programme_links_keep_the_session_and_the_document(page, app_url):
    _open(page, f"{app_url}/program?program=3")
    page.evaluate("window.__sameDocument = true")  # gone if the browser loads a new document
    sidebar = page.get_by_test_id("stSidebar")
    # A choice made in this session: CSV in Shift_JIS.
    sidebar.get_by_role("link", name="Shift_JIS（CP932）").click()
    wait_idle(page)
    assert "encoding=cp932" in page.locator("a[download]").first.get_attribute("href")

    sidebar.get_by_role("link", name="アクセシビリティ方針").click()
    page.wait_for_url("**/accessibility?lang=ja")
    wait_idle(page)
    assert page.get_by_role("heading", level=1).inner_text() == "アクセシビリティ方針"
    assert sidebar.locator("[aria-current='page']").inner_text() == "アクセシビリティ方針"

    sidebar.get_by_role("link", name="プログラム別").click()
    wait_idle(page)
    page.get_by_role("navigation", name="プログラム").get_by_role("link", name="Program 4").click()
    page.wait_for_url("**/program?program=4**")
    wait_idle(page)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Program4")
    assert page.locator(".jm-tabs [aria-current='page']").inner_text() == "Program 4"

    assert page.evaluate("window.__sameDocument === true"), "a link reloaded the page (a new session)"
    assert "encoding=cp932" in page.locator("a[download]").first.get_attribute("href"), "the choice was lost"

    page.go_back()  # the browser's Back: the previous view, still the same session
    page.wait_for_url("**/program?lang=ja")
    wait_idle(page)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Program1")
    assert page.evaluate("window.__sameDocument === true")
    assert visible_problems(page) == []


def test_a_link_opened_in_a_new_tab_is_left_to_the_browser(page, app_url):
    """Ctrl+click (a new tab) is not taken over: this tab stays where it is."""
    _open(page, f"{app_url}/explorer")
    before = page.url
    with page.context.expect_page() as new_tab:
        page.get_by_test_id("stSidebar").get_by_role("link", name="概要").click(modifiers=["Control"])
    opened = new_tab.value
    opened.wait_for_load_state()
    assert opened.url.rstrip("/").endswith("?lang=ja")
    assert page.url == before
    opened.close()


def test_explorer_filter_form_puts_the_filters_in_the_url_in_the_same_session(page, app_url):
    _open(page, f"{app_url}/explorer")
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("テーマ").select_option("ペーパーレス")
    assert page.locator(".jm-count").inner_text() == "49件（全49件中）", "nothing moves before 絞り込む"
    page.get_by_role("button", name="絞り込む").click()
    page.wait_for_url("**/explorer?topic=*")
    wait_idle(page)
    assert page.locator(".jm-count").inner_text() == "2件（全49件中）"
    page.get_by_label("キーワード（項目名・引用・注記）").fill("ＦＡＸ")
    page.keyboard.press("Enter")  # Enter in the search box submits, as in any form
    page.wait_for_url("**q=*")
    wait_idle(page)
    assert page.locator(".jm-count").inner_text() == "1件（全49件中）"
    assert "FAX" in page.locator("[data-testid='stMain'] table tbody").inner_text()
    page.get_by_role("link", name="条件をクリア").click()
    wait_idle(page)
    assert page.locator(".jm-count").inner_text() == "49件（全49件中）"
    assert page.get_by_label("テーマ").input_value() == ""
    assert page.evaluate("window.__sameDocument === true")
    assert visible_problems(page) == []
