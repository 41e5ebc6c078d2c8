"""The figure extract: one row per catalogue figure, the table behind the figure tables and their CSV.

Headers and words come from :mod:`jichitai_metrics.words` (the chart CSV uses the same names); the
bytes are written by :func:`jichitai_metrics.export.csv_bytes`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from jichitai_metrics import formatting, words


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
        seminar = {
            "title_ja": row.get("seminar_title_ja"),
            "title_en": row.get("seminar_title_en"),
            "report_title": row.get("report_title"),
            "organiser_ja": row.get("organiser"),
            "organiser_en": row.get("organiser_en"),
        }
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
