"""CSV extracts: encodings, formula neutralisation, machine-readable cells, file names."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jichitai_metrics import export
from jichitai_metrics.export import (
    ENCODINGS,
    NEUTRALISE_PREFIX,
    csv_bytes,
    export_filename,
    neutralise_cell,
)
from jichitai_metrics.extracts import figures_for_export, figures_for_reading
from jichitai_metrics.words import COLUMN_HEADERS, FIGURE_CSV_COLUMNS

DANGEROUS_ASCII = "=+-@"
DANGEROUS_CONTROLS = "\t\r\n\x00"


def parse(result: export.CsvExport) -> list[list[str]]:
    """Decode and parse a CSV export the way a careful reader would (csv module, newline='')."""
    assert result.data, f"no bytes: {result.unencodable}"
    text = result.data.decode(result.encoding)
    return list(csv.reader(io.StringIO(text, newline="")))


def looks_dangerous(cell: str) -> bool:
    """Independent oracle (not the module's code): would a spreadsheet start a formula here?"""
    if not cell:
        return False
    if cell[0] in DANGEROUS_CONTROLS:
        return True
    for form in (cell, unicodedata.normalize("NFKC", cell)):
        stripped = form.lstrip().lstrip("\x00").lstrip()
        if stripped and stripped[0] in DANGEROUS_ASCII + "\u2212":
            return True
    return False


# --- encodings ---------------------------------------------------------------------------------


def test_utf8_sig_starts_with_bom_and_cp932_does_not():
    df = pd.DataFrame({"市区町村": ["小平市"]})
    utf8 = csv_bytes(df)
    assert utf8.encoding == "utf-8-sig"
    assert utf8.data.startswith(b"\xef\xbb\xbf")
    assert utf8.data[3:].decode("utf-8").startswith('"市区町村"')
    sjis = csv_bytes(df, "cp932")
    assert not sjis.data.startswith(b"\xef\xbb\xbf")
    assert sjis.data.decode("cp932").startswith('"市区町村"')


JAPANESE = ["小平市", "２万８千", "ｺﾀﾞｲﾗｼ ﾍﾙﾌﾟﾌｨｰﾙ", "①〜⑳ではなく①②", "髙橋・﨑・㈱", "令和5年度", "ｶﾞｷﾞｸﾞ"]


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_japanese_text_round_trips_exactly(encoding):
    texts = [t for t in JAPANESE if "〜" not in t]  # 〜 is the substitution case, tested below
    df = pd.DataFrame({"名前": texts, "値": range(len(texts))})
    result = csv_bytes(df, encoding)
    assert result.ok and result.unencodable == () and result.substituted == ()
    rows = parse(result)
    assert rows[0] == ["名前", "値"]
    assert [r[0] for r in rows[1:]] == texts
    assert [r[1] for r in rows[1:]] == [str(i) for i in range(len(texts))]
    assert result.rows == len(texts)


@pytest.mark.parametrize("char", ["𠮷", "🙂", "\u00a0", "⾰", "—"])
def test_cp932_refuses_and_lists_every_unencodable_character(char):
    with pytest.raises(UnicodeEncodeError):  # precondition: really not in CP932
        char.encode("cp932")
    df = pd.DataFrame({"店名": ["小平市", f"{char}野家", "ok"], "件数": [1, 2, 3]})
    result = csv_bytes(df, "cp932")
    assert result.data == b""
    assert not result.ok
    assert result.unencodable == (
        export.Unencodable(column="店名", row=2, char=char, codepoint=f"U+{ord(char):04X}"),
    )
    assert result.rows == 3
    # The same frame is fine in UTF-8: the page can offer that instead.
    assert parse(csv_bytes(df))[2][0] == f"{char}野家"


def test_unencodable_lists_each_cell_and_the_header():
    df = pd.DataFrame({"🙂列": ["𠮷", "a", "𠮷🙂𠮷"]})
    result = csv_bytes(df, "cp932")
    found = {(u.column, u.row, u.codepoint) for u in result.unencodable}
    assert found == {
        ("🙂列", 0, "U+1F642"),
        ("🙂列", 1, "U+20BB7"),
        ("🙂列", 3, "U+20BB7"),
        ("🙂列", 3, "U+1F642"),
    }
    assert len(result.unencodable) == 4  # one entry per distinct character per cell
    summary = {g["char"]: g for g in export.summarise_problems(result.unencodable)}
    assert summary["𠮷"]["count"] == 2 and summary["𠮷"]["rows"] == [1, 3]


def test_cp932_substitution_is_reported_not_silent():
    # Python's cp932 stores WAVE DASH 〜 as the byte pair that decodes to FULLWIDTH TILDE ～.
    assert "〜".encode("cp932").decode("cp932") == "～"
    df = pd.DataFrame({"期間": ["4月〜6月", "7月"]})
    result = csv_bytes(df, "cp932")
    assert result.ok
    assert result.substituted == (
        export.Unencodable(column="期間", row=1, char="〜", codepoint="U+301C", becomes="～"),
    )
    assert parse(result)[1] == ["4月～6月"]
    assert csv_bytes(df).substituted == ()


def test_unknown_encoding_is_a_clear_error():
    with pytest.raises(ValueError, match="shift_jis"):
        csv_bytes(pd.DataFrame({"a": [1]}), "shift_jis")


def test_mime_names_the_charset():
    df = pd.DataFrame({"a": [1]})
    assert csv_bytes(df).mime == "text/csv; charset=utf-8"
    assert csv_bytes(df, "cp932").mime == "text/csv; charset=Shift_JIS"


# --- formula neutralisation --------------------------------------------------------------------

DANGEROUS = [
    "=1+1",
    "+81 3",
    "-5",
    "@SUM(A1)",
    "\tx",
    "\rx",
    "\nx",
    "\x00x",
    "＝1+1",  # full-width
    "＋1",
    "－1",
    "＠SUM(A1)",
    "﹦1",  # small form
    "⁺1",  # superscript plus
    "⁻1",  # superscript minus: NFKC gives U+2212
    "−5",  # U+2212: CP932 stores it as －
    " =1+1",  # leading blanks some importers trim
    "\u3000＝1",
    "  \t@x",
    "=\u0338",  # NFKC composes ≠, but a spreadsheet sees "=" first
    "=",
]
SAFE = ["a=b", "小平市", "1-2", "'=already", "", " ", "2023-04-01", "≠", "~5", "〜5", "(1)"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_dangerous_text_gets_the_prefix(text):
    assert neutralise_cell(text) == NEUTRALISE_PREFIX + text


@pytest.mark.parametrize("text", SAFE)
def test_safe_text_is_unchanged(text):
    assert neutralise_cell(text) == text


@pytest.mark.parametrize(
    "value", [-5, -5.5, 0, np.int64(-3), np.float64(-0.25), True, None, dt.date(2023, 4, 1)]
)
def test_non_text_passes_unchanged(value):
    assert neutralise_cell(value) is value


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_export_neutralises_text_but_leaves_numbers_numeric(encoding):
    df = pd.DataFrame(
        {
            "text": ["-5", '=HYPERLINK("http://x")', "＠cmd", "普通"],
            "number": [-5, 3, 0, -28000],
            "ratio": [-0.5, 1 / 30, 2.0, -1e-05],
        }
    )
    data = csv_bytes(df, encoding).data.decode(encoding).lstrip("\ufeff")
    lines = data.split("\r\n")
    assert lines[1] == '"\'-5",-5,-0.5'
    assert lines[2] == '"\'=HYPERLINK(""http://x"")",3,0.03333333333333333'
    assert lines[3] == '"\'＠cmd",0,2'
    assert lines[4] == '"普通",-28000,-0.00001'


def test_headers_and_object_columns_are_neutralised_too():
    df = pd.DataFrame({"=cmd": ["x"], "mixed": pd.Series(["@x"], dtype=object)})
    rows = parse(csv_bytes(df))
    assert rows == [["'=cmd", "mixed"], ["x", "'@x"]]


# --- machine-readable cells --------------------------------------------------------------------


def test_header_is_row_one_and_lines_end_with_crlf():
    df = pd.DataFrame({"id": ["a", "b"], "本文": ["一行目\n二行目", "x"]})
    text = csv_bytes(df).data.decode("utf-8-sig")
    assert text.split("\r\n")[0] == '"id","本文"'
    assert text.endswith("\r\n")
    assert text.count("\r\n") == 3  # header + 2 records; the embedded \n stays inside quotes
    assert parse(csv_bytes(df))[1] == ["a", "一行目\n二行目"]


def test_blank_is_blank_never_zero():
    df = pd.DataFrame(
        {
            "float": [np.nan, 0.0],
            "int": pd.array([None, 0], dtype="Int64"),
            "text": [None, "0"],
            "bool": pd.array([None, False], dtype="boolean"),
            "date": pd.to_datetime([None, "2023-04-01"]),
            "obj": pd.Series([None, 0], dtype=object),
        }
    )
    lines = csv_bytes(df).data.decode("utf-8-sig").split("\r\n")
    assert lines[1] == ",,,,,"
    assert lines[2] == '0,0,"0",FALSE,2023-04-01,0'


def test_numbers_have_no_separators_units_or_exponents():
    df = pd.DataFrame({"n": [28000.0, 100000, 1234567.5, 1e-7, 0.8]})
    values = [r[0] for r in parse(csv_bytes(df))[1:]]
    assert values == ["28000", "100000", "1234567.5", "0.0000001", "0.8"]
    for v in values:
        assert float(v) in {28000.0, 100000.0, 1234567.5, 1e-7, 0.8}


def test_booleans_dates_and_times():
    tokyo = pd.Timestamp("2024-04-01 00:30", tz="UTC")
    df = pd.DataFrame(
        {
            "flag": [True, False],
            "day": pd.to_datetime(["2023-04-01", "2024-03-31"]),
            "at": pd.to_datetime(["2023-04-01 09:05:06", "2023-04-01 00:00:00"]),
            "utc": [tokyo, tokyo],
            "pydate": pd.Series([dt.date(2019, 5, 1), None], dtype=object),
        }
    )
    lines = csv_bytes(df).data.decode("utf-8-sig").split("\r\n")
    assert lines[1] == "TRUE,2023-04-01,2023-04-01 09:05:06,2024-04-01 09:30:00+09:00,2019-05-01"
    assert lines[2] == "FALSE,2024-03-31,2023-04-01 00:00:00,2024-04-01 09:30:00+09:00,"


def test_empty_frame_still_has_its_header():
    result = csv_bytes(pd.DataFrame({"項目ID": pd.Series([], dtype=str), "値": pd.Series([], dtype=float)}))
    assert result.data.decode("utf-8-sig") == '"項目ID","値"\r\n'
    assert result.rows == 0


def test_index_is_not_written():
    df = pd.DataFrame({"a": [1, 2]}, index=["x", "y"])
    assert parse(csv_bytes(df)) == [["a"], ["1"], ["2"]]


def test_suspect_prefilter_matches_unicodedata():
    # The fast pre-filter must contain every possible dangerous first character; recomputing it
    # catches a Unicode upgrade that adds a new compatibility form of = + - @.
    assert export._suspect_first_chars() == export._SUSPECT_FIRST


# --- properties --------------------------------------------------------------------------------

any_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
risky_text = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(["", " ", "\u3000", "=", "+", "-", "@", "\t", "\r", "\n", "\x00", "＝", "﹢", "−", "'"]),
    any_text,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(any_text, risky_text), min_size=1, max_size=8))
