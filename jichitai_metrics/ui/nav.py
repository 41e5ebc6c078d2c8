"""The page frame: the language switch, our own sidebar navigation and the shared style.

Streamlit's sidebar navigation puts section headers inside its `<ul>` as non-`<li>` children, which
fails axe-core's `list`/`listitem` rules (serious) on every page, and `st.page_link` draws no focus
ring (`outline: none`) and no `aria-current`. So the router hides Streamlit's menu
(`st.navigation(position="hidden")`, the documented way to draw navigation yourself) and this module
draws it: one label per section, `st.page_link` for the other pages (client-side, so the session and
its deck survive), and the current page as text marked `aria-current="page"`.

The style (focus ring, tables, cards) travels in the same block as the language label: every extra
Streamlit element costs each page load (bench/pages.py), and a `<style>` needs no element of its own.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import streamlit as st

from jichitai_metrics.i18n import LANG_NAMES, LANGS

__all__ = ["draw_navigation"]

# A focus ring on everything focusable (WCAG 2.4.7; 3:1 against white and the sidebar grey), the
# current page's look, and section labels in body-text colour (AA contrast).
_STYLE = """<style>
:focus-visible { outline: 3px solid #0b57d0 !important; outline-offset: 2px !important; }
[data-testid="stSidebar"] [aria-current="page"] { font-weight: 700; display: block;
  padding: 0.25rem 0.5rem; border-left: 4px solid #0b57d0; background: rgba(11, 87, 208, 0.08); }
.jm-lang { margin: 0.25rem 0 0; }
.jm-lang [aria-current] { font-weight: 700; }
[data-testid="stSidebar"] .jm-nav-section, .jm-lang-label { margin: 0.75rem 0 0; font-size: 0.85rem;
  font-weight: 700;  color: #31333f; }
/* Long option names and button labels wrap instead of being cut off with "…" (200% zoom, narrow columns). */
.stMultiSelect div:has(> [data-testid="stMultiSelectTagsContainer"]),
.stMultiSelect [data-testid="stMultiSelectTagsContainer"] { max-height: none !important;
  height: auto !important;  overflow: visible !important; }
.stMultiSelect span, .stDownloadButton button *, .stPageLink a * { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; height: auto !important; }
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
.jm-source { font-size: 0.875rem; line-height: 1.6; color: #555864; margin: 0.5rem 0 0; }
.jm-table-view { border: 1px solid #c4c8d0; border-radius: 0.5rem; margin: 0.75rem 0 0; }
.jm-table-view summary { cursor: pointer; padding: 0.5rem 0.75rem; }
.jm-table-view[open] summary { border-bottom: 1px solid #c4c8d0; }
.jm-table-view .jm-table { padding: 0.5rem 0.75rem; }
.jm-table { overflow-x: auto; max-width: 100%; }
.jm-table table { border-collapse: collapse; font-size: 0.875rem; line-height: 1.5; }
.jm-table caption { text-align: left; font-weight: 700; padding: 0.25rem 0; color: #31333f; }
.jm-table th, .jm-table td { border: 1px solid #c4c8d0; padding: 0.25rem 0.5rem; vertical-align: top;
  text-align: left; min-width: 5rem; }
.jm-table td.jm-long { min-width: 20rem; } .jm-table .jm-short { white-space: nowrap; }
.jm-table tbody th { min-width: 10rem; }
.jm-table thead th { background: #f0f2f6; white-space: nowrap; }
</style>"""


def _language_label(lang: str) -> str:
    """The switch's heading, the language shown (as text), and the script that keeps `<html lang>` true.

    The served shell already carries the right `lang` (page_lang, from ?lang=); switching inside a
    session is client-side navigation, which keeps the shell, so the same block sets the document's
    language as it is drawn. The value is one of LANGS, never user text.
    """
    shown = html.escape(LANG_NAMES[lang])
    return (
        f'<p class="jm-lang-label">言語 / Language</p><p class="jm-lang"><span lang="{lang}" '
        f'aria-current="true">{shown}</span></p>'
        f'<script>document.documentElement.lang = "{lang}";</script>'
    )


def draw_navigation(sections: Mapping[str, Sequence[st.Page]], current: st.Page, lang: str) -> None:
    """The sidebar: the language switch and the style (one block), then the menu.

    The menu has one label per section, links to the other pages and the current page marked.
    Links are text only: an icon font's ligature would be read out ("home 概要") and loading the
    375 kB icon font costs a page without other icons a measurable share of its load.
    """
    with st.sidebar:
        st.html(_STYLE + _language_label(lang), unsafe_allow_javascript=True)
        # The other language: this page again with ?lang= (and its other parameters), client-side,
        # so the session (deck choices, what-if entries, a sign-in) survives the switch.
        params = {k: v for k, v in st.query_params.to_dict().items() if k != "lang"}
        for code in LANGS:
            if code != lang:
                st.page_link(current, label=LANG_NAMES[code], query_params={**params, "lang": code})
        for section, pages in sections.items():
            st.markdown(f'<p class="jm-nav-section">{html.escape(section)}</p>', unsafe_allow_html=True)
            for page in pages:
                if page.url_path == current.url_path:
                    st.markdown(
                        f'<span aria-current="page">{html.escape(page.title)}</span>',
                        unsafe_allow_html=True,
                    )
                else:
                    st.page_link(page, label=page.title, query_params={"lang": lang})
