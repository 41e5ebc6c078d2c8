"""Chart images (PNG, SVG) rendered server-side with vl-convert and the packaged Japanese font.

The font comes from the pip package ``noto-cjk-sans-jp-regular`` (SIL OFL 1.1), so a fresh machine
renders Japanese as gothic text without any system font: without it vl-convert draws tofu boxes,
and with only Debian's fonts-noto-cjk the generic ``sans-serif`` falls back to Noto *Serif* CJK.
"""

from __future__ import annotations

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
from collections.abc import Callable
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


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels read from the PNG header (no imaging library needed)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


# --- a render process: PNGs rendered while the caller builds the next chart -------------------
#
# vl-convert holds the GIL while it renders, so a thread cannot overlap a render with Python work
# (measured: a spinning thread kept 7% of its idle throughput). A deck builds ten charts (Altair,
# captions, slide layout: ~0.4 s) and renders ten PNGs (~1.5 s); rendering in a child process lets
# the two overlap. One worker, not two: on a 2-core server the other core stays free for the
# Streamlit sessions. A plain subprocess speaking length-prefixed JSON over pipes, not
# multiprocessing: "spawn" would re-run the caller's __main__ script in the child, and fork is
# unsafe in a parent running vl-convert's and DuckDB's native threads.

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
    while True:
        try:
            size = int.from_bytes(_read_exact(src, 4), "big")
        except EOFError:
            return
        req = json.loads(_read_exact(src, size))
        try:
            reply, status = (
                vlc.vegalite_to_png(
                    req["spec"], vl_version=req["vl"], scale=req["scale"], allowed_base_urls=[]
                ),
                b"P",
            )
        except Exception as exc:  # noqa: BLE001 - sent back and raised in the parent
            reply, status = f"{type(exc).__name__}: {exc}".encode(), b"E"
        out.write(status + len(reply).to_bytes(4, "big") + reply)
        out.flush()


class RenderError(ValueError):
    """vl-convert rejected a spec in the render process (the message is vl-convert's)."""


class _RenderProcess:
    """One child process rendering PNGs in order; a feeder thread talks to it over its pipes."""

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
        self.thread = threading.Thread(target=self._feed, name="png-render-feeder", daemon=True)
        self.thread.start()

    def submit(self, spec: dict[str, Any], scale: float) -> Future:
        future: Future = Future()
        payload = json.dumps(
            {"spec": spec, "vl": _vl_version(), "scale": scale}, ensure_ascii=False, default=str
        ).encode("utf-8")
        with self.lock:
            if self.dead:
                future.set_exception(EOFError("render process stopped"))
            else:
                self.queue.put((payload, future))
        return future

    def _feed(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            payload, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                self.proc.stdin.write(len(payload).to_bytes(4, "big") + payload)
                self.proc.stdin.flush()
                status = _read_exact(self.proc.stdout, 1)
                size = int.from_bytes(_read_exact(self.proc.stdout, 4), "big")
                body = _read_exact(self.proc.stdout, size)
            except (OSError, EOFError, ValueError) as exc:
                self._fail_all(future, EOFError(f"render process failed: {exc}"))
                return
            if status == b"P":
                future.set_result(body)
            else:
                future.set_exception(RenderError(body.decode("utf-8", "replace")))

    def _fail_all(self, current: Future, error: Exception) -> None:
        # Fail this request and every queued one at once (their callers render in-process), and
        # refuse new ones: no caller waits for the timeout on a dead process.
        self.close()
        current.set_exception(error)
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                return
            if item is not None and item[1].set_running_or_notify_cancel():
                item[1].set_exception(error)

    def alive(self) -> bool:
        return not self.dead and self.proc.poll() is None and self.thread.is_alive()

    def close(self) -> None:
        with self.lock:
            self.dead = True
        self.queue.put(None)
        with contextlib.suppress(OSError):
            self.proc.kill()  # first: a feeder blocked on the pipes then fails instead of hanging
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

    Its first render pays the start-up (Python, vl-convert, font: ~1–2 s); a page that offers a
    deck download calls this so the click does not.
    """
    with _proc_lock:
        if _proc is not None and _proc.alive():
            return  # already started (pages call this on every rerun)
    proc = _render_process()
    if proc is not None:
        proc.submit({"mark": "point"}, 1.0)


def shutdown_render_pool() -> None:
    """Stop the render process (benchmarks use it to time a cold start)."""
    global _proc
    with _proc_lock:
        proc, _proc = _proc, None
    if proc is not None:
        proc.close()


def render_png_later(
    chart: alt.TopLevelMixin | dict[str, Any], scale: float = PNG_SCALE
) -> Callable[[], bytes]:
    """Start rendering a chart's PNG in the render process; call the result to wait for the bytes.

    The same bytes as :func:`render_png` (same spec, font and scale, the same cache). Where the
    render process is unavailable, crashed or stuck, the PNG is rendered in this process instead.
    """
    ensure_font()
    spec = chart_spec(chart)
    key = (spec_hash(spec), "png", float(scale))
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None:
        return lambda: hit
    proc = _render_process()
    future = proc.submit(spec, float(scale)) if proc is not None else None

    def here() -> bytes:
        return vlc.vegalite_to_png(spec, vl_version=_vl_version(), scale=scale, allowed_base_urls=[])

    def render() -> bytes:
        if future is None:
            return here()
        try:
            return future.result(timeout=RENDER_TIMEOUT_S)
        except RenderError:
            return here()  # raises vl-convert's own error, as render_png would
        except (FutureTimeout, EOFError, OSError):
            shutdown_render_pool()  # crashed or stuck: a fresh process next time
            return here()

    return lambda: _cached(key, render)
