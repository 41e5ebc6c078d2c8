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

import math
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import altair as alt
import pandas as pd

from jichitai_metrics import formatting
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

CHART_TYPES = (
    "share_comparison",
    "baseline_change",
    "target_progress",
    "ratio",
    "value_bars",
    "counts",
    "kpi",
)

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
    "fiscal_year",
    "kind",
    "ambiguous",
    "derivation",
    "quote",
    "note",
)

#: Headers (ja, en) of a chart's table as the screen, the CSV and the handout show it: chart_table's
#: columns plus the chart id, the status in words and the source line.
DISPLAY_HEADERS: dict[str, tuple[str, str]] = {
    "chart_id": ("図表ID", "chart_id"),
    "figure_id": ("数値ID", "figure_id"),
    "item": ("項目", "item"),
    "series": ("区分", "series"),
    "value": ("値", "value"),
    "unit": ("単位", "unit"),
    "qualifier": ("修飾語", "qualifier"),
    "value_text": ("表示", "as_shown"),
    "status_text": ("種別", "kind"),
    "baseline": ("比較基準", "baseline"),
    "as_of": ("時点", "as_of"),
    "fiscal_year": ("年度", "fiscal_year"),
    "ambiguous": ("解釈注意", "ambiguous"),
    "derivation": ("算出方法", "derivation"),
    "quote": ("引用", "quote"),
    "note": ("注記", "note"),
    "source": ("出典", "source"),
}

STATUS_TEXT = {
    "reported": ("報告値", "reported"),
    "target": ("目標", "target"),
    "derived": ("算出値", "derived"),
    "not_reported": ("報告なし", "not reported"),
    "baseline": ("基準（=100）", "baseline (=100)"),
}

LABEL_FONT_SIZE = 14  # readable from the back of a meeting room at 1280×720
AXIS_FONT_SIZE = 13
TITLE_FONT_SIZE = 16
DEFAULT_WIDTH = 640  # images (vl-convert) need a number; the page stretches it to the container


class ChartDataError(ValueError):
    """A chart row and its figures do not fit the chart type (a data problem, named clearly)."""


# --- small helpers -----------------------------------------------------------------------------


def _blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _s(value: object) -> str:
    return "" if _blank(value) else str(value).strip()


def _to_date(value: object) -> date | None:
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return pd.Timestamp(str(value)).date()
    except (ValueError, TypeError):
        return None


def _to_int(value: object) -> int | None:
    if _blank(value):
        return None
    try:
        return int(float(str(value)))
    except ValueError:
        return None


def _truthy(value: object) -> bool:
    if _blank(value):
        return False
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "t")
    return bool(value)


def figure_ids(chart_row: dict[str, Any]) -> list[str]:
    """The chart's figure ids in the order charts.csv lists them."""
    return _s(chart_row.get("figure_ids")).split()


def figure_records(chart_row: dict[str, Any], figures: pd.DataFrame) -> list[dict[str, Any]]:
    """The chart's figures as dicts, in charts.csv order; a listed id missing from `figures` is an error.

    The same rows as ``ordered_figures(...).to_dict("records")`` without the DataFrame round trip:
    under pandas 3 each ``to_dict("records")`` costs ~3 ms (one ``iloc`` per column), and a chart's
    table, picture and caption each needed it.
    """
    ids = figure_ids(chart_row)
    if not ids:
        return []
    # Convert only the rows asked for: `figures` may be a whole seminar's frame.
    wanted = set(ids)
    keep = figures["id"].astype(str).isin(wanted).to_numpy()
    by_id = {str(r["id"]): r for r in figures[keep].to_dict("records")}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise ChartDataError(
            f"chart {chart_row.get('chart_id')!r}: figure ids not in the catalogue: {', '.join(missing)}"
        )
    return [by_id[i] for i in ids]


def ordered_figures(chart_row: dict[str, Any], figures: pd.DataFrame) -> pd.DataFrame:
    """The chart's figures, in charts.csv order; a listed id missing from `figures` is an error."""
    records = figure_records(chart_row, figures)
    return pd.DataFrame(records) if records else figures.iloc[0:0]


