"""The words around a figure, each defined once: blank rule, ja/en pick, kinds, as-of, source line, headers.

Every caption, table, CSV, slide and handout says these things through this module, so a fix here is
a fix everywhere (before, the source line was built four ways and "blank" five ways). Numbers
themselves are written by :mod:`jichitai_metrics.formatting`; this module says what surrounds them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from jichitai_metrics import formatting
from jichitai_metrics.i18n import pick

__all__ = [
    "AS_OF_ASSUMED",
    "CHART_CSV_COLUMNS",
    "COLUMN_HEADERS",
    "FIGURE_CSV_COLUMNS",
    "KIND_TEXT",
    "STATUS_TEXT",
    "as_of_text",
    "baseline_text",
    "blank",
    "headers",
    "kind_text",
    "period_text",
    "pick",
    "source_line",
    "speaker",
    "speaker_line",
    "text",
    "value_text",
]


def blank(value: object) -> bool:
    """The catalogue's one rule for "not given": None, NaN, pandas NA/NaT, or text of only blanks."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(value != value)  # NaN-likes (numpy, NaT) are not equal to themselves
    except TypeError:
        return True  # pd.NA refuses bool(): it is missing too


def clean(value: object) -> str:
    """The value as stripped text; blank -> ''."""
    return "" if blank(value) else str(value).strip()


def whole(value: object) -> int | None:
    """A whole number from a catalogue cell (2, 2.0, "2"); blank or not a number -> None."""
    if blank(value):
        return None
    try:
        return int(float(str(value)))
    except ValueError:
        return None


def text(row: Mapping[str, Any] | None, stem: str, lang: str) -> str:
    """`<stem>_<lang>` of a catalogue row; English falls back to Japanese, then to plain `<stem>`."""
    if not row:
        return ""
    ja = clean(row.get(f"{stem}_ja")) or clean(row.get(stem))
    return pick(ja, clean(row.get(f"{stem}_en")), lang)


# --- kinds ---------------------------------------------------------------------------------------

#: A figure's kind as a reader sees it. One word per kind everywhere (legend, table, CSV): 目標値.
KIND_TEXT: dict[str, tuple[str, str]] = {
    "reported": ("報告値", "reported"),
    "target": ("目標値", "target"),
    "derived": ("算出値", "derived"),
}

#: A chart row's status: a kind, or one of the rows a chart adds (a gap, a reference, a reading).
STATUS_TEXT: dict[str, tuple[str, str]] = {
    **KIND_TEXT,
    "not_reported": ("報告なし", "not reported"),
    "baseline": ("基準（=100）", "baseline (=100)"),
    # Both readings of an ambiguous quote are drawn alike: neither is "the" reported value.
    "reading": ("読み方（2通り）", "reading (one of two)"),
}


def kind_text(kind: object, lang: str) -> str:
    """報告値 / 目標値 / 算出値 (or the status words of chart rows); unknown kinds as written."""
    key = clean(kind)
    return pick(*STATUS_TEXT[key], lang) if key in STATUS_TEXT else key


# --- when a figure holds ----------------------------------------------------------------------------

#: Said after an as-of that the report does not give for the figure: the seminar day, assumed.
AS_OF_ASSUMED = ("セミナー開催日・推定", "seminar day, assumed")


def _to_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(clean(value)[:10])
    except ValueError:
        return None


def year_text(year: int, lang: str) -> str:
    """2021 -> 2021年（令和3年） / 2021."""
    return str(year) if lang == "en" else f"{year}年（{formatting.wareki_year(year)}）"


def _truthy(value: object) -> bool:
    if blank(value):
        return False
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "t")
    return bool(value)


def as_of_text(value: object, lang: str, assumed: object = False) -> str:
    """'2022' (a year), '2022-09' or '2022-09-21' as read, 和暦 alongside; an assumed date says so."""
    raw = clean(value)
    if isinstance(value, date | datetime):
        raw = value.isoformat()[:10]
    if not raw:
        return ""
    if re.fullmatch(r"\d{4}", raw):
        out = year_text(int(raw), lang)
    elif re.fullmatch(r"\d{4}-\d{2}", raw):
        y, m = map(int, raw.split("-"))
        out = f"{y}-{m:02d}" if lang == "en" else f"{y}年（{formatting.wareki_year(y, date(y, m, 1))}）{m}月"
    else:
        day = _to_date(raw)
        if day is None:
            out = raw
        elif lang == "en":
            out = f"{day.day} {day.strftime('%B')} {day.year}"
        else:
            out = f"{day.year}年（{formatting.wareki_year(day.year, day)}）{day.month}月{day.day}日"
    if _truthy(assumed):
        out += pick(f"（{AS_OF_ASSUMED[0]}）", f" ({AS_OF_ASSUMED[1]})", lang)
    return out


