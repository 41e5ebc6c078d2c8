"""The inbox's erasure, purge record and display of stored control characters (issue 10), via AppTest."""

from __future__ import annotations

import duckdb
import pytest

from jichitai_metrics.config import load_settings
from jichitai_metrics.inquiries import NewInquiry, open_store
from tests.test_pages_inquiry import PASSWORD, login, open_page

ROW = dict(
    article_title="記事",
    municipality="架空市",
    department="企画課",
    phone="03-1234-5678",
    message="質問",
    consent=True,
)


@pytest.fixture()
def env(monkeypatch, tmp_db_path):
    monkeypatch.setenv("JICHITAI_DB_PATH", str(tmp_db_path))
    monkeypatch.setenv("JICHITAI_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.delenv("JICHITAI_DATABASE_URL", raising=False)
    return tmp_db_path


def _put_raw(db_path, name: str, email: str) -> None:
    """A row stored before the form refused control characters (written past validation)."""
    store = open_store(load_settings())
    store.submit(NewInquiry(name="placeholder", email=email, **ROW), f"raw-{email}")
    store.close()
    con = duckdb.connect(str(db_path))
    con.execute("UPDATE inquiries SET name = ? WHERE email = ?", [name, email])
    con.close()


def test_stored_bidi_control_is_shown_not_applied(env):
    _put_raw(env, "RTX05 \u202egnp.exe", "rlo@example.jp")
    at = login(open_page("pages/inbox.py"), PASSWORD)
    assert not at.exception
    names = at.dataframe[0].value["お名前"].tolist()
    assert names == ["RTX05 <U+202E>gnp.exe"]
    texts = [t.value for t in at.text]
    assert "RTX05 <U+202E>gnp.exe" in texts and not any("\u202e" in t for t in texts)


def test_pending_erasure_is_shown_and_erase_again_works_with_no_rows_left(env):
    store = open_store(load_settings())
    store.submit(NewInquiry(name="消す人", email="gone@example.jp", **ROW), "g1")
    store.submit(NewInquiry(name="残る人", email="stay@example.jp", **ROW), "s1")
    store.close()
    # The state a failed rewrite used to leave: rows deleted, bytes in the file, request pending.
    con = duckdb.connect(str(env))
    con.execute("DELETE FROM inquiries WHERE email = 'gone@example.jp'")
    con.execute("INSERT INTO erasure_requests VALUES ('gone@example.jp', now(), 1, 'disk full')")
    con.execute("CHECKPOINT")
    con.close()
    assert b"gone@example.jp" in env.read_bytes()
    at = login(open_page("pages/inbox.py"), PASSWORD)
    assert any("完了していない消去の請求が1件" in e.value for e in at.error)
    retry = next(b for b in at.button if b.label == "もう一度消去する")
    assert not retry.disabled
    retry.click().run()
    assert not at.exception
    assert not any("完了していない消去" in e.value for e in at.error)
    assert any("0件を削除し" in s.value for s in at.success)
    store = open_store(load_settings())
    assert store.pending_erasures().empty and store.count() == 1
    store.close()
    assert b"gone@example.jp" not in env.read_bytes()


def test_erase_button_works_with_zero_matches(env):
    at = login(open_page("pages/inbox.py"), PASSWORD)
    at.text_input(key="inbox_erase_email").input("nobody@example.jp").run()
    assert "該当：0件" in [t.value for t in at.text]
    at.checkbox(key="inbox_erase_sure").check().run()
    go = next(b for b in at.button if b.label == "完全に削除する")
    assert not go.disabled  # before: disabled at 0 matches, so leftover bytes could never be removed
    go.click().run()
    assert any("0件を削除し" in s.value for s in at.success)


def test_purge_runs_are_recorded_and_shown(env):
    from jichitai_metrics.inquiries.retention import purge_due, run_purge

    store = open_store(load_settings())
    assert purge_due(store)
    outcome = run_purge(store, 365, trigger="cli")
    assert outcome.error is None and not purge_due(store)
    store.close()
    at = login(open_page("pages/inbox.py"), PASSWORD)
    runs = [d.value for d in at.dataframe if "実行のきっかけ" in d.value.columns]
    assert runs and runs[0]["実行のきっかけ"].tolist() == ["cli"]
