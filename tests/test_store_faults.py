"""The inquiry store under faults: a REAL full file system, storage errors, file modes (issue 10).

The full-disk tests mount a size-limited tmpfs made by the test (CI runs as root); where mounting
is impossible they skip and say why. Nothing is simulated: DuckDB meets ENOSPC from the kernel.
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from jichitai_metrics.errors import ErasureIncomplete, StoreUnavailable
from jichitai_metrics.inquiries import InboxQuery, NewInquiry
from jichitai_metrics.inquiries.duckdb_store import DuckDBInquiryStore

BASE = NewInquiry(
    "記事", "架空市", "企画課", "試験 太郎", "03-1234-5678", "someone@example.jp", "質問です。" * 40, True
)
VICTIM = "victim-erase@example.jp"


@contextlib.contextmanager
def small_fs(where: Path, size: str = "6m") -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a size-limited tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(fs: Path, leave: int) -> Path:
    """Fill the file system until only `leave` bytes are free (returns the filler file)."""
    st = os.statvfs(fs)
    free = st.f_bavail * st.f_frsize
    filler = fs / "filler"
    with filler.open("wb") as fh:
        fh.write(b"\0" * max(0, free - leave))
    return filler


def hits(folder: Path, needle: bytes) -> int:
    return sum(p.read_bytes().count(needle) for p in folder.iterdir() if p.is_file() and p.name != "filler")


def stocked(path: Path, n: int = 300) -> DuckDBInquiryStore:
    store = DuckDBInquiryStore(path)
    store.init_schema()
    for i in range(n):
        store.submit(replace(BASE, email=f"p{i}@example.jp"), uuid.uuid4().hex)
    store.submit(replace(BASE, email=VICTIM), uuid.uuid4().hex)
    store._con.execute("CHECKPOINT")
    return store


def test_erasure_on_a_full_disk_says_so_keeps_the_old_file_and_finishes_later(tmp_path):
    with small_fs(tmp_path / "fs") as fs:
        path = fs / "state" / "inquiries.duckdb"
        store = stocked(path)
        before = path.read_bytes()
        filler = fill(fs, leave=100_000)
        with pytest.raises(ErasureIncomplete) as err:
            store.erase_person(VICTIM)
        assert "未完了" in str(err.value) and "もう一度消去する" in str(err.value)
        # Old file untouched (the DELETE never ran on it), no half-written file left behind.
        assert path.read_bytes() == before
        assert sorted(p.name for p in path.parent.iterdir()) in (
            ["inquiries.duckdb"],
            ["inquiries.duckdb", "inquiries.duckdb.wal"],
        )
        # The person's rows still match (so staff see them), and the request is pending.
        assert len(store.export_frame(InboxQuery(search=VICTIM))) == 1
        pending = store.pending_erasures()
        assert len(pending) == 1 and pending["attempts"].iloc[0] == 1
        # Other people can still send while the disk is full? At least the store keeps working
        # once space is back, without a restart:
        filler.unlink()
        assert store.submit(replace(BASE, email="after@example.jp"), uuid.uuid4().hex).created
        assert store.retry_erasures() == 1
        assert store.pending_erasures().empty
        assert len(store.export_frame(InboxQuery(search=VICTIM))) == 0
        store.close()
        assert hits(path.parent, b"victim-erase") == 0
        reopened = DuckDBInquiryStore(path)
        reopened.init_schema()
        assert reopened.count() == 301  # 300 + "after"; the victim is gone, nobody else is
        reopened.close()


def test_retry_works_when_no_row_matches_any_more(tmp_path):
    """The old failure mode: DELETE committed, rewrite failed, bytes left, 0 matches, button disabled."""
    path = tmp_path / "inquiries.duckdb"
    store = stocked(path, n=20)
    con = store._con
    con.execute("DELETE FROM outbox")
    con.execute("DELETE FROM inquiries WHERE email_key = ?", [VICTIM])
    con.execute("INSERT INTO erasure_requests VALUES (?, now(), 1, 'disk full')", [VICTIM])
    con.execute("CHECKPOINT")
    assert hits(path.parent, b"victim-erase") > 0  # what a plain DELETE leaves behind
    assert len(store.export_frame(InboxQuery(search=VICTIM))) == 0
    assert store.retry_erasures() == 0  # 0 rows, but the file was still rewritten
    store.close()
    assert hits(path.parent, b"victim-erase") == 0


def test_store_reopens_by_itself_after_a_storage_error(tmp_path):
    with small_fs(tmp_path / "fs", size="4m") as fs:
        path = fs / "state" / "inquiries.duckdb"
        store = stocked(path, n=50)
        filler = fill(fs, leave=60_000)
        # Enough new rows that the checkpoint must grow the file: DuckDB invalidates the database.
        with contextlib.suppress(StoreUnavailable):
            for i in range(400):
                store.submit(replace(BASE, email=f"q{i}@example.jp"), uuid.uuid4().hex)
        with contextlib.suppress(duckdb.Error):
            store._con.execute("CHECKPOINT")
        with pytest.raises(StoreUnavailable):
            for i in range(5):
                store.submit(replace(BASE, email=f"r{i}@example.jp"), uuid.uuid4().hex)
            store.ping()
        filler.unlink()
        import time

        time.sleep(1.1)  # reopen attempts are at most once a second
        store.ping()
        assert store.submit(replace(BASE, email="back@example.jp"), uuid.uuid4().hex).created
        store.close()


def test_ping_warns_when_the_disk_is_nearly_full(tmp_path):
    with small_fs(tmp_path / "fs") as fs:
        store = stocked(fs / "state" / "inquiries.duckdb", n=5)
        store.ping()
        filler = fill(fs, leave=200_000)
        with pytest.raises(StoreUnavailable) as err:
            store.ping()
        assert "空き容量" in str(err.value)
        filler.unlink()
        store.ping()
        store.close()


def test_files_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "new-state" / "sub" / "inquiries.duckdb"
        store = DuckDBInquiryStore(path)
        store.init_schema()
        store.submit(BASE, uuid.uuid4().hex)
        wal = Path(str(path) + ".wal")
        assert wal.exists()
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (path.parent.parent, path.parent, path, wal)}
        assert modes == {
            "new-state": 0o700,
            "sub": 0o700,
            "inquiries.duckdb": 0o600,
            "inquiries.duckdb.wal": 0o600,
        }
        store.erase_person(BASE.email)  # the rewritten file is private too
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        store.close()
        # A file made before this rule is tightened when the store opens it.
        path.chmod(0o644)
        DuckDBInquiryStore(path).close()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_systemd_unit_sets_a_private_umask(repo_root):
    unit = (repo_root / "deploy" / "systemd" / "jichitai@.service").read_text()
    assert "UMask=0077" in unit
    assert "check-config" in unit  # a bad setting stops the unit before it serves anything


def test_duckdb_limit_counts_per_address_and_never_refuses_a_resend(tmp_path):
    from jichitai_metrics.inquiries.store import RateLimited, SubmitLimits

    store = DuckDBInquiryStore(tmp_path / "limits.duckdb")
    store.init_schema()
    limits = SubmitLimits(per_client_hour=3)
    sids = [uuid.uuid4().hex for _ in range(3)]
    first = [
        store.submit(replace(BASE, email=f"l{i}@example.jp"), s, client="203.0.113.1", limits=limits)
        for i, s in enumerate(sids)
    ]
    with pytest.raises(RateLimited):
        store.submit(BASE, uuid.uuid4().hex, client="203.0.113.1", limits=limits)
    assert store.count() == 3  # the refused one was rolled back
    again = store.submit(replace(BASE, email="l0@example.jp"), sids[0], client="203.0.113.1", limits=limits)
    assert (again.receipt_no, again.created) == (first[0].receipt_no, False)
    assert store.submit(BASE, uuid.uuid4().hex, client="203.0.113.2", limits=limits).created
    store.close()
