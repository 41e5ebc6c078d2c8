"""Benchmark (not a test): how long each dashboard page takes to render, against a one-line Streamlit page.

Serves two apps in the same run, on the same machine: a minimal page (`st.write("hello")`) and the
dashboard. Each page is opened in headless Chromium

- cold: a new browser context (no cached assets, a new session), `goto` until the page is drawn;
- warm: the same page rerun in its tab (Streamlit's "r" shortcut: same session, cached queries);
- reload: a full reload in a warm browser (`goto` in a context that has loaded the app before, so
  Streamlit's scripts and fonts come from the browser cache; a new session): what a planner opening
  a shared link waits for;

and the median of N runs is divided by the minimal page's median of the same kind, the two (three
with --before) timed load for load: run i of each within the same few seconds, in turns whose order
alternates (measure_side_by_side). "Drawn" means the
script has finished (`data-test-script-state=notRunning`), the main block holds content, every
Vega-Lite chart on the page has drawn its SVG/canvas, every image has loaded and no element is still
Streamlit's grey placeholder (`stSkeleton`, shown while an element's code loads). The moment is taken
by a clock in the page (CLOCK_JS: from navigation start, or from the "r" key, to the first DOM change,
load or frame at which "drawn" holds), not by polling from Playwright (before stop 29: a 20 ms poll).
Target: every page ≤ 1.3× on all three measures.

    .venv/bin/python bench/pages.py                       # 5 runs per page, both languages
    .venv/bin/python bench/pages.py --runs 9 program?program=1 explorer
    .venv/bin/python bench/pages.py --before /work/base   # BEFORE beside AFTER (and hello) in one run
    .venv/bin/python bench/pages.py --settle 0.5 deck     # half a second idle before each timed load

Back to back (the default, the issue's method), each load starts the moment the previous one was
drawn, while the browser and the servers still finish it. Timed in blocks (before stop 27), that
previous load was the hello page's own and its warm rerun took ~60 ms; load for load it is
another view's and the hello rerun takes 30–45 ms (bench/README.md). `--settle` waits first.
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

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.support import DEFAULT_ENTRY, PAGE_PATHS, REPO_ROOT, launch_chromium, running_app  # noqa: E402

MINIMAL_APP = 'import streamlit as st\nst.write("hello")\n'
# Drawn = script finished, something in the main block, no element still a placeholder, every chart has
# its SVG or canvas, every image (server-side chart pictures included) loaded and decoded.
# Placeholders: Streamlit loads the code of most elements (st.html, every widget) on first use and
# shows a grey `stSkeleton` until it arrives; the script has finished by then, so without this check
# "drawn" came 20-70 ms before the page's text and form fields were on screen (found 2026-11-29).
DRAWN_JS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const main = document.querySelector("[data-testid='stMainBlockContainer']");
  if (!main || main.querySelectorAll("[data-testid='stElementContainer']").length === 0) return false;
  if (document.querySelector("[data-testid='stSkeleton']")) return false;
  for (const c of document.querySelectorAll("[data-testid^='stBidiComponent']")) {
    if (!(c.shadowRoot || c).childElementCount) return false;  // an st.components.v2 not yet mounted
  }
  const charts = main.querySelectorAll("[data-testid='stVegaLiteChart']");
  for (const c of charts) { if (!c.querySelector('svg, canvas')) return false; }
  for (const img of document.querySelectorAll('img')) {
    if (!img.complete || !img.naturalWidth) return false;
  }
  return true;
}"""


# Idle seconds before each timed load or rerun (--settle). 0: each load starts the moment the last one
# was drawn, while the browser and server still finish the previous page.
SETTLE = 0.0

# The clock in the page: the moment "drawn" first holds, taken in the page itself. Checked on every DOM
# change (a MutationObserver), every resource load and every frame, so it is late by the check's own
# cost, not by a poll interval. Until stop 29 the bench polled DRAWN_JS from Playwright every 20 ms
# (10 ms for the rerun's end): on a warm rerun of ~40 ms that is up to half the measure in waiting
# for the next poll plus two protocol round trips, the same for the hello page and the dashboard but
# not the same from load to load (bench/README.md, "The page clock"). Loads start at the document's
# navigation start (`performance.timeOrigin`, before the previous page's unload); reruns start at the
# "r" keydown. Installed in every context by new_tab/time_cold (`add_init_script`).
CLOCK_JS = """(() => {
  if (window.__jmClock) return;
  const drawn = __DRAWN_JS__;
  // since: the start of what is timed (0: this document's navigation start); left: the script has been
  // seen away from notRunning since then (always true for a load: content decides); at: drawn, or null.
  const clock = window.__jmClock = {since: 0, left: true, at: null};
  const check = () => {
    if (clock.at !== null) return;
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return;
    if (clock.left && drawn()) clock.at = performance.now();
  };
  // A fast rerun can pass notRunning -> rerunRequested -> notRunning within one task: the records'
  // old values show it even when the attribute reads notRunning again by the time the observer runs.
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.attributeName === 'data-test-script-state' && (r.oldValue !== 'notRunning'
          || r.target.getAttribute('data-test-script-state') !== 'notRunning')) clock.left = true;
    }
    check();
  }).observe(document, {subtree: true, childList: true, attributes: true, attributeOldValue: true,
                        characterData: true});
  document.addEventListener('load', check, true);  // pictures: complete without a DOM change
  const frame = () => { check(); requestAnimationFrame(frame); };  // e.g. a component's shadow DOM
  requestAnimationFrame(frame);
  // Streamlit's rerun shortcut: start timing at the key, before the app has seen it.
  window.addEventListener('keydown', (event) => {
    if (event.key === 'r' && !event.repeat) {
      clock.since = performance.now(); clock.left = false; clock.at = null;
    }
  }, true);
})();""".replace("__DRAWN_JS__", DRAWN_JS)
CLOCK_READ_JS = (
    "() => window.__jmClock.at === null ? null : (window.__jmClock.at - window.__jmClock.since) / 1000"
)


