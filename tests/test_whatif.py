"""What-if: factors come from the catalogue, every number carries its assumption and quote."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichitai_metrics import export, queries, whatif

SEMINAR = "r5-budget-dx-day1"


@pytest.fixture(scope="module")
def figures(catalog_con) -> pd.DataFrame:
    return queries.figures(catalog_con, seminar_id=SEMINAR)


@pytest.fixture(scope="module")
def factors(catalog_con, figures):
    return whatif.factors_from(figures, queries.programs(catalog_con, SEMINAR))


def _fig(figures: pd.DataFrame, fid: str) -> dict:
    return figures[figures["id"] == fid].iloc[0].to_dict()


ALL = {
    "inquiries": "12000",
    "cost_per_call": "800",
    "fax_pages": "50000",
    "paper_sheets": "3000000",
    "procedures": "1500",
}


def test_factors_are_the_catalogue_values(figures, factors):
    for key, fid in whatif.FIGURE_IDS.items():
        row = _fig(figures, fid)
        assert factors[key].percent == row["value"]
        assert factors[key].quote == row["quote"]
        assert factors[key].qualifier == (row["qualifier"] or "")


def test_results_follow_the_catalogue_not_constants(figures, catalog_con):
    # Change the Kodaira figure in a copy of the catalogue: the result must move with it.
    changed = figures.copy()
    fid = whatif.FIGURE_IDS["inquiries"]
    changed.loc[changed["id"] == fid, "value"] = 40.0
    f = whatif.factors_from(changed)
    out = whatif.compute({"inquiries": 1000.0}, f)
    assert out.loc[out["key"] == "inquiries", "after"].item() == 600.0


def test_arithmetic_per_item(factors):
    # Expected values worked out by hand from the report's figures, not with the module's formula:
    # Kodaira cut inquiries by 25%, fax use fell by about 99%, the target is about 70% of
    # procedures, and paper fell "to" or "by" about 55% (both readings).
    values, errors = whatif.parse_inputs(ALL)
    assert errors == []
    out = whatif.compute(values, factors).set_index("key")
    assert out.loc["inquiries", "after"] == 9_000  # 12,000 − 25% of 12,000 (3,000)
    assert out.loc["inquiries", "change"] == -3_000
    assert out.loc["call_cost", "before"] == 9_600_000  # 12,000 calls × 800 yen
    assert out.loc["call_cost", "after"] == 7_200_000  # 9,000 calls × 800 yen
    assert out.loc["fax", "after"] == 500  # 1% of 50,000 pages left
    assert out.loc["procedures", "after"] == 1_050  # 70% of 1,500 procedures
    assert pd.isna(out.loc["procedures", "change"])  # a target share is not a change
    # The ambiguous paper figure: both readings, never one chosen silently.
    assert out.loc["paper_to", "after"] == 1_650_000  # down TO 55% of 3,000,000
    assert out.loc["paper_by", "after"] == 1_350_000  # down BY 55%: 45% of 3,000,000 left


def test_every_row_states_its_assumption_and_source(figures, factors):
    values, _ = whatif.parse_inputs(ALL)
    out = whatif.compute(values, factors)
    assert len(out) == 6
    for row in out.to_dict("records"):
        fig = _fig(figures, row["figure_id"])
        assert row["quote"] == fig["quote"] and row["quote"]
        assert row["source"].startswith("出典：Program")
        assert row["assumption"]
        assert "予測ではありません" in row["caveat"]
    paper_rows = out[out["key"].str.startswith("paper")]
    assert all("2通り" in a for a in paper_rows["assumption"])


def test_result_read_aloud_in_each_language(catalog_con, figures):
    values, _ = whatif.parse_inputs({"inquiries": "12000"})
    en = whatif.factors_from(figures, queries.programs(catalog_con, SEMINAR), "en")
    row = whatif.compute(values, en, "en").iloc[0].to_dict()
    assert whatif.result_text(row, "en") == "12,000 calls/year → about 9,000 calls/year (−3,000)"
    ja = whatif.factors_from(figures, queries.programs(catalog_con, SEMINAR))
    row = whatif.compute(values, ja).iloc[0].to_dict()
    assert whatif.result_text(row) == "1万2,000件/年 → 約9,000件/年（−3,000）"


def test_blank_inputs_leave_rows_out(factors):
    out = whatif.compute({"fax_pages": 100.0}, factors)
    assert list(out["key"]) == ["fax"]
    assert whatif.compute({}, factors).empty


def test_unambiguous_to_reading_gives_one_row(figures):
    changed = figures.copy()
    changed.loc[changed["id"] == whatif.FIGURE_IDS["paper"], "ambiguous"] = False
    out = whatif.compute({"paper_sheets": 1000.0}, whatif.factors_from(changed))
    # The quote says 「まで」, so without the ambiguity flag only the "down TO" reading remains.
    assert list(out["key"]) == ["paper_to"]


def test_missing_or_non_percent_figure_is_refused(figures):
    with pytest.raises(whatif.FactorError, match="p4-kodaira-inquiries"):
        whatif.factors_from(figures[figures["id"] != "p4-kodaira-inquiries"])
    changed = figures.copy()
    changed.loc[changed["id"] == whatif.FIGURE_IDS["fax"], "unit"] = "件"
    with pytest.raises(whatif.FactorError, match="percentage"):
        whatif.factors_from(changed)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12000", 12000),
        ("12,000", 12000),
        ("１２，０００", 12000),
        (" 12000 ", 12000),
        ("1万2000", 12000),
        ("2万8,000", 28000),
        ("３万", 30000),
        ("12000件", 12000),
        ("0", 0),
        ("", None),
        (None, None),
    ],
)
def test_parse_amount_accepts(text, expected):
    assert whatif.parse_amount(text, whatif.FIELD_BY_KEY["inquiries"]) == expected


def test_parse_cost_accepts_decimals():
    assert whatif.parse_amount("８５０．５円", whatif.FIELD_BY_KEY["cost_per_call"]) == 850.5


@pytest.mark.parametrize(
    "text, message",
    [
        ("-5", "マイナス"),
        ("－５", "マイナス"),
        ("▲100", "マイナス"),
        ("abc", "数字で入力"),
        ("12.5", "整数"),
        ("1e5", "数字で入力"),
        ("100000001", "上限"),
        ("1万万", "数字で入力"),
    ],
)
def test_parse_amount_rejects_with_a_japanese_message(text, message):
    with pytest.raises(whatif.InputError, match=message) as exc:
        whatif.parse_amount(text, whatif.FIELD_BY_KEY["inquiries"])
    assert "電話での問い合わせ件数" in str(exc.value)


def test_parse_inputs_collects_every_error():
    values, errors = whatif.parse_inputs({"inquiries": "-1", "fax_pages": "x", "procedures": "10"})
    assert values["inquiries"] is None and values["fax_pages"] is None and values["procedures"] == 10
    assert len(errors) == 2


def test_english_messages():
    with pytest.raises(whatif.InputError, match="negative"):
        whatif.parse_amount("-1", whatif.FIELD_BY_KEY["inquiries"], lang="en")


@given(st.integers(min_value=0, max_value=100_000_000))
def test_parse_round_trips_formatted_integers(n):
    field = whatif.FIELD_BY_KEY["inquiries"]
    full_width = f"{n:,}".translate(str.maketrans("0123456789,", "０１２３４５６７８９，"))
    assert whatif.parse_amount(f"{n:,}", field) == n
    assert whatif.parse_amount(full_width, field) == n


def test_csv_goes_through_the_shared_export(factors):
    values, _ = whatif.parse_inputs(ALL)
    frame = whatif.csv_frame(whatif.compute(values, factors))
    out = export.csv_bytes(frame)
    assert out.ok
    rows = list(csv.reader(io.StringIO(out.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["項目", "読み方", "入力値"]
    assert len(rows) == 7
    assert any("問い合わせを25%削減" in cell for cell in rows[1])


def test_chart_has_one_panel_per_result(factors):
    values, _ = whatif.parse_inputs(ALL)
    out = whatif.compute(values, factors)
    spec = whatif.chart(out).to_dict()
    items = {r["item"] for r in spec["datasets"][next(iter(spec["datasets"]))]}
    assert len(items) == len(out)
    assert spec["resolve"]["scale"]["x"] == "independent"
