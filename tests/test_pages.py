"""AppTest over the programme pages, the explorer (filters from the URL) and the overview."""

from __future__ import annotations

import functools
import html
import io
import re
import urllib.parse

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from jichitai_metrics import queries
from jichitai_metrics.ui import figures as fig_ui
from jichitai_metrics.ui import image_files
from tests.support import REPO_ROOT, html_headings, html_links

SEMINAR = "r5-budget-dx-day1"
ENTRY = str(REPO_ROOT / "dashboard.py")


def open_page(script: str, lang: str = "ja", **params: str) -> AppTest:
    """Run the router once, then the page with `params` in its URL (as a link would open it)."""
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.query_params["lang"] = lang  # as a shared link carries it: the router reads it on the first run
    at.run()
    at.switch_page(script)
    at.query_params["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def bodies(at: AppTest) -> list[str]:
    """The page's HTML blocks (the sidebar's frame left out)."""
    return [el.proto.body for el in at.main.get("html")]


def cards_on(at: AppTest) -> list[str]:
    """The chart cards' HTML (heading, picture, source note, table view, links), in page order."""
    return [
        card
        for body in bodies(at)
        for card in re.findall(r'<section class="jm-card-box".*?</section>', body, re.S)
        if 'class="jm-chart"' in card
    ]


def page_title(at: AppTest) -> str:
    """The page's <h1>."""
    (title,) = html_headings(bodies(at), 1)
    return title


def csv_links(at: AppTest) -> list[str]:
    """The addresses of the page's CSV download links (served by ui/csv_files.py), in page order."""
    return [
        html.unescape(h)
        for body in bodies(at)
        for h in re.findall(r'href="([^"]*/files/csv/[^"]*)" download', body)
    ]


def picture_svg(src: str) -> str:
    """The drawing a chart card's picture address names (ui/image_files.py serves it over HTTP)."""
    address = urllib.parse.urlsplit(src)
    match = re.fullmatch(r"\./files/picture/([^/]+)/([^/]+)\.svg", address.path)
    assert match, f"a chart card's picture is at its own address, not {src[:60]}"
    query = dict(urllib.parse.parse_qsl(address.query))
    svg = fig_ui.card_svg(match[1], match[2], query["lang"], int(query["w"]))
    assert query["v"] == image_files.picture_digest(svg), "the address names the drawing shown today"
    return svg


def charts_on(at: AppTest) -> list[dict]:
    """The chart cards shown: chart id (the card heading's id), the SVG picture and its alt text."""
    out = []
    for body in cards_on(at):
        (chart_id,) = re.findall(r'<h3 id="([^"]+)"', body)
        (src, alt) = re.findall(r'<img src="([^"]+)" alt="([^"]*)"', body)[0]
        out.append({"chart_id": chart_id, "svg": picture_svg(html.unescape(src)), "alt": html.unescape(alt)})
    return out


def card_sources(at: AppTest) -> str:
    """The source notes under the charts, as text."""
    notes = [m for body in cards_on(at) for m in re.findall(r'<p class="jm-source">(.*?)</p>', body)]
    return html.unescape(" ".join(notes).replace("<br>", " "))


def frames_on(at: AppTest) -> list[pd.DataFrame]:
    """The HTML tables on the page (figure tables, opened chart tables), read back as DataFrames."""
    return [frame for body in bodies(at) if "<table" in body for frame in pd.read_html(io.StringIO(body))]


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_programme_page_shows_its_charts_tables_and_sources(number, catalog_con):
    at = open_page("pages/program.py", program=str(number))
    program = queries.program(catalog_con, SEMINAR, number)
    assert program["title_ja"] in page_title(at)
    expected = queries.charts(catalog_con, SEMINAR, number)["chart_id"].tolist()
    shown = [c["chart_id"] for c in charts_on(at)]
    assert shown == expected
    sources = card_sources(at)
    assert sources.count("出典：") >= len(expected)
    assert program["speaker_ja"] in sources
    # One CSV per chart plus one for the other figures (if any), each at its own address.
    others = queries.figures_outside_charts(catalog_con, SEMINAR, number)
    files = [href.split("?")[0].rsplit("/", 1)[-1] for href in csv_links(at)]
    assert files == [f"chart-{c}.csv" for c in expected] + (
        [] if others.empty else [f"program{number}-other.csv"]
    )
    assert not at.warning


def test_programme_1_table_view_keeps_not_reported_blank():
    at = open_page("pages/program.py", program="1")
    table = next(f for f in frames_on(at) if "p1-staff-satisfaction" in set(f.get("図表ID", [])))
    row = table[table["表示"] == "報告なし"].iloc[0]
    assert pd.isna(row["値"]) and row["項目"] == "満足"


def test_programme_page_in_english(catalog_con):
    at = open_page("pages/program.py", lang="en", program="4")
    title_en = queries.program(catalog_con, SEMINAR, 4)["title_en"]
    assert title_en in page_title(at)
    shown = charts_on(at)
    assert shown and all("報告値" not in c["svg"] and "報告値" not in c["alt"] for c in shown)
    assert any("Quote: " in c["svg"] for c in shown)  # the marks' English descriptions (aria-label)
    assert "Source: Jichitai Works, FY2023 Budget" in card_sources(at)


def test_unknown_programme_gets_a_message_not_a_traceback():
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.run()
    at.switch_page("pages/program.py")
    at.query_params["program"] = "99"
    at.run()
    assert not at.exception
    assert any("99" in w.value for w in at.warning)
    assert "Program1" in page_title(at)


def test_every_figure_of_a_programme_is_on_its_page(catalog_con):
    """Each programme figure is drawn by a chart or listed in the page's table (with its id)."""
    figures = queries.figures(catalog_con, seminar_id=SEMINAR)
    for number in sorted(figures["program"].dropna().astype(int).unique()):
        chart_ids = queries.charts(catalog_con, SEMINAR, int(number))["chart_id"].tolist()
        at = open_page("pages/program.py", program=str(number))
        assert len(cards_on(at)) == len(chart_ids)  # each card carries its table (in its table view)
        ids = set()
        for frame in frames_on(at):
            if "数値ID" in frame:  # a chart's table view (the chart CSV's columns)
                ids |= set(frame["数値ID"].dropna())
            elif "時点・年度" in frame:  # the other figures, as the screen reads them
                ids |= set(_figure_ids(frame))
        wanted = set(figures.loc[figures["program"] == number, "id"])
        assert wanted <= ids, f"programme {number}: not on the page: {sorted(wanted - ids)}"


def test_seminar_level_figures_are_on_the_overview(catalog_con):
    figures = queries.figures(catalog_con, seminar_id=SEMINAR)
    seminar_level = figures[figures["program"].isna()]
    at = open_page("pages/overview.py")
    text = " ".join(m.value for m in at.markdown) + " ".join(str(f.values.tolist()) for f in frames_on(at))
    text += " ".join(el.proto.body for el in at.get("html"))  # the headline cards
    text = text.replace("\\", "")
    missing = [
        r["id"] for r in seminar_level.to_dict("records") if r["label_ja"] not in text and r["id"] not in text
    ]
    assert not missing, missing


# --- explorer -----------------------------------------------------------------------------------


@functools.cache
def _ids_by_label() -> dict[str, str]:
    """Figure id by Japanese label (unique in the catalogue: checked here), to read screen tables."""
    from jichitai_metrics import catalog

    con = catalog.build_catalog(REPO_ROOT / "data")
    try:
        figures = queries.figures(con)
    finally:
        con.close()
    assert figures["label_ja"].is_unique
    return dict(zip(figures["label_ja"], figures["id"], strict=True))


def _figure_ids(frame: pd.DataFrame) -> list[str]:
    """The figures a screen table lists (its row headers are the figures' 項目), as ids."""
    return [_ids_by_label()[label] for label in frame["項目"]]


def _explorer_ids(at: AppTest) -> list[str]:
    frames = frames_on(at)
    return _figure_ids(frames[0]) if frames else []


def _row_pages(at: AppTest) -> list[tuple[str, str, bool]]:
    """The explorer's links to its pages of rows: (label, href, shown now)."""
    (pager,) = [
        n
        for b in bodies(at)
        for n in re.findall(r'<nav class="jm-tabs" aria-label="表示する行">.*?</nav>', b)
    ]
    return [
        (html.unescape(text), html.unescape(href), False)
        for href, text in re.findall(r'<a href="([^"]*)" data-jm-nav>([^<]*)</a>', pager)
    ] + [
        (html.unescape(text), "", True)
        for text in re.findall(r'<span aria-current="page">([^<]*)</span>', pager)
    ]


def test_explorer_lists_every_figure_twenty_rows_a_page(catalog_con):
    """Pages of 20 rows (1〜20件, 21〜40件, …) and すべて; together they list every figure once."""
    everything = sorted(queries.figures(catalog_con, seminar_id=SEMINAR)["id"])
    assert len(everything) > 40, "the catalogue fills three pages; this test reads all of them"
    at = open_page("pages/explorer.py")
    last = f"41〜{len(everything)}件"
    assert [label for label, _, _ in _row_pages(at)] == [
        "21〜40件",
        last,
        f"すべて（{len(everything)}件）",
        "1〜20件",
    ]
    page_text = " ".join(bodies(at))
    assert f"{len(everything)}件（全{len(everything)}件中）" in page_text  # the count is the whole result
    assert f"<caption>数値一覧（{len(everything)}件中 1〜20件）</caption>" in page_text
    seen = []
    for page in ("1", "2", "3"):
        ids = _explorer_ids(open_page("pages/explorer.py", page=page))
        assert len(ids) == (20 if page != "3" else len(everything) - 40)
        seen += ids
    assert sorted(seen) == everything
    every = open_page("pages/explorer.py", page="all")
    assert sorted(_explorer_ids(every)) == everything
    assert (f"すべて（{len(everything)}件）", "", True) in _row_pages(every)


def test_explorer_pages_keep_the_filters_and_the_csv_keeps_every_row(catalog_con):
    at = open_page("pages/explorer.py", kind="reported", page="2")
    reported = queries.figures(catalog_con, seminar_id=SEMINAR, kind="reported")
    assert len(reported) > 20 and len(_explorer_ids(at)) == min(20, len(reported) - 20)
    links = [href for _, href, current in _row_pages(at) if not current]
    assert links and all("kind=reported" in href and "page=" in href for href in links)
    (csv,) = [href for href in csv_links(at) if "/figures.csv" in href]
    assert "page" not in csv and f"{len(reported)}行" in " ".join(bodies(at))


def test_explorer_bad_page_is_explained_and_page_one_shown():
    at = open_page("pages/explorer.py", page="9")
    (warning,) = re.findall(r'<p class="jm-notice jm-warning" role="note">([^<]*)</p>', " ".join(bodies(at)))
    assert "ページ「9」はありません" in warning
    assert len(_explorer_ids(at)) == 20 and ("1〜20件", "", True) in _row_pages(at)


def test_explorer_full_width_search_finds_fax():
    at = open_page("pages/explorer.py", q="ＦＡＸ")
    assert _explorer_ids(at) == ["p1-fax-reduction"]
    assert 'name="q" value="ＦＡＸ"' in " ".join(bodies(at))  # the search box shows what was searched


def test_explorer_filters_combine_from_the_url(catalog_con):
    at = open_page("pages/explorer.py", prog="4", unit="%")
    expected = queries.figures(catalog_con, seminar_id=SEMINAR, program=4, unit="%")["id"].tolist()
    assert _explorer_ids(at) == expected and len(expected) >= 5
    at = open_page("pages/explorer.py", kind="derived")
    assert _explorer_ids(at) and all(i.endswith("-derived") for i in _explorer_ids(at))


def test_explorer_bad_url_value_is_explained_and_ignored(catalog_con):
    at = open_page("pages/explorer.py", kind="bogus")
    (warning,) = re.findall(r'<p class="jm-notice jm-warning" role="note">([^<]*)</p>', " ".join(bodies(at)))
    assert "「kind=bogus」" in warning and "外しました" in warning
    total = len(queries.figures(catalog_con, seminar_id=SEMINAR))
    assert f"{total}件（全{total}件中）" in " ".join(bodies(at))  # every figure, as without the filter


def test_explorer_marks_the_figures_that_need_care(catalog_con):
    """A figure the report leaves ambiguous opens its 注記 with ⚠ 解釈注意, as on the chart cards."""
    figures = queries.figures(catalog_con, seminar_id=SEMINAR).set_index("id")
    (table,) = frames_on(open_page("pages/explorer.py", page="all"))
    assert list(table.columns) == ["項目", "値", "時点・年度", "種別", "引用", "注記", "出典"]
    notes = dict(zip(_figure_ids(table), table["注記"].fillna(""), strict=True))
    flagged = {i for i, note in notes.items() if note.startswith("⚠ 解釈注意：")}
    assert flagged == set(figures.index[figures["ambiguous"].astype(bool)]) and flagged
    (table,) = frames_on(open_page("pages/explorer.py", lang="en", page="all"))
    assert list(table.columns) == ["Item", "Value", "As of / fiscal year", "Kind", "Quote", "Note", "Source"]
    assert table["Note"].fillna("").str.startswith("⚠ Ambiguous: ").sum() == len(flagged)


def test_the_screen_table_reads_a_figure_as_a_planner_says_it(catalog_con):
    """Value with unit and qualifier, the as-of with 和暦, derived figures with how; CSV keeps fields."""
    (table,) = frames_on(open_page("pages/explorer.py", q="デジタル化の対象となる手続きの総数"))
    row = table.iloc[0]
    assert row["値"] == "約2万8,000プロセス" and row["種別"] == "報告値"
    assert "令和4年" in row["時点・年度"] and "令和4年度" in row["時点・年度"]
    assert row["引用"] and "Program" in row["出典"]
    (table,) = frames_on(open_page("pages/explorer.py", kind="derived"))
    assert set(table["種別"]) == {"算出値"}
    assert all("算出方法：" in note for note in table["注記"])


def test_explorer_no_match_says_so():
    at = open_page("pages/explorer.py", q="存在しない語句xyz")
    assert not frames_on(at)
    (info,) = re.findall(r'<p class="jm-notice jm-info" role="note">([^<]*)</p>', " ".join(bodies(at)))
    assert "条件に合う数値はありません" in info


def test_explorer_filters_are_a_get_form_that_shows_the_url_values():
    """The filters are a plain GET form over /explorer: field names are the URL's parameters."""
    at = open_page("pages/explorer.py", topic="ペーパーレス", prog="1")
    (form,) = [f for body in bodies(at) for f in re.findall(r"<form .*?</form>", body, re.S)]
    assert 'method="get"' in form and 'action="./explorer"' in form and "data-jm-nav" in form
    names = re.findall(r'<(?:select|input)[^>]* name="([^"]+)"', form)
    assert set(names) == {"lang", "prog", "topic", "unit", "kind", "q"}
    assert '<option value="ペーパーレス" selected>' in form and '<option value="1" selected>' in form
    assert re.search(r'<label for="jm-f-topic">テーマ</label><select id="jm-f-topic"', form)
    assert set(_explorer_ids(at)) == {"p1-paper-reduction", "p1-fax-reduction"}


def test_overview_runs_without_exception():
    at = open_page("pages/overview.py")
    assert any('<p class="jm-value">215人</p>' in el.proto.body for el in at.get("html"))


# --- the download link itself -------------------------------------------------------------------


def _link_app():
    import streamlit as st

    from jichitai_metrics.ui import downloads

    downloads.encoding_choice()
    st.html(downloads.csv_link_html("any-seminar", "any-table", "ja"))
    st.text("end")


@pytest.fixture()
def awkward_table(monkeypatch):
    """The link's table: a character Shift_JIS cannot hold and a formula-looking cell."""
    from jichitai_metrics.ui import csv_files

    frame = pd.DataFrame({"name": ["𠮷野家", "=1+1"], "value": [1.5, None]})
    table = csv_files.CsvTable(frame, "jichitai-test-20260101.csv", ("test-only-awkward-table",))
    monkeypatch.setattr(csv_files, "csv_table", lambda *_args, **_kwargs: table)


def test_cp932_link_is_withheld_and_names_the_unencodable_character(awkward_table):
    at = AppTest.from_function(_link_app, default_timeout=30)
    at.session_state["csv_encoding"] = "cp932"
    at.run()
    assert not at.exception
    (body,) = [el.proto.body for el in at.main.get("html")]
    assert "<a " not in body, "no file when a character would be lost"
    assert "𠮷" in body and "U+20BB7" in body and "UTF" in body


def test_utf8_link_is_offered_with_row_count(awkward_table):
    at = AppTest.from_function(_link_app, default_timeout=30)
    at.run()
    assert not at.exception
    (body,) = [el.proto.body for el in at.main.get("html")]
    label = re.search(r"<a [^>]*>(.*?)</a>", body)
    assert label and "2行" in label.group(1)
    assert 'download="jichitai-test-20260101.csv"' in body and "encoding=utf-8-sig" in body


def test_csv_encoding_is_chosen_by_link_and_kept_for_the_session():
    """?csv=cp932 (the sidebar's Shift_JIS link) switches every CSV link; the choice outlives the page."""
    at = open_page("pages/program.py", program="1")
    assert csv_links(at) and all("encoding=utf-8-sig" in h for h in csv_links(at))
    sidebar = " ".join(el.proto.body for el in at.sidebar.get("html"))
    assert '<span aria-current="true">UTF-8（BOM付き・推奨）</span>' in sidebar
    assert "csv=cp932" in html_links([sidebar])["Shift_JIS（CP932）"]
    at.query_params["csv"] = "cp932"
    at.run()
    assert all("encoding=cp932" in h for h in csv_links(at))
    del at.query_params["csv"]  # another page of the same session, without the parameter
    at.switch_page("pages/overview.py").run()
    assert csv_links(at) and all("encoding=cp932" in h for h in csv_links(at))
    at.query_params["csv"] = "latin-1"  # not an encoding we offer: the choice stays
    at.run()
    assert all("encoding=cp932" in h for h in csv_links(at))