def year_text(year: int, lang: str) -> str:
    """2021 -> 2021年（令和3年） / 2021."""
    return str(year) if lang == "en" else f"{year}年（{formatting.wareki_year(year)}）"


def as_of_text(value: object, lang: str) -> str:
    """An as-of value as written in the catalogue: '2022' (a year) or '2022-09-21' (a day), 和暦 alongside."""
    raw = _s(value)
    if not raw:
        return ""
    if re.fullmatch(r"\d{4}", raw):
        return year_text(int(raw), lang)
    if re.fullmatch(r"\d{4}-\d{2}", raw):
        y, m = map(int, raw.split("-"))
        return f"{y}-{m:02d}" if lang == "en" else f"{y}年（{formatting.wareki_year(y, date(y, m, 1))}）{m}月"
    day = _to_date(value)
    if day is None:
        return raw
    if lang == "en":
        return f"{day.day} {day.strftime('%B')} {day.year}"
    return f"{day.year}年（{formatting.wareki_year(day.year, day)}）{day.month}月{day.day}日"


def as_of_year(value: object) -> int | None:
    """The calendar year of an as-of value ('2021' or '2022-09-21')."""
    m = re.match(r"(\d{4})", _s(value))
    return int(m.group(1)) if m else None


def period_text(fig: dict[str, Any], lang: str) -> str:
    """When a figure holds: its as-of (西暦 with 和暦) and/or its 年度 (和暦 with 西暦)."""
    parts = []
    a = as_of_text(fig.get("as_of"), lang)
    if a:
        parts.append(pick(f"時点 {a}", f"as of {a}", lang))
    fy = _to_int(fig.get("fiscal_year"))
    if fy is not None:
        parts.append(formatting.fiscal_year_label(fy, lang))
    return "、".join(parts) if lang != "en" else "; ".join(parts)


def baseline_text(fig: dict[str, Any], lang: str) -> str:
    """'2016年（平成28年）比' for a year baseline ('2016' or '2016年'); other baselines as written."""
    base = _s(fig.get("baseline"))
    if not base:
        return ""
    m = re.fullmatch(r"(\d{4})年?", base)
    if m:
        year = int(m.group(1))
        return f"vs {year}" if lang == "en" else f"{year_text(year, lang)}比"
    return base


def fig_value_text(fig: dict[str, Any], lang: str) -> str:
    """The figure's value as read aloud: 約2万8,000プロセス, 1/30以下, about 55%."""
    value = fig.get("value")
    number = None if _blank(value) else float(value)
    return formatting.value_text(number, _s(fig.get("unit")), _s(fig.get("qualifier")), lang)


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


def _txt(row: dict[str, Any] | None, stem: str, lang: str) -> str:
    """`<stem>_<lang>` with Japanese fallback; blank/NaN -> ''."""
    if not row:
        return ""
    return pick(_s(row.get(f"{stem}_ja")), _s(row.get(f"{stem}_en")), lang)


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
        "value": None if _blank(value) else float(value),
        "unit": _s(fig.get("unit")),
        "qualifier": _s(fig.get("qualifier")),
        "value_text": fig_value_text(fig, lang),
        "status": _status(fig),
        "baseline": baseline_text(fig, lang),
        "as_of": _s(fig.get("as_of")),
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
        p = p or as_of_text(f.get("as_of"), lang) or pick("時点不明", "date not given", lang)
        if c not in cats:
            cats.append(c)
        periods[p] = max(periods.get(p, 0), as_of_year(f.get("as_of")) or 0)
        cells[(c, p)] = f
    order = sorted(periods, key=lambda p: -periods[p])
    unit = _s(figs[0].get("unit")) if figs else "%"
    rows = []
    for c in cats:
        for p in order:
            f = cells.get((c, p))
            if f is None:
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
                rows.append(_base_row(f, lang, item=c, series=p))
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
            year_text(int(m.group(1)), lang)
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
                f"100 − {num} = {rest_num}（報告値「{said}削減」から算出）",
                f"100 − {num} = {rest_num} (computed from the reported cut of {said})",
                lang,
            ),
        )
        if reading == "ambiguous":
            amb = pick(
                "どちらの意味かレポートからは決められません。",
                "The report does not say which is meant.",
                lang,
            )
            to_row["note"] = " ".join(x for x in (amb, to_row["note"]) if x)
            by_row["note"] = to_row["note"]
            rows.extend([to_row, by_row])
        else:
            rows.append(to_row if reading == "to" else by_row)
    return _frame(rows)


