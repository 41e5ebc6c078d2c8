"""Chart cards and figure tables: the pieces every figure on a page is shown with."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from jichitai_metrics import extracts, formatting, html_table, queries, screen, whatif, words
from jichitai_metrics.chart_card import IMAGE_WIDTH, ChartCard, build_chart_card
from jichitai_metrics.ui import common, filters, image_files, nav, prose
from jichitai_metrics.ui.downloads import csv_link_html
from jichitai_metrics.ui.inquiry import inquiry_params


# Shared, not copied per run: the card is read, never changed (see common.shared_read).
@common.shared_read(max_entries=256)
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


@common.shared_read(max_entries=256)
def card_svg(seminar_id: str, chart_id: str, lang: str, width: int = IMAGE_WIDTH) -> str:
    """The card's picture for the screen: the image spec (no built-in title, the heading says it).

    A narrower `width` draws a smaller plot that, stretched to the screen, gives larger type
    (presentation mode).
    """
    return screen.screen_svg(card(seminar_id, chart_id, lang).spec(width, title=False))


@common.shared_read(max_entries=256)
def card_table_html(seminar_id: str, chart_id: str, lang: str) -> str:
    """The chart's table view as an HTML table (the same rows as its CSV), captioned with the title."""
    item = card(seminar_id, chart_id, lang)
    caption = common.pick(f"{item.title}（グラフと同じ数値）", f"{item.title} (the same numbers)", lang)
    return html_table.table_html(item.csv_table, caption, row_header=False)


PRESENT_WIDTH = 640  # px: a smaller plot scaled to the screen width gives larger type (presentation mode)
PICTURE_WIDTHS = (IMAGE_WIDTH, PRESENT_WIDTH)  # the widths a picture's address may ask for


def card_picture_html(
    seminar_id: str, chart_id: str, lang: str, alt_text: str, width: int = IMAGE_WIDTH, css: str = ""
) -> str:
    """The card's picture as an `<img>` at its own address (ui/image_files.py); alt text states the values.

    The browser keeps it between pages and visits (the address names the drawing's bytes), and the
    page's HTML stays small.
    """
    svg = card_svg(seminar_id, chart_id, lang, width)
    src = html.escape(image_files.picture_href(seminar_id, chart_id, lang, width, svg), quote=True)
    class_attr = f' class="{css}"' if css else ""
    return f'<img{class_attr} src="{src}" alt="{html.escape(alt_text, quote=True)}">'


def picture_html(svg: str, alt_text: str, css: str = "") -> str:
    """An SVG drawing as an `<img>` with a data: address (for a drawing of the visitor's own entries)."""
    picture = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    class_attr = f' class="{css}"' if css else ""
    alt = html.escape(alt_text, quote=True)
    return f'<img{class_attr} src="data:image/svg+xml;base64,{picture}" alt="{alt}">'


@common.shared_read(max_entries=256)
def card_html(seminar_id: str, chart_id: str, lang: str) -> str:
    """Heading, picture, source note and table view of a card as one HTML block.

    One element where there were five (subheader, image, caption, expander, table): every element
    costs on each page load (bench/elements.py: 60 captions 1.45x a hello page on a reload), and a
    programme page drew 37-53. The table view is a native <details> (keyboard: Tab, Enter; a screen
    reader announces it collapsed/expanded), so opening it needs no rerun.
    """
    item = card(seminar_id, chart_id, lang)
    source = "<br>".join(html.escape(line) for line in item.caption.lines())
    summary = html.escape(common.pick("表で見る（グラフと同じ数値）", "Table (the same numbers)", lang))
    return (
        f'<div class="jm-chart"><h3 id="{html.escape(chart_id, quote=True)}">{html.escape(item.title)}</h3>'
        # The same drawing as the PNG and the slide (see screen.py); its alt text states every value.
        + card_picture_html(seminar_id, chart_id, lang, item.alt_text)
        + f'<p class="jm-source">{source}</p>'
        f'<details class="jm-table-view"><summary>{summary}</summary>'
        f"{card_table_html(seminar_id, chart_id, lang)}</details></div>"
    )


def card_links_html(seminar_id: str, chart_id: str, program: int | None, lang: str) -> str:
    """The card's row of links: its CSV, its slides, and a question about it (plain HTML links)."""
    deck = nav.nav_link(
        "deck",
        common.pick("スライド・画像にする", "Slides & images", lang),
        {"charts": chart_id, "seminar": seminar_id, "lang": lang},
        css="jm-button",
    )
    return (
        f'<div class="jm-actions">{csv_link_html(seminar_id, f"chart-{chart_id}", lang)}{deck}'
        f"{inquiry_link_html(program, lang, chart_id)}</div>"
    )


