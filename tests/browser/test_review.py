"""Browser: an editor signs in, reviews a draft beside the report, publishes it, and the catalogue
reloads with the new seminar (own app on a temporary copy of data/, so the real data is never written)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jichitai_metrics.draft import draft_report
from jichitai_metrics.draft.files import write_draft
from tests.conftest import ADMIN_PASSWORD
from tests.support import REPO_ROOT, running_app, visible_problems, wait_idle

pytestmark = pytest.mark.browser

DEMO = REPO_ROOT / "tests" / "fixtures" / "draft" / "demo-report-day2.txt"
SID = "demo-draft-day2"
HOSTILE = "\n注意書き: [link](https://evil.example/) <img src=x onerror=alert(1)> **太字**\n"


@pytest.fixture(scope="module")
def review_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    data = root / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    text = DEMO.read_text(encoding="utf-8") + HOSTILE
    write_draft(draft_report(text, SID), data / "drafts" / SID)
    env = {
        "JICHITAI_DATA_DIR": str(data),
        "JICHITAI_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "JICHITAI_DB_PATH": str(root / "state.duckdb"),
        "JICHITAI_DATABASE_URL": "",
    }
    with running_app(env=env, log=root / "streamlit.log") as url:
        yield url, data


def _fill(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Tab")


def test_review_accept_edit_reject_publish_and_reload(review_app, page, tmp_path):
    url, data = review_app
    page.goto(f"{url}/review")
    wait_idle(page)
    assert page.get_by_label("パスワード").count() == 1  # staff only
    assert page.get_by_text("r5-budget-dx-day1").count() == 0
    page.get_by_label("パスワード").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    wait_idle(page)

    # the report text is shown literally beside the rows, each quote marked where it occurs
    page.locator("mark").first.wait_for()
    assert page.locator("mark[data-state='proposed']").count() >= 8
    assert page.locator("mark[data-state='current']").count() == 1
    assert page.locator("a[href='https://evil.example/']").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert page.get_by_text("[link](https://evil.example/)", exact=False).count() >= 1
    page.screenshot(path=str(tmp_path / "1-draft.png"), full_page=True)

    # row 1 (１２８人): edit the label, add the English one, accept
    _fill(page, "ラベル（日本語）", "申込者数")
    _fill(page, "ラベル（英語）", "Registrants")
    page.get_by_role("button", name="採用", exact=True).click()
    wait_idle(page)
    # the next open row comes up by itself: 約45分
    assert page.get_by_label("引用（本文のまま）", exact=True).input_value() == "約45分"
    _fill(page, "ラベル（英語）", "Waiting time before")
    page.get_by_role("button", name="採用", exact=True).click()
    wait_idle(page)
    page.get_by_role("button", name="不採用", exact=True).click()  # 15分: rejected
    wait_idle(page)
    assert page.locator("mark[data-state='accepted']").count() == 2
    assert page.locator("mark[data-state='rejected']").count() == 1

    # publishing before the summaries are written is refused, with file and column named
    page.get_by_role("button", name="検査して公開").click()
    wait_idle(page)
    assert page.get_by_text("カタログの検査に通りませんでした").count() == 1
    assert not (data / "seminars" / SID).exists()

    page.get_by_text("セミナー情報・要約").click()
    _fill(page, "タイトル（英語）", "FY2024 Budget × DX, Day 2 (test)")
    for n in (1, 2):
        _fill(page, f"Program{n} タイトル（英語）", f"Programme {n}")
        _fill(page, f"Program{n} 講師名（英語）", "Test Speaker")
        _fill(page, f"Program{n} 要約（日本語）", "テスト用の要約。")
        _fill(page, f"Program{n} 要約（英語）", "A test summary.")
        _fill(page, f"Program{n} ポイント（日本語・1行に1つ、3〜5個）", "一\n二\n三")
        _fill(page, f"Program{n} ポイント（英語・1行に1つ、3〜5個）", "one\ntwo\nthree")
    page.get_by_role("button", name="セミナー情報を反映").click()
    wait_idle(page)
    page.get_by_role("button", name="検査して公開").click()
    wait_idle(page)
    page.get_by_text(f"公開しました: {SID}").wait_for()
    page.screenshot(path=str(tmp_path / "2-published.png"), full_page=True)
    assert visible_problems(page) == []
    published = (data / "seminars" / SID / "figures.csv").read_text(encoding="utf-8")
    assert "申込者数" in published and "Waiting time before" in published and "15分" not in published

    # the running app now serves the new seminar (its catalogue was reloaded, no restart)
    page.goto(f"{url}/explorer?seminar={SID}")
    wait_idle(page)
    page.screenshot(path=str(tmp_path / "3-explorer.png"), full_page=True)
    assert visible_problems(page) == []
    assert "2件（全2件中）" in page.inner_text("body")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSVをダウンロード", exact=False).click()
    csv_text = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    assert "申込者数" in csv_text and "約45分" in csv_text and "15分" not in csv_text.replace("約45分", "")
    page.goto(f"{url}/program?seminar={SID}&program=1")
    wait_idle(page)
    page.screenshot(path=str(tmp_path / "4-program.png"), full_page=True)
    body = page.inner_text("body")
    assert "窓口のデジタル化、はじめの一歩" in body and "テスト用の要約。" in body
    assert "約45分" in body
    assert visible_problems(page) == []
