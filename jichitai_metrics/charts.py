"""Altair chart builders: catalogue rows in, chart out. Pure (no streamlit), shared by pages and slides.

One entry point per concern:

- :func:`chart_table`   the numbers a chart shows, one row per bar/tile (also the table view and CSV);
- :func:`build_chart`   the Altair chart for a ``charts.csv`` row and its figures;
- :func:`chart_caption` the source caption (出典, baseline, 時点/年度, notes, derived) as plain text,
  so slide footers and speaker notes use the same words as the page.

Every number shown comes from a catalogue figure. Where a chart needs a number the report does not
state (the remaining level after "99% reduction", a reading of an ambiguous quote), it is computed
from a catalogue figure, marked ``derived`` in the table and tooltip, and the caption says how.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import altair as alt
import pandas as pd

from jichitai_metrics import formatting, words
from jichitai_metrics.catalog import CHART_TYPES  # one list: the loader checks it, the builders draw it
from jichitai_metrics.i18n import pick

# Okabe & Ito (2008) colour-universal-design palette, in their order. Distinguishable for the
# common colour-vision types, which matters in a committee room where one in twenty men has CVD.
PALETTE: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#000000",  # black
)
ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE, BLACK = PALETTE
GREY = "#8C8C8C"  # neutral for baselines and "not reported"; not a data colour
TEXT = "#262730"
# Grey for words ("not reported"): #8C8C8C is 3.4:1 on white, below AA's 4.5:1 for text; this is 7:1.
GREY_TEXT = "#595959"


#: Columns of :func:`chart_table`, in order (machine-readable names; the UI labels them).
TABLE_COLUMNS = (
    "figure_id",
    "item",
    "series",
    "value",
    "unit",
    "qualifier",
    "value_text",
    "status",
    "baseline",
    "as_of",
    "as_of_basis",
    "fiscal_year",
    "kind",
    "ambiguous",
    "derivation",
    "quote",
    "note",
)

LABEL_FONT_SIZE = 14  # readable from the back of a meeting room at 1280×720
AXIS_FONT_SIZE = 13
TITLE_FONT_SIZE = 16
DEFAULT_WIDTH = 640  # images (vl-convert) need a number; the page stretches it to the container


class ChartDataError(ValueError):
    """A chart row and its figures do not fit the chart type (a data problem, named clearly)."""


# --- small helpers -----------------------------------------------------------------------------
# The words around a figure (blank rule, kinds, as-of, baseline, value text, source line) live in
# jichitai_metrics.words; these names are kept short for the builders below.

_blank = words.blank
_s = words.clean
_truthy = words._truthy
STATUS_TEXT = words.STATUS_TEXT


def _to_int(value: object) -> int | None:
    if _blank(value):
        return None
    try:
        return int(float(str(value)))
    except ValueError:
        return None


def figure_ids(chart_row: dict[str, Any]) -> list[str]:
    """The chart's figure ids in the order charts.csv lists them."""
    return _s(chart_row.get("figure_ids")).split()


def figure_records(chart_row: dict[str, Any], figures: pd.DataFrame) -> list[dict[str, Any]]:
    """The chart's figures as dicts, in charts.csv order; a listed id missing from `figures` is an error."""
    ids = figure_ids(chart_row)
    if not ids:
        return []
    # Convert only the rows asked for: `figures` may be a whole seminar's frame (under pandas 3 each
    # to_dict("records") row costs one iloc per column).
    keep = figures["id"].astype(str).isin(set(ids)).to_numpy()
    by_id = {str(r["id"]): r for r in figures[keep].to_dict("records")}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise ChartDataError(
            f"chart {chart_row.get('chart_id')!r}: figure ids not in the catalogue: {', '.join(missing)}"
        )
    return [by_id[i] for i in ids]


def axis_unit(unit: str, lang: str) -> str:
    """Unit as it reads in an axis title: %, 件, procedures…"""
    if lang == "en":
        return formatting.UNIT_EN.get(unit, unit).strip() or unit
    return unit


_NO_LINE_START = "）」』】、。・ー)]:,."


