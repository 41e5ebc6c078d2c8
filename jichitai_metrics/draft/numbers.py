"""Japanese numbers as reports write them: 2万8,000, 約3万1千人, 8割, 1/30以下, 令和5年度, 9月21日(水).

Why part library, part our own: on PyPI, `kanjize` (MIT, pure Python, kept: 1.6.1 of 2025-06) reads a
numeral token correctly (二万八千, 2万8000, 3万1千, 1.5万, full-width digits), so it does that job here.
No kept library finds quantities *in running text* with their unit and qualifier: `japanese-numbers-python`
(last release 2020, Python 2 `past` dependency) only lifts bare numerals, and `ja-timex` covers dates
only. What a catalogue needs on top (units and counters, 約/以上/以下/未満/超/ほど, 割/分, 〜分の1, ranges,
和暦 years and 年度, weekdays, 十数 as a range rather than a guess) is the small scanner below.

Every Quantity keeps the span it was read from (`start`, `end` in the original text), so a quote can
always be cut verbatim from the input: nothing here rewrites the text it reports on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from kanjize import kanji2number

from jichitai_metrics.formatting import ERAS, WEEKDAYS_JA

D = "0-9０-９"
K_DIGITS = "〇一二三四五六七八九"
K_SMALL = "十百千"
K_BIG = "万億兆"
_A_NUM = rf"(?:[{D}]{{1,3}}(?:[,，][{D}]{{3}})+(?![{D}])|[{D}]+)(?:[.．][{D}]+)?"
_CHUNK = rf"(?:{_A_NUM}[{K_SMALL}]?|[{K_DIGITS}{K_SMALL}]+)"
NUMERAL = rf"{_CHUNK}(?:[{K_BIG}]{_CHUNK}?)*"
NUMERAL_RE = re.compile(NUMERAL)

# Era names and the offset that turns an era year into a Western year (令和5 -> 2023); the first three
# come from formatting.ERAS (one home for era arithmetic), 大正 is only needed for reading.
ERA_OFFSETS = {name: offset for _start, name, offset in ERAS} | {"大正": 1911}
ERA = "|".join(ERA_OFFSETS)
_WD = rf"[{WEEKDAYS_JA}]"
DATE_RE = re.compile(
    rf"(?:(?P<era>{ERA})(?P<eyear>元|[{D}]{{1,2}}|[{K_DIGITS}十]{{1,3}})|(?P<year>[{D}]{{4}}))年"
    rf"(?P<fy>度)?(?:(?P<month>[{D}]{{1,2}})月)?(?:(?P<day>[{D}]{{1,2}})日)?"
    rf"(?:[(（](?P<wd1>{_WD})(?:曜日?)?[)）])?"
    rf"|(?<![{D}])(?P<md_month>[{D}]{{1,2}})月(?P<md_day>[{D}]{{1,2}})日(?:[(（](?P<wd2>{_WD})(?:曜日?)?[)）])?"
)

QUALIFIER_PREFIXES = {
    "約": "約",
    "およそ": "約",
    "凡そ": "約",
    "おおよそ": "約",
    "概ね": "約",
    "おおむね": "約",
    "ほぼ": "約",
}
# (surface, qualifier): longest first. ほど/程度/くらい are read as 約, as the hand-made catalogue does.
QUALIFIER_SUFFIXES = (
    ("を超える", "超"),
    ("を超え", "超"),
    ("超え", "超"),
    ("超過", "超"),
    ("以上", "以上"),
    ("以下", "以下"),
    ("未満", "未満"),
    ("程度", "約"),
    ("ほど", "約"),
    ("くらい", "約"),
    ("ぐらい", "約"),
    ("前後", "約"),
    ("余り", "約"),
    ("超", "超"),
    ("強", "約"),
    ("弱", "約"),
    ("程", "約"),
)
SPELLING_NOTES = {
    "ほど": "「ほど」",
    "程度": "「程度」",
    "くらい": "「くらい」",
    "ぐらい": "「ぐらい」",
    "前後": "「前後」",
    "程": "「程」",
    "余り": "「余り」（やや多い）",
    "強": "「強」（やや多い）",
    "弱": "「弱」（やや少ない）",
    "およそ": "「およそ」",
    "凡そ": "「凡そ」",
    "おおよそ": "「おおよそ」",
    "概ね": "「概ね」",
    "おおむね": "「おおむね」",
    "ほぼ": "「ほぼ」",
}

# Counters and units: surface -> catalogue unit. Longest surfaces are tried first.
UNITS = {
    "パーセント": "%",
    "%": "%",
    "％": "%",
    "ポイント": "ポイント",
    "pt": "ポイント",
    "倍": "倍",
    "人": "人",
    "名": "人",
    "件": "件",
    "本": "本",
    "社": "社",
    "種類": "種類",
    "ページ": "ページ",
    "プロセス": "プロセス",
    "席": "席",
    "自治体": "自治体",
    "市町村": "市町村",
    "団体": "団体",
    "項目": "項目",
    "点": "点",
    "つ": "つ",
    "個": "個",
    "枚": "枚",
    "台": "台",
    "回": "回",
    "度": "回",
    "時間": "時間",
    "秒": "秒",
    "日間": "日",
    "日": "日",
    "週間": "週",
    "ヶ月": "か月",
    "か月": "か月",
    "カ月": "か月",
    "ヵ月": "か月",
    "ケ月": "か月",
    "箇月": "か月",
    "年間": "年",
    "年分": "年",
    "年": "年",
    "歳代": "歳代",
    "歳": "歳",
    "代": "代",
    "円": "円",
    "ステップ": "ステップ",
    "か所": "か所",
    "カ所": "か所",
    "箇所": "か所",
    "拠点": "拠点",
    "店舗": "店舗",
    "世帯": "世帯",
    "施設": "施設",
    "校": "校",
    "課": "課",
    "部署": "部署",
    "機関": "機関",
    "事業": "事業",
    "業務": "業務",
    "手続き": "手続き",
    "サービス": "サービス",
    "分": "分",
    "GB": "GB",
    "MB": "MB",
    "TB": "TB",
    "KB": "KB",
    "km": "km",
    "kg": "kg",
}
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
UNIT_RE = re.compile(_UNIT_ALT)
ASCII_UNITS = {u for u in UNITS if u.isascii() and u.isalpha()}
# A lone "1" with these counters is usually the article "a/one" (1枚アップ, 1つは, 1年にしたい), not a figure.
ARTICLE_COUNTERS = {"つ", "枚", "人", "年", "回", "本", "件", "個", "点", "名", "台", "社", "日"}
# Hearsay and hedges: the number is reported second-hand, so it needs an editor's eye.
HEARSAY = (
    "と言われています",
    "と言われている",
    "といわれています",
    "と言われ",
    "ようです",
    "そうです",
    "とのこと",
    "らしい",
    "と聞いて",
)
VAGUE = {  # 十数 -> 11..19: a range and a note, never a guessed value
    "十数": (11, 19),
    "数十": (20, 90),
    "数百": (200, 900),
    "数千": (2000, 9000),
    "数万": (20000, 90000),
    "十数万": (110000, 190000),
    "数十万": (200000, 900000),
    "数百万": (2000000, 9000000),
}
VAGUE_RE = re.compile(rf"(十数万|数十万|数百万|十数|数十|数百|数千|数万)({_UNIT_ALT})")
RATE_RE = re.compile(
    rf"(?<![{D}〇一二三四五六七八九十])(毎月|毎年|毎週|毎日|月|年|週|日)に?({NUMERAL})(度|回)"
)
PER_PERSON_RE = re.compile(rf"({NUMERAL})(人|社|件|世帯|自治体)に({NUMERAL})(人|社|件|世帯|自治体)")
FRACTION_RE = re.compile(rf"({NUMERAL})(?:/|／|分の)({NUMERAL})")
WARI_RE = re.compile(rf"({NUMERAL})割(?:({NUMERAL})分)?(?:({NUMERAL})厘)?")
HALF_RE = re.compile(r"過半数|半数|半分")
RANGE_RE = re.compile(rf"({NUMERAL})({_UNIT_ALT})?[~〜～]({NUMERAL})({_UNIT_ALT})?")


@dataclass(frozen=True)
class Quantity:
    """One number as the text states it; `start`/`end` index the original text (qualifiers included)."""

    start: int
    end: int
    text: str
    value: float | None
    unit: str = ""
    qualifier: str = ""
    kind: str = "count"  # count | ratio | range | vague | date
    low: float | None = None
    high: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    iso: str = ""  # dates: YYYY, YYYY-MM or YYYY-MM-DD when the year is known; "--MM-DD" when it is not
    fiscal_year: int | None = None
    weekday: str = ""


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def parse_number(token: str) -> float | None:
    """One numeral token -> its value: '2万8,000' 28000, '３万１千' 31000, '二十五' 25; else None."""
    text = _nfkc(token).replace(",", "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    if not re.fullmatch(rf"[0-9.{K_DIGITS}{K_SMALL}{K_BIG}]+", text) or text.count(".") > 1:
        return None
    try:
        return float(kanji2number(text))
    except (ValueError, KeyError, AttributeError, TypeError, IndexError):
        return None


def era_year(era: str, year_text: str) -> int | None:
    """令和 + 5 -> 2023; 令和 + 元 -> 2019; 平成 + 三 -> 1991."""
    n = 1 if year_text == "元" else parse_number(year_text)
    if n is None or n < 1 or era not in ERA_OFFSETS:
        return None
    return ERA_OFFSETS[era] + int(n)


def _date_from_match(m: re.Match[str]) -> Quantity:
    notes: list[str] = []
    if m.group("md_month"):
        month, day = int(_nfkc(m.group("md_month"))), int(_nfkc(m.group("md_day")))
        weekday = m.group("wd2") or ""
        return Quantity(
            m.start(), m.end(), m.group(0), None, kind="date", iso=f"--{month:02d}-{day:02d}", weekday=weekday
        )
    year = (
        era_year(m.group("era"), _nfkc(m.group("eyear"))) if m.group("era") else int(_nfkc(m.group("year")))
    )
    if year is None:
        return Quantity(m.start(), m.end(), m.group(0), None, kind="date", notes=("年を読めない",))
    weekday = m.group("wd1") or ""
    if m.group("fy"):
        return Quantity(
            m.start(),
            m.end(),
            m.group(0),
            float(year),
            unit="年度",
            kind="date",
            iso=str(year),
            fiscal_year=year,
        )
    iso = str(year)
    if m.group("month"):
        month = int(_nfkc(m.group("month")))
        iso += f"-{month:02d}"
        if m.group("day"):
            iso += f"-{int(_nfkc(m.group('day'))):02d}"
    if weekday and len(iso) == 10:
        try:
            actual = WEEKDAYS_JA[date.fromisoformat(iso).weekday()]
        except ValueError:
            actual = ""
        if actual and actual != weekday:
            notes.append(f"曜日が合わない（{iso} は{actual}曜日、本文は{weekday}）")
    return Quantity(
        m.start(),
        m.end(),
        m.group(0),
        float(year),
        unit="年",
        kind="date",
        iso=iso,
        weekday=weekday,
        notes=tuple(notes),
    )


def find_dates(text: str) -> list[Quantity]:
    """Every calendar date, year or 年度 in the text (1868-2200 for Western years)."""
    found = []
    for m in DATE_RE.finditer(text):
        if m.group("year") and not 1868 <= int(_nfkc(m.group("year"))) <= 2200:
            continue
        if m.group("year") and m.start() > 0 and re.match(rf"[{D}.,．，]", text[m.start() - 1]):
            continue
        found.append(_date_from_match(m))
    return found


def infer_year(month: int, day: int, weekday: str, near: int, span: int = 3) -> int | None:
    """The year closest to `near` in which month/day falls on `weekday` (9月21日(水) near 2022 -> 2022)."""
    if weekday not in WEEKDAYS_JA:
        return None
    for delta in sorted(range(-span, span + 1), key=lambda d: (abs(d), d)):
        try:
            if WEEKDAYS_JA[date(near + delta, month, day).weekday()] == weekday:
                return near + delta
        except ValueError:
            return None
    return None


def _suffix_qualifier(text: str, pos: int) -> tuple[str, str, int]:
    """(qualifier, surface, end) for a qualifier at pos; allows one short (…) aside before ほど-type words."""
    for surface, qualifier in QUALIFIER_SUFFIXES:
        if text.startswith(surface, pos):
            return qualifier, surface, pos + len(surface)
    aside = re.compile(r"[(（][^()（）\n]{1,20}[)）]").match(text, pos)
    if aside:
        for surface, qualifier in QUALIFIER_SUFFIXES:
            if qualifier == "約" and text.startswith(surface, aside.end()):
                return qualifier, surface, aside.end() + len(surface)
    return "", "", pos


def _prefix_qualifier(text: str, pos: int) -> tuple[str, str, int]:
    for surface, qualifier in QUALIFIER_PREFIXES.items():
        if pos >= len(surface) and text.startswith(surface, pos - len(surface)):
            return qualifier, surface, pos - len(surface)
    return "", "", pos


def _is_noise(text: str, start: int, end: int) -> bool:
    """Identifiers, not quantities: Day1, Windows95, A831571, 050, 092-716-1480, ※1, 図2, 1) list markers."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    token = _nfkc(text[start:end])
    if before.isascii() and before.isalpha():
        return True
    if after.isascii() and after.isalpha() and not any(text.startswith(u, end) for u in ASCII_UNITS):
        return True
    if before and before in "※図表第#＃№" or (before in "-‐－–" and start > 1 and text[start - 2].isdigit()):
        return True
    if after and after in "-‐－–:：" and end + 1 < len(text) and _nfkc(text[end + 1]).isdigit():
        return True
    if len(token) > 1 and token[0] == "0" and token[1].isdigit():
        return True
    line_start = text.rfind("\n", 0, start) + 1
    if not text[line_start:start].strip() and re.match(r"[)）]|[.．](?:\s|$)|、", text[end : end + 2] or " "):
        return True
    return bool(after) and after in "°º" or text.startswith("版", end)