def test_any_text_comes_back_verbatim_or_prefixed_and_never_dangerous(texts):
    df = pd.DataFrame({"text": pd.Series(texts, dtype="str"), "obj": pd.Series(texts, dtype=object)})
    rows = parse(csv_bytes(df))
    assert len(rows) == len(texts) + 1
    for original, row in zip(texts, rows[1:], strict=True):
        assert row[0] == row[1]  # str and object columns take different code paths
        assert row[0] in (original, NEUTRALISE_PREFIX + original)
        assert not looks_dangerous(row[0])
        if looks_dangerous(original):
            assert row[0] == NEUTRALISE_PREFIX + original


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(any_text, risky_text), min_size=1, max_size=5))
def test_cp932_either_round_trips_or_lists_the_culprits(texts):
    df = pd.DataFrame({"text": texts})
    result = csv_bytes(df, "cp932")
    if result.ok:
        rows = parse(result)
        substituted = {u.char: u.becomes for u in result.substituted}
        for original, row in zip(texts, rows[1:], strict=True):
            expected = "".join(substituted.get(c, c) for c in original)
            assert row[0] in (expected, NEUTRALISE_PREFIX + expected)
    else:
        assert result.data == b""
        for problem in result.unencodable:
            with pytest.raises(UnicodeEncodeError):
                problem.char.encode("cp932")
            assert problem.char in texts[problem.row - 1]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.integers(-(10**15), 10**15), st.floats(allow_nan=False, allow_infinity=False)))
