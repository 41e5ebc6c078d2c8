"""A server's very first visitor may arrive on a deep link; they must still get the router's page."""

import pytest

from tests.support import running_app, wait_idle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "expected"), [("program?program=2", "加山 緑郎"), ("inquiry", "メールアドレス")]
)
def test_first_request_to_a_deep_link_goes_through_the_router(browser, tmp_path, path, expected):
    # A fresh server each time: the shared app fixture has already been visited at "/", which hides this.
    with running_app(env={"JICHITAI_DB_PATH": str(tmp_path / "db.duckdb")}) as url:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.goto(f"{url}/{path}")
        wait_idle(page)
        sidebar = page.inner_text("[data-testid='stSidebar']")
        assert "概要" in sidebar and "言語 / Language" in sidebar
        assert "dashboard" not in sidebar  # the legacy file-name menu
        assert expected in page.inner_text("body")
        context.close()


def test_a_shared_link_finds_the_server_on_the_first_try(page, app_url):
    """A page opened at its own address asks the server's root, not /program/_stcore/… first.

    Without the shell's BACKEND_BASE_URL (jichitai_metrics/page_lang.py) the first probe is a 404 under
    the page's path and the frontend waits its 100 ms retry delay before asking the root.
    """
    page.goto(f"{app_url}/")
    wait_idle(page)
    probes: list[tuple[str, int]] = []
    page.on("response", lambda r: probes.append((r.url, r.status)) if "/_stcore/health" in r.url else None)
    for path in ("program?program=2", "inbox", "explorer?q=FAX&lang=en"):
        probes.clear()
        page.goto(f"{app_url}/{path}")
        wait_idle(page)
        assert probes and all(status == 200 for _, status in probes), (path, probes)
        assert all(url == f"{app_url}/_stcore/health" for url, _ in probes), (path, probes)


STYLE_AT_FIRST_PARSE_JS = """window.addEventListener('DOMContentLoaded', () => {
  window.__jmStyledAtParse = [...document.styleSheets].some(s => [...s.cssRules].some(
    r => r.selectorText && r.selectorText.includes('.jm-prose')));
});"""


def test_the_page_is_styled_before_any_of_it_is_drawn(browser, app_url):
    """The stylesheet comes with the served page (ui/nav.py SHELL_END), not with the first run.

    In the sidebar's block it arrived with the content, in an effect after the render: 3 of 55 loads
    of programme 1 painted a frame of the page unstyled (2026-11-29). And it must come after
    Streamlit's own styles, or Streamlit's equally specific rules win (the menu got its indent back).
    """
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.add_init_script(STYLE_AT_FIRST_PARSE_JS)
    for path in ("program?program=1", "inbox?lang=en"):
        page.goto(f"{app_url}/{path}")
        wait_idle(page)
        # Our rules were there when the document was parsed, before the app connected.
        assert page.evaluate("() => window.__jmStyledAtParse") is True, path
        # ...and they win over Streamlit's where both set the same thing: the menu's lists have no indent.
        indent = page.evaluate("() => getComputedStyle(document.querySelector('.jm-nav ul')).paddingLeft")
        assert indent == "0px", (path, indent)
    context.close()