def _with_qualifiers(text: str, start: int, end: int, notes: list[str]) -> tuple[int, int, str]:
    qualifier, surface, new_start = _prefix_qualifier(text, start)
    if surface in SPELLING_NOTES:
        notes.append(f"{SPELLING_NOTES[surface]}を「約」として記録")
    suffix, s_surface, new_end = _suffix_qualifier(text, end)
    if suffix:
        if qualifier and qualifier != suffix:
            notes.append(f"修飾語が2つ（{surface}…{s_surface}）")
        if s_surface in SPELLING_NOTES:
            notes.append(f"{SPELLING_NOTES[s_surface]}を「約」として記録")
        qualifier = suffix if not qualifier or suffix != "約" else qualifier
    return new_start, new_end, qualifier


REDUCTION_AMBIGUITY = "到達した水準か削減幅か、本文から判断できない（まで削減）"


def _reduction_note(text: str, end: int, unit: str) -> list[str]:
    """「55%まで削減」 can be the level reached or the size of the cut; 「15分まで短縮」 cannot (a level)."""
    m = re.match(r"(?:まで|までに|に)(?:削減|減少|減ら|低下|下が|減っ|短縮)", text[end : end + 8])
    if m and unit == "%":  # 「1/30に短縮」 is a level too: a fraction of before, not a share cut
        return [f"「{m.group(0)}」: {REDUCTION_AMBIGUITY}"]
    return []


