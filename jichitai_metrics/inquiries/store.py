"""The inquiry-store interface every backend implements, and the one place that picks a backend."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

import pandas as pd

from jichitai_metrics.errors import JichitaiError, StoreUnavailable
from jichitai_metrics.inquiries.audit import AuditEntry, SignInFailures
from jichitai_metrics.inquiries.model import (
    OUTBOX_KINDS,
    InboxPage,
    InboxQuery,
    Inquiry,
    NewInquiry,
    OutboxItem,
    SubmitResult,
    as_utc,
    email_key,
    new_receipt_no,
    search_text,
    utc_now,
)

if TYPE_CHECKING:
    from jichitai_metrics.config import Settings

# 1: inquiries + outbox. 2 (issue 9): audit_log, sign_in_failures.
# 3 (issue 10): erasure_requests, maintenance_runs, limit_events, drafts. 4: inquiries.client_key.
SCHEMA_VERSION = 4

# How long a wrong password counts against its address (staffauth.COUNT_WINDOW says the same).
FAILURE_KEEP = timedelta(hours=24)
# Below this much free space on the DuckDB file's disk the form says up front it cannot accept inquiries.
MIN_FREE_BYTES = 1024 * 1024
# A confirmed draft kept server-side lives this long (then the rewrite/purge drops it).
DRAFT_TTL = timedelta(hours=1)
# Staff get at most one digest of held notices per this interval during a flood.
DIGEST_INTERVAL = timedelta(minutes=10)
# Limit counters are needed for the longest window (ack mails: 24 h) and no longer; an inquiry's
# hashed client_key (the per-address hourly limit) is blanked at the first purge after this age.
LIMIT_EVENT_TTL = timedelta(hours=25)


@dataclass(frozen=True)
class SubmitLimits:
    """Limits submit() enforces in the store itself, so no new session, process or replica resets them.

    - per_client_hour: accepted inquiries per client address (trusted-proxy rule) per rolling hour;
    - ack_per_recipient_day: acknowledgement mails per recipient address per rolling 24 h;
    - notice_ceiling_hour: staff notices per rolling hour from all clients; above it inquiries are
      still stored, but their notices are held and sent as one digest mail (take_held_notices).
    """

    per_client_hour: int = 5
    ack_per_recipient_day: int = 1
    notice_ceiling_hour: int = 60


class RateLimited(JichitaiError):
    """submit() refused: this client address reached SubmitLimits.per_client_hour (nothing stored)."""


def limit_key(text: str) -> str:
    """The key a limit counter is stored under: a hash, so the counters hold no readable address."""
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def limit_mail(
    kinds: Sequence[str],
    email_key: str,
    limits: SubmitLimits,
    recent: Callable[[str, str, timedelta], int],
    count: Callable[[str, str], None],
    lock: Callable[[str], object] = lambda key: None,
) -> tuple[str, ...]:
    """The mail limits, one rule for both backends: at most `ack_per_recipient_day` acknowledgements
    per recipient, and staff notices above the hourly ceiling held for the digest.

    `recent(kind, key, window)` counts limit events, `count(kind, key)` records one (both inside the
    submit's transaction); `lock(key)` serialises one recipient where processes share the store.
    """
    out = list(kinds)
    if "ack" in out:
        ack_key = limit_key(email_key)
        lock(ack_key)
        if recent("ack", ack_key, timedelta(hours=24)) >= limits.ack_per_recipient_day:
            out.remove("ack")
        else:
            count("ack", ack_key)
    if "staff_notice" in out:
        if recent("notice", "*", timedelta(hours=1)) >= limits.notice_ceiling_hour:
            out.remove("staff_notice")
            count("notice_held", "*")
        else:
            count("notice", "*")
    return tuple(out)


@dataclass(frozen=True)
class MaintenanceRun:
    """One purge or erasure run, as recorded in maintenance_runs (no personal data)."""

    kind: str  # "purge" | "erasure"
    trigger: str  # "daily" | "cli" | "staff"
    started_at: datetime
    finished_at: datetime
    rows: int
    error: str | None = None


def erasure_failed_message(cause: str) -> str:
    """What staff read when an erasure could not finish (both backends say the same)."""
    return (
        "消去を最後まで完了できませんでした。データベースを作り直す途中で失敗したため、"
        "データは消去前のまま残っています。この請求は「未完了」として記録しました。"
        "原因を取り除いてから「もう一度消去する」を押してください。"
        f"（原因：{cause}）"
    )


# How often a backend retries a write after a transaction conflict before giving up.
MAX_RETRIES = 20

_Row = TypeVar("_Row")


def one_row(row: _Row | None, what: str) -> _Row:
    """The row of a query that always returns one (SELECT count(*)/max(), INSERT ... RETURNING).

    fetchone() is typed "row or None"; None here means a broken invariant, so it fails loudly.
    """
    if row is None:
        raise RuntimeError(f"inquiry store: {what} returned no row")
    return row


class InvalidInquiry(JichitaiError):
    """submit() was given an inquiry that fails validation (the UI validates first; this is the guard)."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__("invalid inquiry: " + ", ".join(sorted(errors)))


@runtime_checkable
class InquiryStore(Protocol):
    """Where inquiries live. Every method is safe to call from many threads at once."""

    def init_schema(self) -> None:
        """Create or upgrade tables (recorded in schema_version); running it again is harmless."""
        ...

    def submit(
        self,
        inquiry: NewInquiry,
        submission_id: str,
        *,
        now: datetime | None = None,
        notify_kinds: tuple[str, ...] = (),
        client: str | None = None,
        limits: SubmitLimits | None = None,
    ) -> SubmitResult:
        """Store `inquiry` exactly once per submission_id, plus one outbox row per kind, in one transaction.

        A repeat of a stored submission_id returns the original receipt with created=False (never
        refused by a limit). With `limits`, a client over its hourly limit gets RateLimited, an
        acknowledgement beyond one per recipient per day is dropped, and staff notices over the
        hourly ceiling are held for one digest mail.
        Raises InvalidInquiry if validation fails, StoreUnavailable if the database cannot be written.
        """
        ...

    def take_held_notices(self, *, now: datetime | None = None, min_interval: timedelta = ...) -> int:
        """Claim the staff notices held above the ceiling (count), at most once per min_interval."""
        ...

    def get(self, inquiry_id: int) -> Inquiry | None:
        """One inquiry by id, or None."""
        ...

    def list_page(self, query: InboxQuery) -> InboxPage:
        """One page of inquiries, filtered, sorted and paged in SQL (columns: model.LIST_COLUMNS)."""
        ...

    def export_frame(self, query: InboxQuery) -> pd.DataFrame:
        """Every inquiry matching the query's filters and sort (no paging), for CSV export."""
        ...

    def update(self, inquiry_id: int, *, status: str | None = None, memo: str | None = None) -> None:
        """Set status and/or the internal memo (and updated_at). Raises ValueError for an unknown status."""
        ...

    def erase_person(self, email: str) -> int:
        """Erase every inquiry (and outbox row) of this e-mail so the bytes leave the files; returns rows."""
        ...

    def purge_older_than(self, days: int, *, now: datetime | None = None) -> int:
        """Erase inquiries received more than `days` days ago, as physically as erase_person; returns rows."""
        ...

    def count(self) -> int:
        """Number of stored inquiries."""
        ...

    def pending_outbox(self, *, now: datetime | None = None, limit: int = 20) -> list[OutboxItem]:
        """Unsent notifications whose next attempt is due, oldest first."""
        ...

    def mark_outbox_sent(self, item_id: int, *, now: datetime | None = None) -> None:
        """Record that a notification was delivered (it leaves the pending and failed lists)."""
        ...

    def mark_outbox_failed(self, item_id: int, error: str, next_attempt_at: datetime) -> None:
        """Record a failed attempt (error text must hold no personal data) and when to try again."""
        ...

    def failed_outbox(self) -> pd.DataFrame:
        """Unsent notifications with at least one failed attempt: id, receipt_no, kind, attempts,
        last_error, next_attempt_at (no recipient: it can be personal data)."""
        ...

    # -- erasure requests ----------------------------------------------------------------------------

    def retry_erasures(self) -> int:
        """Finish every pending erasure request (rows erased; ErasureIncomplete if it fails again)."""
        ...

    def pending_erasures(self) -> pd.DataFrame:
        """Erasure requests not finished yet: requested_at (UTC), attempts, last_error (no e-mail)."""
        ...

    # -- drafts (the confirmed form survives a restart; a reload after sending finds the receipt) ---

    def save_draft(
        self, token: str, submission_id: str, payload: str, email: str, *, now: datetime | None = None
    ) -> None:
        """Keep the confirmed form under `token`, replacing an older version of the same token."""
        ...

    def load_draft(self, token: str, *, now: datetime | None = None) -> tuple[str, str] | None:
        """(submission_id, payload) of a draft younger than DRAFT_TTL, else None; payload "" once sent."""
        ...

    def finish_draft(self, token: str) -> None:
        """After sending: drop what was typed, keep token -> submission id so a reload finds the receipt."""
        ...

    def receipt_for(self, submission_id: str) -> str | None:
        """The receipt number stored for this submission id, or None if nothing was stored."""
        ...

    # -- health and housekeeping ----------------------------------------------------------------------

    def ping(self) -> None:
        """Raise StoreUnavailable if an inquiry could not be stored right now (no answer, disk full)."""
        ...

    def record_run(self, run: MaintenanceRun) -> None:
        """Append one maintenance run (purge, erasure) to maintenance_runs (no personal data)."""
        ...

    def last_run(self, kind: str, *, successful: bool = True) -> datetime | None:
        """When the last (successful, unless successful=False) run of `kind` started (UTC), or None."""
        ...

    def runs(self, limit: int = 20) -> pd.DataFrame:
        """The latest `limit` maintenance runs, newest first (times tz-aware UTC, no personal data)."""
        ...

    # -- staff access (shared by every session, process and replica) --------------------------------

    def record_sign_in_failure(
        self, address: str, *, now: datetime | None = None, keep: timedelta = FAILURE_KEEP
    ) -> None:
        """Count one wrong password from `address`; failures older than `keep` are dropped."""
        ...

    def clear_sign_in_failures(self, address: str) -> None:
        """Forget an address's failures (after it signed in with the right password)."""
        ...

    def sign_in_failures(
        self,
        address: str,
        *,
        now: datetime | None = None,
        window: timedelta = FAILURE_KEEP,
        global_window: timedelta = timedelta(hours=1),
    ) -> SignInFailures:
        """Recent failures of this address and of everyone (the throttle policy is in staffauth)."""
        ...

    def append_audit(self, entry: AuditEntry) -> None:
        """Add one audit row. There is no update or delete: the log is append-only through the app."""
        ...

    def audit_frame(self, limit: int | None = 1000) -> pd.DataFrame:
        """Audit rows, newest first (columns audit.AUDIT_COLUMNS; `at` tz-aware UTC)."""
        ...

    def close(self) -> None:
        """Release the connection(s); the store is unusable afterwards."""
        ...


@dataclass(frozen=True)
class PreparedRow:
    """The values a backend inserts for one accepted inquiry (computed the same way for all)."""

    submission_id: str
    receipt_no: str
    received_at: datetime  # UTC, tz-aware
    consent_at: datetime
    email_key: str
    search_text: str
    inquiry: NewInquiry


def prepare_row(
    inquiry: NewInquiry, submission_id: str, now: datetime | None = None, notify_kinds: tuple[str, ...] = ()
) -> PreparedRow:
    """Validate server-side (never trust the page) and compute the derived columns of one row."""
    from jichitai_metrics.inquiries.validation import validate

    errors = validate(inquiry)
    if errors:
        raise InvalidInquiry(errors)
    if not submission_id or len(submission_id) > 100:
        raise ValueError("submission_id must be 1..100 characters")
    unknown = set(notify_kinds) - set(OUTBOX_KINDS)
    if unknown:
        raise ValueError(f"unknown notification kind(s): {sorted(unknown)}")
    at = as_utc(now) if now is not None else utc_now()
    receipt = new_receipt_no(at)
    return PreparedRow(
        submission_id=submission_id,
        receipt_no=receipt,
        received_at=at,
        consent_at=at,
        email_key=email_key(inquiry.email),
        search_text=search_text(inquiry, receipt),
        inquiry=inquiry,
    )


def audit_receipts(entry: AuditEntry) -> str:
    """Receipt numbers as stored: space-separated (they never contain spaces)."""
    return " ".join(entry.receipts)


def open_store(settings: Settings) -> InquiryStore:
    """The configured backend, schema ready: PostgreSQL if JICHITAI_DATABASE_URL is set, else DuckDB.

    Raises StoreUnavailable with a plain Japanese message when the database cannot be opened.
    """
    if settings.database_url:
        try:
            # Imported lazily: the DuckDB default must not need psycopg at import time.
            from jichitai_metrics.inquiries.postgres_store import PostgresInquiryStore
        except ImportError as exc:
            raise StoreUnavailable(
                "お問い合わせのデータベース（PostgreSQL）に接続する部品が読み込めません。"
                "管理者にご連絡ください。"
            ) from exc
        store: InquiryStore = PostgresInquiryStore(settings.database_url)
    else:
        from jichitai_metrics.inquiries.duckdb_store import DuckDBInquiryStore

        store = DuckDBInquiryStore(settings.db_path)
    try:
        store.init_schema()
    except StoreUnavailable:
        store.close()
        raise
    return store
