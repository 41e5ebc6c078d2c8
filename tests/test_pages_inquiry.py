"""AppTest over the お問い合わせ form and the 受付箱: the flows a person and a staff member go through."""

from __future__ import annotations

import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from jichitai_metrics import export
from jichitai_metrics.config import load_settings
from jichitai_metrics.inquiries import InboxQuery, NewInquiry, open_store
from tests.support import REPO_ROOT, inquiry_form_data, inquiry_form_values, submit_inquiry_form

PASSWORD = "職員-pass-7-受付箱用"  # 12+ characters: shorter ones disable the inbox
FORM = {
    "municipality": "ＡＢＣ町",
    "department": "総務課　係長",
    "name": "自治　花子",
    "phone": "０９０ー１２３４ー５６７８",
    "email": "hanako＠example.jp",
    "message": '=HYPERLINK("x")\n質問です',
}


@pytest.fixture()
def env(monkeypatch, tmp_db_path):
    monkeypatch.setenv("JICHITAI_DB_PATH", str(tmp_db_path))
    monkeypatch.setenv("JICHITAI_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.delenv("JICHITAI_DATABASE_URL", raising=False)
    return tmp_db_path


def open_page(page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def fill(at: AppTest, values: dict, consent: bool = True) -> None:
    """Type into the form and press 入力内容を確認する (one submit, as the browser sends it)."""
    submit_inquiry_form(at, values, consent)


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def stored(db_path) -> list:
    store = open_store(load_settings())
    try:
        return store.export_frame(InboxQuery()).to_dict("records")
    finally:
        store.close()


def test_form_shows_the_reports_fields_and_prefills_the_title(env):
    at = open_page("pages/inquiry.py")
    form = inquiry_form_data(at)
    assert [f["label"] for f in form["fields"]] == [
        "記事タイトル",
        "自治体名",
        "部署・役職名",
        "お名前",
        "電話番号",
        "メールアドレス",
        "ご相談内容",
        "上記に同意しました",
    ]
    # the labels the person reads are the ones drawn, each tied to its field
    for name, label in [("name", "お名前 ＊"), ("message", "ご相談内容 ＊")]:
        assert f'<label for="jm-inq-{name}">{label}</label>' in form["html"]
    assert inquiry_form_values(at)["article_title"] == "【セミナーレポート】令和5年度予算×DX/Day1"
    assert inquiry_form_values(at)["consent"] is False
    assert "ジチタイワークス事務局" in form["html"] and "個人情報の取り扱いについて" in form["html"]
    assert len(at.text_input) == 0  # no Streamlit widgets left to load on the input screen


def test_programme_context_is_prefilled(env):
    at = open_page("pages/inquiry.py", {"program": "2"})
    title = inquiry_form_values(at)["article_title"]
    assert title.startswith("【セミナーレポート】令和5年度予算×DX/Day1 ／ プログラム2「")


def test_errors_sit_next_to_fields_and_input_is_kept(env):
    at = open_page("pages/inquiry.py")
    fill(at, {**FORM, "phone": "12345", "email": "nope"}, consent=False)
    assert not at.exception
    assert any("入力内容に誤りがあります" in e.value for e in at.error)  # the summary above the form
    errors = {f["name"]: f["error"] for f in inquiry_form_data(at)["fields"] if f["error"]}
    assert set(errors) == {"phone", "email", "consent"}
    assert "電話番号の形式" in errors["phone"] and "メールアドレスの形式" in errors["email"]
    assert "同意" in errors["consent"]
    html = inquiry_form_data(at)["html"]
    assert 'aria-invalid="true" aria-describedby="jm-inq-phone-error"' in html
    assert 'id="jm-inq-phone-error"' in html and 'aria-describedby="jm-inq-name-error"' not in html
    assert inquiry_form_values(at)["name"] == FORM["name"]
    assert inquiry_form_values(at)["phone"] == "12345"
    assert stored(env) == []


def test_confirm_back_send_gives_a_receipt_exactly_once(env):
    at = open_page("pages/inquiry.py")
    fill(at, FORM)
    assert [b.label for b in at.button] == ["戻る", "送信"]
    assert FORM["message"] in [t.value for t in at.text]  # shown as plain text
    button(at, "戻る").click().run()
    assert inquiry_form_values(at)["municipality"] == FORM["municipality"]
    assert inquiry_form_values(at)["consent"] is True
    submit_inquiry_form(at, {})  # to the confirmation screen again, values kept
    button(at, "送信").click().run()
    receipt = at.code[0].value
    assert any("受け付けました" in s.value for s in at.success)
    at.run()  # a rerun after sending
    at.run()
    rows = stored(env)
    assert [r["receipt_no"] for r in rows] == [receipt]
    assert rows[0]["phone"] == FORM["phone"] and rows[0]["message"] == FORM["message"]


def test_send_cut_short_after_the_insert_does_not_duplicate(env):
    at = open_page("pages/inquiry.py")
    fill(at, FORM)
    # Simulate a first run that inserted and was then interrupted before updating the session.
    store = open_store(load_settings())
    first = store.submit(
        NewInquiry(**FORM, article_title="t", consent=True), at.session_state["inq_submission_id"]
    )
    store.close()
    button(at, "送信").click().run()
    assert at.code[0].value == first.receipt_no
    assert len(stored(env)) == 1


def test_rate_limit_is_polite_and_keeps_input(env):
    # The limit lives in the store, keyed by client address: five sends from this address (any
    # session, any process) use it up; a brand-new session is refused all the same.
    from jichitai_metrics.inquiries.store import SubmitLimits

    store = open_store(load_settings())
    for i in range(5):
        store.submit(
            NewInquiry(**FORM, article_title=f"t{i}", consent=True),
            f"earlier-{i}",
            client="127.0.0.1",
            limits=SubmitLimits(),
        )
    store.close()
    at = open_page("pages/inquiry.py")
    fill(at, FORM)
    button(at, "送信").click().run()
    assert any("しばらく時間をおいて" in w.value for w in at.warning)
    assert len(stored(env)) == 5
    assert button(at, "送信")  # still on the confirmation screen with the input
    assert at.session_state["inq_draft"]["name"] == FORM["name"]


def test_locked_database_keeps_input_and_the_rest_of_the_app_works(env):
    env.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('locked', flush=True); time.sleep(60)",
            str(env),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        at = open_page("pages/inquiry.py")
        assert any("別のプログラム" in w.value for w in at.warning)
        fill(at, FORM)
        button(at, "送信").click().run()
        assert not at.exception
        assert any("送信できませんでした" in e.value for e in at.error)
        assert button(at, "送信")
        at.switch_page("pages/overview.py")
        at.run()
        assert not at.exception
    finally:
        holder.kill()
        holder.wait()
    at.switch_page("pages/inquiry.py")
    at.run()
    button(at, "送信").click().run()  # once the lock is gone, the same input goes through
    assert len(stored(env)) == 1


def login(at: AppTest, password: str) -> AppTest:
    at.text_input(key="staff_password_input").input(password)
    at.button[0].click().run()
    return at


def test_inbox_disabled_without_a_password(env, monkeypatch):
    monkeypatch.delenv("JICHITAI_ADMIN_PASSWORD")
    at = open_page("pages/inbox.py")
    assert any("無効" in i.value for i in at.info)
    assert len(at.text_input) == 0


@pytest.mark.parametrize("wrong", ["", "wrong", PASSWORD + " ", PASSWORD.upper()])
def test_inbox_refuses_wrong_or_empty_password(env, wrong):
    at = login(open_page("pages/inbox.py"), wrong)
    assert any("パスワードが違います" in e.value for e in at.error)
    assert len(at.dataframe) == 0


def test_inbox_slows_down_after_repeated_failures(env):
    at = open_page("pages/inbox.py")
    for _ in range(4):
        login(at, "guess")
    assert not any("待ってから" in w.value for w in at.warning)
    login(at, "guess")  # the 5th wrong password starts the wait
    assert any("待ってから" in w.value for w in at.warning)
    login(at, PASSWORD)  # even the right password waits out the delay
    assert len(at.dataframe) == 0
    assert not any("パスワードが違います" in e.value for e in at.error)  # refused unchecked


def test_inbox_wait_is_shared_by_new_sessions(env):
    # The throttle lives in the store: a fresh session (a bot reconnecting) starts where the last stopped.
    for _ in range(5):
        login(open_page("pages/inbox.py"), "guess")
    at = login(open_page("pages/inbox.py"), PASSWORD)
    assert any("待ってから" in w.value for w in at.warning) and len(at.dataframe) == 0


@pytest.mark.parametrize("bad", ["CHANGE-ME", "short-pw"])
def test_placeholder_or_short_password_keeps_the_inbox_off(env, monkeypatch, bad):
    monkeypatch.setenv("JICHITAI_ADMIN_PASSWORD", bad)
    at = open_page("pages/inbox.py")
    assert len(at.text_input) == 0
    assert any(("例の値" if bad == "CHANGE-ME" else "12文字以上") in w.value for w in at.warning)


def test_inbox_accepts_a_hashed_password(env, monkeypatch):
    from jichitai_metrics.staffauth import hash_password

    monkeypatch.delenv("JICHITAI_ADMIN_PASSWORD")
    monkeypatch.setenv("JICHITAI_ADMIN_PASSWORD_HASH", hash_password("hashed-staff-pass-99"))
    at = login(open_page("pages/inbox.py"), "hashed-staff-pass-99")
    assert not at.exception and len(at.dataframe) >= 1
    log = stored_audit()
    assert list(log["action"][:1]) == ["sign_in"] and log["actor"].iloc[0] == "共有パスワード"


def stored_audit():
    store = open_store(load_settings())
    try:
        return store.audit_frame()
    finally:
        store.close()


def test_inbox_lists_edits_and_exports_safely(env):
    store = open_store(load_settings())
    for i in range(3):
        store.submit(
            NewInquiry(**{**FORM, "email": f"u{i}@example.jp"}, article_title="記事", consent=True), f"s{i}"
        )
    store.close()
    at = login(open_page("pages/inbox.py"), PASSWORD)
    assert not at.exception
    frame = at.dataframe[0].value
    assert len(frame) == 3 and "受付番号" in frame.columns
    at.text_input(key="inbox_search").input("abc町").run()  # width-insensitive
    assert len(at.dataframe[0].value) == 3
    at.text_input(key="inbox_search").input("u1@").run()
    assert len(at.dataframe[0].value) == 1
    # status + memo through the detail form of the one listed inquiry
    inquiry_id = next(r["id"] for r in stored(env) if r["email"] == "u1@example.jp")
    at.selectbox(key=f"inbox_edit_status_{inquiry_id}").set_value("answered")
    at.text_area(key=f"inbox_edit_memo_{inquiry_id}").input("電話で回答済み")
    button(at, "保存する").click().run()
    assert not at.exception
    row = next(r for r in stored(env) if r["id"] == inquiry_id)
    assert (row["status"], row["memo"]) == ("answered", "電話で回答済み")
    assert any("保存しました" in s.value for s in at.success)
    # CSV from the same functions the page uses: formulas neutralised
    from jichitai_metrics.ui.inbox import export_table

    store = open_store(load_settings())
    csv = export.csv_bytes(export_table(store.export_frame(InboxQuery()), "ja")).data.decode("utf-8-sig")
    store.close()
    assert "\"'=HYPERLINK" in csv and "\n=HYPERLINK" not in csv and ",=HYPERLINK" not in csv
    assert "受付日時（日本時間）" in csv


def test_inquiry_link_helper():
    from jichitai_metrics.ui.inquiry import inquiry_link

    assert inquiry_link() == "inquiry"
    assert inquiry_link(program=2) == "inquiry?program=2"
    assert inquiry_link(program=3, chart_id="p3-a b") == "inquiry?program=3&chart=p3-a+b"


def test_staff_are_told_about_a_password_pause_at_their_next_sign_in(env):
    from datetime import timedelta

    from jichitai_metrics.inquiries.audit import AuditEntry
    from jichitai_metrics.inquiries.model import utc_now

    store = open_store(load_settings())
    store.append_audit(
        AuditEntry("共有パスワード", "sign_in", "127.0.0.1", at=utc_now() - timedelta(hours=3))
    )
    store.append_audit(
        AuditEntry(
            "共有パスワード",
            "password_paused",
            "198.51.100.9",
            detail="50 failures in 1 hour",
            at=utc_now() - timedelta(hours=2),
        )
    )
    store.close()
    at = login(open_page("pages/inbox.py"), PASSWORD)
    assert any("一時停止しました" in w.value for w in at.warning)
    at.run()  # shown once, not on every rerun
    assert not any("一時停止しました" in w.value for w in at.warning)
    again = login(open_page("pages/inbox.py"), PASSWORD)  # the sign-in after that one: nothing new
    assert len(again.dataframe) >= 1 and not any("一時停止しました" in w.value for w in again.warning)
