"""URL rules of ui/filters.py that need no page: which rows ?page=… names."""

from __future__ import annotations

import pytest

from jichitai_metrics.ui.filters import RowsShown, rows_shown


@pytest.mark.parametrize(
    ("asked", "total", "shown", "bad"),
    [
        (None, 49, RowsShown(0, 20, 1, 3, 49), None),
        ("2", 49, RowsShown(20, 40, 2, 3, 49), None),
        (" 3 ", 49, RowsShown(40, 49, 3, 3, 49), None),  # the last page holds the rest
        ("all", 49, RowsShown(0, 49, None, 3, 49), None),
        ("4", 49, RowsShown(0, 20, 1, 3, 49), "4"),  # past the last page: said, page 1 shown
        ("0", 49, RowsShown(0, 20, 1, 3, 49), "0"),
        ("-1", 49, RowsShown(0, 20, 1, 3, 49), "-1"),
        ("２", 49, RowsShown(20, 40, 2, 3, 49), None),  # typed in full width, as Japanese input gives
        ("²", 49, RowsShown(0, 20, 1, 3, 49), "²"),  # a digit to str.isdigit, not a number to int()
        ("", 49, RowsShown(0, 20, 1, 3, 49), None),
        (None, 13, RowsShown(0, 13, 1, 1, 13), None),  # fits on one page
        (None, 0, RowsShown(0, 0, 1, 1, 0), None),  # nothing found: one empty page
        (None, 40, RowsShown(0, 20, 1, 2, 40), None),
    ],
)
def test_rows_shown(asked, total, shown, bad):
    assert rows_shown(asked, total) == (shown, bad)
