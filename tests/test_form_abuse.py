"""The public form against a bot and a restart, through the real server (issue 10).

Every send opens a FRESH session (tests/botclient.py), as a bot does, so nothing kept in session
state can hold the line: the limits must come from the store.
"""

from __future__ import annotations

import re
import time
import uuid

import duckdb
import pytest

from jichitai_metrics.config import load_settings
from jichitai_metrics.inquiries import InboxQuery, open_store
from jichitai_metrics.ui.inquiry_form import COMPONENT_NAME, SUBMIT_EVENT
from tests.botclient import BotSession
from tests.servers import Collector, smtp_server
from tests.support import free_port, running_app

VICTIM = "victim@example.jp"
FIELDS = {
    "自治体名": "架空市",
    "部署・役職名": "企画課",
    "お名前": "ボット 太郎",
    "電話番号": "03-1234-5678",
    "メールアドレス": VICTIM,
    "ご相談内容": "flood",
}
SENT = "受け付けました"
REFUSED = "しばらく時間をおいて"


def fill_and_confirm(bot: BotSession, fields: dict[str, str] = FIELDS) -> None:
    """Fill the form by its labels (as drawn) and press 入力内容を確認する, as the page's script would."""
    form = bot.component_data(COMPONENT_NAME)["fields"]
    by_label = {f["label"]: f["name"] for f in form}
    values = {f["name"]: f["value"] for f in form}
    values |= {by_label[label]: value for label, value in fields.items()}
    values[by_label["上記に同意しました"]] = True
    bot.trigger(COMPONENT_NAME, SUBMIT_EVENT, values)
    assert bot.has_widget("送信"), bot.texts()


def send_fresh(url: str, headers: dict[str, str] | None = None) -> BotSession:
    bot = BotSession(url, "inquiry", headers=headers, timeout=30)
    try:
        fill_and_confirm(bot)
        bot.click("送信")
    finally:
        bot.close()
    return bot


def stored(db_path) -> int:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM inquiries").fetchone()[0])
    finally:
        con.close()


def test_fresh_sessions_cannot_reset_the_limits_and_mail_is_capped(tmp_path):
    smtp_port = free_port()
    db = tmp_path / "state" / "inquiries.duckdb"
    env = {
        "JICHITAI_DB_PATH": str(db),
        "JICHITAI_DATABASE_URL": "",
        "JICHITAI_SMTP_HOST": "127.0.0.1",
        "JICHITAI_SMTP_PORT": str(smtp_port),
        "JICHITAI_SMTP_FROM": "noreply@example.jp",
        "JICHITAI_SMTP_TO": "staff@example.jp",
        "JICHITAI_SMTP_ACK": "1",
        "JICHITAI_NOTICE_CEILING_PER_HOUR": "3",
    }
    collector = Collector()
    with smtp_server(smtp_port, collector), running_app(env=env, log=tmp_path / "app.log") as url:
        outcomes = []
        started = time.monotonic()
        for _ in range(12):
            bot = send_fresh(url)
            text = bot.texts()
            outcomes.append("sent" if SENT in text else "refused" if REFUSED in text else text[:200])
            if outcomes[-1] == "refused":
                assert bot.has_widget("送信") and bot.has_widget("戻る")  # input kept on the confirm screen
        assert outcomes == ["sent"] * 5 + ["refused"] * 7, outcomes
        assert time.monotonic() - started < 120
        # Mail: 1 acknowledgement to the one recipient (not 5); 3 staff notices, then ONE digest mail
        # in the 10-minute interval; notices held after it wait for the next digest (none lost).
        collector.wait_for(5, timeout=30)
        deadline = time.time() + 20
        while time.time() < deadline and not any(
            "まとめました" in m[2]["Subject"] for m in collector.messages
        ):
            time.sleep(0.5)
        acks = [m for m in collector.messages if VICTIM in m[1]]
        staff = [m for m in collector.messages if "staff@example.jp" in m[1]]
        assert len(acks) == 1
        digests = [m for m in staff if "まとめました" in m[2]["Subject"]]
        assert len(staff) == 4 and len(digests) == 1
        in_digest = int(re.search(r"(\d+)件", digests[0][2]["Subject"]).group(1))
    assert stored(db) == 5
    con = duckdb.connect(str(db), read_only=True)
    still_held = con.execute("SELECT count(*) FROM limit_events WHERE kind = 'notice_held'").fetchone()[0]
    con.close()
    assert in_digest + still_held == 2


