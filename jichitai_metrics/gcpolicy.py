"""Garbage collection for a server holding many sessions: a full collection per interval, not per run.

Streamlit's default (`runner.postScriptGC = true`) runs `gc.collect(2)` after every script run. A
full collection walks every live container object, and the live objects grow with the sessions
held, so its cost per run grows with the sessions and its cost per second with sessions x runs: at
25 planners it was 35-92% of the server's interpreter time (bench/load.py --profile, see
deploy/README.md). The project turns it off in `.streamlit/config.toml` and instead:

- keeps Python's own generational collection (young objects are collected often and cheaply; a
  full collection starts by itself once the objects that survived grew by 25%), so garbage made by
  runs is still found, with work proportional to what runs allocate, not to what sessions hold;
- freezes import-time objects (`ui.common.freeze_long_lived_objects`), so no collection walks them;
- runs one full collection every `FULL_EVERY_S` seconds on a background thread, so memory is bounded
  in time as well (cyclic garbage of closed and expired sessions is freed even when no page runs).
  Its cost is one pause per interval, whatever the traffic.

`JICHITAI_GC_LOG=1` logs, at each interval, how many collections of each generation ran and how long
they took: the evidence for this policy in a running server.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time

log = logging.getLogger(__name__)

FULL_EVERY_S = 30.0

_lock = threading.Lock()
_started = False
# Per generation: [collections, seconds], counted by a gc callback while the policy runs.
_stats: dict[int, list[float]] = {0: [0, 0.0], 1: [0, 0.0], 2: [0, 0.0]}
_began: dict[int, float] = {}


def _time_collections(phase: str, info: dict) -> None:
    if phase == "start":
        _began[threading.get_ident()] = time.perf_counter()
        return
    started = _began.pop(threading.get_ident(), None)
    if started is not None:
        entry = _stats[int(info["generation"])]
        entry[0] += 1
        entry[1] += time.perf_counter() - started


def stats() -> dict[int, tuple[int, float]]:
    """Collections per generation since start and the seconds they took (for logs and tests)."""
    return {gen: (int(n), secs) for gen, (n, secs) in _stats.items()}


def _full_collections(every: float, report: bool) -> None:
    while True:
        time.sleep(every)
        gc.collect()
        if report:
            log.warning(
                "gc: %s; live tracked objects %d, frozen %d",
                ", ".join(f"gen{g} {n}x {1000 * s:.0f} ms" for g, (n, s) in stats().items()),
                len(gc.get_objects()),
                gc.get_freeze_count(),
            )


def install(every: float = FULL_EVERY_S) -> bool:
    """Start the interval collector once per process (later calls do nothing); True if it started now."""
    global _started
    with _lock:
        if _started:
            return False
        _started = True
    gc.enable()
    gc.callbacks.append(_time_collections)
    report = os.environ.get("JICHITAI_GC_LOG", "").strip().lower() in {"1", "true", "yes", "on"}
    threading.Thread(target=_full_collections, args=(every, report), name="jichitai-gc", daemon=True).start()
    return True
