"""Chart images (PNG, SVG) rendered server-side with vl-convert and the packaged Japanese font.

The font comes from the pip package ``noto-cjk-sans-jp-regular`` (SIL OFL 1.1), so a fresh machine
renders Japanese as gothic text without any system font: without it vl-convert draws tofu boxes,
and with only Debian's fonts-noto-cjk the generic ``sans-serif`` falls back to Noto *Serif* CJK.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import functools
import hashlib
import json
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert as vlc

# The family name stored in the .otf's name table (checked: "Noto Sans CJK JP"). vl-convert matches
# fonts by family name, so this is what config.font must say.
FONT_FAMILY = "Noto Sans CJK JP"
PNG_SCALE = 2.0
_CACHE_MAX = 256

_font_lock = threading.Lock()
_font_registered = False
_cache_lock = threading.Lock()
_cache: OrderedDict[tuple[str, str, float], bytes | str] = OrderedDict()


def font_directory() -> Path:
    """Folder of the packaged Noto Sans CJK JP .otf (the pip package holds only that font)."""
    import noto_cjk_sans_jp_regular

    return Path(noto_cjk_sans_jp_regular.__file__).resolve().parent


def ensure_font() -> None:
    """Register the packaged CJK font with vl-convert, once per process (it is process-global)."""
    global _font_registered
    if _font_registered:
        return
    with _font_lock:
        if not _font_registered:
            vlc.register_font_directory(str(font_directory()))
            _font_registered = True


def _vl_version() -> str:
    # Altair writes e.g. "v6.4.1"; vl-convert wants the "major.minor" it bundles ("6.4").
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    return f"{major}.{minor}"


def chart_spec(chart: alt.TopLevelMixin | dict[str, Any]) -> dict[str, Any]:
    """The Vega-Lite dict of a chart with data inlined and the gothic font set for every text."""
    # validate=False: jsonschema validation costs ~30 ms per chart, more than a third of a render;
    # the chart builders' own tests validate their specs, and vl-convert rejects a broken one anyway.
    spec = copy.deepcopy(chart) if isinstance(chart, dict) else chart.to_dict(validate=False)
    config = dict(spec.get("config") or {})
    # config.font is the default for titles, axes, legends and marks; we override only the family
    # so the chart builder's other settings (sizes, colours) are kept.
    config["font"] = FONT_FAMILY
    spec["config"] = config
    return spec


def spec_hash(spec: dict[str, Any]) -> str:
    """A stable key for a spec: the same chart renders once per process."""
    return hashlib.sha256(
        json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    ).hexdigest()


def _cached(key: tuple[str, str, float], render: Callable[[], Any]) -> Any:
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    value = render()
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > _CACHE_MAX:
            _cache.popitem(last=False)
    return value


def clear_cache() -> None:
    """Forget rendered images (benchmarks use it to time cold renders)."""
    with _cache_lock:
        _cache.clear()


def render_png(chart: alt.TopLevelMixin | dict[str, Any], scale: float = PNG_SCALE) -> bytes:
    """PNG bytes of a chart at `scale` (2× by default: sharp on slides and projectors)."""
    ensure_font()
    spec = chart_spec(chart)
    return _cached(
        (spec_hash(spec), "png", float(scale)),
        lambda: vlc.vegalite_to_png(spec, vl_version=_vl_version(), scale=scale, allowed_base_urls=[]),
    )


def render_svg(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """SVG text of a chart; text stays text, so the viewer needs the font (PNG is self-contained)."""
    ensure_font()
    spec = chart_spec(chart)
    return _cached(
        (spec_hash(spec), "svg", 1.0),
        lambda: vlc.vegalite_to_svg(spec, vl_version=_vl_version(), allowed_base_urls=[]),
    )


def _convert(spec: dict[str, Any], fmt: str, scale: float, vl_version: str | None = None) -> bytes:
    """One vl-convert render: PNG at `scale`, or a vector PDF (text as text, the font embedded)."""
    vl = vl_version or _vl_version()
    if fmt == "pdf":
        return bytes(vlc.vegalite_to_pdf(spec, vl_version=vl, allowed_base_urls=[]))
    return bytes(vlc.vegalite_to_png(spec, vl_version=vl, scale=scale, allowed_base_urls=[]))


def render_pdf(chart: alt.TopLevelMixin | dict[str, Any]) -> bytes:
    """A one-page vector PDF of a chart (the A4 handout places it on its pages as vectors)."""
    ensure_font()
    spec = chart_spec(chart)
    return bytes(_cached((spec_hash(spec), "pdf", 1.0), lambda: _convert(spec, "pdf", 1.0)))


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels read from the PNG header (no imaging library needed)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


# --- a render process: PNGs rendered while the caller builds the next chart -------------------
#
# vl-convert holds the GIL while it renders, so a thread cannot overlap a render with Python work
# (measured: a spinning thread kept 7% of its idle throughput). A deck builds ten charts (Altair,
# captions, slide layout: ~0.4 s) and renders ten PNGs (~1.5 s). One worker process renders the
# queued PNGs from the front while the caller builds the next chart; once it has built them all,
# the caller takes back the PNGs not yet started, from the end (PendingPNG.help). One worker serves
# every session (at most one extra core however many people export at once).
#
# The worker is a concurrent.futures.ProcessPoolExecutor with one process, started with "spawn"
# (fork is unsafe in a parent running vl-convert's and DuckDB's native threads): the library runs
# the process, the pipes, pickling and crash detection. What stays ours is small: a feeder that
# hands the pool IN_FLIGHT jobs at a time and keeps the rest in its own queue, where the caller
# can take them back. Cancelling a job the pool already holds is not an option on Python 3.11: if
# the worker then dies, the pool's manager thread fails on the cancelled future (CPython
# gh-107219, fixed in 3.12) and leaves the other callers waiting.

RENDER_TIMEOUT_S = 60.0  # a stuck render process must not hang a download: render here instead


def _exit_with_parent(parent_pid: int) -> None:
    """Leave when the app process is gone: a pool worker holds both ends of its job queue, so it
    never sees EOF and would otherwise outlive a killed server (~250 MB each, seen after SIGKILL)."""
    while os.getppid() == parent_pid:
        time.sleep(2.0)
    os._exit(0)


def _worker_start(parent_pid: int) -> None:
    """Initializer of the render process: the font, and vl-convert's engine, before any job."""
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    ensure_font()
    vlc.vegalite_to_png({"mark": "point"}, vl_version=_vl_version(), allowed_base_urls=[])