def test_numbers_read_back_as_the_same_number(number):
    rows = parse(csv_bytes(pd.DataFrame({"n": [number]})))
    cell = rows[1][0]
    assert "," not in cell and "e" not in cell.lower()
    assert float(cell) == float(number) or math.isclose(float(cell), float(number), rel_tol=1e-15)


# --- file names --------------------------------------------------------------------------------


def test_file_name_says_what_and_when():
    day = dt.date(2026, 11, 26)
    assert export_filename("figures", "program1", today=day) == "jichitai-figures-program1-20261126.csv"
    assert export_filename("figures", "Program", 1, today=day) == "jichitai-figures-program-1-20261126.csv"
    assert export_filename("inquiries", None, "", today=day) == "jichitai-inquiries-20261126.csv"
    assert (
        export_filename("chart", "Ｔｏｋｙｏ 紙", today=day, ext="png") == "jichitai-chart-tokyo-20261126.png"
    )
    assert export_filename("figures", "小平市", today=day) == "jichitai-figures-20261126.csv"


def test_file_name_date_is_today_in_japan():
    before = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date()
    name = export_filename("figures")
    after = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date()
    assert name in {f"jichitai-figures-{d:%Y%m%d}.csv" for d in (before, after)}


@given(st.lists(st.one_of(st.none(), st.integers(), any_text), max_size=4))
def test_file_names_are_always_ascii_safe(parts):
    name = export_filename("figures", *parts, today=dt.date(2026, 1, 2))
    assert name.isascii()
    assert all(c.isalnum() or c in "-." for c in name)
    assert name.startswith("jichitai-figures-") and name.endswith("-20260102.csv")
    assert "--" not in name


