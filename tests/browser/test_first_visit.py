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