def _worker_png(spec: dict[str, Any], vl_version: str, scale: float, fmt: str = "png") -> bytes:
    """One job in the render process (vl-convert's own exceptions travel back to the caller)."""
    return _convert(spec, fmt, scale, vl_version)


def _ready() -> bool:
    return True


class _Feeder:
    """A one-process pool fed IN_FLIGHT jobs at a time; queued jobs stay cancellable (taken back)."""

    # The one drawn and one more, so the worker never waits for this process (whose renders hold the
    # GIL the pool's manager thread needs to hand over the next job) while little is left for it to
    # finish alone after this process runs out of jobs to take back. bench/deck.py on a quiet
    # machine, alternating: 2 gave 0.87x and 0.85x of the raw renders, 3 gave 0.97x and 0.92x
    # (3 waited 0.14-0.39 s at the end); under load 9-32 (shared machine) 3 had looked better.
    IN_FLIGHT = 2

    def __init__(self) -> None:
        self.pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_start,
            initargs=(os.getpid(),),
        )
        self.lock = threading.Lock()
        self.queue: collections.deque[tuple[Future, tuple[Any, ...]]] = collections.deque()
        self.running = 0
        self.broken = False
        # Nothing is handed over before the worker has started (Python, vl-convert, font: seconds
        # on a cold start): until then every job stays in our queue, where the caller takes it back
        # and renders it here, so a cold start never makes an export wait.
        self.ready = False
        self.pool.submit(_ready).add_done_callback(self._started)

    def _started(self, job: Future) -> None:
        if job.exception() is not None:
            with self.lock:
                self.broken = True
            return
        with self.lock:
            self.ready = True
        self._pump()

    def submit(self, *args: Any) -> Future:
        """Queue a `_worker_png` job; the returned Future can be cancelled until the pool gets it."""
        future: Future = Future()
        with self.lock:
            self.queue.append((future, args))
        self._pump()
        return future

    def _pump(self) -> None:
        while True:
            with self.lock:
                if not self.ready or self.running >= self.IN_FLIGHT or not self.queue:
                    return
                future, args = self.queue.popleft()
                if not future.set_running_or_notify_cancel():
                    continue  # taken back by the caller
                self.running += 1
            try:
                job = self.pool.submit(_worker_png, *args)
            except (RuntimeError, BrokenProcessPool) as exc:  # shut down or broken meanwhile
                self._done(future, exc)
                continue
            job.add_done_callback(functools.partial(self._finished, future=future))

    def _finished(self, job: Future, future: Future) -> None:
        exc = job.exception()
        self._done(future, exc, None if exc is not None else job.result())

    def _done(self, future: Future, exc: BaseException | None, value: bytes | None = None) -> None:
        with self.lock:
            self.running -= 1
            if isinstance(exc, BrokenProcessPool | RuntimeError):
                self.broken = True
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(value)
        self._pump()

    def close(self) -> None:
        # Kill first: a worker stuck in a render would otherwise keep shutdown() waiting.
        for proc in list((getattr(self.pool, "_processes", None) or {}).values()):
            with contextlib.suppress(OSError, AttributeError):
                proc.kill()
        self.pool.shutdown(wait=False, cancel_futures=True)
        with self.lock:
            waiting, self.queue = list(self.queue), collections.deque()
        for future, _ in waiting:
            if future.set_running_or_notify_cancel():
                future.set_exception(BrokenProcessPool("render process stopped"))