def new_tab(browser, *init_scripts: str):
    """(context, page) of a fresh browser context with the page clock (and any other init scripts)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP")
    context.add_init_script(CLOCK_JS)
    for script in init_scripts:
        context.add_init_script(script)
    return context, context.new_page()


def _drawn(page, timeout_ms: float = 60_000) -> None:
    """Wait until drawn (polled: for setting up, not for timing)."""
    page.wait_for_function(DRAWN_JS, timeout=timeout_ms, polling=20)


def _clock_seconds(page, timeout_ms: float = 60_000) -> float:
    """Seconds from the start of what is timed to the moment the page's clock saw it drawn."""
    handle = page.wait_for_function(CLOCK_READ_JS, timeout=timeout_ms, polling=20)
    return float(handle.json_value())


def time_cold(browser, url: str) -> float:
    """Seconds from navigation to drawn in a brand-new browser context."""
    context, page = new_tab(browser)
    time.sleep(SETTLE)
    page.goto(url)
    elapsed = _clock_seconds(page)
    context.close()
    return elapsed


# RERUN_DONE_JS and WATCH_JS: a rerun seen from outside the page (bench/timeline.py --rerun).
# One observer per page records every script-state change; each rerun starts a fresh list. A rerun is
# done when the state has left notRunning and come back. A fast run may skip 'running' altogether (React
# batches rerunRequested -> running -> notRunning into one render), so 'running' is not required.
WATCH_JS = """() => { window.__benchStates = [];
  if (window.__benchObserved) return; window.__benchObserved = true;
  const app = document.querySelector("[data-testid='stApp']");
  new MutationObserver(() => window.__benchStates.push(app.getAttribute('data-test-script-state')))
    .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']}); }"""
RERUN_DONE_JS = """() => { const s = window.__benchStates || [];
  const i = s.findIndex(x => x !== 'notRunning'); return i >= 0 && s.indexOf('notRunning', i) > i; }"""


def time_warm(page) -> float:
    """Seconds for a rerun of the page already shown (Streamlit's "r" shortcut), until drawn again."""
    for _attempt in range(3):
        page.mouse.click(700, 5)  # focus the document (not a widget) so the shortcut reaches the app
        page.evaluate("() => { window.__jmClock.at = null; window.__jmClock.left = false; }")
        time.sleep(SETTLE)
        page.keyboard.press("r")
        try:
            # A key press lost to a busy tab (seen once on a loaded machine) is retried, timed afresh.
            return _clock_seconds(page, timeout_ms=15_000)
        except PlaywrightTimeout:
            continue
    raise RuntimeError("the 'r' shortcut did not rerun the page three times in a row")


def time_reload(page, url: str) -> float:
    """Seconds from navigation to drawn in a tab whose browser has loaded the app before (a new session)."""
    time.sleep(SETTLE)
    page.goto(url)
    return _clock_seconds(page)


Timings = tuple[list[float], list[float], list[float]]  # (cold, warm, reload) seconds


