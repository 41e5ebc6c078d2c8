"""Capacity: production-safe server settings, the interval garbage collector, the busy notice."""

from __future__ import annotations

import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from jichitai_metrics.admission import Admission
from jichitai_metrics.config import load_settings
from jichitai_metrics.errors import ConfigError
from tests.botclient import BotSession
from tests.support import REPO_ROOT, running_app

BUSY = "混み合っています"


# -- settings the default run command uses -------------------------------------------------------------
def test_default_run_command_has_production_safe_settings() -> None:
    conf = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert conf["server"]["fileWatcherType"] == "none"
    assert conf["server"]["runOnSave"] is False
    assert conf["runner"]["postScriptGC"] is False
    run_sh = (REPO_ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    # Reloads only on request: --dev turns the watcher back on, nothing else does.
    assert "--server.fileWatcherType auto" in run_sh and '"--dev"' in run_sh


def test_streamlit_accepts_our_config(tmp_path: Path) -> None:
    """A misspelt option is ignored silently by Streamlit; read the values back as it sees them."""
    code = (
        "from streamlit import config; config.get_config_options(force_reparse=True); "
        "print(config.get_option('runner.postScriptGC'), config.get_option('server.fileWatcherType'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "none"]


# -- the collection policy ----------------------------------------------------------------------------
def test_interval_collector_frees_cyclic_garbage_without_any_run() -> None:
    """With automatic collection off and no allocations, only the interval thread can free a cycle."""
    code = """
import gc, time, weakref
from jichitai_metrics import gcpolicy
assert gcpolicy.install(every=0.2) and not gcpolicy.install(every=0.2)  # once per process
gc.disable()
class Node: pass
a, b = Node(), Node(); a.other, b.other = b, a
ref = weakref.ref(a); del a, b
assert ref() is not None  # a cycle: reference counting alone does not free it
time.sleep(1.0)
print("freed" if ref() is None else "kept", gcpolicy.stats()[2][0] >= 1)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["freed", "True"]


def test_closed_sessions_are_freed_after_their_ttl_on_an_idle_server(tmp_path: Path) -> None:
    """Streamlit reaps expired sessions only when another one is stored; our collector reaps them."""
    log = tmp_path / "server.log"
    env = {
        "JICHITAI_DB_PATH": str(tmp_path / "s.duckdb"),
        "JICHITAI_GC_LOG": "1",
        "JICHITAI_GC_INTERVAL_S": "1",
    }
    with running_app(env, log=log, extra_args=["--server.disconnectedSessionTTL", "2"]) as url:
        for _ in range(5):
            with BotSession(url, "program", "program=1") as bot:
                assert not bot.exceptions
        expired = -1
        deadline = time.time() + 90  # generous: the machine running the suite may be loaded
        while time.time() < deadline and expired < 5:
            time.sleep(0.5)
            lines = [ln for ln in log.read_text(errors="replace").splitlines() if "expired sessions" in ln]
            expired = int(lines[-1].rsplit(" ", 1)[1]) if lines else -1
        assert expired == 5  # no new session came after them: only the collector can have freed them


# -- admission ---------------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_admission_counts_active_sessions_and_lets_them_expire() -> None:
    clock = Clock()
    gate = Admission(limit=2, window=60, clock=clock)
    assert gate.enter("a", False) and gate.enter("b", False)
    assert not gate.enter("c", False)  # full: the newcomer is told to retry
    assert gate.enter("a", False)  # one already counted keeps working
    clock.now += 61  # both quiet for longer than the window
    assert gate.active() == 0
    assert gate.enter("c", False)


def test_admitted_session_is_never_turned_away_later() -> None:
    clock = Clock()
    gate = Admission(limit=1, window=60, clock=clock)
    assert gate.enter("reader", False)
    clock.now += 120  # the planner read a long page; meanwhile someone else took the place
    assert gate.enter("other", False)
    assert gate.enter("reader", True)  # admitted before: served although the process is full
    assert gate.active() == 2


def test_limit_zero_means_no_admission_check() -> None:
    gate = Admission(limit=0)
    assert all(gate.enter(str(i), False) for i in range(100))


def test_setting_is_read_and_a_typo_is_named() -> None:
    assert load_settings({}).max_active_sessions == 0
    assert load_settings({"JICHITAI_MAX_ACTIVE_SESSIONS": "25"}).max_active_sessions == 25
    assert load_settings({"JICHITAI_ACTIVE_WINDOW_S": "30"}).active_window_s == 30
    with pytest.raises(ConfigError, match="JICHITAI_MAX_ACTIVE_SESSIONS"):
        load_settings({"JICHITAI_MAX_ACTIVE_SESSIONS": "25人"})


@pytest.fixture(scope="module")
def full_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("capacity")
    env = {
        "JICHITAI_DB_PATH": str(tmp / "store.duckdb"),
        "JICHITAI_MAX_ACTIVE_SESSIONS": "2",
        "JICHITAI_ACTIVE_WINDOW_S": "20",
    }
    with running_app(env, log=tmp / "server.log") as url:
        yield url


def test_new_planner_past_capacity_sees_busy_notice_and_retry(full_app: str) -> None:
    first = BotSession(full_app, "program", "program=1")
    second = BotSession(full_app)
    try:
        started = time.perf_counter()
        with BotSession(full_app, "program", "program=1") as third:
            assert time.perf_counter() - started < 15  # a notice, not a long spinner (even on a busy CI box)
            notices = third.alerts("warning")
            assert len(notices) == 1 and BUSY in notices[0], third.texts()
            assert third.has_widget("再試行", "button")
            assert not third.exceptions
            assert (
                "概要（編集部による要約）" not in third.texts()
                and len(third.elements("vega_lite_chart")) == 0
            )
            # The planners already in keep working while the newcomer waits.
            first.goto("explorer")
            second.goto("program", "program=2")
            assert not any(BUSY in a for a in first.alerts() + second.alerts())
            # Once the others have been quiet for the window, retry lets the newcomer in.
            time.sleep(21)
            third.click("再試行")
            assert not any(BUSY in a for a in third.alerts()), third.texts()
            assert not third.has_widget("再試行", "button")
            assert "概要（編集部による要約）" in third.texts()  # the page asked for, programme 1
    finally:
        first.close()
        second.close()


def test_busy_notice_in_english_when_asked(full_app: str) -> None:
    keep = [BotSession(full_app), BotSession(full_app)]
    try:
        with BotSession(full_app, "", "lang=en") as newcomer:
            texts = newcomer.alerts("warning")
            assert len(texts) == 1 and "busy" in texts[0] and BUSY not in texts[0], newcomer.texts()
            assert newcomer.has_widget("Retry", "button")
    finally:
        for bot in keep:
            bot.close()
