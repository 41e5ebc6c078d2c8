"""Shared fixtures: the real catalogue, a running app, and a headless Chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support import CHROMIUM, REPO_ROOT, SEED_REPORT, launch_chromium, running_app

ADMIN_PASSWORD = "staff-パスワード-42"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def seed_report_text() -> str:
    if not SEED_REPORT.exists():
        message = f"the source report is not on this machine ({SEED_REPORT}); quotes cannot be checked"
        # In CI a missing report is a broken set-up, not a reason to pass without checking the quotes.
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: the check must run)")
        pytest.skip(message)
    return SEED_REPORT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def catalog_con():
    from jichitai_metrics import catalog

    return catalog.build_catalog(REPO_ROOT / "data")


@pytest.fixture()
def tmp_db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "inquiries.duckdb"


@pytest.fixture(scope="session")
def app_env(tmp_path_factory) -> dict[str, str]:
    state = tmp_path_factory.mktemp("app-state")
    return {
        "JICHITAI_DB_PATH": str(state / "jichitai.duckdb"),
        "JICHITAI_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "JICHITAI_DATABASE_URL": "",
    }


@pytest.fixture(scope="session")
def app_url(app_env, tmp_path_factory) -> str:
    """One running dashboard for the browser tests of this session."""
    log = tmp_path_factory.mktemp("app-log") / "streamlit.log"
    with running_app(env=app_env, log=log) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None and not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh --test (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="ja-JP", accept_downloads=True
    )
    pg = context.new_page()
    yield pg
    context.close()
