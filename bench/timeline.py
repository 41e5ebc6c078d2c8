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

    .venv/bin/python bench/timeline.py                      # a few typical pages, 7 reloads each
    .venv/bin/python bench/timeline.py --runs 9 inquiry deck
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from pages import MINIMAL_APP, time_reload  # noqa: E402
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
DEFAULT_PATHS = ("", "program?program=1", "explorer", "inquiry", "deck")


def phases(browser, url: str, runs: int) -> dict[str, float]:
    """Median ms of each phase over `runs` reloads in a warm tab (-1: never, e.g. no placeholders)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP")
    context.add_init_script(RECORDER_JS)
    page = context.new_page()
    time_reload(page, url)
    time_reload(page, url)  # scripts and fonts in the browser cache, as in pages.py's reload
    samples = []
    for _ in range(runs):
        time_reload(page, url)
        marks = page.evaluate("({...window.__timeline, drawn: Math.round(performance.now())})")
        samples.append(marks)
    context.close()
    return {k: statistics.median(m.get(k, -1) for m in samples) for k in PHASES}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", help=f"dashboard URL paths (default: {' '.join(DEFAULT_PATHS)})")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    paths = args.paths or list(DEFAULT_PATHS)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL_APP, encoding="utf-8")
        env = {"JICHITAI_DB_PATH": str(Path(tmp) / "bench.duckdb"), "JICHITAI_ADMIN_PASSWORD": "bench"}
        hello_url = stack.enter_context(running_app(entry=str(minimal)))
        app_url = stack.enter_context(running_app(env=env, entry=DEFAULT_ENTRY))
        browser = launch_chromium(stack.enter_context(sync_playwright()))
        print(f"median of {args.runs} reloads in a warm tab; ms from navigation start\n")
        print("| page | " + " | ".join(PHASES) + " |")
        print("| --- |" + " ---: |" * len(PHASES))
        for label, url in [("hello", f"{hello_url}/"), *((f"/{p}", f"{app_url}/{p}") for p in paths)]:
            row = phases(browser, url, args.runs)
            print(f"| {label} | " + " | ".join(f"{row[k]:.0f}" for k in PHASES) + " |", flush=True)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
