"""Budget-meeting kit widgets shared by the deck, presentation and what-if pages.

Session state: ``kit_whatif`` (the what-if entries, as typed, when "add to the deck" was pressed).
The deck page's choices live in its URL (`deck_choice`). Rendering is deferred to clicks: a page view
only lists charts; PNG/SVG/.pptx bytes are made by the download callables, and images are cached
per process by spec hash (jichitai_metrics.images).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from jichitai_metrics import charts, export, formatting, handout, images, slides, whatif, words
from jichitai_metrics.chart_card import load_cards
from jichitai_metrics.config import load_settings
from jichitai_metrics.ui import common
from jichitai_metrics.ui.figures import card
from jichitai_metrics.ui.filters import EXPLORER_PARAMS  # the deck page accepts the explorer's filters

WHATIF_KEY = "kit_whatif"


@common.shared_read()
def chart_labels(seminar_id: str, lang: str) -> dict[str, str]:
    """chart_id -> 'P1 · title' in display order."""
    frame = common.charts(seminar_id)
    return {
        str(r["chart_id"]): f"P{int(r['program'])} · {charts.chart_title(r, lang)}"
        for r in frame.to_dict("records")
    }


def charts_of_programs(seminar_id: str, programs: Sequence[int]) -> list[str]:
    """Chart ids of the given programmes, in display order."""
    frame = common.charts(seminar_id)
    wanted = set(programs)
    return [str(c) for c, p in zip(frame["chart_id"], frame["program"], strict=True) if int(p) in wanted]


def whatif_entries() -> dict[str, str] | None:
    """The what-if entries added to the deck, if any."""
    return st.session_state.get(WHATIF_KEY)


def whatif_url_entries() -> dict[str, str]:
    """The what-if entries as typed, from this page's URL (the form is a GET form: see pages/whatif.py)."""
    return {f.key: str(st.query_params.get(f.key) or "") for f in whatif.FIELDS}


def add_whatif_to_deck(entries: dict[str, str]) -> None:
    st.session_state[WHATIF_KEY] = dict(entries)


def charts_from_url(known: Sequence[str]) -> tuple[list[str], list[str]]:
    """Chart ids named in ?charts=a,b (as links from chart cards carry them): (known ones, unknown ones)."""
    asked = [c for c in str(st.query_params.get("charts") or "").split(",") if c]
    return [c for c in asked if c in known], [c for c in asked if c not in known]


DECK_MODES = ("programs", "charts")
# The deck form's marker: present once the form was sent, so "no box ticked" means none, not "default".
DECK_SENT = "sent"


@dataclass(frozen=True)
class DeckChoice:
    """What the deck page makes slides of, read from its URL (the form is a GET form)."""

    mode: str  # "programs" (whole programmes) or "charts" (single charts)
    programs: list[int]  # mode "programs": the programmes ticked
    chart_ids: list[str]  # mode "charts": the charts, in slide (= catalogue) order
    use_whatif: bool  # the what-if slide at the end (only when the session has entries)
    landscape: bool  # the handout in A4 landscape
    preset: list[str]  # charts a link or the explorer's filters asked for (the "charts" default)


def deck_choice(
    query: Mapping[str, Sequence[str]],
    numbers: Sequence[int],
    known_charts: Sequence[str],
    explorer_charts: Sequence[str],
    has_whatif: bool,
) -> DeckChoice:
    """The deck page's choices from its query ({name: all values}).

    Before the form is sent: all programmes, or, when a chart card's link (`charts=a,b`) or the
    explorer's filters named charts, those charts. After: exactly what was ticked. Charts are always
    in the programmes' order (the form lists them so).
    """
    sent = DECK_SENT in query
    asked = {c for v in query.get("charts", []) for c in v.split(",")}
    linked = [c for c in known_charts if c in asked]  # slides follow the programmes' order
    preset = linked or [c for c in explorer_charts if c in known_charts]
    asked_mode = (query.get("mode") or [""])[-1]
    mode = asked_mode if asked_mode in DECK_MODES else ("charts" if preset else "programs")
    if sent:
        ticked = set(query.get("p", []))
        programs = [n for n in numbers if str(n) in ticked]
        wanted = set(query.get("chart", []))
        chart_ids = [c for c in known_charts if c in wanted]
    else:
        programs, chart_ids = list(numbers), list(preset)
    return DeckChoice(
        mode=mode,
        programs=programs if mode == "programs" else [],
        chart_ids=chart_ids if mode == "charts" else [],
        use_whatif=has_whatif and ("whatif" in query if sent else True),
        landscape="landscape" in query,
        preset=preset,
    )


def deck_query() -> dict[str, list[str]]:
    """This page's query as {name: all values} (a GET form sends a ticked box per value)."""
    return {k: st.query_params.get_all(k) for k in st.query_params}


def explorer_params() -> dict[str, str]:
    """The explorer's filters present in this page's URL."""
    return {k: str(st.query_params[k]) for k in EXPLORER_PARAMS if st.query_params.get(k)}


def charts_for_explorer_selection(seminar_id: str, params: dict[str, str]) -> list[str]:
    """Charts that show at least one figure the explorer's filters select, in display order."""
    prog = params.get("prog")
    try:
        program = int(prog) if prog else None
    except ValueError:
        program = None
    found = common.figures(
        seminar_id,
        program=program,
        topic=params.get("topic") or None,
        unit=params.get("unit") or None,
        kind=params.get("kind") or None,
        text=params.get("q") or None,
    )
    return slides.charts_showing(common.charts(seminar_id), found["id"])


