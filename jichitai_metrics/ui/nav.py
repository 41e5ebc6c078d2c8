"""The page frame: the language switch, our own sidebar navigation and the shared style, in one block.

Streamlit's sidebar navigation puts section headers inside its `<ul>` as non-`<li>` children, which
fails axe-core's `list`/`listitem` rules (serious) on every page, and `st.page_link` draws no focus
ring (`outline: none`) and no `aria-current`. So the router hides Streamlit's menu
(`st.navigation(position="hidden")`, the documented way to draw navigation yourself) and this module
draws it as HTML: one list per section under its label, the current page as text marked
`aria-current="page"`, the others as links that the frontend follows client-side (the session and
its deck survive; see _CLIENT_NAV).

The language switch and the menu travel in one `st.html` block: every Streamlit element costs each
page load in the browser (bench/pages.py), and the menu as `st.page_link`s and labels was 14 of them,
most of a light page. The stylesheet and the client-side navigation ride in the served shell's
`<body>` instead (SHELL_END), so a page is styled from its first paint.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

import streamlit as st

from jichitai_metrics.i18n import LANG_NAMES, LANGS
from jichitai_metrics.ui.printing import PRINT_CSS

__all__ = [
    "SHELL_END",
    "current_path",
    "draw_navigation",
    "nav_link",
    "page_href",
    "this_page_href",
    "this_page_link",
]

# A focus ring on everything focusable (WCAG 2.4.7; 3:1 against white and the sidebar grey), the
# current page's look, and section labels in body-text colour (AA contrast).
_STYLE = """<style>
:focus-visible { outline: 3px solid #0b57d0 !important; outline-offset: 2px !important; }
[data-testid="stSidebar"] [aria-current="page"] { font-weight: 700; display: block;
  padding: 0.25rem 0.5rem; border-left: 4px solid #0b57d0; background: rgba(11, 87, 208, 0.08); }
.jm-lang { margin: 0.25rem 0 0; }
.jm-lang a, .jm-nav a { color: #1a4fa0; }
.jm-nav ul { list-style: none; margin: 0.25rem 0 0; padding: 0; }
.jm-nav li { margin: 0; padding: 0; }
.jm-nav a { display: block; padding: 0.25rem 0.5rem; border-radius: 0.25rem; text-decoration: none; }
.jm-nav a:hover { text-decoration: underline; background: rgba(11, 87, 208, 0.06); }
.jm-lang [aria-current] { font-weight: 700; }
[data-testid="stSidebar"] .jm-nav-section, .jm-lang-label { margin: 0.75rem 0 0; font-size: 0.85rem;
  font-weight: 700;  color: #31333f; }
/* Long option names and button labels wrap instead of being cut off with "…" (200% zoom, narrow columns). */
.stMultiSelect div:has(> [data-testid="stMultiSelectTagsContainer"]),
.stMultiSelect [data-testid="stMultiSelectTagsContainer"] { max-height: none !important;
  height: auto !important;  overflow: visible !important; }
.stMultiSelect span, .stDownloadButton button *, .stPageLink a * { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; height: auto !important; }
/* Text drawn as HTML (ui/prose.py) looks like Streamlit's own headings and captions. */
.jm-prose h1, .jm-prose h2, .jm-prose h3 { margin: 0; line-height: 1.2; scroll-margin-top: 3.75rem;
  color: #262730; }
.jm-prose h1 { font-size: 2.75rem; font-weight: 700; padding: 1.25rem 0 1rem; }
.jm-prose h2 { font-size: 2.25rem; font-weight: 600; padding: 1rem 0; }
.jm-prose h3 { font-size: 1.75rem; font-weight: 600; padding: 0.75rem 0 1rem; }
.jm-prose p { margin: 0 0 1rem; } .jm-prose ul { margin: 0 0 1rem; padding-left: 1.5rem; }
.jm-prose li { margin: 0.2rem 0; }
.jm-prose hr { margin: 2rem 0; border: none; border-top: 1px solid #c4c8d0; }
.jm-caption { font-size: 0.875rem; color: #555864; }
.jm-privacy p:last-child { margin: 0; }
.jm-prose .jm-grid, .jm-prose .jm-table { margin: 0 0 1rem; }
.jm-columns { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 3rem; }
@media (max-width: 640px) { .jm-columns { grid-template-columns: minmax(0, 1fr); gap: 0; } }
.jm-tabs { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 0 0 0.5rem; }
.jm-tabs-label { font-size: 0.875rem; color: #31333f; width: 100%; }
.jm-tabs a, .jm-tabs [aria-current] { padding: 0.375rem 0.875rem; border: 1px solid #c4c8d0;
  border-radius: 0.5rem;
  text-decoration: none; color: #1a4fa0; line-height: 1.6; }
.jm-tabs [aria-current] { font-weight: 700; color: #0b3d91; border: 2px solid #0b57d0;
  background: rgba(11, 87, 208, 0.08); }
.jm-tabs a:hover { text-decoration: underline; }
.jm-card-box { border: 1px solid #c4c8d0; border-radius: 0.5rem; padding: 1rem; margin: 0 0 1rem; }
.jm-actions { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; margin: 0.75rem 0 0; }
.jm-button { display: inline-block; padding: 0.375rem 0.75rem; border: 1px solid #c4c8d0;
  border-radius: 0.5rem;
  color: #1a4fa0; text-decoration: none; line-height: 1.6; background: #fff; }
.jm-button:hover { text-decoration: underline; border-color: #1a4fa0; }
.jm-encoding [aria-current] { font-weight: 700; display: block; padding: 0.25rem 0.5rem;
  border-left: 4px solid #0b57d0; background: rgba(11, 87, 208, 0.08); }
.jm-encoding .jm-caption { margin: 0.25rem 0 0; }
.jm-form { margin: 0 0 1rem; }
.jm-fields { display: grid; gap: 0.75rem 1rem; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); }
.jm-field { display: flex; flex-direction: column; gap: 0.25rem; min-width: 0; }
.jm-field-wide { grid-column: 1 / -1; }
.jm-field label { font-size: 0.875rem; color: #31333f; }
.jm-field select, .jm-field input { font: inherit; padding: 0.375rem 0.5rem; border: 1px solid #8a8d96;
  border-radius: 0.5rem; background: #fff; color: #262730; min-width: 0; max-width: 100%; }
button.jm-button { font: inherit; cursor: pointer; }
button.jm-button:disabled { cursor: not-allowed; background: #f0f2f6; border-color: #c4c8d0; color: #5c5f66;
  text-decoration: none; }
/* The deck page's two download buttons (ui/deck_files.py): side by side, each half the width. */
.jm-downloads { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: 0.75rem 1rem;
  margin: 0.5rem 0 1rem; }
.jm-download { margin: 0; }
.jm-download button { width: 100%; }
.jm-field input::placeholder { color: #62656e; opacity: 1; }
/* The inquiry form (ui/inquiry_form.py): one column, each field's message under it. */
.jm-inquiry-fields { display: flex; flex-direction: column; gap: 1rem; }
.jm-field textarea { font: inherit; padding: 0.375rem 0.5rem; border: 1px solid #8a8d96;
  border-radius: 0.5rem; background: #fff; color: #262730; min-height: 11rem; resize: vertical; }
.jm-inquiry-form .jm-field input, .jm-field textarea { width: 100%; box-sizing: border-box; }
.jm-inquiry-form [aria-invalid="true"] { border: 2px solid #b3261e; }
.jm-field-error { font-size: 0.875rem; color: #8a1414; background: #fdecec; padding: 0.25rem 0.5rem;
  border-radius: 0.25rem; margin: 0.25rem 0 0; }
.jm-consent { border: 1px solid #c4c8d0; border-radius: 0.5rem; padding: 1rem; margin: 1.5rem 0 0; }
.jm-check { display: flex; gap: 0.5rem; align-items: center; margin: 0.75rem 0 0; cursor: pointer; }
.jm-check input { width: 1.25rem; height: 1.25rem; margin: 0; accent-color: #0b57d0; flex: none; }
.jm-inquiry-form .jm-actions { margin: 1.5rem 0 0; }
.jm-fieldset { border: 1px solid #c4c8d0; border-radius: 0.5rem; padding: 0.25rem 1rem 0.75rem; margin: 0;
  min-width: 0; }
.jm-fieldset legend { font-size: 0.875rem; color: #31333f; padding: 0 0.25rem; }
.jm-fieldset .jm-check { align-items: flex-start; margin: 0.375rem 0 0; }
.jm-fieldset .jm-check input { margin-top: 0.2rem; }
.jm-primary { background: #0b57d0; border-color: #0b57d0; color: #fff; }
.jm-primary:hover { background: #0842a0; }
.jm-present-head { display: flex; flex-wrap: wrap; align-items: center; gap: 0.75rem 1.5rem;
  justify-content: space-between; margin: 0 0 0.5rem; }
.jm-prose .jm-present-head h1 { font-size: 2.25rem; font-weight: 600; padding: 0.5rem 0; flex: 1 1 20rem; }
.jm-steps { display: flex; align-items: center; gap: 0.75rem; }
.jm-counter { white-space: nowrap; }
.jm-disabled { color: #6b6e76; border-color: #dcdfe4; background: #f7f8fa; cursor: not-allowed; }
.jm-csv-note { font-size: 0.875rem; color: #5c3c00; background: #fff4d6; padding: 0.25rem 0.5rem;
  border-radius: 0.25rem; margin: 0; }
.jm-prose .jm-notice { padding: 0.75rem 1rem; border-radius: 0.5rem; margin: 0 0 1rem; }
.jm-info { color: #0b3d91; background: #e8f0fe; } .jm-warning { color: #5c3c00; background: #fff4d6; }
.jm-error { color: #8a1414; background: #fdecec; }
.jm-images { table-layout: auto; } .jm-images td { text-align: center; }
.jm-images a { display: inline-block; padding: 0.125rem 0.5rem; color: #1a4fa0; }
.jm-grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); }
.jm-facts { grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); }
.jm-fact, .jm-card { border: 1px solid #c4c8d0; border-radius: 0.5rem; padding: 0.75rem 1rem; }
.jm-grid p { margin: 0 0 0.25rem; } .jm-card h3 { font-size: 1rem; font-weight: 700; margin: 0 0 0.25rem;
  padding: 0; line-height: 1.5; }
.jm-label, .jm-note { font-size: 0.875rem; color: #555864; }
.jm-value { font-size: 1.75rem; font-weight: 700; line-height: 1.3; color: #262730; }
.jm-chart h3 { font-size: 1.5rem; font-weight: 600; line-height: 1.2; margin: 0 0 0.75rem;
  padding: 0.25rem 0 0; scroll-margin-top: 4rem; }
.jm-chart img { display: block; max-width: 100%; height: auto; }
.jm-present { display: block; width: 100%; height: auto; }
.jm-source { font-size: 0.875rem; line-height: 1.6; color: #555864; margin: 0.5rem 0 0; }
.jm-table-view { border: 1px solid #c4c8d0; border-radius: 0.5rem; margin: 0.75rem 0 0; }
.jm-table-view summary { cursor: pointer; padding: 0.5rem 0.75rem; }
.jm-table-view[open] summary { border-bottom: 1px solid #c4c8d0; }
.jm-table-view .jm-table { padding: 0.5rem 0.75rem; }
.jm-table { overflow-x: auto; max-width: 100%; }
.jm-table table { border-collapse: collapse; font-size: 0.875rem; line-height: 1.5; table-layout: fixed; }
.jm-table caption { text-align: left; font-weight: 700; padding: 0.25rem 0; color: #31333f; }
.jm-table th, .jm-table td { border: 1px solid #c4c8d0; padding: 0.25rem 0.5rem; vertical-align: top;
  text-align: left; overflow-wrap: anywhere; }
.jm-table thead th { background: #f0f2f6; white-space: nowrap; }
</style>"""


# Client-side navigation for our own links and GET forms. A click on `<a data-jm-nav>` (no modifier
# key: a new tab stays a new tab), or submitting a `<form data-jm-nav>` (its fields as the query), puts
# the address in the history and tells Streamlit's frontend, which follows the
# address exactly as it does for the browser's Back button (a rerun in the same session, so the deck
# choices, what-if entries and a staff sign-in survive). Without script the link is an ordinary one.
# Installed once per tab load (it sits in the served shell, see SHELL_END).
_CLIENT_NAV = """if (!window.__jmNav) { window.__jmNav = true;
  const follow = (href) => {
    if (href !== window.location.href) window.history.pushState(null, "", href);
    window.dispatchEvent(new PopStateEvent("popstate"));
    const main = document.querySelector("[data-testid='stMain']");
    if (main) main.scrollTo(0, 0);
  };
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[data-jm-nav]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey
        || event.shiftKey || event.altKey) return;
    event.preventDefault();
    follow(link.href);
  });
  // A link marked data-jm-key="ArrowRight" (presentation mode's 次へ) also answers that key, unless
  // the key is typing or moving inside a field.
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    const here = document.activeElement;
    if (here && (here.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(here.tagName))) return;
    const link = document.querySelector(`a[data-jm-key="${event.key}"]`);
    if (link) { event.preventDefault(); link.click(); }
  });
  document.addEventListener("submit", (event) => {
    const form = event.target.closest && event.target.closest("form[data-jm-nav]");
    if (!form || event.defaultPrevented || (form.method || "get").toLowerCase() !== "get") return;
    event.preventDefault();
    const url = new URL(form.action, window.location.href);
    url.search = "";
    for (const [name, value] of new FormData(form)) {
      if (String(value).trim()) url.searchParams.append(name, value);  // a ticked box per value
    }
    follow(url.href);
  });
}"""


# What the served shell carries at the end of its <body> (page_lang.HtmlLangMiddleware, set up in
# dashboard.py): the stylesheet (screen and print) and the client-side navigation.
# - Not in the sidebar's block: Streamlit sets a block with script in an effect after the render
#   that draws the content, so a load could first show the page unstyled (the programme tabs as bare
#   links, one column) and then lay it out again (seen in a Chromium filmstrip of programme 1,
#   2026-11-29).
# - Not in <head>: Streamlit's own styles are added to <head> as it runs, after anything the shell
#   has there, and where a rule of ours and one of theirs are equally specific the later one wins
#   (the menu's lists got Streamlit's indent back). Here ours come later in the document.
SHELL_END = _STYLE + f"<style>{PRINT_CSS}</style><script>{_CLIENT_NAV}</script>"

_CURRENT_PATH = "jm_current_url_path"


def current_path() -> str:
    """The url_path of the page being drawn (set by draw_navigation; "" is the default page)."""
    return str(st.session_state.get(_CURRENT_PATH, ""))


def page_href(url_path: str, params: Mapping[str, object]) -> str:
    """A page's address relative to the app's root (every page sits one level below it), escaped.

    Relative, so a deployment under a path prefix (`server.baseUrlPath`) keeps working; the default
    page's `url_path` is "" (it is served at the root).
    """
    query = urlencode({k: str(v) for k, v in params.items()})
    return html.escape(f"./{url_path}" + (f"?{query}" if query else ""))


def nav_link(
    url_path: str,
    label: str,
    params: Mapping[str, object],
    *,
    lang: str | None = None,
    css: str = "",
    key: str | None = None,
) -> str:
    """`<a>` to a page of this app that the frontend follows client-side (see _CLIENT_NAV).

    `key` ("ArrowLeft", "ArrowRight") makes that key press the link too.
    """
    lang_attr = f' lang="{lang}"' if lang else ""
    class_attr = f' class="{css}"' if css else ""
    key_attr = f' data-jm-key="{html.escape(key, quote=True)}"' if key else ""
    href = page_href(url_path, params)
    return f'<a href="{href}" data-jm-nav{key_attr}{lang_attr}{class_attr}>{html.escape(label)}</a>'


def this_page_link(
    label: str,
    changes: Mapping[str, object],
    *,
    lang: str | None = None,
    css: str = "",
    key: str | None = None,
) -> str:
    """A link to the page being drawn with its other parameters kept and `changes` set.

    A copied address then opens the same view (the programme, a filter) in the new setting.
    """
    return nav_link(current_path(), label, _this_page_params(changes), lang=lang, css=css, key=key)


def this_page_href(changes: Mapping[str, object]) -> str:
    """The escaped address of the page being drawn, its other parameters kept and `changes` set."""
    return page_href(current_path(), _this_page_params(changes))


def _this_page_params(changes: Mapping[str, object]) -> dict[str, object]:
    kept = {k: v for k, v in st.query_params.to_dict().items() if k not in changes}
    return {**kept, **changes}


def _language_switch(lang: str) -> str:
    """The switch's heading, the language shown (as text) and a link to this page in the other one.

    The link keeps the page's other parameters (the programme, a filter): a copied address opens the
    same view. The served shell already carries the right `lang` (page_lang); a switch inside the
    session keeps the shell, so the frame's script sets the document's language as it is drawn.
    """
    others = " ".join(
        this_page_link(LANG_NAMES[code], {"lang": code}, lang=code) for code in LANGS if code != lang
    )
    return (
        f'<p class="jm-lang-label">言語 / Language</p><p class="jm-lang"><span lang="{lang}" '
        f'aria-current="true">{html.escape(LANG_NAMES[lang])}</span> {others}</p>'
    )


def _menu(sections: Mapping[str, Sequence[st.Page]], current: st.Page, lang: str, label: str) -> str:
    """One list per section under its label; the current page is text marked aria-current="page"."""
    parts = [f'<nav aria-label="{html.escape(label)}" class="jm-nav">']
    for number, (section, pages) in enumerate(sections.items()):
        parts.append(f'<p class="jm-nav-section" id="jm-nav-{number}">{html.escape(section)}</p>')
        parts.append(f'<ul aria-labelledby="jm-nav-{number}">')
        for page in pages:
            if page.url_path == current.url_path:
                parts.append(f'<li><span aria-current="page">{html.escape(page.title)}</span></li>')
            else:
                parts.append(f"<li>{nav_link(page.url_path, page.title, {'lang': lang})}</li>")
        parts.append("</ul>")
    parts.append("</nav>")
    return "".join(parts)


def draw_navigation(sections: Mapping[str, Sequence[st.Page]], current: st.Page, lang: str) -> None:
    """The sidebar as one block: the language switch and the menu (the style is in SHELL_END).

    One block, because every Streamlit element costs each page load in the browser (bench/pages.py:
    the menu as 14 elements was most of a light page's time over the hello page). Links are text only:
    an icon font's ligature would be read out ("home 概要") and loading the 375 kB icon font costs a
    page without other icons a measurable share of its load.
    """
    st.session_state[_CURRENT_PATH] = current.url_path
    # The value written into the script is one of LANGS, never user text.
    script = f'<script>document.documentElement.lang = "{lang}";</script>'
    menu_label = "メニュー" if lang == "ja" else "Menu"
    block = _language_switch(lang) + _menu(sections, current, lang, menu_label) + script
    with st.sidebar:
        st.html(block, unsafe_allow_javascript=True)
