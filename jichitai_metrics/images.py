"""Chart images (PNG, SVG) rendered server-side with vl-convert and the packaged Japanese font.

The font comes from the pip package ``noto-cjk-sans-jp-regular`` (SIL OFL 1.1), so a fresh machine
renders Japanese as gothic text without any system font: without it vl-convert draws tofu boxes,
and with only Debian's fonts-noto-cjk the generic ``sans-serif`` falls back to Noto *Serif* CJK.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import hashlib
import json
import os
import queue
import subprocess
import sys
import threading
from collections import OrderedDict
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
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


def _cached(key: tuple[str, str, float], render) -> Any:
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
        return vlc.vegalite_to_pdf(spec, vl_version=vl, allowed_base_urls=[])
    return vlc.vegalite_to_png(spec, vl_version=vl, scale=scale, allowed_base_urls=[])


def render_pdf(chart: alt.TopLevelMixin | dict[str, Any]) -> bytes:
    """A one-page vector PDF of a chart (the handout places it on its A4 pages as vectors)."""
    ensure_font()
    spec = chart_spec(chart)
    return _cached((spec_hash(spec), "pdf", 1.0), lambda: _convert(spec, "pdf", 1.0))


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels read from the PNG header (no imaging library needed)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


# --- a render process: PNGs rendered while the caller builds the next chart -------------------
#
# vl-convert holds the GIL while it renders, so a thread cannot overlap a render with Python work
# (measured: a spinning thread kept 7% of its idle throughput). A deck builds ten charts (Altair,
# captions, slide layout: ~0.4 s) and renders ten PNGs (~1.5 s). One child process renders the
# queued PNGs from the front while the caller builds the next chart; once it has built them all,
# the caller takes back the PNGs not yet started, from the end (PendingPNG.help). An export thus
# uses up to two cores for part of the time instead of one core for all of it, and one child
# serves every session (at most one extra core however many people export at once). A plain
# subprocess speaking length-prefixed JSON over pipes, not multiprocessing: "spawn" would re-run
# the caller's __main__ script in the child, and fork is unsafe in a parent running vl-convert's
# and DuckDB's native threads.

RENDER_TIMEOUT_S = 60.0  # a stuck render process must not hang a download: render here instead


def _read_exact(stream, n: int) -> bytes:
    data = stream.read(n)
    if data is None or len(data) != n:
        raise EOFError("render process closed its pipe")
    return data


def _serve() -> None:
    """The render process's loop: read a request, answer with PNG bytes or an error message."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints go to stderr, never into the reply stream
    src = sys.stdin.buffer
    ensure_font()
    # vl-convert starts its engine on the first render; do it before saying ready, so the parent
    # renders the first charts itself meanwhile instead of queueing them behind the start-up.
    vlc.vegalite_to_png({"mark": "point"}, vl_version=_vl_version(), allowed_base_urls=[])
    out.write(b"R")
    out.flush()
    while True:
        try:
            size = int.from_bytes(_read_exact(src, 4), "big")
        except EOFError:
            return
        req = json.loads(_read_exact(src, size))
        try:
            reply, status = (
                _convert(req["spec"], req.get("fmt", "png"), req["scale"], req["vl"]),
                b"P",
            )
        except Exception as exc:  # noqa: BLE001 - sent back and raised in the parent
            reply, status = f"{type(exc).__name__}: {exc}".encode(), b"E"
        out.write(status + len(reply).to_bytes(4, "big") + reply)
        out.flush()


class RenderError(ValueError):
    """vl-convert rejected a spec in the render process (the message is vl-convert's)."""


