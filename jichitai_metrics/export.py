"""CSV extracts: the one function every download in the product goes through.

What a file written here promises (Digital Agency 機械判読 rules + OWASP CSV injection):

- header in row 1; one record per line; CRLF line endings (what Excel writes and expects);
- numbers are plain: no thousands separators, no units, no scientific notation; integral floats
  are written without ``.0``; numbers are never quoted, so spreadsheets read them as numbers;
- blank stays blank: ``None`` / ``NaN`` / ``NA`` / ``NaT`` become an empty field, never ``0``;
- booleans are ``TRUE`` / ``FALSE`` (Excel reads both as booleans in every locale);
- dates are ISO ``YYYY-MM-DD``; date-times ``YYYY-MM-DD HH:MM:SS``; timezone-aware date-times
  are converted to JST and carry their offset (``2024-04-01 09:00:00+09:00``);
- every text cell is quoted and goes through :func:`neutralise_cell`;
- encodings: ``utf-8-sig`` (default: the BOM makes Japanese Excel read UTF-8) or ``cp932``
  (Windows Shift_JIS). Nothing is ever replaced silently: characters an encoding cannot hold are
  listed in ``CsvExport.unencodable`` and no bytes are produced; characters that CP932 stores as
  a different code point (〜 U+301C is read back as ～ U+FF5E) are listed in
  ``CsvExport.substituted`` so the page can say so.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jichitai_metrics.i18n import pick

NEUTRALISE_PREFIX = "'"

#: encoding -> (Japanese label, English label), in the order the download widget offers them.
ENCODINGS: dict[str, tuple[str, str]] = {
    "utf-8-sig": ("UTF-8（BOM付き・推奨）", "UTF-8 with BOM (recommended)"),
    "cp932": ("Shift_JIS（CP932）", "Shift_JIS (CP932)"),
}

# Characters a spreadsheet treats as the start of a formula (OWASP). U+2212 MINUS SIGN is added
# because Python's cp932 codec stores it as the byte of full-width － (U+FF0D), which NFKC reads
# as "-": text that is harmless in UTF-8 must not become a formula start in the CP932 file.
_FORMULA_START = frozenset("=+-@\u2212")
# Control characters OWASP (tab, CR, LF) and ASVS 5.0 1.2.10 (NUL) list as dangerous first chars.
_CONTROL_START = frozenset("\t\r\n\x00")
# Leading blanks skipped before looking for a formula start: some importers trim leading
# whitespace, so " =1+1" is treated like "=1+1". Python's \s is Unicode-aware (U+3000 included).
_LEADING_BLANKS = re.compile(r"[\s\x00]*")

# Every code point that can begin a string needing the prefix: blanks, NUL, = + - @, and every
# character whose NFKC form starts with one of those (full-width ＝＋－＠, small ﹦﹢﹣﹫,
# super/subscript ⁼⁺⁻₌₊₋, ⩵ …). Generated from unicodedata (Unicode 14.0.0) by
# `_suspect_first_chars()`; tests/test_export.py recomputes it so a Python upgrade cannot
# silently open a gap. Used only as a fast pre-filter: the exact test is `_needs_prefix`.
_SUSPECT_FIRST = frozenset(
    chr(int(code, 16))
    for code in """
    0000 0009 000A 000B 000C 000D 001C 001D 001E 001F 0020 002B 002D 003D 0040 0085 00A0 00A8
    00AF 00B4 00B8 02D8 02D9 02DA 02DB 02DC 02DD 037A 0384 0385 1680 1FBD 1FBF 1FC0 1FC1 1FCD
    1FCE 1FCF 1FDD 1FDE 1FDF 1FED 1FEE 1FFD 1FFE 2000 2001 2002 2003 2004 2005 2006 2007 2008
    2009 200A 2017 2028 2029 202F 203E 205F 207A 207B 207C 208A 208B 208C 2212 2A75 2A76 3000 309B 309C
    FB29 FC5E FC5F FC60 FC61 FC62 FC63 FE49 FE4A FE4B FE4C FE62 FE63 FE66 FE6B FE70 FE72 FE74
    FE76 FE78 FE7A FE7C FE7E FF0B FF0D FF1D FF20 FFE3