# --- figure extract ----------------------------------------------------------------------------

FIGURE_ROWS = [
    {
        "id": "tokyo-dissatisfied-now",
        "seminar_id": "2023-budget-dx-day1",
        "seminar_title_ja": "令和5年度予算×DX/Day1",
        "seminar_title_en": "FY2023 budget × DX / Day 1",
        "report_title": "【セミナーレポート】令和5年度予算×DX/Day1",
        "organiser": "ジチタイワークス",
        "program": 1,
        "speaker_ja": "宮坂 学",
        "speaker_en": "Manabu Miyasaka",
        "topic": "働く環境",
        "label_ja": "デジタル環境に不満な職員",
        "label_en": "Staff dissatisfied",
        "value": 32.0,
        "unit": "%",
        "qualifier": "約",
        "baseline": "",
        "as_of": "2022",
        "fiscal_year": 2023,
        "kind": "reported",
        "quote": "「不満」が32%",
        "note_ja": "",
        "note_en": "",
        "ambiguous": False,
        "derivation": "",
    },
    {
        "id": "seminar-level",
        "seminar_id": "2023-budget-dx-day1",
        "program": None,
        "label_ja": "未着手の自治体",
        "value": 0.0,
        "unit": "%",
        "fiscal_year": None,
        "kind": "target",
        "quote": "=cmd",
        "ambiguous": True,
    },
]


