"""AppTest: presentation mode (next/prev, URL), what-if (valid and invalid input), deck page selection."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from jichitai_metrics import queries, whatif
from tests.support import REPO_ROOT, html_headings, html_links, html_text

SEMINAR = "r5-budget-dx-day1"


def _open(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(f"pages/{page}.py")
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _heading(at: AppTest) -> str:
    (title,) = html_headings([el.proto.body for el in at.main.get("html")], 1)
    return title


def _step(at: AppTest, label: str) -> dict[str, str] | None:
    """The query of presentation mode's step link `label` (None when it is greyed out at an end)."""
    links = html_links(el.proto.body for el in at.main.get("html"))
    if label not in links:
        return None
    return {k: v[0] for k, v in parse_qs(urlsplit(links[label]).query).items()}


def _follow(at: AppTest, label: str) -> None:
    """Follow a step link as the browser does (client-side: same session, the link's query)."""
    query = _step(at, label)
    assert query is not None, label
    for key in list(at.query_params):
        del at.query_params[key]
    for key, value in query.items():
        at.query_params[key] = value
    at.run()


@pytest.fixture(scope="module")
def chart_titles(catalog_con) -> dict[str, str]:
    frame = queries.charts(catalog_con, SEMINAR)
    return dict(zip(frame["chart_id"], frame["title_ja"], strict=True))


def test_present_url_reproduces_the_selection(chart_titles):
    at = _open("present", charts="p4-kodaira,p1-paper-fax", i="2")
    assert _heading(at) == chart_titles["p1-paper-fax"]
    assert "<strong>2 / 2</strong>" in " ".join(el.proto.body for el in at.main.get("html"))
    assert _step(at, "次へ →") is None  # the last chart: 次へ is greyed out, not a link
    # The stamp: source and the date it was stated, under the one picture (alt text with the values).
    (block,) = [el.proto.body for el in at.main.get("html")]
    texts = html.unescape(block)
    assert "出典：" in texts and "2022年（令和4年）9月21日" in texts
    assert block.count("<img") == 1 and 'class="jm-present"' in block and ' alt="' in block
    # The smaller drawing (larger type when stretched to a projector), at the chart's picture address.
    (src,) = re.findall(r'<img class="jm-present" src="([^"]+)"', block)
    assert "/files/picture/r5-budget-dx-day1/p1-paper-fax.svg?" in src and "w=640" in src


def test_present_next_and_previous_update_the_url(chart_titles):
    at = _open("present", charts="p1-staff-satisfaction,p4-kodaira,p5-kpi", i="1")
    assert _heading(at) == chart_titles["p1-staff-satisfaction"]
    assert _step(at, "← 前へ") is None
    _follow(at, "次へ →")
    assert at.query_params["i"] == "2"
    assert _heading(at) == chart_titles["p4-kodaira"]
    _follow(at, "次へ →")
    assert _heading(at) == chart_titles["p5-kpi"] and at.query_params["i"] == "3"
    _follow(at, "← 前へ")
    assert _heading(at) == chart_titles["p4-kodaira"] and at.query_params["i"] == "2"
    assert at.query_params["charts"] == "p1-staff-satisfaction,p4-kodaira,p5-kpi"


def test_present_bad_url_values_are_handled(chart_titles):
    at = _open("present", charts="nope,p4-kodaira", i="99")
    assert _heading(at) == chart_titles["p4-kodaira"]  # clamped to the last (only) chart
    assert any("nope" in w.value for w in at.warning)
    at = _open("present", i="abc")
    assert _heading(at) == next(iter(chart_titles.values()))  # no list: every chart, from the first


def _page_text(at: AppTest) -> str:
    return html_text(el.proto.body for el in at.main.get("html"))