""".split()
)

_SUSPECT_ARROW = pa.array(sorted(_SUSPECT_FIRST), type=pa.large_string())

_JST = _dt.timezone(_dt.timedelta(hours=9), "JST")  # Japan has no DST: a fixed offset is exact.


def _suspect_first_chars() -> frozenset[str]:
    """Recompute `_SUSPECT_FIRST` from unicodedata (slow: every code point; used by the tests)."""
    found = set()
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        n = unicodedata.normalize("NFKC", c)
        if (
            c in _FORMULA_START
            or c in _CONTROL_START
            or c.isspace()
            or (n and (n[0] in _FORMULA_START or n[0].isspace() or n[0] == "\x00"))
        ):
            found.add(c)
    return frozenset(found)


def _starts_like_formula(text: str) -> bool:
    """True when `text`, after leading blanks, starts with = + - @."""
    rest = text[_LEADING_BLANKS.match(text).end() :]  # type: ignore[union-attr]
    return bool(rest) and rest[0] in _FORMULA_START


def _needs_prefix(text: str) -> bool:
    """The exact test: dangerous control first char, or a formula start in the raw or NFKC text."""
    if not text:
        return False
    if text[0] in _CONTROL_START:
        return True
    # Both forms: NFKC catches ＝ and ⁺; the raw form catches "=\u0338", which NFKC composes to ≠
    # although a spreadsheet still sees "=" first.
    return _starts_like_formula(text) or _starts_like_formula(unicodedata.normalize("NFKC", text))


def neutralise_cell(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe; other values pass.

    Text is dangerous when its first character is tab, CR, LF or NUL, or when its first
    non-blank character is = + - @ either as typed or after NFKC normalisation (so full-width
    ＝＋－＠ and their other compatibility forms count; so does − U+2212, which CP932 stores as
    －). Leading blanks (spaces, U+3000, …) are
    skipped because some importers trim them. Numbers, booleans, dates and blanks are returned
    unchanged: -5 stays the number -5; only the *text* "-5" gets the prefix.
    """
    if isinstance(value, str) and value[:1] in _SUSPECT_FIRST and _needs_prefix(value):
        return NEUTRALISE_PREFIX + value
    return value


@dataclass(frozen=True)
class Unencodable:
    """One character in one cell that the chosen encoding cannot hold (or holds as another).

    `row` counts data records from 1 (the first record under the header is 1; 0 is the header
    itself), i.e. the spreadsheet row minus one. `becomes` is set only for substitutions: the
    character a spreadsheet will show instead (〜 -> ～).
    """

    column: str
    row: int
    char: str
    codepoint: str
    becomes: str = ""


@dataclass(frozen=True)
class CsvExport:
    """The bytes of a CSV download, or empty bytes plus the characters that prevented it."""

    data: bytes
    encoding: str
    unencodable: tuple[Unencodable, ...]
    rows: int
    substituted: tuple[Unencodable, ...] = ()

    @property
    def ok(self) -> bool:
        """True when `data` holds the file (nothing was unencodable)."""
        return not self.unencodable

    @property
    def mime(self) -> str:
        """MIME type for a download button, with the charset a browser should assume."""
        charset = "Shift_JIS" if self.encoding == "cp932" else "utf-8"
        return f"text/csv; charset={charset}"


def codepoint(char: str) -> str:
    """'𠮷' -> 'U+20BB7'."""
    return f"U+{ord(char):04X}"


# --- cell formatting ---------------------------------------------------------------------------


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _text_token(text: str) -> str:
    return _quote(neutralise_cell(text))  # type: ignore[arg-type]


def _format_float(x: float) -> str:
    """Plain decimal: 28000.0 -> '28000', 1e-05 -> '0.00001', shortest repr otherwise."""
    if x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    r = repr(float(x))
    if "e" in r or "E" in r:
        return format(Decimal(r), "f")
    return r


