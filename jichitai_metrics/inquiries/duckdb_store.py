"""The DuckDB backend of the inquiry store: one file, one owning process, many threads.

One connection per store; each call runs on its own `.cursor()` (a bare connection shared
between threads loses writes). Writes are serialised in-process and retried on transaction
conflicts. Erasure rewrites the whole file, because a DELETE leaves the bytes in it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

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
    normalise,
    search_patterns,
    utc_now,
)
from jichitai_metrics.inquiries.store import (
    FAILURE_KEEP,
    MAX_RETRIES,
    SCHEMA_VERSION,
    audit_receipts,
    prepare_row,
)

log = logging.getLogger(__name__)

_INQUIRY_COLUMNS = (
    "id", "receipt_no", "received_at", "submission_id", "article_title", "municipality", "department",
    "name", "phone", "email", "message", "consent_at", "privacy_notice_version", "status", "memo",
    "updated_at",
)
_OUTBOX_COLUMNS = ("id", "inquiry_id", "receipt_no", "kind", "recipient", "attempts", "next_attempt_at",
                   "last_error")
_MAX_MEMO = 4000

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS schema_version (
        version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL)""",
    "CREATE SEQUENCE IF NOT EXISTS inquiry_id_seq START 1",
    f"""CREATE TABLE IF NOT EXISTS inquiries (
        id BIGINT PRIMARY KEY DEFAULT nextval('inquiry_id_seq'),
        receipt_no VARCHAR NOT NULL UNIQUE,
        submission_id VARCHAR NOT NULL UNIQUE,
        received_at TIMESTAMP NOT NULL,          -- UTC
        article_title VARCHAR NOT NULL,
        municipality VARCHAR NOT NULL,
        department VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        phone VARCHAR NOT NULL,
        email VARCHAR NOT NULL,
        message VARCHAR NOT NULL,
        consent_at TIMESTAMP NOT NULL,           -- UTC
        privacy_notice_version VARCHAR NOT NULL,
        status VARCHAR NOT NULL DEFAULT 'new' CHECK (status IN {tuple(STATUSES)!r}),
        memo VARCHAR NOT NULL DEFAULT '',
        updated_at TIMESTAMP NOT NULL,           -- UTC
        email_key VARCHAR NOT NULL,              -- normalised e-mail, for erasure on request
        search_text VARCHAR NOT NULL             -- normalised copy of every typed field
    )""",
    "CREATE SEQUENCE IF NOT EXISTS outbox_id_seq START 1",
    """CREATE TABLE IF NOT EXISTS outbox (
        id BIGINT PRIMARY KEY DEFAULT nextval('outbox_id_seq'),
        inquiry_id BIGINT NOT NULL,
        receipt_no VARCHAR NOT NULL,
        kind VARCHAR NOT NULL CHECK (kind IN ('staff_notice', 'ack')),
        recipient VARCHAR,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TIMESTAMP NOT NULL,
        last_error VARCHAR,
        sent_at TIMESTAMP,
        created_at TIMESTAMP NOT NULL
    )""",
    # schema 2: staff access. No personal field of an inquirer ever goes in these tables.
    "CREATE SEQUENCE IF NOT EXISTS audit_id_seq START 1",
    """CREATE TABLE IF NOT EXISTS audit_log (
        id BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
        occurred_at TIMESTAMP NOT NULL,          -- UTC
        actor VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        address VARCHAR NOT NULL,
        receipts VARCHAR NOT NULL DEFAULT '',
        detail VARCHAR NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE IF NOT EXISTS sign_in_failures (
        address VARCHAR NOT NULL,
        occurred_at TIMESTAMP NOT NULL           -- UTC
    )""",
]

_MSG_LOCKED = ("お問い合わせの保存先（データベース）が、別のプログラムに使われているため開けません。"
               "時間をおいてもう一度お試しいただくか、管理者にご連絡ください。")
_MSG_UNWRITABLE = ("お問い合わせの保存先（データベース）に書き込めません。"
                   "時間をおいてもう一度お試しいただくか、管理者にご連絡ください。")


def _naive_utc(value: datetime) -> datetime:
    # DuckDB TIMESTAMP has no zone: we always store UTC wall time.
    return as_utc(value).replace(tzinfo=None)