def test_whatif_valid_input_shows_results_with_sources(catalog_con):
    at = _open("whatif", inquiries="１２，０００", fax_pages="5万")
    assert not at.exception and 'role="alert"' not in " ".join(el.proto.body for el in at.main.get("html"))
    fig = queries.figures(catalog_con, seminar_id=SEMINAR)
    kodaira = fig[fig["id"] == "p4-kodaira-inquiries"].iloc[0]
    expected_after = round(12000 * (1 - kodaira["value"] / 100))
    text = _page_text(at)
    assert expected_after < 10_000  # so the Japanese and the plain formatting agree: 9,000
    assert f"約{expected_after:,}件/年" in text
    assert kodaira["quote"] in text and "p4-kodaira-inquiries" in text
    assert "例示" in text and "予測や見込みではありません" in text
    # The form shows what was typed, as typed, so the planner can correct it.
    assert 'value="１２，０００"' in " ".join(el.proto.body for el in at.main.get("html"))
    # The results' CSV is a link whose address carries the entries (the file route computes the same).
    csv = [h for h in html_links(el.proto.body for el in at.main.get("html")).values() if "/files/csv/" in h]
    assert len(csv) == 1 and urlsplit(csv[0]).path == f"./files/csv/{SEMINAR}/whatif.csv"
    assert parse_qs(urlsplit(csv[0]).query)["inquiries"] == ["１２，０００"]


def test_whatif_form_is_a_get_form_with_a_labelled_box_per_input():
    at = _open("whatif")
    body = " ".join(el.proto.body for el in at.main.get("html"))
    form = re.search(r"<form[^>]*>", body)
    assert form and 'method="get"' in form.group(0) and "data-jm-nav" in form.group(0)
    for field in whatif.FIELDS:
        assert f'<label for="jm-f-{field.key}">{html.escape(field.label_ja)}（' in body
        assert f'id="jm-f-{field.key}" name="{field.key}"' in body
    assert "数を入力して「計算する」を押すと" in _page_text(at)  # no input yet: says what to do
    assert not at.button  # nothing to add to the deck before there is a result


def test_whatif_invalid_input_gives_japanese_messages():
    at = _open("whatif", inquiries="-100", procedures="たくさん")
    assert not at.exception
    errors = [
        html.unescape(m)
        for el in at.main.get("html")
        for m in re.findall(r'role="alert">(.*?)</p>', el.proto.body)
    ]
    assert any("マイナス" in e for e in errors)
    assert any("数字で入力" in e and "たくさん" in e for e in errors)


def test_whatif_add_to_deck_reaches_the_deck_page():
    at = _open("whatif", inquiries="1000")
    at.button(key="whatif-add").click().run()
    assert at.session_state["kit_whatif"]["inquiries"] == "1000"
    at.switch_page("pages/deck.py").run()
    assert not at.exception
    assert _ticked(at, "whatif") == ["1"]  # offered, and ticked until the person says otherwise
    assert "試算1枚" in _page_text(at)
    at.query_params.update({"sent": "1", "mode": "programs", "p": ["1", "2"]})
    at.run()  # the form sent with the what-if box cleared
    assert _ticked(at, "whatif") == [] and "試算1枚" not in _page_text(at)


def _ticked(at: AppTest, name: str) -> list[str]:
    """Values of the deck form's ticked boxes called `name`, in the order they are drawn."""
    body = " ".join(el.proto.body for el in at.main.get("html"))
    return [html.unescape(v) for v in re.findall(rf'name="{name}" value="([^"]*)" checked>', body)]


def test_deck_accepts_the_explorer_filters(catalog_con):
    at = _open("deck", prog="4")
    expected = list(queries.charts(catalog_con, SEMINAR, 4)["chart_id"])
    assert _ticked(at, "chart") == expected
    assert f"スライド {len(expected) + 2} 枚" in _page_text(at)
    assert f"グラフ{len(expected)}件を選びました" in _page_text(at)
    at.query_params.update({"sent": "1", "mode": "charts", "chart": expected[:1]})
    at.run()  # the person changed the ticks: the note about the filters' choice would no longer be true
    assert _ticked(at, "chart") == expected[:1] and "件を選びました" not in _page_text(at)


