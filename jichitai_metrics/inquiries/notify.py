"""Staff notification: send the outbox over SMTP after the inquiry is committed.

submit() writes the inquiry and its outbox rows in one transaction, so a notification is never
lost and never blocks the form. A background thread (`start_outbox_worker`, woken by `kick`)
calls `deliver_pending`, which sends due rows and records each failure with an exponential
backoff; failures are listed by `store.failed_outbox()` for the inbox.

No personal data leaves in a message: the staff notice carries only the receipt number and the
inbox link; the optional acknowledgement (JICHITAI_SMTP_ACK) goes to the sender's address and
carries only their receipt number. Recorded error texts are reduced to class and SMTP code,
because an SMTP error message can quote the recipient address.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING

from jichitai_metrics.inquiries.model import OutboxItem, as_utc, utc_now

if TYPE_CHECKING:
    from jichitai_metrics.config import Settings, SmtpSettings
    from jichitai_metrics.inquiries.store import InquiryStore

log = logging.getLogger(__name__)

# Retry schedule: 30 s, 1 min, 2 min, ... capped at 1 h. Never given up: staff see the failures.
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
# How often the worker looks at the outbox when nobody kicks it (retries come due on their own).
POLL_INTERVAL_S = 15.0
SMTP_TIMEOUT_S = 10.0


@dataclass
class DeliveryReport:
    """What one deliver_pending() pass did."""

    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # sanitised, no personal data

    @property
    def attempted(self) -> int:
        """Rows tried in this pass."""
        return self.sent + self.failed


def notify_kinds(smtp: SmtpSettings) -> tuple[str, ...]:
    """Outbox rows submit() should write for this configuration (none when mail is off)."""
    if not smtp.enabled:
        return ()
    return ("staff_notice", "ack") if smtp.acknowledge_sender else ("staff_notice",)


def backoff(attempts_before: int) -> timedelta:
    """Delay before the next try after a failure, given the attempts made before this one."""
    delay = BACKOFF_BASE * (2 ** min(attempts_before, 20))
    return min(delay, BACKOFF_CAP)


def _safe_error(exc: BaseException) -> str:
    """An error description without personal data (SMTP replies can echo the recipient)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"SMTPRecipientsRefused {codes}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__} {exc.smtp_code}"
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"{type(exc).__name__} errno {exc.errno} ({exc.strerror})"
    return type(exc).__name__


def staff_message(item: OutboxItem, smtp: SmtpSettings, base_url: str) -> EmailMessage:
    """The staff notice: receipt number and inbox link only."""
    msg = EmailMessage()
    msg["Subject"] = f"【お問い合わせ】新しいお問い合わせ（受付番号 {item.receipt_no}）"
    msg["From"] = smtp.sender
    msg["To"] = smtp.to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="jichitai-metrics")
    inbox = f"{base_url.rstrip('/')}/inbox"
    msg.set_content(
        "新しいお問い合わせを受け付けました。\n\n"
        f"受付番号: {item.receipt_no}\n"
        f"受付箱: {inbox}\n\n"
        "個人情報はこのメールに含めていません。内容は受付箱でご確認ください。\n\n"
        "A new inquiry has arrived.\n"
        f"Receipt number: {item.receipt_no}\n"
        f"Inbox: {inbox}\n"
        "No personal data is included in this e-mail; read the inquiry in the inbox.\n"
    )
    return msg


def ack_message(item: OutboxItem, smtp: SmtpSettings) -> EmailMessage:
    """The acknowledgement to the sender: their receipt number, nothing they typed."""
    msg = EmailMessage()
    msg["Subject"] = f"お問い合わせを受け付けました（受付番号 {item.receipt_no}）"
    msg["From"] = smtp.sender
    msg["To"] = item.recipient
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="jichitai-metrics")
    msg.set_content(
        "お問い合わせを受け付けました。担当者からの連絡をお待ちください。\n\n"
        f"受付番号: {item.receipt_no}\n\n"
        "お問い合わせの際は、この受付番号をお伝えください。\n"
        "このメールは送信専用です。心当たりのない場合は、このメールを破棄してください。\n\n"
        "We have received your inquiry.\n"
        f"Receipt number: {item.receipt_no}\n"
        "This address does not receive replies. If you did not send an inquiry, please ignore it.\n"
    )
    return msg


