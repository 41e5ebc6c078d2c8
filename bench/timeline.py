"""Benchmark (not a test): where a page's reload time goes, beside the hello page in the same run.

`pages.py` says how long a page takes; this says in which phase the time is spent. For each page, a
warm tab reloads it N times and the browser notes (milliseconds from navigation start, median of N):

- app: Streamlit's frontend has mounted;  ws: its WebSocket is open;
- first msg / last msg: the first and the last message from the server (the script's output);
- last placeholder: the last DOM change seen while an element was still a grey `stSkeleton`
  (its code loading);
- last change: the last change to the page's DOM;  drawn: `pages.py`'s "drawn" was seen.

A page whose "last msg" is close to the hello page's but whose "last change" is far behind spends
its extra time in the browser (element code, HTML, layout), not on the server. Seen with it
(2026-11-29): the inquiry form's fields stay placeholders until ~70 ms after the last message.

With `--rerun`, the same for a rerun of the page in its tab (Streamlit's "r", as pages.py's warm
measure) after half a second idle, in milliseconds from the key press: first msg, last msg (the
span between them is the server running the script), last change and drawn. `--before DIR` adds
another checkout's dashboard (with its own .venv) beside each page.

    .venv/bin/python bench/timeline.py                      # a few typical pages, 7 reloads each
    .venv/bin/python bench/timeline.py --runs 9 inquiry deck
    .venv/bin/python bench/timeline.py --rerun --runs 9 --before /work/base program?program=1
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from pages import MINIMAL_APP, RERUN_DONE_JS, WATCH_JS, _drawn, new_tab, time_reload  # noqa: E402
from tests.support import DEFAULT_ENTRY, launch_chromium, running_app  # noqa: E402

# Runs before the page's own scripts: wraps WebSocket to time messages, watches the DOM.
RECORDER_JS = """(() => { const T = window.__timeline = {};
  const now = () => Math.round(performance.now());
  const first = (k) => { if (!(k in T)) T[k] = now(); };
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Native(...args);
    ws.addEventListener('open', () => first('ws'));
    ws.addEventListener('message', () => { first('first msg'); T['last msg'] = now(); });
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, Native);
  new MutationObserver(() => {
    if (document.querySelector("[data-testid='stApp']")) first('app');
    if (document.querySelector("[data-testid='stSkeleton']")) T['last placeholder'] = now();
    T['last change'] = now();
  }).observe(document, { subtree: true, childList: true, attributes: true });
})();"""
PHASES = ("app", "ws", "first msg", "last msg", "last placeholder", "last change", "drawn")
# For --rerun: every message and DOM change with its time, so each rerun reads its own.
RERUN_RECORDER_JS = """(() => { window.__msgs = []; window.__changes = [];
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Native(...args);
    ws.addEventListener('message', () => window.__msgs.push(performance.now()));
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, Native);
  new MutationObserver(() => window.__changes.push(performance.now()))
    .observe(document, { subtree: true, childList: true, attributes: true });
})();"""
RERUN_MARKS_JS = """(t0) => {
  const m = window.__msgs.filter(t => t > t0), c = window.__changes.filter(t => t > t0);
  return {'first msg': m[0] - t0, 'last msg': m[m.length - 1] - t0, 'last change': c[c.length - 1] - t0,
          'drawn': performance.now() - t0}; }"""
RERUN_PHASES = ("first msg", "last msg", "last change", "drawn")
DEFAULT_PATHS = ("", "program?program=1", "explorer", "inquiry", "deck")


def phases(browser, url: str, runs: int) -> dict[str, float]:
    """Median ms of each phase over `runs` reloads in a warm tab (-1: never, e.g. no placeholders)."""
    context, page = new_tab(browser, RECORDER_JS)
    time_reload(page, url)
    time_reload(page, url)  # scripts and fonts in the browser cache, as in pages.py's reload
    samples = []
    for _ in range(runs):
        time_reload(page, url)
        marks = page.evaluate("({...window.__timeline, drawn: Math.round(performance.now())})")
        samples.append(marks)
    context.close()
    return {k: statistics.median(m.get(k, -1) for m in samples) for k in PHASES}


def rerun_phases(browser, url: str, runs: int) -> dict[str, float]:
    """Median ms of each phase of `runs` reruns ("r") of a drawn page, each after 0.5 s idle."""
    context, page = new_tab(browser, RERUN_RECORDER_JS)
    time_reload(page, url)
    samples = []
    for _ in range(runs):
        page.evaluate(WATCH_JS)
        page.mouse.click(700, 5)  # focus the document so the shortcut reaches the app
        time.sleep(0.5)
        t0 = page.evaluate("performance.now()")
        page.keyboard.press("r")
        page.wait_for_function(RERUN_DONE_JS, polling=10)
        _drawn(page)
        samples.append(page.evaluate(RERUN_MARKS_JS, t0))
    context.close()
    return {k: statistics.median(m[k] for m in samples) for k in RERUN_PHASES}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", help=f"dashboard URL paths (default: {' '.join(DEFAULT_PATHS)})")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--rerun", action="store_true", help="time reruns in the tab instead of reloads")
    ap.add_argument("--before", type=Path, default=None, help="another checkout, measured beside each page")
    args = ap.parse_args()
    paths = args.paths or list(DEFAULT_PATHS)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL_APP, encoding="utf-8")
        env = {"JICHITAI_DB_PATH": str(Path(tmp) / "bench.duckdb"), "JICHITAI_ADMIN_PASSWORD": "bench"}
        hello_url = stack.enter_context(running_app(entry=str(minimal)))
        app_url = stack.enter_context(running_app(env=env, entry=DEFAULT_ENTRY))
        apps = [("", app_url)]
        if args.before:
            root = args.before.resolve()
            before_env = {**env, "JICHITAI_DB_PATH": str(Path(tmp) / "before.duckdb")}
            python = str(root / ".venv" / "bin" / "python")
            apps.append(
                (" (before)", stack.enter_context(running_app(env=before_env, cwd=root, python=python)))
            )
        browser = launch_chromium(stack.enter_context(sync_playwright()))
        measure, columns = (rerun_phases, RERUN_PHASES) if args.rerun else (phases, PHASES)
        what = (
            "reruns (r) after 0.5 s idle; ms from the key press"
            if args.rerun
            else ("reloads in a warm tab; ms from navigation start")
        )
        print(f"median of {args.runs} {what}\n")
        print("| page | " + " | ".join(columns) + " |")
        print("| --- |" + " ---: |" * len(columns))
        views = [("hello", f"{hello_url}/")]
        views += [(f"/{p}{name}", f"{url}/{p}") for p in paths for name, url in apps]
        for label, url in views:
            row = measure(browser, url, args.runs)
            print(f"| {label} | " + " | ".join(f"{row[k]:.0f}" for k in columns) + " |", flush=True)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
