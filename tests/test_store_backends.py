"""One inquiry-store test-suite, run against both backends: DuckDB (file) and PostgreSQL 15.

PostgreSQL is a throw-away cluster from tests/servers.py (Debian package, loopback, temp dir);
each test gets its own database in it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import psycopg
import pytest

from jichitai_metrics.config import load_settings
from jichitai_metrics.errors import StoreUnavailable
from jichitai_metrics.inquiries import LIST_COLUMNS, InboxQuery, NewInquiry, open_store
from jichitai_metrics.inquiries.duckdb_store import DuckDBInquiryStore
from jichitai_metrics.inquiries.model import utc_now
from jichitai_metrics.inquiries.postgres_store import PostgresInquiryStore
from jichitai_metrics.inquiries.store import (
    SCHEMA_VERSION,
    InquiryStore,
    RateLimited,
    SubmitLimits,
    limit_key,
)
from tests.servers import PgServer, postgres_server

BASE = NewInquiry(
    article_title="自治体DXセミナー報告",
    municipality="架空市",
    department="企画課 主査",
    name="試験 太郎",
    phone="03-1234-5678",
    email="taro@example.jp",
    message="質問です。",
    consent=True,
)


def person(i: int, **changes) -> NewInquiry:
    return replace(BASE, name=f"試験 {i:03d}", email=f"person{i:03d}@example.jp", **changes)


def sid() -> str:
    return str(uuid.uuid4())


class Blob(bytes):
    """Database file bytes; a short repr keeps a failing `x not in blob` readable."""

    def __repr__(self) -> str:
        return f"<{len(self):,} bytes of database files>"


@dataclass
class Backend:
    """A store under test plus the backend-specific tools the shared tests need."""

    name: str
    store: InquiryStore
    raw_bytes: Callable[[], bytes]  # every byte of the database files, as on disk now
    another: Callable[[], InquiryStore]  # a second store object on the same database
    drop_outbox: Callable[[], InquiryStore]  # fault injection: a store whose outbox table is gone
    analyze: Callable[[], None]  # let the database gather column statistics


@pytest.fixture(scope="module")
def pg_server():
    with postgres_server() as server:
        yield server


def _duckdb_backend(path: Path) -> Backend:
    store = DuckDBInquiryStore(path)
    store.init_schema()
    opened = [store]

    def raw_bytes() -> bytes:
        data = b""
        for f in (path, Path(str(path) + ".wal")):
            if f.exists():
                data += f.read_bytes()
        return Blob(data)

    def drop_outbox() -> InquiryStore:
        opened[0].close()
        con = duckdb.connect(str(path))
        con.execute("DROP TABLE outbox")
        con.close()
        broken = DuckDBInquiryStore(path)  # no init_schema: it would recreate the table
        opened[0] = broken
        return broken

    def another() -> InquiryStore:
        # One process owns a DuckDB file: the "other" store is the same object.
        return opened[0]

    backend = Backend("duckdb", store, raw_bytes, another, drop_outbox, lambda: None)
    backend._opened = opened  # type: ignore[attr-defined]
    return backend


def _pg_backend(server: PgServer) -> Backend:
    dbname = "t_" + uuid.uuid4().hex[:12]
    server.psql(f"CREATE DATABASE {dbname}", db="postgres")
    url = server.url.rsplit("/", 1)[0] + "/" + dbname
    store = PostgresInquiryStore(url)
    store.init_schema()
    opened: list[InquiryStore] = [store]

    def raw_bytes() -> bytes:
        # CHECKPOINT writes dirty pages and lets VACUUM FULL's old files go; then read every file
        # of this database (heap, TOAST, indexes, free-space maps, and pg_statistic, a per-database
        # catalogue) straight from disk as root / the owner.
        with psycopg.connect(url, autocommit=True) as con:
            con.execute("CHECKPOINT")
            oid = con.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()[0]
            table_files = [
                con.execute("SELECT pg_relation_filepath(%s)", (t,)).fetchone()[0]
                for t in ("inquiries", "outbox")
            ]
        db_dir = server.data_dir / "base" / str(oid)
        for rel in table_files:  # the tables' own files must be among what we read
            assert (server.data_dir / rel).exists(), rel
        return Blob(b"".join(f.read_bytes() for f in sorted(db_dir.iterdir()) if f.is_file()))

    def another() -> InquiryStore:
        s = PostgresInquiryStore(url)
        opened.append(s)
        return s

    def drop_outbox() -> InquiryStore:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute("DROP TABLE outbox")
        return opened[0]

    def analyze() -> None:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute("ANALYZE")

    backend = Backend("postgres", store, raw_bytes, another, drop_outbox, analyze)
    backend._opened = opened  # type: ignore[attr-defined]
    return backend


@pytest.fixture(params=["duckdb", "postgres"])
def backend(request, tmp_path):
    if request.param == "duckdb":
        b = _duckdb_backend(tmp_path / "inquiries.duckdb")
    else:
        b = _pg_backend(request.getfixturevalue("pg_server"))
    yield b
    for s in b._opened:  # type: ignore[attr-defined]
        s.close()


# -- schema ---------------------------------------------------------------------------------------


def test_schema_init_twice_is_harmless_and_keeps_data(backend):
    store = backend.store
    first = store.submit(person(1), sid())
    store.init_schema()
    store.init_schema()
    assert store.count() == 1
    assert store.get(first.inquiry_id).email == "person001@example.jp"
    other = backend.another()
    other.init_schema()  # a second replica starting against the same database
    assert other.count() == 1


def test_schema_version_is_recorded_once(backend):
    backend.store.init_schema()
    if backend.name == "postgres":
        assert backend.store.schema_versions() == list(range(1, SCHEMA_VERSION + 1))
    else:
        con = backend.store._con  # DuckDB: read the table through the store's own connection
        rows = con.cursor().execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        assert rows == [(v,) for v in range(1, SCHEMA_VERSION + 1)]


# -- exactly once -----------------------------------------------------------------------------------


def test_same_submission_id_is_stored_once_with_one_outbox_row(backend):
    store = backend.store
    submission = sid()
    first = store.submit(person(1), submission, notify_kinds=("staff_notice",))
    again = store.submit(person(1), submission, notify_kinds=("staff_notice",))
    blank_retry = store.submit(person(2), submission, notify_kinds=("staff_notice",))
    assert first.created and not again.created and not blank_retry.created
    assert again.receipt_no == first.receipt_no == blank_retry.receipt_no
    assert again.inquiry_id == first.inquiry_id
    assert store.count() == 1
    assert store.get(first.inquiry_id).name == "試験 001"  # the repeat did not overwrite
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert [i.receipt_no for i in store.pending_outbox(now=later)] == [first.receipt_no]


def test_double_click_race_from_threads_stores_once(backend):
    store = backend.store
    submission = sid()
    barrier = threading.Barrier(8)

    def click(_):
        barrier.wait()
        return store.submit(person(7), submission)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(click, range(8)))
    assert sum(r.created for r in results) == 1
    assert len({r.receipt_no for r in results}) == 1
    assert store.count() == 1


def test_fifty_concurrent_submissions_none_lost_or_duplicated(backend):
    # Two store objects (two replicas for PostgreSQL; the one owner for DuckDB), 50 threads, each
    # submission sent twice (a double click), all released at once.
    stores = [backend.store, backend.another()]
    ids = [sid() for _ in range(50)]
    barrier = threading.Barrier(50)

    def send(i: int):
        barrier.wait()
        s = stores[i % 2]
        a = s.submit(person(i), ids[i], notify_kinds=("staff_notice",))
        b = stores[(i + 1) % 2].submit(person(i), ids[i], notify_kinds=("staff_notice",))
        return a, b

    with ThreadPoolExecutor(50) as pool:
        pairs = list(pool.map(send, range(50)))
    assert all(a.created and not b.created and a.receipt_no == b.receipt_no for a, b in pairs)
    assert backend.store.count() == 50
    frame = backend.store.export_frame(InboxQuery(sort="receipt_no"))
    assert sorted(frame["email"]) == sorted(f"person{i:03d}@example.jp" for i in range(50))
    assert frame["receipt_no"].is_unique and frame["id"].is_unique
    later = datetime.now(UTC) + timedelta(minutes=1)
    outbox = backend.store.pending_outbox(now=later, limit=1000)
    assert sorted(i.receipt_no for i in outbox) == sorted(a.receipt_no for a, _ in pairs)


# -- the outbox is written in the inquiry's transaction ------------------------------------------------


def test_outbox_rows_come_with_their_inquiry(backend):
    store = backend.store
    result = store.submit(person(3), sid(), notify_kinds=("staff_notice", "ack"))
    later = datetime.now(UTC) + timedelta(minutes=1)
    items = store.pending_outbox(now=later)
    assert {(i.kind, i.receipt_no, i.inquiry_id) for i in items} == {
        ("staff_notice", result.receipt_no, result.inquiry_id),
        ("ack", result.receipt_no, result.inquiry_id),
    }
    assert {i.kind: i.recipient for i in items} == {"staff_notice": None, "ack": "person003@example.jp"}


def test_failed_outbox_insert_rolls_back_the_inquiry(backend):
    store = backend.store
    store.submit(person(1), sid())
    broken = backend.drop_outbox()
    with pytest.raises(Exception):  # noqa: B017 - whichever driver error; the point is what follows
        broken.submit(person(2), sid(), notify_kinds=("staff_notice",))
    assert broken.count() == 1  # the inquiry did not commit without its notification row
    # Without notifications the same store still accepts inquiries.
    assert broken.submit(person(3), sid()).created
    assert broken.count() == 2


def test_outbox_sent_and_failed_bookkeeping(backend):
    store = backend.store
    t0 = datetime(2025, 6, 1, tzinfo=UTC)
    a = store.submit(person(1), sid(), now=t0, notify_kinds=("staff_notice",))
    b = store.submit(person(2), sid(), now=t0, notify_kinds=("staff_notice",))
    items = {i.receipt_no: i for i in store.pending_outbox(now=t0)}
    assert set(items) == {a.receipt_no, b.receipt_no}
    store.mark_outbox_sent(items[a.receipt_no].id, now=t0)
    store.mark_outbox_failed(items[b.receipt_no].id, "ConnectionRefusedError", t0 + timedelta(minutes=5))
    failed = store.failed_outbox()
    assert list(failed["receipt_no"]) == [b.receipt_no]
    assert list(failed.columns) == ["id", "receipt_no", "kind", "attempts", "last_error", "next_attempt_at"]
    assert int(failed["attempts"].iloc[0]) == 1
    assert store.pending_outbox(now=t0 + timedelta(minutes=4)) == []
    due = store.pending_outbox(now=t0 + timedelta(minutes=5))
    assert [i.receipt_no for i in due] == [b.receipt_no]
    store.mark_outbox_sent(due[0].id, now=t0 + timedelta(minutes=5))
    assert store.failed_outbox().empty
    assert store.pending_outbox(now=t0 + timedelta(days=1)) == []


# -- erasure that really erases ----------------------------------------------------------------------


def test_erase_person_removes_the_bytes_from_the_database_files(backend):
    store = backend.store
    target = "erase.me.kotoba@example.jp"
    keep = "keep.me.mojiretsu@example.jp"
    for i in range(3):
        # Full-width and upper-case variants are the same person for erasure.
        email = [target, target.upper(), "ｅｒａｓｅ.me.kotoba@example.jp"][i]
        store.submit(
            replace(BASE, email=email, message=f"消す相談{i} ZQXJ"),
            sid(),
            notify_kinds=("staff_notice", "ack"),
        )
    for i in range(2):
        store.submit(replace(BASE, email=keep, message=f"残す相談{i}"), sid(), notify_kinds=("ack",))
    store.update(1, memo="電話済み")  # an update leaves an old row version behind as well
    backend.analyze()  # PostgreSQL: statistics must not keep a copy of the address
    before = backend.raw_bytes()
    # Control: the byte scan does find what is there, so its "not found" below means something.
    assert target.encode() in before and keep.encode() in before

    assert store.erase_person("Erase.Me.Kotoba@EXAMPLE.jp") == 3
    after = backend.raw_bytes()
    assert target.encode() not in after
    assert "ｅｒａｓｅ".encode() not in after
    assert b"ZQXJ" not in after
    assert keep.encode() in after  # the other person is untouched
    assert store.count() == 2
    later = datetime.now(UTC) + timedelta(days=1)
    assert {i.recipient for i in store.pending_outbox(now=later, limit=100)} == {keep}
    assert store.list_page(InboxQuery(search="kotoba")).total == 0
    assert store.erase_person(target) == 0


def test_retention_purge_erases_old_inquiries_physically(backend):
    store = backend.store
    now = datetime(2025, 6, 30, 3, 0, tzinfo=UTC)
    edge = store.submit(replace(BASE, email="edge.person@example.jp"), sid(), now=now - timedelta(days=364))
    new = store.submit(replace(BASE, email="new.person@example.jp"), sid(), now=now - timedelta(days=1))
    # Inserted last (imported late, say): in a PostgreSQL page it then sits where compaction by a
    # plain VACUUM would not overwrite it, so only a real rewrite passes.
    old = store.submit(
        replace(BASE, email="old.person.furui@example.jp"),
        sid(),
        now=now - timedelta(days=400),
        notify_kinds=("staff_notice",),
    )
    assert b"old.person.furui@example.jp" in backend.raw_bytes()
    assert store.purge_older_than(365, now=now) == 1
    assert store.get(old.inquiry_id) is None
    assert store.get(edge.inquiry_id) is not None and store.get(new.inquiry_id) is not None
    assert b"old.person.furui@example.jp" not in backend.raw_bytes()
    assert store.pending_outbox(now=now + timedelta(days=1)) == []
    assert store.purge_older_than(365, now=now) == 0
    with pytest.raises(ValueError):
        store.purge_older_than(-1, now=now)


def _restarted(backend: Backend) -> InquiryStore:
    """The store as a restarted app sees it: a new object on the same database."""
    if backend.name == "duckdb":
        opened = backend._opened  # type: ignore[attr-defined]
        opened[0].close()
        fresh = DuckDBInquiryStore(backend.store.path)  # type: ignore[attr-defined]
        fresh.init_schema()
        opened[0] = fresh
        return fresh
    return backend.another()


def test_hourly_limit_per_address_survives_a_restart_and_lapses_after_the_hour(backend):
    limits = SubmitLimits(per_client_hour=2)
    start = utc_now()
    for i in range(2):
        backend.store.submit(person(i), sid(), client="198.51.100.7", limits=limits, now=start)
    store = _restarted(backend)
    with pytest.raises(RateLimited):
        store.submit(
            person(2), sid(), client="198.51.100.7", limits=limits, now=start + timedelta(minutes=59)
        )
    assert store.submit(person(3), sid(), client="198.51.100.8", limits=limits, now=start).created
    later = start + timedelta(minutes=61)
    assert store.submit(person(4), sid(), client="198.51.100.7", limits=limits, now=later).created
    assert store.count() == 4  # the refused one left nothing behind


def test_a_day_old_limit_key_leaves_the_files_at_the_purge(backend):
    """The hashed address is needed for an hour; the purge takes it out of the files after a day."""
    limits = SubmitLimits(per_client_hour=1)
    old = backend.store.submit(
        person(1), sid(), client="198.51.100.9", limits=limits, now=utc_now() - timedelta(hours=26)
    )
    backend.store.submit(person(2), sid(), client="198.51.100.10", limits=limits)
    old_key = limit_key("198.51.100.9").encode()
    assert old_key in backend.raw_bytes()
    assert backend.store.purge_older_than(365) == 0  # nothing is old enough to erase ...
    assert old_key not in backend.raw_bytes()  # ... but the day-old key is gone from the files
    store = backend.another()
    assert store.get(old.inquiry_id) is not None
    with pytest.raises(RateLimited):  # the recent key was kept: that address's hour still counts
        store.submit(person(3), sid(), client="198.51.100.10", limits=limits)


# -- inbox reads and export -----------------------------------------------------------------------------


def test_export_frame_has_every_row_verbatim_in_list_columns(backend):
    store = backend.store
    odd = replace(
        BASE,
        name='=HYPERLINK("http://x")',
        message="行1\n行2\t<b>**太字**</b> 🙂 ｶﾞ ｡",
        department="+SUM(A1)",
        email="odd@example.jp",
    )
    t0 = datetime(2025, 5, 1, tzinfo=UTC)
    results = [store.submit(person(i), sid(), now=t0 + timedelta(minutes=i)) for i in range(5)]
    odd_result = store.submit(odd, sid(), now=t0 + timedelta(hours=1))
    frame = store.export_frame(InboxQuery(sort="received_at", descending=False))
    assert tuple(frame.columns) == LIST_COLUMNS
    assert list(frame["receipt_no"]) == [r.receipt_no for r in results] + [odd_result.receipt_no]
    last = frame.iloc[-1]
    # The store keeps what was typed; neutralising formulas is the CSV writer's job.
    assert (last["name"], last["message"], last["department"]) == (odd.name, odd.message, odd.department)
    assert str(frame["received_at"].dt.tz) == "UTC"
    assert frame["received_at"].iloc[0].to_pydatetime() == t0


def test_list_page_filters_sorts_and_pages_in_the_database(backend):
    store = backend.store
    t0 = datetime(2025, 4, 1, 1, 0, tzinfo=UTC)
    for i in range(23):
        city = "横浜市" if i % 2 else "ＫＯＢＥ市"
        store.submit(person(i, municipality=city), sid(), now=t0 + timedelta(hours=i))
    store.update(5, status="answered")
    page = store.list_page(InboxQuery(page_size=10, page=3))
    assert (page.total, page.page, len(page.rows), page.page_count) == (23, 3, 3, 3)
    assert tuple(page.rows.columns) == LIST_COLUMNS
    clamped = store.list_page(InboxQuery(page_size=10, page=99))
    assert clamped.page == 3
    newest_first = store.list_page(InboxQuery(page_size=5))
    assert list(newest_first.rows["name"]) == [f"試験 {i:03d}" for i in (22, 21, 20, 19, 18)]
    # Width- and case-insensitive search: "kobe" finds the full-width ＫＯＢＥ市 rows.
    assert store.list_page(InboxQuery(search="kobe")).total == 12
    assert store.list_page(InboxQuery(search="kobe 試験 004")).total == 1
    assert store.list_page(InboxQuery(search="100%")).total == 0  # LIKE wildcards are literal
    answered = store.list_page(InboxQuery(status="answered"))
    assert answered.total == 1 and answered.rows["id"].iloc[0] == 5
    with pytest.raises(ValueError):
        store.list_page(InboxQuery(sort="email; DROP TABLE inquiries"))


def test_update_status_and_memo(backend):
    store = backend.store
    r = store.submit(person(1), sid())
    before = store.get(r.inquiry_id)
    store.update(r.inquiry_id, status="in_progress", memo="折り返し電話 済")
    after = store.get(r.inquiry_id)
    assert (after.status, after.memo) == ("in_progress", "折り返し電話 済")
    assert after.updated_at >= before.updated_at
    store.update(r.inquiry_id, status="answered")
    assert store.get(r.inquiry_id).memo == "折り返し電話 済"
    with pytest.raises(ValueError):
        store.update(r.inquiry_id, status="deleted")
    assert store.get(r.inquiry_id).status == "answered"
    assert store.get(999_999) is None


# -- PostgreSQL only: several processes ----------------------------------------------------------------


def test_postgres_outbox_lease_hands_each_row_to_one_sender(pg_server):
    b = _pg_backend(pg_server)
    try:
        senders = [b.store, b.another()]
        receipts = {
            b.store.submit(person(i), sid(), notify_kinds=("staff_notice",)).receipt_no for i in range(30)
        }
        taken: list[str] = []
        lock = threading.Lock()

        def drain(s: InquiryStore) -> None:
            while batch := s.pending_outbox(limit=4):
                for item in batch:
                    with lock:
                        taken.append(item.receipt_no)
                    s.mark_outbox_sent(item.id)

        threads = [threading.Thread(target=drain, args=(s,)) for s in senders for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(taken) == sorted(receipts)  # every row once, none twice
    finally:
        for s in b._opened:  # type: ignore[attr-defined]
            s.close()


def test_postgres_unreachable_is_a_plain_store_unavailable(pg_server):
    from tests.support import free_port

    settings = load_settings({"JICHITAI_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/x"})
    started = datetime.now(UTC)
    with pytest.raises(StoreUnavailable) as err:
        open_store(settings)
    assert "PostgreSQL" in str(err.value) and "postgres@" not in str(err.value)
    assert datetime.now(UTC) - started < timedelta(seconds=10)


def test_open_store_picks_postgres_from_the_url(pg_server):
    settings = load_settings({"JICHITAI_DATABASE_URL": pg_server.url})
    store = open_store(settings)
    try:
        assert isinstance(store, PostgresInquiryStore)
        assert isinstance(store, InquiryStore)
    finally:
        store.close()


def test_postgres_store_recovers_after_a_server_restart(pg_server):
    b = _pg_backend(pg_server)
    try:
        store = b.store
        # Fill the pool with idle connections, then restart the server under them.
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: store.submit(person(i), sid()), range(16)))
        pg_server.pg_ctl("restart", "-m", "fast", "-l", str(pg_server.data_dir.parent / "server.log"))
        # Every pooled connection is dead now; the next calls must reconnect, not fail.
        results = [store.submit(person(100 + i), sid()) for i in range(3)]
        assert all(r.created for r in results)
        assert store.count() == 19
        pg_server.pg_ctl("stop", "-m", "fast")
        try:
            with pytest.raises(StoreUnavailable):
                store.submit(person(200), sid())
        finally:
            pg_server.pg_ctl("start", "-l", str(pg_server.data_dir.parent / "server.log"))
        assert store.count() == 19
    finally:
        for s in b._opened:  # type: ignore[attr-defined]
            s.close()


def test_one_acknowledgement_per_recipient_a_day_and_notices_held_above_the_ceiling(backend):
    limits = SubmitLimits(per_client_hour=100, ack_per_recipient_day=1, notice_ceiling_hour=2)
    both = ("staff_notice", "ack")
    for i in range(3):  # the same sender three times, from three addresses
        backend.store.submit(
            person(1), sid(), client=f"198.51.100.{20 + i}", limits=limits, notify_kinds=both
        )
    kinds = sorted(item.kind for item in backend.store.pending_outbox(now=utc_now() + timedelta(minutes=1)))
    assert kinds == ["ack", "staff_notice", "staff_notice"]  # 1 ack; the third notice is held
    assert backend.store.take_held_notices() == 1