def digest_message(held: int, smtp: SmtpSettings, base_url: str) -> EmailMessage:
    """One staff mail for the notices held above the hourly ceiling (a flood): a count and the link."""
    msg = EmailMessage()
    msg["Subject"] = f"【お問い合わせ】新しいお問い合わせ {held}件（通知の上限を超えたため1通にまとめました）"
    msg["From"] = smtp.sender
    msg["To"] = smtp.to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="jichitai-metrics")
    inbox = f"{base_url.rstrip('/')}/inbox"
    msg.set_content(
        f"1時間あたりの通知の上限を超えたため、{held}件のお問い合わせの通知を1通にまとめました。\n"
        "お問い合わせはすべて保存されています。短時間に大量に届いている場合は、機械的な送信の可能性があります。\n\n"
        f"受付箱: {inbox}\n\n"
        f"{held} more inquiries arrived above the hourly notice ceiling; they are all stored. "
        f"Inbox: {inbox}\n"
    )
    return msg


def _message_for(item: OutboxItem, smtp: SmtpSettings, base_url: str) -> EmailMessage:
    if item.kind == "ack":
        if not item.recipient:
            raise ValueError("acknowledgement without a recipient")
        return ack_message(item, smtp)
    return staff_message(item, smtp, base_url)


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    client = smtplib.SMTP(smtp.host or "", smtp.port, timeout=SMTP_TIMEOUT_S)
    try:
        client.ehlo()
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if smtp.user:
            client.login(smtp.user, smtp.password or "")
    except BaseException:
        client.close()
        raise
    return client


def deliver_pending(
    store: InquiryStore,
    smtp_settings: SmtpSettings,
    base_url: str,
    now: datetime | None = None,
    *,
    limit: int = 50,
) -> DeliveryReport:
    """Send every due outbox row once over one SMTP connection; record each success or failure."""
    report = DeliveryReport()
    if not smtp_settings.enabled:
        return report
    at = as_utc(now) if now is not None else utc_now()
    _send_digest(store, smtp_settings, base_url, at, report)
    items = store.pending_outbox(now=at, limit=limit)
    if not items:
        return report
    client: smtplib.SMTP | None = None
    try:
        try:
            client = _connect(smtp_settings)
        except (OSError, smtplib.SMTPException) as exc:
            # Server down or refusing us: every row waits for its next attempt.
            error = _safe_error(exc)
            for item in items:
                _record_failure(store, item, error, at, report)
            return report
        for index, item in enumerate(items):
            try:
                client.send_message(_message_for(item, smtp_settings, base_url))
            except smtplib.SMTPServerDisconnected as exc:
                # The connection is gone: this row and the rest wait for their next attempt.
                client = None
                for rest in items[index:]:
                    _record_failure(store, rest, _safe_error(exc), at, report)
                break
            except (OSError, smtplib.SMTPException, ValueError) as exc:
                _record_failure(store, item, _safe_error(exc), at, report)
                continue
            store.mark_outbox_sent(item.id, now=at)
            report.sent += 1
        return report
    finally:
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()


def _send_digest(
    store: InquiryStore, smtp_settings: SmtpSettings, base_url: str, at: datetime, report: DeliveryReport
) -> None:
    take = getattr(store, "take_held_notices", None)
    held = take(now=at) if take is not None else 0
    if not held:
        return
    try:
        client = _connect(smtp_settings)
        try:
            client.send_message(digest_message(held, smtp_settings, base_url))
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                client.quit()
        report.sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        # The inquiries are stored and listed in the inbox; only this summary mail is lost.
        report.failed += 1
        report.errors.append(_safe_error(exc))
        log.warning("digest of %d held notices failed: %s", held, _safe_error(exc))


def _record_failure(
    store: InquiryStore, item: OutboxItem, error: str, at: datetime, report: DeliveryReport
) -> None:
    store.mark_outbox_failed(item.id, error, at + backoff(item.attempts))
    report.failed += 1
    report.errors.append(error)
    # Receipt number and error class only: never the recipient.
    log.warning("notification %s for %s failed: %s", item.kind, item.receipt_no, error)


