"""A page's text as escaped HTML pieces, drawn together as one `st.html` block.

Why not `st.title`/`st.markdown`/`st.caption`: each is one Streamlit element, and a Markdown element
is parsed in the browser by react-markdown on every page load. Measured on the programme page
(a Chromium trace of a full reload, 4 reloads averaged): 41 elements took about 300 ms of the
browser's main thread against about 150 ms for the hello page, most of it React and react-markdown;
the same page as one block of HTML took about 240 ms. Every piece here escapes its text (catalogue
text is never markup); the look (sizes, spacing) matches Streamlit's own headings through the
shared stylesheet (`.jm-prose` in ui/nav.py).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import streamlit as st

from jichitai_metrics.ui import nav

__all__ = [
    "bullets",
    "caption",
    "checkbox",
    "columns",
    "draw",
    "esc",
    "fieldset",
    "heading",
    "hidden",
    "notice",
    "page_form",
    "para",
    "search",
    "select",
    "strong",
    "tabs",
    "text_field",
]


def esc(text: object) -> str:
    """`text` as HTML text (quotes escaped too, so it is safe in an attribute as well)."""
    return html.escape(str(text), quote=True)


def heading(level: int, text: str, anchor: str | None = None) -> str:
    """`<h1>`–`<h4>`; `anchor` gives it an id a link can point at."""
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return f"<h{level}{ident}>{esc(text)}</h{level}>"


def strong(text: str) -> str:
    return f"<strong>{esc(text)}</strong>"


def para(inner_html: str, css: str = "", role: str = "") -> str:
    """A paragraph of HTML already escaped (use esc/strong for its pieces)."""
    role_attr = f' role="{role}"' if role else ""
    class_attr = f' class="{css}"' if css else ""
    return f"<p{role_attr}{class_attr}>{inner_html}</p>"


def caption(text: str) -> str:
    """Small print under a heading or a table (the look of st.caption, AA contrast)."""
    return para(esc(text), "jm-caption")


def bullets(items_html: Iterable[str]) -> str:
    """A list of items already in HTML."""
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items_html) + "</ul>"


def columns(left_html: str, right_html: str) -> str:
    """Two columns (3:2) that stack into one on a narrow screen or at 200% zoom."""
    return f'<div class="jm-columns"><div>{left_html}</div><div>{right_html}</div></div>'


def tabs(label: str, choices: Iterable[tuple[str, str, bool]]) -> str:
    """A row of links to views of this page, the current one marked (aria-current) and not a link.

    `choices` are (text, href already escaped, current). The links are followed client-side
    (data-jm-nav, see ui/nav.py), so the session stays.
    """
    items = "".join(
        f'<span aria-current="page">{esc(text)}</span>'
        if current
        else f'<a href="{href}" data-jm-nav>{esc(text)}</a>'
        for text, href, current in choices
    )
    # The visible label repeats the landmark's name: hidden from screen readers, so it is read once.
    shown = f'<span class="jm-tabs-label" aria-hidden="true">{esc(label)}</span>'
    return f'<nav class="jm-tabs" aria-label="{esc(label)}">{shown}{items}</nav>'


def select(name: str, label: str, options: Iterable[tuple[str, str]], chosen: str, everything: str) -> str:
    """A native `<select>` with its `<label>`: (value, text) options after an "everything" option ("")."""
    ident = f"jm-f-{esc(name)}"
    items = [f'<option value=""{" selected" if not chosen else ""}>{esc(everything)}</option>']
    items += [
        f'<option value="{esc(value)}"{" selected" if value == chosen else ""}>{esc(text)}</option>'
        for value, text in options
    ]
    return (
        f'<div class="jm-field"><label for="{ident}">{esc(label)}</label>'
        f'<select id="{ident}" name="{esc(name)}">{"".join(items)}</select></div>'
    )


def _input(kind: str, name: str, label: str, value: str, placeholder: str, max_chars: int, css: str) -> str:
    ident = f"jm-f-{esc(name)}"
    return (
        f'<div class="{css}"><label for="{ident}">{esc(label)}</label>'
        f'<input type="{kind}" id="{ident}" name="{esc(name)}" value="{esc(value)}" '
        f'placeholder="{esc(placeholder)}" maxlength="{max_chars}" autocomplete="off"></div>'
    )


def search(name: str, label: str, value: str, placeholder: str, max_chars: int = 100) -> str:
    """A native search box with its `<label>`, the whole width of the form."""
    return _input("search", name, label, value, placeholder, max_chars, "jm-field jm-field-wide")


def text_field(name: str, label: str, value: str, placeholder: str, max_chars: int = 40) -> str:
    """A native one-line text box with its `<label>` (numbers typed as planners write them: 「5万」)."""
    return _input("text", name, label, value, placeholder, max_chars, "jm-field")


def checkbox(name: str, value: str, label: str, checked: bool) -> str:
    """A native check box inside its `<label>` (the whole text is the click target)."""
    mark = " checked" if checked else ""
    return (
        f'<label class="jm-check"><input type="checkbox" name="{esc(name)}" value="{esc(value)}"{mark}> '
        f"<span>{esc(label)}</span></label>"
    )


def fieldset(legend: str, inner_html: str) -> str:
    """Related fields under one visible name (`<legend>`), read out with each; the full width of the form."""
    return (
        f'<fieldset class="jm-fieldset jm-field-wide"><legend>{esc(legend)}</legend>{inner_html}</fieldset>'
    )


def hidden(name: str, value: str) -> str:
    """A value the form sends as it is (e.g. which view of the page it belongs to)."""
    return f'<input type="hidden" name="{esc(name)}" value="{esc(value)}">'


NOTICE_ROLES = {"info": "note", "warning": "note", "error": "alert"}


def notice(kind: str, text: str) -> str:
    """A boxed message with the look of st.info / st.warning / st.error (AA contrast); errors are
    announced (role=alert)."""
    return f'<p class="jm-notice jm-{kind}" role="{NOTICE_ROLES[kind]}">{esc(text)}</p>'


def page_form(
    url_path: str, label: str, fields_html: str, submit: str, reset: str, lang: str, role: str = "search"
) -> str:
    """A GET form over this page's address: its fields become the URL's parameters.

    Submitting is followed client-side (data-jm-nav, ui/nav.py: the session stays); without script
    it is an ordinary GET. Nothing changes until the button is pressed (WCAG 3.2.2: a change of a
    field does not move the page). The page's language and seminar ride along as hidden fields;
    `reset` labels a link to the page without the form's parameters. `role` is the form's landmark
    ("search" for filters; "" for a plain form).
    """
    carried = {
        "lang": lang,
        **({"seminar": str(st.query_params["seminar"])} if "seminar" in st.query_params else {}),
    }
    kept = "".join(hidden(k, v) for k, v in carried.items())
    role_attr = f' role="{esc(role)}"' if role else ""
    return (
        f'<form class="jm-form" method="get" action="{nav.page_href(url_path, {})}" data-jm-nav{role_attr} '
        f'aria-label="{esc(label)}">{kept}<div class="jm-fields">{fields_html}</div>'
        f'<div class="jm-actions"><button type="submit" class="jm-button jm-primary">{esc(submit)}</button>'
        f"{nav.nav_link(url_path, reset, carried, css='jm-button')}</div></form>"
    )


def draw(*parts: str) -> None:
    """Draw the pieces as one block."""
    st.html('<div class="jm-prose">' + "".join(parts) + "</div>")
