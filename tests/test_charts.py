"""Chart builders: the right rows, "not reported" never zero, units on axes, sources in captions."""

from __future__ import annotations

import json
import math
import re

import altair as alt
import pandas as pd
import pytest

from jichitai_metrics import chart_tables, charts, queries, words
from jichitai_metrics.chart_card import ChartCaption, build_chart_card

SEMINAR = "r5-budget-dx-day1"


@pytest.fixture(scope="module")
def all_figures(catalog_con) -> pd.DataFrame:
    return queries.figures(catalog_con, seminar_id=SEMINAR)


@pytest.fixture(scope="module")
def chart_rows(catalog_con) -> dict[str, dict]:
    frame = queries.charts(catalog_con, SEMINAR)
    return {r["chart_id"]: r for r in frame.to_dict("records")}


def _card(row: dict, figures: pd.DataFrame, lang: str = "ja", program: dict | None = None):
    return build_chart_card(row, figures, program, None, lang)


def _spec(row: dict, figures: pd.DataFrame, lang: str = "ja") -> dict:
    return _card(row, figures, lang).spec(charts.DEFAULT_WIDTH)


def _caption(row: dict, figures: pd.DataFrame, program: dict | None, lang: str = "ja") -> ChartCaption:
    return _card(row, figures, lang, program).caption


def _by_type(chart_rows: dict[str, dict], chart_type: str) -> dict:
    found = [r for r in chart_rows.values() if r["chart_type"] == chart_type]
    assert found, f"the catalogue has no {chart_type} chart"
    return found[0]


