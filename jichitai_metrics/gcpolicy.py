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
  in time as well (cyclic garbage of closed and expired sessions is freed even when no page runs),
  followed by glibc's `malloc_trim(0)` and Arrow's `release_unused()` so freed memory goes back
  to the OS. Its cost is one pause
  per interval, whatever the traffic.

`JICHITAI_GC_LOG=1` logs, at each interval, how many collections of each generation ran and how long
they took: the evidence for this policy in a running server.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os
import sys
import threading
import time
from collections.abc import Callable

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


def _malloc_trim() -> Callable[[], object] | None:
    """glibc's malloc_trim(0), or None elsewhere (musl, macOS): hands freed heap pages back to the OS."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: trim(0)


def _release_arrow_pool() -> None:
    """Arrow's allocator (mimalloc) keeps freed buffers for reuse; every st.dataframe/chart run makes
    some. Hand them back too, if pyarrow is loaded (it is, once a page has drawn a table)."""
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        try:
            arrow.default_memory_pool().release_unused()
        except Exception:  # noqa: BLE001 - an allocator without it: nothing to release
            pass


def _full_collections(every: float, report: bool, before: Callable[[], int] | None) -> None:
    trim = _malloc_trim()
    released = 0
    while True:
        time.sleep(every)
        if before is not None:
            try:
                released += before()
            except Exception:  # noqa: BLE001 - the collector must outlive a failing hook
                log.exception("gc: the before-collection hook failed")
        gc.collect()
        # Freed objects go back to malloc's free lists, not to the OS: without this the RSS of a
        # process that served many sessions stays at its peak after they are gone.
        if trim is not None:
            trim()
        _release_arrow_pool()
        if report:
            log.warning(
                "gc: %s; live tracked objects %d, frozen %d, allocated blocks %d, expired sessions %d",
                ", ".join(f"gen{g} {n}x {1000 * s:.0f} ms" for g, (n, s) in stats().items()),
                len(gc.get_objects()),
                gc.get_freeze_count(),
                sys.getallocatedblocks(),
                released,
            )


def install(every: float | None = None, before_collect: Callable[[], int] | None = None) -> bool:
    """Start the interval collector once per process (later calls do nothing); True if it started now.

    `before_collect` runs on the collector thread before each full collection and returns how many
    things it released (e.g. expired sessions), for the log. The interval is `every`, else
    JICHITAI_GC_INTERVAL_S, else FULL_EVERY_S.
    """
    global _started
    with _lock:
        if _started:
            return False
        _started = True
    if every is None:
        try:
            every = float(os.environ.get("JICHITAI_GC_INTERVAL_S") or FULL_EVERY_S)
        except ValueError:
            every = FULL_EVERY_S
    gc.enable()
    gc.callbacks.append(_time_collections)
    report = os.environ.get("JICHITAI_GC_LOG", "").strip().lower() in {"1", "true", "yes", "on"}
    threading.Thread(
        target=_full_collections,
        args=(max(0.1, every), report, before_collect),
        name="jichitai-gc",
        daemon=True,
    ).start()
    return True