def as_of_basis(fig: Mapping[str, Any], lang: str) -> str:
    """'' when the report dates the figure; セミナー開催日・推定 when its as-of is the assumed seminar day."""
    return pick(*AS_OF_ASSUMED, lang) if _truthy(fig.get("as_of_assumed")) and clean(fig.get("as_of")) else ""


def period_text(fig: Mapping[str, Any], lang: str) -> str:
    """When a figure holds: its as-of (with 和暦, and "assumed" where inferred) and/or its 年度.

    A target holds by a deadline, not at a measurement date: 「期限 令和5年度（2023年度）末」.
    """
    fy_raw = fig.get("fiscal_year")
    fy = None if blank(fy_raw) else int(float(str(fy_raw)))
    if clean(fig.get("kind")) == "target" and fy is not None:
        label = formatting.fiscal_year_label(fy, lang)
        return pick(f"期限 {label}末", f"deadline: end of {label}", lang)
    parts = []
    a = as_of_text(fig.get("as_of"), lang, fig.get("as_of_assumed"))
    if a:
        parts.append(a)  # callers head the line with 「時点・年度」 / "As of / FY"
    if fy is not None:
        parts.append(formatting.fiscal_year_label(fy, lang))
    return "、".join(parts) if lang != "en" else "; ".join(parts)


def baseline_text(fig: Mapping[str, Any], lang: str) -> str:
    """'2016年（平成28年）比' for a year baseline ('2016' or '2016年'); other baselines as written."""
    base = clean(fig.get("baseline"))
    m = re.fullmatch(r"(\d{4})年?", base)
    if m:
        year = int(m.group(1))
        return f"vs {year}" if lang == "en" else f"{year_text(year, lang)}比"
    return base


def value_text(fig: Mapping[str, Any], lang: str) -> str:
    """The figure's value as read aloud: 約2万8,000プロセス, 1/30以下, about 55%."""
    value = fig.get("value")
    number = None if blank(value) else float(str(value))
    return formatting.value_text(number, clean(fig.get("unit")), clean(fig.get("qualifier")), lang)


# --- where a figure comes from --------------------------------------------------------------------


#: Said after an English name: the report writes names in Japanese only.
ROMANISED = "our romanisation; the report gives {ja}"


def speaker(row: Mapping[str, Any], lang: str) -> str:
    """The speaker as the report names them (宮坂 学 氏); in English our romanisation, which says so."""
    ja = clean(row.get("speaker_ja")) or clean(row.get("speaker"))
    if lang == "en" and clean(row.get("speaker_en")):
        who = clean(row.get("speaker_en"))
        return f"{who} ({ROMANISED.format(ja=ja)})" if ja else who
    if ja and not ja.endswith(("氏", "様", "さん")):
        ja += " 氏"
    return ja


def speaker_line(program: Mapping[str, Any], lang: str) -> str:
    """東京都 副知事 宮坂 学 氏 / Manabu Miyasaka (…) — Vice Governor, Tokyo Metropolitan Government."""
    org, role = text(program, "organisation", lang), text(program, "role", lang)
    if lang == "en":
        return f"{speaker(program, lang)} — " + ", ".join(x for x in (role, org) if x)
    return " ".join(x for x in (org, role, speaker(program, lang)) if x)


def report_name(seminar: Mapping[str, Any], lang: str) -> str:
    """The report as a source: ジチタイワークス「【セミナーレポート】…」 / Jichitai Works, FY2023 …, Day 1."""
    organiser = text(seminar, "organiser", lang)
    if lang == "en":
        title = (
            clean(seminar.get("title_en"))
            or clean(seminar.get("report_title"))
            or text(seminar, "title", lang)
        )
        return ", ".join(x for x in (organiser, title) if x)
    title = clean(seminar.get("report_title")) or text(seminar, "title", lang)
    return f"{organiser}「{title}」" if organiser and title else organiser or title