def _claim(taken: list[bool], start: int, end: int) -> bool:
    if any(taken[start:end]):
        return False
    for i in range(start, end):
        taken[i] = True
    return True


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity stated in the text, in order (dates excluded: see find_dates)."""
    taken = [False] * len(text)
    for d in find_dates(text):
        _claim(taken, d.start, d.end)
    out: list[Quantity] = []

    def add(
        start: int,
        end: int,
        value: float | None,
        unit: str,
        kind: str = "count",
        low: float | None = None,
        high: float | None = None,
        notes: list[str] | None = None,
        implied: str = "",
    ) -> None:
        notes = list(notes or [])
        q_start, q_end, qualifier = _with_qualifiers(text, start, end, notes)
        qualifier = qualifier or implied
        notes += _reduction_note(text, q_end, unit)
        if not _claim(taken, q_start, end):  # the suffix may hold an aside: 70%(約2万プロセス)ほど
            return
        out.append(
            Quantity(
                q_start, q_end, text[q_start:q_end], value, unit, qualifier, kind, low, high, tuple(notes)
            )
        )

    for m in PER_PERSON_RE.finditer(text):
        a, b = parse_number(m.group(1)), parse_number(m.group(3))
        if a and b is not None and not _is_noise(text, m.start(), m.start(1) + len(m.group(1))):
            add(
                m.start(),
                m.end(),
                b / a,
                "ratio",
                "ratio",
                notes=[f"「{m.group(0)}」を比率 {b:g}/{a:g} として記録"],
            )
    for m in RATE_RE.finditer(text):
        value = parse_number(m.group(2))
        if value is not None:
            period = m.group(1)[-1]
            add(m.start(), m.end(), value, f"回/{period}")
    for m in FRACTION_RE.finditer(text):
        a, b = parse_number(m.group(1)), parse_number(m.group(2))
        if a is None or b is None or _is_noise(text, m.start(), m.end()):
            continue
        if "分の" in m.group(0):  # 30分の1 = 1/30
            a, b = b, a
        if b:
            add(m.start(), m.end(), a / b, "ratio", "ratio")
    for m in WARI_RE.finditer(text):
        parts = [parse_number(g) if g else 0.0 for g in m.groups()]
        if (
            parts[0] is None
            or any(p is None for p in parts)
            or _is_noise(text, m.start(), m.start(1) + len(m.group(1)))
        ):
            continue
        whole, bu, rin = (p or 0.0 for p in parts)
        value = 10 * whole + bu + rin / 10
        add(m.start(), m.end(), value, "%", notes=[f"「{m.group(0)}」を {value:g}% として記録"])
    for m in HALF_RE.finditer(text):
        over = m.group(0) == "過半数"  # more than half: 50% with 超, never a guessed share
        add(
            m.start(),
            m.end(),
            50.0,
            "%",
            notes=[f"「{m.group(0)}」を 50% として記録"],
            implied="超" if over else "",
        )
    for m in VAGUE_RE.finditer(text):
        v_low, v_high = VAGUE[m.group(1)]
        add(
            m.start(),
            m.end(),
            None,
            UNITS[m.group(2)],
            "vague",
            v_low,
            v_high,
            notes=[f"「{m.group(1)}」は幅のある数（{v_low:g}〜{v_high:g}）: 値は決めずに注記"],
        )
    for m in RANGE_RE.finditer(text):
        low, high = parse_number(m.group(1)), parse_number(m.group(3))
        if (
            low is None
            or high is None
            or _is_noise(text, m.start(1), m.end(1))
            or _is_noise(text, m.start(3), m.end(3))
        ):
            continue
        unit = UNITS.get(m.group(4) or m.group(2) or "", "")
        if low == 1 and not m.group(2) and high == int(high):
            # 「ステップ1~5」「1~4まで」: an enumeration, i.e. a count of `high` items.
            before = text[max(0, m.start() - 6) : m.start()]
            named = next((u for u in ("ステップ", "項目", "段階") if before.endswith(u)), "")
            start = m.start() - len(named)
            add(
                start,
                m.end(),
                high,
                unit or named or "項目",
                "count",
                low,
                high,
                notes=[f"「{text[start : m.end()]}」を {high:g} 件の列挙として記録"],
            )
        else:
            add(
                m.start(),
                m.end(),
                None,
                unit,
                "range",
                low,
                high,
                notes=[f"範囲 {low:g}〜{high:g}{unit}: 値は決めずに注記"],
            )
    for m in NUMERAL_RE.finditer(text):
        start, end = m.start(), m.end()
        if any(taken[start:end]) or _is_noise(text, start, end):
            continue
        token = m.group(0)
        kanji_only = not re.search(rf"[{D}]", token)
        value = parse_number(token)
        if value is None:
            continue
        um = UNIT_RE.match(text, end)
        unit_surface = um.group(0) if um else ""
        if kanji_only and (not unit_surface or unit_surface in ("分", "代", "度", "点", "本", "人", "名")):
            continue  # 一方, 十分, 一度, 二次元, 三層: kanji numerals count only with an unambiguous counter
        if unit_surface and text.startswith(("当たり", "あたり", "につき"), end + len(unit_surface)):
            continue  # 「1人当たり」: the denominator of a rate, not a figure
        if value == 1 and UNITS.get(unit_surface) in ARTICLE_COUNTERS | {"か月"}:
            continue
        if unit_surface in ("年",) and value >= 1868:
            continue
        notes = [] if unit_surface else ["単位がない"]
        add(start, end + len(unit_surface), value, UNITS.get(unit_surface, ""), notes=notes)
    out.sort(key=lambda q: q.start)
    return out


def parse_quantity(phrase: str) -> Quantity | None:
    """The first quantity (or, failing that, date) in a short phrase; for tests and the review page."""
    found = find_quantities(phrase)
    if found:
        return found[0]
    dates = find_dates(phrase)
    return dates[0] if dates else None


def hearsay_in(sentence: str) -> str:
    """The hearsay marker in a sentence (と言われています, ようです …), or ''."""
    return next((h for h in HEARSAY if h in sentence), "")
