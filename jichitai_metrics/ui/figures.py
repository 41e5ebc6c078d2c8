"""Chart cards and figure tables: the pieces every figure on a page is shown with."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
import streamlit as st

from jichitai_metrics import export, extracts, queries, words
from jichitai_metrics.chart_card import ChartCard, build_chart_card
from jichitai_metrics.ui import common
from jichitai_metrics.ui.downloads import csv_download
from jichitai_metrics.ui.inquiry import inquiry_params


# cache_resource, not cache_data: the card is read, never changed, and cache_data would unpickle a
# copy of its tables on every rerun of every page that shows it.
@st.cache_resource(show_spinner=False, max_entries=256)
def card(seminar_id: str, chart_id: str, lang: str) -> ChartCard:
    """The chart's card (rows, table, caption, CSV table, slide texts), built once per language."""
    row = queries.chart(common.catalog_cursor(), chart_id)
    if row["seminar_id"] != seminar_id:
        raise KeyError(chart_id)
    number = words.whole(row.get("program"))
    program_row = None if number is None else common.program(seminar_id, number)
    return build_chart_card(
        row, common.chart_figures(chart_id), program_row, common.seminar(seminar_id), lang
    )


@st.cache_data(show_spinner=False, max_entries=256)
def _card_spec(seminar_id: str, chart_id: str, lang: str) -> dict:
    # The screen's spec (container width, no built-in title) from the same card: a warm rerun only sends it.
    return card(seminar_id, chart_id, lang).spec("container", title=False)


def chart_card(seminar_id: str, chart_id: str, program: int | None) -> None:
    """One chart: heading, chart, 出典 caption, table view and CSV download of the same rows."""
    lang = common.lang()
    item = card(seminar_id, chart_id, lang)
    spec, table, title = _card_spec(seminar_id, chart_id, lang), item.csv_table, item.title
    caption = item.caption.lines()
    with st.container(border=True, key=f"card-{chart_id}"):
        st.subheader(common.md_escape(title), anchor=chart_id)
        # theme=None: the chart looks as designed (font sizes for projectors) and as it does on slides.
        st.vega_lite_chart(spec, width="stretch", theme=None, alt=title)
        # One caption block (lines joined by Markdown hard breaks): compact, and read as one source note.
        st.caption("  \n".join(common.md_escape(line) for line in caption))
        # The table is built only while its expander is open: a page with three charts otherwise
        # ships three hidden data grids on every run (see bench/pages.py).
        table_view = st.expander(
            common.pick("表で見る（グラフと同じ数値）", "Table (the same numbers)", lang),
            icon=":material/table:",
            key=f"table-{chart_id}",
            on_change="rerun",
        )
        if table_view.open:
            with table_view:
                st.dataframe(table, hide_index=True, width="stretch")
        left, middle, right = st.columns([5, 3, 3], vertical_alignment="center")
        with left:
            csv_download(
                table,
                export.export_filename("chart", chart_id),
                key=f"dl-{chart_id}",
                cache_key=("chart", seminar_id, chart_id, lang),
            )
        with middle:
            # Two clicks to a committee-ready deck: this link, then the deck page's download button.
            st.page_link(
                "pages/deck.py",
                label=common.pick("スライド・画像にする", "Slides & images", lang),
                icon=":material/slideshow:",
                query_params={"charts": chart_id, "seminar": seminar_id, "lang": lang},
            )
        with right:
            inquiry_link(program, chart_id)


def inquiry_link(program: int | None, chart_id: str | None = None) -> None:
    """A link to the inquiry form carrying this context (programme, chart)."""
    lang = common.lang()
    params = {"lang": lang, **inquiry_params(program, chart_id)}
    st.page_link(
        "pages/inquiry.py",
        label=common.pick("この内容について問い合わせる", "Ask about this", lang),
        icon=":material/mail:",
        query_params=params,
    )


