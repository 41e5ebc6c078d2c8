"""The inquiry store on PostgreSQL (psycopg 3): the backend for several app processes/replicas.

Selected by `open_store(settings)` when JICHITAI_DATABASE_URL is set. Same behaviour as the DuckDB
backend (one test-suite runs against both), plus what many writers need:

- exactly once across processes: UNIQUE(submission_id) + INSERT ... ON CONFLICT DO NOTHING;
- schema changes under an advisory lock, so replicas starting together do not race;
- erasure that leaves no bytes behind: DELETE, then VACUUM FULL rewrites the table and its indexes
  (a plain DELETE only marks tuples dead), and personal columns never enter pg_statistic;
- the outbox is leased when read, so two replicas' senders do not mail the same row twice;
- it fails fast (issue 10): a checked psycopg_pool, connect timeout, TCP keepalives, server-side
  statement/lock timeouts, and a client-side deadline on every call. A frozen server (SIGSTOP)
  still ACKs TCP, so keepalives and statement_timeout cannot notice it; the deadline shuts the
  socket of the stuck connection and the person gets a clear message instead of a spinner.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta
from typing import Any, TypedDict

import pandas as pd
import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool, PoolTimeout

from jichitai_metrics.errors import ErasureIncomplete, StoreUnavailable
from jichitai_metrics.inquiries.audit import AUDIT_COLUMNS, AuditEntry, SignInFailures
from jichitai_metrics.inquiries.audit import AUDIT_SELECT as _AUDIT_SELECT
from jichitai_metrics.inquiries.model import (
    LIST_COLUMNS,
    STATUSES,
    InboxPage,
    InboxQuery,
    Inquiry,
    NewInquiry,
    OutboxItem,
    SubmitResult,
    as_utc,
    check_query,
    email_key,
    jst_day_bounds,
    new_receipt_no,
    normalise,
    search_patterns,
    search_text,
    utc_now,
)
from jichitai_metrics.inquiries.store import (
    DIGEST_INTERVAL,
    DRAFT_TTL,
    FAILURE_KEEP,
    LIMIT_EVENT_TTL,
    MAX_RETRIES,
    SCHEMA_VERSION,
    MaintenanceRun,
    RateLimited,
    SubmitLimits,
    audit_receipts,
    erasure_failed_message,
    limit_key,
    limit_mail,
    one_row,
    prepare_row,
)

log = logging.getLogger(__name__)

# Arbitrary constant key for pg_advisory_xact_lock: "one schema migration at a time".
_SCHEMA_LOCK_KEY = 0x4A4D_0001
# How long a sender owns the outbox rows it read (a crashed sender's rows come back after this).
OUTBOX_LEASE = timedelta(minutes=5)
# Connections kept per process. Each Streamlit session borrows one only for one short statement.
POOL_SIZE = 8
_CONNECT_TIMEOUT_S = 3
# Client-side deadline of one store call (waiting for a pooled connection, checking it, running the
# work): the person sees a message within 10 s even when the server is frozen.
CALL_DEADLINE_S = 8.0
# Inbox lists and exports may legitimately run longer on a big table.
READ_DEADLINE_S = 60.0
# How long the pool's liveness check of a handed-out connection may take.
_CHECK_TIMEOUT_S = 2.0
# Server side, for a server that is alive but slow or locked (e.g. during VACUUM FULL).
_SERVER_OPTIONS = (
    "-c TimeZone=UTC -c statement_timeout=30000 -c lock_timeout=5000"
    " -c idle_in_transaction_session_timeout=60000"
)


class _Keepalives(TypedDict):
    """libpq TCP keepalive parameters (passed to connect() as keyword connection parameters)."""

    keepalives: int
    keepalives_idle: int
    keepalives_interval: int
    keepalives_count: int


# Dead peers (a host that vanished) are noticed on idle pooled connections within about a minute.
_KEEPALIVES: _Keepalives = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}
# Same limit as the DuckDB backend, so both accept the same memos.
MAX_MEMO = 4000

# Columns holding what a person typed (or values derived from it). ANALYZE would copy sample values
# of these into pg_statistic, where erasure cannot reach them; statistics target 0 keeps them out.
_PERSONAL_COLUMNS = (
    "article_title",
    "municipality",
    "department",
    "name",
    "phone",
    "email",
    "message",
    "memo",
    "email_key",
    "search_text",
)

# Migration n brings the schema from version n-1 to n. Append; never edit a released step.
_MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE IF NOT EXISTS inquiries (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            submission_id TEXT NOT NULL UNIQUE,
            receipt_no TEXT NOT NULL UNIQUE,
            received_at TIMESTAMPTZ NOT NULL,
            article_title TEXT NOT NULL,
            municipality TEXT NOT NULL,
            department TEXT NOT NULL,
            name TEXT NOT NULL,
            phone TEXT NOT NULL,
            email TEXT NOT NULL,
            message TEXT NOT NULL,
            consent_at TIMESTAMPTZ NOT NULL,
            privacy_notice_version TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'answered')),
            memo TEXT NOT NULL DEFAULT '',
            updated_at TIMESTAMPTZ NOT NULL,
            email_key TEXT NOT NULL,
            search_text TEXT NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS inquiries_received_at ON inquiries (received_at, id)",
        "CREATE INDEX IF NOT EXISTS inquiries_email_key ON inquiries (email_key)",
        "CREATE INDEX IF NOT EXISTS inquiries_status ON inquiries (status, received_at)",
        """CREATE TABLE IF NOT EXISTS outbox (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            inquiry_id BIGINT NOT NULL REFERENCES inquiries (id) ON DELETE CASCADE,
            receipt_no TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('staff_notice', 'ack')),
            recipient TEXT,
            created_at TIMESTAMPTZ NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TIMESTAMPTZ NOT NULL,
            last_error TEXT,
            sent_at TIMESTAMPTZ
        )""",
        "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL",
        "CREATE INDEX IF NOT EXISTS outbox_inquiry ON outbox (inquiry_id)",
        *[f"ALTER TABLE inquiries ALTER COLUMN {c} SET STATISTICS 0" for c in _PERSONAL_COLUMNS],
        "ALTER TABLE outbox ALTER COLUMN recipient SET STATISTICS 0",
    ],
    # Staff access (issue 9): the audit log and the shared sign-in throttle. No inquirer's personal
    # field goes in here. The rules make the log append-only for anything that speaks SQL as the app.
    2: [
        """CREATE TABLE IF NOT EXISTS audit_log (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            occurred_at TIMESTAMPTZ NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            address TEXT NOT NULL,
            receipts TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE OR REPLACE RULE audit_log_no_update AS ON UPDATE TO audit_log DO INSTEAD NOTHING",
        "CREATE OR REPLACE RULE audit_log_no_delete AS ON DELETE TO audit_log DO INSTEAD NOTHING",
        """CREATE TABLE IF NOT EXISTS sign_in_failures (
            address TEXT NOT NULL,
            occurred_at TIMESTAMPTZ NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS sign_in_failures_address ON sign_in_failures (address, occurred_at)",
        "CREATE INDEX IF NOT EXISTS sign_in_failures_at ON sign_in_failures (occurred_at)",
    ],
    # Issue 10: erasure requests, maintenance runs, store-backed limits, server-side drafts.
    3: [
        """CREATE TABLE IF NOT EXISTS erasure_requests (
            email_key TEXT PRIMARY KEY,
            requested_at TIMESTAMPTZ NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT)""",
        """CREATE TABLE IF NOT EXISTS maintenance_runs (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            kind TEXT NOT NULL,
            trigger TEXT NOT NULL,
            started_at TIMESTAMPTZ NOT NULL,
            finished_at TIMESTAMPTZ NOT NULL,
            rows BIGINT NOT NULL,
            error TEXT)""",
        """CREATE TABLE IF NOT EXISTS limit_events (
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            happened_at TIMESTAMPTZ NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS limit_events_lookup ON limit_events (kind, key, happened_at)",
        """CREATE TABLE IF NOT EXISTS drafts (
            token TEXT PRIMARY KEY,
            submission_id TEXT NOT NULL,
            payload TEXT NOT NULL,
            email_key TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL)""",
        "ALTER TABLE erasure_requests ALTER COLUMN email_key SET STATISTICS 0",
        "ALTER TABLE drafts ALTER COLUMN payload SET STATISTICS 0",
        "ALTER TABLE drafts ALTER COLUMN email_key SET STATISTICS 0",
    ],
    # The per-address hourly limit counts the inquiries themselves (the same rule as DuckDB's).
    4: [
        "ALTER TABLE inquiries ADD COLUMN IF NOT EXISTS client_key TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX IF NOT EXISTS inquiries_client ON inquiries (client_key, received_at)"
        " WHERE client_key <> ''",
        "ALTER TABLE inquiries ALTER COLUMN client_key SET STATISTICS 0",
    ],
}
assert max(_MIGRATIONS) == SCHEMA_VERSION, "postgres migrations must reach store.SCHEMA_VERSION"

