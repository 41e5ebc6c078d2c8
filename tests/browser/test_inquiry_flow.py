"""Browser: a planner sends an inquiry with full-width input; staff log in and find it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ADMIN_PASSWORD
from tests.support import visible_problems, wait_idle

pytestmark = pytest.mark.browser

FULL_WIDTH = {
    "自治体名": "ブラウザ町",
    "部署・役職名": "ＤＸ推進課　主任",
    "お名前": "試験　太郎",
    "電話番号": "０９０ー１２３４ー５６７８",
    "メールアドレス": "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ",
}


def field(page, label: str):
    return page.get_by_label(f"{label} ＊", exact=True)


def test_full_width_inquiry_reaches_the_inbox(app_url, page, tmp_path):
    page.goto(f"{app_url}/inquiry?program=2")
    wait_idle(page)
    # The pre-filled title arrives with the run that follows the deep link's first one: wait for it.
    expect(field(page, "記事タイトル")).to_have_value(
        re.compile("^【セミナーレポート】令和5年度予算×DX/Day1")
    )
    for label, value in FULL_WIDTH.items():
        field(page, label).fill(value)
    field(page, "ご相談内容").fill(
        "ＲＰＡの費用感を教えてください。\n<b>太字?</b> [link](https://evil.example/)"
    )
    page.get_by_text("上記に同意しました").click()
    page.get_by_role("button", name="入力内容を確認する").click()
    page.get_by_role("button", name="送信", exact=True).wait_for()
    wait_idle(page)
    page.screenshot(path=str(tmp_path / "confirm.png"), full_page=True)
    # what the person typed is shown literally (st.text), never rendered as Markdown/HTML
    assert page.locator("[data-testid='stText']", has_text="[link](https://evil.example/)").count() == 1
    assert page.locator("a[href='https://evil.example/']").count() == 0
    page.get_by_role("button", name="送信", exact=True).dblclick()  # a double click sends once
    page.get_by_text("お問い合わせを受け付けました").wait_for()
    wait_idle(page)
    receipt = page.locator("[data-testid='stCode'] code").inner_text().strip()
    assert re.fullmatch(r"\d{8}-[2-9A-Z]{6}", receipt)
    assert visible_problems(page) == []

    page.goto(f"{app_url}/inbox")
    wait_idle(page)
    page.get_by_label("パスワード").fill("wrong")
    page.get_by_role("button", name="ログイン").click()
    wait_idle(page)
    assert page.get_by_text("パスワードが違います").count() == 1
    page.get_by_label("パスワード").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    wait_idle(page)
    page.get_by_label("検索（全角・半角、大文字・小文字を区別しません）").fill("taro@example.jp")
    page.keyboard.press("Enter")
    page.get_by_text("1件中 1/1ページ").wait_for()
    wait_idle(page)
    page.screenshot(path=str(tmp_path / "inbox.png"), full_page=True)
    # the detail selector offers exactly this receipt
    assert page.get_by_text(receipt).count() >= 1
    assert visible_problems(page) == []


def test_inbox_refuses_an_empty_password(app_url, page):
    page.goto(f"{app_url}/inbox")
    wait_idle(page)
    page.get_by_role("button", name="ログイン").click()
    wait_idle(page)
    assert page.get_by_text("パスワードが違います").count() == 1
    assert page.locator("[data-testid='stDataFrame']").count() == 0
