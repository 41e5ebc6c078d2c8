"""The deck re-opens with python-pptx: slides, pictures, footers, quotes in the notes, 16:9, ea typeface."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.util import Inches

from jichitai_metrics import images, queries, slides, whatif
from jichitai_metrics.chart_card import load_cards
from jichitai_metrics.errors import UnknownSeminar

SEMINAR = "r5-budget-dx-day1"


def _deck(con, seminar_id: str, programs=(), chart_ids=(), lang: str = "ja", **kwargs) -> bytes:
    """The deck as the CLI and the deck page build it: cards from the catalogue, then slides from data."""
    seminar_row, cards = load_cards(con, seminar_id, programs, chart_ids, lang)
    return slides.cards_deck(seminar_row, cards, programs=programs, chart_ids=chart_ids, lang=lang, **kwargs)


def _card_chart(con, chart_id: str, lang: str = "ja"):
    _, (card,) = load_cards(con, SEMINAR, chart_ids=[chart_id], lang=lang)
    return card.chart(slides.CHART_IMAGE_WIDTH, title=False)


@pytest.fixture(scope="module")
def program1_deck(catalog_con) -> Presentation:
    data = _deck(
        catalog_con, SEMINAR, programs=[1], base_url="https://dash.example.jp", exported_on=date(2026, 4, 1)
    )
    return Presentation(io.BytesIO(data))


def _texts(slide) -> str:
    return "\n".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)


def test_size_is_16_by_9(program1_deck):
    assert program1_deck.slide_width == Inches(13.333)
    assert program1_deck.slide_height == Inches(7.5)
    assert abs(program1_deck.slide_width / program1_deck.slide_height - 16 / 9) < 0.001


def test_one_slide_per_chart_plus_title_and_closing(program1_deck, catalog_con):
    charts = queries.charts(catalog_con, SEMINAR, 1)
    assert len(program1_deck.slides) == len(charts) + 2
    titles = [s.shapes.title.text_frame.text for s in list(program1_deck.slides)[1:-1]]
    assert titles == list(charts["title_ja"])


def test_title_slide_has_dates_in_wareki_and_seireki(program1_deck, catalog_con):
    text = _texts(program1_deck.slides[0])
    seminar = queries.seminar(catalog_con, SEMINAR)
    assert seminar["title_ja"] in text
    assert "2022年（令和4年）9月21日（水）" in text  # held on
    assert "2026年（令和8年）4月1日（水）" in text  # as of the export


def test_chart_slides_have_a_picture_footer_and_quotes(program1_deck, catalog_con):
    charts = queries.charts(catalog_con, SEMINAR, 1).to_dict("records")
    program = queries.program(catalog_con, SEMINAR, 1)
    for slide, chart in zip(list(program1_deck.slides)[1:-1], charts, strict=True):
        pictures = [sh for sh in slide.shapes if sh.shape_type == 13]
        assert len(pictures) == 1
        png = pictures[0].image.blob
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        # Rendered at 2×: twice the SVG's (1×) size of the same chart.
        svg = images.render_svg(_card_chart(catalog_con, chart["chart_id"]))
        width, height = images.png_size(png)
        assert f'width="{width // 2}"' in svg and f'height="{height // 2}"' in svg
        assert pictures[0]._element.nvPicPr.cNvPr.get("descr")  # alt text
        footer = _texts(slide)
        assert "出典：" in footer and program["speaker_ja"] in footer and "Program1" in footer
        notes = slide.notes_slide.notes_text_frame.text
        for quote in queries.chart_figures(catalog_con, chart["chart_id"])["quote"]:
            assert f"「{quote}」" in notes


def test_paper_slide_states_the_baseline_and_the_ambiguity(program1_deck):
    slide = next(s for s in program1_deck.slides if "紙" in s.shapes.title.text_frame.text)
    footer = _texts(slide)
    assert "2016年" in footer and "2019年" in footer
    assert "⚠" in footer


def test_every_text_run_has_an_east_asian_typeface(program1_deck):
    runs = 0
    for slide in program1_deck.slides:
        frames = [sh.text_frame for sh in slide.shapes if sh.has_text_frame]
        frames.append(slide.notes_slide.notes_text_frame)
        for frame in frames:
            for para in frame.paragraphs:
                for run in para.runs:
                    if not run.text:
                        continue
                    runs += 1
                    rpr = run._r.find(qn("a:rPr"))
                    ea = rpr.find(qn("a:ea"))
                    assert ea is not None and ea.get("typeface") == slides.TYPEFACE, run.text
                    assert ea.get("charset") == "-128"  # lets a missing face fall back to Japanese
                    assert rpr.find(qn("a:latin")).get("typeface") == slides.TYPEFACE
                    # Schema order: latin must come before ea.
                    kids = [c.tag for c in rpr]
                    assert kids.index(qn("a:latin")) < kids.index(qn("a:ea"))
    assert runs > 20


def test_closing_slide_has_qr_and_link(program1_deck):
    closing = program1_deck.slides[-1]
    link = "https://dash.example.jp/program?seminar=r5-budget-dx-day1&program=1"
    assert link in _texts(closing)
    pictures = [sh for sh in closing.shapes if sh.shape_type == 13]
    assert len(pictures) == 1 and link in pictures[0]._element.nvPicPr.cNvPr.get("descr")
    hyperlinks = [
        r.hyperlink.address
        for p in closing.shapes
        for para in (p.text_frame.paragraphs if p.has_text_frame else [])
        for r in para.runs
        if r.hyperlink.address
    ]
    assert hyperlinks == [link]


def _decode_qr(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_qr_code_encodes_the_link():
    url = "https://a.example/present?seminar=r5-budget-dx-day1&charts=p1-paper-fax,p4-kodaira&lang=en"
    assert _decode_qr(slides.qr_png(url)) == [url]


def test_closing_slide_qr_decodes_to_its_link(program1_deck):
    closing = program1_deck.slides[-1]
    (picture,) = [sh for sh in closing.shapes if sh.shape_type == 13]
    link = "https://dash.example.jp/program?seminar=r5-budget-dx-day1&program=1"
    assert _decode_qr(picture.image.blob) == [link]


def test_dashboard_link_variants():
    assert slides.dashboard_link("http://h/", "s1", ["a", "b"]) == "http://h/present?seminar=s1&charts=a,b"
    assert slides.dashboard_link("http://h", "s1", [], [2]) == "http://h/program?seminar=s1&program=2"
    assert slides.dashboard_link("http://h", "s1", lang="en") == "http://h/present?seminar=s1&lang=en"


def test_chosen_charts_in_order(catalog_con):
    ids = ["p4-kodaira", "p1-paper-fax"]
    deck = Presentation(io.BytesIO(_deck(catalog_con, SEMINAR, chart_ids=ids)))
    titles = [s.shapes.title.text_frame.text for s in list(deck.slides)[1:-1]]
    assert titles == [queries.chart(catalog_con, i)["title_ja"] for i in ids]
    assert "charts=p4-kodaira,p1-paper-fax" in _texts(deck.slides[-1])


def test_english_deck(catalog_con):
    deck = Presentation(io.BytesIO(_deck(catalog_con, SEMINAR, chart_ids=["p4-kodaira"], lang="en")))
    assert deck.slides[1].shapes.title.text_frame.text == queries.chart(catalog_con, "p4-kodaira")["title_en"]
    assert "Source:" in _texts(deck.slides[1])


@pytest.mark.parametrize("kwargs", [{"chart_ids": ["no-such-chart"]}, {"programs": [99]}])
def test_unknown_ids_raise(catalog_con, kwargs):
    with pytest.raises(UnknownSeminar):
        _deck(catalog_con, SEMINAR, **kwargs)
    with pytest.raises(UnknownSeminar):
        _deck(catalog_con, "no-such-seminar")


def test_whatif_slide_carries_caveat_and_assumptions(catalog_con):
    figs = queries.figures(catalog_con, seminar_id=SEMINAR)
    factors = whatif.factors_from(figs, queries.programs(catalog_con, SEMINAR))
    results = whatif.compute({"inquiries": 12000.0, "paper_sheets": 1000.0}, factors)
    item = slides.whatif_slide(results)
    deck = Presentation(io.BytesIO(_deck(catalog_con, SEMINAR, chart_ids=["p4-kodaira"], extra=[item])))
    slide = deck.slides[2]
    assert "予測ではありません" in _texts(slide)
    notes = slide.notes_slide.notes_text_frame.text
    for quote, assumption in zip(results["quote"], results["assumption"], strict=True):
        assert quote in notes and assumption in notes


# --- the render process (cards_deck overlaps chart building with PNG rendering) ---------------


def _deck_chart(catalog_con, chart_id: str = "p1-paper-fax"):
    return _card_chart(catalog_con, chart_id)


def test_render_process_gives_the_in_process_bytes(catalog_con):
    chart = _deck_chart(catalog_con)
    images.clear_cache()
    here = images.render_png(chart)
    pool = images._render_pool()
    assert pool is not None
    # Straight from the child (no fallback involved): the same bytes as this process renders.
    job = pool.submit(images.chart_spec(chart), images._vl_version(), images.PNG_SCALE)
    assert job.result(timeout=60) == here
    assert not pool.broken


def test_a_queued_png_is_taken_back_not_waited_for(catalog_con):
    # The first chart is made large so the child is surely still drawing it (about a second, not
    # 100 ms) when the last is taken back: the test must not depend on a scheduling race.
    charts_ = [_deck_chart(catalog_con, "p1-paper-fax").properties(width=2400)]
    for i in range(images._Feeder.IN_FLIGHT):  # distinct specs: one more than the pool is handed
        charts_.append(_deck_chart(catalog_con, "p4-kodaira").properties(height=300 + i))
    images.clear_cache()
    expected = [images.render_png(c) for c in charts_]
    images.clear_cache()
    pool = images._render_pool()
    pool.submit({"mark": "point"}, images._vl_version(), 1.0).result(timeout=60)  # ready and idle
    pending = [images.render_png_later(c) for c in charts_]
    # The pool holds IN_FLIGHT jobs; the last is still in our queue while it draws the first.
    assert pending[-1].help() is True and pending[-1].future.cancelled()
    assert [p() for p in pending] == expected
    assert pending[0].help() is False  # done: nothing to take back


def test_deck_survives_a_killed_render_process(catalog_con):
    chart = _deck_chart(catalog_con, "p4-kodaira")
    images.clear_cache()
    expected = images.render_png(chart)
    images.clear_cache()
    images.render_png_later({"mark": "point"})()  # make sure a process is running
    for proc in list(images._pool.pool._processes.values()):
        proc.kill()
        proc.join()
    assert images.render_png_later(chart)() == expected  # a fresh process (or in-process)
    images.clear_cache()
    assert images.render_png_later(chart)() == expected


def test_render_process_keeps_vl_convert_errors_and_url_refusal():
    images.clear_cache()
    with pytest.raises(ValueError, match="not allowed"):
        images.render_png_later({"data": {"url": "http://127.0.0.1:9/x.csv"}, "mark": "point"})()


def test_phase_timer_counts_nested_phases_once(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(slides.time, "perf_counter", lambda: now[0])
    timer = slides.PhaseTimer()
    with timer.phase("outer"):
        now[0] += 2.0
        with timer.phase("inner"):
            now[0] += 5.0
        now[0] += 1.0
        with timer.phase("inner"):
            now[0] += 0.5
    assert timer.totals == {"outer": 3.0, "inner": 5.5}  # the inner time is not counted twice
