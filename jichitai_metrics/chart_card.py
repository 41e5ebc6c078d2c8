"""One object per chart: rows, table, caption, CSV table and slide texts, built once and handed on.

The screen (``ui/figures.chart_card``), the PNG/SVG images, the slide deck and the A4 handout all
take a :class:`ChartCard`, so they can never disagree about a chart's numbers or words. Public API:

- :func:`build_chart_card` (chart row + figures + programme/seminar rows -> ChartCard; no database);
- :func:`load_cards` (a catalogue cursor -> the seminar row and the cards of a selection);
- :class:`ChartCard`: ``title``, ``figures``, ``table``, ``caption``, ``csv_table``, ``footer``,
  ``notes``, ``alt_text``; ``chart(width, title)`` / ``spec(...)`` draw the card's own table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import duckdb
import pandas as pd

from jichitai_metrics import chart_tables, charts, queries, words
from jichitai_metrics.errors import UnknownSeminar
from jichitai_metrics.i18n import pick

__all__ = ["IMAGE_WIDTH", "ChartCard", "build_chart_card", "load_cards", "select_chart_rows"]

IMAGE_WIDTH = 900  # px before the 2× scale: wide enough for a 16:9 slide's or an A4 page's picture area


# --- the caption: 出典, quotes, baselines, 時点, notes, derivations ---------------------------


@dataclass(frozen=True)
class ChartCaption:
    """Source caption of a chart, as plain text lines (slides use the same words as the page)."""

    source: str  # 出典: seminar, programme, speaker
    quotes: list[str] = field(default_factory=list)  # 「…」 per figure
    baselines: list[str] = field(default_factory=list)  # 比較基準
    periods: list[str] = field(default_factory=list)  # 時点 / 年度
    notes: list[str] = field(default_factory=list)  # chart note, figure notes, ambiguity
    derived: list[str] = field(default_factory=list)  # how derived values were computed

    def lines(self) -> list[str]:
        """Every caption line, source first."""
        return [self.source, *self.quotes, *self.baselines, *self.periods, *self.notes, *self.derived]

    def text(self) -> str:
        """All lines joined by newlines (speaker notes)."""
        return "\n".join(self.lines())


def _ref(i: int) -> str:
    """①, ②, … (then (21), (22) …) as short references to a caption's figures."""
    return chr(0x2460 + i) if i < 20 else f"({i + 1})"


def _grouped(pairs: list[tuple[str, str]], head_ja: str, head_en: str, lang: str, n_figs: int) -> list[str]:
    """Caption lines for (text, label) pairs: one line per distinct text, naming its figures unless
    the text holds for every figure of the chart (then the labels would only repeat)."""
    by_text: dict[str, list[str]] = {}
    for text, label in pairs:
        if text:
            by_text.setdefault(text, [])
            if label not in by_text[text]:
                by_text[text].append(label)
    lines = []
    for text, labels in by_text.items():
        if len(by_text) == 1 and len(labels) == n_figs:
            lines.append(pick(f"{head_ja}：{text}", f"{head_en}: {text}", lang))
        else:
            who = "".join(labels)
            lines.append(pick(f"{head_ja} {who}：{text}", f"{head_en} {who}: {text}", lang))
    return lines


