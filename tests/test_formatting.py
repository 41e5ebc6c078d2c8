"""Numbers and dates the way Japanese planners read them."""

from datetime import date

import pytest

from jichitai_metrics import formatting as fmt


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (28000, "2万8,000"),
        (100000, "10万"),
        (31000, "3万1,000"),
        (20000, "2万"),
        (1300, "1,300"),
        (5000, "5,000"),
        (215, "215"),
        (0.8, "0.8"),
        (123456789, "1億2,345万6,789"),
        (-22, "-22"),
    ],
)
def test_japanese_number(value, text):
    assert fmt.japanese_number(value) == text


@pytest.mark.parametrize(
    ("args", "ja", "en"),
    [
        ((28000, "プロセス", "約"), "約2万8,000プロセス", "about 28,000 procedures"),
        ((100000, "本", "以上"), "10万本以上", "100,000 videos or more"),
        ((1 / 30, "ratio", "以下"), "1/30以下", "1/30 or less"),
        ((0.1, "ratio", "約"), "約1/10", "about 1/10"),
        ((0.25, "ratio", ""), "1/4", "1/4"),
        ((10, "%", "以下"), "10%以下", "10% or less"),
        ((55, "%", "約"), "約55%", "about 55%"),
    ],
)
def test_value_text_keeps_qualifier_on_the_right_side(args, ja, en):
    assert fmt.value_text(*args, lang="ja") == ja
    assert fmt.value_text(*args, lang="en") == en


def test_missing_value_reads_not_reported_never_zero():
    assert fmt.value_text(None, "%") == "報告なし"
    assert fmt.value_text(float("nan"), "%", lang="en") == "not reported"


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2022, 9, 21), "2022年（令和4年）9月21日（水）"),
        (date(2019, 4, 30), "2019年（平成31年）4月30日（火）"),
        (date(2019, 5, 1), "2019年（令和元年）5月1日（水）"),
        (date(1997, 6, 1), "1997年（平成9年）6月1日（日）"),
    ],
)
def test_date_ja_gives_seireki_with_wareki(day, text):
    assert fmt.date_ja(day) == text


def test_fiscal_years():
    assert fmt.fiscal_year_label(2023) == "令和5年度（2023年度）"
    assert fmt.fiscal_year_label(2011) == "平成23年度（2011年度）"
    assert fmt.fiscal_year_label(2023, "en") == "FY2023 (Apr 2023–Mar 2024)"
    assert fmt.fiscal_year_of(date(2024, 3, 31)) == 2023
    assert fmt.fiscal_year_of(date(2023, 4, 1)) == 2023
