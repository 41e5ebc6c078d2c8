"""The inbox attacked like a bot (bare WebSocket sessions via tests/botclient.py, no browser).

Each attack from issue 9 is rerun here against a real server and must fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jichitai_metrics.config import load_settings
from jichitai_metrics.inquiries import NewInquiry, open_store
from jichitai_metrics.staffauth import FREE_FAILURES, GLOBAL_LIMIT, hash_password
from tests.botclient import BotSession
from tests.support import running_app

PASSWORD = "bot-test-correct-horse-42"
WRONG = "パスワードが違います"
PERSON = NewInquiry(
    "記事", "架空市", "企画課", "試験 花子", "03-1234-5678", "hanako@example.jp", "質問です", True
)


def _seed(db: Path) -> None:
    store = open_store(load_settings({"JICHITAI_DB_PATH": str(db)}))
    store.submit(PERSON, "seed-1")
    store.close()


def _env(db: Path) -> dict[str, str]:
    return {
        "JICHITAI_DB_PATH": str(db),
        "JICHITAI_DATABASE_URL": "",
        "JICHITAI_ADMIN_PASSWORD": "",
        "JICHITAI_ADMIN_PASSWORD_HASH": hash_password(PASSWORD),
    }


@pytest.fixture()
def app(tmp_path: Path) -> Iterator[str]:
    db = tmp_path / "store.duckdb"
    _seed(db)
    with running_app(_env(db), log=tmp_path / "server.log") as url:
        yield url


def sign_in(bot: BotSession, password: str = PASSWORD) -> BotSession:
    return bot.set("パスワード", password).click("ログイン")


def test_twenty_guesses_over_twenty_sessions_are_throttled(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    _seed(db)
    checked = refused = 0
    with running_app(_env(db), log=tmp_path / "server.log") as app:
        for i in range(20):
            with BotSession(app, page="inbox") as bot:  # a new WebSocket: a new server session
                sign_in(bot, f"guess-{i}")
                assert bot.exceptions == []
                if any(WRONG in a for a in bot.alerts("error")):
                    checked += 1
                elif any("待ってから" in w for w in bot.alerts("warning")):
                    refused += 1
        # The right password during the lockout is refused too (without being checked).
        with BotSession(app, page="inbox") as bot:
            sign_in(bot)
            assert not bot.has_widget("ログアウト")
            assert any("待ってから" in w for w in bot.alerts("warning"))
            assert not any(WRONG in a for a in bot.alerts("error"))
    assert (checked, refused) == (FREE_FAILURES, 20 - FREE_FAILURES)
    # Every checked failure is in the audit log with the address, and no typed password is.
    store = open_store(load_settings({"JICHITAI_DB_PATH": str(db)}))
    log = store.audit_frame()
    store.close()
    failed = log[log["action"] == "sign_in_failed"]
    assert len(failed) == FREE_FAILURES and set(failed["address"]) == {"127.0.0.1"}
    assert "guess-" not in log.to_csv() and PASSWORD not in log.to_csv()


def test_export_url_dies_on_sign_out_and_newer_export(app: str) -> None:
    with BotSession(app, page="inbox") as bot:
        sign_in(bot)
        assert bot.has_widget("ログアウト")
        bot.click("CSVを作成する")
        first = bot.download("ダウンロード（")
        assert first.startswith("/media/")
        status, body = bot.fetch(first)
        assert status == 200 and "hanako@example.jp" in body.decode("utf-8-sig")
        # A newer export replaces the file: the old URL is gone.
        bot.set("文字コード", "Shift_JIS（CP932）", "radio").click("CSVを作成する")  # other bytes, other URL
        second = bot.download("ダウンロード（")
        assert second != first
        assert bot.fetch(first)[0] == 404
        assert bot.fetch(second)[0] == 200
        bot.click("ログアウト")
        assert bot.has_widget("パスワード") and not bot.has_widget("CSVを作成する")
        assert bot.fetch(second)[0] == 404  # no cookie, after sign-out
        assert bot.fetch(second, with_cookies=True)[0] == 404


def test_export_url_dies_when_the_person_is_erased(app: str) -> None:
    with BotSession(app, page="inbox") as staff, BotSession(app, page="inbox") as other:
        sign_in(staff)
        sign_in(other)
        other.click("CSVを作成する")
        url = other.download("ダウンロード（")
        assert other.fetch(url)[0] == 200
        staff.set("メールアドレス", "hanako@example.jp", "text_input").rerun()
        staff.set("元に戻せないことを確認しました", True, "checkbox", key="inbox_erase_sure").rerun()
        staff.click("完全に削除する")
        assert any("1件を削除しました" in s for s in staff.alerts("success"))
        assert other.fetch(url)[0] == 404  # another session's earlier export is gone too


@pytest.mark.parametrize("uvicorn_trusts", ["", "127.0.0.1,::1"], ids=["run.sh", "uvicorn-default"])
def test_forged_forwarded_for_does_not_reset_the_count(tmp_path: Path, uvicorn_trusts: str) -> None:
    # No trusted proxy configured: a client that claims a new address per session is still itself,
    # also when Streamlit's uvicorn was left to believe X-Forwarded-For from loopback (its default).
    db = tmp_path / "store.duckdb"
    _seed(db)
    checked = 0
    env = {**_env(db), "FORWARDED_ALLOW_IPS": uvicorn_trusts}
    with running_app(env, log=tmp_path / "server.log") as app:
        for i in range(8):
            with BotSession(app, page="inbox", headers={"X-Forwarded-For": f"198.51.100.{i + 1}"}) as bot:
                sign_in(bot, f"guess-{i}")
                checked += any(WRONG in a for a in bot.alerts("error"))
    assert checked == FREE_FAILURES


def test_fifty_failures_an_hour_pause_password_sign_in_for_everyone(tmp_path: Path) -> None:
    # Behind a trusted proxy, many addresses (4 guesses each, under the per-address limit) add up.
    db = tmp_path / "store.duckdb"
    _seed(db)
    env = {**_env(db), "JICHITAI_TRUSTED_PROXIES": "127.0.0.1,::1"}
    checked = 0
    with running_app(env, log=tmp_path / "server.log") as app:
        for i in range(GLOBAL_LIMIT + 2):
            address = f"198.51.100.{i // 4 + 1}"
            with BotSession(app, page="inbox", headers={"X-Forwarded-For": address}) as bot:
                sign_in(bot, f"guess-{i}")
                checked += any(WRONG in a for a in bot.alerts("error"))
        with BotSession(app, page="inbox", headers={"X-Forwarded-For": "203.0.113.77"}) as bot:
            sign_in(bot)  # a new address, the right password: paused all the same
            assert not bot.has_widget("ログアウト")
            assert any("一時停止" in w for w in bot.alerts("warning"))
    assert checked == GLOBAL_LIMIT
    store = open_store(load_settings({"JICHITAI_DB_PATH": str(db)}))
    log = store.audit_frame()
    store.close()
    assert list(log["action"]).count("password_paused") == 1
    assert len(set(log.loc[log["action"] == "sign_in_failed", "address"])) == 13  # forwarded, not nginx's


def test_twenty_guesses_fired_at_once_are_throttled_too(app: str) -> None:
    import threading

    bots = [BotSession(app, page="inbox") for _ in range(20)]
    try:
        for i, bot in enumerate(bots):
            bot.set("パスワード", f"burst-{i}")
        start = threading.Barrier(len(bots))
        checked = [False] * len(bots)

        def guess(i: int) -> None:
            start.wait()
            bots[i].click("ログイン")
            checked[i] = any(WRONG in a for a in bots[i].alerts("error"))

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(len(bots))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert sum(checked) == FREE_FAILURES
    finally:
        for bot in bots:
            bot.close()