class OutboxWorker:
    """A daemon thread that delivers the outbox: woken by kick(), else every POLL_INTERVAL_S."""

    def __init__(self, store: InquiryStore, settings: Settings, poll_interval: float = POLL_INTERVAL_S):
        self.store = store
        self.settings = settings
        self.poll_interval = poll_interval
        self.last_report: DeliveryReport | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="jichitai-outbox", daemon=True)

    def start(self) -> OutboxWorker:
        """Start the thread (returns self)."""
        self._thread.start()
        return self

    def kick(self) -> None:
        """Ask for a delivery pass now; returns at once."""
        self._wake.set()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop after the current pass (a pass is bounded by the SMTP timeout)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """Whether the thread is running."""
        return self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.last_report = deliver_pending(self.store, self.settings.smtp, self.settings.base_url)
            except Exception as exc:  # a database hiccup must not kill the sender for good
                log.warning("outbox pass failed: %s", type(exc).__name__)


_worker: OutboxWorker | None = None
_worker_lock = threading.Lock()


def start_outbox_worker(
    store: InquiryStore, settings: Settings, poll_interval: float = POLL_INTERVAL_S
) -> OutboxWorker:
    """The process's outbox worker, started if needed (one per process; later calls reuse it)."""
    global _worker
    with _worker_lock:
        if _worker is None or not _worker.alive or _worker.store is not store:
            if _worker is not None:
                _worker._stop.set()
                _worker._wake.set()
            _worker = OutboxWorker(store, settings, poll_interval).start()
        else:
            _worker.settings = settings
        return _worker


def kick(settings: Settings, store: InquiryStore | None = None) -> OutboxWorker | None:
    """After a successful submit: wake (or start) the worker so the notice goes out now.

    Never blocks and never raises into the form. Pass the store the app already holds (a DuckDB
    file must have one owner per process); without it the worker opens its own store.
    Returns None when mail is not configured.
    """
    if not settings.smtp.enabled:
        return None
    try:
        if store is None:
            if _worker is not None and _worker.alive:
                _worker.settings = settings
                _worker.kick()
                return _worker
            if not settings.database_url:
                # A second DuckDBInquiryStore on the app's file would fight the first one (erasure
                # swaps the file under it): without the app's store, leave it to the next kick.
                log.warning("outbox worker not started: kick() needs the app's DuckDB store")
                return None
            from jichitai_metrics.inquiries.store import open_store

            store = open_store(settings)
        worker = start_outbox_worker(store, settings)
        worker.kick()
        return worker
    except Exception as exc:  # the inquiry is stored; the poll or the next kick will send it
        log.warning("could not start the outbox worker: %s", type(exc).__name__)
        return None


def stop_outbox_worker() -> None:
    """Stop the process's worker, if any (tests, shutdown)."""
    global _worker
    with _worker_lock:
        if _worker is not None:
            _worker.stop()
            _worker = None


_CLI_BATCH = 200


def main(argv: list[str] | None = None) -> int:
    """`python -m jichitai_metrics.inquiries.notify [--once]`: a sender outside the app.

    For PostgreSQL deployments that want mail sent by one dedicated process (or from cron with
    --once) in addition to, or instead of, the replicas' own senders; leases keep it exactly-once.
    """
    import argparse

    from jichitai_metrics.config import load_settings
    from jichitai_metrics.inquiries.store import open_store

    ap = argparse.ArgumentParser(description="Send the inquiry notification outbox over SMTP.")
    ap.add_argument("--once", action="store_true", help="one pass, then exit (for cron)")
    ap.add_argument("--interval", type=float, default=POLL_INTERVAL_S, help="seconds between passes")
    args = ap.parse_args(argv)
    settings = load_settings()
    if not settings.smtp.enabled:
        print("JICHITAI_SMTP_HOST, _FROM and _TO are not all set: nothing to send.")
        return 2
    store = open_store(settings)
    try:
        while True:
            report = deliver_pending(store, settings.smtp, settings.base_url, limit=_CLI_BATCH)
            if report.attempted:
                print(f"sent {report.sent}, failed {report.failed}", flush=True)
            if args.once:
                if report.attempted == _CLI_BATCH and not report.failed:
                    continue  # a full batch: there may be more due
                return 1 if report.failed else 0
            threading.Event().wait(args.interval)
    except KeyboardInterrupt:
        return 0
    finally:
        store.close()


if __name__ == "__main__":
    raise SystemExit(main())
