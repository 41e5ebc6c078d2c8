"""The inquiry store (DuckDB backend): exactly once, concurrency, crash safety, real erasure, paging."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from jichitai_metrics.config import load_settings
from jichitai_metrics.errors import StoreUnavailable
from jichitai_metrics.inquiries import InboxQuery, NewInquiry, open_store
from jichitai_metrics.inquiries.duckdb_store import DuckDBInquiryStore
from jichitai_metrics.inquiries.store import InvalidInquiry
from tests.support import REPO_ROOT


def person(i: int = 0, **over) -> NewInquiry:
    values = dict(
        article_title="【セミナーレポート】令和5年度予算×DX/Day1",
        municipality="福岡市",
        department="デジタル推進課",
        name=f"自治 太郎{i}",
        phone="092-716-1480",
        email=f"taro{i}@city.example.lg.jp",
        message=f"質問{i}です。",
        consent=True,
    )
    values.update(over)
    return NewInquiry(**values)


@pytest.fixture()
def store(tmp_db_path):
    s = DuckDBInquiryStore(tmp_db_path)
    s.init_schema()
    yield s
    s.close()


def file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    wal = Path(str(path) + ".wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_schema_init_is_repeatable_and_versioned(tmp_db_path):
    s = DuckDBInquiryStore(tmp_db_path)
    s.init_schema()
    s.submit(person(), "a")
    s.init_schema()
    s.close()
    s = DuckDBInquiryStore(tmp_db_path)
    s.init_schema()
    assert s.count() == 1
    s.close()
    con = duckdb.connect(str(tmp_db_path), read_only=True)
    assert con.execute("SELECT version FROM schema_version ORDER BY version").fetchall() == [
        (1,),
        (2,),
        (3,),
        (4,),
    ]
    con.close()


def test_repeat_of_a_submission_id_returns_the_original_receipt(store):
    first = store.submit(person(), "same-id", notify_kinds=("staff_notice",))
    again = store.submit(person(), "same-id", notify_kinds=("staff_notice",))
    assert first.created and not again.created
    assert (again.inquiry_id, again.receipt_no) == (first.inquiry_id, first.receipt_no)
    assert store.count() == 1
    assert len(store.pending_outbox()) == 1  # the repeat queued no second notification


def test_stores_exactly_what_was_typed(store):
    typed = person(phone="０９０ー１２３４ー５６７８", email="ＴＡＲＯ＠example.jp", name="  山田\u3000花子 ")
    got = store.get(store.submit(typed, "x").inquiry_id)
    assert (got.phone, got.email, got.name) == (typed.phone, typed.email, typed.name)
    assert got.status == "new" and got.memo == "" and got.received_at.tzinfo is not None


def test_invalid_inquiry_is_refused_by_the_store_itself(store):
    with pytest.raises(InvalidInquiry) as info:
        store.submit(person(name="   ", consent=False), "bad")
    assert set(info.value.errors) == {"name", "consent"}
    assert store.count() == 0


def test_fifty_concurrent_submissions_none_lost_or_duplicated(store):
    results, errors = [], []
    barrier = threading.Barrier(50)

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results.append(store.submit(person(i), f"sub-{i}"))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count() == 50
    assert len({r.receipt_no for r in results}) == 50
    frame = store.export_frame(InboxQuery())
    assert sorted(frame["email"]) == sorted(f"taro{i}@city.example.lg.jp" for i in range(50))


def test_fifty_concurrent_repeats_of_one_submission_make_one_row(store):
    results = []
    barrier = threading.Barrier(50)

    def worker() -> None:
        barrier.wait()
        results.append(store.submit(person(), "double-click"))

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.count() == 1
    assert len({r.receipt_no for r in results}) == 1
    assert sum(r.created for r in results) == 1


CHILD = textwrap.dedent(
    """
    import sys
    from jichitai_metrics.inquiries import NewInquiry
    from jichitai_metrics.inquiries.duckdb_store import DuckDBInquiryStore
    s = DuckDBInquiryStore(sys.argv[1]); s.init_schema()
    i = 0
    while True:
        r = s.submit(NewInquiry("t", "m", "d", "n", "03-1234-5678", f"k{i}@example.jp", "q", True), """
    """f"kill-{i}")
        print(r.receipt_no, flush=True)   # acknowledged only after commit returned
        i += 1
