"""A warm rerun of every page reads no file, runs no catalogue query and never rebuilds the catalogue.

Issue 3 (performance): "a warm rerun does no file I/O and no catalogue rebuild". Each page is opened
through the router in AppTest (first run fills the caches), then rerun while `open` (builtins and io,
which pandas, tomllib readers and Path.read_* all go through), `catalog.build_catalog` and every
function of `jichitai_metrics.queries` are spied on. A control test clears the catalogue cache and
checks the same spies do see the data files being read, so the assertions can fail.
"""

from __future__ import annotations

import builtins
import gc
import inspect
import io
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from unittest import mock

import pytest
from streamlit.testing.v1 import AppTest

from jichitai_metrics import catalog, queries
from jichitai_metrics.config import load_settings
from tests.support import REPO_ROOT

ENTRY = str(REPO_ROOT / "dashboard.py")

# Every page of the router, with the URL parameters that select its heavier views.
PAGES = [
    ("pages/overview.py", {}),
    ("pages/program.py", {"program": "1"}),
    ("pages/program.py", {"program": "4"}),
    ("pages/explorer.py", {}),
    ("pages/explorer.py", {"q": "FAX", "kind": "reported"}),
    ("pages/whatif.py", {}),
    ("pages/deck.py", {}),
    ("pages/present.py", {"i": "2"}),
    ("pages/inquiry.py", {}),
    ("pages/accessibility.py", {}),
    ("pages/inbox.py", {}),  # the password gate: a signed-in inbox reads the live inquiry store by design
    ("pages/review.py", {}),  # the same gate: a signed-in editor reads the draft folders by design
]


@dataclass
class Recorded:
    opened: list[str] = field(default_factory=list)
    builds: int = 0
    queries: list[str] = field(default_factory=list)


@contextmanager
def io_spied() -> Iterator[Recorded]:
    """Record every file opened from Python, catalogue builds and catalogue queries while active."""
    seen = Recorded()
    real_open = io.open
    real_build = catalog.build_catalog

    def spy_open(file, *args, **kwargs):
        seen.opened.append(str(file))
        return real_open(file, *args, **kwargs)

    def spy_build(*args, **kwargs):
        seen.builds += 1
        return real_build(*args, **kwargs)

    def spy_query(name, real):
        def wrapper(*args, **kwargs):
            seen.queries.append(name)
            return real(*args, **kwargs)

        return wrapper

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(builtins, "open", spy_open))
        stack.enter_context(mock.patch.object(io, "open", spy_open))
        stack.enter_context(mock.patch.object(catalog, "build_catalog", spy_build))
        for name, func in inspect.getmembers(queries, inspect.isfunction):
            if func.__module__ == queries.__name__ and not name.startswith("_"):
                stack.enter_context(mock.patch.object(queries, name, spy_query(name, func)))
        yield seen


@pytest.fixture()
def app_env(monkeypatch, tmp_db_path):
    monkeypatch.setenv("JICHITAI_DB_PATH", str(tmp_db_path))
    monkeypatch.setenv("JICHITAI_ADMIN_PASSWORD", "perf-test-password")
    monkeypatch.delenv("JICHITAI_DATABASE_URL", raising=False)


def opened_page(page: str, params: dict[str, str]) -> AppTest:
    """The router, then `page` with `params` (as a link opens it), run until its caches are filled."""
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.run()
    at.switch_page(page)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(("page", "params"), PAGES, ids=[f"{p}?{q}" for p, q in PAGES])
def test_warm_rerun_reads_no_file_and_runs_no_query(app_env, page, params):
    at = opened_page(page, params)
    elements_before = len(list(at.main))
    with io_spied() as seen:
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    # The rerun drew the same page (a run that stopped early would trivially read nothing).
    assert len(list(at.main)) == elements_before > 0
    assert seen.builds == 0
    assert seen.queries == []
    assert seen.opened == []


def test_spies_see_a_cold_catalogue_being_read(app_env):
    """Control: with the catalogue cache cleared, the same spies record the build and the data files."""
    from jichitai_metrics.ui import common

    at = opened_page("pages/program.py", {"program": "1"})
    common._catalog_connection.clear()
    common.chart_figures.clear()
    common.programs.clear()
    with io_spied() as seen:
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    data_dir = str(load_settings().data_dir)
    assert seen.builds == 1
    assert any(path.startswith(data_dir) and path.endswith("figures.csv") for path in seen.opened)
    assert any(path.endswith("seminar.toml") for path in seen.opened)
    assert "programs" in seen.queries


def test_router_hides_import_time_objects_from_the_collector(app_env):
    """After the router's first runs, most objects sit in the frozen generation; a run adds no new freeze."""
    from jichitai_metrics.ui import common

    at = opened_page("pages/overview.py", {})
    at.run()  # the router freezes at the start of a run when modules were imported since the last freeze
    frozen = gc.get_freeze_count()
    assert frozen > 0
    # What Streamlit's after-run gc.collect(2) still walks is a fraction of what was frozen.
    assert len(gc.get_objects()) < frozen
    # Without new imports the call is a no-op (no extra full collection on ordinary reruns).
    common.freeze_long_lived_objects()
    settled = gc.get_freeze_count()
    common.freeze_long_lived_objects()
    assert gc.get_freeze_count() == settled
