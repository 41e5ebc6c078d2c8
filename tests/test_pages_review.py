"""AppTest over the editors' review page: behind the inbox's staff sign-in, drafts beside the report,
and a publish that goes through the catalogue check and is audited."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from jichitai_metrics.config import load_settings
from jichitai_metrics.draft import draft_report
from jichitai_metrics.draft.files import write_draft
from jichitai_metrics.inquiries import open_store
from tests.support import REPO_ROOT

PASSWORD = "職員-pass-7-レビュー用"
DEMO = REPO_ROOT / "tests" / "fixtures" / "draft" / "demo-report-day2.txt"


@pytest.fixture()
def env(monkeypatch, tmp_path, tmp_db_path):
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    write_draft(
        draft_report(DEMO.read_text(encoding="utf-8"), "demo-draft-day2"), data / "drafts" / "demo-draft-day2"
    )
    monkeypatch.setenv("JICHITAI_DATA_DIR", str(data))
    monkeypatch.setenv("JICHITAI_DB_PATH", str(tmp_db_path))
    monkeypatch.setenv("JICHITAI_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.delenv("JICHITAI_DATABASE_URL", raising=False)
    return data


def open_review() -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/review.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def login(at: AppTest, password: str) -> AppTest:
    at.text_input(key="staff_password_input").input(password)
    next(b for b in at.button if b.label == "ログイン").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_review_page_is_closed_without_a_password(env, monkeypatch):
    monkeypatch.delenv("JICHITAI_ADMIN_PASSWORD")
    at = open_review()
    assert len(at.text_input) == 0 and len(at.selectbox) == 0


def test_wrong_password_shows_no_draft(env):
    at = login(open_review(), "wrong-password-123")
    assert any("パスワードが違います" in e.value for e in at.error)
    assert len(at.selectbox) == 0 and len(at.dataframe) == 0


def test_signed_in_editor_sees_the_draft_and_publishing_is_checked_and_audited(env):
    at = login(open_review(), PASSWORD)
    assert at.selectbox(key="review_draft").value == "demo-draft-day2"
    assert len(at.dataframe) >= 1
    # accept the first row without an English label: the catalogue check refuses, nothing is written
    next(b for b in at.button if b.label == "採用").click().run()
    next(b for b in at.button if b.label == "検査して公開").click().run()
    assert any("カタログの検査に通りませんでした" in e.value for e in at.error)
    assert not (env / "seminars" / "demo-draft-day2").exists()
    store = open_store(load_settings())
    try:
        actions = list(store.audit_frame()["action"])
    finally:
        store.close()
    assert "sign_in" in actions and "catalogue_publish" not in actions


def test_a_publish_that_passes_the_check_is_written_and_audited(env):
    at = login(open_review(), PASSWORD)
    first = at.selectbox(key="review_figures_pick").value
    at.text_input(key=f"review_figures_{first}_label_en").input("Registrants")
    next(b for b in at.button if b.label == "採用").click().run()
    at.text_input(key="review_s_title_en").input("FY2024 Budget × DX, Day 2 (test)")
    for n in (1, 2):
        for key, value in (("title_en", f"Programme {n}"), ("speaker_en", "Test Speaker")):
            at.text_input(key=f"review_p{n}_{key}").input(value)
        for key, value in (
            ("summary_ja", "要約。"),
            ("summary_en", "Summary."),
            ("key_points_ja", "一\n二\n三"),
            ("key_points_en", "one\ntwo\nthree"),
        ):
            at.text_area(key=f"review_p{n}_{key}").input(value)
    next(b for b in at.button if b.label == "セミナー情報を反映").click().run()
    next(b for b in at.button if b.label == "検査して公開").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("公開しました" in s.value for s in at.success)
    assert "Registrants" in (env / "seminars" / "demo-draft-day2" / "figures.csv").read_text(encoding="utf-8")
    store = open_store(load_settings())
    try:
        audit = store.audit_frame()
    finally:
        store.close()
    published = audit[audit["action"] == "catalogue_publish"]
    assert len(published) == 1 and "demo-draft-day2" in published["detail"].iloc[0]