def chart_card_html(seminar_id: str, chart_id: str, program: int | None, lang: str) -> str:
    """One chart as HTML: heading, chart, 出典 note, table view, and the links (CSV, slides, question).

    Only the links depend on the session (the CSV's encoding), so the rest is the shared card_html.
    """
    return (
        f'<section class="jm-card-box" aria-labelledby="{html.escape(chart_id, quote=True)}">'
        + card_html(seminar_id, chart_id, lang)
        + card_links_html(seminar_id, chart_id, program, lang)
        + "</section>"
    )


def inquiry_link_html(program: int | None, lang: str, chart_id: str | None = None) -> str:
    """A link to the inquiry form carrying this context (programme, chart)."""
    return nav.nav_link(
        "inquiry",
        common.pick("この内容について問い合わせる", "Ask about this", lang),
        {"lang": lang, **inquiry_params(program, chart_id)},
        css="jm-button",
    )


@common.shared_read(max_entries=256)
def figure_export(cache_key: tuple, lang: str, _figures: pd.DataFrame) -> pd.DataFrame:
    """The figures as the export's table (columns in the reader's language), once per selection."""
    return extracts.figures_for_export(_figures, lang)


@common.shared_read(max_entries=256)
def _figure_html_keyed(cache_key: tuple, lang: str, _figures: pd.DataFrame) -> str:
    """The figures as the screen reads them (extracts.figures_for_reading), once per selection."""
    return html_table.table_html(extracts.figures_for_reading(_figures, lang), cache_key[-1], fit=True)


@common.shared_read()
def figures_outside_charts(seminar_id: str, program: int | None) -> pd.DataFrame:
    """A programme's figures that no chart draws (shown as a table so every figure is on a page)."""
    return queries.figures_outside_charts(common.catalog_cursor(), seminar_id, program)


@common.shared_read()
def figure_topics(seminar_id: str | None) -> list[str]:
    """Topics for the explorer's filter."""
    return queries.figure_topics(common.catalog_cursor(), seminar_id)


@common.shared_read()
def figure_units(seminar_id: str | None) -> list[str]:
    """Units for the explorer's filter."""
    return queries.figure_units(common.catalog_cursor(), seminar_id)


@common.shared_read()
def seminar_figures(seminar_id: str) -> pd.DataFrame:
    """The seminar-level figures (no programme), for the overview's table and its CSV."""
    frame = common.figures(seminar_id)
    return frame[frame["program"].isna()].reset_index(drop=True)


def figures_table_html(
    frame: pd.DataFrame,
    seminar_id: str,
    name: str,
    caption: str,
    cache_key: tuple,
    filters: Mapping[str, str] | None = None,
) -> str:
    """Figures as an HTML table with a link to the same rows as CSV (ui/csv_files.py serves it).

    The table has the seven columns a planner reads (extracts.figures_for_reading); the CSV has
    every field in its own column.

    `name` is the table's file name on the route (`seminar`, `program<N>-other`, `figures` with the
    explorer's `filters`); `cache_key` names the selection, as for figure_table.
    """
    lang = common.lang()
    markup = _figure_html_keyed((*cache_key, caption), lang, frame)
    return f'{markup}<div class="jm-actions">{csv_link_html(seminar_id, name, lang, filters)}</div>'


def explorer_rows_html(
    found: pd.DataFrame, shown: filters.RowsShown, seminar_id: str, chosen: filters.ExplorerFilters, lang: str
) -> str:
    """The explorer's links to its pages of rows, the rows `shown` as a table, and the CSV of all.

    The caption says which rows are shown when they are not all; the CSV link carries the filters,
    not the page, so it gives every row found.
    """
    first, last = shown.start + 1, shown.stop
    caption = (
        common.pick(
            f"数値一覧（{len(found)}件中 {first}〜{last}件）",
            f"Figures ({first}–{last} of {len(found)})",
            lang,
        )
        if shown.stop - shown.start < len(found)
        else common.pick(f"数値一覧（{len(found)}件）", f"Figures ({len(found)})", lang)
    )
    return explorer_pages_html(shown, lang) + figures_table_html(
        found.iloc[shown.start : shown.stop],
        seminar_id,
        "figures",
        caption,
        (*chosen.cache_key(seminar_id), shown.start, shown.stop),
        chosen.url_params(),
    )