def caption_from_table(
    chart_row: dict[str, Any],
    figs: list[dict[str, Any]],
    table: pd.DataFrame,
    program_row: dict[str, Any] | None,
    lang: str,
    seminar_row: dict[str, Any] | None,
) -> ChartCaption:
    """Caption of a chart: 出典 (programme, speaker), each figure's quote, baseline, 時点/年度, notes."""
    quotes: list[str] = []
    baselines, periods, plain_notes, ambiguous, derived = [], [], [], [], []
    for i, f in enumerate(figs):
        # Figures are numbered ①②… in the quote lines; later lines refer to them by number, so a
        # long label is written once, not in every baseline/period/note line.
        label = _ref(i)
        value = words.value_text(f, lang)
        quote = words.clean(f.get("quote"))
        name = words.text(f, "label", lang)
        quotes.append(
            pick(f"{label}{name}：{value} ―「{quote}」", f"{label} {name}: {value} — “{quote}”", lang)
        )
        baselines.append((words.baseline_text(f, lang), label))
        periods.append((words.period_text(f, lang), label))
        note = words.text(f, "note", lang)
        if words._truthy(f.get("ambiguous")):
            ambiguous.append(
                (note or pick("レポートの表現が曖昧です。", "the report is ambiguous.", lang), label)
            )
        elif note:
            plain_notes.append((note, label))
        if words.clean(f.get("kind")) == "derived":
            derived.append((words.clean(f.get("derivation")), label))
    n = len(figs)
    notes = [
        *_grouped(ambiguous, "⚠ 解釈注意", "⚠ Ambiguous", lang, n),
        *_grouped(plain_notes, "注", "Note", lang, n),
    ]
    derived_lines = _grouped(derived, "算出値", "Derived", lang, n)
    for how in table.loc[(table["derivation"] != "") & (table["kind"] != "derived"), "derivation"]:
        line = pick(f"算出値（グラフ用の読み替え）：{how}", f"Derived for the chart: {how}", lang)
        if how and line not in derived_lines:
            derived_lines.append(line)
    if (table["status"] == "not_reported").any():
        notes.append(
            pick(
                "「報告なし」はレポートに数値がない組み合わせです（0ではありません）。",
                "“not reported”: the report gives no figure for that combination (not zero).",
                lang,
            )
        )
    chart_note = words.text(chart_row, "note", lang)
    if chart_note:
        notes.insert(0, pick(f"注：{chart_note}", f"Note: {chart_note}", lang))
    return ChartCaption(
        words.source_line(program_row, lang, seminar=seminar_row),
        quotes,
        _grouped(baselines, "比較基準", "Baseline", lang, n),
        _grouped(periods, "時点・年度", "As of / fiscal year", lang, n),
        notes,
        derived_lines,
    )


# --- the card ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartCard:
    """Everything said about one chart in one language, computed once from the same rows."""

    chart_id: str
    seminar_id: str
    program: int | None
    lang: str
    title: str
    chart_row: dict[str, Any]
    figures: tuple[dict[str, Any], ...]  # the chart's figure rows, in charts.csv order
    table: pd.DataFrame  # chart_tables.TABLE_COLUMNS: one row per bar/tile (derived readings marked)
    caption: ChartCaption  # 出典, quotes, baselines, 時点, notes, derivations
    csv_table: pd.DataFrame  # the table view and the CSV: headers in `lang` (words.CHART_CSV_COLUMNS)
    footer: tuple[str, ...]  # short lines under a slide or handout picture
    notes: tuple[str, ...]  # speaker notes: the verbatim quotes first, then the whole caption
    alt_text: str  # the picture's alternative text: title and every value

    def chart(self, width: int | str = IMAGE_WIDTH, title: bool = True) -> alt.TopLevelMixin:
        """The Altair chart drawn from this card's table (width in px, or "container" on screen)."""
        return charts.chart_from_table(self.chart_row, self.table, self.lang, width, title)

    def spec(self, width: int | str = IMAGE_WIDTH, title: bool = True) -> dict[str, Any]:
        """The Vega-Lite dict of :meth:`chart` (plain JSON types: cacheable)."""
        return dict(self.chart(width, title).to_dict(validate=False))


def _program_number(value: object) -> int | None:
    return None if words.blank(value) else int(float(str(value)))


def _csv_table(chart_id: str, table: pd.DataFrame, source: str, lang: str) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "chart_id": chart_id,
            "figure_id": table["figure_id"],
            "label": table["item"],
            "series": table["series"],
            "value": table["value"],
            "unit": table["unit"],
            "qualifier": table["qualifier"],
            "value_text": table["value_text"],
            "kind": table["status"].map(lambda s: words.kind_text(s, lang)),
            "baseline": table["baseline"],
            "as_of": table["as_of"],
            "as_of_basis": table["as_of_basis"],
            "fiscal_year": table["fiscal_year"],
            "ambiguous": table["ambiguous"],
            "derivation": table["derivation"],
            "quote": table["quote"],
            "note": table["note"],
            "source": source,
        },
        columns=list(words.CHART_CSV_COLUMNS),
    )
    return out.rename(columns=words.headers(words.CHART_CSV_COLUMNS, lang))