class _RenderProcess:
    """One child process rendering PNGs in order; a writer and a reader thread talk to its pipes.

    Up to IN_FLIGHT requests are written ahead, so the child always has its next spec even while
    the caller holds the GIL for a render of its own (the reader could not hand the child its
    next job then); requests beyond that stay queued, where the caller can take them back.
    """

    IN_FLIGHT = 2

    def __init__(self) -> None:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(x for x in (root, env.get("PYTHONPATH", "")) if x)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from jichitai_metrics.images import _serve; _serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.dead = False
        self.ready = threading.Event()
        self.slots = threading.Semaphore(self.IN_FLIGHT)
        self.inflight: collections.deque[Future] = collections.deque()
        self.writer = threading.Thread(target=self._write_loop, name="png-render-writer", daemon=True)
        self.reader = threading.Thread(target=self._read_loop, name="png-render-reader", daemon=True)
        self.writer.start()
        self.reader.start()

    def submit(self, spec: dict[str, Any], scale: float, fmt: str = "png") -> Future:
        future: Future = Future()
        payload = json.dumps(
            {"spec": spec, "vl": _vl_version(), "scale": scale, "fmt": fmt}, ensure_ascii=False, default=str
        ).encode("utf-8")
        with self.lock:
            if self.dead:
                future.set_exception(EOFError("render process stopped"))
            else:
                self.queue.put((payload, future))
        return future

    def _write_loop(self) -> None:
        self.ready.wait()
        while True:
            self.slots.acquire()
            item = self.queue.get()
            if item is None or self.dead:
                return
            payload, future = item
            if not future.set_running_or_notify_cancel():  # taken back by the caller
                self.slots.release()
                continue
            with self.lock:
                self.inflight.append(future)
            try:
                self.proc.stdin.write(len(payload).to_bytes(4, "big") + payload)
                self.proc.stdin.flush()
            except (OSError, ValueError) as exc:
                self._fail_all(EOFError(f"render process failed: {exc}"))
                return

    def _read_loop(self) -> None:
        out = self.proc.stdout
        try:
            if _read_exact(out, 1) != b"R":
                raise EOFError("render process did not start")
            self.ready.set()
            while True:
                status = _read_exact(out, 1)
                size = int.from_bytes(_read_exact(out, 4), "big")
                body = _read_exact(out, size)
                with self.lock:
                    future = self.inflight.popleft()
                self.slots.release()
                if status == b"P":
                    future.set_result(body)
                else:
                    future.set_exception(RenderError(body.decode("utf-8", "replace")))
        except (OSError, EOFError, ValueError, IndexError) as exc:
            self._fail_all(EOFError(f"render process failed: {exc}"))

    def _fail_all(self, error: Exception) -> None:
        # Fail every request in flight or queued at once (their callers render in-process), and
        # refuse new ones: no caller waits for the timeout on a dead process.
        self.close()
        with self.lock:
            inflight, self.inflight = list(self.inflight), collections.deque()
        for future in inflight:
            if not future.done():
                future.set_exception(error)
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                return
            if item is not None and item[1].set_running_or_notify_cancel():
                item[1].set_exception(error)

    def alive(self) -> bool:
        return not self.dead and self.proc.poll() is None and self.reader.is_alive()

    def close(self) -> None:
        with self.lock:
            self.dead = True
        self.queue.put(None)
        self.ready.set()  # a writer still waiting for the start-up must wake up to leave
        self.slots.release()
        with contextlib.suppress(OSError):
            self.proc.kill()  # first: a thread blocked on the pipes then fails instead of hanging
        with contextlib.suppress(OSError, ValueError):
            self.proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)


_proc_lock = threading.Lock()
_proc: _RenderProcess | None = None
_proc_failed = False


def _render_process() -> _RenderProcess | None:
    """The process-wide render process, (re)started on demand; None where it cannot start."""
    global _proc, _proc_failed
    with _proc_lock:
        if _proc is not None and not _proc.alive():
            _proc.close()
            _proc = None
        if _proc is None and not _proc_failed:
            try:
                _proc = _RenderProcess()
            except OSError:
                _proc_failed = True
        return _proc


def warm_render_pool() -> None:
    """Start the render process and its vl-convert engine in the background (returns at once).

    Its start-up (Python, vl-convert, font: ~1–2 s) is then over when the download is clicked.
    """
    _render_process()  # starts it once; the process warms vl-convert up before taking work


def shutdown_render_pool() -> None:
    """Stop the render process (benchmarks use it to time a cold start)."""
    global _proc
    with _proc_lock:
        proc, _proc = _proc, None
    if proc is not None:
        proc.close()


class PendingPNG:
    """A PNG on its way from the render process: call it for the bytes.

    A render the process has not started yet is never waited for: calling it (or :meth:`help`)
    takes the job back and renders it in this process. So a deck is never slower than rendering
    in-process (a cold render process just does less), and the caller, which would otherwise sit
    waiting, renders from the end of the queue while the process works from the front.
    """

    def __init__(self, key: tuple[str, str, float], spec: dict[str, Any], scale: float, future):
        self.key, self.spec, self.scale, self.future = key, spec, scale, future
        self.value: bytes | None = None

    def _here(self) -> bytes:
        self.value = _cached(self.key, lambda: _convert(self.spec, self.key[1], self.scale))
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
        except RenderError:
            return self._here()  # raises vl-convert's own error, as render_png would
        except (FutureTimeout, EOFError, OSError):
            shutdown_render_pool()  # crashed or stuck: a fresh process next time
            return self._here()
        self.value = _cached(self.key, lambda: data)
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
    if hit is not None:
        pending = PendingPNG(key, spec, float(scale), None)
        pending.value = hit
        return pending
    proc = _render_process()
    future = proc.submit(spec, float(scale), fmt) if proc is not None else None
    return PendingPNG(key, spec, float(scale), future)