def source_line(
    row: Mapping[str, Any] | None,
    lang: str,
    *,
    seminar: Mapping[str, Any] | None = None,
    quote: str | None = None,
    prefix: bool = True,
) -> str:
    """The one 「出典…」 line: seminar, Program N「title」 speaker（organisation、role）「quote」.

    `row` is a programme row (``number``: the talk's title and the speaker's post are named) or a
    figure row (``program``: the speaker only, for short lines under a number). The seminar is named
    when `seminar` is given; a figure with no programme is the seminar as a whole. `prefix=False`
    drops 「出典：」 where a column header already says it (CSV).
    """
    row = row or {}
    parts: list[str] = []
    if seminar and report_name(seminar, lang):  # a row without its seminar's fields names none
        parts.append(report_name(seminar, lang))
    number = row.get("number", row.get("program"))
    if not blank(number):
        n = int(float(str(number)))
        # A programme row names the talk and the speaker's post; a figure row only the speaker.
        full = "number" in row
        title = text(row, "title", lang) if full else ""
        who = speaker(row, lang)
        org, role = (text(row, "organisation", lang), text(row, "role", lang)) if full else ("", "")
        if lang == "en":
            about = ", ".join(x for x in (role, org) if x)
            parts.append(
                f"Programme {n}"
                + (f" “{title}”" if title else "")
                + (f", {who}" if who else "")
                + (f" ({about})" if about else "")
            )
        else:
            about = "、".join(x for x in (org, role) if x)
            parts.append(
                f"Program{n}"
                + (f"「{title}」" if title else "")
                + (f" {who}" if who else "")
                + (f"（{about}）" if about else "")
            )
    elif not parts:
        parts.append(pick("セミナー全体", "Whole seminar", lang))
    line = " ".join(parts)
    if quote:
        line += pick(f"「{quote}」", f", “{quote}”", lang)
    return (pick("出典：", "Source: ", lang) + line) if prefix else line


# --- column headers: one name per field, the same in both CSV kinds and on screen -----------------

#: field -> (Japanese header, English header). The chart CSV and the figure CSV share these names.
COLUMN_HEADERS: dict[str, tuple[str, str]] = {
    "chart_id": ("図表ID", "Chart ID"),
    "figure_id": ("数値ID", "Figure ID"),
    "seminar": ("セミナー", "Seminar"),
    "programme": ("プログラム", "Programme"),
    "topic": ("テーマ", "Topic"),
    "label": ("項目", "Item"),
    "series": ("区分", "Series"),
    "value": ("値", "Value"),
    "unit": ("単位", "Unit"),
    "qualifier": ("修飾語", "Qualifier"),
    "value_text": ("表示", "As shown"),
    "kind": ("種別", "Kind"),
    "baseline": ("比較基準", "Baseline"),
    "as_of": ("時点", "As of"),
    "as_of_basis": ("時点の扱い", "As-of basis"),
    "period": ("時点・年度", "As of / fiscal year"),  # on screen: as-of with 和暦, and 年度
    "fiscal_year": ("年度(西暦)", "Fiscal year"),
    "fiscal_year_wareki": ("年度(和暦)", "Fiscal year (Japanese era)"),
    "ambiguous": ("解釈注意", "Ambiguous"),
    "derivation": ("算出方法", "Derivation"),
    "quote": ("引用", "Quote"),
    "note": ("注記", "Note"),
    "source": ("出典", "Source"),
}

#: The chart CSV (and table view): one row per bar/tile, in this order.
CHART_CSV_COLUMNS = (
    "chart_id", "figure_id", "label", "series", "value", "unit", "qualifier", "value_text", "kind",
    "baseline", "as_of", "as_of_basis", "fiscal_year", "ambiguous", "derivation", "quote", "note", "source",
)  # fmt: skip

#: The figure CSV (explorer, programme and seminar tables): one row per figure, in this order.
FIGURE_CSV_COLUMNS = (
    "figure_id", "seminar", "programme", "topic", "label", "value", "unit", "qualifier", "baseline",
    "as_of", "as_of_basis", "fiscal_year", "fiscal_year_wareki", "kind", "quote", "source", "note",
    "ambiguous", "derivation",
)  # fmt: skip


def headers(keys: tuple[str, ...] | list[str], lang: str) -> dict[str, str]:
    """field -> header in `lang`, for DataFrame.rename."""
    return {k: pick(*COLUMN_HEADERS[k], lang) for k in keys}
