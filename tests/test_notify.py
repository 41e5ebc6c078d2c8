"""Staff notification over SMTP, against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from jichitai_metrics.config import load_settings
from jichitai_metrics.inquiries import NewInquiry, notify
from jichitai_metrics.inquiries.duckdb_store import DuckDBInquiryStore
from tests.servers import Collector, smtp_server
from tests.support import free_port

BASE_URL = "https://jichitai.example.lg.jp"
PERSON = NewInquiry(
    article_title="自治体DXセミナー報告",
    municipality="架空市",
    department="企画課 主査",
    name="試験 花子",
    phone="０３－１２３４－５６７８",
    email="hanako.shiken@example.jp",
    message="グラフの出典を教えてください（秘密の相談 XYZZY）",
    consent=True,
)
# Strings that must never appear in a message or a recorded error (the typed personal data).
PERSONAL = (
    PERSON.name,
    "試験",
    "花子",
    PERSON.phone,
    "1234",
    "5678",
    PERSON.email,
    "hanako",
    PERSON.message,
    "XYZZY",
    PERSON.department,
    PERSON.municipality,
)


def settings_for(port: int, ack: bool = False):
    base = load_settings(
        {
            "JICHITAI_SMTP_HOST": "127.0.0.1",
            "JICHITAI_SMTP_PORT": str(port),
            "JICHITAI_SMTP_FROM": "noreply@jichitai.example.lg.jp",
            "JICHITAI_SMTP_TO": "staff@example.lg.jp",
            "JICHITAI_SMTP_ACK": "1" if ack else "",
            "JICHITAI_BASE_URL": BASE_URL + "/",
        }
    )
    return base


@pytest.fixture()
def store(tmp_db_path):
    s = DuckDBInquiryStore(tmp_db_path)
    s.init_schema()
    yield s
    notify.stop_outbox_worker()
    s.close()


def body_text(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content()


def submit(store, settings, now=None):
    return store.submit(PERSON, str(uuid.uuid4()), now=now, notify_kinds=notify.notify_kinds(settings.smtp))


def test_staff_notice_carries_receipt_and_inbox_link_but_no_personal_data(store):
    port = free_port()
    handler = Collector()
    settings = settings_for(port)
    result = submit(store, settings)
    with smtp_server(port, handler):
        report = notify.deliver_pending(store, settings.smtp, settings.base_url)
    assert (report.sent, report.failed) == (1, 0)
    assert len(handler.messages) == 1
    mail_from, rcpt, msg, raw = handler.messages[0]
    assert rcpt == ["staff@example.lg.jp"] and mail_from == "noreply@jichitai.example.lg.jp"
    text = body_text(msg)
    assert result.receipt_no in text and result.receipt_no in msg["Subject"]
    assert f"{BASE_URL}/inbox" in text
    whole = str(msg["Subject"]) + text + raw.decode("utf-8", "replace")
    for secret in PERSONAL:
        assert secret not in whole, f"personal data {secret!r} in the staff notice"
    # Sent rows leave the queue: a second pass sends nothing more.
    with smtp_server(port, handler):
        assert notify.deliver_pending(store, settings.smtp, settings.base_url).attempted == 0
    assert len(handler.messages) == 1 and store.failed_outbox().empty


def test_acknowledgement_goes_to_sender_with_receipt_only(store):
    port = free_port()
    handler = Collector()
    settings = settings_for(port, ack=True)
    result = submit(store, settings)
    with smtp_server(port, handler):
        report = notify.deliver_pending(store, settings.smtp, settings.base_url)
    assert report.sent == 2
    by_rcpt = {tuple(r): m for _, r, m, _ in handler.messages}
    assert set(by_rcpt) == {("staff@example.lg.jp",), (PERSON.email,)}
    ack = by_rcpt[(PERSON.email,)]
    text = str(ack["Subject"]) + body_text(ack)
    assert result.receipt_no in text
    for secret in PERSONAL:
        if secret in PERSON.email or secret == PERSON.email:
            continue  # the address is in To:, necessarily; the body must not repeat anything typed
        assert secret not in text
    assert PERSON.email not in body_text(ack)


def test_no_mail_configured_means_no_outbox_rows_and_no_sending(store):
    settings = load_settings({})
    assert notify.notify_kinds(settings.smtp) == ()
    submit(store, settings)
    assert store.pending_outbox(now=datetime.now(UTC) + timedelta(days=1)) == []
    assert notify.deliver_pending(store, settings.smtp, settings.base_url).attempted == 0
    assert notify.kick(settings, store) is None


def test_server_down_records_failure_with_backoff_then_recovers(store):
    port = free_port()  # nothing listens here yet
    settings = settings_for(port)
    t0 = datetime(2025, 6, 1, 1, 0, tzinfo=UTC)
    result = submit(store, settings, now=t0)

    first = notify.deliver_pending(store, settings.smtp, settings.base_url, now=t0)
    assert (first.sent, first.failed) == (0, 1)
    failed = store.failed_outbox()
    assert list(failed["receipt_no"]) == [result.receipt_no]
    assert int(failed["attempts"].iloc[0]) == 1
    assert "ConnectionRefusedError" in failed["last_error"].iloc[0]
    assert failed["next_attempt_at"].iloc[0].to_pydatetime() == t0 + notify.BACKOFF_BASE
    for secret in PERSONAL:
        assert secret not in failed.to_csv()

    # Not due yet: nothing is tried before the backoff has passed.
    early = notify.deliver_pending(
        store, settings.smtp, settings.base_url, now=t0 + notify.BACKOFF_BASE - timedelta(seconds=1)
    )
    assert early.attempted == 0

    # Second failure doubles the wait.
    t1 = t0 + notify.BACKOFF_BASE
    assert notify.deliver_pending(store, settings.smtp, settings.base_url, now=t1).failed == 1
    failed = store.failed_outbox()
    assert int(failed["attempts"].iloc[0]) == 2
    assert failed["next_attempt_at"].iloc[0].to_pydatetime() == t1 + 2 * notify.BACKOFF_BASE

    # The server comes up; once due, the notice goes out exactly once and the failure clears.
    handler = Collector()
    with smtp_server(port, handler):
        t2 = t1 + 2 * notify.BACKOFF_BASE
        done = notify.deliver_pending(store, settings.smtp, settings.base_url, now=t2)
        again = notify.deliver_pending(store, settings.smtp, settings.base_url, now=t2 + timedelta(hours=2))
    assert (done.sent, done.failed, again.attempted) == (1, 0, 0)
    assert len(handler.messages) == 1 and result.receipt_no in body_text(handler.messages[0][2])
    assert store.failed_outbox().empty


def test_backoff_grows_and_is_capped():
    delays = [notify.backoff(n) for n in range(12)]
    assert delays[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert all(a <= b for a, b in zip(delays, delays[1:], strict=False))
    assert delays[-1] == notify.BACKOFF_CAP


def test_worker_sends_in_background_and_kick_never_blocks(store):
    class Stalling(Collector):
        """Holds every message until released: an SMTP server that hangs mid-delivery."""

        def __init__(self) -> None:
            super().__init__()
            self.entered = threading.Event()
            self.release = threading.Event()

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            self.entered.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
            return await super().handle_DATA(server, session, envelope)

    port = free_port()
    handler = Stalling()
    settings = settings_for(port)
    with smtp_server(port, handler):
        worker = notify.start_outbox_worker(store, settings, poll_interval=60)
        results = [submit(store, settings) for _ in range(3)]
        assert notify.kick(settings, store) is worker
        assert handler.entered.wait(20), "the worker started delivering"
        # The SMTP server is now stuck inside a delivery: a second kick must still return (the form
        # thread never waits for SMTP). Were kick() to deliver itself, it would hang until release.
        kicked: list[object] = []
        form = threading.Thread(target=lambda: kicked.append(notify.kick(settings, store)), daemon=True)
        form.start()
        form.join(10)
        assert kicked == [worker], "kick() waited for the stuck SMTP server"
        assert handler.messages == [], "nothing was accepted while the server hangs"
        handler.release.set()
        handler.wait_for(3)
    receipts = sorted(body_text(m).split("受付番号: ")[1].split("\n")[0] for _, _, m, _ in handler.messages)
    assert receipts == sorted(r.receipt_no for r in results)


def test_worker_survives_an_smtp_outage_and_delivers_after_restart(store):
    port = free_port()
    settings = settings_for(port)
    result = submit(store, settings)
    worker = notify.start_outbox_worker(store, settings, poll_interval=0.2)
    deadline = time.time() + 10
    while store.failed_outbox().empty and time.time() < deadline:
        time.sleep(0.05)
    assert list(store.failed_outbox()["receipt_no"]) == [result.receipt_no]
    assert worker.alive
    # Retries are scheduled in the future (backoff); the worker keeps polling and sends once due.
    handler = Collector()
    with smtp_server(port, handler):
        # Make the retry due now instead of waiting 30 s: the schedule itself is tested above.
        item = store.failed_outbox()["id"].iloc[0]
        store.mark_outbox_failed(int(item), "test: make due", datetime.now(UTC) - timedelta(seconds=1))
        notify.kick(settings, store)
        handler.wait_for(1)
    assert result.receipt_no in body_text(handler.messages[0][2])
    deadline = time.time() + 5
    while not store.failed_outbox().empty and time.time() < deadline:
        time.sleep(0.05)
    assert store.failed_outbox().empty


def test_recipient_refusal_is_recorded_without_the_address(store):
    class Refuser(Collector):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
            return "550 no such user here: " + address

    port = free_port()
    settings = settings_for(port, ack=True)
    submit(store, settings)
    with smtp_server(port, Refuser()):
        report = notify.deliver_pending(store, settings.smtp, settings.base_url)
    assert report.failed == 2
    failed = store.failed_outbox()
    assert set(failed["kind"]) == {"staff_notice", "ack"}
    assert all("550" in e for e in failed["last_error"])
    assert PERSON.email not in failed.to_csv() and "staff@example.lg.jp" not in failed.to_csv()


def test_smtp_settings_disabled_without_host():
    settings = settings_for(25)
    assert notify.notify_kinds(replace(settings.smtp, host=None)) == ()
    assert notify.notify_kinds(settings.smtp) == ("staff_notice",)


def test_kick_without_the_apps_duckdb_store_does_not_open_a_second_one(tmp_db_path):
    notify.stop_outbox_worker()
    settings = replace(settings_for(free_port()), db_path=tmp_db_path)
    assert notify.kick(settings) is None
    assert not tmp_db_path.exists()


def test_command_line_sender_once(tmp_db_path, monkeypatch, capsys):
    port = free_port()
    settings = settings_for(port)
    store = DuckDBInquiryStore(tmp_db_path)
    store.init_schema()
    results = [submit(store, settings) for _ in range(3)]
    store.close()  # the command opens the file itself, as a separate process would
    for key, value in {
        "JICHITAI_DB_PATH": str(tmp_db_path),
        "JICHITAI_DATABASE_URL": "",
        "JICHITAI_SMTP_HOST": "127.0.0.1",
        "JICHITAI_SMTP_PORT": str(port),
        "JICHITAI_SMTP_FROM": "noreply@example.lg.jp",
        "JICHITAI_SMTP_TO": "staff@example.lg.jp",
    }.items():
        monkeypatch.setenv(key, value)
    assert notify.main(["--once"]) == 1  # no server yet: failures recorded, exit status says so
    handler = Collector()
    with smtp_server(port, handler):
        reopened = DuckDBInquiryStore(tmp_db_path)
        for item in reopened.failed_outbox()["id"]:  # due now rather than after the 30 s backoff
            reopened.mark_outbox_failed(int(item), "test: due", datetime.now(UTC) - timedelta(seconds=1))
        reopened.close()
        assert notify.main(["--once"]) == 0
    assert "sent 3, failed 0" in capsys.readouterr().out
    assert sorted(
        body_text(m).split("受付番号: ")[1].split("\n")[0] for _, _, m, _ in handler.messages
    ) == sorted(r.receipt_no for r in results)