def test_confirmed_input_survives_a_restart_and_a_resend_shows_the_original_receipt(tmp_path):
    db = tmp_path / "state" / "inquiries.duckdb"
    env = {"JICHITAI_DB_PATH": str(db), "JICHITAI_DATABASE_URL": ""}
    port = free_port()
    with running_app(env=env, port=port) as url:
        bot = BotSession(url, "inquiry")
        fill_and_confirm(bot)
        bot.close()
    # The server is gone (and the session with it). The draft is in the store:
    con = duckdb.connect(str(db), read_only=True)
    (token,) = con.execute("SELECT token FROM drafts").fetchone()
    con.close()
    with running_app(env=env, port=port) as url:
        # The browser reconnects to the new server with the same URL (?draft=…): a new session.
        with BotSession(url, "inquiry", query=f"draft={token}") as bot:
            assert "復元しました" in bot.texts()
            assert "ボット 太郎" in bot.texts()
            bot.click("送信")
            assert SENT in bot.texts()
            receipt = next(n.text for n in bot.elements("code"))
        # The receipt was lost (tab closed, crash): the person opens the same URL and sends again.
        with BotSession(url, "inquiry", query=f"draft={token}") as again:
            assert "すでに受け付けています" in again.texts()
            assert next(n.text for n in again.elements("code")) == receipt
        # An unknown or expired token: the form, with a message, never an error.
        with BotSession(url, "inquiry", query=f"draft={uuid.uuid4().hex}") as stale:
            assert "有効期限" in stale.texts() and not stale.exceptions
    assert stored(db) == 1
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT payload FROM drafts").fetchall() == [("",)]  # what was typed is gone
    con.close()


@pytest.mark.parametrize("limit", [5])
def test_limit_is_shared_by_every_store_object_on_postgres(limit):
    """Replicas share the count: two PostgreSQL store objects, one address, one budget."""
    from jichitai_metrics.inquiries.postgres_store import PostgresInquiryStore
    from jichitai_metrics.inquiries.store import RateLimited, SubmitLimits
    from tests.servers import postgres_server
    from tests.test_store_backends import person

    with postgres_server() as pg:
        a, b = PostgresInquiryStore(pg.url), PostgresInquiryStore(pg.url)
        try:
            a.init_schema()
            limits = SubmitLimits(per_client_hour=limit)
            accepted = refused = 0
            for i in range(2 * limit):
                try:
                    (a if i % 2 else b).submit(
                        person(i), uuid.uuid4().hex, client="203.0.113.9", limits=limits
                    )
                    accepted += 1
                except RateLimited:
                    refused += 1
            assert (accepted, refused) == (limit, limit)
            # Another address is not affected; a resend of a stored submission is never refused.
            sid = uuid.uuid4().hex
            first = a.submit(person(99), sid, client="203.0.113.10", limits=limits)
            assert (
                b.submit(person(99), sid, client="203.0.113.9", limits=limits).receipt_no == first.receipt_no
            )
        finally:
            a.close()
            b.close()


def test_open_store_reads_the_limits_from_settings(monkeypatch):
    monkeypatch.setenv("JICHITAI_INQUIRY_LIMIT_PER_HOUR", "7")
    assert load_settings().inquiry_limit_per_hour == 7
    assert open_store and InboxQuery  # imported names used by other tests in this module