def test_figure_extract_has_japanese_headers_in_order():
    out = figures_for_export(pd.DataFrame(FIGURE_ROWS), "ja")
    assert list(out.columns) == [
        "数値ID", "セミナー", "プログラム", "テーマ", "項目", "値", "単位", "修飾語", "比較基準", "時点",
        "時点の扱い", "年度(西暦)", "年度(和暦)", "種別", "引用", "出典", "注記", "解釈注意", "算出方法",
    ]  # fmt: skip
    first = out.iloc[0]
    assert first["値"] == 32.0 and first["単位"] == "%" and first["修飾語"] == "約"
    assert first["年度(西暦)"] == 2023 and first["年度(和暦)"] == "令和5年度"
    assert first["種別"] == "報告値"
    assert (
        first["出典"] == "ジチタイワークス「【セミナーレポート】令和5年度予算×DX/Day1」 Program1 宮坂 学 氏"
    )


def test_figure_extract_csv_is_machine_readable():
    out = figures_for_export(pd.DataFrame(FIGURE_ROWS), "ja")
    rows = parse(csv_bytes(out, "cp932"))
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    second = dict(zip(header, rows[2], strict=True))
    assert first["値"] == "32" and first["単位"] == "%" and first["年度(西暦)"] == "2023"
    assert first["比較基準"] == ""  # blank stays blank
    assert second["値"] == "0"  # a real zero stays zero
    assert second["プログラム"] == "" and second["年度(西暦)"] == "" and second["年度(和暦)"] == ""
    assert second["引用"] == "'=cmd"
    assert second["解釈注意"] == "TRUE" and first["解釈注意"] == "FALSE"
    assert second["種別"] == "目標値"


def test_figure_extract_in_english():
    out = figures_for_export(pd.DataFrame(FIGURE_ROWS), "en")
    assert list(out.columns)[:6] == ["Figure ID", "Seminar", "Programme", "Topic", "Item", "Value"]
    first = out.iloc[0]
    assert first["Item"] == "Staff dissatisfied"
    assert first["Qualifier"] == "about"
    assert first["Kind"] == "reported"
    # The publisher has no English name in the row: its Japanese name is kept, not dropped.
    assert first["Source"] == (
        "ジチタイワークス, FY2023 budget × DX / Day 1 Programme 1, "
        "Manabu Miyasaka (our romanisation; the report gives 宮坂 学)"
    )
    # No English label: fall back to Japanese rather than a blank.
    assert out.iloc[1]["Item"] == "未着手の自治体"


def test_the_screen_reads_each_figure_in_seven_columns():
    """Value with its unit and qualifier, as-of with 和暦 and 年度, caveats together; same rows."""
    rows = [*FIGURE_ROWS, {**FIGURE_ROWS[0], "id": "d", "kind": "derived", "derivation": "100% − 57%",
                           "baseline": "2016", "note_ja": "調査月は不明"}]  # fmt: skip
    out = figures_for_reading(pd.DataFrame(rows), "ja")
    assert list(out.columns) == ["項目", "値", "時点・年度", "種別", "引用", "注記", "出典"]
    assert out["項目"].tolist() == figures_for_export(pd.DataFrame(rows), "ja")["項目"].tolist()
    first, seminar_level, derived = (out.iloc[i] for i in range(3))
    assert first["値"] == "約32%" and first["種別"] == "報告値" and first["注記"] == ""
    assert first["時点・年度"] == "2022年（令和4年）、令和5年度（2023年度）"
    assert first["出典"].endswith("Program1 宮坂 学 氏") and first["引用"] == "「不満」が32%"
    # Ambiguous, with no note of its own: the reader is still told to take care.
    assert seminar_level["注記"] == "⚠ 解釈注意：レポートの表現が曖昧です。"
    assert seminar_level["値"] == "0%" and seminar_level["出典"] == "セミナー全体"
    assert derived["種別"] == "算出値"
    assert derived["注記"] == "調査月は不明 ／ 比較基準：2016年（平成28年）比 ／ 算出方法：100% − 57%"
    english = figures_for_reading(pd.DataFrame(rows), "en")
    assert list(english.columns) == [
        "Item",
        "Value",
        "As of / fiscal year",
        "Kind",
        "Quote",
        "Note",
        "Source",
    ]
    assert english.iloc[0]["Value"] == "about 32%" and english.iloc[1]["Note"].startswith("⚠ Ambiguous: ")


