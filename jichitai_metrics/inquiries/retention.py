"""The retention purge: runs by itself (daily, in the app) and from `python -m jichitai_metrics purge`.

Every run, successful or not, is recorded in the store's maintenance_runs table (kind, trigger,
start, end, rows erased, error; no personal data), which the daily schedule reads, and in the
audit log (issue 9) as a "purge" row: runs started by staff are audited by the inbox under the
person's name; the daily and CLI runs here under SYSTEM_ACTORS.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from jichitai_metrics.errors import StoreUnavailable
from jichitai_metrics.inquiries.audit import AuditEntry
from jichitai_metrics.inquiries.model import utc_now
from jichitai_metrics.inquiries.store import InquiryStore, MaintenanceRun

log = logging.getLogger(__name__)

# The in-app purge looks this often whether a day has passed since the last successful purge.
CHECK_INTERVAL_S = 3600.0
PURGE_EVERY = timedelta(hours=24)
# Who the audit log names for runs nobody clicked.
SYSTEM_ACTORS = {"daily": "自動（毎日の保存期間削除）", "cli": "コマンド（python -m jichitai_metrics purge）"}


@dataclass(frozen=True)
class PurgeOutcome:
    """What one purge did: rows erased, or the error that stopped it (already recorded)."""

    erased: int
    error: str | None = None


def run_purge(store: InquiryStore, days: int, *, trigger: str) -> PurgeOutcome:
    """Erase inquiries older than `days` days and record the run (also when it fails)."""
    started = utc_now()
    try:
        erased = store.purge_older_than(days)
        error = None
    except StoreUnavailable as exc:
        erased, error = 0, str(exc)[:300]
    try:
        store.record_run(MaintenanceRun("purge", trigger, started, utc_now(), erased, error))
        if trigger in SYSTEM_ACTORS:
            detail = f"rows={erased} older_than_days={days}" + (" failed" if error else "")
            store.append_audit(AuditEntry(actor=SYSTEM_ACTORS[trigger], action="purge", address="-",
                                          detail=detail))
    except StoreUnavailable:
        log.warning("retention purge ran but could not be recorded (store unavailable)")
    log.info("retention purge (%s): %d erased%s", trigger, erased, f", failed: {error}" if error else "")
    return PurgeOutcome(erased, error)


def purge_due(store: InquiryStore) -> bool:
    """True when no successful purge was recorded in the last PURGE_EVERY."""
    last = store.last_run("purge")
    return last is None or utc_now() - last >= PURGE_EVERY


class _DailyPurge:
    def __init__(self, store: InquiryStore, days: int, interval: float):
        self.store, self.days, self.interval = store, days, interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="jichitai-purge", daemon=True)

    def _loop(self) -> None:
        while not self.stop.is_set():
            try:
                if purge_due(self.store):
                    run_purge(self.store, self.days, trigger="daily")
            except Exception as exc:  # noqa: BLE001 - a database hiccup must not end the schedule
                log.warning("daily purge check failed: %s", type(exc).__name__)
            self.stop.wait(self.interval)


_daily: _DailyPurge | None = None
_daily_lock = threading.Lock()


def start_daily_purge(store: InquiryStore, days: int, interval: float = CHECK_INTERVAL_S) -> None:
    """Start (once per store) the thread that purges when a day has passed since the last purge."""
    global _daily
    with _daily_lock:
        if _daily is not None and _daily.store is store and _daily.thread.is_alive():
            _daily.days = days
            return
        if _daily is not None:
            _daily.stop.set()
        _daily = _DailyPurge(store, days, interval)
        _daily.thread.start()


def stop_daily_purge() -> None:
    """Stop the thread (tests)."""
    global _daily
    with _daily_lock:
        if _daily is not None:
            _daily.stop.set()
            _daily = None