def _format_datetime(value: _dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(_JST)
        text = value.isoformat(sep=" ", timespec="seconds")
    else:
        text = value.isoformat(sep=" ", timespec="seconds")
    return text


def _is_blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return False


def _cell_token(value: object) -> str:
    """One cell of an object-dtype column (mixed types) as a CSV token."""
    if _is_blank(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if math.isinf(value):
            # Not a blank and not a number a spreadsheet reads: keep it visible as text.
            return _text_token("inf" if value > 0 else "-inf")
        return _format_float(float(value))
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else _text_token(str(value))
    if isinstance(value, _dt.datetime):  # includes pd.Timestamp; before date (subclass)
        return _format_datetime(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, _dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return _text_token(value)
    if isinstance(value, list | tuple | np.ndarray):
        # Lists (e.g. key points) become one text cell; items keep their order.
        return _text_token(" / ".join("" if _is_blank(v) else str(v) for v in value))
    return _text_token(str(value))


def _lit(text: str) -> pa.Scalar:
    """A large_string scalar: Arrow kernels refuse to mix string and large_string arguments."""
    return pa.scalar(text, type=pa.large_string())


def _python_tokens(s: pd.Series) -> pa.Array:
    """Cell-by-cell tokens for columns Arrow cannot format (mixed objects, lists, timedeltas)."""
    return pa.array([_cell_token(v) for v in s.astype(object).tolist()], type=pa.large_string())


def _text_tokens(s: pd.Series) -> pa.Array:
    """Quoted, neutralised text cells; only values with a suspicious first char reach Python."""
    arr = pa.array(s, type=pa.large_string(), from_pandas=True)
    first = pc.utf8_slice_codeunits(arr, 0, 1)
    suspect = pc.fill_null(pc.is_in(first, value_set=_SUSPECT_ARROW), False)
    where = np.flatnonzero(suspect.to_numpy(zero_copy_only=False))
    if where.size:
        flags = np.array([_needs_prefix(v) for v in arr.take(pa.array(where)).to_pylist()], dtype=bool)
        mask = np.zeros(len(arr), dtype=bool)
        mask[where[flags]] = True
        arr = pc.if_else(mask, pc.binary_join_element_wise(_lit(NEUTRALISE_PREFIX), arr, _lit("")), arr)
    quoted = pc.binary_join_element_wise(_lit('"'), pc.replace_substring(arr, '"', '""'), _lit('"'), _lit(""))
    return pc.fill_null(quoted, _lit(""))


def _float_tokens(s: pd.Series) -> pa.Array:
    """Plain decimals; Arrow formats the common case, Python the exponents, inf and -0."""
    arr = pa.array(s, type=pa.float64(), from_pandas=True)  # NaN -> null -> blank
    text = pc.cast(arr, pa.large_string())
    odd = pc.fill_null(pc.match_substring_regex(text, r"[eEni]|^-0$"), False)
    where = np.flatnonzero(odd.to_numpy(zero_copy_only=False))
    if where.size:
        values = s.to_numpy(dtype=float, na_value=np.nan)
        fixed = pa.array([_cell_token(float(values[i])) for i in where], type=pa.large_string())
        mask = np.zeros(len(arr), dtype=bool)
        mask[where] = True
        replacement = pa.array(np.full(len(arr), None, dtype=object), type=pa.large_string())
        replacement = pc.replace_with_mask(replacement, mask, fixed)
        text = pc.if_else(mask, replacement, text)
    return pc.fill_null(text, _lit(""))


def _datetime_tokens(s: pd.Series) -> pa.Array:
    """ISO dates / date-times; timezone-aware values in JST with +09:00."""
    suffix = ""
    if getattr(s.dtype, "tz", None) is not None:
        # Asia/Tokyo has been +09:00 without DST since 1951, so the suffix is constant.
        s = s.dt.tz_convert("Asia/Tokyo").dt.tz_localize(None)
        suffix = "+09:00"
        fmt = "%Y-%m-%d %H:%M:%S"
    else:
        valid = s.dropna()
        # DuckDB DATE columns arrive as datetime64 at midnight: write them as dates.
        fmt = "%Y-%m-%d" if len(valid) and (valid == valid.dt.normalize()).all() else "%Y-%m-%d %H:%M:%S"
    arr = pc.cast(pa.array(s, from_pandas=True), pa.timestamp("s"), safe=False)  # drop sub-seconds
    text = pc.cast(pc.strftime(arr, format=fmt), pa.large_string())
    if suffix:
        text = pc.binary_join_element_wise(text, _lit(suffix), _lit(""))
    return pc.fill_null(text, _lit(""))


def _column_tokens(s: pd.Series) -> pa.Array:
    """Every cell of one column as its CSV token (quoted where text, blank for missing)."""
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _column_tokens(s.astype(object))
    if pd.api.types.is_bool_dtype(dtype):
        arr = pa.array(s, type=pa.bool_(), from_pandas=True)
        return pc.fill_null(pc.if_else(arr, _lit("TRUE"), _lit("FALSE")), _lit(""))
    if pd.api.types.is_integer_dtype(dtype):
        return pc.fill_null(pc.cast(pa.array(s, from_pandas=True), pa.large_string()), _lit(""))
    if pd.api.types.is_float_dtype(dtype):
        return _float_tokens(s)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return _datetime_tokens(s)
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return _text_tokens(s)
    if pd.api.types.is_object_dtype(dtype):
        # Fast path when every non-blank value really is a str (the usual object column).
        nonblank = s[s.notna()]
        if len(nonblank) == 0 or nonblank.map(type).eq(str).all():
            return _text_tokens(s)
    return _python_tokens(s)


def _header_line(df: pd.DataFrame) -> str:
    names = [" / ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in df.columns]
    return ",".join(_text_token(n) for n in names) + "\r\n"


def _body_utf8(df: pd.DataFrame) -> bytes:
    """Every record, CRLF-terminated, as UTF-8 bytes (built column-wise in Arrow: 1M rows in seconds)."""
    if len(df) == 0:
        return b""
    if len(df.columns) == 0:
        return b"\r\n" * len(df)
    columns = [_column_tokens(df.iloc[:, i]) for i in range(len(df.columns))]
    joined = columns[0] if len(columns) == 1 else pc.binary_join_element_wise(*columns, _lit(","))
    lines = pc.binary_join_element_wise(joined, _lit("\r\n"), _lit(""))
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    lines = lines.cast(pa.large_string())
    # A string array stores its values back to back: the records are one slice of that buffer.
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    return bytes(memoryview(lines.buffers()[2])[int(offsets[0]) : int(offsets[-1])])


# --- encoding checks ---------------------------------------------------------------------------


def _cell_texts(df: pd.DataFrame) -> Iterable[tuple[str, int, str]]:
    """(column, row, text) for the header and every text-bearing cell, as written to the file."""
    for name in df.columns:
        yield str(name), 0, str(neutralise_cell(str(name)))
    for i, name in enumerate(df.columns):
        col = df.iloc[:, i]
        if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_datetime64_any_dtype(col.dtype):
            continue  # digits, signs and ISO dates are ASCII: every encoding holds them
        for row, value in enumerate(col.tolist(), start=1):
            if _is_blank(value):
                continue
            token = _cell_token(value)
            if token.startswith('"'):
                yield str(name), row, token[1:-1].replace('""', '"')


def _encoding_problems(df: pd.DataFrame, encoding: str) -> tuple[list[Unencodable], list[Unencodable]]:
    """(unencodable, substituted) characters, one entry per distinct character per cell."""
    bad: list[Unencodable] = []
    swapped: list[Unencodable] = []
    for column, row, text in _cell_texts(df):
        try:
            if text.encode(encoding).decode(encoding) == text:
                continue
        except UnicodeEncodeError:
            pass
        seen: set[str] = set()
        for ch in text:
            if ch in seen:
                continue
            seen.add(ch)
            try:
                back = ch.encode(encoding).decode(encoding)
            except UnicodeEncodeError:
                bad.append(Unencodable(column, row, ch, codepoint(ch)))
                continue
            if back != ch:
                swapped.append(Unencodable(column, row, ch, codepoint(ch), becomes=back))
    return bad, swapped


def csv_bytes(df: pd.DataFrame, encoding: str = "utf-8-sig") -> CsvExport:
    """Encode `df` (index dropped) as an Excel-ready, formula-safe CSV in `encoding`.

    Never raises for odd content: when a character cannot be encoded the result has
    ``data == b""`` and lists every such character (column, row, code point) so the page can warn
    and offer UTF-8 instead. Raises ValueError only for an encoding outside `ENCODINGS`.
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"unsupported CSV encoding {encoding!r}; choose one of {', '.join(ENCODINGS)}")
    try:
        header = _header_line(df)
        body = _body_utf8(df)
        if encoding == "utf-8-sig":
            data = header.encode(encoding) + body
            text = ""
        else:
            text = header + body.decode("utf-8")
            data = text.encode(encoding)
    except (UnicodeEncodeError, pa.ArrowInvalid):
        # ArrowInvalid: a lone surrogate (not valid UTF-8); the scan below names the cell.
        bad, swapped = _encoding_problems(df, encoding)
        if not bad:  # the whole text failed, so some cell must have: never emit bytes regardless
            raise
        return CsvExport(b"", encoding, tuple(bad), len(df), tuple(swapped))
    swapped_t: tuple[Unencodable, ...] = ()
    if encoding == "cp932" and data.decode(encoding) != text:
        _, swapped = _encoding_problems(df, encoding)
        swapped_t = tuple(swapped)
    return CsvExport(data, encoding, (), len(df), swapped_t)


def summarise_problems(problems: Iterable[Unencodable], max_rows: int = 5) -> list[dict[str, Any]]:
    """Group problem characters for display: char, code point, becomes, count, first rows, columns."""
    groups: dict[str, dict[str, Any]] = {}
    for p in problems:
        g = groups.setdefault(
            p.char,
            {
                "char": p.char,
                "codepoint": p.codepoint,
                "becomes": p.becomes,
                "count": 0,
                "rows": [],
                "columns": [],
            },
        )
        g["count"] += 1
        if len(g["rows"]) < max_rows and p.row not in g["rows"]:
            g["rows"].append(p.row)
        if p.column not in g["columns"]:
            g["columns"].append(p.column)
    return list(groups.values())


# --- file names --------------------------------------------------------------------------------

_SLUG_DROP = re.compile(r"[^a-z0-9]+")


def _slug(part: str | int) -> str:
    text = unicodedata.normalize("NFKC", str(part)).lower()
    return _SLUG_DROP.sub("-", text).strip("-")


def today_jst() -> _dt.date:
    """Today's date in Japan (the users' calendar), whatever the server's timezone."""
    return _dt.datetime.now(_JST).date()


def export_filename(
    what: str, *parts: str | int | None, today: _dt.date | None = None, ext: str = "csv"
) -> str:
    """'jichitai-<what>-<parts…>-<YYYYMMDD>.<ext>', ASCII only (safe in every browser and OS).

    Parts are NFKC-normalised, lower-cased and reduced to a-z0-9 with hyphens; blank parts (None,
    "", or text with no ASCII letters or digits) are left out. The date is JST.
    """
    day = today or today_jst()
    pieces = ["jichitai", _slug(what), *(_slug(p) for p in parts if p is not None)]
    stem = "-".join(p for p in pieces if p)
    return f"{stem}-{day:%Y%m%d}.{_slug(ext) or 'csv'}"


# --- the figure extract ------------------------------------------------------------------------

#: output column key -> (Japanese header, English header), in file order.
FIGURE_COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("項目ID", "ID"),
    "seminar": ("セミナー", "Seminar"),
    "programme": ("プログラム", "Programme"),
    "topic": ("テーマ", "Topic"),
    "label": ("項目名", "Item"),
    "value": ("値", "Value"),
    "unit": ("単位", "Unit"),
    "qualifier": ("修飾", "Qualifier"),
    "baseline": ("比較基準", "Baseline"),
    "as_of": ("時点", "As of"),
    "fiscal_year": ("年度(西暦)", "Fiscal year"),
    "fiscal_year_wareki": ("年度(和暦)", "Fiscal year (Japanese era)"),
    "kind": ("種別", "Kind"),
    "quote": ("出典引用", "Quote"),
    "source": ("出典", "Source"),
    "note": ("注記", "Note"),
    "ambiguous": ("解釈に注意", "Ambiguous"),
    "derivation": ("算出方法", "Derivation"),
}

KIND_LABELS: dict[str, tuple[str, str]] = {
    "reported": ("報告値", "reported"),
    "target": ("目標値", "target"),
    "derived": ("算出値", "derived"),
}


def _get(row: dict[str, Any], *names: str) -> Any:
    """First non-blank value among `names` in `row`, else None (missing columns are blanks)."""
    for name in names:
        value = row.get(name)
        if not _is_blank(value) and value != "":
            return value
    return None


def _text(row: dict[str, Any], stem: str, lang: str) -> str | None:
    """`<stem>_<lang>`, falling back to `<stem>_ja`, then `<stem>`; None when all are blank."""
    names = [f"{stem}_en", f"{stem}_ja", stem] if lang == "en" else [f"{stem}_ja", stem]
    value = _get(row, *names)
    return None if value is None else str(value)


def _int_or_none(value: Any) -> int | None:
    if _is_blank(value) or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _float_or_none(value: Any) -> float | None:
    if _is_blank(value) or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _bool_or_none(value: Any) -> bool | None:
    if _is_blank(value) or value == "":
        return None
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "1", "yes"}:
            return True
        if lowered in {"false", "0", "no"}:
            return False
        return None
    return bool(value)


def _fiscal_year_wareki(year: int | None) -> str | None:
    """2023 -> 令和5年度: the Japanese-era half of formatting.fiscal_year_label."""
    if year is None:
        return None
    from jichitai_metrics.formatting import fiscal_year_wareki

    return fiscal_year_wareki(year)


def _speaker(row: dict[str, Any], lang: str) -> str | None:
    name = _text(row, "speaker", lang)
    if not name:
        return None
    if lang == "en" or name.endswith(("氏", "様", "さん")):
        return name
    return f"{name} 氏"


def figure_source(row: dict[str, Any], lang: str = "ja") -> str:
    """'ジチタイワークス 【セミナーレポート】令和5年度予算×DX/Day1 Program1 宮坂 学 氏' from catalogue fields.

    Publisher, report (Japanese: the report's own title; English: the seminar's English title),
    programme number and speaker, as far as the row has them.
    """
    organiser = _text(row, "organiser", lang)
    if lang == "en":
        title = _text(row, "seminar_title", lang) or _text(row, "report_title", lang)
    else:
        title = _text(row, "report_title", lang) or _text(row, "seminar_title", lang)
    parts = [p for p in (organiser, title or _get(row, "seminar_id")) if p]
    program = _int_or_none(_get(row, "program"))
    if program is not None:
        parts.append(f"Program {program}" if lang == "en" else f"Program{program}")
        speaker = _speaker(row, lang)
        if speaker:
            parts.append(speaker)
    return (", " if lang == "en" else " ").join(str(p) for p in parts)


def figures_for_export(df: pd.DataFrame, lang: str = "ja") -> pd.DataFrame:
    """The machine-readable figure extract: one row per figure, plain numbers, unit and source columns.

    Input: rows of `queries.figures` (figures.csv columns, plus seminar/programme titles and
    speakers where the query adds them). Missing input columns become blank output cells.
    Headers are Japanese for lang="ja" and English otherwise (see FIGURE_COLUMNS).
    """
    from jichitai_metrics.formatting import QUALIFIER_EN

    records: list[dict[str, Any]] = []
    for row in df.to_dict("records"):
        year = _int_or_none(_get(row, "fiscal_year"))
        kind = _get(row, "kind")
        qualifier = _get(row, "qualifier")
        records.append(
            {
                "id": _get(row, "id"),
                "seminar": _text(row, "seminar_title", lang) or _get(row, "seminar_id"),
                "programme": _int_or_none(_get(row, "program")),
                "topic": _text(row, "topic", lang),
                "label": _text(row, "label", lang),
                "value": _float_or_none(_get(row, "value")),
                "unit": _get(row, "unit"),
                "qualifier": (QUALIFIER_EN.get(qualifier, qualifier) if lang == "en" else qualifier)
                if qualifier
                else None,
                "baseline": _text(row, "baseline", lang),
                "as_of": _get(row, "as_of"),
                "fiscal_year": year,
                "fiscal_year_wareki": _fiscal_year_wareki(year),
                "kind": pick(*KIND_LABELS[kind], lang) if kind in KIND_LABELS else kind,
                "quote": _get(row, "quote"),
                "source": figure_source(row, lang) or None,
                "note": _text(row, "note", lang),
                "ambiguous": _bool_or_none(_get(row, "ambiguous")),
                "derivation": _text(row, "derivation", lang),
            }
        )
    out = pd.DataFrame.from_records(records, columns=list(FIGURE_COLUMNS))
    out["programme"] = out["programme"].astype("Int64")
    out["fiscal_year"] = out["fiscal_year"].astype("Int64")
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    out["ambiguous"] = out["ambiguous"].astype("boolean")
    headers = {key: pick(ja, en, lang) for key, (ja, en) in FIGURE_COLUMNS.items()}
    return out.rename(columns=headers)