@common.shared_read()
def whatif_factors(seminar_id: str, lang: str) -> dict[str, whatif.Factor]:
    """The what-if factors from the catalogue (raises FactorError when a figure is missing)."""
    return whatif.factors_from(common.figures(seminar_id), common.programs(seminar_id), lang)


def whatif_results(seminar_id: str, entries: dict[str, str], lang: str) -> tuple[pd.DataFrame, list[str]]:
    """Parse entries and compute; returns (results, error messages)."""
    values, errors = whatif.parse_inputs(entries, lang)
    return whatif.compute(values, whatif_factors(seminar_id, lang), lang), errors


def warm_render_pool() -> None:
    """Start the chart renderer now, so the first deck or handout does not wait for it."""
    images.warm_render_pool()


def deck_builder(
    seminar_id: str,
    chart_ids: Sequence[str],
    programs: Sequence[int],
    lang: str,
    whatif_entries_: dict[str, str] | None,
) -> Callable[[], bytes]:
    """A no-argument callable that builds the deck (the deck route calls it: ui/deck_files.py)."""
    cursor = common.catalog_cursor()
    base_url = load_settings().base_url
    extra_results = None
    if whatif_entries_:
        extra_results, _ = whatif_results(seminar_id, whatif_entries_, lang)
    ids, progs = list(chart_ids), list(programs)

    def build() -> bytes:
        extra = (
            [slides.whatif_slide(extra_results, lang)]
            if extra_results is not None and len(extra_results)
            else []
        )
        seminar_row, cards = load_cards(cursor, seminar_id, progs if not ids else (), ids, lang)
        return slides.cards_deck(
            seminar_row,
            cards,
            programs=progs if not ids else (),
            chart_ids=ids,
            lang=lang,
            base_url=base_url,
            extra=extra,
        )

    return build


def handout_builder(
    seminar_id: str,
    chart_ids: Sequence[str],
    programs: Sequence[int],
    lang: str,
    whatif_entries_: dict[str, str] | None,
    landscape: bool = False,
) -> Callable[[], bytes]:
    """A no-argument callable that builds the A4 handout PDF (the deck route calls it: ui/deck_files.py)."""
    cursor = common.catalog_cursor()
    base_url = load_settings().base_url
    extra_results = None
    if whatif_entries_:
        extra_results, _ = whatif_results(seminar_id, whatif_entries_, lang)
    ids, progs = list(chart_ids), list(programs)

    def build() -> bytes:
        return handout.catalog_handout(
            cursor,
            seminar_id,
            programs=progs if not ids else (),
            chart_ids=ids,
            lang=lang,
            base_url=base_url,
            landscape=landscape,
            whatif_results=extra_results,
        )

    return build


def chart_image(
    seminar_id: str,
    chart_id: str,
    lang: str,
    fmt: str,
    width: int = slides.CHART_IMAGE_WIDTH,
    title: bool = True,
) -> bytes:
    """PNG (2×) or SVG bytes of one catalogue chart, drawn from its card."""
    chart = card(seminar_id, chart_id, lang).chart(width, title)
    return images.render_png(chart) if fmt == "png" else images.render_svg(chart).encode("utf-8")


@common.shared_read(max_entries=64)
def stamp(seminar_id: str, chart_id: str, lang: str) -> tuple[str, tuple[str, ...], str]:
    """(title, [出典 line, 基準/時点 line, notes…], alt text) for one chart."""
    item = card(seminar_id, chart_id, lang)
    seminar = common.seminar(seminar_id)
    # Every projected chart says when it was stated, even where a figure carries no date of its own.
    said = common.pick(
        "セミナー開催日（発言の時点）：", "Stated at the seminar on: ", lang
    ) + formatting.date_text(seminar["held_on"], lang)
    note = words.text(seminar, "held_on_note", lang)
    if note:
        said += common.pick(f"（{note}）", f" ({note})", lang)
    return item.title, (*item.footer, said), item.alt_text


def chart_image_links_html(seminar_id: str, lang: str) -> str:
    """Every chart with links to its PNG and SVG (files/image/..., see ui/image_files.py), as a table.

    Each link's name says which chart it is ("PNG：P1 · …", starting with the visible text), so a
    screen reader listing the links hears more than a column of "PNG".
    """
    from jichitai_metrics.ui.image_files import image_href

    esc = html.escape
    rows = "".join(
        f'<tr><th scope="row">{esc(label)}</th>'
        + "".join(
            f'<td><a href="{esc(image_href(seminar_id, chart_id, fmt, lang))}" download '
            f'aria-label="{esc(fmt.upper() + common.pick("：", ": ", lang) + label)}">{fmt.upper()}</a></td>'
            for fmt in ("png", "svg")
        )
        + "</tr>"
        for chart_id, label in chart_labels(seminar_id, lang).items()
    )
    head = esc(common.pick("グラフ", "Chart", lang))
    caption = esc(common.pick("グラフの画像ファイル", "Chart image files", lang))
    return (
        f'<div class="jm-table"><table class="jm-images"><caption>{caption}</caption>'
        f'<thead><tr><th scope="col">{head}</th><th scope="col">PNG</th><th scope="col">SVG</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def image_filename(chart_id: str, fmt: str) -> str:
    return export.export_filename("chart", chart_id, ext=fmt)


def deck_filename(seminar_id: str, chart_ids: Sequence[str], programs: Sequence[int]) -> str:
    what = "deck"
    parts: list[str | int] = [seminar_id]
    if len(programs) == 1 and not chart_ids:
        parts.append(f"program{programs[0]}")
    return export.export_filename(what, *parts, ext="pptx")


def handout_filename(seminar_id: str, chart_ids: Sequence[str], programs: Sequence[int]) -> str:
    return handout.handout_filename(seminar_id, chart_ids, programs)
