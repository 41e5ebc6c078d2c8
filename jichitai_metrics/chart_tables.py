"""The rows a chart shows: one table builder per chart type, catalogue figures in, DataFrame out.

Every number comes from a catalogue figure. Where a chart needs a number the report does not state
(the level left after "99% reduction", a reading of an ambiguous quote), it is computed from a
catalogue figure, marked in the table (status, derivation), and the caption says how. The same
table feeds the picture, the table view, the CSV, the slide and the handout (chart_card.ChartCard).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from jichitai_metrics import formatting, words
from jichitai_metrics.catalog import CHART_TYPES  # one list: the loader checks it, the builders draw it
from jichitai_metrics.i18n import pick

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


class ChartDataError(ValueError):
    """A chart row and its figures do not fit the chart type (a data problem, named clearly)."""


# --- small helpers -----------------------------------------------------------------------------
# The words around a figure (blank rule, kinds, as-of, baseline, value text, source line) live in
# jichitai_metrics.words; these names are kept short for the builders below.

_blank = words.blank
_s = words.clean
_truthy = words._truthy
_txt = words.text


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


def _reference_row(
    fig: dict[str, Any], lang: str, item: str, series: str, value: float, **overrides: Any
) -> dict[str, Any]:
    """The bar a figure is compared with (its baseline = 100, the usual = 1): not a reported number."""
    blank = {"qualifier": "", "kind": "", "derivation": "", "note": "", "quote": ""}
    return _base_row(
        fig, lang, item=item, series=series, value=value, value_text=f"{value:g}", status="baseline",
        **{**blank, **overrides},
    )  # fmt: skip


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
        rows.append(_reference_row(f, lang, item, f"{base} = 100", 100.0, unit=index_unit))
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
        # The reference is what the report compares with (一般的な動画, 従来の動画作成), not "before".
        reference = pick(f"{_s(f.get('baseline')) or '比較対象'} = 1", "reference = 1", lang)
        rows.append(_reference_row(f, lang, item, reference, 1.0))
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