def test_deck_by_programme_counts_slides(catalog_con):
    at = _open("deck")
    assert not at.multiselect and not at.radio and not at.checkbox  # a GET form, no widgets to load
    numbers = [str(n) for n in sorted(set(queries.charts(catalog_con, SEMINAR)["program"]))]
    assert _ticked(at, "p") == numbers  # every programme until the form is sent
    at.query_params.update({"sent": "1", "mode": "programs", "p": ["1", "3"]})
    at.run()
    n = len(queries.charts(catalog_con, SEMINAR, 1)) + len(queries.charts(catalog_con, SEMINAR, 3))
    assert _ticked(at, "p") == ["1", "3"]
    assert f"スライド {n + 2} 枚" in _page_text(at)
    assert "1つ以上" not in _page_text(at)
    del at.query_params["p"]
    at.run()  # sent with no box ticked: none, not "all"
    assert _ticked(at, "p") == [] and "1つ以上" in _page_text(at)


def test_deck_charts_view_and_its_form(catalog_con):
    at = _open("deck", mode="charts", charts="p4-kodaira,p1-paper-fax,nope")
    # what a chart card's link asked for, in the programmes' order (the order the slides take)
    assert _ticked(at, "chart") == ["p1-paper-fax", "p4-kodaira"]
    body = " ".join(el.proto.body for el in at.main.get("html"))
    form = re.search(r"<form[^>]*>.*?</form>", body, re.S).group(0)
    assert 'method="get"' in form and "data-jm-nav" in form
    assert "<legend>グラフ（プログラム順にスライドになります）</legend>" in form
    for name, value in [("mode", "charts"), ("sent", "1"), ("charts", "p4-kodaira,p1-paper-fax,nope")]:
        assert f'<input type="hidden" name="{name}" value="{value}">' in form
    # the two ways to choose are links to views of this page; the current one is marked
    assert '<span aria-current="page">グラフを選ぶ</span>' in body
    assert "mode=programs" in html_links([body])["プログラムで選ぶ"]
    at.query_params.update({"sent": "1", "chart": ["p5-kpi"]})
    at.run()
    assert _ticked(at, "chart") == ["p5-kpi"] and "スライド 3 枚" in _page_text(at)


def test_deck_choice_reads_only_what_the_catalogue_knows():
    from jichitai_metrics.ui.kit import deck_choice

    known = ["a", "b", "c"]
    fresh = deck_choice({}, [1, 2], known, [], has_whatif=False)
    assert (fresh.mode, fresh.programs, fresh.chart_ids, fresh.use_whatif) == ("programs", [1, 2], [], False)
    explorer = deck_choice({}, [1, 2], known, ["c", "zz"], has_whatif=True)
    assert (explorer.mode, explorer.chart_ids, explorer.use_whatif) == ("charts", ["c"], True)
    sent = deck_choice(
        {"sent": ["1"], "mode": ["programs"], "p": ["2", "9", "x"], "landscape": ["1"]},
        [1, 2],
        known,
        [],
        has_whatif=True,
    )
    assert (sent.programs, sent.use_whatif, sent.landscape) == ([2], False, True)
    odd = deck_choice({"mode": ["evil"], "charts": ["b,zz,a"]}, [1], known, [], has_whatif=False)
    assert (odd.mode, odd.chart_ids) == ("charts", ["a", "b"])


def test_deck_lists_every_chart_with_png_and_svg_links(catalog_con):
    at = _open("deck")
    body = " ".join(el.proto.body for el in at.main.get("html"))
    links = {
        html.unescape(name): html.unescape(href)
        for href, name in re.findall(r'<a href="([^"]*)" download aria-label="([^"]*)">', body)
    }
    chart_ids = list(queries.charts(catalog_con, SEMINAR)["chart_id"])
    titles = list(queries.charts(catalog_con, SEMINAR)["title_ja"])
    for fmt in ("PNG", "SVG"):
        # Each link is named after its chart, so a list of links read aloud says which is which.
        assert [name for name in links if name.startswith(f"{fmt}：")] == [
            f"{fmt}：P{int(n)} · {t}"
            for n, t in zip(queries.charts(catalog_con, SEMINAR)["program"], titles, strict=True)
        ]
        hrefs = [href for name, href in links.items() if name.startswith(f"{fmt}：")]
        assert len(hrefs) == len(chart_ids)  # one per chart, each named after its chart
        for chart_id, href in zip(chart_ids, hrefs, strict=True):
            path = urlsplit(href).path
            assert path == f"./files/image/{SEMINAR}/{chart_id}.{fmt.lower()}"
