"""PostgreSQL that fails fast: a REAL test cluster frozen with SIGSTOP, then thawed (issue 10).

A frozen server still ACKs TCP (the kernel answers for it), so only client-side deadlines can
notice; the person must see a clear message within 10 s, keep their input, and the store must
work again after SIGCONT without a restart.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from jichitai_metrics.errors import StoreUnavailable
from jichitai_metrics.inquiries import NewInquiry
from jichitai_metrics.inquiries.postgres_store import PostgresInquiryStore
from tests.servers import PgServer, postgres_server
from tests.support import REPO_ROOT, submit_inquiry_form

BASE = NewInquiry("記事", "架空市", "企画課", "試験 太郎", "03-1234-5678", "frozen@example.jp", "質問", True)
LIMIT_S = 10.0


@pytest.fixture(scope="module")
def pg():
    with postgres_server() as server:
        yield server


def _cluster_pids(server: PgServer) -> list[int]:
    pid = int((server.data_dir / "postmaster.pid").read_text().split()[0])
    kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid, *map(int, kids)]


@contextlib.contextmanager
def frozen(server: PgServer) -> Iterator[None]:
    """SIGSTOP the postmaster and every backend; SIGCONT them afterwards, whatever happens."""
    pids = _cluster_pids(server)
    for p in pids:
        os.kill(p, signal.SIGSTOP)
    try:
        yield
    finally:
        for p in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGCONT)


def _db(server: PgServer) -> str:
    name = "f_" + uuid.uuid4().hex[:10]
    server.psql(f"CREATE DATABASE {name}", db="postgres")
    return server.url.rsplit("/", 1)[0] + "/" + name


def test_frozen_server_gives_a_clear_error_within_10_s_and_recovers(pg):
    store = PostgresInquiryStore(_db(pg))
    try:
        store.init_schema()
        for _ in range(3):
            store.submit(BASE, uuid.uuid4().hex)
        with frozen(pg):
            for call in (lambda: store.submit(BASE, uuid.uuid4().hex), store.ping, store.count):
                started = time.monotonic()
                with pytest.raises(StoreUnavailable) as err:
                    call()
                took = time.monotonic() - started
                assert took < LIMIT_S, f"{took:.1f} s"
                assert "応答しません" in str(err.value) or "接続できません" in str(err.value)
        # Thawed: the same store object works again (no restart), quickly.
        deadline = time.monotonic() + 15
        while True:
            try:
                assert store.submit(BASE, uuid.uuid4().hex).created
                break
            except StoreUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        assert store.count() == 4
    finally:
        store.close()


def test_pool_connections_have_timeouts_and_keepalives(pg):
    store = PostgresInquiryStore(_db(pg))
    try:
        store.init_schema()
        got = store._run(
            lambda c: (
                c.execute("SHOW statement_timeout").fetchone()[0],
                c.execute("SHOW lock_timeout").fetchone()[0],
                c.info.get_parameters().get("keepalives"),
                c.info.get_parameters().get("connect_timeout"),
            )
        )
        assert got == ("30s", "5s", "1", "3")
        from psycopg_pool import ConnectionPool

        assert isinstance(store._pool, ConnectionPool)
    finally:
        store.close()


def test_the_form_says_so_within_10_s_and_keeps_the_input(pg, monkeypatch, tmp_path):
    url = _db(pg)
    monkeypatch.setenv("JICHITAI_DATABASE_URL", url)
    monkeypatch.setenv("JICHITAI_DB_PATH", str(tmp_path / "unused.duckdb"))
    PostgresInquiryStore(url).init_schema()
    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/inquiry.py")
    at.run()
    fields = {
        "municipality": "架空市",
        "department": "企画課",
        "name": "凍結 花子",
        "phone": "03-1234-5678",
        "email": "hanako@example.jp",
        "message": "凍結中の送信",
    }
    submit_inquiry_form(at, fields)
    assert [b.label for b in at.button] == ["戻る", "送信"]
    with frozen(pg):
        started = time.monotonic()
        next(b for b in at.button if b.label == "送信").click().run()
        took = time.monotonic() - started
    assert took < LIMIT_S, f"{took:.1f} s"
    assert not at.exception
    assert any("送信できませんでした" in e.value and "入力内容は保持しています" in e.value for e in at.error)
    assert [b.label for b in at.button] == ["戻る", "送信"]  # still on the confirmation screen
    assert "凍結 花子" in [t.value for t in at.text]
    # Thawed: pressing 送信 again sends it.
    deadline = time.monotonic() + 20
    while not at.code:
        next(b for b in at.button if b.label == "送信").click().run()
        if time.monotonic() > deadline:
            break
    assert at.code and any("受け付けました" in s.value for s in at.success)