def wrap_label(text: str, width: int = 14) -> list[str]:
    """Split a long label into lines (Vega draws a list of strings as lines).

    Japanese breaks before an opening bracket where one falls in the second half of a line, and never
    starts a line with closing punctuation (禁則); English wraps on words.
    """
    text = _s(text)
    if len(text) <= width:
        return [text]
    if _ems(text) < len(text) * 0.8:  # mostly Latin: wrap on words
        return textwrap.wrap(text, width=int(width * 1.7)) or [text]
    lines = []
    rest = text
    while len(rest) > width:
        cut = width
        k = rest.rfind("（", width // 2, width + 1)
        if k > 0:
            cut = k
        while cut < len(rest) and rest[cut] in _NO_LINE_START:
            cut += 1
        lines.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        lines.append(rest)
    return lines


_txt = words.text


def as_of_year(value: object) -> int | None:
    """The calendar year of an as-of value ('2021' or '2022-09-21')."""
    m = re.match(r"(\d{4})", _s(value))
    return int(m.group(1)) if m else None


def _status(fig: dict[str, Any]) -> str:
    kind = _s(fig.get("kind")) or "reported"
    return kind if kind in ("reported", "target", "derived") else "reported"


def _base_row(fig: dict[str, Any], lang: str, **overrides: Any) -> dict[str, Any]:
    """One chart_table row for one figure (overrides for derived readings and blank cells)."""
    value = fig.get("value")
    row = {
        "figure_id": _s(fig.get("id")),
        "item": _txt(fig, "label", lang),
        "series": "",
        "value": None if _blank(value) else float(str(value)),
        "unit": _s(fig.get("unit")),
        "qualifier": _s(fig.get("qualifier")),
        "value_text": words.value_text(fig, lang),
        "status": _status(fig),
        "baseline": words.baseline_text(fig, lang),
        "as_of": _s(fig.get("as_of")),
        "as_of_basis": words.as_of_basis(fig, lang),
        "fiscal_year": _to_int(fig.get("fiscal_year")),
        "kind": _s(fig.get("kind")),
        "ambiguous": _truthy(fig.get("ambiguous")),
        "derivation": _s(fig.get("derivation")),
        "quote": _s(fig.get("quote")),
        "note": _txt(fig, "note", lang),
    }
    row.update(overrides)
    return row


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    df["ambiguous"] = df["ambiguous"].fillna(False).astype(bool)
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    df["fiscal_year"] = df["fiscal_year"].astype("Int64")
    return df


# --- table builders: one per chart type -------------------------------------------------------


_BRACKET = re.compile(r"^(?P<cat>.+?)\s*[（(](?P<period>[^（()）]+)[）)]\s*$")


def _split_label(label: str) -> tuple[str, str]:
    """「職員の…不満（2021年調査）」 -> ('職員の…不満', '2021年調査'); no bracket -> (label, '')."""
    m = _BRACKET.match(label)
    return (m.group("cat").strip(), m.group("period").strip()) if m else (label, "")


def _strip_common_prefix(names: list[str]) -> dict[str, str]:
    """Shorten categories that share a long prefix (「職員のデジタル環境への不満/満足」 -> 不満/満足)."""
    if len(names) < 2:
        return {n: n for n in names}
    prefix = names[0]
    for n in names[1:]:
        while not n.startswith(prefix):
            prefix = prefix[:-1]
    if " " in prefix:  # English: cut at a word boundary
        prefix = prefix[: prefix.rfind(" ") + 1]
    if len(prefix) < 3 or any(len(n) == len(prefix) for n in names):
        return {n: n for n in names}
    return {n: n[len(prefix) :].strip() for n in names}


def _table_share_comparison(figs: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    # The expected grid is categories × periods of the figures given. A figure's label names both,
    # 「<category>（<period>）」 e.g. 「…不満（2021年調査）」; its as_of orders the periods (newest first).
    # A combination with no figure is a cell the report does not give: a row with a blank value and
    # 「報告なし」, never a zero bar. Derived figures are not part of the grid.
    figs = [f for f in figs if _status(f) != "derived"]
    parsed = [(f, *_split_label(_txt(f, "label", lang))) for f in figs]
    short = _strip_common_prefix(list(dict.fromkeys(c for _, c, _ in parsed)))
    cats: list[str] = []
    periods: dict[str, int] = {}
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for f, c, p in parsed:
        c = short[c]
        p = p or words.as_of_text(f.get("as_of"), lang) or pick("時点不明", "date not given", lang)
        if c not in cats:
            cats.append(c)
        periods[p] = max(periods.get(p, 0), as_of_year(f.get("as_of")) or 0)
        cells[(c, p)] = f
    order = sorted(periods, key=lambda p: -periods[p])
    unit = _s(figs[0].get("unit")) if figs else "%"
    rows = []
    for c in cats:
        for p in order:
            cell = cells.get((c, p))
            if cell is None:
                rows.append(
                    {
                        "figure_id": "",
                        "item": c,
                        "series": p,
                        "value": None,
                        "unit": unit,
                        "qualifier": "",
                        "value_text": pick("報告なし", "not reported", lang),
                        "status": "not_reported",
                        "baseline": "",
                        "as_of": "",
                        "as_of_basis": "",
                        "fiscal_year": None,
                        "kind": "",
                        "ambiguous": False,
                        "derivation": "",
                        "quote": "",
                        "note": pick(
                            "この組み合わせの数値はレポートにありません（0ではありません）。",
                            "The report gives no figure for this combination (it is not zero).",
                            lang,
                        ),
                    }
                )
            else:
                rows.append(_base_row(cell, lang, item=c, series=p))
    return _frame(rows)


def _reading(fig: dict[str, Any]) -> str:
    """How a reduction figure reads: 'by' (99%削減), 'to' (55%まで), or 'ambiguous'."""
    if _truthy(fig.get("ambiguous")):
        return "ambiguous"
    quote = _s(fig.get("quote"))
    return "to" if "まで" in quote else "by"


def _table_baseline_change(figs: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    # Each figure is plotted as the level left against its own baseline (= 100), so paper vs 2016
    # and FAX vs 2019 are never put on one shared time axis. A reduction "by X%" leaves 100 − X: a
    # derived number, marked as such. An ambiguous quote gets both readings, side by side.
    rows = []
    index_unit = pick("指数", "index", lang)
    for f in figs:
        item = _txt(f, "label", lang)
        m = re.fullmatch(r"(\d{4})年?", _s(f.get("baseline")))
        base = (
            words.year_text(int(m.group(1)), lang)
            if m
            else (_s(f.get("baseline")) or pick("基準", "baseline", lang))
        )
        value = None if _blank(f.get("value")) else float(f["value"])
        q = _s(f.get("qualifier"))
        rows.append(
            _base_row(
                f,
                lang,
                item=item,
                series=f"{base} = 100",
                value=100.0,
                unit=index_unit,
                qualifier="",
                value_text="100",
                status="baseline",
                kind="",
                derivation="",
                note="",
                quote="",
            )
        )
        if value is None:
            rows.append(_base_row(f, lang, item=item))
            continue
        reading = _reading(f)
        q_en = formatting.QUALIFIER_EN.get(q, q)
        num = formatting.japanese_number(value) if lang != "en" else formatting.english_number(value)
        rest = 100.0 - value
        rest_num = formatting.japanese_number(rest) if lang != "en" else formatting.english_number(rest)
        said = pick(f"{q}{num}%", f"{q_en} {num}%".strip(), lang)
        to_series = {
            "ambiguous": pick(f"読み方A：{said}まで減った", f"Reading A: down TO {said}", lang),
            "to": pick(f"現在（{said}まで削減）", f"now (down to {said})", lang),
        }
        by_series = {
            "ambiguous": pick(f"読み方B：{said}減った", f"Reading B: down BY {said}", lang),
            "by": pick(f"現在（{said}削減）", f"now (cut by {said})", lang),
        }
        to_row = _base_row(
            f,
            lang,
            item=item,
            value=value,
            unit=index_unit,
            series=to_series.get(reading, ""),
            value_text=pick(f"{q}{num}", f"{q_en} {num}".strip(), lang),
        )
        if reading == "ambiguous":
            # Neither reading is "the" reported value: both are drawn alike, each says how it reads,
            # and no words the report does not use are put in quote marks.
            amb = pick(
                "どちらの意味かレポートからは決められません。",
                "The report does not say which is meant.",
                lang,
            )
            note = " ".join(x for x in (amb, to_row["note"]) if x)
            to_row.update(status="reading", note=note)
            by_row = _base_row(
                f,
                lang,
                item=item,
                value=rest,
                unit=index_unit,
                status="reading",
                series=by_series["ambiguous"],
                value_text=pick(f"{q}{rest_num}", f"{q_en} {rest_num}".strip(), lang),
                derivation=pick(
                    f"読み方B（{said}減った）なら残りは 100 − {num} = {rest_num}",
                    f"If reading B (down by {said}) holds, what is left is 100 − {num} = {rest_num}",
                    lang,
                ),
                note=note,
            )
            rows.extend([to_row, by_row])
        else:
            by_row = _base_row(
                f,
                lang,
                item=item,
                value=rest,
                unit=index_unit,
                status="derived",
                series=by_series.get(reading, ""),
                value_text=pick(f"{q}{rest_num}", f"{q_en} {rest_num}".strip(), lang),
                derivation=pick(
                    f"100 − {num} = {rest_num}（「{_s(f.get('quote'))}」から算出）",
                    f"100 − {num} = {rest_num} (computed from the reported cut of {said})",
                    lang,
                ),
            )
            rows.append(to_row if reading == "to" else by_row)
    return _frame(rows)


def _table_target_progress(figs: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    # The share (unit %) is a rate, not a count: it stays a row of the table but the bars are drawn
    # for the counts only (total and target), with the share written on the target bar.
    rows = []
    for f in figs:
        series = words.kind_text("target", lang) if _status(f) == "target" else pick("全体", "total", lang)
        rows.append(_base_row(f, lang, series=series))
    return _frame(rows)


def _table_ratio(figs: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    # A ratio such as 1/30 compares against its baseline (= 1): both bars are drawn so the size of
    # the difference is visible; the "= 1" bar is the reference, not a reported figure.
    rows = []
    for f in figs:
        item = _txt(f, "label", lang)
        rows.append(
            _base_row(
                f,
                lang,
                item=item,
                # The reference is what the report compares with (一般的な動画, 従来の動画作成), not "before".
                series=pick(f"{_s(f.get('baseline')) or '比較対象'} = 1", "reference = 1", lang),
                value=1.0,
                qualifier="",
                value_text="1",
                status="baseline",
                kind="",
                derivation="",
                note="",
            )
        )
        rows.append(_base_row(f, lang, item=item, series=pick("報告された比", "reported ratio", lang)))
    return _frame(rows)


def _table_plain(figs: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    return _frame([_base_row(f, lang) for f in figs])


_TABLES: dict[str, Callable[[list[dict[str, Any]], str], pd.DataFrame]] = {
    "share_comparison": _table_share_comparison,
    "baseline_change": _table_baseline_change,
    "target_progress": _table_target_progress,
    "ratio": _table_ratio,
    "value_bars": _table_plain,
    "counts": _table_plain,
    "kpi": _table_plain,
}


def chart_table(chart_row: dict[str, Any], figures: pd.DataFrame, lang: str = "ja") -> pd.DataFrame:
    """The rows a chart draws (including 報告なし cells and marked derived readings), TABLE_COLUMNS."""
    return chart_table_of(chart_row, figure_records(chart_row, figures), lang)


def chart_table_of(chart_row: dict[str, Any], figs: list[dict[str, Any]], lang: str = "ja") -> pd.DataFrame:
    """:func:`chart_table` from the chart's figure rows already in charts.csv order."""
    return _table_builder(chart_row)(figs, lang)


def _table_builder(chart_row: dict[str, Any]) -> Callable[[list[dict[str, Any]], str], pd.DataFrame]:
    ctype = _s(chart_row.get("chart_type"))
    if ctype not in _TABLES:
        raise ChartDataError(
            f"chart {chart_row.get('chart_id')!r}: unknown chart_type {ctype!r} "
            f"(known: {', '.join(CHART_TYPES)})"
        )
    return _TABLES[ctype]


# --- chart builders ---------------------------------------------------------------------------


# Encodings are passed as channel objects (alt.X("value:Q"), alt.ColorValue(...)), never as
# shorthand strings or alt.condition()/alt.value() dicts: Altair resolves those through
# jsonschema (2–6 ms per channel, ~40% of building a chart), and the spec comes out the same.
def _if(channel: type, test: str, yes: Any, no: Any) -> Any:
    """A conditional value channel, as alt.condition(test, alt.value(yes), alt.value(no)) writes it."""
    return channel(condition={"test": test, "value": yes}, value=no)


def _tooltip(lang: str) -> list[alt.Tooltip]:
    return [
        alt.Tooltip("item:N", title=pick("項目", "Item", lang)),
        alt.Tooltip("series:N", title=pick("区分", "Series", lang)),
        alt.Tooltip("value_text:N", title=pick("値", "Value", lang)),
        alt.Tooltip("status_text:N", title=pick("種別", "Kind", lang)),
        alt.Tooltip("baseline:N", title=pick("比較基準", "Baseline", lang)),
        alt.Tooltip("quote:N", title=pick("引用", "Quote", lang)),
        alt.Tooltip("derivation:N", title=pick("算出方法", "How derived", lang)),
    ]


def _plot_data(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    df = table.copy()
    df["status_text"] = df["status"].map(lambda s: pick(*STATUS_TEXT.get(s, (s, s)), lang))
    # Bar labels carry the caveat mark, so an ambiguous number is never read without its warning.
    mark = pick(" ⚠解釈注意", " ⚠ambiguous", lang)
    df["value_text"] = [
        t + (mark if a and st != "baseline" else "")
        for t, a, st in zip(df["value_text"], df["ambiguous"], df["status"], strict=True)
    ]
    # Vega-Lite JSON cannot hold dates/NaN/NA: plain strings and None.
    df["as_of"] = df["as_of"].map(lambda d: d.isoformat() if isinstance(d, date) else _s(d))
    df["fiscal_year"] = df["fiscal_year"].astype(object).where(df["fiscal_year"].notna(), None)
    df["value"] = df["value"].astype(object).where(df["value"].notna(), None)
    return df


def _base(df: pd.DataFrame | None, width: int | str) -> alt.Chart:
    # A layer inside a facet must not carry data of its own (the facet holds it): pass None there.
    if df is None:
        return alt.Chart().properties(width=width)
    return alt.Chart(_inline(df)).properties(width=width)


def _inline(df: pd.DataFrame) -> alt.Data:
    # A tuple, not a list: Altair deep-copies a chart's lists on every .properties()/layer()/facet()
    # (half the build time went to copying these rows, quotes and all), but keeps a tuple by
    # reference; to_dict() writes it as the same JSON list. The row dicts are never mutated.
    return alt.Data(values=tuple(df.to_dict("records")))


def _fixed(width: int | str) -> int:
    # Vega-Lite cannot size a faceted chart to its container: facets get a pixel width.
    return width if isinstance(width, int) else DEFAULT_WIDTH - 120


def _facet_header() -> alt.Header:
    return alt.Header(
        labelAngle=0,
        labelAlign="left",
        labelAnchor="start",
        labelOrient="top",
        labelFontSize=LABEL_FONT_SIZE,
        labelFontWeight="bold",
        labelLimit=0,
        labelPadding=6,
    )


def _y_items(lang: str, title: str | None = None, sort: list[str] | None = None) -> alt.Y:
    return alt.Y(
        "item:N",
        title=title or None,
        sort=sort,
        axis=alt.Axis(labelLimit=260, labelFontSize=AXIS_FONT_SIZE, labelExpr="split(datum.label, '\\n')"),
    )


def _item_labels(df: pd.DataFrame) -> pd.DataFrame:
    # Axis labels come from the `item` field; a newline-joined version lets labelExpr wrap it.
    df = df.copy()
    df["item"] = df["item"].map(lambda t: "\n".join(wrap_label(t)))
    return df


def _percent_axis(lang: str, title_ja: str, title_en: str) -> alt.X:
    return alt.X(
        "value:Q",
        title=pick(title_ja, title_en, lang),
        scale=alt.Scale(domain=[0, 100]),
        axis=alt.Axis(labelFontSize=AXIS_FONT_SIZE, titleFontSize=AXIS_FONT_SIZE, tickCount=5),
    )


def _chart_share_comparison(
    table: pd.DataFrame, chart_row: dict[str, Any], lang: str, width: int | str
) -> alt.TopLevelMixin:
    df = _item_labels(_plot_data(table, lang))
    sep = pick("：", ": ", lang)
    # 報告なし cells carry no bar: their label is drawn at 0 in grey with an explicit text.
    df["label_x"] = df["value"].map(lambda v: 0 if v is None else v)
    periods = list(dict.fromkeys(df["series"]))
    items = list(dict.fromkeys(df["item"]))
    unit = axis_unit(_s(table["unit"].dropna().iloc[0]) if len(table) else "%", lang)
    base = _base(df, width)
    colour = alt.Color(
        "series:N",
        title=pick("時点", "When", lang),
        sort=periods,
        scale=alt.Scale(domain=periods, range=[BLUE, SKY, ORANGE, GREEN][: len(periods)]),
        legend=alt.Legend(
            orient="top", labelFontSize=AXIS_FONT_SIZE, titleFontSize=AXIS_FONT_SIZE, labelLimit=300
        ),
    )
    y = _y_items(lang, sort=items)
    y_off = alt.YOffset("series:N", sort=periods)
    bars = (
        base.transform_filter("datum.status != 'not_reported'")
        .mark_bar(height={"band": 0.9})
        .encode(
            x=_percent_axis(lang, f"割合（{unit}）", f"Share ({unit})"),
            y=y,
            yOffset=y_off,
            color=colour,
            tooltip=_tooltip(lang),
        )
    )
    labels = (
        base.mark_text(align="left", dx=6, fontSize=LABEL_FONT_SIZE, fontWeight="bold")
        .encode(
            x=alt.X("label_x:Q"),
            y=y,
            yOffset=y_off,
            text=alt.Text("label_text:N"),
            color=_if(alt.ColorValue, "datum.status == 'not_reported'", GREY_TEXT, TEXT),
            tooltip=_tooltip(lang),
        )
        .transform_calculate(
            label_text=f"datum.status == 'not_reported' ? datum.series + '{sep}' + datum.value_text "
            ": datum.value_text"
        )
    )
    height = max(120, 34 * len(df))
    return alt.layer(bars, labels).properties(height=height)


def _chart_baseline_change(
    table: pd.DataFrame, chart_row: dict[str, Any], lang: str, width: int | str
) -> alt.TopLevelMixin:
    df = _plot_data(table, lang)
    items = list(dict.fromkeys(df["item"]))
    # Only the statuses present get a legend entry; both readings of an ambiguous figure share one.
    colours = {"baseline": GREY, "reported": BLUE, "reading": SKY, "derived": ORANGE}
    status_dom = [s for s in colours if s in set(df["status"])]
    width = _fixed(width)
    base = _base(None, width)
    colour = alt.Color(
        "status_text:N",
        title=pick("種別", "Kind", lang),
        scale=alt.Scale(
            domain=[pick(*STATUS_TEXT[s], lang) for s in status_dom], range=[colours[s] for s in status_dom]
        ),
        legend=alt.Legend(orient="top", labelFontSize=AXIS_FONT_SIZE, titleFontSize=AXIS_FONT_SIZE),
    )
    y = alt.Y("series:N", title=None, sort=None, axis=alt.Axis(labelLimit=320, labelFontSize=AXIS_FONT_SIZE))
    x = alt.X(
        "value:Q",
        title=pick("基準年を100とした量（指数）", "Level, baseline year = 100 (index)", lang),
        scale=alt.Scale(domain=[0, 110]),
        axis=alt.Axis(labelFontSize=AXIS_FONT_SIZE, titleFontSize=AXIS_FONT_SIZE),
    )
    bars = base.mark_bar().encode(
        x=x,
        y=y,
        color=colour,
        strokeDash=_if(alt.StrokeDashValue, "datum.status == 'derived'", [4, 3], [1, 0]),
        stroke=alt.StrokeValue(TEXT),
        strokeWidth=_if(alt.StrokeWidthValue, "datum.status == 'derived'", 1, 0),
        tooltip=_tooltip(lang),
    )
    labels = base.mark_text(
        align="left", dx=6, fontSize=LABEL_FONT_SIZE, fontWeight="bold", color=TEXT
    ).encode(x=alt.X("value:Q"), y=y, text=alt.Text("value_text:N"), tooltip=_tooltip(lang))
    layer = alt.layer(bars, labels).properties(width=width, height=alt.Step(30))
    return layer.facet(
        row=alt.Row("item:N", sort=items, title=None, header=_facet_header()),
        data=_inline(df),
    ).resolve_scale(y="independent")


def _chart_target_progress(
    table: pd.DataFrame, chart_row: dict[str, Any], lang: str, width: int | str
) -> alt.TopLevelMixin:
    counts = table[table["unit"] != "%"]
    shares = table[table["unit"] == "%"]
    if counts.empty:
        raise ChartDataError(f"chart {chart_row.get('chart_id')!r}: target_progress needs a count figure")
    df = _item_labels(_plot_data(counts.reset_index(drop=True), lang))
    share_text = ""
    if not shares.empty:
        share_text = pick(
            f"（全体の{shares.iloc[0]['value_text']}）", f" ({shares.iloc[0]['value_text']} of all)", lang
        )
    df["label_text"] = df.apply(
        lambda r: r["value_text"] + (share_text if r["status"] == "target" else ""), axis=1
    )
    unit = axis_unit(_s(counts.iloc[0]["unit"]), lang)
    fy = table.loc[table["status"] == "target", "fiscal_year"].dropna()
    when = formatting.fiscal_year_label(int(fy.iloc[0]), lang) if len(fy) else ""
    base = _base(df, width)
    x = alt.X(
        "value:Q",
        title=pick(f"数（{unit}）", f"Number ({unit})", lang),
        axis=alt.Axis(
            labelFontSize=AXIS_FONT_SIZE, titleFontSize=AXIS_FONT_SIZE, labelExpr=_man_label_expr(lang)
        ),
    )
    y = _y_items(lang, sort=list(df["item"]))
    chart = _status_bars(base, x, y, [("reported", GREY), ("target", ORANGE)], "label_text", lang)
    chart = chart.properties(height=max(110, 56 * len(df)))
    if when:
        chart = chart.properties(
            title=alt.TitleParams(
                pick(f"期限：{when}末まで", f"Deadline: end of {when}", lang),
                anchor="start",
                fontSize=AXIS_FONT_SIZE,
                fontWeight="normal",
                color=TEXT,
            )
        )
    return chart


def _man_label_expr(lang: str) -> str:
    # Axis ticks in 万 for Japanese readers (20000 -> 2万); English keeps thousands separators.
    if lang == "en":
        return "format(datum.value, ',')"
    return "datum.value >= 10000 ? format(datum.value / 10000, ',~r') + '万' : format(datum.value, ',')"


def _chart_ratio(
    table: pd.DataFrame, chart_row: dict[str, Any], lang: str, width: int | str
) -> alt.TopLevelMixin:
    df = _plot_data(table, lang)
    items = list(dict.fromkeys(df["item"]))
    series = list(dict.fromkeys(df["series"]))
    width = _fixed(width)
    base = _base(None, width)
    y = alt.Y(
        "series:N", title=None, sort=series, axis=alt.Axis(labelFontSize=AXIS_FONT_SIZE, labelLimit=200)
    )
    x = alt.X(
        "value:Q",
        title=pick("相対値（比較対象 = 1）", "Relative size (reference = 1)", lang),
        scale=alt.Scale(domain=[0, 1.15]),
        axis=alt.Axis(labelFontSize=AXIS_FONT_SIZE, titleFontSize=AXIS_FONT_SIZE, format=".1~f"),
    )
    bars = base.mark_bar().encode(
        x=x,
        y=y,
        tooltip=_tooltip(lang),
        color=alt.Color(
            "series:N",
            sort=series,
            title=None,
            scale=alt.Scale(domain=series, range=[GREY, BLUE]),
            legend=None,
        ),
    )
    labels = base.mark_text(
        align="left", dx=6, fontSize=LABEL_FONT_SIZE, fontWeight="bold", color=TEXT
    ).encode(x=alt.X("value:Q"), y=y, text=alt.Text("value_text:N"), tooltip=_tooltip(lang))
    return (
        alt.layer(bars, labels)
        .properties(width=width, height=alt.Step(30))
        .facet(
            row=alt.Row("item:N", sort=items, title=None, header=_facet_header()),
            data=_inline(df),
        )
    )


def _chart_value_bars(
    table: pd.DataFrame, chart_row: dict[str, Any], lang: str, width: int | str
) -> alt.TopLevelMixin:
    units = set(table["unit"].dropna())
    if len(units) != 1:
        # Bars of different units on one axis would invite a false comparison: tiles instead.
        return _chart_kpi(table, chart_row, lang, width)
    unit = units.pop()
    df = _item_labels(_plot_data(table, lang))
    base = _base(df, width)
    pct = unit == "%"
    x = alt.X(
        "value:Q",
        title=pick(
            f"割合（{axis_unit(unit, lang)}）" if pct else f"数（{axis_unit(unit, lang)}）",
            f"Share ({axis_unit(unit, lang)})" if pct else f"Number ({axis_unit(unit, lang)})",
            lang,
        ),
        scale=alt.Scale(domain=[0, 100]) if pct else alt.Undefined,
        axis=alt.Axis(
            labelFontSize=AXIS_FONT_SIZE,
            titleFontSize=AXIS_FONT_SIZE,
            tickCount=5,
            labelExpr=alt.Undefined if pct else _man_label_expr(lang),
        ),
    )
    y = _y_items(lang, sort=list(df["item"]))
    colours = {"reported": BLUE, "target": ORANGE, "derived": GREEN}
    present = [(s, colours[s]) for s in ("reported", "target", "derived") if s in set(df["status"])]
    return _status_bars(base, x, y, present, "value_text", lang).properties(height=max(100, 48 * len(df)))


def _status_bars(
    base: alt.Chart, x: alt.X, y: alt.Y, statuses: list[tuple[str, str]], text_field: str, lang: str
) -> alt.LayerChart | alt.FacetChart:
    """Horizontal bars coloured by kind (reported / target / derived), each with its bold value label."""
    bars = base.mark_bar(height={"band": 0.7}).encode(
        x=x,
        y=y,
        tooltip=_tooltip(lang),
        color=alt.Color(
            "status_text:N",
            title=pick("種別", "Kind", lang),
            scale=alt.Scale(
                domain=[pick(*STATUS_TEXT[s], lang) for s, _ in statuses],
                range=[colour for _, colour in statuses],
            ),
            legend=alt.Legend(orient="top", labelFontSize=AXIS_FONT_SIZE, titleFontSize=AXIS_FONT_SIZE),
        ),
    )
    labels = base.mark_text(
        align="left", dx=6, fontSize=LABEL_FONT_SIZE, fontWeight="bold", color=TEXT
    ).encode(x=alt.X("value:Q"), y=y, text=alt.Text(f"{text_field}:N"), tooltip=_tooltip(lang))
    return alt.layer(bars, labels)


def _ems(text: str) -> float:
    """Rough drawn width of a text in font-size units (CJK glyphs are square, Latin about half)."""
    return sum(1.0 if ord(c) > 0x2E7F else 0.6 for c in text)


def _chart_kpi(
    table: pd.DataFrame, chart_row: dict[str, Any], lang: str, width: int | str
) -> alt.TopLevelMixin:
    # Unrelated single numbers: tiles (big value, label under it), never a shared axis. Sizes are
    # computed from the tile width so the longest value and its label fit inside their tile.
    df = _plot_data(table, lang).reset_index(drop=True)
    n = len(df)
    per_row = 2 if n == 4 else max(1, min(3, n))
    tile_px = (width if isinstance(width, int) else DEFAULT_WIDTH) / per_row * 0.86
    df["tile_col"] = df.index % per_row
    df["tile_row"] = df.index // per_row
    value_size = int(min(30, tile_px / max([_ems(t) for t in df["value_text"]] + [1.0])))
    chars = (
        max(6, int(tile_px / LABEL_FONT_SIZE))
        if lang != "en"
        else max(10, int(tile_px / (LABEL_FONT_SIZE * 0.55)))
    )
    wrapped = df["item"].map(lambda t: wrap_label(t, chars))
    lines = int(wrapped.map(len).max()) if n else 1
    # One string with line breaks, not a list: Streamlit sends inline data as Arrow, where a list
    # cell arrives as the text "[a,b]".
    df["label_lines"] = wrapped.map("\n".join)
    base = _base(df, width)
    x = alt.X("tile_col:O", axis=None, scale=alt.Scale(paddingInner=0.06))
    y = alt.Y("tile_row:O", axis=None, scale=alt.Scale(paddingInner=0.1))
    tiles = base.mark_rect(color="#F0F2F6", stroke="#B8BCC6", cornerRadius=6).encode(
        x=x, y=y, tooltip=_tooltip(lang)
    )
    values = base.mark_text(
        fontSize=value_size, fontWeight="bold", color=BLUE, baseline="bottom", dy=-4
    ).encode(x=x, y=y, text=alt.Text("value_text:N"), tooltip=_tooltip(lang))
    labels = base.mark_text(
        fontSize=LABEL_FONT_SIZE,
        color=TEXT,
        baseline="top",
        dy=6,
        lineHeight=LABEL_FONT_SIZE + 4,
        lineBreak="\n",
    ).encode(x=x, y=y, text=alt.Text("label_lines:N"), tooltip=_tooltip(lang))
    rows = int(df["tile_row"].max()) + 1 if n else 1
    tile_h = value_size + 24 + lines * (LABEL_FONT_SIZE + 4) + 24
    return (
        alt.layer(tiles, values, labels)
        .properties(height=int(tile_h * 2 * rows * 0.62))
        .configure_view(stroke=None)
    )


_BUILDERS: dict[str, Callable[[pd.DataFrame, dict[str, Any], str, int | str], alt.TopLevelMixin]] = {
    "share_comparison": _chart_share_comparison,
    "baseline_change": _chart_baseline_change,
    "target_progress": _chart_target_progress,
    "ratio": _chart_ratio,
    "value_bars": _chart_value_bars,
    "counts": _chart_value_bars,
    "kpi": _chart_kpi,
}


_FACETED = frozenset({"baseline_change", "ratio"})  # facets need a pixel width (see _fixed)


def chart_title(chart_row: dict[str, Any], lang: str) -> str:
    """The chart's title in `lang` (Japanese when no translation)."""
    return _txt(chart_row, "title", lang)


def chart_from_table(
    chart_row: dict[str, Any],
    table: pd.DataFrame,
    lang: str,
    width: int | str = DEFAULT_WIDTH,
    title: bool = True,
) -> alt.TopLevelMixin:
    """The Altair chart of a :func:`chart_table` (build both through ``chart_card.build_chart_card``).

    `width` is a pixel width (images) or "container"; `title=False` leaves the title to the page
    (the card shows it as a heading, so the chart does not repeat it).
    """
    ctype = _s(chart_row.get("chart_type"))
    chart = _BUILDERS[ctype](table, chart_row, lang, width)
    if title:
        existing = getattr(chart, "title", alt.Undefined)
        sub = existing.text if isinstance(existing, alt.TitleParams) else alt.Undefined
        chart = chart.properties(
            title=alt.TitleParams(
                chart_title(chart_row, lang),
                subtitle=sub if sub is not alt.Undefined else alt.Undefined,
                anchor="start",
                fontSize=TITLE_FONT_SIZE,
                subtitleFontSize=AXIS_FONT_SIZE,
            )
        )
    chart = chart.properties(usermeta={"chart_id": _s(chart_row.get("chart_id")), "chart_type": ctype})
    if width == "container" and ctype not in _FACETED:
        # Fit the width only: with Streamlit's default "fit" the height includes title and legend,
        # which squeezed the bars of a 2-row chart to nothing.
        chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return chart


# --- captions ---------------------------------------------------------------------------------


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
        quote = _s(f.get("quote"))
        name = _txt(f, "label", lang)
        quotes.append(
            pick(f"{label}{name}：{value} ―「{quote}」", f"{label} {name}: {value} — “{quote}”", lang)
        )
        baselines.append((words.baseline_text(f, lang), label))
        periods.append((words.period_text(f, lang), label))
        note = _txt(f, "note", lang)
        if _truthy(f.get("ambiguous")):
            ambiguous.append(
                (note or pick("レポートの表現が曖昧です。", "the report is ambiguous.", lang), label)
            )
        elif note:
            plain_notes.append((note, label))
        if _s(f.get("kind")) == "derived":
            derived.append((_s(f.get("derivation")), label))
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
    chart_note = _txt(chart_row, "note", lang)
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
