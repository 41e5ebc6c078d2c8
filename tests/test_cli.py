"""CLI: python -m jichitai_metrics deck (help, success, unknown ids -> message + non-zero exit)."""

from __future__ import annotations

import subprocess
import sys

from pptx import Presentation

from tests.support import REPO_ROOT


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jichitai_metrics", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_help_lists_deck_options():
    out = _run("deck", "--help")
    assert out.returncode == 0
    for option in ("--out", "--seminar", "--program", "--chart", "--lang"):
        assert option in out.stdout


def test_deck_for_one_programme(tmp_path, catalog_con):
    from jichitai_metrics import queries

    target = tmp_path / "p4.pptx"
    out = _run("deck", "--out", str(target), "--program", "4")
    assert out.returncode == 0, out.stderr
    deck = Presentation(str(target))
    n_charts = len(queries.charts(catalog_con, "r5-budget-dx-day1", 4))
    assert len(deck.slides) == n_charts + 2
    assert f"{n_charts + 2} slides" in out.stdout
    # No streamlit in the CLI: it must work where the dashboard is not installed/running.
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, jichitai_metrics.__main__ as m, "
            "jichitai_metrics.slides; print('streamlit' in sys.modules)",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.stdout.strip() == "False"


def test_unknown_seminar_fails_with_message(tmp_path):
    target = tmp_path / "x.pptx"
    out = _run("deck", "--out", str(target), "--seminar", "no-such-seminar")
    assert out.returncode == 2
    assert "no-such-seminar" in out.stderr and "r5-budget-dx-day1" in out.stderr
    assert "Traceback" not in out.stderr
    assert not target.exists()


def test_unknown_programme_fails_with_message(tmp_path):
    out = _run("deck", "--out", str(tmp_path / "x.pptx"), "--program", "42")
    assert out.returncode == 2 and "42" in out.stderr and "Traceback" not in out.stderr


def test_unknown_chart_and_bad_suffix(tmp_path):
    out = _run("deck", "--out", str(tmp_path / "x.pptx"), "--chart", "nope-chart")
    assert out.returncode == 2 and "nope-chart" in out.stderr
    out = _run("deck", "--out", str(tmp_path / "x.pdf"))
    assert out.returncode == 2 and ".pptx" in out.stderr


def test_missing_out_is_a_usage_error():
    out = _run("deck")
    assert out.returncode == 2 and "--out" in out.stderr