@pytest.mark.parametrize(
    "frame", [pd.DataFrame(), pd.DataFrame({"id": ["x"]}), pd.DataFrame({"value": ["n/a"]})]
)
def test_figure_extract_degrades_to_blanks(frame):
    out = figures_for_export(frame, "ja")
    assert len(out) == len(frame)
    assert len(out.columns) == len(FIGURE_CSV_COLUMNS)
    result = csv_bytes(out)
    assert result.ok and result.rows == len(frame)


# --- the real catalogue ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_catalogue_figure_exports_with_number_unit_and_source(catalog_con, lang):
    from jichitai_metrics import queries

    figures = queries.figures(catalog_con.cursor())
    assert len(figures) > 0
    out = figures_for_export(figures, lang)
    value_col, unit_col, source_col, id_col = (
        pick_header(key, lang) for key in ("value", "unit", "source", "figure_id")
    )
    for encoding in ENCODINGS:
        result = csv_bytes(out, encoding)
        assert result.rows == len(figures)
        if encoding == "cp932" and lang == "en" and not result.ok:
            # English labels use typography CP932 lacks (– U+2013): refused and listed, never replaced.
            assert result.data == b""
            for problem in result.unencodable:
                with pytest.raises(UnicodeEncodeError):
                    problem.char.encode("cp932")
            continue
        # The Japanese extract must open in Shift_JIS Excel; UTF-8 holds anything.
        assert result.ok, result.unencodable
        rows = parse(result)
        header, body = rows[0], rows[1:]
        assert len(body) == len(figures)
        records = [dict(zip(header, r, strict=True)) for r in body]
        by_id = {r[id_col]: r for r in records}
        for fig in figures.to_dict("records"):
            record = by_id[fig["id"]]
            if pd.isna(fig["value"]):
                assert record[value_col] == ""
            else:
                assert float(record[value_col]) == pytest.approx(fig["value"], rel=1e-15)
            assert record[unit_col] == fig["unit"]
            assert record[source_col] != ""


def pick_header(key: str, lang: str) -> str:
    ja, en = COLUMN_HEADERS[key]
    return en if lang == "en" else ja


# --- Arrow tables (the inbox's 1M-row export path) -----------------------------------------------


def test_cp932_substitution_set_matches_the_codec():
    # The CP932 export screens for these characters instead of decoding the whole file again;
    # recomputing them catches a codec change that adds another silent substitution.
    assert export._cp932_substituted_chars() == export._CP932_SUBSTITUTED


def _mixed_frame() -> pd.DataFrame:
    """Every column kind the writer formats, with blanks, quotes and formulas in different rows."""
    n = 11
    utc = pd.Timestamp("2024-03-31 15:30:00.75", tz="UTC")
    return pd.DataFrame(
        {
            "本文": pd.Series(
                [
                    "=1+1",
                    'say "hi"',
                    "普通",
                    "＝SUM(A1)",
                    " -2",
                    "4月〜6月",
                    "",
                    "\t tab",
                    "ok",
                    "−5",
                    "改行\nあり",
                ],
                dtype="str",
            ),
            "blank_in_one": pd.Series(["a"] * 10 + [None], dtype="str"),
            "n": pd.array(list(range(-5, 6)), dtype="Int64"),
            "x": [0.5, np.nan, 1e-7, -0.0, 28000.0, 1e21, 3.25, np.nan, 2.0, -1.5, 0.1],
            "flag": pd.array([True, False, None] * 3 + [True, False], dtype="boolean"),
            "at": [utc + pd.Timedelta(hours=h) for h in range(n)],
            "day": pd.to_datetime(["2023-04-01"] * 10 + [None]),
            "stamp": pd.to_datetime(["2023-04-01 00:00:00"] * 10 + ["2023-04-01 00:00:01"]),
            "pydate": pd.Series([dt.date(2019, 5, 1)] * 5 + [None] * 6, dtype=object),
        }
    )


