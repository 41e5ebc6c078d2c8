"""How numbers and dates read for Japanese planners: 2万8,000, 令和5年度（2023年度）, 約55%."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from typing import Any

WEEKDAYS_JA = "月火水木金土日"
# Era start dates (first day of each era). 令和 began 2019-05-01, 平成 1989-01-08.
ERAS = (
    (date(2019, 5, 1), "令和", 2018),
    (date(1989, 1, 8), "平成", 1988),
    (date(1926, 12, 25), "昭和", 1925),
)

# Qualifiers the report uses. 約 precedes the number; the others follow it.
QUALIFIER_EN = {"約": "about", "以上": "or more", "以下": "or less", "未満": "less than"}
PREFIX_QUALIFIERS = {"約"}

UNIT_EN = {
    "%": "%",
    "人": " people",
    "本": " videos",
    "件": " cases",
    "社": " companies",
    "年": " years",
    "種類": " kinds",
    "ページ": " pages",
    "プロセス": " procedures",
    "席": " seats",
    "自治体": " municipalities",
    "ポイント": " points",
    "日": " days",
    "つ": "",
    "項目": " items",
    "サービス": " services",
    "ステップ": " steps",
    "点": " items",
    "回/月": " per month",
    "本/年": " videos per year",
}


def _era(year: int, on: date | None = None) -> tuple[str, int]:
    probe = on or date(year, 12, 31)
    for start, name, offset in ERAS:
        if probe >= start:
            return name, year - offset
    return "", year


def _era_year_text(name: str, n: int) -> str:
    return f"{name}{'元' if n == 1 else n}年"


def wareki_year(year: int, on: date | None = None) -> str:
    """西暦年 -> 和暦年, e.g. 2022 -> 令和4年 (2019 -> 令和元年; pass `on` for the exact day)."""
    name, n = _era(year, on)
    return _era_year_text(name, n) if name else f"{year}年"


def fiscal_year_of(day: date) -> int:
    """The 年度 a date falls in: April to the following March."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_wareki(year: int) -> str:
    """2023 -> 令和5年度. FY2019 began under 平成 but governments write 令和元年度, so the year's
    end decides."""
    name, n = _era(year, date(year + 1, 3, 31))
    return f"{name}{'元' if n == 1 else n}年度"


def fiscal_year_label(year: int, lang: str = "ja") -> str:
    """令和5年度（2023年度） in Japanese; FY2023 (Apr 2023–Mar 2024) in English."""
    if lang == "en":
        return f"FY{year} (Apr {year}–Mar {year + 1})"
    return f"{fiscal_year_wareki(year)}（{year}年度）"


def date_ja(day: date) -> str:
    """2022年（令和4年）9月21日（水）: 西暦 first, 和暦 alongside, weekday in brackets."""
    return (
        f"{day.year}年（{wareki_year(day.year, day)}）"
        f"{day.month}月{day.day}日（{WEEKDAYS_JA[day.weekday()]}）"
    )


def date_en(day: date) -> str:
    """Wednesday 21 September 2022."""
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B')} {day.year}"


def date_text(day: date, lang: str = "ja") -> str:
    return date_en(day) if lang == "en" else date_ja(day)


def japanese_number(value: float) -> str:
    """28000 -> 2万8,000; 100000 -> 10万; 1300 -> 1,300; 0.8 -> 0.8 (万 only where it reads better)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if float(value) != int(value):
        return f"{value:,}".rstrip("0").rstrip(".") if "." in f"{value}" else f"{value:,}"
    n = int(value)
    sign = "-" if n < 0 else ""
    n = abs(n)
    if n < 10_000:
        return f"{sign}{n:,}"
    oku, rest = divmod(n, 100_000_000)
    man, ones = divmod(rest, 10_000)
    parts = []
    if oku:
        parts.append(f"{oku:,}億")
    if man:
        parts.append(f"{man:,}万")
    if ones:
        parts.append(f"{ones:,}")
    return sign + "".join(parts)


def english_number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{int(value):,}" if float(value) == int(value) else f"{value:,}"


def ratio_text(value: float) -> str:
    """0.0333… -> 1/30, 0.1 -> 1/10, 0.25 -> 1/4: ratios the report states as fractions."""
    frac = Fraction(value).limit_denominator(1000)
    return f"{frac.numerator}/{frac.denominator}"


def value_text(value: float | None, unit: str, qualifier: str = "", lang: str = "ja") -> str:
    """A figure as a reader expects it: 約2万8,000プロセス, 10万本以上, 1/30以下, about 55%."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "報告なし" if lang != "en" else "not reported"
    qualifier = qualifier or ""
    if unit == "ratio":
        number, unit_text = ratio_text(value), ""
    elif lang == "en":
        number, unit_text = english_number(value), UNIT_EN.get(unit, f" {unit}")
    else:
        number, unit_text = japanese_number(value), ("" if unit == "つ" else unit)
        if unit == "つ":
            unit_text = "つ"
    if lang == "en":
        q = QUALIFIER_EN.get(qualifier, qualifier)
        if not q:
            return f"{number}{unit_text}"
        return (
            f"{q} {number}{unit_text}"
            if qualifier in PREFIX_QUALIFIERS or qualifier == "未満"
            else f"{number}{unit_text} {q}"
        )
    if qualifier in PREFIX_QUALIFIERS:
        return f"{qualifier}{number}{unit_text}"
    return f"{number}{unit_text}{qualifier}"


def _whole(value: object) -> int | None:
    try:
        return int(float(str(value)))
    except ValueError:  # blank, NA or NaN: no year given
        return None


def career_when(row: Mapping[str, Any], lang: str) -> str:
    """When a career step happened, 和暦 and 西暦 together: 平成9年6月（1997年） / 2006年（平成18年）."""
    when = str(row.get("when_ja") or "").strip()
    year = _whole(row.get("year"))
    if year is None:
        return when if lang != "en" else "date not given"
    if lang == "en":
        return str(year)
    if not when:
        return f"{year}年（{wareki_year(year)}）"
    if str(year) in when:  # the profile gave 西暦: add the era year
        return when.replace(f"{year}年", f"{year}年（{wareki_year(year)}）", 1)
    return f"{when}（{year}年）"


def em_width(text: str) -> float:
    """About how wide `text` sets on one line, in em: a kana or kanji 1, a Latin letter or digit about half.

    The one estimate for laying out text before it is drawn (slide text boxes, table columns).
    """
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.55 for ch in text)
