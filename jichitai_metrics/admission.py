"""Admission of new sessions past a process's measured capacity (no Streamlit here: tested directly).

A Streamlit process runs every session's script on one interpreter, so past some number of planners
working at once every page slows down for everyone (bench/load.py: the p95 goes from a fraction of
a second to many seconds). Rather than let a newcomer watch a long spinner and slow the others
further, a session that is new while the process already has `limit` active sessions is told the
service is busy and offered a retry. A session once admitted is never turned away later (a planner
in the middle of work keeps working); a session counts as active while it ran a page within the
last `window` seconds, so closed tabs and idle readers free their place by themselves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Admission:
    """Counts sessions active in the last `window` seconds; admits a new one only below `limit`."""

    def __init__(
        self, limit: int, window: float = 120.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._last_run: dict[str, float] = {}
        self._lock = threading.Lock()

    def active(self) -> int:
        """Sessions that ran a page within the window (expired ones are forgotten here)."""
        with self._lock:
            return self._prune(self.clock())

    def _prune(self, now: float) -> int:
        stale = [k for k, t in self._last_run.items() if now - t > self.window]
        for k in stale:
            del self._last_run[k]
        return len(self._last_run)

    def enter(self, key: str, admitted_before: bool) -> bool:
        """Record a run of session `key`; False means: new session, process full, show the notice."""
        with self._lock:
            now = self.clock()
            count = self._prune(now)
            if admitted_before or key in self._last_run or self.limit <= 0 or count < self.limit:
                self._last_run[key] = now
                return True
            return False