def measure_side_by_side(browser, views: dict[str, tuple[str, str]], runs: int) -> dict[str, Timings]:
    """(cold, warm, reload) seconds of `runs` loads of each view, taken in turns.

    `views`: name -> (app's base URL, page path). Run i of every view is taken within the same few
    seconds (hello, after, before, then the other way round in the next run), so a machine that gets
    busier for a moment slows the page and the hello page it is divided by alike. Timed one view
    after the other instead, a burst could land on one side only: the hello page's reload median
    once moved from 162 to 217 ms between rows of a single run (2026-11-29).
    """
    names = list(views)

    def turns(i: int) -> list[str]:
        return names if i % 2 == 0 else names[::-1]

    colds: dict[str, list[float]] = {n: [] for n in names}
    warms: dict[str, list[float]] = {n: [] for n in names}
    reloads: dict[str, list[float]] = {n: [] for n in names}
    for i in range(runs):
        for n in turns(i):
            base, path = views[n]
            colds[n].append(time_cold(browser, f"{base}/{path}"))
    tabs = {}
    for n, (base, path) in views.items():
        context, page = new_tab(browser)
        page.goto(base)  # through the router once, as a user arriving at the dashboard
        _drawn(page)
        page.goto(f"{base}/{path}")
        _drawn(page)
        tabs[n] = (context, page)
    for i in range(runs):
        for n in turns(i):
            warms[n].append(time_warm(tabs[n][1]))
    for i in range(runs):
        for n in turns(i):
            base, path = views[n]
            reloads[n].append(time_reload(tabs[n][1], f"{base}/{path}"))
    for context, _page in tabs.values():
        context.close()
    return {n: (colds[n], warms[n], reloads[n]) for n in names}


def _ms(samples: list[float]) -> str:
    """Median and the min–max spread (the noise) in milliseconds."""
    return f"{statistics.median(samples) * 1000:.0f} ({min(samples) * 1000:.0f}–{max(samples) * 1000:.0f})"


def _table_row(label: str, page: tuple, hello: tuple) -> tuple[str, float]:
    ratios = [statistics.median(p) / statistics.median(h) for p, h in zip(page, hello, strict=True)]
    cells = " | ".join(f"{_ms(p)} | {r:.2f}" for p, r in zip(page, ratios, strict=True))
    spread = " / ".join(_ms(h) for h in hello)
    ok = "yes" if max(ratios) <= 1.3 else "no"
    return f"| {label} | {cells} | {ok} | {spread} |", max(ratios)


def _served(stack: contextlib.ExitStack, root: Path | None, env: dict[str, str]) -> tuple[str, str]:
    """Start the dashboard of a checkout (None: this one); (base URL, what was served)."""
    python = str(root / ".venv" / "bin" / "python") if root else None
    url = stack.enter_context(running_app(env=env, entry=DEFAULT_ENTRY, cwd=root, python=python))
    return url, f"{root or REPO_ROOT} ({DEFAULT_ENTRY})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", help="dashboard URL paths (default: every page, both languages)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--before",
        type=Path,
        default=None,
        help="also serve this checkout (with its own .venv), measured beside each page: BEFORE, "
        "e.g. /work/base",
    )
    ap.add_argument(
        "--settle",
        type=float,
        default=0.0,
        help="idle seconds before each timed load and rerun, for the hello page and the dashboard alike "
        "(default 0: back to back)",
    )
    args = ap.parse_args()
    global SETTLE
    SETTLE = args.settle
    paths = args.paths or [*PAGE_PATHS, *(f"{p}{'&' if '?' in p else '?'}lang=en" for p in PAGE_PATHS)]
    before_root = args.before.resolve() if args.before else None
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL_APP, encoding="utf-8")
        env = {"JICHITAI_DB_PATH": str(Path(tmp) / "bench.duckdb"), "JICHITAI_ADMIN_PASSWORD": "bench"}
        min_url = stack.enter_context(running_app(entry=str(minimal)))
        app_url, app_label = _served(stack, None, env)
        apps = {"after": app_url}
        labels = {"after": app_label}
        if before_root:
            env_before = {**env, "JICHITAI_DB_PATH": str(Path(tmp) / "before.duckdb")}
            apps["before"], labels["before"] = _served(stack, before_root, env_before)
        p = stack.enter_context(sync_playwright())
        browser = launch_chromium(p)
        # Fill the servers' caches first: the benchmark is about rendering, not first import.
        time_cold(browser, f"{min_url}/")
        for url in apps.values():
            for path in ["", *paths]:
                time_cold(browser, f"{url}/{path}")
        # The hello page is measured beside each page, load for load (measure_side_by_side), so a
        # machine that gets busier or quieter moves both and the ratio stays fair.
        rows = []
        for path in paths:
            views = {"hello": (min_url, ""), **{name: (url, path) for name, url in apps.items()}}
            measured = measure_side_by_side(browser, views, args.runs)
            rows.append((path, measured.pop("hello"), measured))
        browser.close()
    print(
        f"median (min–max) of {args.runs} runs in ms; "
        "ratio = page median / the hello page's median measured beside it"
    )
    for name in apps:
        print(f"\n### {name}: {labels[name]}\n")
        print(
            "| page | cold ms | cold ratio | warm ms | warm ratio | reload ms | reload ratio | ≤1.3× "
            "| hello cold / warm / reload ms |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: | --- |")
        worst = 0.0
        for path, hello, measured in rows:
            line, ratio = _table_row(f"/{path}", measured[name], hello)
            worst = max(worst, ratio)
            print(line)
        print(f"\nworst ratio ({name}): {worst:.2f}× (target ≤ 1.3× on all three measures)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
