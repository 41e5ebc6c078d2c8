"""bench/pages.py's "drawn": the moment every speed figure of issue 12 is measured to.

It once stopped while Streamlit still showed grey placeholders for elements whose code was loading
(the inquiry form's fields), so the tables were kinder than the screen. These pin what "drawn" waits
for, on hand-made pages with Streamlit's markers.
"""

from __future__ import annotations

import pytest

from bench.pages import CLOCK_JS, CLOCK_READ_JS, DRAWN_JS

PNG_1PX = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _app(main: str, state: str = "notRunning") -> str:
    return (
        f'<div data-testid="stApp" data-test-script-state="{state}">'
        f'<div data-testid="stMainBlockContainer">{main}</div></div>'
    )


def _element(inner: str) -> str:
    return f'<div data-testid="stElementContainer">{inner}</div>'


TEXT = _element('<div data-testid="stHtml"><p>本文</p></div>')


@pytest.mark.parametrize(
    ("content", "drawn"),
    [
        (_app(TEXT), True),
        (_app(TEXT, state="running"), False),
        (_app(""), False),
        # An element whose code is still loading: Streamlit's Suspense placeholder.
        (_app(TEXT + _element('<div data-testid="stSkeleton"></div>')), False),
        # A chart without its drawing yet, then with it.
        (_app(_element('<div data-testid="stVegaLiteChart"></div>')), False),
        (_app(_element('<div data-testid="stVegaLiteChart"><svg></svg></div>')), True),
        # An st.components.v2 component not mounted yet, then mounted.
        (_app(_element('<div data-testid="stBidiComponent"></div>')), False),
        (_app(_element('<div data-testid="stBidiComponent"><form></form></div>')), True),
        # A picture that failed to load, then one that loaded.
        (_app(_element('<img src="data:image/png;base64,AAAA" alt="">')), False),
        (_app(_element(f'<img src="{PNG_1PX}" alt="">')), True),
    ],
    ids=[
        "text",
        "script-running",
        "empty-main",
        "placeholder",
        "chart-undrawn",
        "chart-drawn",
        "component-unmounted",
        "component-mounted",
        "image-broken",
        "image-loaded",
    ],
)
def test_drawn_waits_for_everything_a_planner_sees(page, content, drawn):
    page.set_content(content)
    page.wait_for_load_state("load")
    assert page.evaluate(DRAWN_JS) is drawn


# The page clock (CLOCK_JS): the moment "drawn" first holds, seen from inside the page. Each test changes
# the page from a timer that notes when it did it (window.__changedAt); the clock's reading must be that
# moment, give or take the observer's own delay, however late the timer or the test's reading came.

RUNNING_PAGE = _app(TEXT, state="running")
SET_STATE = "document.querySelector(\"[data-testid='stApp']\").setAttribute('data-test-script-state', '{}')"


def _clocked(page, content: str):
    page.set_content(content)
    page.evaluate(CLOCK_JS)
    return page


def _reading(page, timeout_ms: float = 5_000) -> float:
    return float(page.wait_for_function(CLOCK_READ_JS, timeout=timeout_ms, polling=10).json_value())


def _changed_at(page) -> float:
    """Seconds from the clock's start to the moment the page's timer made the last change."""
    return page.evaluate("(window.__changedAt - window.__jmClock.since) / 1000")


def _later(ms: int, statements: str) -> str:
    return f"setTimeout(() => {{ {statements}; window.__changedAt = performance.now(); }}, {ms})"


def test_clock_times_a_load_to_the_moment_the_script_finished(page):
    _clocked(page, RUNNING_PAGE)
    page.evaluate(_later(150, SET_STATE.format("notRunning")))
    page.wait_for_timeout(400)  # read long after the fact: a poll's lateness is not in the reading
    assert 0 <= _reading(page) - _changed_at(page) < 0.01


def test_clock_times_a_rerun_from_the_key_to_drawn(page):
    _clocked(page, _app(TEXT))
    page.mouse.click(5, 5)
    page.keyboard.press("r")
    assert page.evaluate(CLOCK_READ_JS) is None  # armed at the key, nothing drawn yet
    page.evaluate(_later(20, SET_STATE.format("running")))
    page.evaluate(_later(120, SET_STATE.format("notRunning")))
    page.wait_for_timeout(400)
    assert _changed_at(page) >= 0.12
    assert 0 <= _reading(page) - _changed_at(page) < 0.01


def test_clock_sees_a_rerun_that_leaves_and_returns_within_one_task(page):
    # React can commit rerunRequested -> notRunning before the observer runs: the old value shows it.
    _clocked(page, _app(TEXT))
    page.mouse.click(5, 5)
    page.keyboard.press("r")
    page.evaluate(_later(50, SET_STATE.format("rerunRequested") + "; " + SET_STATE.format("notRunning")))
    page.wait_for_timeout(300)
    assert 0 <= _reading(page) - _changed_at(page) < 0.01


def test_clock_does_not_stop_without_a_rerun(page):
    _clocked(page, _app(TEXT))
    page.mouse.click(5, 5)
    page.keyboard.press("r")
    page.wait_for_timeout(300)
    assert page.evaluate(CLOCK_READ_JS) is None


def test_clock_waits_for_a_picture_that_loads_later(page):
    _clocked(page, RUNNING_PAGE)
    page.evaluate(
        _later(
            50,
            """const img = document.createElement('img'); img.alt = '';
            document.querySelector("[data-testid='stMainBlockContainer']").appendChild(img); """
            + SET_STATE.format("notRunning"),
        )
    )
    page.wait_for_timeout(150)
    assert page.evaluate(CLOCK_READ_JS) is None  # the script finished, the picture is not there
    page.evaluate(f"""window.__loaded = new Promise((done) => {{ const img = document.querySelector('img');
        img.addEventListener('load', () => {{ window.__changedAt = performance.now(); done(); }});
        window.__srcSetAt = performance.now(); img.src = '{PNG_1PX}'; }})""")
    page.evaluate("window.__loaded")
    src_set_at = page.evaluate("(window.__srcSetAt - window.__jmClock.since) / 1000")
    # Not before the picture was asked for; not after its load event (on a busy machine a frame can see
    # the picture complete before the load event's task runs, so the reading may come a little earlier).
    assert src_set_at <= _reading(page) <= _changed_at(page) + 0.01
