"""Filters that live in the URL, read without widgets.

The pages choose them with links (the programme picker) and a GET form (the explorer), followed
client-side (ui/nav.py), so the URL is the one place a filter lives: a copied URL shows the same view.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from jichitai_metrics import words

# The explorer's filters, as its URL (and its CSV file's address) names them.
EXPLORER_PARAMS = ("prog", "topic", "unit", "kind", "q")
#: Rows per page of the explorer's table (?page=N; ?page=all shows every row).
EXPLORER_PAGE_SIZE = 20


def _match(raw: object, options: list) -> tuple[Any, str | None]:
    """The option a URL value names (None when blank or unknown), and the unknown value if any."""
    if raw in (None, ""):
        return None, None
    by_text = {str(o): o for o in options}
    text = str(raw).strip()
    return (by_text[text], None) if text in by_text else (None, str(raw))


def url_option(name: str, options: list) -> tuple[Any, str | None]:
    """The option named by ?name=… (None when absent) without a widget; returns (value, unknown URL value)."""
    return _match(st.query_params.get(name), options)


def url_value(name: str, options: list[int], *, default: int) -> tuple[int, str | None]:
    """As url_option, with `default` when the URL names no option (links choose it)."""
    value, bad = url_option(name, options)
    return (default if value is None else value), bad


@dataclass(frozen=True)
class ExplorerFilters:
    """The explorer's filters read from URL parameters, each checked against the catalogue's options.

    The page and its CSV file (ui/csv_files.py) read them with this one rule: the page warns about
    `ignored` values and shows the rest, the file address names no table when any value is ignored.
    """

    program: int | None = None
    topic: str | None = None
    unit: str | None = None
    kind: str | None = None
    text: str | None = None
    ignored: tuple[tuple[str, str], ...] = ()  # (parameter, URL value) that names no option

    def figure_query(self) -> dict[str, Any]:
        """Keyword arguments for common.figures."""
        return {
            "program": self.program,
            "topic": self.topic,
            "unit": self.unit,
            "kind": self.kind,
            "text": self.text,
        }

    def url_params(self) -> dict[str, str]:
        """The accepted filters under their URL names (blank ones left out)."""
        values = (self.program, self.topic, self.unit, self.kind, self.text)
        return {name: str(v) for name, v in zip(EXPLORER_PARAMS, values, strict=True) if v not in (None, "")}

    @property
    def narrowed(self) -> bool:
        """True when anything but the programme narrows the rows (the file name says "filtered")."""
        return any((self.topic, self.unit, self.kind, self.text))

    def cache_key(self, seminar_id: str) -> tuple:
        """What the selection is, for the shared reads of its table and CSV."""
        return ("explorer", seminar_id, self.program, self.topic, self.unit, self.kind, self.text)


def explorer_filters(seminar_id: str, params: Mapping[str, str]) -> ExplorerFilters:
    """The explorer's filters named by `params` (a page's query); unknown option values are ignored."""
    from jichitai_metrics.ui import common
    from jichitai_metrics.ui import figures as fig_ui

    options: dict[str, list] = {
        "prog": [int(n) for n in common.programs(seminar_id)["number"]],
        "topic": list(fig_ui.figure_topics(seminar_id)),
        "unit": list(fig_ui.figure_units(seminar_id)),
        "kind": list(words.KIND_TEXT),
    }
    chosen: dict[str, Any] = {}
    ignored = []
    for name, allowed in options.items():
        chosen[name], bad = _match(params.get(name), allowed)
        if bad is not None:
            ignored.append((name, bad))
    return ExplorerFilters(
        program=chosen["prog"],
        topic=chosen["topic"],
        unit=chosen["unit"],
        kind=chosen["kind"],
        text=str(params.get("q") or "").strip()[:100] or None,
        ignored=tuple(ignored),
    )


@dataclass(frozen=True)
class RowsShown:
    """Which rows of a table a page shows: rows[start:stop], page `page` of `pages` (None: all)."""

    start: int
    stop: int
    page: int | None
    pages: int
    total: int


def rows_shown(asked: object, total: int, size: int = EXPLORER_PAGE_SIZE) -> tuple[RowsShown, str | None]:
    """The rows ?page=… names (1-based, or "all"), and the URL value if it names no page (page 1 then).

    A table's rows are split into pages of `size` so the screen draws a part of a long table (the
    explorer's 49 figures were the heaviest block of any page: bench/README.md); the CSV beside it
    keeps every row.
    """
    pages = max(1, math.ceil(total / size))
    text = "" if asked is None else str(asked).strip()
    if text == "all":
        return RowsShown(0, total, None, pages, total), None
    page, bad = 1, None
    if text.isdecimal() and 1 <= int(text) <= pages:  # ２ (full width) is 2; ² is not a number
        page = int(text)
    elif text:
        bad = text
    return RowsShown((page - 1) * size, min(page * size, total), page, pages, total), bad
