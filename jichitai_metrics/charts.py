"""Altair chart builders: a chart table in, a chart out (no streamlit). The Okabe–Ito palette.

:func:`chart_from_table` draws a table built by :mod:`jichitai_metrics.chart_tables`; build both
through :func:`jichitai_metrics.chart_card.build_chart_card`, so the screen, the images, the slides
and the handout draw the same rows.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import date
from typing import Any

import altair as alt
import pandas as pd

from jichitai_metrics import formatting, words
from jichitai_metrics.chart_tables import ChartDataError
from jichitai_metrics.i18n import pick

_s = words.clean
STATUS_TEXT = words.STATUS_TEXT
_txt = words.text

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

LABEL_FONT_SIZE = 14  # readable from the back of a meeting room at 1280×720
AXIS_FONT_SIZE = 13
TITLE_FONT_SIZE = 16
DEFAULT_WIDTH = 640  # images (vl-convert) need a number; the page stretches it to the container


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
    # The baseline (= 1) above the reported ratio in every panel, whichever the table lists first.
    series = list(
        dict.fromkeys(df.sort_values("status", key=lambda s: s != "baseline", kind="stable")["series"])
    )
    baselines = set(df.loc[df["status"] == "baseline", "series"])
    width = _fixed(width)
    base = _base(None, width)
    y = alt.Y(
        "series:N", title=None, sort=series, axis=alt.Axis(labelFontSize=AXIS_FONT_SIZE, labelLimit=200)
    )
    x = alt.X(
        "value:Q",
        title=pick("相対値（比較対象 = 1）", "Relative size (reference = 1)", lang),
        scale=alt.Scale(domain=[0, 1.15]),
        # Quarter steps: Vega's own ticks on [0, 1.15] are 0.05 apart and printed to one decimal
        # read "0.1, 0.1, 0.2, 0.2, ..." under the bars.
        axis=alt.Axis(
            labelFontSize=AXIS_FONT_SIZE,
            titleFontSize=AXIS_FONT_SIZE,
            values=[0, 0.25, 0.5, 0.75, 1],
            format=".2~f",
        ),
    )
    bars = base.mark_bar().encode(
        x=x,
        y=y,
        tooltip=_tooltip(lang),
        color=alt.Color(
            "series:N",
            sort=series,
            title=None,
            scale=alt.Scale(domain=series, range=[GREY if s in baselines else BLUE for s in series]),
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
        # Each comparison has its own baseline label (従来の動画作成 = 1, 一般的な動画 = 1): a shared
        # y scale gave every panel an empty row for the other panel's baseline.
        .resolve_scale(y="independent")
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