_pool_lock = threading.Lock()
_pool: _Feeder | None = None
_pool_failed = False


def _render_pool() -> _Feeder | None:
    """The process-wide render pool, (re)started on demand; None where a process cannot start."""
    global _pool, _pool_failed
    with _pool_lock:
        if _pool is not None and (_pool.broken or getattr(_pool.pool, "_broken", False)):
            _pool.close()
            _pool = None
        if _pool is None and not _pool_failed:
            try:
                _pool = _Feeder()
            except OSError:
                _pool_failed = True
        return _pool


def warm_render_pool() -> None:
    """Start the render process and its vl-convert engine in the background (returns at once).

    Its start-up (Python, vl-convert, font: ~1–2 s) is then over when the download is clicked.
    """
    _render_pool()  # the feeder starts the worker process at once and hands it jobs once it is up


def shutdown_render_pool() -> None:
    """Stop the render process (benchmarks use it to time a cold start; a stuck one is replaced)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.close()


class PendingPNG:
    """A PNG on its way from the render process: call it for the bytes.

    A render the process has not started yet is never waited for: calling it (or :meth:`help`)
    takes the job back and renders it in this process. So a deck is never slower than rendering
    in-process (a cold render process just does less), and the caller, which would otherwise sit
    waiting, renders from the end of the queue while the process works from the front.
    """

    def __init__(
        self, key: tuple[str, str, float], spec: dict[str, Any], scale: float, future: Future | None
    ):
        self.key, self.spec, self.scale, self.future = key, spec, scale, future
        self.value: bytes | None = None

    def _here(self) -> bytes:
        value = _cached(self.key, lambda: _convert(self.spec, self.key[1], self.scale))
        self.value = bytes(value)
        return self.value

    def help(self) -> bool:
        """Render it here if the render process has not started it (True); else leave it (False)."""
        if self.value is not None or self.future is None or not self.future.cancel():
            return False
        self._here()
        return True

    def __call__(self) -> bytes:
        if self.value is not None:
            return self.value
        if self.future is None or self.future.cancel():
            return self._here()
        try:
            data = self.future.result(timeout=RENDER_TIMEOUT_S)
        except (FutureTimeout, BrokenProcessPool, OSError, EOFError):
            shutdown_render_pool()  # crashed or stuck: a fresh process next time
            return self._here()
        except Exception:  # noqa: BLE001 - vl-convert refused the spec there: raise its own error here
            return self._here()
        self.value = bytes(_cached(self.key, lambda: data))
        return self.value


def render_png_later(
    chart: alt.TopLevelMixin | dict[str, Any], scale: float = PNG_SCALE, fmt: str = "png"
) -> PendingPNG:
    """Queue a chart's PNG for the render process and return at once; call the result for the bytes.

    The same bytes as :func:`render_png` (same spec, font and scale, the same cache). Where the
    render process is unavailable, crashed or stuck, the PNG is rendered in this process instead.
    ``fmt="pdf"`` queues the chart's vector PDF instead (the bytes of :func:`render_pdf`).
    """
    ensure_font()
    spec = chart_spec(chart)
    scale = 1.0 if fmt == "pdf" else scale
    key = (spec_hash(spec), fmt, float(scale))
    with _cache_lock:
        hit = _cache.get(key)
    if isinstance(hit, bytes):
        pending = PendingPNG(key, spec, float(scale), None)
        pending.value = hit
        return pending
    pool = _render_pool()
    future: Future | None = None
    if pool is not None:
        try:
            future = pool.submit(spec, _vl_version(), float(scale), fmt)
        except (RuntimeError, BrokenProcessPool):  # shut down or broken meanwhile: render here
            future = None
    return PendingPNG(key, spec, float(scale), future)