def _blank_text_for_display(table: pd.DataFrame) -> pd.DataFrame:
    """Empty text cells read as blank on screen, not as Streamlit's grey "None" (numbers stay as they are)."""
    text_columns = [
        c for c in table.columns if table[c].dtype == object or pd.api.types.is_string_dtype(table[c])
    ]
    return table.assign(**{c: table[c].fillna("") for c in text_columns}) if text_columns else table


@st.cache_data(show_spinner=False, max_entries=256)
def _figure_export(cache_key: tuple, lang: str, _figures: pd.DataFrame) -> pd.DataFrame:
    return extracts.figures_for_export(_figures, lang)


def figure_table(
    figures: pd.DataFrame,
    filename: str,
    key: str,
    height: int | Literal["auto", "stretch", "content"] = "auto",
    cache_key: tuple | None = None,
) -> None:
    """Figures as a sortable table (value, unit, qualifier, quote, source) with its CSV download.

    `cache_key` names the selection (e.g. the explorer's filters) so reruns reuse the table and CSV.
    """
    lang = common.lang()
    if cache_key is None:
        table = extracts.figures_for_export(figures, lang)
    else:
        table = _figure_export(cache_key, lang, figures)
    st.dataframe(
        _blank_text_for_display(table),
        hide_index=True,
        width="stretch",
        height=height,
        column_config=_figure_column_config(table, lang),
        column_order=[common.pick(*words.COLUMN_HEADERS[k], lang) for k in _READING_ORDER],
    )
    # The file keeps the export's machine-readable column order; only the on-screen order differs.
    csv_download(table, filename, key=key, cache_key=None if cache_key is None else (*cache_key, lang))


# On screen a planner reads what, how much, and the words first; ids and the seminar come last.
_READING_ORDER = (
    "label",
    "value",
    "unit",
    "qualifier",
    "quote",
    "baseline",
    "as_of",
    "as_of_basis",
    "fiscal_year",
    "fiscal_year_wareki",
    "kind",
    "ambiguous",
    "note",
    "derivation",
    "programme",
    "topic",
    "source",
    "seminar",
    "figure_id",
)


def _figure_column_config(table: pd.DataFrame, lang: str) -> dict:
    # Long quotes and notes get room; the numeric value keeps its full precision (no rounding).
    config: dict[str, Any] = {}
    wide = {common.pick(*words.COLUMN_HEADERS[k], lang) for k in ("quote", "source", "note", "label")}
    for name in table.columns:
        if name in wide:
            config[name] = st.column_config.TextColumn(name, width="large")
    return config


@st.cache_data(show_spinner=False)
def figures_outside_charts(seminar_id: str, program: int | None) -> pd.DataFrame:
    """A programme's figures that no chart draws (shown as a table so every figure is on a page)."""
    return queries.figures_outside_charts(common.catalog_cursor(), seminar_id, program)


@st.cache_data(show_spinner=False)
def figure_topics(seminar_id: str | None) -> list[str]:
    """Topics for the explorer's filter."""
    return queries.figure_topics(common.catalog_cursor(), seminar_id)


@st.cache_data(show_spinner=False)
def figure_units(seminar_id: str | None) -> list[str]:
    """Units for the explorer's filter."""
    return queries.figure_units(common.catalog_cursor(), seminar_id)


def seminar_figures_table(seminar_id: str) -> None:
    """The seminar-level figures (no programme) as a table with quotes and a CSV, for the overview."""
    lang = common.lang()
    frame = common.figures(seminar_id)
    frame = frame[frame["program"].isna()].reset_index(drop=True)
    if frame.empty:
        return
    st.caption(
        common.pick("セミナー全体の数値（引用・出典つき）", "Seminar-wide figures (with quotes)", lang)
    )
    figure_table(
        frame,
        export.export_filename("figures", seminar_id, "seminar"),
        key="dl-seminar-figures",
        cache_key=("seminar-figures", seminar_id),
    )
