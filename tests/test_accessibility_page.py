"""The アクセシビリティ方針 page claims only checks that a test in the suite performs."""

from __future__ import annotations

import ast
import datetime as dt

from jichitai_metrics import accessibility
from tests.support import REPO_ROOT
from tests.test_pages import open_page


def _test_functions(path: str) -> set[str]:
    tree = ast.parse((REPO_ROOT / path).read_text(encoding="utf-8"))
    return {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }


def test_every_statement_names_a_test_that_exists():
    assert len(accessibility.CHECKS) >= 10
    for check in accessibility.CHECKS:
        path, name = check.test.split("::")
        assert name in _test_functions(path), check.test


def test_every_accessibility_test_is_stated_on_the_page():
    """The other way round: each a11y browser test appears on the page (nothing tested but unsaid)."""
    stated = {c.test for c in accessibility.CHECKS}
    for path in (
        "tests/browser/test_accessibility.py",
        "tests/browser/test_keyboard.py",
        "tests/browser/test_zoom.py",
    ):
        for name in _test_functions(path):
            assert f"{path}::{name}" in stated, name


def test_the_date_is_a_real_day_not_in_the_future():
    assert dt.date.fromisoformat(accessibility.TESTED_ON) <= dt.date.today()


def test_the_page_shows_target_checks_and_results_in_both_languages():
    at = open_page("pages/accessibility.py")
    body = " ".join(el.proto.body for el in at.get("html"))
    assert "JIS X 8341-3:2016" in body
    assert body.count("<tr>") == len(accessibility.CHECKS) + 1  # header row + one per check
    assert "適合" in body and accessibility.TESTED_ON in body
    at = open_page("pages/accessibility.py", lang="en")
    body = " ".join(el.proto.body for el in at.get("html"))
    assert "Pass" in body and "Tested on" in body