_INQUIRY_COLUMNS = (
    "id, receipt_no, received_at, submission_id, article_title, municipality, department, name, "
    "phone, email, message, consent_at, privacy_notice_version, status, memo, updated_at"
)
_OUTBOX_COLUMNS = "id, inquiry_id, receipt_no, kind, recipient, attempts, next_attempt_at, last_error"

# Transient conflicts worth retrying many times (rare at READ COMMITTED, but cheap to handle).
_CONFLICTS = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)
# A dropped connection is retried once or twice on a fresh one; a server that is down stays down,
# and the form should say so quickly rather than spin.
_CONNECTION_RETRIES = 2


def _unavailable(exc: BaseException) -> StoreUnavailable:
    # The driver's message can contain the host or user name; staff read the log, people read this.
    return StoreUnavailable(
        "お問い合わせのデータベース（PostgreSQL）に接続できません。しばらくしてからもう一度お試しください。"
        f"（{type(exc).__name__}）"
    )


_MSG_TIMEOUT = (
    "お問い合わせのデータベース（PostgreSQL）が応答しません。"
    "しばらくしてからもう一度お試しください。（応答待ちの上限に達しました）"
)


def _shut(conn: psycopg.Connection) -> None:
    """Shut the connection's socket from another thread: a read blocked on it returns at once."""
    with contextlib.suppress(Exception):
        fd = conn.pgconn.socket
        dup = socket.socket(fileno=os.dup(fd))
        try:
            dup.shutdown(socket.SHUT_RDWR)
        finally:
            dup.close()