def _unavailable(exc: BaseException) -> StoreUnavailable:
    text = str(exc).lower()
    message = _MSG_LOCKED if "lock" in text else _MSG_UNWRITABLE
    # Logged without any inquiry content: the exception text names only the file and the cause.
    log.warning("inquiry store unavailable: %s", type(exc).__name__)
    return StoreUnavailable(message)


class _SharedExclusiveLock:
    """Many holders of the shared side, or one of the exclusive side (for the file rewrite)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._shared = 0
        self._exclusive = False

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._shared += 1
        try:
            yield
        finally:
            with self._cond:
                self._shared -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._exclusive = True  # new shared holders wait from here on
            while self._shared:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


class DuckDBInquiryStore:
    """InquiryStore on a DuckDB file (see module docstring for the concurrency rules)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._gate = _SharedExclusiveLock()
        self._write_lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._con = self._connect()

    # -- connection handling -------------------------------------------------------------

    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return duckdb.connect(str(self.path))
        except (duckdb.Error, OSError) as exc:
            raise _unavailable(exc) from exc

    @contextlib.contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._gate.shared():
            if self._con is None:
                raise StoreUnavailable(_MSG_UNWRITABLE)
            cur = self._con.cursor()
            try:
                yield cur
            except (duckdb.IOException, duckdb.PermissionException, duckdb.FatalException) as exc:
                raise _unavailable(exc) from exc
            finally:
                cur.close()

    def _write(self, work, *, retries: int = MAX_RETRIES):
        """Run work(cursor) in one short transaction, serialised in-process, retried on conflict."""
        delay = 0.005
        for attempt in range(retries + 1):
            with self._write_lock, self._cursor() as cur:
                try:
                    cur.execute("BEGIN TRANSACTION")
                    result = work(cur)
                    cur.execute("COMMIT")
                    return result
                except duckdb.TransactionException:
                    with contextlib.suppress(duckdb.Error):
                        cur.execute("ROLLBACK")
                    if attempt == retries:
                        raise
                except BaseException:
                    with contextlib.suppress(duckdb.Error):
                        cur.execute("ROLLBACK")
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
        raise AssertionError("unreachable")

    # -- schema ------------------------------------------------------------------------------

    def init_schema(self) -> None:
        """Create tables and sequences if missing and record the schema version (idempotent)."""
        def work(cur):
            for ddl in _SCHEMA:
                cur.execute(ddl)
            for version in range(1, SCHEMA_VERSION + 1):  # every step the DDL above includes
                cur.execute("INSERT INTO schema_version VALUES (?, ?) ON CONFLICT DO NOTHING",
                            [version, _naive_utc(utc_now())])
        try:
            self._write(work)
        except duckdb.Error as exc:
            raise _unavailable(exc) from exc

    # -- writes ------------------------------------------------------------------------------

    def submit(self, inquiry: NewInquiry, submission_id: str, *, now: datetime | None = None,
               notify_kinds: tuple[str, ...] = ()) -> SubmitResult:
        """Store exactly once per submission_id, with its outbox rows, in one transaction."""
        for _ in range(5):  # a fresh receipt number if the random one collides (very rare)
            row = prepare_row(inquiry, submission_id, now, notify_kinds)
            try:
                return self._write(lambda cur, row=row: self._insert(cur, row, notify_kinds))
            except duckdb.ConstraintException as exc:
                if "receipt_no" not in str(exc):
                    raise _unavailable(exc) from exc
            except duckdb.Error as exc:
                raise _unavailable(exc) from exc
        raise StoreUnavailable(_MSG_UNWRITABLE)

    @staticmethod
    def _insert(cur, row, notify_kinds) -> SubmitResult:
        i = row.inquiry
        at = _naive_utc(row.received_at)
        inserted = cur.execute(
            """INSERT INTO inquiries (receipt_no, submission_id, received_at, article_title,
                   municipality, department, name, phone, email, message, consent_at,
                   privacy_notice_version, status, memo, updated_at, email_key, search_text)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', '', ?, ?, ?)
               ON CONFLICT (submission_id) DO NOTHING
               RETURNING id, receipt_no""",
            [row.receipt_no, row.submission_id, at, i.article_title, i.municipality, i.department,
             i.name, i.phone, i.email, i.message, _naive_utc(row.consent_at),
             i.privacy_notice_version, at, row.email_key, row.search_text],
        ).fetchall()
        if not inserted:
            existing = cur.execute("SELECT id, receipt_no FROM inquiries WHERE submission_id = ?",
                                   [row.submission_id]).fetchone()
            return SubmitResult(inquiry_id=int(existing[0]), receipt_no=existing[1], created=False)
        inquiry_id, receipt = int(inserted[0][0]), inserted[0][1]
        for kind in notify_kinds:
            cur.execute(
                """INSERT INTO outbox (inquiry_id, receipt_no, kind, recipient, next_attempt_at,
                       created_at) VALUES (?, ?, ?, ?, ?, ?)""",
                [inquiry_id, receipt, kind, normalise(i.email).strip() if kind == "ack" else None, at, at],
            )
        return SubmitResult(inquiry_id=inquiry_id, receipt_no=receipt, created=True)

    def update(self, inquiry_id: int, *, status: str | None = None, memo: str | None = None) -> None:
        """Set status and/or memo; ValueError for an unknown status or an over-long memo."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"unknown status: {status!r}")
        if memo is not None and len(memo) > _MAX_MEMO:
            raise ValueError(f"memo longer than {_MAX_MEMO} characters")
        if status is None and memo is None:
            return
        self._write(lambda cur: cur.execute(
            """UPDATE inquiries SET status = coalesce(?, status), memo = coalesce(?, memo),
                   updated_at = ? WHERE id = ?""",
            [status, memo, _naive_utc(utc_now()), inquiry_id]))

    # -- erasure -----------------------------------------------------------------------------

    def erase_person(self, email: str) -> int:
        """Delete every inquiry with this (normalised) e-mail, then rewrite the file."""
        key = email_key(email)
        if not key:
            return 0
        return self._erase("email_key = ?", [key])

    def purge_older_than(self, days: int, *, now: datetime | None = None) -> int:
        """Delete inquiries received more than `days` days ago, then rewrite the file."""
        if days < 0:
            raise ValueError("days must be >= 0")
        cutoff = _naive_utc((now or utc_now()) - timedelta(days=days))
        return self._erase("received_at < ?", [cutoff])

    def _erase(self, where: str, params: list) -> int:
        # The writer lock is held from DELETE to the end of the rewrite, so a submission that
        # arrives meanwhile waits and then lands in the new file instead of being lost.
        with self._write_lock:
            with self._cursor() as cur:
                cur.execute("BEGIN TRANSACTION")
                try:
                    cur.execute(f"DELETE FROM outbox WHERE inquiry_id IN "
                                f"(SELECT id FROM inquiries WHERE {where})", params)
                    n = cur.execute(f"DELETE FROM inquiries WHERE {where}", params).fetchone()[0]
                    cur.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(duckdb.Error):
                        cur.execute("ROLLBACK")
                    raise
            if n:
                with self._gate.exclusive():
                    self._rewrite()
        log.info("inquiry store: erased %d inquiries and rewrote the file", n)
        return int(n)

    def _rewrite(self) -> None:
        """Copy the live data into a new file and swap it in; the old bytes go with the old file."""
        con = self._con
        if con is None:
            raise StoreUnavailable(_MSG_UNWRITABLE)
        tmp = self.path.with_name(self.path.name + ".rewrite")
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            leftover.unlink(missing_ok=True)
        dbname = con.execute("SELECT current_database()").fetchone()[0]
        quoted_tmp = str(tmp).replace("'", "''")
        quoted_db = dbname.replace('"', '""')
        con.execute("CHECKPOINT")
        con.execute(f"ATTACH '{quoted_tmp}' AS __jm_rewrite")
        try:
            con.execute(f'COPY FROM DATABASE "{quoted_db}" TO __jm_rewrite')
        finally:
            con.execute("DETACH __jm_rewrite")
        self._con = None
        con.close()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        # A clean close leaves no WAL; if one were there it would belong to the old file.
        Path(str(self.path) + ".wal").unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        self._con = self._connect()

    # -- reads -------------------------------------------------------------------------------

    def get(self, inquiry_id: int) -> Inquiry | None:
        """One inquiry by id, or None."""
        with self._cursor() as cur:
            row = cur.execute(f"SELECT {', '.join(_INQUIRY_COLUMNS)} FROM inquiries WHERE id = ?",
                              [inquiry_id]).fetchone()
        if row is None:
            return None
        values = dict(zip(_INQUIRY_COLUMNS, row, strict=True))
        for key in ("received_at", "consent_at", "updated_at"):
            values[key] = as_utc(values[key])
        values["id"] = int(values["id"])
        return Inquiry(**values)

    @staticmethod
    def _where(query: InboxQuery) -> tuple[str, list]:
        check_query(query)
        clauses, params = [], []
        if query.status is not None:
            clauses.append("status = ?")
            params.append(query.status)
        start, end = jst_day_bounds(query)
        if start is not None:
            clauses.append("received_at >= ?")
            params.append(_naive_utc(start))
        if end is not None:
            clauses.append("received_at < ?")
            params.append(_naive_utc(end))
        for pattern in search_patterns(query.search):
            clauses.append("search_text LIKE ? ESCAPE '\\'")
            params.append(pattern)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    @staticmethod
    def _order(query: InboxQuery) -> str:
        direction = "DESC" if query.descending else "ASC"
        # query.sort is whitelisted by check_query(); id breaks ties so paging is stable.
        return f" ORDER BY {query.sort} {direction}, id {direction}"

    @staticmethod
    def _frame(df: pd.DataFrame) -> pd.DataFrame:
        for column in ("received_at", "updated_at"):
            df[column] = pd.to_datetime(df[column]).dt.tz_localize(UTC)
        df["id"] = df["id"].astype("int64")
        return df

    def list_page(self, query: InboxQuery) -> InboxPage:
        """Count and one page, in one snapshot, filtered/sorted/paged in SQL."""
        where, params = self._where(query)
        with self._cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                total = int(cur.execute(f"SELECT count(*) FROM inquiries{where}", params).fetchone()[0])
                pages = max(1, -(-total // query.page_size))
                page = min(query.page, pages)
                df = cur.execute(
                    f"SELECT {', '.join(LIST_COLUMNS)} FROM inquiries{where}{self._order(query)}"
                    " LIMIT ? OFFSET ?",
                    [*params, query.page_size, (page - 1) * query.page_size],
                ).df()
            finally:
                cur.execute("COMMIT")
        return InboxPage(rows=self._frame(df), total=total, page=page, page_size=query.page_size)

    def export_frame(self, query: InboxQuery) -> pd.DataFrame:
        """Every matching inquiry in the query's order, no paging."""
        where, params = self._where(query)
        with self._cursor() as cur:
            df = cur.execute(f"SELECT {', '.join(LIST_COLUMNS)} FROM inquiries{where}{self._order(query)}",
                             params).df()
        return self._frame(df)

    def export_arrow(self, query: InboxQuery) -> pa.Table:
        """export_frame() as an Arrow table (same rows, columns and tz-aware UTC times), for fast CSV.

        Skips the pandas conversion: at 1,000,000 rows `.df()` alone costs more than DuckDB's own
        COPY ... TO, and export.csv_bytes formats Arrow columns directly.
        """
        where, params = self._where(query)
        with self._cursor() as cur:
            # .sql() streams the result into Arrow; .execute().to_arrow_table() makes an extra copy.
            table = cur.sql(f"SELECT {', '.join(LIST_COLUMNS)} FROM inquiries{where}{self._order(query)}",
                            params=params).to_arrow_table()
        # Stored as naive UTC wall time (see _naive_utc): label it UTC, as export_frame does.
        schema = pa.schema([
            f.with_type(pa.timestamp(f.type.unit, tz="UTC")) if pa.types.is_timestamp(f.type) else f
            for f in table.schema
        ])
        return table.cast(schema)

    def count(self) -> int:
        """Number of stored inquiries."""
        with self._cursor() as cur:
            return int(cur.execute("SELECT count(*) FROM inquiries").fetchone()[0])

    # -- outbox ------------------------------------------------------------------------------

    def pending_outbox(self, *, now: datetime | None = None, limit: int = 20) -> list[OutboxItem]:
        """Unsent notifications that are due, oldest first."""
        at = _naive_utc(now or utc_now())
        with self._cursor() as cur:
            rows = cur.execute(
                f"""SELECT {', '.join(_OUTBOX_COLUMNS)} FROM outbox
                    WHERE sent_at IS NULL AND next_attempt_at <= ?
                    ORDER BY next_attempt_at, id LIMIT ?""", [at, limit]).fetchall()
        items = []
        for row in rows:
            values = dict(zip(_OUTBOX_COLUMNS, row, strict=True))
            values["next_attempt_at"] = as_utc(values["next_attempt_at"])
            items.append(OutboxItem(**values))
        return items

    def mark_outbox_sent(self, item_id: int, *, now: datetime | None = None) -> None:
        """Mark delivered; the sender's address is dropped from the row (no longer needed)."""
        at = _naive_utc(now or utc_now())
        self._write(lambda cur: cur.execute(
            "UPDATE outbox SET sent_at = ?, recipient = NULL, last_error = NULL WHERE id = ?",
            [at, item_id]))

    def mark_outbox_failed(self, item_id: int, error: str, next_attempt_at: datetime) -> None:
        """Count a failed attempt and schedule the next one."""
        self._write(lambda cur: cur.execute(
            """UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?
               WHERE id = ?""", [error[:500], _naive_utc(next_attempt_at), item_id]))

    def failed_outbox(self) -> pd.DataFrame:
        """Unsent notifications that have failed at least once (no recipient column)."""
        with self._cursor() as cur:
            df = cur.execute(
                """SELECT id, receipt_no, kind, attempts, last_error, next_attempt_at FROM outbox
                   WHERE sent_at IS NULL AND attempts > 0 ORDER BY id""").df()
        df["next_attempt_at"] = pd.to_datetime(df["next_attempt_at"]).dt.tz_localize(UTC)
        return df

    # -- staff access --------------------------------------------------------------------------

    def record_sign_in_failure(self, address: str, *, now: datetime | None = None,
                               keep: timedelta = FAILURE_KEEP) -> None:
        """Count one wrong password from `address`; failures older than `keep` are dropped."""
        at = _naive_utc(now or utc_now())

        def work(cur):
            cur.execute("DELETE FROM sign_in_failures WHERE occurred_at < ?", [at - keep])
            cur.execute("INSERT INTO sign_in_failures (address, occurred_at) VALUES (?, ?)", [address, at])
        self._write(work)

    def clear_sign_in_failures(self, address: str) -> None:
        """Forget an address's failures (after it signed in with the right password)."""
        self._write(lambda cur: cur.execute("DELETE FROM sign_in_failures WHERE address = ?", [address]))

    def sign_in_failures(
        self, address: str, *, now: datetime | None = None, window: timedelta = FAILURE_KEEP,
        global_window: timedelta = timedelta(hours=1),
    ) -> SignInFailures:
        """Recent failures of this address and of everyone."""
        at = _naive_utc(now or utc_now())
        with self._cursor() as cur:
            n, last = cur.execute(
                """SELECT count(*), max(occurred_at) FROM sign_in_failures
                   WHERE address = ? AND occurred_at >= ?""",
                [address, at - window]).fetchone()
            g, oldest = cur.execute(
                "SELECT count(*), min(occurred_at) FROM sign_in_failures WHERE occurred_at >= ?",
                [at - global_window]).fetchone()
        return SignInFailures(int(n), as_utc(last) if last else None,
                              int(g), as_utc(oldest) if oldest else None)

    def append_audit(self, entry: AuditEntry) -> None:
        """Add one audit row (no update or delete exists: append-only through the app)."""
        at = _naive_utc(entry.at or utc_now())
        self._write(lambda cur: cur.execute(
            """INSERT INTO audit_log (occurred_at, actor, action, address, receipts, detail)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [at, entry.actor, entry.action, entry.address, audit_receipts(entry), entry.detail]))

    def audit_frame(self, limit: int | None = 1000) -> pd.DataFrame:
        """Audit rows, newest first; `at` tz-aware UTC."""
        sql = f"SELECT {_AUDIT_SELECT} FROM audit_log ORDER BY id DESC"
        with self._cursor() as cur:
            df = (cur.execute(sql + " LIMIT ?", [limit]) if limit is not None else cur.execute(sql)).df()
        df = df.rename(columns={"at_utc": "at"})
        df["at"] = pd.to_datetime(df["at"]).dt.tz_localize(UTC)
        return df[list(AUDIT_COLUMNS)]

    def close(self) -> None:
        """Close the connection (waits for running calls)."""
        with self._write_lock, self._gate.exclusive():
            if self._con is not None:
                self._con.close()
                self._con = None