@pytest.mark.parametrize("slice_rows", [1, 3, 1000])
@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_arrow_table_writes_the_same_bytes_as_the_dataframe(monkeypatch, encoding, slice_rows):
    # Small slices force the threaded, sliced path: each slice must follow whole-column rules
    # (the "day" column is all midnights except a blank in the last slice; "stamp" is not).
    monkeypatch.setattr(export, "_SLICE_ROWS", slice_rows)
    monkeypatch.setattr(export, "_CP932_SLICE_ROWS", 2)
    df = _mixed_frame()
    from_table = csv_bytes(pa.Table.from_pandas(df, preserve_index=False), encoding)
    from_frame = csv_bytes(df, encoding)
    assert from_table == from_frame
    lines = from_table.data.decode(encoding).split("\r\n")
    assert lines[1].startswith(
        '"\'=1+1","a",-5,0.5,TRUE,2024-04-01 00:30:00+09:00,2023-04-01,2023-04-01 00:00:00,'
    )
    assert lines[-2].endswith(",,2023-04-01 00:00:01,")  # blank text stays blank, not ""


def test_arrow_table_rows_neutralised_in_every_slice(monkeypatch):
    monkeypatch.setattr(export, "_SLICE_ROWS", 4)
    texts = ["=A1", "safe", "+1", "@x", "-1", "＝1", "\r", "ok", "\u3000=1"] * 5
    rows = parse(csv_bytes(pa.table({"t": texts})))
    assert [r[0] for r in rows[1:]] == [NEUTRALISE_PREFIX + t if looks_dangerous(t) else t for t in texts]
    assert sum(looks_dangerous(t) for t in texts) == 35


def test_cp932_problems_are_numbered_by_record_in_a_sliced_table(monkeypatch):
    # Only failing slices and rows with a substituted character are rescanned: the row numbers
    # must still be the record numbers of the whole file.
    monkeypatch.setattr(export, "_SLICE_ROWS", 3)
    monkeypatch.setattr(export, "_CP932_SLICE_ROWS", 2)
    texts = ["a"] * 20
    texts[6], texts[13], texts[17] = "吉野家", "𠮷野家", "4月〜6月"
    result = csv_bytes(pa.table({"名前": texts, "n": list(range(20))}), "cp932")
    assert not result.ok and result.data == b""
    assert [(u.column, u.row, u.char) for u in result.unencodable] == [("名前", 14, "𠮷")]
    assert [(u.row, u.char, u.becomes) for u in result.substituted] == [(18, "〜", "～")]
    texts[13] = "吉野家"
    ok = csv_bytes(pa.table({"名前": texts, "n": list(range(20))}), "cp932")
    assert ok.ok and [(u.row, u.char) for u in ok.substituted] == [(18, "〜")]
    assert parse(ok)[18] == ["4月～6月", "17"]


def test_cp932_substitution_in_the_header_is_reported():
    result = csv_bytes(pa.table({"期間〜": ["x"]}), "cp932")
    assert result.ok and [(u.column, u.row, u.char) for u in result.substituted] == [("期間〜", 0, "〜")]


def test_neutralise_array_agrees_with_neutralise_cell():
    texts = ["=1", "ok", None, "＋1", "\x00x", " @a", "", "a=b", "−"]
    out = export.neutralise_array(pa.array(texts)).to_pylist()
    assert out == [None if t is None else neutralise_cell(t) for t in texts]
