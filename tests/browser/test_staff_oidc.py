"""Browser: staff sign in through a real OpenID Connect provider on loopback (npm `oidc-provider`).

Allowed staff get in; another account gets a polite refusal; sign-out ends access in the tab and the
back button shows nothing; an export's URL answers 404 without cookies after sign-out.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from jichitai_metrics.config import load_settings
from jichitai_metrics.inquiries import NewInquiry, open_store
from tests.oidc_server import auth_secrets, oidc_provider, provider_missing
from tests.support import free_port, running_app, visible_problems, wait_idle

pytestmark = pytest.mark.browser

STAFF = "staff@city.example.lg.jp"
OUTSIDER = "someone@example.com"
PERSON = NewInquiry(
    "記事", "架空市", "企画課", "試験 花子", "03-1234-5678", "hanako@example.jp", "質問です", True
)


@pytest.fixture(scope="module")
def oidc_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    why = provider_missing()
    if why:
        pytest.fail(why)
    tmp = tmp_path_factory.mktemp("oidc")
    db = tmp / "store.duckdb"
    store = open_store(load_settings({"JICHITAI_DB_PATH": str(db)}))
    store.submit(PERSON, "oidc-seed-1")
    store.close()
    app_port, idp_port = free_port(), free_port()
    base = f"http://127.0.0.1:{app_port}"
    with oidc_provider(idp_port, base, log=tmp / "idp.log") as issuer:
        secrets = tmp / "secrets.toml"
        secrets.write_text(auth_secrets(issuer, base), encoding="utf-8")
        env = {
            "JICHITAI_DB_PATH": str(db),
            "JICHITAI_DATABASE_URL": "",
            "JICHITAI_ADMIN_PASSWORD": "",
            "JICHITAI_ADMIN_PASSWORD_HASH": "",
            "JICHITAI_STAFF_EMAILS": f"{STAFF}, @dx.example.lg.jp",
        }
        with running_app(
            env, port=app_port, log=tmp / "app.log", extra_args=["--secrets.files", str(secrets)]
        ) as url:
            yield url, issuer, db


def status_without_cookies(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def sign_in(page, url: str, issuer: str, email: str) -> None:
    page.goto(f"{url}/inbox")
    wait_idle(page)
    page.get_by_role("button", name="組織のアカウントでサインイン").click()
    page.wait_for_url(f"{issuer}/**")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.get_by_role("button", name="Continue").click()  # the provider's consent page
    page.wait_for_url(f"{url}/**")
    page.goto(f"{url}/inbox")  # Streamlit returns to the home page after sign-in
    wait_idle(page)


def test_staff_sign_in_export_sign_out_and_back(oidc_app, page, tmp_path) -> None:
    url, issuer, _db = oidc_app
    sign_in(page, url, issuer, STAFF)
    page.get_by_role("button", name=f"サインアウト（{STAFF}）").wait_for()
    assert page.get_by_text("1件中 1/1ページ").count() == 1
    assert visible_problems(page) == []
    page.screenshot(path=str(tmp_path / "signed-in.png"), full_page=True)

    page.get_by_role("button", name="CSVを作成する").click()
    wait_idle(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="ダウンロード（1件）").click()
    download = info.value
    assert "/media/" in download.url
    assert "hanako@example.jp" in Path(download.path()).read_bytes().decode("utf-8-sig")
    assert status_without_cookies(download.url) == 200  # the URL is real while signed in...

    page.get_by_role("button", name=f"サインアウト（{STAFF}）").click()
    # The provider may ask to confirm the sign-out (RP-initiated logout); then back to the app.
    page.wait_for_url(
        lambda u: u.startswith(issuer) or "/auth/" not in u and u.startswith(url) and "inbox" not in u
    )
    if page.url.startswith(issuer):
        page.screenshot(path=str(tmp_path / "provider-logout.png"))
        page.locator("button[autofocus], button[type=submit]").first.click()
        page.wait_for_url(f"{url}/**")
    wait_idle(page)
    assert status_without_cookies(download.url) == 404  # ...and dead after sign-out

    page.goto(f"{url}/inbox")
    wait_idle(page)
    assert page.get_by_role("button", name="組織のアカウントでサインイン").count() == 1
    assert page.locator("[data-testid='stDataFrame']").count() == 0
    # Back through the history (the app, the provider's sign-out, the signed-in inbox): nothing
    # of the inbox comes back.
    visited = []
    for _ in range(4):
        page.go_back()
        visited.append(page.url)
        if page.url.startswith(url):
            wait_idle(page)
        assert page.get_by_text("hanako@example.jp").count() == 0, page.url
        assert page.get_by_role("button", name="CSVを作成する").count() == 0, page.url
        assert page.get_by_role("button", name=f"サインアウト（{STAFF}）").count() == 0, page.url
        if "/inbox" in page.url:
            assert page.locator("[data-testid='stDataFrame']").count() == 0
    assert any("/inbox" in u for u in visited), visited  # the signed-in page's history entry was revisited
    page.screenshot(path=str(tmp_path / "after-back.png"), full_page=True)


def test_other_accounts_are_politely_refused(oidc_app, page, tmp_path) -> None:
    url, issuer, _db = oidc_app
    sign_in(page, url, issuer, OUTSIDER)
    page.get_by_text("受付箱を見る権限がありません").wait_for()
    assert page.locator("[data-testid='stDataFrame']").count() == 0
    assert page.get_by_text("hanako@example.jp").count() == 0
    assert page.get_by_role("button", name="CSVを作成する").count() == 0
    assert visible_problems(page) == []
    page.screenshot(path=str(tmp_path / "refused.png"))


def test_domain_entry_lets_a_colleague_in(oidc_app, page) -> None:
    url, issuer, _db = oidc_app
    sign_in(page, url, issuer, "suzuki@dx.example.lg.jp")
    page.get_by_role("button", name="サインアウト（suzuki@dx.example.lg.jp）").wait_for()
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)  # the list follows the button
    assert page.locator("[data-testid='stDataFrame']").count() >= 1