def _table_target_progress(figs: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    # The share (unit %) is a rate, not a count: it stays a row of the table but the bars are drawn
    # for the counts only (total and target), with the share written on the target bar.
    rows = []
    for f in figs:
        series = pick("目標", "target", lang) if _status(f) == "target" else pick("全体", "total", lang)
        rows.append(_base_row(f, lang, series=series))
    return _frame(rows)


def _table_ratio(figs: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    # A ratio such as 1/30 compares against "the usual" (= 1): both bars are drawn so the size of
    # the difference is visible; the "= 1" bar is the reference, not a reported figure.
    rows = []
    for f in figs:
        item = _txt(f, "label", lang)
        rows.append(
            _base_row(
                f,
                lang,
                item=item,
                series=pick("従来 = 1", "usual = 1", lang),
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
    builder = _table_builder(chart_row)
    return builder(figure_records(chart_row, figures), lang)


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
            color=_if(alt.ColorValue, "datum.status == 'not_reported'", GREY, TEXT),
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
    status_dom = ["baseline", "reported", "derived"]
    width = _fixed(width)
    base = _base(None, width)
    colour = alt.Color(
        "status_text:N",
        title=pick("種別", "Kind", lang),
        scale=alt.Scale(domain=[pick(*STATUS_TEXT[s], lang) for s in status_dom], range=[GREY, BLUE, ORANGE]),
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
        title=pick("相対値（従来 = 1）", "Relative size (usual = 1)", lang),
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
) -> alt.LayerChart:
    """Horizontal bars coloured by kind (reported / target / derived), each with its bold value label."""
    bars = base.mark_bar(height={"band": 0.7}).encode(
        x=x,
        y=y,
        tooltip=_tooltip(lang),
        color=alt.Color(
            "status_text:N",
            title=pick("種別", "Kind", lang),
            scale=alt.Scale(domain=[pick(*STATUS_TEXT[s], lang) for s, _ in statuses],
                            range=[colour for _, colour in statuses]),
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


def build_chart(
    chart_row: dict[str, Any],
    figures: pd.DataFrame,
    lang: str = "ja",
    width: int | str = DEFAULT_WIDTH,
    title: bool = True,
) -> alt.TopLevelMixin:
    """The Altair chart for one charts.csv row. `figures` may hold more rows than the chart uses.

    `width` is a pixel width (images) or "container"; `title=False` leaves the title to the page
    (the card shows it as a heading, so the chart does not repeat it).
    """
    return _chart_from_table(chart_row, chart_table(chart_row, figures, lang), lang, width, title)


def _chart_from_table(
    chart_row: dict[str, Any], table: pd.DataFrame, lang: str, width: int | str, title: bool
) -> alt.TopLevelMixin:
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


def chart_spec(
    chart_row: dict[str, Any],
    figures: pd.DataFrame,
    lang: str = "ja",
    width: int | str = DEFAULT_WIDTH,
    title: bool = True,
) -> dict[str, Any]:
    """The Vega-Lite dict of :func:`build_chart` (cacheable: plain JSON types only)."""
    return build_chart(chart_row, figures, lang, width=width, title=title).to_dict()


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

    def footer(self) -> str:
        """One short line for a slide footer: source, baselines and periods."""
        return " ／ ".join(x for x in (self.source, *self.baselines, *self.periods) if x)

    def text(self) -> str:
        """All lines joined by newlines (speaker notes)."""
        return "\n".join(self.lines())


def source_text(
    program_row: dict[str, Any] | None, lang: str, seminar_row: dict[str, Any] | None = None
) -> str:
    """出典：<seminar> Program N「title」 speaker（role, organisation）."""
    parts = []
    if seminar_row:
        parts.append(_txt(seminar_row, "title", lang))
    if program_row:
        num = _s(program_row.get("number"))
        title = _txt(program_row, "title", lang)
        speaker = _txt(program_row, "speaker", lang)
        org = _txt(program_row, "organisation", lang)
        role = _txt(program_row, "role", lang)
        who = (
            "、".join(x for x in (org, role) if x) if lang != "en" else ", ".join(x for x in (role, org) if x)
        )
        if lang == "en":
            parts.append(f"Programme {num} “{title}”, {speaker}" + (f" ({who})" if who else ""))
        else:
            parts.append(f"Program{num}「{title}」{speaker}" + (f"（{who}）" if who else ""))
    label = pick("出典：", "Source: ", lang)
    return label + (" ".join(parts) if parts else pick("セミナーレポート", "seminar report", lang))


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


def chart_caption(
    chart_row: dict[str, Any],
    figures: pd.DataFrame,
    program_row: dict[str, Any] | None,
    lang: str = "ja",
    seminar_row: dict[str, Any] | None = None,
) -> ChartCaption:
    """Caption of a chart: 出典 (programme, speaker), each figure's quote, baseline, 時点/年度, notes."""
    figs = figure_records(chart_row, figures)
    table = _table_builder(chart_row)(figs, lang)
    return _caption_of(chart_row, figs, table, program_row, lang, seminar_row)


def _caption_of(
    chart_row: dict[str, Any],
    figs: list[dict[str, Any]],
    table: pd.DataFrame,
    program_row: dict[str, Any] | None,
    lang: str,
    seminar_row: dict[str, Any] | None,
) -> ChartCaption:
    quotes: list[str] = []
    baselines, periods, plain_notes, ambiguous, derived = [], [], [], [], []
    for i, f in enumerate(figs):
        # Figures are numbered ①②… in the quote lines; later lines refer to them by number, so a
        # long label is written once, not in every baseline/period/note line.
        label = _ref(i)
        value = fig_value_text(f, lang)
        quote = _s(f.get("quote"))
        name = _txt(f, "label", lang)
        quotes.append(
            pick(f"{label}{name}：{value} ―「{quote}」", f"{label} {name}: {value} — “{quote}”", lang)
        )
        baselines.append((baseline_text(f, lang), label))
        periods.append((period_text(f, lang), label))
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
    for how in table.loc[(table["status"] == "derived") & (table["kind"] != "derived"), "derivation"]:
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
        source_text(program_row, lang, seminar_row),
        quotes,
        _grouped(baselines, "比較基準", "Baseline", lang, n),
        _grouped(periods, "時点・年度", "As of / fiscal year", lang, n),
        notes,
        derived_lines,
    )


@dataclass(frozen=True)
class ChartBundle:
    """A chart with its table, caption and ordered figure rows, built from one pass over the figures."""

    chart: alt.TopLevelMixin
    table: pd.DataFrame
    caption: ChartCaption
    figures: list[dict[str, Any]]  # the chart's figure rows in charts.csv order


def chart_bundle(
    chart_row: dict[str, Any],
    figures: pd.DataFrame,
    program_row: dict[str, Any] | None,
    lang: str = "ja",
    seminar_row: dict[str, Any] | None = None,
    width: int | str = DEFAULT_WIDTH,
    title: bool = True,
) -> ChartBundle:
    """:func:`build_chart`, :func:`chart_table` and :func:`chart_caption` at once (same results).

    The slide deck needs all three per chart; separately they select the figure rows three times
    and build the table twice.
    """
    figs = figure_records(chart_row, figures)
    table = _table_builder(chart_row)(figs, lang)
    # The chart builders may add columns to their own copies; the caption reads the table as built.
    chart = _chart_from_table(chart_row, table, lang, width, title)
    caption = _caption_of(chart_row, figs, table, program_row, lang, seminar_row)
    return ChartBundle(chart, table, caption, figs)
