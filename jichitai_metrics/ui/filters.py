"""Filters that live in the URL: a widget per query parameter, kept in step both ways."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

# Each widget's key includes the URL value it was built from, so a changed URL (a pasted link, a
# page_link from the overview) rebuilds the widget from the URL; a change in the widget writes the
# URL in its callback. Streamlit's bind="query-params" matches on the formatted label (a segmented
# control with "Program 3" wants ?program=Program+3) and is not honoured by AppTest after a page
# switch, so the page keeps this explicit two-way sync instead.


def _set_param(name: str, key: str, default: object) -> None:
    value = st.session_state.get(key)
    if value is None or value == "" or value == default:
        if name in st.query_params:
            del st.query_params[name]
    else:
        st.query_params[name] = str(value)


def url_option(name: str, options: list) -> tuple[Any, str | None]:
    """The option named by ?name=… (None when absent) without a widget; returns (value, unknown URL value)."""
    raw = st.query_params.get(name)
    if raw in (None, ""):
        return None, None
    by_text = {str(o): o for o in options}
    text = str(raw).strip()
    return (by_text[text], None) if text in by_text else (None, str(raw))


def url_value(name: str, options: list[int], *, default: int) -> tuple[int, str | None]:
    """The option named by ?name=… without a widget (links choose it); returns (value, unknown URL value)."""
    raw = st.query_params.get(name)
    if raw in (None, ""):
        return default, None
    by_text = {str(o): o for o in options}
    text = str(raw).strip()
    return (by_text[text], None) if text in by_text else (default, str(raw))


def url_choice(
    name: str,
    label: str,
    options: list,
    *,
    format_func: Callable[[Any], str] = str,
    default: object = None,
    placeholder: str | None = None,
) -> tuple[Any, str | None]:
    """A selectbox whose value is ?name=… ; returns (value, unknown URL value)."""
    raw = st.query_params.get(name)
    by_text = {str(o): o for o in options}
    bad = raw if raw not in (None, "") and str(raw).strip() not in by_text else None
    current = by_text.get(str(raw).strip(), default) if raw not in (None, "") else default
    key = f"url-{name}-{raw}"
    args = (name, key, default)
    value = st.selectbox(
        label,
        options,
        index=options.index(current) if current in options else None,
        format_func=format_func,
        key=key,
        on_change=_set_param,
        args=args,
        placeholder=placeholder,
    )
    return value, bad


def url_text(name: str, label: str, placeholder: str = "") -> str:
    """A text input whose value is ?name=… (free-text search)."""
    raw = st.query_params.get(name) or ""
    key = f"url-{name}-{raw}"
    return st.text_input(
        label,
        value=raw,
        key=key,
        placeholder=placeholder,
        max_chars=100,
        on_change=_set_param,
        args=(name, key, ""),
    ).strip()