def _footer(caption: ChartCaption, figs: Sequence[dict[str, Any]], lang: str) -> list[str]:
    """Footer lines: 出典, 比較基準, 時点, the chart note and any warning; quotes go to the notes.

    Short on purpose (it must stay readable on a projector).
    """
    sep = "、" if lang != "en" else "; "
    lines = [caption.source]
    bases = list(dict.fromkeys(b for b in (words.baseline_text(f, lang) for f in figs) if b))
    periods = list(dict.fromkeys(p for p in (words.period_text(f, lang) for f in figs) if p))
    context = []
    if bases:
        context.append(pick("比較基準：", "Baseline: ", lang) + sep.join(bases))
    if periods:
        context.append(pick("時点・年度：", "As of / FY: ", lang) + sep.join(periods))
    if context:
        lines.append(" ／ ".join(context) if lang != "en" else " / ".join(context))
    chart_note = [n for n in caption.notes if n.startswith(("注：", "Note: "))]
    warnings = [n for n in caption.notes if n.startswith("⚠") or "報告なし" in n or "not reported" in n]
    lines.extend(dict.fromkeys(chart_note + warnings))
    return lines


def build_chart_card(
    chart_row: dict[str, Any],
    figures: pd.DataFrame,
    program_row: dict[str, Any] | None,
    seminar_row: dict[str, Any] | None,
    lang: str = "ja",
) -> ChartCard:
    """The card of one charts.csv row. `figures` may hold more rows than the chart uses."""
    figs = chart_tables.figure_records(chart_row, figures)
    table = chart_tables.chart_table_of(chart_row, figs, lang)
    caption = caption_from_table(chart_row, figs, table, program_row, lang, seminar_row)
    title = charts.chart_title(chart_row, lang)
    chart_id = words.clean(chart_row.get("chart_id"))
    notes = [
        pick("発言・記述の原文（セミナーレポートより）：", "Verbatim from the seminar report:", lang),
        *caption.quotes,
        "",
        *[line for line in caption.lines() if line not in caption.quotes],
    ]
    values = pick("、", ", ", lang).join(
        f"{words.text(f, 'label', lang)} {words.value_text(f, lang)}" for f in figs
    )
    return ChartCard(
        chart_id=chart_id,
        seminar_id=words.clean(chart_row.get("seminar_id")),
        program=_program_number(chart_row.get("program")),
        lang=lang,
        title=title,
        chart_row=dict(chart_row),
        figures=tuple(figs),
        table=table,
        caption=caption,
        csv_table=_csv_table(chart_id, table, caption.source, lang),
        footer=tuple(_footer(caption, figs, lang)),
        notes=tuple(notes),
        alt_text=title + pick("：", ": ", lang) + values,
    )


def select_chart_rows(
    con: duckdb.DuckDBPyConnection,
    seminar_id: str,
    programs: Sequence[int] = (),
    chart_ids: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Chart rows of a selection: the named charts, else the programmes' charts, else the whole seminar.

    Raises UnknownSeminar (with the id in the message) for an unknown seminar, programme or chart.
    """
    queries.seminar(con, seminar_id)  # raises for an unknown seminar
    if chart_ids:
        rows = []
        for cid in chart_ids:
            row = queries.chart(con, cid)
            if row["seminar_id"] != seminar_id:
                raise UnknownSeminar(
                    f"chart '{cid}' belongs to seminar '{row['seminar_id']}', not '{seminar_id}'"
                )
            rows.append(row)
        return rows
    if programs:
        rows = []
        for number in programs:
            queries.program(con, seminar_id, int(number))  # raises for an unknown programme
            rows.extend(queries.charts(con, seminar_id, int(number)).to_dict("records"))
        return rows
    return list(queries.charts(con, seminar_id).to_dict("records"))


def load_cards(
    con: duckdb.DuckDBPyConnection,
    seminar_id: str,
    programs: Sequence[int] = (),
    chart_ids: Sequence[str] = (),
    lang: str = "ja",
) -> tuple[dict[str, Any], list[ChartCard]]:
    """(seminar row, cards) for a selection: the catalogue is read once, then every card is built."""
    rows = select_chart_rows(con, seminar_id, programs, chart_ids)
    seminar_row = queries.seminar(con, seminar_id)
    program_rows = {int(p["number"]): p for p in queries.programs(con, seminar_id).to_dict("records")}
    figures = queries.figures(con, seminar_id=seminar_id)
    cards = []
    for row in rows:
        number = _program_number(row.get("program"))
        program_row = program_rows.get(number) if number is not None else None
        cards.append(build_chart_card(row, figures, program_row, seminar_row, lang))
    return seminar_row, cards
