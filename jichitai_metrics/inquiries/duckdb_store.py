"""The DuckDB backend of the inquiry store: one file, one owning process, many threads.

One connection per store; each call runs on its own `.cursor()` (a bare connection shared
between threads loses writes). Writes are serialised in-process and retried on transaction
conflicts. Erasure rewrites the whole file, because a DELETE leaves the bytes in it.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

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
    normalise,
    search_patterns,
    utc_now,
)
from jichitai_metrics.inquiries.store import (
    DIGEST_INTERVAL,
    DRAFT_TTL,
    FAILURE_KEEP,
    LIMIT_EVENT_TTL,
    MAX_RETRIES,
    MIN_FREE_BYTES,
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

_INQUIRY_COLUMNS = (
    "id",
    "receipt_no",
    "received_at",
    "submission_id",
    "article_title",
    "municipality",
    "department",
    "name",
    "phone",
    "email",
    "message",
    "consent_at",
    "privacy_notice_version",
    "status",
    "memo",
    "updated_at",
)
_OUTBOX_COLUMNS = (
    "id",
    "inquiry_id",
    "receipt_no",
    "kind",
    "recipient",
    "attempts",
    "next_attempt_at",
    "last_error",
)
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

# Steps after the _SCHEMA list above (which holds steps 1 and 2). Step 3 (issue 10): erasure requests,
# maintenance runs, store-backed limits, server-side drafts. IF NOT EXISTS, so re-running is harmless.
_MIGRATIONS: dict[int, list[str]] = {
    3: [
        """CREATE TABLE IF NOT EXISTS erasure_requests (
            email_key VARCHAR PRIMARY KEY,        -- whose inquiries must go; removed by the rewrite itself
            requested_at TIMESTAMP NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error VARCHAR)""",
        "CREATE SEQUENCE IF NOT EXISTS maintenance_run_id_seq START 1",
        """CREATE TABLE IF NOT EXISTS maintenance_runs (
            id BIGINT PRIMARY KEY DEFAULT nextval('maintenance_run_id_seq'),
            kind VARCHAR NOT NULL,                -- 'purge' | 'erasure'
            trigger VARCHAR NOT NULL,             -- 'daily' | 'cli' | 'staff'
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP NOT NULL,
            rows BIGINT NOT NULL,
            error VARCHAR)""",
        """CREATE TABLE IF NOT EXISTS limit_events (
            kind VARCHAR NOT NULL,                -- 'submit' (key: client address) | 'ack' (key: e-mail hash)
            key VARCHAR NOT NULL,                 -- | 'notice' (key: '*')
            happened_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS drafts (
            token VARCHAR PRIMARY KEY,
            submission_id VARCHAR NOT NULL,
            payload VARCHAR NOT NULL,             -- JSON of the confirmed form
            email_key VARCHAR NOT NULL,           -- so an erasure request removes a pending draft too
            created_at TIMESTAMP NOT NULL)""",
    ],
    # Step 4: the per-address hourly limit counts the inquiries themselves (see _recent_submits).
    # (DuckDB refuses NOT NULL with IF NOT EXISTS; every insert sets it.)
    4: ["ALTER TABLE inquiries ADD COLUMN IF NOT EXISTS client_key VARCHAR DEFAULT ''"],
}
assert max(_MIGRATIONS) == SCHEMA_VERSION, "duckdb migrations must reach store.SCHEMA_VERSION"

_MSG_LOCKED = (
    "お問い合わせの保存先（データベース）が、別のプログラムに使われているため開けません。"
    "時間をおいてもう一度お試しいただくか、管理者にご連絡ください。"
)
_MSG_UNWRITABLE = (
    "お問い合わせの保存先（データベース）に書き込めません。"
    "時間をおいてもう一度お試しいただくか、管理者にご連絡ください。"
)
_MSG_FULL = (
    "お問い合わせの保存先（ディスク）の空き容量が足りません。"
    "時間をおいてもう一度お試しいただくか、管理者にご連絡ください。"
)
# Below this many inquiries the inbox's first page sorts them all (see _newest_bound).
_BOUND_MIN_ROWS = 20_000
# A failed open is retried at most this often, so a broken disk is not hammered by every rerun.
_REOPEN_INTERVAL_S = 1.0


def private_files() -> None:
    """Make every file this process creates from now on private (owner only): 0600 files, 0700 folders.

    DuckDB creates the WAL (and the rewrite's new file) itself, at any time, with the process
    umask, so a chmod after the fact would leave windows where the inquiries are world-readable.
    The process that holds personal data therefore masks group/other bits for good; systemd's
    UMask=0077 (deploy/systemd) does the same before Python starts.
    """
    current = os.umask(0o077)
    os.umask(current | 0o077)


def _naive_utc(value: datetime) -> datetime:
    # DuckDB TIMESTAMP has no zone: we always store UTC wall time.
    return as_utc(value).replace(tzinfo=None)


def _disk_full(exc: BaseException) -> bool:
    return "no space left" in str(exc).lower()


def _unavailable(exc: BaseException) -> StoreUnavailable:
    text = str(exc).lower()
    message = _MSG_FULL if _disk_full(exc) else _MSG_LOCKED if "lock" in text else _MSG_UNWRITABLE
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
        self._reopen_lock = threading.Lock()
        self._next_reopen = 0.0
        self._closed = False
        # Accepted submissions of the last hour per client key, read from the inquiries' client_key
        # on first use and kept under _write_lock. DuckDB has one owning process (one store per
        # process, see ui/inquiry._cached_store), so this copy is exact, and a restart re-reads it.
        # Why not a count query and a counter row per submit (the first design): bench/inquiries.py
        # measured that path at 0.67x-0.71x of a raw insert (target >= 0.8x); the count alone as a
        # subquery of the insert 0.79x; a counter row with this window 0.75x.
        self._submit_window: dict[str, collections.deque[datetime]] | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._con = self._connect()

    # -- connection handling -------------------------------------------------------------

    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            private_files()
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            con = duckdb.connect(str(self.path))
        except (duckdb.Error, OSError) as exc:
            raise _unavailable(exc) from exc
        self._submit_window = None  # a (re)opened or rewritten file is read afresh
        for f in (self.path, Path(str(self.path) + ".wal")):
            with contextlib.suppress(OSError):
                if f.exists() and f.stat().st_mode & 0o077:
                    f.chmod(0o600)  # a file made before this rule (or copied in) becomes private too
        return con

    def _live(self) -> duckdb.DuckDBPyConnection:
        """The connection, reopened if an earlier storage error dropped it (at most once a second).

        After a FatalException (e.g. a checkpoint that hit a full disk) DuckDB invalidates the
        database; the old code kept that connection cached until a restart. Now the store drops
        it and opens the file again as soon as the cause is gone.
        """
        con = self._con
        if con is not None:
            return con
        if self._closed:
            raise StoreUnavailable("the inquiry store has been closed")
        with self._reopen_lock:
            if self._con is not None:
                return self._con
            if time.monotonic() < self._next_reopen:
                raise StoreUnavailable(_MSG_UNWRITABLE)
            self._next_reopen = time.monotonic() + _REOPEN_INTERVAL_S
            self._con = self._connect()
            log.info("inquiry store: reopened %s after a storage error", self.path.name)
            return self._con

    def _drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """Forget a connection whose database DuckDB invalidated; the next call reopens the file."""
        with self._reopen_lock:
            if self._con is con:
                self._con = None
                with contextlib.suppress(duckdb.Error):
                    con.close()

    @contextlib.contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._gate.shared():
            con = self._live()
            try:
                cur = con.cursor()
            except duckdb.Error as exc:
                self._drop(con)
                raise _unavailable(exc) from exc
            try:
                yield cur
            except (
                duckdb.IOException,
                duckdb.PermissionException,
                duckdb.FatalException,
                duckdb.InternalException,
            ) as exc:
                if isinstance(exc, duckdb.FatalException | duckdb.InternalException) or "invalidated" in str(
                    exc
                ):
                    cur.close()
                    self._drop(con)
                raise _unavailable(exc) from exc
            finally:
                with contextlib.suppress(duckdb.Error):
                    cur.close()

    def _write(self, work, *, retries: int = MAX_RETRIES, after_commit=None):
        """Run work(cursor) in one short transaction, serialised in-process, retried on conflict.

        after_commit(result) runs once the transaction is committed, still under the write lock.
        """
        delay = 0.005
        for attempt in range(retries + 1):
            with self._write_lock, self._cursor() as cur:
                try:
                    cur.execute("BEGIN TRANSACTION")
                    result = work(cur)
                    cur.execute("COMMIT")
                    if after_commit is not None:
                        after_commit(result)
                    return result
                except duckdb.TransactionException as exc:
                    with contextlib.suppress(duckdb.Error):
                        cur.execute("ROLLBACK")
                    if attempt == retries or _disk_full(exc):
                        raise _unavailable(exc) from exc
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
            for version in range(1, SCHEMA_VERSION + 1):
                for ddl in _MIGRATIONS.get(version, ()):
                    cur.execute(ddl)
                cur.execute(
                    "INSERT INTO schema_version VALUES (?, ?) ON CONFLICT DO NOTHING",
                    [version, _naive_utc(utc_now())],
                )

        try:
            self._write(work)
        except duckdb.Error as exc:
            raise _unavailable(exc) from exc

    # -- writes ------------------------------------------------------------------------------

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
        """Store exactly once per submission_id, with its outbox rows, in one transaction.

        Limits are checked inside the same (in-process serialised) write, so concurrent sessions
        cannot slip past them. RateLimited: nothing was stored.
        """
        client_key = limit_key(str(client or "unknown"))

        def counted(result: SubmitResult) -> None:
            window = self._submit_window  # None after a reopen: the next submit reads the rows again
            if limits is not None and result.created and window is not None:
                window[client_key].append(_naive_utc(result_at[0]))

        result_at: list[datetime] = []
        for _ in range(5):  # a fresh receipt number if the random one collides (very rare)
            row = prepare_row(inquiry, submission_id, now, notify_kinds)
            result_at[:] = [row.received_at]
            try:
                return self._write(
                    lambda cur, row=row: self._insert(cur, row, notify_kinds, client_key, limits),
                    after_commit=counted,
                )
            except duckdb.ConstraintException as exc:
                if "receipt_no" not in str(exc):
                    raise _unavailable(exc) from exc
            except duckdb.Error as exc:
                raise _unavailable(exc) from exc
        raise StoreUnavailable(_MSG_UNWRITABLE)

    def _insert(self, cur, row, notify_kinds, client_key: str, limits=None) -> SubmitResult:
        i = row.inquiry
        at = _naive_utc(row.received_at)
        inserted = cur.execute(
            """INSERT INTO inquiries (receipt_no, submission_id, received_at, article_title,
                   municipality, department, name, phone, email, message, consent_at,
                   privacy_notice_version, status, memo, updated_at, email_key, search_text,
                   client_key)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', '', ?, ?, ?, ?)
               ON CONFLICT (submission_id) DO NOTHING
               RETURNING id, receipt_no""",
            [
                row.receipt_no,
                row.submission_id,
                at,
                i.article_title,
                i.municipality,
                i.department,
                i.name,
                i.phone,
                i.email,
                i.message,
                _naive_utc(row.consent_at),
                i.privacy_notice_version,
                at,
                row.email_key,
                row.search_text,
                client_key if limits is not None else "",
            ],
        ).fetchall()
        if not inserted:
            existing = cur.execute(
                "SELECT id, receipt_no FROM inquiries WHERE submission_id = ?", [row.submission_id]
            ).fetchone()
            return SubmitResult(inquiry_id=int(existing[0]), receipt_no=existing[1], created=False)
        inquiry_id, receipt = int(inserted[0][0]), inserted[0][1]
        if limits is not None:
            # Checked after the insert, so a resend of a stored submission (above) is never refused;
            # RateLimited rolls the whole transaction back, the insert included.
            notify_kinds = self._apply_limits(cur, row, notify_kinds, client_key, limits, at, inquiry_id)
        for kind in notify_kinds:
            cur.execute(
                """INSERT INTO outbox (inquiry_id, receipt_no, kind, recipient, next_attempt_at,
                       created_at) VALUES (?, ?, ?, ?, ?, ?)""",
                [inquiry_id, receipt, kind, normalise(i.email).strip() if kind == "ack" else None, at, at],
            )
        return SubmitResult(inquiry_id=inquiry_id, receipt_no=receipt, created=True)

    def _recent_submits(
        self, cur, client_key: str, at: datetime, pending_id: int
    ) -> collections.deque[datetime]:
        """This client's accepted submissions of the hour before `at` (caller holds _write_lock).

        pending_id: the row this transaction just inserted; it joins the window after the commit.
        """
        # A local reference: a reader that reopens the file after a storage error resets the
        # attribute without the write lock.
        window = self._submit_window
        if window is None:
            window = collections.defaultdict(collections.deque)
            for key, happened_at in cur.execute(
                "SELECT client_key, received_at FROM inquiries WHERE received_at > ? AND client_key <> ''"
                " AND id <> ? ORDER BY received_at",
                [at - timedelta(hours=1), pending_id],
            ).fetchall():
                window[key].append(happened_at)
            self._submit_window = window
        recent = window[client_key]
        while recent and recent[0] <= at - timedelta(hours=1):
            recent.popleft()
        if not recent:
            del window[client_key]  # idle clients do not pile up in memory
        return recent

    def _apply_limits(
        self, cur, row, notify_kinds, client_key: str, limits: SubmitLimits, at: datetime, inquiry_id: int
    ) -> tuple[str, ...]:
        """Refuse (RateLimited) or trim notify_kinds, and count this submission; same txn as the insert."""

        def recent(kind: str, key: str, window: timedelta) -> int:
            return int(
                cur.execute(
                    "SELECT count(*) FROM limit_events WHERE kind = ? AND key = ? AND happened_at > ?",
                    [kind, key, at - window],
                ).fetchone()[0]
            )

        def count(kind: str, key: str) -> None:
            cur.execute("INSERT INTO limit_events VALUES (?, ?, ?)", [kind, key, at])

        if len(self._recent_submits(cur, client_key, at, inquiry_id)) >= limits.per_client_hour:
            raise RateLimited("per-client hourly limit reached")
        # The inquiry row (its client_key) is the durable record; the window grows after the commit.
        return limit_mail(notify_kinds, row.email_key, limits, recent, count)

    def take_held_notices(
        self, *, now: datetime | None = None, min_interval: timedelta = DIGEST_INTERVAL
    ) -> int:
        """Claim the notices held above the ceiling (their count), at most once per min_interval."""
        at = _naive_utc(now or utc_now())

        def work(cur) -> int:
            if cur.execute(
                "SELECT count(*) FROM limit_events WHERE kind = 'digest' AND happened_at > ?",
                [at - min_interval],
            ).fetchone()[0]:
                return 0
            held = int(
                cur.execute("SELECT count(*) FROM limit_events WHERE kind = 'notice_held'").fetchone()[0]
            )
            if held:
                cur.execute("DELETE FROM limit_events WHERE kind = 'notice_held'")
                cur.execute("INSERT INTO limit_events VALUES ('digest', '*', ?)", [at])
            return held

        return self._write(work)

    def update(self, inquiry_id: int, *, status: str | None = None, memo: str | None = None) -> None:
        """Set status and/or memo; ValueError for an unknown status or an over-long memo."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"unknown status: {status!r}")
        if memo is not None and len(memo) > _MAX_MEMO:
            raise ValueError(f"memo longer than {_MAX_MEMO} characters")
        if status is None and memo is None:
            return
        self._write(
            lambda cur: cur.execute(
                """UPDATE inquiries SET status = coalesce(?, status), memo = coalesce(?, memo),
                   updated_at = ? WHERE id = ?""",
                [status, memo, _naive_utc(utc_now()), inquiry_id],
            )
        )

    # -- erasure -----------------------------------------------------------------------------

    def erase_person(self, email: str) -> int:
        """Erase every inquiry (and outbox row, draft) with this e-mail by rewriting the file.

        The request is recorded first; if the rewrite fails (a full disk) nothing is deleted, the
        old file stays as it was, the request stays pending and ErasureIncomplete says so.
        Calling it again finishes the job even when no row matches any more.
        """
        key = email_key(email)
        if not key:
            return 0
        now = _naive_utc(utc_now())
        self._write(
            lambda cur: cur.execute(
                """INSERT INTO erasure_requests (email_key, requested_at) VALUES (?, ?)
               ON CONFLICT (email_key) DO NOTHING""",
                [key, now],
            )
        )
        return self._erase_keys([key])

    def retry_erasures(self) -> int:
        """Finish every pending erasure request (rows may already be gone: the rewrite still runs)."""
        with self._cursor() as cur:
            keys = [r[0] for r in cur.execute("SELECT email_key FROM erasure_requests").fetchall()]
        return self._erase_keys(keys) if keys else 0

    def pending_erasures(self) -> pd.DataFrame:
        """Erasure requests not finished yet: requested_at (UTC), attempts, last_error (no e-mail)."""
        with self._cursor() as cur:
            df = cur.execute("""SELECT requested_at, attempts, last_error FROM erasure_requests
                                ORDER BY requested_at""").df()
        df["requested_at"] = pd.to_datetime(df["requested_at"]).dt.tz_localize(UTC)
        return df

    def _erase_keys(self, keys: list[str]) -> int:
        marks = ", ".join("?" * len(keys))
        match = f"email_key IN ({marks})"
        drop = {
            "inquiries": (match, keys),
            "outbox": (f"inquiry_id IN (SELECT id FROM inquiries WHERE {match})", keys),
            "erasure_requests": (match, keys),
            "drafts": (match, keys),
        }
        try:
            return self._rewrite_without(drop, counted=("inquiries", match, keys), force=True)
        except StoreUnavailable as exc:
            self._note_erasure_failure(keys, str(exc))
            raise ErasureIncomplete(erasure_failed_message(str(exc))) from exc

    def _note_erasure_failure(self, keys: list[str], error: str) -> None:
        marks = ", ".join("?" * len(keys))
        with contextlib.suppress(StoreUnavailable, duckdb.Error):
            self._write(
                lambda cur: cur.execute(
                    f"""UPDATE erasure_requests SET attempts = attempts + 1, last_error = ?
                    WHERE email_key IN ({marks})""",
                    [error[:300], *keys],
                ),
                retries=0,
            )

    def purge_older_than(self, days: int, *, now: datetime | None = None) -> int:
        """Erase inquiries received more than `days` days ago, by rewriting the file (only if any)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        cutoff = _naive_utc((now or utc_now()) - timedelta(days=days))
        match = "received_at < ?"
        drop = {
            "inquiries": (match, [cutoff]),
            "outbox": (f"inquiry_id IN (SELECT id FROM inquiries WHERE {match})", [cutoff]),
        }
        # Expired drafts hold what people typed, and a day-old limit key links an inquiry to its
        # sender's address: their bytes leave the file with the same rewrite.
        wall = _naive_utc(utc_now())
        with self._cursor() as cur:
            stale = one_row(
                cur.execute(
                    "SELECT (SELECT count(*) FROM drafts WHERE created_at < ?)"
                    " + (SELECT count(*) FROM inquiries WHERE client_key <> '' AND received_at < ?)",
                    [wall - DRAFT_TTL, wall - LIMIT_EVENT_TTL],
                ).fetchone(),
                "count of drafts and old limit keys",
            )[0]
        return self._rewrite_without(drop, counted=("inquiries", match, [cutoff]), force=bool(stale))

    def _rewrite_without(
        self, drop: dict[str, tuple[str, list]], *, counted: tuple[str, str, list], force: bool
    ) -> int:
        """Copy every table except the `drop` rows into a new file and swap it in atomically.

        Nothing is deleted in the live file: if anything fails before the swap (a full disk while
        writing the new file), the new file is removed and the old one is exactly as it was.
        Writers wait meanwhile (exclusive gate) and land in the new file afterwards.
        """
        with self._write_lock, self._gate.exclusive():
            try:
                con = self._live()
            except StoreUnavailable:
                raise
            table, where, params = counted
            try:
                n = int(
                    one_row(
                        con.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone(),
                        f"count of {table}",
                    )[0]
                )
            except duckdb.Error as exc:
                raise _unavailable(exc) from exc
            if not n and not force:
                return 0
            self._rewrite(con, drop)
        log.info("inquiry store: erased %d inquiries and rewrote the file", n)
        return n

    def _rewrite(self, con: duckdb.DuckDBPyConnection, drop: dict[str, tuple[str, list]]) -> None:
        tmp = self.path.with_name(self.path.name + ".rewrite")
        tmp_wal = Path(str(tmp) + ".wal")
        for leftover in (tmp, tmp_wal):
            leftover.unlink(missing_ok=True)
        dbname = one_row(con.execute("SELECT current_database()").fetchone(), "current_database()")[0]
        quoted_tmp = str(tmp).replace("'", "''")
        quoted_db = dbname.replace('"', '""')
        # Housekeeping rides along: expired drafts and old limit counters never reach the new file.
        now = _naive_utc(utc_now())
        drop = {
            "drafts": ("created_at < ?", [now - DRAFT_TTL]),
            "limit_events": ("happened_at < ?", [now - LIMIT_EVENT_TTL]),
        } | drop
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
                " AND schema_name = 'main'"
            ).fetchall()
        ]
        try:
            con.execute(f"ATTACH '{quoted_tmp}' AS __jm_rewrite")
            try:
                con.execute(f'COPY FROM DATABASE "{quoted_db}" TO __jm_rewrite (SCHEMA)')
                con.execute("BEGIN TRANSACTION")
                for name in tables:  # our own table names, quoted
                    where, params = drop.get(name, (None, []))
                    keep = f" WHERE NOT ({where})" if where else ""
                    source = f'"{quoted_db}".main."{name}"'
                    columns, column_params = "*", []
                    if name == "inquiries":  # the limit key is needed for an hour, kept for a day
                        columns = (
                            "* REPLACE (CASE WHEN received_at < ? THEN '' ELSE client_key END AS client_key)"
                        )
                        column_params = [now - LIMIT_EVENT_TTL]
                    con.execute(
                        f'INSERT INTO __jm_rewrite.main."{name}" SELECT {columns} FROM {source}{keep}',
                        column_params + params,
                    )
                con.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                raise
            finally:
                # DETACH checkpoints the new file; on a full disk that is where it fails.
                con.execute("DETACH __jm_rewrite")
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        except (duckdb.Error, OSError) as exc:
            for leftover in (tmp, tmp_wal):
                with contextlib.suppress(OSError):
                    leftover.unlink(missing_ok=True)
            log.warning("inquiry store: rewrite failed, the old file is untouched: %s", type(exc).__name__)
            raise _unavailable(exc) from exc
        # The new file is complete and synced: swap. Closing the old connection may try to
        # checkpoint into the old file (and fail on a full disk); that file is being replaced anyway.
        self._con = None
        with contextlib.suppress(duckdb.Error):
            con.close()
        os.replace(tmp, self.path)
        # Any WAL left belongs to the old file (its content is in the new file already).
        Path(str(self.path) + ".wal").unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        self._con = self._connect()

    # -- drafts (restart-safe sending) --------------------------------------------------------

    def save_draft(
        self, token: str, submission_id: str, payload: str, email: str, *, now: datetime | None = None
    ) -> None:
        """Keep the confirmed form under `token` (replacing an older version of the same token)."""
        at = _naive_utc(now or utc_now())
        self._write(
            lambda cur: cur.execute(
                """INSERT INTO drafts VALUES (?, ?, ?, ?, ?) ON CONFLICT (token) DO UPDATE SET
                   submission_id = excluded.submission_id, payload = excluded.payload,
                   email_key = excluded.email_key, created_at = excluded.created_at""",
                [token, submission_id, payload, email_key(email), at],
            )
        )

    def load_draft(self, token: str, *, now: datetime | None = None) -> tuple[str, str] | None:
        """(submission_id, payload) of a draft younger than DRAFT_TTL; payload "" once it was sent."""
        at = _naive_utc(now or utc_now())
        with self._cursor() as cur:
            row = cur.execute(
                "SELECT submission_id, payload FROM drafts WHERE token = ? AND created_at > ?",
                [token, at - DRAFT_TTL],
            ).fetchone()
        return (row[0], row[1]) if row else None

    def finish_draft(self, token: str) -> None:
        """After sending: drop what was typed, keep token -> submission id so a reload finds the receipt."""
        self._write(
            lambda cur: cur.execute("UPDATE drafts SET payload = '', email_key = '' WHERE token = ?", [token])
        )

    def receipt_for(self, submission_id: str) -> str | None:
        """The receipt number stored for this submission id, if any."""
        with self._cursor() as cur:
            row = cur.execute(
                "SELECT receipt_no FROM inquiries WHERE submission_id = ?", [submission_id]
            ).fetchone()
        return row[0] if row else None

    # -- health and housekeeping -------------------------------------------------------------

    def ping(self) -> None:
        """Raise StoreUnavailable if an inquiry could not be stored right now (connection, free space)."""
        with self._cursor() as cur:
            cur.execute("SELECT 1").fetchone()
        try:
            free = shutil.disk_usage(self.path.parent).free
        except OSError as exc:
            raise _unavailable(exc) from exc
        if free < MIN_FREE_BYTES:
            raise StoreUnavailable(_MSG_FULL)

    def record_run(self, run: MaintenanceRun) -> None:
        """Append one maintenance run (purge, erasure) to maintenance_runs."""
        self._write(
            lambda cur: cur.execute(
                """INSERT INTO maintenance_runs (kind, trigger, started_at, finished_at, rows, error)
               VALUES (?, ?, ?, ?, ?, ?)""",
                [
                    run.kind,
                    run.trigger,
                    _naive_utc(run.started_at),
                    _naive_utc(run.finished_at),
                    run.rows,
                    run.error,
                ],
            )
        )

    def last_run(self, kind: str, *, successful: bool = True) -> datetime | None:
        """When the last (successful) run of `kind` started, or None."""
        cond = " AND error IS NULL" if successful else ""
        with self._cursor() as cur:
            row = cur.execute(
                f"SELECT max(started_at) FROM maintenance_runs WHERE kind = ?{cond}", [kind]
            ).fetchone()
        return as_utc(row[0]) if row and row[0] is not None else None

    def runs(self, limit: int = 20) -> pd.DataFrame:
        """The latest maintenance runs, newest first (kind, trigger, started_at, rows, error)."""
        with self._cursor() as cur:
            df = cur.execute(
                """SELECT kind, trigger, started_at, finished_at, rows, error
                                FROM maintenance_runs ORDER BY started_at DESC, id DESC LIMIT ?""",
                [limit],
            ).df()
        for column in ("started_at", "finished_at"):
            df[column] = pd.to_datetime(df[column]).dt.tz_localize(UTC)
        return df

    # -- reads -------------------------------------------------------------------------------

    def get(self, inquiry_id: int) -> Inquiry | None:
        """One inquiry by id, or None."""
        with self._cursor() as cur:
            row = cur.execute(
                f"SELECT {', '.join(_INQUIRY_COLUMNS)} FROM inquiries WHERE id = ?", [inquiry_id]
            ).fetchone()
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
        clauses: list[str] = []
        params: list[str | datetime] = []
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
                total = int(
                    one_row(
                        cur.execute(f"SELECT count(*) FROM inquiries{where}", params).fetchone(),
                        "count of inquiries",
                    )[0]
                )
                pages = max(1, -(-total // query.page_size))
                page = min(query.page, pages)
                if not where and query.sort == "received_at" and query.descending:
                    bound = self._newest_bound(cur, total, page * query.page_size)
                    if bound is not None:
                        where, params = " WHERE received_at >= ?", [bound]
                df = cur.execute(
                    f"SELECT {', '.join(LIST_COLUMNS)} FROM inquiries{where}{self._order(query)}"
                    " LIMIT ? OFFSET ?",
                    [*params, query.page_size, (page - 1) * query.page_size],
                ).df()
            finally:
                cur.execute("COMMIT")
        return InboxPage(rows=self._frame(df), total=total, page=page, page_size=query.page_size)

    @staticmethod
    def _newest_bound(cur, total: int, needed: int) -> datetime | None:
        """A received_at that at least `needed` rows reach, or None: read everything.

        The inbox opens on the newest page. Sorting every row for it cost 7 ms of the 11 ms first
        page at 200,000 rows (bench/inquiries.py, target <= 2x the 100-row page); a lower bound on
        received_at lets DuckDB's zone maps skip the older row groups, and the rows above it are
        exactly the newest ones, ties included. The bound is guessed from the average rate and
        widened until it holds; small stores (a full sort under 1 ms) skip the guess.
        """
        if total < _BOUND_MIN_ROWS or needed > total // 2:
            return None
        oldest, newest = one_row(
            cur.execute("SELECT min(received_at), max(received_at) FROM inquiries").fetchone(), "range"
        )
        span = (newest - oldest) * (2 * needed / total)
        while span < newest - oldest:
            bound = newest - span
            n = one_row(
                cur.execute("SELECT count(*) FROM inquiries WHERE received_at >= ?", [bound]).fetchone(),
                "count of newest inquiries",
            )[0]
            if n >= needed:
                return bound
            span *= 4
        return None

    def export_frame(self, query: InboxQuery) -> pd.DataFrame:
        """Every matching inquiry in the query's order, no paging."""
        where, params = self._where(query)
        with self._cursor() as cur:
            df = cur.execute(
                f"SELECT {', '.join(LIST_COLUMNS)} FROM inquiries{where}{self._order(query)}", params
            ).df()
        return self._frame(df)

    def export_arrow(self, query: InboxQuery) -> pa.Table:
        """export_frame() as an Arrow table (same rows, columns and tz-aware UTC times), for fast CSV.

        Skips the pandas conversion: at 1,000,000 rows `.df()` alone costs more than DuckDB's own
        COPY ... TO, and export.csv_bytes formats Arrow columns directly.
        """
        where, params = self._where(query)
        with self._cursor() as cur:
            # .sql() streams the result into Arrow; .execute().to_arrow_table() makes an extra copy.
            table = cur.sql(
                f"SELECT {', '.join(LIST_COLUMNS)} FROM inquiries{where}{self._order(query)}", params=params
            ).to_arrow_table()
        # Stored as naive UTC wall time (see _naive_utc): label it UTC, as export_frame does.
        schema = pa.schema(
            [
                f.with_type(pa.timestamp(f.type.unit, tz="UTC")) if pa.types.is_timestamp(f.type) else f
                for f in table.schema
            ]
        )
        return table.cast(schema)

    def count(self) -> int:
        """Number of stored inquiries."""
        with self._cursor() as cur:
            return int(
                one_row(cur.execute("SELECT count(*) FROM inquiries").fetchone(), "count of inquiries")[0]
            )

    # -- outbox ------------------------------------------------------------------------------

    def pending_outbox(self, *, now: datetime | None = None, limit: int = 20) -> list[OutboxItem]:
        """Unsent notifications that are due, oldest first."""
        at = _naive_utc(now or utc_now())
        with self._cursor() as cur:
            rows = cur.execute(
                f"""SELECT {", ".join(_OUTBOX_COLUMNS)} FROM outbox
                    WHERE sent_at IS NULL AND next_attempt_at <= ?
                    ORDER BY next_attempt_at, id LIMIT ?""",
                [at, limit],
            ).fetchall()
        items = []
        for row in rows:
            values = dict(zip(_OUTBOX_COLUMNS, row, strict=True))
            values["next_attempt_at"] = as_utc(values["next_attempt_at"])
            items.append(OutboxItem(**values))
        return items

    def mark_outbox_sent(self, item_id: int, *, now: datetime | None = None) -> None:
        """Mark delivered; the sender's address is dropped from the row (no longer needed)."""
        at = _naive_utc(now or utc_now())
        self._write(
            lambda cur: cur.execute(
                "UPDATE outbox SET sent_at = ?, recipient = NULL, last_error = NULL WHERE id = ?",
                [at, item_id],
            )
        )

    def mark_outbox_failed(self, item_id: int, error: str, next_attempt_at: datetime) -> None:
        """Count a failed attempt and schedule the next one."""
        self._write(
            lambda cur: cur.execute(
                """UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?
               WHERE id = ?""",
                [error[:500], _naive_utc(next_attempt_at), item_id],
            )
        )

    def failed_outbox(self) -> pd.DataFrame:
        """Unsent notifications that have failed at least once (no recipient column)."""
        with self._cursor() as cur:
            df = cur.execute(
                """SELECT id, receipt_no, kind, attempts, last_error, next_attempt_at FROM outbox
                   WHERE sent_at IS NULL AND attempts > 0 ORDER BY id"""
            ).df()
        df["next_attempt_at"] = pd.to_datetime(df["next_attempt_at"]).dt.tz_localize(UTC)
        return df

    # -- staff access --------------------------------------------------------------------------

    def record_sign_in_failure(
        self, address: str, *, now: datetime | None = None, keep: timedelta = FAILURE_KEEP
    ) -> None:
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
        self,
        address: str,
        *,
        now: datetime | None = None,
        window: timedelta = FAILURE_KEEP,
        global_window: timedelta = timedelta(hours=1),
    ) -> SignInFailures:
        """Recent failures of this address and of everyone."""
        at = _naive_utc(now or utc_now())
        with self._cursor() as cur:
            n, last = one_row(
                cur.execute(
                    """SELECT count(*), max(occurred_at) FROM sign_in_failures
                   WHERE address = ? AND occurred_at >= ?""",
                    [address, at - window],
                ).fetchone(),
                "count of sign-in failures",
            )
            g, oldest = one_row(
                cur.execute(
                    "SELECT count(*), min(occurred_at) FROM sign_in_failures WHERE occurred_at >= ?",
                    [at - global_window],
                ).fetchone(),
                "count of sign-in failures",
            )
        return SignInFailures(
            int(n), as_utc(last) if last else None, int(g), as_utc(oldest) if oldest else None
        )

    def append_audit(self, entry: AuditEntry) -> None:
        """Add one audit row (no update or delete exists: append-only through the app)."""
        at = _naive_utc(entry.at or utc_now())
        self._write(
            lambda cur: cur.execute(
                """INSERT INTO audit_log (occurred_at, actor, action, address, receipts, detail)
               VALUES (?, ?, ?, ?, ?, ?)""",
                [at, entry.actor, entry.action, entry.address, audit_receipts(entry), entry.detail],
            )
        )

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
            self._closed = True
            if self._con is not None:
                self._con.close()
                self._con = None
