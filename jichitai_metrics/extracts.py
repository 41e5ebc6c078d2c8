"""The figure extract: one row per catalogue figure, in two forms from the same words.

- `figures_for_export`: the CSV, every field in its own column (ids, plain numbers, the year as a
  number), for machines and Excel;
- `figures_for_reading`: the figure tables on screen, one column per thing a planner reads (what,
  how much, when, of which kind, the quote, the caveats, the source).

Headers and words come from :mod:`jichitai_metrics.words` (the chart CSV uses the same names); the
bytes are written by :func:`jichitai_metrics.export.csv_bytes`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from jichitai_metrics import formatting, words
from jichitai_metrics.i18n import pick


def _int_or_none(value: Any) -> int | None:
    if words.blank(value):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _float_or_none(value: Any) -> float | None:
    if words.blank(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _bool_or_none(value: Any) -> bool | None:
    if words.blank(value):
        return None
    if isinstance(value, str):
        lowered = value.strip().lower()
        return True if lowered in {"true", "1", "yes"} else False if lowered in {"false", "0", "no"} else None
    return bool(value)


def _or_none(text: str) -> str | None:
    return text or None


def _seminar(row: dict[str, Any]) -> dict[str, Any]:
    """The seminar fields a figure row carries, as words.source_line reads a seminar."""
    return {
        "title_ja": row.get("seminar_title_ja"),
        "title_en": row.get("seminar_title_en"),
        "report_title": row.get("report_title"),
        "organiser_ja": row.get("organiser"),
        "organiser_en": row.get("organiser_en"),
    }


def figures_for_export(df: pd.DataFrame, lang: str = "ja") -> pd.DataFrame:
    """The machine-readable figure extract: one row per figure, plain numbers, unit and source columns.

    Input: rows of `queries.figures` (figures.csv columns, plus seminar/programme titles and
    speakers where the query adds them). Missing input columns become blank output cells.
    Headers are ``words.FIGURE_CSV_COLUMNS`` in `lang`.
    """
    records: list[dict[str, Any]] = []
    for row in df.to_dict("records"):
        year = _int_or_none(row.get("fiscal_year"))
        qualifier = words.clean(row.get("qualifier"))
        seminar = _seminar(row)
        records.append(
            {
                "figure_id": _or_none(words.clean(row.get("id"))),
                "seminar": _or_none(words.text(seminar, "title", lang) or words.clean(row.get("seminar_id"))),
                "programme": _int_or_none(row.get("program")),
                "topic": _or_none(words.text(row, "topic", lang)),
                "label": _or_none(words.text(row, "label", lang)),
                "value": _float_or_none(row.get("value")),
                "unit": _or_none(words.clean(row.get("unit"))),
                "qualifier": _or_none(
                    formatting.QUALIFIER_EN.get(qualifier, qualifier) if lang == "en" else qualifier
                ),
                "baseline": _or_none(words.text(row, "baseline", lang)),
                "as_of": _or_none(words.clean(row.get("as_of"))),
                "as_of_basis": _or_none(words.as_of_basis(row, lang)),
                "fiscal_year": year,
                "fiscal_year_wareki": None if year is None else formatting.fiscal_year_wareki(year),
                "kind": _or_none(words.kind_text(row.get("kind"), lang)),
                "quote": _or_none(words.clean(row.get("quote"))),
                "source": _or_none(words.source_line(row, lang, seminar=seminar, prefix=False)),
                "note": _or_none(words.text(row, "note", lang)),
                "ambiguous": _bool_or_none(row.get("ambiguous")),
                "derivation": _or_none(words.text(row, "derivation", lang)),
            }
        )
    out = pd.DataFrame.from_records(records, columns=list(words.FIGURE_CSV_COLUMNS))
    out["programme"] = out["programme"].astype("Int64")
    out["fiscal_year"] = out["fiscal_year"].astype("Int64")
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    out["ambiguous"] = out["ambiguous"].astype("boolean")
    return out.rename(columns=words.headers(words.FIGURE_CSV_COLUMNS, lang))


#: The screen's figure table, in reading order.
FIGURE_READING_COLUMNS = ("label", "value", "period", "kind", "quote", "note", "source")


def _caveats(row: dict[str, Any], lang: str) -> str:
    """The 注記 cell: ⚠ 解釈注意 first (as on the chart cards), then the note, baseline and derivation."""
    note = words.text(row, "note", lang)
    parts = []
    if _bool_or_none(row.get("ambiguous")):
        said = note or pick("レポートの表現が曖昧です。", "The report is ambiguous.", lang)
        parts.append(pick(f"⚠ 解釈注意：{said}", f"⚠ Ambiguous: {said}", lang))
    elif note:
        parts.append(note)
    baseline = words.baseline_text(row, lang)
    if baseline:
        parts.append(pick(f"比較基準：{baseline}", f"Baseline: {baseline}", lang))
    derivation = words.text(row, "derivation", lang)
    if derivation:
        parts.append(pick(f"算出方法：{derivation}", f"Derivation: {derivation}", lang))
    return " ／ ".join(parts) if lang != "en" else " / ".join(parts)


def figures_for_reading(df: pd.DataFrame, lang: str = "ja") -> pd.DataFrame:
    """The figures as the screen's table: 項目, 値 (約32%), 時点・年度, 種別, 引用, 注記, 出典.

    The same rows and words as `figures_for_export`, with what a planner reads together in one cell:
    the value with its unit and qualifier, the as-of with its 和暦 and 年度, the caveats. Seven
    columns instead of the CSV's nineteen fit a laptop screen without sideways scrolling, and the
    explorer's table has 343 cells instead of 931 (bench/README.md has what that does to a page
    load). Every field stays in the CSV linked under each table.
    """
    records = [
        {
            "label": words.text(row, "label", lang),
            "value": words.value_text(row, lang),
            "period": words.period_text(row, lang),
            "kind": words.kind_text(row.get("kind"), lang),
            "quote": words.clean(row.get("quote")),
            "note": _caveats(row, lang),
            "source": words.source_line(row, lang, seminar=_seminar(row), prefix=False),
        }
        for row in df.to_dict("records")
    ]
    out = pd.DataFrame.from_records(records, columns=list(FIGURE_READING_COLUMNS))
    return out.rename(columns=words.headers(FIGURE_READING_COLUMNS, lang))
