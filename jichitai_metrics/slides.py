"""The budget-meeting deck: a 16:9 .pptx whose every chart slide carries its source.

Slides: a title slide (seminar, date in 西暦 and 和暦, the export's as-of date); one slide per chart
(title, 2× PNG, a footer with 出典 / baseline / notes, the verbatim quotes in the speaker notes);
a closing slide with a QR code and the link back to the dashboard view.

Typeface. python-pptx's ``font.name`` sets only ``a:latin``; PowerPoint picks Japanese glyphs from
``a:ea``, so every run gets both. We name **Meiryo (メイリオ)**: it ships with every Windows since
Vista, which is what municipal (LGWAN) PCs run, and it was designed for legibility on screens,
which carries over to projectors; Yu Gothic (the Office default) is thin when projected and
Noto Sans CJK JP is rarely installed on Windows. A DrawingML run cannot list fallbacks, so the
``ea`` element also says ``charset="-128"`` (SHIFTJIS_CHARSET) and ``pitchFamily="34"`` (variable
pitch, Swiss = gothic): where Meiryo is missing (Mac, Linux/LibreOffice) the application
substitutes a Japanese *gothic* face rather than a Latin one or a mincho. On this machine
LibreOffice resolves it to Noto Sans CJK JP. Charts themselves are PNGs with the font baked in.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

import segno
from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from jichitai_metrics import images
from jichitai_metrics.chart_card import IMAGE_WIDTH, ChartCard
from jichitai_metrics.formatting import date_text, em_width
from jichitai_metrics.i18n import pick
from jichitai_metrics.words import source_line, text

TYPEFACE = "Meiryo"
SLIDE_WIDTH = Inches(13.333)
SLIDE_HEIGHT = Inches(7.5)
MARGIN = Inches(0.45)
INK = RGBColor(0x1F, 0x29, 0x37)
MUTED = RGBColor(0x4B, 0x55, 0x63)
ACCENT = RGBColor(0x00, 0x72, 0xB2)  # Okabe–Ito blue, as in the charts

TITLE_TOP = Inches(0.25)
TITLE_HEIGHT = Inches(0.9)
LAYOUT_TITLE = 0
LAYOUT_TITLE_ONLY = 5


@dataclass(frozen=True)
class SlideChart:
    """One chart slide: what it shows, the picture, and where every number came from."""

    title: str
    png: bytes
    footer: Sequence[str]
    notes: Sequence[str]
    alt_text: str = ""
    chart_id: str = ""


@dataclass(frozen=True)
class DeckMeta:
    """Title- and closing-slide facts."""

    seminar_title: str
    held_on: date
    exported_on: date
    link: str
    lang: str = "ja"
    held_on_note: str = ""  # how sure the date is (the report gives no year: it is inferred)
    subtitle: str = ""
    source_line: str = ""
    extra_title_lines: Sequence[str] = field(default_factory=tuple)


def set_typeface(run, typeface: str = TYPEFACE, lang_tag: str = "ja-JP") -> None:
    """Give a run both the Latin and the East Asian typeface (and mark it Japanese)."""
    run.font.name = typeface  # writes a:latin
    rpr = run._r.get_or_add_rPr()
    rpr.set("lang", lang_tag)
    rpr.set("altLang", "en-US")
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = etree.SubElement(rpr, qn("a:ea"))
        # Schema order: ... latin, ea, cs, sym, hlinkClick ...: ea goes right after latin.
        rpr.find(qn("a:latin")).addnext(ea)
    ea.set("typeface", typeface)
    ea.set("pitchFamily", "34")
    ea.set("charset", "-128")


def _write(
    frame,
    lines: Iterable[str],
    size: float,
    *,
    bold: bool = False,
    color: RGBColor = INK,
    align=PP_ALIGN.LEFT,
    lang: str = "ja",
) -> None:
    frame.word_wrap = True
    lang_tag = "en-US" if lang == "en" else "ja-JP"
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = align
        run = para.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = color
        set_typeface(run, lang_tag=lang_tag)


def _textbox(slide, left, top, width, height, lines, size, **kw):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.margin_left = frame.margin_right = Inches(0.05)
    _write(frame, lines, size, **kw)
    return box


def _title(
    slide, text: str, lang: str, *, top: int = TITLE_TOP, height: int = TITLE_HEIGHT, size: float = 28
):
    shape = slide.shapes.title
    # The default template's placeholders are placed for 4:3; move this one onto the 16:9 slide.
    shape.left, shape.top, shape.width, shape.height = MARGIN, top, SLIDE_WIDTH - 2 * MARGIN, height
    frame = shape.text_frame
    frame.clear()
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    _write(frame, [text], size, bold=True, lang=lang)
    return shape


def _notes(slide, lines: Sequence[str], lang: str) -> None:
    frame = slide.notes_slide.notes_text_frame
    frame.clear()
    _write(frame, lines or [""], 12, lang=lang)


def _fit(png: bytes, box_w: int, box_h: int) -> tuple[int, int]:
    """The largest size with the PNG's aspect ratio inside the box (EMU)."""
    w, h = images.png_size(png)
    scale = min(box_w / w, box_h / h)
    return int(w * scale), int(h * scale)


