"""The catalogue: what the report says, loaded faithfully; every malformed file named precisely."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from jichitai_metrics import catalog, queries
from jichitai_metrics.errors import CatalogError, UnknownSeminar
from tests.support import REPO_ROOT

DATA = REPO_ROOT / "data"
DAY1 = "r5-budget-dx-day1"
FIXTURE = REPO_ROOT / "tests" / "fixtures" / "extra_seminar" / "seminars" / "demo-day2"


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of data/ so each test can break one file."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def figures_csv(root: Path) -> Path:
    return root / "seminars" / DAY1 / "figures.csv"


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


# --- what the catalogue holds -------------------------------------------------------------------


def test_every_quote_occurs_verbatim_in_the_report(catalog_con, seed_report_text):
    figures = queries.figures(catalog_con, seminar_id=DAY1)
    findings = queries.findings(catalog_con, seminar_id=DAY1)
    missing = [(r.id, r.quote) for r in figures.itertuples() if r.quote not in seed_report_text]
    missing += [(r.id, r.quote) for r in findings.itertuples() if r.quote not in seed_report_text]
    assert missing == []


def test_quotes_are_short_phrases_not_paragraphs(catalog_con):
    figures = queries.figures(catalog_con)
    too_long = [(r.id, len(r.quote)) for r in figures.itertuples() if len(r.quote) > 40]
    findings = queries.findings(catalog_con)
    too_long += [(r.id, len(r.quote)) for r in findings.itertuples() if len(r.quote) > 40]
    assert too_long == []


def test_the_report_figures_named_in_the_issues_are_catalogued(catalog_con):
    by_id = queries.figures(catalog_con, seminar_id=DAY1).set_index("id")
    expected = {
        "s-registrants": (215, "人", ""),
        "p1-staff-dissatisfied": (32, "%", ""),
        "p1-staff-satisfied": (25, "%", ""),
        "p1-staff-dissatisfied-2021": (54, "%", ""),
        "p1-paper-reduction": (55, "%", "約"),
        "p1-fax-reduction": (99, "%", "約"),
        "p1-procedures-total": (28000, "プロセス", "約"),
        "p1-procedures-digital-share-target": (70, "%", "約"),
        "p1-procedures-digital-count-target": (20000, "プロセス", "約"),
        "p4-kodaira-inquiries": (25, "%", ""),
        "p4-kodaira-seats": (2, "席", ""),
        "p4-kodaira-complaints": (0.8, "%", ""),
        "p4-website-before-call": (70, "%", ""),
        "p4-return-after-failed-faq": (10, "%", "以下"),
        "p2-videos-total-intro": (100000, "本", "以上"),
        "p2-lixil-videos": (5000, "本", "約"),
        "p2-voices": (139, "種類", ""),
        "p2-municipalities-not-started": (80, "%", "約"),
        "p3-companies": (1300, "社", "約"),
        "p5-population": (31000, "人", "約"),
    }
    for fid, (value, unit, qualifier) in expected.items():
        row = by_id.loc[fid]
        assert (row["value"], row["unit"], row["qualifier"]) == pytest.approx((value, unit, qualifier)) or (
            row["value"] == pytest.approx(value) and row["unit"] == unit and row["qualifier"] == qualifier
        ), fid
    assert by_id.loc["p2-lixil-publish-time", "value"] == pytest.approx(1 / 30)
    assert by_id.loc["p2-html-video-size", "value"] == pytest.approx(1 / 10)


def test_about_thirty_or_more_quantitative_statements_across_all_five_programmes(catalog_con):
    figures = queries.figures(catalog_con, seminar_id=DAY1)
    reported = figures[figures["kind"] != "derived"]
    assert len(reported) >= 30
    assert set(figures["program"].dropna().astype(int)) == {1, 2, 3, 4, 5}


def test_derived_figures_say_how_and_match_their_arithmetic(catalog_con):
    by_id = queries.figures(catalog_con, seminar_id=DAY1).set_index("id")
    derived = by_id[by_id["kind"] == "derived"]
    assert len(derived) >= 3
    assert derived["derivation"].str.len().min() > 5
    v = by_id["value"]
    assert v["p1-staff-other-derived"] == 100 - v["p1-staff-dissatisfied"] - v["p1-staff-satisfied"]
    assert (
        v["p1-staff-dissatisfied-change-derived"]
        == v["p1-staff-dissatisfied"] - v["p1-staff-dissatisfied-2021"]
    )
    assert v["p2-lixil-videos-per-year-derived"] == v["p2-lixil-videos"] / v["p2-lixil-years"]
    assert v["p1-procedures-digital-count-check-derived"] == pytest.approx(
        v["p1-procedures-total"] * v["p1-procedures-digital-share-target"] / 100
    )


def test_ambiguous_paper_figure_is_flagged_with_both_readings(catalog_con):
    paper = queries.figures(catalog_con, text="2016年比").set_index("id").loc["p1-paper-reduction"]
    assert bool(paper["ambiguous"]) is True
    assert "55%まで削減" in paper["quote"]
    assert "45%" in paper["note_ja"] and "55%減" in paper["note_ja"]


def test_the_2021_satisfied_share_is_not_invented(catalog_con):
    labels = queries.figures(catalog_con, program=1)["label_ja"]
    assert not labels.str.contains("満足（2021").any()


def test_qualitative_findings_have_quotes(catalog_con):
    findings = queries.findings(catalog_con, seminar_id=DAY1)
    assert {"f1-tokyo-behind-on-use", "f1-tokyo-behind-on-quality"} <= set(findings["id"])
    assert findings["quote"].str.len().min() > 3


def test_search_is_width_and_case_insensitive(catalog_con):
    half = queries.figures(catalog_con, text="fax")
    full = queries.figures(catalog_con, text="ＦＡＸ")
    assert list(half["id"]) == list(full["id"]) and "p1-fax-reduction" in set(half["id"])
    assert queries.figures(catalog_con, text="存在しない語句").empty


def test_headlines_chart_members_and_outside_figures(catalog_con):
    headlines = queries.headline_figures(catalog_con, DAY1)
    assert 4 <= len(headlines) <= 6 and headlines.iloc[0]["id"] == "s-registrants"
    charted = queries.chart_figures(catalog_con, "p1-paper-fax")
    assert list(charted["id"]) == ["p1-paper-reduction", "p1-fax-reduction"]
    outside = queries.figures_outside_charts(catalog_con, DAY1)
    assert "p1-paper-reduction" not in set(outside["id"]) and "s-registrants" in set(outside["id"])


def test_unknown_ids_raise_domain_errors(catalog_con):
    with pytest.raises(UnknownSeminar):
        queries.seminar(catalog_con, "no-such-seminar")
    with pytest.raises(UnknownSeminar):
        queries.program(catalog_con, DAY1, 9)


def test_seminar_dates_and_programmes(catalog_con):
    seminar = queries.seminar(catalog_con, DAY1)
    assert str(seminar["held_on"]) == "2022-09-21" and seminar["registrants"] == 215
    assert seminar["fiscal_year"] == 2023
    programs = queries.programs(catalog_con, DAY1)
    assert list(programs["number"]) == [1, 2, 3, 4, 5]
    assert list(programs["speaker_ja"]) == [
        "宮坂 学 氏",
        "加山 緑郎 氏",
        "東郷 剛 氏",
        "赤石 輝生 氏",
        "藪内 伸彦 氏",
    ]
    assert len(queries.career(catalog_con, DAY1, 1)) == 6


# --- a second seminar is files, not code ---------------------------------------------------------


def test_a_second_seminar_is_added_by_adding_a_folder(data_copy):
    shutil.copytree(FIXTURE, data_copy / "seminars" / "demo-day2")
    con = catalog.build_catalog(data_copy)
    assert set(queries.seminars(con)["id"]) == {DAY1, "demo-day2"}
    day2 = queries.figures(con, seminar_id="demo-day2")
    assert list(day2["id"]) == ["d2-widgets", "d2-share"]
    assert len(queries.figures(con, seminar_id=DAY1)) == len(queries.figures(catalog.build_catalog(DATA)))
    assert list(queries.headline_figures(con, "demo-day2")["id"]) == ["d2-widgets"]
    assert queries.chart_figures(con, "d2-kpi")["speaker_ja"].tolist() == ["試験 太郎 氏"] * 2


# --- malformed files: one clear message naming file, line and problem ----------------------------


def test_non_numeric_value_names_file_line_and_column(data_copy):
    replace_in(figures_csv(data_copy), ",215,人,", ",二百十五,人,")
    with pytest.raises(CatalogError) as err:
        catalog.build_catalog(data_copy)
    msg = str(err.value)
    assert "figures.csv" in msg and "line 2" in msg and "'value'" in msg and "二百十五" in msg


def test_missing_column_is_reported(data_copy):
    replace_in(figures_csv(data_copy), ",quote,", ",quotation,")
    with pytest.raises(CatalogError, match=r"figures\.csv.*missing column\(s\): quote"):
        catalog.build_catalog(data_copy)


def test_duplicate_id_is_reported(data_copy):
    replace_in(figures_csv(data_copy), "s-series-days,", "s-registrants,")
    with pytest.raises(CatalogError, match="s-registrants.*more than once"):
        catalog.build_catalog(data_copy)


def test_unresolved_programme_reference_is_reported(data_copy):
    replace_in(
        figures_csv(data_copy), "p5-population,r5-budget-dx-day1,5,", "p5-population,r5-budget-dx-day1,9,"
    )
    with pytest.raises(
        CatalogError, match=r"line \d+, column 'program': programme 9 is not in seminar\.toml"
    ):
        catalog.build_catalog(data_copy)


def test_unknown_kind_and_qualifier_are_reported(data_copy):
    replace_in(figures_csv(data_copy), ",reported,申込者数:215人", ",guess,申込者数:215人")
    with pytest.raises(CatalogError, match="'guess' is not one of reported / target / derived"):
        catalog.build_catalog(data_copy)


def test_empty_quote_is_reported(data_copy):
    replace_in(figures_csv(data_copy), ",申込者数:215人,", ",,")
    with pytest.raises(CatalogError, match=r"line 2, column 'quote': is empty but required"):
        catalog.build_catalog(data_copy)


def test_derived_without_derivation_is_reported(data_copy):
    path = figures_csv(data_copy)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["id"] == "p2-lixil-videos-per-year-derived":
            row["derivation"] = ""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(CatalogError, match="derived figure must say how"):
        catalog.build_catalog(data_copy)


def test_bad_iso_date_is_reported(data_copy):
    replace_in(
        figures_csv(data_copy),
        ",2022-09-21,true,2022,reported,申込者数",
        ",令和4年9月,true,2022,reported,申込者数",
    )
    with pytest.raises(CatalogError, match="'as_of'.*not an ISO date"):
        catalog.build_catalog(data_copy)


def test_not_utf8_is_reported(data_copy):
    path = figures_csv(data_copy)
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp932", errors="replace"))
    with pytest.raises(CatalogError, match="not UTF-8"):
        catalog.build_catalog(data_copy)


def test_broken_toml_is_reported(data_copy):
    toml = data_copy / "seminars" / DAY1 / "seminar.toml"
    replace_in(toml, "registrants = 215", "registrants = = 215")
    with pytest.raises(CatalogError, match="seminar.toml: is not valid TOML"):
        catalog.build_catalog(data_copy)


def test_seminar_field_of_wrong_type_is_reported(data_copy):
    toml = data_copy / "seminars" / DAY1 / "seminar.toml"
    replace_in(toml, "registrants = 215", 'registrants = "215人"')
    with pytest.raises(CatalogError, match="'registrants' must be a whole number"):
        catalog.build_catalog(data_copy)


def test_chart_naming_an_unknown_figure_is_reported(data_copy):
    charts = data_copy / "seminars" / DAY1 / "charts.csv"
    replace_in(charts, "p1-paper-reduction p1-fax-reduction", "p1-paper-reduction p1-fax-typo")
    with pytest.raises(CatalogError, match=r"charts\.csv, line 3, column 'figure_ids': figure 'p1-fax-typo'"):
        catalog.build_catalog(data_copy)


def test_missing_data_dir_says_what_to_set(tmp_path):
    with pytest.raises(CatalogError, match="JICHITAI_DATA_DIR"):
        catalog.build_catalog(tmp_path / "nowhere")


def test_folder_name_must_match_seminar_id(data_copy):
    (data_copy / "seminars" / DAY1).rename(data_copy / "seminars" / "renamed")
    with pytest.raises(CatalogError, match="must match its folder name 'renamed'"):
        catalog.build_catalog(data_copy)


def test_every_chart_type_the_builders_draw_is_accepted(data_copy):
    # charts.csv may use `counts` (drawn like value_bars): the loader must not refuse what charts.py draws.
    from jichitai_metrics import chart_card, chart_tables, charts

    assert set(chart_tables._TABLES) == set(charts._BUILDERS) == set(catalog.CHART_TYPES)
    charts_csv = data_copy / "seminars" / DAY1 / "charts.csv"
    replace_in(
        charts_csv, ",value_bars,PIP-Makerで作成された動画の本数", ",counts,PIP-Makerで作成された動画の本数"
    )
    con = catalog.build_catalog(data_copy)
    _, (card,) = chart_card.load_cards(con, DAY1, chart_ids=["p2-videos"])
    assert card.chart_row["chart_type"] == "counts" and len(card.table) == 2


def test_figures_csv_without_the_optional_as_of_assumed_column_still_loads(data_copy):
    import pandas as pd

    path = figures_csv(data_copy)
    pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns="as_of_assumed").to_csv(
        path, index=False
    )
    figures = queries.figures(catalog.build_catalog(data_copy), seminar_id=DAY1)
    assert not figures["as_of_assumed"].any()