"""
)


def test_sigkill_during_a_burst_loses_no_acknowledged_inquiry(tmp_db_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_db_path)],
        stdout=subprocess.PIPE,
        cwd=REPO_ROOT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    acknowledged = []
    deadline = time.time() + 60
    while len(acknowledged) < 300 and time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acknowledged.append(line.strip())
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    acknowledged += [line.strip() for line in proc.stdout.read().splitlines() if line.strip()]
    assert len(acknowledged) >= 300, "the child did not get going"
    s = DuckDBInquiryStore(tmp_db_path)
    stored = set(s.export_frame(InboxQuery())["receipt_no"])
    s.close()
    assert set(acknowledged) <= stored


def test_erase_person_removes_the_bytes_from_the_files(store, tmp_db_path):
    secret = "erase.me.please@example.jp"
    store.submit(person(1, email=secret, message="消してほしい相談 ZQXJ-7781"), "e1")
    store.submit(person(2, email=secret.upper()), "e2")
    keep = store.submit(person(3), "keep")
    store.update(keep.inquiry_id, memo="残すメモ")
    # Checkpoint so the rows are certainly in the main file, as after a long-running app.
    with store._cursor() as cur:
        cur.execute("CHECKPOINT")
    assert secret.encode() in file_bytes(tmp_db_path)
    assert store.erase_person("ＥＲＡＳＥ.me.please＠example.jp") == 2
    data = file_bytes(tmp_db_path)
    for gone in (secret, secret.upper(), "ZQXJ-7781"):
        assert gone.encode() not in data
    assert store.count() == 1
    assert store.get(keep.inquiry_id).memo == "残すメモ"
    assert b"taro3@city.example.lg.jp" in tmp_db_path.read_bytes()
    # The store keeps working after the rewrite, and ids are not reused.
    later = store.submit(person(4), "after")
    assert later.inquiry_id > keep.inquiry_id


def test_plain_delete_would_have_left_the_bytes(tmp_path):
    # Guards the premise of the rewrite: if DuckDB ever erases on DELETE, this test says so.
    path = tmp_path / "plain.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (e VARCHAR)")
    con.execute("INSERT INTO t VALUES ('leftover.bytes@example.jp'), ('kept@example.jp')")
    con.execute("CHECKPOINT")
    con.execute("DELETE FROM t WHERE e LIKE 'leftover%'")
    con.execute("CHECKPOINT")
    con.close()
    assert b"leftover.bytes@example.jp" in path.read_bytes()


def test_submissions_during_an_erasure_are_not_lost(store):
    for i in range(200):
        store.submit(person(i, email="bulk@example.jp"), f"old-{i}")
    stop = threading.Event()
    done, errors, started = [], [], []

    def writer(w: int) -> None:
        n = 0
        while not stop.is_set():
            try:
                started.append(time.monotonic())
                done.append(store.submit(person(1000 + n, email=f"w{w}-{n}@example.jp"), f"w{w}-{n}"))
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            n += 1

    def wait_until(predicate, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, "the writers made no progress"
            time.sleep(0.005)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    wait_until(lambda: len(done) >= 8)  # writers are running before the erasure starts
    erase_from = time.monotonic()
    assert store.erase_person("bulk@example.jp") == 200
    erase_to = time.monotonic()
    after = len(done)
    wait_until(lambda: len(done) >= after + 8)  # and keep going after it
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    # The point of the test: submissions were attempted while the erasure ran (not only around it).
    during = [t for t in started if erase_from <= t <= erase_to]
    assert during, "no submission overlapped the erasure: the test proved nothing"
    stored = set(store.export_frame(InboxQuery())["receipt_no"])
    assert {r.receipt_no for r in done} == stored
    assert len(done) > 0


def test_retention_purge_erases_old_inquiries_physically(store, tmp_db_path):
    now = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)
    store.submit(person(1, email="old.one@example.jp"), "old", now=now - timedelta(days=400))
    store.submit(person(2, email="new.one@example.jp"), "new", now=now - timedelta(days=10))
    assert store.purge_older_than(365, now=now) == 1
    assert b"old.one@example.jp" not in file_bytes(tmp_db_path)
    assert list(store.export_frame(InboxQuery())["email"]) == ["new.one@example.jp"]


def test_search_is_width_dash_and_case_insensitive(store):
    store.submit(person(1, municipality="ＡＢＣ町", phone="０９０－１２３４－５６７８"), "w1")
    store.submit(person(2, municipality="abc村", message="100%_done"), "w2")
    store.submit(person(3, municipality="北九州市"), "w3")
    assert store.list_page(InboxQuery(search="abc")).total == 2
    assert store.list_page(InboxQuery(search="ＡＢＣ 町")).total == 1
    assert store.list_page(InboxQuery(search="090-1234")).total == 1
    assert store.list_page(InboxQuery(search="090ー1234")).total == 1
    # LIKE wildcards in the search are literal
    assert store.list_page(InboxQuery(search="%_")).total == 1
    assert store.list_page(InboxQuery(search="0%d")).total == 0


def test_paging_sorting_and_filters(store):
    base = datetime(2025, 4, 1, 0, 0, tzinfo=UTC)
    for i in range(7):
        store.submit(person(i, municipality=f"市{i}"), f"p{i}", now=base + timedelta(hours=6 * i))
    page = store.list_page(InboxQuery(page=2, page_size=3))
    assert (page.total, page.page, page.page_count, len(page.rows)) == (7, 2, 3, 3)
    assert list(page.rows["municipality"]) == ["市3", "市2", "市1"]
    last = store.list_page(InboxQuery(page=99, page_size=3))
    assert last.page == 3 and list(last.rows["municipality"]) == ["市0"]
    asc = store.list_page(InboxQuery(sort="municipality", descending=False, page_size=2))
    assert list(asc.rows["municipality"]) == ["市0", "市1"]
    # JST calendar days: 2025-04-01 09:00 JST is i=0; 2025-04-02 JST starts at 2025-04-01 15:00 UTC.
    day2 = store.list_page(InboxQuery(received_from=date(2025, 4, 2), received_to=date(2025, 4, 2)))
    assert sorted(day2.rows["municipality"]) == ["市3", "市4", "市5", "市6"]
    store.update(int(page.rows["id"].iloc[0]), status="answered", memo="済")
    answered = store.list_page(InboxQuery(status="answered"))
    assert answered.total == 1 and answered.rows["memo"].iloc[0] == "済"
    with pytest.raises(ValueError):
        store.list_page(InboxQuery(sort="name; DROP TABLE inquiries"))
    with pytest.raises(ValueError):
        store.update(1, status="closed")


def test_outbox_lifecycle(store):
    r = store.submit(person(), "o", notify_kinds=("staff_notice", "ack"))
    items = store.pending_outbox()
    assert [(i.kind, i.receipt_no) for i in items] == [("staff_notice", r.receipt_no), ("ack", r.receipt_no)]
    assert items[1].recipient == "taro0@city.example.lg.jp" and items[0].recipient is None
    store.mark_outbox_sent(items[0].id)
    later = datetime.now(UTC) + timedelta(minutes=5)
    store.mark_outbox_failed(items[1].id, "connection refused", later)
    assert store.pending_outbox() == []
    assert [i.id for i in store.pending_outbox(now=later)] == [items[1].id]
    failed = store.failed_outbox()
    assert list(failed["receipt_no"]) == [r.receipt_no] and "recipient" not in failed.columns
    assert store.erase_person("taro0@city.example.lg.jp") == 1
    assert store.pending_outbox(now=later) == []


def test_open_store_reports_a_locked_file_in_japanese(tmp_db_path, tmp_path):
    tmp_db_path.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('locked', flush=True); time.sleep(60)",
            str(tmp_db_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        settings = load_settings({"JICHITAI_DB_PATH": str(tmp_db_path)})
        with pytest.raises(StoreUnavailable) as info:
            open_store(settings)
        assert "別のプログラム" in str(info.value)
    finally:
        holder.kill()
        holder.wait()
    open_store(load_settings({"JICHITAI_DB_PATH": str(tmp_db_path)})).close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_open_store_reports_a_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(StoreUnavailable) as info:
            open_store(load_settings({"JICHITAI_DB_PATH": str(ro / "x.duckdb")}))
        assert "書き込めません" in str(info.value) or "開けません" in str(info.value)
    finally:
        ro.chmod(0o700)


def test_open_store_reports_an_unusable_location(tmp_path):
    # Works as root too: the "directory" is a regular file, so nothing can be created under it.
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(StoreUnavailable) as info:
        open_store(load_settings({"JICHITAI_DB_PATH": str(blocker / "x.duckdb")}))
    assert "書き込めません" in str(info.value)


def test_newest_pages_of_a_large_inbox_match_a_full_sort(tmp_db_path):
    """The first pages read only the newest row groups (duckdb_store._newest_bound); they must be
    exactly the pages a full sort gives, with ties on received_at and rows stored out of order."""
    s = DuckDBInquiryStore(tmp_db_path)
    s.init_schema()
    n = 30_000
    with s._cursor() as cur:  # bulk load: a test fixture, not an API
        cur.execute(
            """INSERT INTO inquiries (receipt_no, submission_id, received_at, article_title, municipality,
                   department, name, phone, email, message, consent_at, privacy_notice_version, status,
                   memo, updated_at, email_key, search_text)
               SELECT 'R' || i, 'S' || i,
                      -- three rows a minute share a timestamp, every 97th arrives from the past, and
                      -- the last 1,000 come one per 2 hours: a guess from the average rate falls short
                      CASE WHEN i % 97 = 0 THEN TIMESTAMP '2024-01-01' + (i % 500) * INTERVAL 1 MINUTE
                           WHEN i < 29000 THEN TIMESTAMP '2024-01-01' + (i // 3) * INTERVAL 1 MINUTE
                           ELSE TIMESTAMP '2024-03-01' + (i - 29000) * INTERVAL 2 HOUR END,
                      't', 'm', 'd', 'n', '03-1234-5678', 'e', 'msg', TIMESTAMP '2024-01-01', 'v', 'new',
                      '', TIMESTAMP '2024-01-01', 'k', 's'
               FROM range(?) t(i)""",
            [n],
        )
        cur.execute("CHECKPOINT")
        expected = [
            r[0]
            for r in cur.execute(
                "SELECT receipt_no FROM inquiries ORDER BY received_at DESC, id DESC LIMIT 500"
            ).fetchall()
        ]
    for page in range(1, 11):
        got = s.list_page(InboxQuery(page=page, page_size=50))
        assert got.total == n
        assert list(got.rows["receipt_no"]) == expected[(page - 1) * 50 : page * 50], page
    s.close()