class _Watchdog:
    """Fires once after `seconds`: shuts the watched connection's socket (see module docstring)."""

    def __init__(self, conn: psycopg.Connection, seconds: float):
        self.fired = False
        self._conn = conn
        self._timer = threading.Timer(max(seconds, 0.01), self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        _shut(self._conn)

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


class _Check:
    """The pool's check (ConnectionPool.check_connection), bounded: a frozen server fails it in 2 s.

    When a connection is found dead at once (the server restarted), its idle siblings are dead too:
    one background pool.check() replaces them all, instead of getconn meeting them one by one with
    psycopg_pool's growing back-off between failed checks (1 s, 2 s, 4 s ...).
    """

    def __init__(self) -> None:
        self.pool: ConnectionPool | None = None
        self._sweeping = threading.Lock()

    def __call__(self, conn: psycopg.Connection) -> None:
        dog = _Watchdog(conn, _CHECK_TIMEOUT_S)
        with dog:
            try:
                ConnectionPool.check_connection(conn)
            except Exception:
                if not dog.fired and self.pool is not None and self._sweeping.acquire(blocking=False):
                    threading.Thread(target=self._sweep, name="jichitai-pg-sweep", daemon=True).start()
                raise

    def _sweep(self) -> None:
        try:
            if self.pool is not None:
                self.pool.check()
        except Exception:  # noqa: BLE001 - best effort; getconn still checks every connection
            log.info("inquiry store: pool sweep failed")
        finally:
            self._sweeping.release()


class PostgresInquiryStore:
    """InquiryStore on PostgreSQL. Thread-safe; several processes may share one database."""

    def __init__(self, url: str, pool_size: int = POOL_SIZE):
        self._url = url
        # autocommit: transactions are explicit (conn.transaction()), so a pooled connection is
        # never left idle inside an open transaction holding locks.
        check = _Check()
        self._pool: ConnectionPool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            open=False,
            check=check,
            timeout=CALL_DEADLINE_S,
            reconnect_timeout=60,
            name="jichitai-inquiries",
            kwargs={
                "connect_timeout": _CONNECT_TIMEOUT_S,
                "row_factory": tuple_row,
                "autocommit": True,
                "options": _SERVER_OPTIONS,
                **_KEEPALIVES,
            },
        )
        check.pool = self._pool
        self._pool.open(wait=False)

    # -- plumbing ------------------------------------------------------------------------------

    def _run(self, work, *, retries: int = MAX_RETRIES, deadline_s: float = CALL_DEADLINE_S) -> Any:
        """Run work(conn) in one transaction within `deadline_s`; retry transient failures briefly.

        Raises StoreUnavailable (plain Japanese) when the server is down, frozen or too slow.
        """
        deadline = time.monotonic() + deadline_s
        delay = 0.01
        conflicts = dropped = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StoreUnavailable(_MSG_TIMEOUT)
            dog: _Watchdog | None = None
            try:
                with self._pool.connection(timeout=remaining) as conn:
                    with _Watchdog(conn, deadline - time.monotonic()) as dog, conn.transaction():
                        return work(conn)
            except PoolTimeout as exc:
                log.warning("inquiry store: no PostgreSQL connection within the deadline")
                raise StoreUnavailable(_MSG_TIMEOUT) from exc
            except _CONFLICTS as exc:
                conflicts += 1
                if conflicts > retries:
                    raise _unavailable(exc) from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except psycopg.OperationalError as exc:
                if dog is not None and dog.fired:
                    log.warning("inquiry store: PostgreSQL call cut off after %.0f s", deadline_s)
                    raise StoreUnavailable(_MSG_TIMEOUT) from exc
                if isinstance(exc, pg_errors.QueryCanceled | pg_errors.LockNotAvailable):
                    raise StoreUnavailable(_MSG_TIMEOUT) from exc
                dropped += 1
                if dropped > _CONNECTION_RETRIES:
                    raise _unavailable(exc) from exc
                time.sleep(0.05 * dropped)
            except psycopg.Error as exc:
                if isinstance(exc, pg_errors.UniqueViolation | pg_errors.CheckViolation):
                    raise
                raise _unavailable(exc) from exc

    def _rewrite(self, *tables: str) -> None:
        """VACUUM FULL: rewrite the tables and their indexes so deleted rows leave the data files."""
        try:
            with psycopg.connect(
                self._url,
                connect_timeout=_CONNECT_TIMEOUT_S,
                autocommit=True,
                options="-c statement_timeout=0",
                **_KEEPALIVES,
            ) as conn:
                for table in tables:  # names are our own constants, never user input
                    conn.execute(f"VACUUM (FULL, ANALYZE) {table}")
        except psycopg.Error as exc:
            raise _unavailable(exc) from exc

    # -- schema --------------------------------------------------------------------------------

    def init_schema(self) -> None:
        """Create or upgrade tables (recorded in schema_version); running it again is harmless."""

        def work(conn: psycopg.Connection) -> None:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK_KEY,))
            conn.execute("""CREATE TABLE IF NOT EXISTS schema_version (
                version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())""")
            current = one_row(
                conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone(),
                "max(version)",
            )[0]
            if current > SCHEMA_VERSION:
                raise StoreUnavailable(
                    f"データベースの形式（version {current}）がこのアプリ（{SCHEMA_VERSION}）より新しいため、"
                    "開けません。アプリを更新してください。"
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[version]:
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))

        self._run(work)

    def schema_versions(self) -> list[int]:
        """The migration steps recorded in schema_version (for tests and operators)."""
        return [
            r[0]
            for r in self._run(
                lambda c: c.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
            )
        ]

    # -- writes --------------------------------------------------------------------------------

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
        """Store `inquiry` exactly once per submission_id, plus its outbox rows, in one transaction.

        With `limits`, the checks run in the same transaction under an advisory lock per client
        address, so replicas and sessions share one count (RateLimited: nothing stored).
        """
        row = prepare_row(inquiry, submission_id, now, notify_kinds)
        inq = row.inquiry

        client_key = limit_key(str(client or "unknown")) if limits is not None else ""

        def work(conn: psycopg.Connection, receipt_no: str) -> SubmitResult:
            kinds = tuple(notify_kinds)
            if limits is not None:
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (client_key,))
                existing = conn.execute(
                    "SELECT id, receipt_no FROM inquiries WHERE submission_id = %s", (row.submission_id,)
                ).fetchone()
                if existing is not None:  # a resend after a lost receipt: the original, never refused
                    return SubmitResult(inquiry_id=existing[0], receipt_no=existing[1], created=False)
                kinds = self._apply_limits(conn, row, kinds, client_key, limits)
            inserted = conn.execute(
                """INSERT INTO inquiries (submission_id, receipt_no, received_at, article_title,
                       municipality, department, name, phone, email, message, consent_at,
                       privacy_notice_version, status, memo, updated_at, email_key, search_text,
                       client_key)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'new', '', %s, %s, %s, %s)
                   ON CONFLICT (submission_id) DO NOTHING
                   RETURNING id, receipt_no""",
                (
                    row.submission_id,
                    receipt_no,
                    row.received_at,
                    inq.article_title,
                    inq.municipality,
                    inq.department,
                    inq.name,
                    inq.phone,
                    inq.email,
                    inq.message,
                    row.consent_at,
                    inq.privacy_notice_version,
                    row.received_at,
                    row.email_key,
                    row.search_text if receipt_no == row.receipt_no else search_text(inq, receipt_no),
                    client_key,
                ),
            ).fetchone()
            if inserted is None:  # ON CONFLICT: this submission_id is stored already
                existing = one_row(
                    conn.execute(
                        "SELECT id, receipt_no FROM inquiries WHERE submission_id = %s", (row.submission_id,)
                    ).fetchone(),
                    "the conflicting inquiry",
                )
                return SubmitResult(inquiry_id=existing[0], receipt_no=existing[1], created=False)
            inquiry_id, receipt = inserted
            for kind in dict.fromkeys(kinds):
                conn.execute(
                    """INSERT INTO outbox (inquiry_id, receipt_no, kind, recipient, created_at,
                           next_attempt_at) VALUES (%s, %s, %s, %s, %s, %s)""",
                    # NFKC: a full-width address as typed is not deliverable over SMTP.
                    (
                        inquiry_id,
                        receipt,
                        kind,
                        normalise(inq.email).strip() if kind == "ack" else None,
                        row.received_at,
                        row.received_at,
                    ),
                )
            return SubmitResult(inquiry_id=inquiry_id, receipt_no=receipt, created=True)

        receipt_no = row.receipt_no
        for _ in range(5):
            try:
                return self._run(lambda conn, r=receipt_no: work(conn, r))
            except pg_errors.UniqueViolation:
                # Only receipt_no can collide here (submission_id has ON CONFLICT): draw another.
                receipt_no = new_receipt_no(row.received_at)
        raise StoreUnavailable("受付番号を発行できませんでした。もう一度お試しください。")

    @staticmethod
    def _apply_limits(
        conn: psycopg.Connection, row, kinds: tuple[str, ...], client_key: str, limits: SubmitLimits
    ) -> tuple[str, ...]:
        at = row.received_at

        def recent(kind: str, key: str, window: timedelta) -> int:
            return one_row(
                conn.execute(
                    "SELECT count(*) FROM limit_events WHERE kind = %s AND key = %s AND happened_at > %s",
                    (kind, key, at - window),
                ).fetchone(),
                "count of limit_events",
            )[0]

        def count(kind: str, key: str) -> None:
            conn.execute("INSERT INTO limit_events VALUES (%s, %s, %s)", (kind, key, at))

        # The inquiry row itself (its client_key) is what is counted: the same rule as DuckDB's.
        sent = one_row(
            conn.execute(
                "SELECT count(*) FROM inquiries WHERE client_key = %s AND received_at > %s",
                (client_key, at - timedelta(hours=1)),
            ).fetchone(),
            "count of recent inquiries",
        )[0]
        if sent >= limits.per_client_hour:
            raise RateLimited("per-client hourly limit reached")
        return limit_mail(
            kinds,
            row.email_key,
            limits,
            recent,
            count,
            lock=lambda key: conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,)),
        )

    def take_held_notices(
        self, *, now: datetime | None = None, min_interval: timedelta = DIGEST_INTERVAL
    ) -> int:
        """Claim the notices held above the ceiling (their count), at most once per min_interval."""
        at = as_utc(now) if now is not None else utc_now()

        def work(c: psycopg.Connection) -> int:
            c.execute("SELECT pg_advisory_xact_lock(hashtext('jichitai-digest'))")
            if one_row(
                c.execute(
                    "SELECT count(*) FROM limit_events WHERE kind = 'digest' AND happened_at > %s",
                    (at - min_interval,),
                ).fetchone(),
                "count of digests",
            )[0]:
                return 0
            held = c.execute("DELETE FROM limit_events WHERE kind = 'notice_held'").rowcount
            if held:
                c.execute("INSERT INTO limit_events VALUES ('digest', '*', %s)", (at,))
            return held

        return self._run(work)

    def update(self, inquiry_id: int, *, status: str | None = None, memo: str | None = None) -> None:
        """Set status and/or the internal memo (and updated_at). ValueError for an unknown status."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"unknown status: {status!r}")
        if status is None and memo is None:
            return
        if memo is not None and len(memo) > MAX_MEMO:
            raise ValueError(f"memo longer than {MAX_MEMO} characters")
        if memo is not None and "\x00" in memo:
            raise ValueError("memo must not contain NUL characters")  # PostgreSQL text cannot hold NUL
        self._run(
            lambda c: c.execute(
                """UPDATE inquiries SET status = coalesce(%s, status), memo = coalesce(%s, memo),
                   updated_at = %s WHERE id = %s""",
                (status, memo, utc_now(), inquiry_id),
            )
        )

    def erase_person(self, email: str) -> int:
        """Erase every inquiry (and outbox row, draft) of this e-mail so the bytes leave the files.

        The request is recorded in the same transaction as the DELETE; it stays pending until the
        VACUUM FULL rewrite has finished, and retry_erasures() finishes it even with 0 rows left.
        """
        key = email_key(email)
        if not key:
            return 0

        def work(c: psycopg.Connection) -> int:
            c.execute(
                """INSERT INTO erasure_requests (email_key, requested_at) VALUES (%s, %s)
                         ON CONFLICT (email_key) DO NOTHING""",
                (key, utc_now()),
            )
            c.execute("DELETE FROM drafts WHERE email_key = %s", (key,))
            return c.execute("DELETE FROM inquiries WHERE email_key = %s", (key,)).rowcount

        n = self._run(work)
        self._finish_erasure([key])
        return n

    def retry_erasures(self) -> int:
        """Finish every pending erasure request (rows may already be gone: the rewrite still runs)."""
        keys = [
            r[0] for r in self._run(lambda c: c.execute("SELECT email_key FROM erasure_requests").fetchall())
        ]
        if not keys:
            return 0
        n = self._run(
            lambda c: (
                c.execute("DELETE FROM drafts WHERE email_key = ANY(%s)", (keys,)),
                c.execute("DELETE FROM inquiries WHERE email_key = ANY(%s)", (keys,)).rowcount,
            )[1]
        )
        self._finish_erasure(keys)
        return n

    def _finish_erasure(self, keys: list[str]) -> None:
        try:
            self._rewrite("outbox", "inquiries", "drafts")
            self._run(lambda c: c.execute("DELETE FROM erasure_requests WHERE email_key = ANY(%s)", (keys,)))
            self._rewrite("erasure_requests")
        except StoreUnavailable as exc:
            error = str(exc)[:300]
            with contextlib.suppress(StoreUnavailable):
                self._run(
                    lambda c: c.execute(
                        """UPDATE erasure_requests SET attempts = attempts + 1, last_error = %s
                       WHERE email_key = ANY(%s)""",
                        (error, keys),
                    )
                )
            raise ErasureIncomplete(erasure_failed_message(str(exc))) from exc

    def pending_erasures(self) -> pd.DataFrame:
        """Erasure requests not finished yet: requested_at (UTC), attempts, last_error (no e-mail)."""
        rows = self._run(
            lambda c: c.execute(
                "SELECT requested_at, attempts, last_error FROM erasure_requests ORDER BY requested_at"
            ).fetchall()
        )
        frame = pd.DataFrame.from_records(rows, columns=["requested_at", "attempts", "last_error"])
        frame["requested_at"] = pd.to_datetime(frame["requested_at"], utc=True)
        return frame

    def purge_older_than(self, days: int, *, now: datetime | None = None) -> int:
        """Erase inquiries received more than `days` days ago (and expired drafts), physically."""
        if days < 0:
            raise ValueError("days must be >= 0")
        at = as_utc(now) if now is not None else utc_now()
        cutoff = at - timedelta(days=days)

        def work(c: psycopg.Connection) -> tuple[int, int]:
            stale = c.execute("DELETE FROM drafts WHERE created_at < %s", (utc_now() - DRAFT_TTL,)).rowcount
            c.execute("DELETE FROM limit_events WHERE happened_at < %s", (utc_now() - LIMIT_EVENT_TTL,))
            # A day-old limit key links an inquiry to its sender's address and is no longer needed.
            stale += c.execute(
                "UPDATE inquiries SET client_key = '' WHERE client_key <> '' AND received_at < %s",
                (utc_now() - LIMIT_EVENT_TTL,),
            ).rowcount
            return c.execute("DELETE FROM inquiries WHERE received_at < %s", (cutoff,)).rowcount, stale

        n, stale = self._run(work)
        if n or stale:
            self._rewrite("outbox", "inquiries", "drafts")
        return n

    # -- drafts, runs, health ------------------------------------------------------------------

    def save_draft(
        self, token: str, submission_id: str, payload: str, email: str, *, now: datetime | None = None
    ) -> None:
        """Keep the confirmed form under `token` (replacing an older version of the same token)."""
        at = as_utc(now) if now is not None else utc_now()
        self._run(
            lambda c: c.execute(
                """INSERT INTO drafts VALUES (%s, %s, %s, %s, %s) ON CONFLICT (token) DO UPDATE SET
                   submission_id = excluded.submission_id, payload = excluded.payload,
                   email_key = excluded.email_key, created_at = excluded.created_at""",
                (token, submission_id, payload.replace("\x00", ""), email_key(email), at),
            )
        )

    def load_draft(self, token: str, *, now: datetime | None = None) -> tuple[str, str] | None:
        """(submission_id, payload) of a draft younger than DRAFT_TTL; payload "" once it was sent."""
        at = as_utc(now) if now is not None else utc_now()
        row = self._run(
            lambda c: c.execute(
                "SELECT submission_id, payload FROM drafts WHERE token = %s AND created_at > %s",
                (token, at - DRAFT_TTL),
            ).fetchone()
        )
        return (row[0], row[1]) if row else None

    def finish_draft(self, token: str) -> None:
        """After sending: drop what was typed, keep token -> submission id so a reload finds the receipt."""
        self._run(
            lambda c: c.execute("UPDATE drafts SET payload = '', email_key = '' WHERE token = %s", (token,))
        )

    def receipt_for(self, submission_id: str) -> str | None:
        """The receipt number stored for this submission id, if any."""
        row = self._run(
            lambda c: c.execute(
                "SELECT receipt_no FROM inquiries WHERE submission_id = %s", (submission_id,)
            ).fetchone()
        )
        return row[0] if row else None

    def ping(self) -> None:
        """Raise StoreUnavailable (within the call deadline) if the database does not answer."""
        self._run(lambda c: c.execute("SELECT 1").fetchone(), deadline_s=min(CALL_DEADLINE_S, 4.0))

    def record_run(self, run: MaintenanceRun) -> None:
        """Append one maintenance run (purge, erasure) to maintenance_runs."""
        self._run(
            lambda c: c.execute(
                """INSERT INTO maintenance_runs (kind, trigger, started_at, finished_at, rows, error)
               VALUES (%s, %s, %s, %s, %s, %s)""",
                (run.kind, run.trigger, run.started_at, run.finished_at, run.rows, run.error),
            )
        )

    def last_run(self, kind: str, *, successful: bool = True) -> datetime | None:
        """When the last (successful) run of `kind` started, or None."""
        cond = " AND error IS NULL" if successful else ""
        return self._run(
            lambda c: c.execute(
                f"SELECT max(started_at) FROM maintenance_runs WHERE kind = %s{cond}", (kind,)
            ).fetchone()[0]
        )

    def runs(self, limit: int = 20) -> pd.DataFrame:
        """The latest maintenance runs, newest first (kind, trigger, started_at, rows, error)."""
        rows = self._run(
            lambda c: c.execute(
                """SELECT kind, trigger, started_at, finished_at, rows, error FROM maintenance_runs
               ORDER BY started_at DESC, id DESC LIMIT %s""",
                (limit,),
            ).fetchall()
        )
        frame = pd.DataFrame.from_records(
            rows, columns=["kind", "trigger", "started_at", "finished_at", "rows", "error"]
        )
        for column in ("started_at", "finished_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        return frame

    # -- reads ---------------------------------------------------------------------------------

    def get(self, inquiry_id: int) -> Inquiry | None:
        """One inquiry by id, or None."""
        found = self._run(
            lambda c: c.execute(
                f"SELECT {_INQUIRY_COLUMNS} FROM inquiries WHERE id = %s", (inquiry_id,)
            ).fetchone()
        )
        return None if found is None else Inquiry(*found)

    def count(self) -> int:
        """Number of stored inquiries."""
        return self._run(lambda c: c.execute("SELECT count(*) FROM inquiries").fetchone()[0])

    @staticmethod
    def _where(query: InboxQuery) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for pattern in search_patterns(query.search):
            clauses.append("search_text LIKE %s ESCAPE '\\'")
            params.append(pattern)
        if query.status is not None:
            clauses.append("status = %s")
            params.append(query.status)
        start, end = jst_day_bounds(query)
        if start is not None:
            clauses.append("received_at >= %s")
            params.append(start)
        if end is not None:
            clauses.append("received_at < %s")
            params.append(end)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    @staticmethod
    def _order(query: InboxQuery) -> str:
        # query.sort was checked against SORT_COLUMNS, so interpolating it is safe.
        direction = "DESC" if query.descending else "ASC"
        return f" ORDER BY {query.sort} {direction}, id {direction}"

    @staticmethod
    def _frame(rows: list[tuple], columns: tuple[str, ...] = LIST_COLUMNS) -> pd.DataFrame:
        frame = pd.DataFrame.from_records(rows, columns=list(columns))
        for col in ("received_at", "updated_at"):
            frame[col] = pd.to_datetime(frame[col], utc=True)
        frame["id"] = frame["id"].astype("int64")
        return frame

    def list_page(self, query: InboxQuery) -> InboxPage:
        """One page of inquiries, filtered, sorted and paged in SQL (columns: model.LIST_COLUMNS)."""
        check_query(query)
        where, params = self._where(query)

        def work(conn: psycopg.Connection) -> InboxPage:
            total = one_row(
                conn.execute(f"SELECT count(*) FROM inquiries{where}", params).fetchone(),
                "count of inquiries",
            )[0]
            last_page = max(1, -(-total // query.page_size))
            page = min(query.page, last_page)
            rows = conn.execute(
                f"SELECT {', '.join(LIST_COLUMNS)} FROM inquiries{where}{self._order(query)}"
                " LIMIT %s OFFSET %s",
                [*params, query.page_size, (page - 1) * query.page_size],
            ).fetchall()
            return InboxPage(rows=self._frame(rows), total=total, page=page, page_size=query.page_size)

        return self._run(work, deadline_s=READ_DEADLINE_S)

    def export_frame(self, query: InboxQuery) -> pd.DataFrame:
        """Every inquiry matching the query's filters and sort (no paging), for CSV export."""
        check_query(query)
        where, params = self._where(query)
        rows = self._run(
            lambda c: c.execute(
                f"SELECT {', '.join(LIST_COLUMNS)} FROM inquiries{where}{self._order(query)}", params
            ).fetchall(),
            deadline_s=READ_DEADLINE_S,
        )
        return self._frame(rows)

    # -- outbox --------------------------------------------------------------------------------

    def pending_outbox(self, *, now: datetime | None = None, limit: int = 20) -> list[OutboxItem]:
        """Unsent notifications whose next attempt is due, oldest first, leased to this caller.

        Several replicas run a sender each: SKIP LOCKED + moving next_attempt_at forward by
        OUTBOX_LEASE hands each due row to one sender; if that sender dies, the row is due again
        when the lease ends (at-least-once, never lost).
        """
        at = as_utc(now) if now is not None else utc_now()
        rows = self._run(
            lambda c: c.execute(
                f"""WITH due AS (
                    SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= %s
                    ORDER BY next_attempt_at, id LIMIT %s FOR UPDATE SKIP LOCKED)
                UPDATE outbox o SET next_attempt_at = %s FROM due WHERE o.id = due.id
                RETURNING {", ".join("o." + c for c in _OUTBOX_COLUMNS.split(", "))}""",
                (at, limit, at + OUTBOX_LEASE),
            ).fetchall()
        )
        rows.sort(key=lambda r: r[0])
        return [OutboxItem(*r) for r in rows]

    def mark_outbox_sent(self, item_id: int, *, now: datetime | None = None) -> None:
        """Record that a notification was delivered (it leaves the pending and failed lists)."""
        at = as_utc(now) if now is not None else utc_now()
        # The acknowledgement's recipient is the person's e-mail: not needed once sent.
        self._run(
            lambda c: c.execute(
                "UPDATE outbox SET sent_at = %s, recipient = NULL, last_error = NULL WHERE id = %s",
                (at, item_id),
            )
        )

    def mark_outbox_failed(self, item_id: int, error: str, next_attempt_at: datetime) -> None:
        """Record a failed attempt (error text must hold no personal data) and when to try again."""
        self._run(
            lambda c: c.execute(
                """UPDATE outbox SET attempts = attempts + 1, last_error = %s, next_attempt_at = %s
               WHERE id = %s AND sent_at IS NULL""",
                (error[:500].replace("\x00", ""), as_utc(next_attempt_at), item_id),
            )
        )

    def failed_outbox(self) -> pd.DataFrame:
        """Unsent notifications with at least one failed attempt (no recipient column)."""
        rows = self._run(
            lambda c: c.execute(
                """SELECT id, receipt_no, kind, attempts, last_error, next_attempt_at FROM outbox
               WHERE sent_at IS NULL AND attempts > 0 ORDER BY id"""
            ).fetchall()
        )
        frame = pd.DataFrame.from_records(
            rows, columns=["id", "receipt_no", "kind", "attempts", "last_error", "next_attempt_at"]
        )
        frame["next_attempt_at"] = pd.to_datetime(frame["next_attempt_at"], utc=True)
        return frame

    # -- staff access --------------------------------------------------------------------------

    def record_sign_in_failure(
        self, address: str, *, now: datetime | None = None, keep: timedelta = FAILURE_KEEP
    ) -> None:
        """Count one wrong password from `address`; failures older than `keep` are dropped."""
        at = as_utc(now) if now is not None else utc_now()

        def work(conn: psycopg.Connection) -> None:
            conn.execute("DELETE FROM sign_in_failures WHERE occurred_at < %s", (at - keep,))
            conn.execute("INSERT INTO sign_in_failures (address, occurred_at) VALUES (%s, %s)", (address, at))

        self._run(work)

    def clear_sign_in_failures(self, address: str) -> None:
        """Forget an address's failures (after it signed in with the right password)."""
        self._run(lambda c: c.execute("DELETE FROM sign_in_failures WHERE address = %s", (address,)))

    def sign_in_failures(
        self,
        address: str,
        *,
        now: datetime | None = None,
        window: timedelta = FAILURE_KEEP,
        global_window: timedelta = timedelta(hours=1),
    ) -> SignInFailures:
        """Recent failures of this address and of everyone."""
        at = as_utc(now) if now is not None else utc_now()

        def work(conn: psycopg.Connection) -> tuple:
            mine = one_row(
                conn.execute(
                    """SELECT count(*), max(occurred_at) FROM sign_in_failures
                   WHERE address = %s AND occurred_at >= %s""",
                    (address, at - window),
                ).fetchone(),
                "count of sign-in failures",
            )
            every = one_row(
                conn.execute(
                    "SELECT count(*), min(occurred_at) FROM sign_in_failures WHERE occurred_at >= %s",
                    (at - global_window,),
                ).fetchone(),
                "count of sign-in failures",
            )
            return (*mine, *every)

        n, last, g, oldest = self._run(work)
        return SignInFailures(
            int(n), as_utc(last) if last else None, int(g), as_utc(oldest) if oldest else None
        )

    def append_audit(self, entry: AuditEntry) -> None:
        """Add one audit row (the table's rules refuse UPDATE and DELETE)."""
        at = as_utc(entry.at) if entry.at is not None else utc_now()
        self._run(
            lambda c: c.execute(
                """INSERT INTO audit_log (occurred_at, actor, action, address, receipts, detail)
               VALUES (%s, %s, %s, %s, %s, %s)""",
                (
                    at,
                    entry.actor.replace("\x00", ""),
                    entry.action,
                    entry.address.replace("\x00", ""),
                    audit_receipts(entry),
                    entry.detail.replace("\x00", ""),
                ),
            )
        )

    def audit_frame(self, limit: int | None = 1000) -> pd.DataFrame:
        """Audit rows, newest first; `at` tz-aware UTC."""
        sql = f"SELECT {_AUDIT_SELECT} FROM audit_log ORDER BY id DESC LIMIT %s"
        rows = self._run(lambda c: c.execute(sql, (limit,)).fetchall())
        frame = pd.DataFrame.from_records(rows, columns=list(AUDIT_COLUMNS))
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        return frame

    def close(self) -> None:
        """Release the connections; the store is unusable afterwards."""
        self._pool.close()