def explorer_pages_html(shown: filters.RowsShown, lang: str) -> str:
    """Links to the explorer's pages of rows (1〜20件, 21〜40件, …, すべて), the shown one marked.

    Each link keeps the page's filters (a copied address opens the same rows). Nothing when the rows
    fit on one page.
    """
    if shown.pages <= 1:
        return ""
    choices = []
    for page in range(1, shown.pages + 1):
        rows, _ = filters.rows_shown(str(page), shown.total)  # the one rule for a page's rows
        label = common.pick(f"{rows.start + 1}〜{rows.stop}件", f"{rows.start + 1}–{rows.stop}", lang)
        choices.append((label, nav.this_page_href({"page": page}), page == shown.page))
    every = common.pick(f"すべて（{shown.total}件）", f"All {shown.total}", lang)
    choices.append((every, nav.this_page_href({"page": "all"}), shown.page is None))
    return prose.tabs(common.pick("表示する行", "Rows shown", lang), choices)


def seminar_figures_html(seminar_id: str) -> str:
    """The seminar-level figures as a table with quotes and a CSV link, for the overview ("" if none)."""
    frame = seminar_figures(seminar_id)
    if frame.empty:
        return ""
    lang = common.lang()
    caption = common.pick("セミナー全体の数値（引用・出典つき）", "Seminar-wide figures (with quotes)", lang)
    return figures_table_html(frame, seminar_id, "seminar", caption, ("seminar-figures", seminar_id))


# --- the overview's boxes: one HTML block each instead of a container, metric and captions per box ---
# (a page of 9 headline cards was ~40 Streamlit elements; bench/pages.py counts each one on reload)


def fact_boxes_html(facts: list[tuple[str, str]]) -> str:
    """Label/value boxes in a row (the overview's 開催日, 申込者数 …), as markup."""
    boxes = "".join(
        f'<div class="jm-fact"><p class="jm-label">{html.escape(label)}</p>'
        f'<p class="jm-value">{html.escape(value)}</p></div>'
        for label, value in facts
    )
    return f'<div class="jm-grid jm-facts">{boxes}</div>'


def headline_cards_html(figures: list[dict[str, Any]], lang: str) -> str:
    """The headline figures as cards (label, value, source with quote, caveats), as markup.

    Each card carries the same caveats as on its programme page (hearsay, missing baseline, ambiguity).
    """
    cards = []
    for figure in figures:
        label = words.text(figure, "label", lang)
        value = formatting.value_text(figure["value"], figure["unit"], figure["qualifier"], lang)
        source = words.source_line(figure, lang, quote=figure["quote"])
        note = words.text(figure, "note", lang)
        mark = "⚠️ " if note and (figure["ambiguous"] or figure["kind"] != "reported") else ""
        note_html = f'<p class="jm-note">{html.escape(mark + note)}</p>' if note else ""
        cards.append(
            f'<section class="jm-card"><h3>{html.escape(label)}</h3>'
            f'<p class="jm-value">{html.escape(value)}</p>'
            f'<p class="jm-note">{html.escape(source)}</p>{note_html}</section>'
        )
    return f'<div class="jm-grid jm-cards">{"".join(cards)}</div>'


@common.shared_read(max_entries=64)
def _whatif_svg(results: pd.DataFrame, lang: str) -> str:
    # Fixed plot width: a faceted chart cannot size itself to the container (its labels were clipped).
    return screen.screen_svg(whatif.chart(results, lang, width=560).to_dict())


def whatif_results_html(results: pd.DataFrame, lang: str) -> str:
    """The what-if results as one HTML block: a heading, a card per result (reading, value, assumption,
    source with its quote), and the chart as an SVG picture whose alt text states every result.

    The picture is drawn once per set of results (vl-convert takes tens of ms), not on every rerun.
    """
    esc = html.escape
    cards = "".join(
        '<section class="jm-card-box">'
        f"<p><strong>{esc(row['item'])}</strong>　{esc(row['reading'])}</p>"
        f'<p class="jm-value">{esc(whatif.result_text(row, lang))}</p>'
        f'<p class="jm-caption">{esc(common.pick("前提：", "Assumption: ", lang) + row["assumption"])}</p>'
        f'<p class="jm-caption">{esc(whatif.source_line(row))}</p></section>'
        for row in results.to_dict("records")
    )
    title = common.pick("入力値と事例を当てはめた値の比較", "Your values and the case's effect", lang)
    values = common.pick("、", "; ", lang).join(
        f"{row['item']} {row['reading']} {whatif.result_text(row, lang)}"
        for row in results.to_dict("records")
    )
    heading = esc(common.pick("結果（前提と出典つき）", "Results (with assumptions and sources)", lang))
    picture = picture_html(_whatif_svg(results, lang), f"{title}{common.pick('：', ': ', lang)}{values}")
    return f'<div class="jm-prose jm-chart"><h2>{heading}</h2>{cards}{picture}</div>'