def _walk(node):
    """Every dict inside a Vega-Lite spec."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def _data_rows(spec: dict) -> list[dict]:
    rows = []
    for d in _walk(spec):
        if isinstance(d.get("values"), list):  # inline data (an axis's tick "values" are numbers)
            rows.extend(v for v in d["values"] if isinstance(v, dict))
    for values in spec.get("datasets", {}).values():
        rows.extend(values)
    return rows


def _axis_titles(spec: dict) -> list[str]:
    return [d["title"] for d in _walk(spec) if d.get("field") == "value" and isinstance(d.get("title"), str)]


# --- share comparison: the 2021 satisfied share is not in the report ------------------------------


def test_share_grid_marks_missing_cell_not_reported_never_zero(chart_rows, all_figures):
    row = _by_type(chart_rows, "share_comparison")
    table = chart_tables.chart_table(row, all_figures, "ja")
    missing = table[table["status"] == "not_reported"]
    assert len(missing) == 1
    cell = missing.iloc[0]
    assert cell["item"] == "満足" and "2021" in cell["series"]
    assert math.isnan(cell["value"]), "a cell the report does not give must be blank, not 0"
    assert cell["value_text"] == "報告なし"
    reported = table[table["status"] == "reported"].set_index(["item", "series"])["value"].to_dict()
    assert reported == {("不満", "今回調査"): 32.0, ("満足", "今回調査"): 25.0, ("不満", "2021年調査"): 54.0}


def test_share_chart_draws_no_bar_for_not_reported(chart_rows, all_figures):
    row = _by_type(chart_rows, "share_comparison")
    spec = _spec(row, all_figures, "ja")
    data = _data_rows(spec)
    nr = [d for d in data if d["status"] == "not_reported"]
    assert nr and all(d["value"] is None for d in nr)
    bar_layers = [lay for lay in spec["layer"] if (lay.get("mark") or {}).get("type") == "bar"]
    assert bar_layers, "a share chart draws bars"
    for lay in bar_layers:
        assert any("not_reported" in json.dumps(t) for t in lay.get("transform", [])), (
            "bars must skip 報告なし"
        )
    assert "割合（%）" in _axis_titles(spec)
    en = _spec(row, all_figures, "en")
    assert any(d["value_text"] == "not reported" for d in _data_rows(en))
    assert "Share (%)" in _axis_titles(en)


def test_share_caption_says_not_reported_is_not_zero(chart_rows, all_figures, catalog_con):
    row = _by_type(chart_rows, "share_comparison")
    program = queries.program(catalog_con, SEMINAR, int(row["program"]))
    caption = _caption(row, all_figures, program, "ja")
    text = caption.text()
    assert "0ではありません" in text
    assert (
        caption.source.startswith("出典：") and "宮坂 学" in caption.source and "Program1" in caption.source
    )
    assert "「不満32%」" in text and "「満足25%」" in text
    assert "2021年（令和3年）" in text  # 西暦 with 和暦


# --- baseline change: each against its own baseline; paper shown in both readings -----------------


def test_baseline_change_shows_both_readings_of_the_ambiguous_paper_cut(chart_rows, all_figures):
    row = _by_type(chart_rows, "baseline_change")
    table = chart_tables.chart_table(row, all_figures, "ja")
    paper = table[table["figure_id"] == "p1-paper-reduction"]
    assert sorted(paper.loc[paper["status"] != "baseline", "value"]) == [45.0, 55.0]
    # Both readings are drawn alike (neither is "the" reported value), and the derivation puts no
    # words in quote marks that the report does not use (it says 「約55%まで削減」, never 「約55%削減」).
    readings = paper[paper["status"] != "baseline"]
    assert set(readings["status"]) == {"reading"}
    b = readings[readings["value"] == 45.0].iloc[0]
    assert "100 − 55 = 45" in b["derivation"] and "「約55%削減」" not in b["derivation"]
    en = chart_tables.chart_table(row, all_figures, "en")
    en_b = en[(en["figure_id"] == "p1-paper-reduction") & (en["value"] == 45.0)].iloc[0]
    assert en_b["derivation"].startswith("If reading B"), "English must not state one reading as fact"
    assert set(paper.loc[paper["status"] != "baseline", "series"].str[:4]) == {"読み方A", "読み方B"}
    # Each figure's baseline bar names its own year: never one shared axis of years.
    baselines = table[table["status"] == "baseline"]["series"].tolist()
    assert any("2016年" in b for b in baselines) and any("2019年" in b for b in baselines)
    fax = table[(table["figure_id"] == "p1-fax-reduction") & (table["status"] != "baseline")]
    assert fax["value"].tolist() == [1.0] and fax["status"].tolist() == ["derived"]


def test_baseline_change_caption_flags_ambiguity_and_derivation(chart_rows, all_figures):
    row = _by_type(chart_rows, "baseline_change")
    caption = _caption(row, all_figures, None, "ja")
    assert any(n.startswith("⚠ 解釈注意") for n in caption.notes)
    assert any("100 − 99 = 1" in d for d in caption.derived)
    assert any("2016年（平成28年）比" in b for b in caption.baselines)
    spec = _spec(row, all_figures, "ja")
    assert any(
        "⚠解釈注意" in d["value_text"]
        for d in _data_rows(spec)
        if d["figure_id"] == "p1-paper-reduction" and d["status"] != "baseline"
    )
    assert "基準年を100とした量（指数）" in _axis_titles(spec)


# --- target progress: about 28,000 procedures, 70% ≈ 20,000 by 令和5年度 --------------------------


def test_target_progress_counts_and_fiscal_year(chart_rows, all_figures):
    row = _by_type(chart_rows, "target_progress")
    spec = _spec(row, all_figures, "ja")
    data = _data_rows(spec)
    assert sorted(d["value"] for d in data) == [20000.0, 28000.0], "only counts are drawn as bars"
    labels = {d["label_text"] for d in data}
    assert "約2万8,000プロセス" in labels
    assert "約2万プロセス（全体の約70%）" in labels
    assert "期限：令和5年度（2023年度）末まで" in json.dumps(spec, ensure_ascii=False)
    assert "数（プロセス）" in _axis_titles(spec)
    en = _spec(row, all_figures, "en")
    assert "FY2023" in json.dumps(en, ensure_ascii=False)


# --- ratios: 1/30 or less and about 1/10 against "usual = 1" ------------------------------------


def test_ratio_chart_compares_with_one_and_keeps_qualifiers(chart_rows, all_figures):
    row = _by_type(chart_rows, "ratio")
    table = chart_tables.chart_table(row, all_figures, "ja")
    reported = table[table["status"] == "reported"].set_index("figure_id")
    assert reported.loc["p2-lixil-publish-time", "value_text"] == "1/30以下"
    assert reported.loc["p2-html-video-size", "value_text"] == "約1/10"
    assert (table.loc[table["status"] == "baseline", "value"] == 1.0).all()
    spec = _spec(row, all_figures, "ja")
    assert "相対値（比較対象 = 1）" in _axis_titles(spec)
    # The file-size bar compares with 「一般的な動画」, not with "before".
    refs = table[table["status"] == "baseline"].set_index("figure_id")["series"]
    assert refs["p2-html-video-size"] == "一般的な動画 = 1"


# --- value bars and tiles ---------------------------------------------------------------------


def test_value_bars_use_one_unit_and_fall_back_to_tiles_for_mixed_units(chart_rows, all_figures):
    row = _by_type(chart_rows, "value_bars")
    spec = _spec(row, all_figures, "ja")
    unit = chart_tables.chart_table(row, all_figures, "ja")["unit"].iloc[0]
    assert any(t.endswith(f"（{unit}）") for t in _axis_titles(spec))
    mixed = {**row, "figure_ids": "p1-core-projects p5-population"}
    mixed_spec = _spec(mixed, all_figures, "ja")
    assert not _axis_titles(mixed_spec), "different units must not share an axis"
    marks = [(lay.get("mark") or {}).get("type") for lay in mixed_spec["layer"]]
    assert marks == ["rect", "text", "text"]
    values = {d["value_text"] for d in _data_rows(mixed_spec)}
    assert values == {"7つ", "約3万1,000人"}


def test_unknown_type_and_missing_figure_are_named(chart_rows, all_figures):
    row = _by_type(chart_rows, "kpi")
    with pytest.raises(chart_tables.ChartDataError, match="unknown chart_type 'pie'"):
        chart_tables.chart_table({**row, "chart_type": "pie"}, all_figures)
    with pytest.raises(chart_tables.ChartDataError, match="no-such-figure"):
        chart_tables.chart_table({**row, "figure_ids": "no-such-figure"}, all_figures)


# --- every chart of the catalogue ---------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_catalogue_chart_builds_with_tooltips_palette_and_sources(chart_rows, all_figures, lang):
    allowed = {
        c.upper() for c in (*charts.PALETTE, charts.GREY, charts.GREY_TEXT, charts.TEXT, "#F0F2F6", "#B8BCC6")
    }
    for chart_id, row in chart_rows.items():
        spec = _spec(row, all_figures, lang)
        text = json.dumps(spec, ensure_ascii=False)
        assert spec["usermeta"]["chart_id"] == chart_id
        assert '"tooltip"' in text, chart_id
        tooltip_fields = {
            t["field"] for d in _walk(spec) for t in d.get("tooltip", []) if isinstance(t, dict)
        }
        assert {"item", "value_text", "quote"} <= tooltip_fields, chart_id
        colours = {c.upper() for c in re.findall(r"#[0-9A-Fa-f]{6}", text)}
        assert colours <= allowed, f"{chart_id} uses colours outside the palette: {colours - allowed}"
        # Japanese title in Japanese, English title in English.
        assert charts.chart_title(row, lang) in text
        table = chart_tables.chart_table(row, all_figures, lang)
        shown = {d["figure_id"] for d in _data_rows(spec) if d.get("figure_id")}
        expected = set(chart_tables.figure_ids(row))
        if row["chart_type"] == "share_comparison":
            expected = {i for i in expected if "derived" not in i}
        assert expected <= shown | set(table["figure_id"]), chart_id
        caption = _caption(row, all_figures, None, lang)
        for fid in chart_tables.figure_ids(row):
            quote = all_figures.loc[all_figures["id"] == fid, "quote"].iloc[0]
            assert quote in caption.text(), f"{chart_id}: quote of {fid} missing from caption"


def test_numbers_read_the_japanese_way(chart_rows, all_figures):
    texts = set()
    for row in chart_rows.values():
        texts |= set(chart_tables.chart_table(row, all_figures, "ja")["value_text"])
    assert {"約2万8,000プロセス", "約10万本", "約1,300社", "約3万1,000人", "1/30以下"} <= texts


def test_wrap_label_keeps_closing_brackets_off_line_starts():
    lines = charts.wrap_label("問い合わせの削減率（小平市）", 13)
    assert all(not line.startswith("）") for line in lines)
    assert "".join(lines) == "問い合わせの削減率（小平市）"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_one_card_feeds_screen_csv_and_slide(catalog_con, all_figures, chart_rows, lang):
    # The card is built once; its CSV rows are its table rows, its footer starts with its caption's
    # source, and building it from the chart's own rows or the whole seminar's gives the same card.
    programs = {int(p["number"]): p for p in queries.programs(catalog_con, SEMINAR).to_dict("records")}
    seminar = queries.seminar(catalog_con, SEMINAR)
    for chart_id, row in chart_rows.items():
        program = programs.get(int(row["program"]))
        card = build_chart_card(row, all_figures, program, seminar, lang)
        alone = build_chart_card(row, queries.chart_figures(catalog_con, chart_id), program, seminar, lang)
        pd.testing.assert_frame_equal(card.table, alone.table)
        assert card.caption == alone.caption and card.footer == alone.footer, chart_id
        assert len(card.csv_table) == len(card.table), chart_id
        assert list(card.csv_table.iloc[:, 1]) == list(card.table["figure_id"]), chart_id
        assert card.footer[0] == card.caption.source and card.caption.source in set(
            card.csv_table.iloc[:, -1]
        )
        assert all(q in card.notes for q in card.caption.quotes), chart_id
        assert card.spec(900, title=False) == charts.chart_from_table(
            row, card.table, lang, 900, False
        ).to_dict(validate=False)


def test_figure_records_equal_the_dataframe_round_trip(all_figures, chart_rows):
    # Before the deck speed-up, chart tables and captions read their rows from
    # pd.DataFrame([rows by id]).to_dict("records"); figure_records skips that round trip.
    by_id = {str(r["id"]): r for r in all_figures.to_dict("records")}
    for row in chart_rows.values():
        ids = chart_tables.figure_ids(row)
        old = pd.DataFrame([by_id[i] for i in ids]).to_dict("records")
        new = chart_tables.figure_records(row, all_figures)
        assert [list(r) for r in new] == [list(r) for r in old]
        for n, o in zip(new, old, strict=True):
            for key in o:
                # The round trip turned a nullable integer column holding a gap into floats
                # (2022 -> 2022.0, <NA> -> nan); the builders read both alike (_blank/_to_int).
                if words.blank(o[key]):
                    assert words.blank(n[key]), (row["chart_id"], key)
                else:
                    assert n[key] == o[key] and type(n[key]) in (type(o[key]), int), (row["chart_id"], key)


def test_channel_objects_write_the_same_spec_as_shorthands():
    # The builders pass channel objects instead of shorthand strings, alt.condition/alt.value
    # dicts and list data (cheaper for Altair); each pair below must write the same Vega-Lite.
    rows = [{"value": 1.0, "value_text": "1", "status": "derived"}]
    old = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x="value:Q",
            text="value_text:N",
            color=alt.condition("datum.status == 'x'", alt.value(charts.GREY), alt.value(charts.TEXT)),
            strokeDash=alt.condition("datum.status == 'derived'", alt.value([4, 3]), alt.value([1, 0])),
            stroke=alt.value(charts.TEXT),
            strokeWidth=alt.condition("datum.status == 'derived'", alt.value(1), alt.value(0)),
        )
    )
    new = (
        alt.Chart(alt.Data(values=tuple(rows)))
        .mark_bar()
        .encode(
            x=alt.X("value:Q"),
            text=alt.Text("value_text:N"),
            color=charts._if(alt.ColorValue, "datum.status == 'x'", charts.GREY, charts.TEXT),
            strokeDash=charts._if(alt.StrokeDashValue, "datum.status == 'derived'", [4, 3], [1, 0]),
            stroke=alt.StrokeValue(charts.TEXT),
            strokeWidth=charts._if(alt.StrokeWidthValue, "datum.status == 'derived'", 1, 0),
        )
    )
    assert new.to_dict() == old.to_dict()
    assert alt.layer(new, new).to_dict() == alt.layer(old, old).to_dict()


def test_no_axis_repeats_a_tick_label(catalog_con):
    """Ticks printed to fewer decimals than they step by read "0.1, 0.1, 0.2, 0.2": every tick
    label of every drawn chart (both languages) names a different value."""
    from jichitai_metrics import images
    from jichitai_metrics.chart_card import load_cards

    checked = 0
    for lang in ("ja", "en"):
        for card in load_cards(catalog_con, SEMINAR, lang=lang)[1]:
            svg = images.render_svg(card.chart())
            axes = re.findall(r'<g class="mark-text role-axis-label"[^>]*>(.*?)</g>', svg, re.S)
            checked += len(axes)
            for axis in axes:
                labels = [t for t in re.findall(r">([^<]+)</text>", axis)]
                assert len(labels) == len(set(labels)), (card.chart_id, lang, labels)
    assert checked >= 20  # the bar charts' axes were found (tiles have none)


def test_each_ratio_panel_lists_only_its_own_rows(chart_rows, all_figures):
    """Two comparisons with different baselines: each panel shows its baseline and its ratio, no
    empty row for the other panel's baseline."""
    from jichitai_metrics import images

    row = _by_type(chart_rows, "ratio")
    svg = images.render_svg(_card(row, all_figures, "ja").chart())
    panels = re.findall(r'<g class="mark-text role-axis-label"[^>]*>(.*?)</g>', svg, re.S)
    y_labels = [re.findall(r">([^<]+)</text>", p) for p in panels if "= 1" in p]
    assert len(y_labels) == 2, y_labels
    assert all(len(labels) == 2 for labels in y_labels), y_labels
    # Baselines grey, the reported ratios blue: two bars of each.
    bars = re.findall(r'<g class="mark-rect role-mark[^"]*"[^>]*>(.*?)</g>', svg, re.S)
    fills = [f.upper() for b in bars for f in re.findall(r'fill="(#[0-9A-Fa-f]{6})"', b)]
    assert sorted(fills) == sorted([charts.GREY.upper()] * 2 + [charts.BLUE.upper()] * 2), fills
