"""Start the app and a headless Chromium the way a user meets them. Shared by tests and bench/."""

from __future__ import annotations

import contextlib
import html
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# What `streamlit run` serves: dashboard.py, an st.App with the <html lang> middleware (see there).
DEFAULT_ENTRY = "dashboard.py"
# Every page view a planner can open: each page, every programme, a filtered explorer (the overview
# is the default page, at the root URL). Browser checks (axe, zoom) and bench/pages.py walk it.
PAGE_PATHS = [
    "",
    *(f"program?program={n}" for n in range(1, 6)),
    "explorer",
    "explorer?q=FAX",
    "whatif",
    "deck",
    "present",
    "inquiry",
    "inbox",
    "review",
    "accessibility",
]
SEED_REPORT = REPO_ROOT.parent / "shared" / "seed" / "000_67b7e6e6d70f3f7d.txt"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Idle: the script has finished and no element is still Streamlit's grey placeholder (`stSkeleton`,
# shown while the code of st.html or a widget loads; it outlives the script run). A check run before
# that (axe, a screenshot) would look at a page without its text or form fields.
IDLE_JS = """() => { const a = document.querySelector("[data-testid='stApp']");
  return a && a.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector("[data-testid='stSkeleton']"); }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen | None = None, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not become healthy in {timeout}s")


@contextlib.contextmanager
def running_app(
    env: dict[str, str] | None = None,
    entry: str = DEFAULT_ENTRY,
    log: Path | None = None,
    port: int | None = None,
    extra_args: list[str] | None = None,
    cwd: Path | None = None,
    python: str | None = None,
) -> Iterator[str]:
    """Serve `entry` with streamlit on a free loopback port; yield its base URL.

    `cwd`/`python` serve another checkout with its own interpreter (bench: BEFORE on /work/base).
    """
    port = port or free_port()
    # Like scripts/run.sh: uvicorn reports the real peer; the app's JICHITAI_TRUSTED_PROXIES decides.
    full_env = {"FORWARDED_ALLOW_IPS": "", **os.environ, **(env or {})}
    out = log.open("w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        [
            python or sys.executable,
            "-m",
            "streamlit",
            "run",
            entry,
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            *(extra_args or []),
        ],
        cwd=cwd or REPO_ROOT,
        env=full_env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)  # gone (its port closed) before the caller goes on
        if log:
            out.close()  # type: ignore[union-attr]


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the Streamlit script has finished its run, every element is drawn (no placeholder)
    and the page stopped changing."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function(IDLE_JS, timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE_JS, timeout=timeout)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def visible_problems(page) -> list[str]:
    """Exception boxes, error alerts and tracebacks a user would see."""
    found = []
    for sel in ("[data-testid='stException']", "[data-testid='stAlertContentError']"):
        for el in page.query_selector_all(sel):
            found.append(el.inner_text()[:300])
    if "Traceback (most recent call last)" in page.inner_text("body"):
        found.append("traceback on page")
    return found


# --- reading the pages' HTML blocks (the pages draw their text, cards and links as st.html) ---------
_LINK = re.compile(r"<a\s([^>]*)>(.*?)</a>", re.S)


def html_links(bodies: Iterable[str]) -> dict[str, str]:
    """Label → href (unescaped) of every link in the HTML blocks, as a browser would follow it."""
    links = {}
    for body in bodies:
        for attrs, label in _LINK.findall(body):
            href = re.search(r'href="([^"]*)"', attrs)
            if href:
                links[html.unescape(re.sub(r"<[^>]+>", "", label))] = html.unescape(href.group(1))
    return links


def html_headings(bodies: Iterable[str], level: int) -> list[str]:
    """The text of every <h{level}> in the HTML blocks."""
    pattern = re.compile(rf"<h{level}[^>]*>(.*?)</h{level}>", re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", m)) for body in bodies for m in pattern.findall(body)]


def html_text(bodies: Iterable[str]) -> str:
    """The text of the HTML blocks as a reader sees it (tags dropped, entities decoded)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)) for body in bodies)


def http_get(app: str, href: str, timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    """GET a link of the app (`./files/...` as a page writes it): status, lower-case headers, body."""
    try:
        with urllib.request.urlopen(f"{app}/{href.removeprefix('./')}", timeout=timeout) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


# -- the inquiry form (an st.components.v2 component, ui/inquiry_form.py) in AppTest ----------------
# AppTest has no handle for components.v2 components: it shows them as UnknownElement (proto
# BidiComponent). These two helpers read the form's data and press its button the way the browser
# does: a trigger value on the component's "events" widget. `_make_trigger_id` and `AppTest._run`
# are private Streamlit names: if an upgrade changes them, every inquiry AppTest fails at once.


def _inquiry_component(at):
    from jichitai_metrics.ui.inquiry_form import COMPONENT_NAME

    found = [
        el
        for el in at.main
        if getattr(el, "type", "") == "bidi_component" and el.proto.component_name == COMPONENT_NAME
    ]
    assert len(found) == 1, f"{len(found)} inquiry forms on screen"
    return found[0]


def inquiry_form_data(at) -> dict:
    """The data the inquiry form component was last drawn with: html and fields (name, label, value,
    error). Fails if the form is not on screen."""
    import json

    return json.loads(_inquiry_component(at).proto.json)


def inquiry_form_values(at) -> dict:
    """{field name: value shown} of the inquiry form on screen."""
    return {f["name"]: f["value"] for f in inquiry_form_data(at)["fields"]}


def submit_inquiry_form(at, values: dict, consent: bool = True):
    """Press 入力内容を確認する with `values` ({field name: text}; fields not given keep what is shown)."""
    import json

    from streamlit.components.v2.bidi_component.main import _make_trigger_id

    from jichitai_metrics.ui.inquiry_form import SUBMIT_EVENT

    sent = {**inquiry_form_values(at), **values, "consent": consent}
    states = at._tree.get_widget_states()
    trigger = states.widgets.add()
    trigger.id = _make_trigger_id(_inquiry_component(at).proto.id, "events")
    trigger.json_trigger_value = json.dumps([{"event": SUBMIT_EVENT, "value": sent}])
    return at._run(states)