def _text_height(lines: Sequence[str], size: float, width_emu: int) -> int:
    """Estimated height (EMU) of wrapped lines: a Japanese character is about 1 em wide."""
    per_line = max(1, int(width_emu / Pt(size) * 0.95))
    rows = sum(max(1, -(-_display_len(line) // per_line)) for line in lines)
    return int(rows * Pt(size) * 1.25 + Inches(0.1))


def _display_len(text: str) -> float:
    return int(em_width(text)) + 1


FOOTER_SIZES = (14, 13, 12, 11, 10)


def _footer_size(lines: Sequence[str], width_emu: int, height_emu: int) -> float:
    """The largest footer size (pt) whose wrapped lines fit the space; 10 pt at the least."""
    for size in FOOTER_SIZES:
        if _text_height(lines, size, width_emu) <= height_emu:
            return size
    return FOOTER_SIZES[-1]


def qr_png(url: str) -> bytes:
    """A QR code for `url` as PNG (error correction M survives a printed, photocopied handout)."""
    buf = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buf, kind="png", scale=12, border=2)
    return buf.getvalue()


def _title_slide(prs, meta: DeckMeta) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    lang = meta.lang
    _title(slide, meta.seminar_title, lang, top=Inches(1.6), height=Inches(1.5), size=36)
    # The layout's subtitle placeholder is sized for 4:3; our own text box replaces it.
    for ph in list(slide.placeholders):
        if ph.placeholder_format.idx != 0:
            ph._element.getparent().remove(ph._element)
    lines = [
        pick("開催日：", "Held on: ", lang)
        + date_text(meta.held_on, lang)
        + (pick(f"（{meta.held_on_note}）", f" ({meta.held_on_note})", lang) if meta.held_on_note else ""),
        *meta.extra_title_lines,
    ]
    if meta.subtitle:
        lines.insert(0, meta.subtitle)
    _textbox(
        slide, MARGIN, Inches(3.3), SLIDE_WIDTH - 2 * MARGIN, Inches(1.6), lines, 20, color=INK, lang=lang
    )
    as_of = [
        pick("資料作成日（出力時点）：", "Exported on (as of): ", lang) + date_text(meta.exported_on, lang)
    ]
    if meta.source_line:
        as_of.append(meta.source_line)
    _textbox(
        slide, MARGIN, Inches(5.4), SLIDE_WIDTH - 2 * MARGIN, Inches(1.4), as_of, 14, color=MUTED, lang=lang
    )


def _chart_slide(prs, item: SlideChart, lang: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    _title(slide, item.title, lang, size=26 if len(item.title) <= 40 else 20)
    top, bottom, gap = Inches(1.2), SLIDE_HEIGHT - Inches(0.2), Inches(0.15)
    box_w = SLIDE_WIDTH - 2 * MARGIN
    # Reserve room for the footer at 12 pt, give the rest to the picture, then let the footer use
    # whatever the (aspect-fitted) picture left free, at the largest size that fits.
    reserve = max(Inches(1.0), _text_height(item.footer, 12, box_w))
    w, h = _fit(item.png, box_w, bottom - top - reserve - gap)
    pic = slide.shapes.add_picture(io.BytesIO(item.png), Emu((SLIDE_WIDTH - w) // 2), top, w, h)
    # Alt text: screen readers and PowerPoint's accessibility checker read cNvPr/@descr.
    pic._element.nvPicPr.cNvPr.set("descr", item.alt_text or item.title)
    footer_top = top + h + gap
    footer_h = bottom - footer_top
    _textbox(
        slide,
        MARGIN,
        footer_top,
        box_w,
        footer_h,
        list(item.footer),
        _footer_size(item.footer, box_w, footer_h),
        color=MUTED,
        lang=lang,
    )
    _notes(slide, list(item.notes), lang)


def _closing_slide(prs, meta: DeckMeta) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    lang = meta.lang
    _title(
        slide,
        pick(
            "数値と出典はダッシュボードで確認できます", "Check the figures and sources on the dashboard", lang
        ),
        lang,
    )
    qr = qr_png(meta.link)
    side = Inches(3.6)
    pic = slide.shapes.add_picture(io.BytesIO(qr), MARGIN + Inches(0.3), Inches(1.6), side, side)
    pic._element.nvPicPr.cNvPr.set(
        "descr", pick("ダッシュボードへのQRコード：", "QR code to the dashboard: ", lang) + meta.link
    )
    text_left = MARGIN + Inches(4.4)
    box = _textbox(
        slide,
        text_left,
        Inches(1.8),
        SLIDE_WIDTH - text_left - MARGIN,
        Inches(3.2),
        [
            pick("この資料の元になった画面：", "The dashboard view this deck came from:", lang),
            meta.link,
            "",
            pick(
                "各数値はセミナーレポートの記述から引用したもので、発言の原文はスライドのノートにあります。",
                "Every figure is quoted from the seminar report; the verbatim quotes are in the slide notes.",
                lang,
            ),
        ],
        16,
        lang=lang,
    )
    link_run = box.text_frame.paragraphs[1].runs[0]
    link_run.hyperlink.address = meta.link
    link_run.font.color.rgb = ACCENT


def build_deck(meta: DeckMeta, items: Iterable[SlideChart]) -> bytes:
    """The .pptx bytes: title slide, one slide per item, closing slide with QR code.

    `items` may be a generator: each slide is laid out as soon as its item arrives (cards_deck
    lays out slide i while the render process draws the PNG of slide i+1).
    """
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    prs.core_properties.title = meta.seminar_title
    prs.core_properties.language = "ja-JP" if meta.lang != "en" else "en-US"
    _title_slide(prs, meta)
    for item in items:
        _chart_slide(prs, item, meta.lang)
    _closing_slide(prs, meta)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def dashboard_link(
    base_url: str,
    seminar_id: str,
    chart_ids: Sequence[str] = (),
    programs: Sequence[int] = (),
    lang: str = "ja",
) -> str:
    """The dashboard view a deck came from: the programme page, or presentation mode for a selection."""
    params: dict[str, str] = {"seminar": seminar_id}
    if len(programs) == 1 and not chart_ids:
        path = "program"
        params["program"] = str(programs[0])
    else:
        path = "present"
        if chart_ids:
            params["charts"] = ",".join(chart_ids)
    if lang == "en":
        params["lang"] = "en"
    return f"{base_url.rstrip('/')}/{path}?{urlencode(params, safe=',')}"


# --- from the catalogue ------------------------------------------------------------------------


class PhaseTimer:
    """Adds up wall time per named phase (bench/deck.py prints it); a no-op cost when unused.

    A phase entered inside another is not counted in the outer one, so the totals add up to the
    elapsed time (slide layout waits for each PNG inside the layout phase).
    """

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self._stack: list[str] = []
        self._since = 0.0

    def _charge(self, now: float) -> None:
        if self._stack:
            name = self._stack[-1]
            self.totals[name] = self.totals.get(name, 0.0) + now - self._since
        self._since = now

    @contextlib.contextmanager
    def phase(self, name: str):
        self._charge(time.perf_counter())
        self._stack.append(name)
        self.totals.setdefault(name, 0.0)
        try:
            yield
        finally:
            self._charge(time.perf_counter())
            self._stack.pop()


CHART_IMAGE_WIDTH = IMAGE_WIDTH  # px before the 2× scale (one width for slides and handouts)


def card_slide(card: ChartCard, png: bytes) -> SlideChart:
    """A chart card as a slide: its title, picture, footer (出典, 基準, 時点, warnings) and notes."""
    return SlideChart(
        title=card.title,
        png=png,
        footer=card.footer,
        notes=card.notes,
        alt_text=card.alt_text,
        chart_id=card.chart_id,
    )


def charts_showing(chart_rows, figure_ids) -> list[str]:
    """Ids of the charts (DataFrame of charts.csv rows, in order) that show any of `figure_ids`."""
    wanted = {str(f) for f in figure_ids}
    return [
        str(r["chart_id"])
        for r in chart_rows.to_dict("records")
        if wanted.intersection(str(r["figure_ids"] or "").split())
    ]


def whatif_slide(results, lang: str = "ja") -> SlideChart:
    """The what-if results as a slide: chart, the caveat and sources in the footer, assumptions in notes."""
    from jichitai_metrics import whatif

    sources = list(dict.fromkeys(results["source"]))
    quotes = list(
        dict.fromkeys(
            f"「{q}」（{fid}）" for q, fid in zip(results["quote"], results["figure_id"], strict=True)
        )
    )
    footer = [pick(*whatif.CAVEAT, lang), *sources]
    notes = [pick("前提（それぞれの数値）：", "Assumptions (each number):", lang)]
    for row in results.to_dict("records"):
        notes.append(
            f"・{row['item']}（{row['reading']}）：{whatif.result_text(row, lang)} ― {row['assumption']}"
        )
    notes += ["", pick("引用（セミナーレポートより）：", "Quotes from the seminar report:", lang), *quotes]
    title = pick(
        "うちの自治体なら：報告事例を当てはめた例示",
        "For our municipality: an illustration from reported cases",
        lang,
    )
    return SlideChart(
        title=title,
        png=images.render_png(whatif.chart(results, lang, width=CHART_IMAGE_WIDTH)),
        footer=footer,
        notes=notes,
        alt_text=title,
        chart_id="whatif",
    )


def cards_deck(
    seminar_row: dict[str, Any],
    cards: Sequence[ChartCard],
    *,
    programs: Sequence[int] = (),
    chart_ids: Sequence[str] = (),
    lang: str = "ja",
    base_url: str = "http://localhost:8501",
    exported_on: date | None = None,
    extra: Sequence[SlideChart] = (),
    timer: PhaseTimer | None = None,
) -> bytes:
    """A whole deck from chart cards (CLI and UI share this): title, the cards, extra, closing slide.

    Takes data, not a connection: ``chart_card.load_cards`` reads the catalogue.
    """
    from jichitai_metrics import export

    timer = timer or PhaseTimer()
    # Every chart is built here while the previous PNG renders in the render process
    # (images.render_png_later): building chart i+1 overlaps rendering chart i. Then, rather than
    # wait, this process renders the PNGs the render process has not reached, from the last one back.
    pending = []
    for card in cards:
        with timer.phase("chart build (Altair)"):
            chart = card.chart(CHART_IMAGE_WIDTH, title=False)  # the slide title carries the title
        with timer.phase("spec + start PNG render"):
            pending.append((card, images.render_png_later(chart)))
    with timer.phase("PNG renders taken back from the queue (vl-convert, here)"):
        for _, png in reversed(pending):
            if png.value is not None:  # already in the image cache
                continue
            if not png.help():  # the render process has reached it (it works front to back)
                break

    def items() -> Iterable[SlideChart]:
        for card, png in pending:
            with timer.phase("waiting for PNG renders (vl-convert)"):
                data = png()
            yield card_slide(card, data)
        yield from extra

    # A whole-seminar deck links to presentation mode without a list (= every chart): a short URL
    # keeps the QR code coarse enough to scan from a projected slide.
    ids = [c.chart_id for c in cards] if chart_ids else []
    meta = DeckMeta(
        seminar_title=text(seminar_row, "title", lang),
        held_on=seminar_row["held_on"],
        held_on_note=text(seminar_row, "held_on_note", lang),
        exported_on=exported_on or export.today_jst(),
        link=dashboard_link(base_url, seminar_row["id"], ids, list(programs), lang),
        lang=lang,
        subtitle=pick(
            "予算説明資料（セミナーの報告数値より）",
            "Budget meeting material (figures from the seminar report)",
            lang,
        ),
        source_line=source_line(None, lang, seminar=seminar_row),
    )
    with timer.phase("pptx layout + save"):
        return build_deck(meta, items())
