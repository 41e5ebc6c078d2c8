"""The Japanese number scanner over real phrasings, each written out by hand with what it must read."""

from __future__ import annotations

import pytest

from jichitai_metrics.draft.numbers import (
    find_dates,
    find_quantities,
    infer_year,
    parse_number,
    parse_quantity,
)

# phrase, value, unit, qualifier  (the first quantity in the phrase)
PHRASES = [
    ("申込者数:215人", 215, "人", ""),
    ("申込者数:２１５人", 215, "人", ""),  # full-width digits
    ("約2万8000プロセスの手続き", 28000, "プロセス", "約"),
    ("約2万8,000プロセス", 28000, "プロセス", "約"),
    ("人口約3万1,000人の小さな町", 31000, "人", "約"),
    ("人口約3万1千人", 31000, "人", "約"),
    ("人口約３万１千人", 31000, "人", "約"),
    ("予算は1億2000万円", 120000000, "円", ""),
    ("二万八千件の申請", 28000, "件", ""),
    ("三つの柱", 3, "つ", ""),
    ("不満32%、満足25%", 32, "%", ""),
    ("割合は７０％", 70, "%", ""),
    ("約8割の自治体がDXに未着手", 80, "%", "約"),
    ("8割5分", 85, "%", ""),
    ("一般的な動画の1/10ほど", 0.1, "ratio", "約"),
    ("時間を1/30以下に短縮", 1 / 30, "ratio", "以下"),
    ("全体の3分の1ほど", 1 / 3, "ratio", "約"),
    ("4人に1人が後期高齢者", 0.25, "ratio", ""),
    ("10万本以上の動画", 100000, "本", "以上"),
    ("累計約10万本", 100000, "本", "約"),
    ("10%以下と言われています", 10, "%", "以下"),
    ("5人未満の係", 5, "人", "未満"),
    ("100件を超える相談", 100, "件", "超"),
    ("40以上のさまざまなクラウドサービス", 40, "", "以上"),  # no unit: flagged, not guessed
    ("10年ほど使っていただいて", 10, "年", "約"),
    ("70%(約2万プロセス)ほど", 70, "%", "約"),  # ほど after an aside
    ("およそ300人", 300, "人", "約"),
    ("前年より2.5ポイント上昇", 2.5, "ポイント", ""),
    ("費用は3倍", 3, "倍", ""),
    ("約半分のユーザー", 50, "%", "約"),
    ("月に1度の打ち合わせ", 1, "回/月", ""),
    ("ステップ1~5まで", 5, "ステップ", ""),
    ("4年間で約5,000本", 4, "年", ""),
    ("139種類の合成音", 139, "種類", ""),
    ("苦情の比率が0.8%", 0.8, "%", ""),
    ("７自治体がお互いに", 7, "自治体", ""),
]


@pytest.mark.parametrize(("phrase", "value", "unit", "qualifier"), PHRASES)
def test_phrasings_read_as_written(phrase, value, unit, qualifier):
    q = parse_quantity(phrase)
    assert q is not None, phrase
    assert q.value == pytest.approx(value), phrase
    assert (q.unit, q.qualifier) == (unit, qualifier), phrase
    assert phrase[q.start : q.end] == q.text  # the span is the original text, not a normalised copy


def test_juusuu_is_a_range_and_a_note_not_a_guess():
    q = parse_quantity("十数人の職員")
    assert q.value is None and (q.low, q.high) == (11, 19) and q.unit == "人"
    assert any("十数" in n for n in q.notes)


def test_age_ranges_keep_both_ends():
    q = parse_quantity("10代~70代を対象に")
    assert q.kind == "range" and (q.low, q.high) == (10, 70) and q.value is None and q.unit == "代"
    q = parse_quantity("20〜70歳代平均")
    assert (q.low, q.high, q.unit) == (20, 70, "歳代")


def test_made_until_vs_made_by_is_flagged():
    until = parse_quantity("2016年比で約55%まで削減できました")
    by = parse_quantity("2019年比で約99%削減することができました")
    assert any("まで削減" in n for n in until.notes)
    assert not any("まで削減" in n for n in by.notes)
    # a level in minutes is not ambiguous: 「15分まで短縮」 says where it ended up
    to_15 = [q for q in find_quantities("約45分から15分まで短縮") if q.text == "15分"]
    assert len(to_15) == 1 and to_15[0].notes == ()
    assert any("まで削減" in n for n in parse_quantity("紙を30%に削減").notes)


@pytest.mark.parametrize(
    ("phrase", "iso", "fiscal_year"),
    [
        ("令和5年度予算", "2023", 2023),
        ("令和元年9月", "2019-09", None),
        ("平成23年度より", "2011", 2011),
        ("2021年4月に", "2021-04", None),
        ("令和2年12月に策定", "2020-12", None),
        ("昭和64年", "1989", None),
        ("2022年9月21日(水)", "2022-09-21", None),
        ("10月24日に承認", "--10-24", None),
    ],
)
def test_dates_wareki_and_fiscal_years(phrase, iso, fiscal_year):
    d = find_dates(phrase)[0]
    assert (d.iso, d.fiscal_year) == (iso, fiscal_year)


def test_a_wrong_weekday_is_noted():
    assert find_dates("2022年9月21日(水)")[0].notes == ()
    assert "曜日が合わない" in find_dates("2022年9月21日(木)")[0].notes[0]


def test_year_of_a_weekday_date():
    assert infer_year(9, 21, "水", 2022) == 2022
    assert infer_year(10, 4, "水", 2023) == 2023
    assert infer_year(9, 21, "X", 2022) is None


@pytest.mark.parametrize(
    "text",
    [
        "Windows95が発売",
        "Program1",
        "TEL:092-716-1480",
        "ASPコード:A831571",
        "050番号を付与",
        "許可※1が出て",
        "上の図2をご覧",
        "2.0版に改定",
        "1)あのテレワーク",
        "一方で、",
        "十分な予算",
        "二次元コード",
        "三層の構え",
        "1人当たり業務量",
        "顔写真を1枚アップ",
        "もう1つは",
        "180°転換",
    ],
)
def test_identifiers_and_idioms_are_not_figures(text):
    assert find_quantities(text) == []


def test_parse_number_rejects_non_numbers():
    assert parse_number("2万8,000") == 28000
    assert parse_number("一億二千万") == 120000000
    assert parse_number("") is None and parse_number("abc") is None


def test_more_than_half_is_fifty_with_over_not_a_guess():
    q = parse_quantity("過半数の自治体")
    assert (q.value, q.unit, q.qualifier) == (50, "%", "超")
