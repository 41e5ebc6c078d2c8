"""bench/pages.py's "drawn": the moment every speed figure of issue 12 is measured to.

It once stopped while Streamlit still showed grey placeholders for elements whose code was loading
(the inquiry form's fields), so the tables were kinder than the screen. These pin what "drawn" waits
for, on hand-made pages with Streamlit's markers.
"""

from __future__ import annotations

import pytest

from bench.pages import DRAWN_JS

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
