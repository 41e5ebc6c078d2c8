"""The inquiry store on PostgreSQL (psycopg 3): the backend for several app processes/replicas.

Selected by `open_store(settings)` when JICHITAI_DATABASE_URL is set. Same behaviour as the DuckDB
backend (one test-suite runs against both), plus what many writers need:

- exactly once across processes: UNIQUE(submission_id) + INSERT ... ON CONFLICT DO NOTHING;
- schema changes under an advisory lock, so replicas starting together do not race;
- erasure that leaves no bytes behind: DELETE, then VACUUM FULL rewrites the table and its indexes
  (a plain DELETE only marks tuples dead), and personal columns never enter pg_statistic;
- the outbox is leased when read, so two replicas' senders do not mail the same row twice.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import tuple_row

from jichitai_metrics.errors import StoreUnavailable
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
    FAILURE_KEEP,
    MAX_RETRIES,
    SCHEMA_VERSION,
    audit_receipts,
    prepare_row,
)

# Arbitrary constant key for pg_advisory_xact_lock: "one schema migration at a time".
_SCHEMA_LOCK_KEY = 0x4A4D_0001
# How long a sender owns the outbox rows it read (a crashed sender's rows come back after this).
OUTBOX_LEASE = timedelta(minutes=5)
# Connections kept per process. Each Streamlit session borrows one only for one short statement.
POOL_SIZE = 8
_CONNECT_TIMEOUT_S = 5
# Same limit as the DuckDB backend, so both accept the same memos.
MAX_MEMO = 4000

# Columns holding what a person typed (or values derived from it). ANALYZE would copy sample values
# of these into pg_statistic, where erasure cannot reach them; statistics target 0 keeps them out.
_PERSONAL_COLUMNS = ("article_title", "municipality", "department", "name", "phone", "email",
                     "message", "memo", "email_key", "search_text")

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


class _Pool:
    """A small thread-safe connection pool (psycopg_pool would be one more dependency for this)."""

    def __init__(self, url: str, size: int):
        self._url = url
        self._idle: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)
        self._closed = False

    def _connect(self) -> psycopg.Connection:
        # autocommit: transactions are explicit (conn.transaction()), so a pooled connection is
        # never left idle inside an open transaction holding locks.
        return psycopg.connect(self._url, connect_timeout=_CONNECT_TIMEOUT_S, row_factory=tuple_row,
                               autocommit=True, options="-c TimeZone=UTC")

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        if self._closed:
            raise StoreUnavailable("the inquiry store has been closed")
        if not self._slots.acquire(timeout=30):
            raise StoreUnavailable("お問い合わせのデータベースが混み合っています。もう一度お試しください。")
        conn = None
        try:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                conn = self._connect()
            yield conn
        except BaseException:
            # A failed statement may leave the connection broken or mid-transaction: drop it.
            if conn is not None:
                conn.close()
                conn = None
            raise
        finally:
            if conn is not None:
                if conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    conn.close()
                else:
                    self._idle.put(conn)
            self._slots.release()

    def discard_idle(self) -> None:
        """Close idle connections (after the server restarted they are all dead)."""
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


class PostgresInquiryStore:
    """InquiryStore on PostgreSQL. Thread-safe; several processes may share one database."""

    def __init__(self, url: str, pool_size: int = POOL_SIZE):
        self._url = url
        self._pool = _Pool(url, pool_size)

    # -- plumbing ------------------------------------------------------------------------------

    def _run(self, work, *, retries: int = MAX_RETRIES) -> Any:
        """Run work(conn) in one transaction; retry transient failures with a short backoff."""
        delay = 0.01
        conflicts = dropped = 0
        while True:
            try:
                with self._pool.connection() as conn, conn.transaction():
                    return work(conn)
            except _CONFLICTS as exc:
                conflicts += 1
                if conflicts > retries:
                    raise _unavailable(exc) from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except psycopg.OperationalError as exc:
                dropped += 1
                self._pool.discard_idle()
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
            with psycopg.connect(self._url, connect_timeout=_CONNECT_TIMEOUT_S, autocommit=True) as conn:
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
            current = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
            if current > SCHEMA_VERSION:
                raise StoreUnavailable(
                    f"データベースの形式（version {current}）がこのアプリ（{SCHEMA_VERSION}）より新しいため、"
                    "開けません。アプリを更新してください。")
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[version]:
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))

        self._run(work)

    def schema_versions(self) -> list[int]:
        """The migration steps recorded in schema_version (for tests and operators)."""
        return [r[0] for r in self._run(
            lambda c: c.execute("SELECT version FROM schema_version ORDER BY version").fetchall())]

    # -- writes --------------------------------------------------------------------------------

    def submit(self, inquiry: NewInquiry, submission_id: str, *, now: datetime | None = None,
               notify_kinds: tuple[str, ...] = ()) -> SubmitResult:
        """Store `inquiry` exactly once per submission_id, plus its outbox rows, in one transaction."""
        row = prepare_row(inquiry, submission_id, now, notify_kinds)
        inq = row.inquiry

        def work(conn: psycopg.Connection, receipt_no: str) -> SubmitResult:
            inserted = conn.execute(
                """INSERT INTO inquiries (submission_id, receipt_no, received_at, article_title,
                       municipality, department, name, phone, email, message, consent_at,
                       privacy_notice_version, status, memo, updated_at, email_key, search_text)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'new', '', %s, %s, %s)
                   ON CONFLICT (submission_id) DO NOTHING
                   RETURNING id, receipt_no""",
                (row.submission_id, receipt_no, row.received_at, inq.article_title, inq.municipality,
                 inq.department, inq.name, inq.phone, inq.email, inq.message, row.consent_at,
                 inq.privacy_notice_version, row.received_at, row.email_key,
                 row.search_text if receipt_no == row.receipt_no else search_text(inq, receipt_no)),
            ).fetchone()
            if inserted is None:
                existing = conn.execute("SELECT id, receipt_no FROM inquiries WHERE submission_id = %s",
                                        (row.submission_id,)).fetchone()
                return SubmitResult(inquiry_id=existing[0], receipt_no=existing[1], created=False)
            inquiry_id, receipt = inserted
            for kind in dict.fromkeys(notify_kinds):
                conn.execute(
                    """INSERT INTO outbox (inquiry_id, receipt_no, kind, recipient, created_at,
                           next_attempt_at) VALUES (%s, %s, %s, %s, %s, %s)""",
                    # NFKC: a full-width address as typed is not deliverable over SMTP.
                    (inquiry_id, receipt, kind, normalise(inq.email).strip() if kind == "ack" else None,
                     row.received_at, row.received_at),
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
        self._run(lambda c: c.execute(
            """UPDATE inquiries SET status = coalesce(%s, status), memo = coalesce(%s, memo),
                   updated_at = %s WHERE id = %s""",
            (status, memo, utc_now(), inquiry_id)))

    def erase_person(self, email: str) -> int:
        """Erase every inquiry (and outbox row) of this e-mail so the bytes leave the files; returns rows."""
        key = email_key(email)
        if not key:
            return 0
        n = self._run(lambda c: c.execute("DELETE FROM inquiries WHERE email_key = %s", (key,)).rowcount)
        if n:
            self._rewrite("outbox", "inquiries")
        return n

    def purge_older_than(self, days: int, *, now: datetime | None = None) -> int:
        """Erase inquiries received more than `days` days ago, as physically as erase_person."""
        if days < 0:
            raise ValueError("days must be >= 0")
        cutoff = (as_utc(now) if now is not None else utc_now()) - timedelta(days=days)
        n = self._run(lambda c: c.execute("DELETE FROM inquiries WHERE received_at < %s",
                                          (cutoff,)).rowcount)
        if n:
            self._rewrite("outbox", "inquiries")
        return n

    # -- reads ---------------------------------------------------------------------------------

    def get(self, inquiry_id: int) -> Inquiry | None:
        """One inquiry by id, or None."""
        found = self._run(lambda c: c.execute(
            f"SELECT {_INQUIRY_COLUMNS} FROM inquiries WHERE id = %s", (inquiry_id,)).fetchone())
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
            total = conn.execute(f"SELECT count(*) FROM inquiries{where}", params).fetchone()[0]
            last_page = max(1, -(-total // query.page_size))
            page = min(query.page, last_page)
            rows = conn.execute(
                f"SELECT {', '.join(LIST_COLUMNS)} FROM inquiries{where}{self._order(query)}"
                " LIMIT %s OFFSET %s",
                [*params, query.page_size, (page - 1) * query.page_size],
            ).fetchall()
            return InboxPage(rows=self._frame(rows), total=total, page=page, page_size=query.page_size)

        return self._run(work)

    def export_frame(self, query: InboxQuery) -> pd.DataFrame:
        """Every inquiry matching the query's filters and sort (no paging), for CSV export."""
        check_query(query)
        where, params = self._where(query)
        rows = self._run(lambda c: c.execute(
            f"SELECT {', '.join(LIST_COLUMNS)} FROM inquiries{where}{self._order(query)}", params
        ).fetchall())
        return self._frame(rows)

    # -- outbox --------------------------------------------------------------------------------

    def pending_outbox(self, *, now: datetime | None = None, limit: int = 20) -> list[OutboxItem]:
        """Unsent notifications whose next attempt is due, oldest first, leased to this caller.

        Several replicas run a sender each: SKIP LOCKED + moving next_attempt_at forward by
        OUTBOX_LEASE hands each due row to one sender; if that sender dies, the row is due again
        when the lease ends (at-least-once, never lost).
        """
        at = as_utc(now) if now is not None else utc_now()
        rows = self._run(lambda c: c.execute(
            f"""WITH due AS (
                    SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= %s
                    ORDER BY next_attempt_at, id LIMIT %s FOR UPDATE SKIP LOCKED)
                UPDATE outbox o SET next_attempt_at = %s FROM due WHERE o.id = due.id
                RETURNING {', '.join('o.' + c for c in _OUTBOX_COLUMNS.split(', '))}""",
            (at, limit, at + OUTBOX_LEASE)).fetchall())
        rows.sort(key=lambda r: r[0])
        return [OutboxItem(*r) for r in rows]

    def mark_outbox_sent(self, item_id: int, *, now: datetime | None = None) -> None:
        """Record that a notification was delivered (it leaves the pending and failed lists)."""
        at = as_utc(now) if now is not None else utc_now()
        # The acknowledgement's recipient is the person's e-mail: not needed once sent.
        self._run(lambda c: c.execute(
            "UPDATE outbox SET sent_at = %s, recipient = NULL, last_error = NULL WHERE id = %s",
            (at, item_id)))

    def mark_outbox_failed(self, item_id: int, error: str, next_attempt_at: datetime) -> None:
        """Record a failed attempt (error text must hold no personal data) and when to try again."""
        self._run(lambda c: c.execute(
            """UPDATE outbox SET attempts = attempts + 1, last_error = %s, next_attempt_at = %s
               WHERE id = %s AND sent_at IS NULL""",
            (error[:500].replace("\x00", ""), as_utc(next_attempt_at), item_id)))

    def failed_outbox(self) -> pd.DataFrame:
        """Unsent notifications with at least one failed attempt (no recipient column)."""
        rows = self._run(lambda c: c.execute(
            """SELECT id, receipt_no, kind, attempts, last_error, next_attempt_at FROM outbox
               WHERE sent_at IS NULL AND attempts > 0 ORDER BY id""").fetchall())
        frame = pd.DataFrame.from_records(
            rows, columns=["id", "receipt_no", "kind", "attempts", "last_error", "next_attempt_at"])
        frame["next_attempt_at"] = pd.to_datetime(frame["next_attempt_at"], utc=True)
        return frame

    # -- staff access --------------------------------------------------------------------------

    def record_sign_in_failure(self, address: str, *, now: datetime | None = None,
                               keep: timedelta = FAILURE_KEEP) -> None:
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
        self, address: str, *, now: datetime | None = None, window: timedelta = FAILURE_KEEP,
        global_window: timedelta = timedelta(hours=1),
    ) -> SignInFailures:
        """Recent failures of this address and of everyone."""
        at = as_utc(now) if now is not None else utc_now()

        def work(conn: psycopg.Connection) -> tuple:
            mine = conn.execute(
                """SELECT count(*), max(occurred_at) FROM sign_in_failures
                   WHERE address = %s AND occurred_at >= %s""",
                (address, at - window)).fetchone()
            every = conn.execute(
                "SELECT count(*), min(occurred_at) FROM sign_in_failures WHERE occurred_at >= %s",
                (at - global_window,)).fetchone()
            return (*mine, *every)
        n, last, g, oldest = self._run(work)
        return SignInFailures(int(n), as_utc(last) if last else None,
                              int(g), as_utc(oldest) if oldest else None)

    def append_audit(self, entry: AuditEntry) -> None:
        """Add one audit row (the table's rules refuse UPDATE and DELETE)."""
        at = as_utc(entry.at) if entry.at is not None else utc_now()
        self._run(lambda c: c.execute(
            """INSERT INTO audit_log (occurred_at, actor, action, address, receipts, detail)
               VALUES (%s, %s, %s, %s, %s, %s)""",
            (at, entry.actor.replace("\x00", ""), entry.action, entry.address.replace("\x00", ""),
             audit_receipts(entry), entry.detail.replace("\x00", ""))))

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
