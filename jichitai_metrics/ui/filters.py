"""Filters that live in the URL, read without widgets.

The pages choose them with links (the programme picker) and a GET form (the explorer), followed
client-side (ui/nav.py), so the URL is the one place a filter lives: a copied URL shows the same view.
"""

from __future__ import annotations

from typing import Any

import streamlit as st


def url_option(name: str, options: list) -> tuple[Any, str | None]:
    """The option named by ?name=… (None when absent) without a widget; returns (value, unknown URL value)."""
    raw = st.query_params.get(name)
    if raw in (None, ""):
        return None, None
    by_text = {str(o): o for o in options}
    text = str(raw).strip()
    return (by_text[text], None) if text in by_text else (None, str(raw))


def url_value(name: str, options: list[int], *, default: int) -> tuple[int, str | None]:
    """As url_option, with `default` when the URL names no option (links choose it)."""
    value, bad = url_option(name, options)
    return (default if value is None else value), bad
