"""The A4 handout PDF: opens, pages, quotes as text, the same source words as the screen, fonts
embedded, charts as vectors, QR code decodes to the view's link; CLI; a second seminar.

Text is read with poppler's pdftotext (what Linux PDF viewers use to copy text). pypdf reads the
structure; its own text extraction puts a space between every CJK character of fpdf2's CID font
(it ignores the embedded encoding CMap's widths), which says nothing about the file.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pypdf
import pytest

from jichitai_metrics import catalog, handout, images, queries, whatif, words
from jichitai_metrics.chart_card import load_cards
from jichitai_metrics.errors import UnknownSeminar
from tests.support import REPO_ROOT

SEMINAR = "r5-budget-dx-day1"
BASE = "https://dash.example.jp"
EXPORTED = date(2026, 4, 1)
FIXTURE = REPO_ROOT / "tests" / "fixtures" / "extra_seminar" / "seminars" / "demo-day2"

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is missing")


def _text(pdf: bytes, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    out = subprocess.run([*args, "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def _flat(text: str) -> str:
    """Lines joined: a long line wraps in the PDF, the words do not change."""
    return text.replace("\n", "").replace("\f", "")


def _words(text: str) -> str:
    """Without any white space: a space where a line wraps is not printed (as in any typesetting)."""
    return re.sub(r"\s+", "", text)


def _pages(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [_text(pdf, i, i) for i in range(1, len(reader.pages) + 1)]


@pytest.fixture(scope="module")
def all_pdf(catalog_con) -> bytes:
    figs = queries.figures(catalog_con, seminar_id=SEMINAR)
    factors = whatif.factors_from(figs, queries.programs(catalog_con, SEMINAR))
    results = whatif.compute({"inquiries": 12000.0, "paper_sheets": 1000.0}, factors)
    return handout.catalog_handout(
        catalog_con, SEMINAR, base_url=BASE, exported_on=EXPORTED, whatif_results=results
    )


@pytest.fixture(scope="module")
def p1_pdf(catalog_con) -> bytes:
    return handout.catalog_handout(catalog_con, SEMINAR, programs=[1], base_url=BASE, exported_on=EXPORTED)


def test_opens_as_a4_portrait_with_numbered_pages(p1_pdf):
    reader = pypdf.PdfReader(io.BytesIO(p1_pdf))
    assert reader.metadata.title == "令和5年度予算×DX/Day1"
    n = len(reader.pages)
    assert n >= 2
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    for i, text in enumerate(_pages(p1_pdf), start=1):
        assert re.search(rf"\b{i}\s*/\s*{n}\b", text), (i, text[-200:])


def test_landscape_option(catalog_con):
    pdf = handout.catalog_handout(catalog_con, SEMINAR, chart_ids=["p4-kodaira"], landscape=True)
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)


def test_every_chart_once_and_at_most_two_a_page(all_pdf, catalog_con):
    titles = list(queries.charts(catalog_con, SEMINAR)["title_ja"])
    pages = [_flat(t) for t in _pages(all_pdf)]
    found = {t: [i for i, p in enumerate(pages) if t in p] for t in titles}
    assert all(len(where) == 1 for where in found.values()), found
    per_page = [sum(1 for where in found.values() if where == [i]) for i in range(len(pages))]
    assert max(per_page) <= 2
    order = [found[t][0] for t in titles]
    assert order == sorted(order)  # in the catalogue's order


def test_cover_has_seminar_dates_and_source(p1_pdf):
    first = _text(p1_pdf, 1, 1)
    assert "令和5年度予算×DX/Day1" in first
    assert "開催日：2022年（令和4年）9月21日（水）" in first
    assert "資料作成日（出力時点）：2026年（令和8年）4月1日（水）" in first
    assert "出典：ジチタイワークス「【セミナーレポート】令和5年度予算×DX/Day1」" in first


def test_every_quote_is_text_and_verbatim_in_the_report(all_pdf, catalog_con, seed_report_text):
    text = _flat(_text(all_pdf))
    shown = 0
    for chart_id in queries.charts(catalog_con, SEMINAR)["chart_id"]:
        for quote in queries.chart_figures(catalog_con, chart_id)["quote"]:
            assert f"「{quote}」" in text, quote
            assert quote in seed_report_text
            shown += 1
    assert shown >= 20


def test_source_lines_are_the_words_on_screen(p1_pdf, catalog_con):
    # The chart card on screen shows card.caption.lines() (ui/figures.py): the same lines here.
    text = _words(_text(p1_pdf))
    lines = 0
    for card in load_cards(catalog_con, SEMINAR, programs=[1])[1]:
        for line in card.caption.lines():
            assert _words(line) in text, line
            lines += 1
    assert lines > 20
    assert "⚠" in text and "算出値" in text and "比較基準" in text and "時点・年度" in text


def test_tables_hold_the_values_as_shown(p1_pdf, catalog_con):
    text = _text(p1_pdf)
    for card in load_cards(catalog_con, SEMINAR, programs=[1])[1]:
        for value in card.table["value_text"]:
            assert value in text


def _fonts(resources, seen: set) -> list:
    """Every font dictionary reachable from a resources dictionary (Form XObjects included)."""
    found = []
    if resources is None:
        return found
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        if id(font) not in seen:
            seen.add(id(font))
            found.append(font)
    for xobj in (resources.get("/XObject") or {}).values():
        xobj = xobj.get_object()
        if xobj.get("/Subtype") == "/Form":
            found += _fonts(xobj.get("/Resources"), seen)
    return found


def test_every_font_is_embedded(all_pdf):
    reader = pypdf.PdfReader(io.BytesIO(all_pdf))
    seen: set = set()
    fonts = [f for page in reader.pages for f in _fonts(page.get("/Resources"), seen)]
    assert len(fonts) >= 2  # fpdf2's text font and the charts' fonts
    for font in fonts:
        if font["/Subtype"] == "/Type0":
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        else:
            descriptor = font["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
        assert "NotoSansCJK" in str(font["/BaseFont"])


def test_charts_are_vectors_not_pictures(p1_pdf, catalog_con):
    reader = pypdf.PdfReader(io.BytesIO(p1_pdf))
    forms = images_found = 0
    for page in reader.pages:
        for xobj in (page["/Resources"].get("/XObject") or {}).values():
            sub = xobj.get_object()["/Subtype"]
            forms += sub == "/Form"
            images_found += sub == "/Image"
    assert forms == len(queries.charts(catalog_con, SEMINAR, 1))
    assert images_found == 0
    # The chart's own words (axis title, value labels) are text in the PDF, as drawn by vl-convert.
    assert "割合（%）" in _text(p1_pdf)


def test_qr_code_decodes_to_the_views_link(p1_pdf, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    link = f"{BASE}/program?seminar={SEMINAR}&program=1"
    n = len(pypdf.PdfReader(io.BytesIO(p1_pdf)).pages)
    last = _text(p1_pdf, n, n)
    assert link in _flat(last)
    pdf_path = tmp_path / "h.pdf"
    pdf_path.write_bytes(p1_pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", str(n), "-l", str(n), "-png", str(pdf_path), str(tmp_path / "pg")],
        check=True,
    )
    (png,) = tmp_path.glob("pg*.png")
    codes = zxingcpp.read_barcodes(Image.open(png))
    assert [c.text for c in codes] == [link]
    # The link is also clickable.
    annots = pypdf.PdfReader(io.BytesIO(p1_pdf)).pages[-1].get("/Annots") or []
    uris = [a.get_object()["/A"].get("/URI") for a in annots]
    assert link in uris


def test_whatif_results_are_labelled_an_illustration(all_pdf, catalog_con):
    text = _words(_text(all_pdf))
    assert "例示（予測ではありません）" in text
    assert whatif.CAVEAT[0] in text
    figs = queries.figures(catalog_con, seminar_id=SEMINAR)
    factors = whatif.factors_from(figs, queries.programs(catalog_con, SEMINAR))
    results = whatif.compute({"inquiries": 12000.0, "paper_sheets": 1000.0}, factors)
    for row in results.to_dict("records"):
        assert _words("前提：" + row["assumption"]) in text
        assert _words(whatif.source_line(row)) in text
        assert _words(whatif.result_text(row)) in text


def test_english_handout(catalog_con):
    pdf = handout.catalog_handout(catalog_con, SEMINAR, chart_ids=["p4-kodaira"], lang="en")
    text = _flat(_text(pdf))
    assert "Source:" in text and queries.chart(catalog_con, "p4-kodaira")["title_en"] in text
    assert "lang=en" in text


@pytest.mark.parametrize("kwargs", [{"chart_ids": ["no-such-chart"]}, {"programs": [99]}])
def test_unknown_ids_raise(catalog_con, kwargs):
    with pytest.raises(UnknownSeminar):
        handout.catalog_handout(catalog_con, SEMINAR, **kwargs)


def test_a_second_seminar_is_not_day1(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    shutil.copytree(FIXTURE, data / "seminars" / FIXTURE.name)
    con = catalog.build_catalog(data)
    pdf = handout.catalog_handout(con, "demo-day2", base_url=BASE, exported_on=EXPORTED)
    text = _flat(_text(pdf))
    assert "テスト用セミナー/Day2" in text
    assert "2022年（令和4年）9月22日（木）" in text  # its own date
    seminar_row = queries.seminar(con, "demo-day2")
    assert words.source_line(None, "ja", seminar=seminar_row) in text  # its own report
    assert "架空のセミナーレポート" in text
    for quote in queries.chart_figures(con, "d2-kpi")["quote"]:
        assert f"「{quote}」" in text
    assert "令和5年度予算×DX/Day1" not in text
    assert "seminar=demo-day2" in text


def test_chart_pdf_comes_from_the_render_process_like_the_deck_pngs(catalog_con):
    (card,) = load_cards(catalog_con, SEMINAR, chart_ids=["p4-kodaira"])[1]
    chart = card.chart(handout.CHART_WIDTH, title=False)
    images.clear_cache()
    here = images.render_pdf(chart)
    images.clear_cache()
    theirs = images.render_png_later(chart, fmt="pdf").future.result(timeout=60)  # from the process
    assert here[:5] == theirs[:5] == b"%PDF-"
    # The same drawing: the same words and the same page size.
    assert _text(here) == _text(theirs) and "苦情の比率（小平市）" in _text(here)
    boxes = [pypdf.PdfReader(io.BytesIO(b)).pages[0].mediabox for b in (here, theirs)]
    assert boxes[0] == boxes[1]


# --- command line --------------------------------------------------------------------------------


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jichitai_metrics", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_cli_writes_a_handout(tmp_path, catalog_con):
    target = tmp_path / "p4.pdf"
    out = _run("handout", "--out", str(target), "--program", "4", "--landscape")
    assert out.returncode == 0, out.stderr
    pdf = target.read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert f"{len(reader.pages)} pages" in out.stdout
    assert float(reader.pages[0].mediabox.width) > float(reader.pages[0].mediabox.height)
    text = _flat(_text(pdf))
    for title in queries.charts(catalog_con, SEMINAR, 4)["title_ja"]:
        assert title in text


def test_cli_refuses_bad_input_with_a_message(tmp_path):
    out = _run("handout", "--out", str(tmp_path / "x.pdf"), "--program", "99")
    assert out.returncode == 2 and "見つかりません" in out.stderr and "Traceback" not in out.stderr
    out = _run("handout", "--out", str(tmp_path / "x.pptx"))
    assert out.returncode == 2 and ".pdf" in out.stderr
    out = _run("handout", "--help")
    assert out.returncode == 0
    for option in ("--out", "--seminar", "--program", "--landscape"):
        assert option in out.stdout
    assert not Path(tmp_path / "x.pdf").exists()


# --- the font: the JIS cut where it holds every character, the full font where not -----------------


def _tiny_handout(title: str, source: str) -> bytes:
    meta = handout.HandoutMeta(
        seminar_title="配布資料の試験",
        held_on=date(2023, 2, 1),
        exported_on=EXPORTED,
        source_line="出典：試験",
        link=f"{BASE}/?seminar=x",
    )
    item = handout.HandoutChart(
        chart_id="t",
        title=title,
        spec={"data": {"values": [{"a": 1}]}, "mark": "bar", "encoding": {"x": {"field": "a"}}},
        headers=("項目", "値"),
        rows=(("件数", "1"),),
        source_lines=(source,),
        widths=(1, 1),
    )
    return handout.build_handout(meta, [item])


def test_a_rare_kanji_outside_the_cut_is_printed_with_the_full_font(caplog):
    pdf = _tiny_handout("𠮷野町の問い合わせ", "「𠮷野町では半分に減った」")
    assert "missing the following glyphs" not in caplog.text
    text = _words(_text(pdf))
    assert "𠮷野町の問い合わせ" in text and "「𠮷野町では半分に減った」" in text


def test_a_character_the_choice_did_not_see_still_gets_a_glyph(monkeypatch, caplog):
    # Should a text of ours escape the check before layout, fpdf2's own record of missing glyphs
    # makes the handout lay out again with the full font.
    from jichitai_metrics import pdffont

    chosen = []
    real = pdffont.font_for
    monkeypatch.setattr(handout, "_text_of", lambda meta, items: "")
    monkeypatch.setattr(pdffont, "font_for", lambda text: chosen.append(real(text)) or chosen[-1])
    pdf = _tiny_handout("𠮷野町", "「𠮷」")
    assert chosen == [pdffont.cut_path()]  # the cut was chosen first ...
    assert "missing the following glyphs" not in caplog.text  # ... and not kept
    assert "𠮷野町" in _words(_text(pdf))
