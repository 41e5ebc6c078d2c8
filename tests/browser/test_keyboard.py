"""Keyboard only (JIS X 8341-3 / WCAG 2.1.1, 2.4.7): the main flows with Tab, Enter, Space and
arrows, no mouse, and a visible focus indicator on every element that takes focus on the way.
"""

from __future__ import annotations

import re

import pytest

from tests.support import wait_idle

pytestmark = pytest.mark.browser

# What has focus, its accessible text, and how its focus is drawn.
FOCUS_JS = """() => { const e = document.activeElement; if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].innerText) || '';
  return {tag: e.tagName, text: (e.innerText || e.value || '').trim().slice(0, 80), label: label.trim(),
          visible: e.matches(':focus-visible'), outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
          colour: s.outlineColor}; }"""


def _focused(page) -> dict:
    info = page.evaluate(FOCUS_JS)
    assert info is not None, "focus was lost to the page body"
    # A visible focus indicator: the 3 px ring of ui/nav.py (an element that hides it fails here).
    assert info["visible"] and info["outline"] != "none" and info["width"] >= 2, info
    return info


def _tab_to(page, pattern: str, max_steps: int = 120, key: str = "Tab") -> dict:
    """Press Tab until the focused element's text or label matches; every stop must show its focus."""
    wanted = re.compile(pattern)
    for _ in range(max_steps):
        page.keyboard.press(key)
        if page.evaluate(FOCUS_JS) is None:
            continue  # past the last element Tab leaves the page once, then starts again at the top
        info = _focused(page)
        if wanted.search(info["text"]) or wanted.search(info["label"]):
            return info
    raise AssertionError(f"no focusable element matching {pattern!r} within {max_steps} Tab presses")


def _start(page, url: str) -> None:
    page.goto(url)
    wait_idle(page)
    page.locator("body").focus()


def test_switch_programme_open_table_and_download_csv_by_keyboard(page, app_url):
    _start(page, f"{app_url}/program?program=1")
    # The programme switch: a link per other programme (the current one is marked, not a link).
    _tab_to(page, r"^Program 2$")
    assert _focused(page)["tag"] == "A"
    page.keyboard.press("Enter")
    wait_idle(page)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Program2")
    assert "program=2" in page.url
    # the first chart card's table: its table view (a <details>), opened with Enter
    table_view = page.locator("details.jm-table-view").first
    assert not table_view.locator("table").is_visible()
    _tab_to(page, r"表で見る")
    page.keyboard.press("Enter")
    caption = table_view.locator("table caption")
    caption.wait_for(state="visible")
    assert caption.inner_text().endswith("（グラフと同じ数値）")
    _tab_to(page, r"CSVをダウンロード")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".csv")


def test_inquiry_form_to_receipt_number_by_keyboard(page, app_url):
    values = {
        "自治体名": "キーボード町",
        "部署・役職名": "情報政策課",
        "お名前": "鍵盤 花子",
        "電話番号": "03-1234-5678",
        "メールアドレス": "hanako@example.jp",
        "ご相談内容": "キーボードだけで送れるか確認しています。",
    }
    _start(page, f"{app_url}/inquiry?program=3")
    filled: set[str] = set()
    for _ in range(120):
        page.keyboard.press("Tab")
        info = _focused(page)
        label = info["label"].replace("＊", "").strip()
        if label in values and label not in filled:
            page.keyboard.type(values[label])
            filled.add(label)
        elif "上記に同意しました" in info["label"] + info["text"]:
            page.keyboard.press("Space")
        elif info["text"] == "入力内容を確認する":
            break
    assert filled == set(values)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="送信", exact=True).wait_for()
    wait_idle(page)
    page.locator("body").focus()
    _tab_to(page, r"^送信$")
    page.keyboard.press("Enter")
    page.get_by_text("お問い合わせを受け付けました").wait_for()
    wait_idle(page)
    receipt = page.locator("[data-testid='stCode'] code").inner_text().strip()
    assert re.fullmatch(r"\d{8}-[2-9A-Z]{6}", receipt)


def test_presentation_mode_steps_by_keyboard(page, app_url):
    _start(page, f"{app_url}/present")
    counter = page.get_by_text(re.compile(r"^1 / \d+$"))
    total = int(counter.inner_text().split("/")[1])
    _tab_to(page, r"^次へ")
    page.keyboard.press("Enter")
    wait_idle(page)
    assert page.get_by_text(f"2 / {total}", exact=True).count() == 1
    page.locator("body").focus()
    page.keyboard.press("ArrowRight")  # the → key presses 次へ
    wait_idle(page)
    assert page.get_by_text(f"3 / {total}", exact=True).count() == 1
    page.locator("body").focus()
    _tab_to(page, r"^← 前へ")
    page.keyboard.press("Enter")
    wait_idle(page)
    assert page.get_by_text(f"2 / {total}", exact=True).count() == 1
