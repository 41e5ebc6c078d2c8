"""Audit log and sign-in throttle in the inquiry store, against both backends (DuckDB and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from jichitai_metrics.inquiries.audit import AuditEntry
from jichitai_metrics.staffauth import FREE_FAILURES, GLOBAL_LIMIT, throttle_state
from tests.test_store_backends import backend, person, pg_server, sid  # noqa: F401 - fixtures reused

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_failures_are_counted_per_address_and_globally(backend):  # noqa: F811
    s = backend.store
    for i in range(FREE_FAILURES):
        s.record_sign_in_failure("203.0.113.5", now=T0 + timedelta(seconds=i))
    s.record_sign_in_failure("198.51.100.7", now=T0)
    f = s.sign_in_failures("203.0.113.5", now=T0 + timedelta(seconds=10))
    assert (f.address_count, f.global_last_hour) == (FREE_FAILURES, FREE_FAILURES + 1)
    assert f.address_last == T0 + timedelta(seconds=FREE_FAILURES - 1)
    assert throttle_state(f, T0 + timedelta(seconds=10)).address_until is not None
    # Another store object on the same database (another process/replica) sees the same counts.
    other = backend.another()
    assert (
        other.sign_in_failures("203.0.113.5", now=T0 + timedelta(seconds=10)).address_count == FREE_FAILURES
    )
    # A success clears only that address.
    s.clear_sign_in_failures("203.0.113.5")
    f = s.sign_in_failures("203.0.113.5", now=T0 + timedelta(seconds=10))
    assert (f.address_count, f.global_last_hour) == (0, 1)


def test_old_failures_stop_counting_and_are_dropped(backend):  # noqa: F811
    s = backend.store
    s.record_sign_in_failure("203.0.113.5", now=T0)
    later = T0 + timedelta(hours=25)
    assert s.sign_in_failures("203.0.113.5", now=later).address_count == 0
    s.record_sign_in_failure("203.0.113.9", now=later)  # prunes rows older than a day
    assert s.sign_in_failures("203.0.113.5", now=T0, window=timedelta(days=30)).address_count == 0


def test_global_pause_after_fifty_an_hour(backend):  # noqa: F811
    s = backend.store
    for i in range(GLOBAL_LIMIT):
        s.record_sign_in_failure(f"10.0.{i // 200}.{i % 200}", now=T0 + timedelta(seconds=i))
    now = T0 + timedelta(minutes=5)
    state = throttle_state(s.sign_in_failures("192.0.2.1", now=now), now)
    assert state.address_until is None and state.global_until == T0 + timedelta(hours=1)
    assert (
        throttle_state(
            s.sign_in_failures("192.0.2.1", now=T0 + timedelta(hours=2)), T0 + timedelta(hours=2)
        ).blocked_until
        is None
    )


def test_audit_rows_are_kept_newest_first_and_survive_erasure(backend):  # noqa: F811
    s = backend.store
    r = s.submit(person(1), sid())
    s.append_audit(AuditEntry("staff@city.example.lg.jp", "view", "203.0.113.5", (r.receipt_no,), at=T0))
    s.append_audit(AuditEntry("共有パスワード", "export", "203.0.113.5", (), "rows=1 status=all", at=T0))
    assert s.erase_person(person(1).email) == 1
    s.append_audit(AuditEntry("staff@city.example.lg.jp", "erase", "203.0.113.5", (r.receipt_no,), "rows=1"))
    df = s.audit_frame()
    assert list(df["action"]) == ["erase", "export", "view"]
    assert list(df["receipts"]) == [r.receipt_no, "", r.receipt_no]
    assert df["at"].iloc[-1] == T0 and str(df["at"].dt.tz) == "UTC"
    # Nothing personal of the erased person is in the log, and the erasure kept the log.
    text = df.to_csv()
    assert person(1).email not in text and person(1).name not in text
    assert len(s.audit_frame(limit=1)) == 1


def test_unknown_audit_action_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown audit action"):
        AuditEntry("x", "drop_table", "127.0.0.1")


def test_postgres_audit_log_refuses_update_and_delete(pg_server):  # noqa: F811
    from tests.test_store_backends import _pg_backend

    b = _pg_backend(pg_server)
    b.store.append_audit(AuditEntry("a@x.jp", "sign_in", "127.0.0.1", at=T0))
    url = b.store._url  # type: ignore[attr-defined]
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("UPDATE audit_log SET actor = 'someone else'")
        con.execute("DELETE FROM audit_log")
    assert list(b.store.audit_frame()["actor"]) == ["a@x.jp"]
    b.store.close()
