"""The A4 handout (配布資料) for a hearing room: a print-ready PDF whose every chart carries its source.

Pages: a cover block (seminar, date in 西暦 and 和暦, export date, 出典); one or two charts per page,
each with its title, the chart as vectors, its numbers as a small table and the full source line
(the same caption lines the chart card shows: programme, speaker, verbatim quotes, baseline, as-of,
⚠ notes, 算出値); the planner's what-if results labelled 例示（予測ではありません） with their
assumptions; page numbers; and on the last page the link and a QR code back to the same view.

Libraries, chosen by cost (measured here on 2026-11-28 for the 10 charts of Day 1):

- **Charts: vl-convert's own PDF** (``vegalite_to_pdf``, already a dependency): the renderer of the
  dashboard's PNGs and SVGs, so the handout shows the same drawing, as vector paths with text kept
  as text and the font embedded as a CFF subset (pdffonts: ``CID Type 0C``, emb yes, uni yes).
  0.16 s per chart (a 2× PNG: 0.14 s). The PDFs render in the deck's render process (two cores).
  fpdf2's SVG import was tried on vl-convert's SVG: it rejects ``<line>`` without ``x1`` and empty
  paths, and once those were patched it dropped axis labels and misplaced multi-line labels.
- **Pages and text: fpdf2 2.8.9** (3.2 MB, plus fontTools 30 MB and defusedxml; Pillow is already
  installed). It embeds the packaged CFF-based Noto Sans CJK JP .otf as a subset with a ToUnicode
  map, so the text is selectable and a quote copied out matches the report. From the full font
  that cost 0.19 s to load and 0.30 s to subset and save per handout (handout/deck 1.22-1.28x), so
  fpdf2 gets a JIS-repertoire cut of the same font (:mod:`jichitai_metrics.pdffont`): 0.03 s and
  0.14 s; a text the cut lacks a character of is laid out with the full font. **reportlab** 5.1
  (9.3 MB) refuses that .otf ("postscript outlines are not supported": it embeds TrueType only)
  and its built-in CJK fonts are not embedded, so a machine without Japanese fonts would not render
  them. **weasyprint** needs Pango from the system and a whole HTML/CSS engine for a few boxes of
  text.
- **Placing the chart PDFs on the pages: pikepdf 10.18** (qpdf; 11.5 MB with its libraries; lxml
  and Pillow already installed): each chart page becomes a Form XObject in its rectangle, 0.01 s
  for 10 charts. pypdf 7.1 (pure Python, 4.3 MB) merged the same pages in 0.27 s into a file
  1.8× larger.

No streamlit here: the CLI, the deck page and the tests share :func:`catalog_handout`.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jichitai_metrics.formatting import date_text
from jichitai_metrics.i18n import pick

if TYPE_CHECKING:
    from jichitai_metrics.chart_card import ChartCard

PT_PER_MM = 72 / 25.4
CHART_WIDTH = 640  # px = pt in vl-convert's PDF; scaled to the page width (0.75× on A4 portrait)
MARGIN = 14.0  # mm
FOOTER = 12.0  # mm kept free at the bottom for the page number
FONT = "NotoSansCJKjp"
INK = (31, 41, 55)
MUTED = (75, 85, 99)
ACCENT = (0, 114, 178)  # Okabe–Ito blue, as in the charts
RULE = (184, 188, 198)
FILL = (240, 242, 246)
CHARTS_PER_PAGE = 2
# Table columns (chart_table names) and their relative widths; optional ones only when filled in.
TABLE_FIELDS = {
    "label": 3.0,
    "series": 1.6,
    "value_text": 1.7,
    "kind": 1.1,
    "baseline": 1.8,
    "as_of": 1.1,
}
ALWAYS = ("label", "value_text", "kind")
WHATIF_LABEL = ("例示（予測ではありません）", "Illustration (not a forecast)")


@dataclass(frozen=True)
class HandoutChart:
    """What the handout needs of one chart (built by :func:`handout_chart`, the one adapter)."""

    chart_id: str
    title: str
    spec: dict[str, Any]  # Vega-Lite, drawn as a vector PDF by vl-convert
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    source_lines: tuple[str, ...]
    widths: tuple[float, ...] = ()  # relative column widths of the table
    label: str = ""  # a line above the title (what-if: 例示（予測ではありません）)


@dataclass(frozen=True)
class HandoutMeta:
    """Cover and closing facts."""

    seminar_title: str
    held_on: date
    exported_on: date
    source_line: str
    link: str
    lang: str = "ja"
    subtitle: str = ""
    landscape: bool = False
    held_on_note: str = ""  # how sure the date is (as on the deck's title slide)


# --- the adapter: a chart as the handout needs it ----------------------------------------------


def _cell(value: object) -> str:
    from jichitai_metrics import words

    return words.clean(value)


def handout_chart(card: ChartCard) -> HandoutChart:
    """One chart card for the handout: title, spec, table rows and the on-screen caption lines.

    The only place that reads a chart for the handout, from the same :class:`ChartCard` the screen,
    the images and the slides take: the source lines are ``card.caption.lines()``, the lines the
    chart card shows under the chart; the table is the card's table view (``card.csv_table``).
    """
    from jichitai_metrics import images, words

    names = words.headers(list(TABLE_FIELDS), card.lang)
    table = card.csv_table
    cells = {f: [_cell(v) for v in table[names[f]]] for f in TABLE_FIELDS}
    keep = [f for f in TABLE_FIELDS if f in ALWAYS or any(cells[f])]
    return HandoutChart(
        chart_id=card.chart_id,
        title=card.title,
        spec=images.chart_spec(card.chart(CHART_WIDTH, title=False)),  # the heading carries the title
        headers=tuple(names[f] for f in keep),
        rows=tuple(tuple(cells[f][i] for f in keep) for i in range(len(table))),
        source_lines=tuple(card.caption.lines()),
        widths=tuple(TABLE_FIELDS[f] for f in keep),
    )


def whatif_chart(results: Any, lang: str = "ja") -> HandoutChart:
    """The planner's what-if results: chart, caveat, and per result its assumption and source."""
    from jichitai_metrics import images, whatif

    lines = [pick(*whatif.CAVEAT, lang)]
    for row in results.to_dict("records"):
        lines += [
            f"・{row['item']}（{row['reading']}）：{whatif.result_text(row, lang)}",
            pick("前提：", "Assumption: ", lang) + str(row["assumption"]),
            whatif.source_line(row),
        ]
    return HandoutChart(
        chart_id="whatif",
        title=pick(
            "うちの自治体なら：報告事例を当てはめた例示",
            "For our municipality: an illustration from reported cases",
            lang,
        ),
        spec=images.chart_spec(whatif.chart(results, lang, width=CHART_WIDTH - 80)),
        headers=(),
        rows=(),
        source_lines=tuple(lines),
        label=pick(*WHATIF_LABEL, lang),
    )


# --- layout ------------------------------------------------------------------------------------


@dataclass
class _Placed:
    page: int  # 0-based
    x: float  # mm from the left
    y: float  # mm from the top
    w: float
    h: float
    pdf: Any  # pikepdf.Pdf of the chart


class _Writer:
    """fpdf2 document with the handout's text styles; charts are placed afterwards (pikepdf)."""

    def __init__(self, meta: HandoutMeta, font_file: Path) -> None:
        from fpdf import FPDF
        from fpdf.enums import WrapMode
        from fpdf.fonts import TTFFont

        footer_text = meta.seminar_title

        class _Doc(FPDF):
            def footer(self) -> None:
                self.set_y(-FOOTER + 3)
                self.set_font(FONT, size=7.5)
                self.set_text_color(*MUTED)
                self.cell(0, 4, f"{footer_text}　{self.page_no()} / {{nb}}", align="C")

        self.meta = meta
        self.lang = meta.lang
        self.wrap = WrapMode.WORD if meta.lang == "en" else WrapMode.CHAR
        pdf = _Doc(orientation="L" if meta.landscape else "P", unit="mm", format="A4")
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(True, margin=FOOTER)
        pdf.add_font(FONT, "", str(font_file))
        # Saving the subset font recomputed every glyph's bounds to refresh the font's bounding box:
        # 0.37 s of cProfile's 1.6 s in fpdf2's output, for a box the full font's (kept) box already
        # covers. bench/handout.py: handout/deck 1.30x with it (target <= 1.2x).
        font = pdf.fonts[FONT.lower()]
        if isinstance(font, TTFFont):
            font.ttfont.recalcBBoxes = False
        pdf.set_title(meta.seminar_title)
        pdf.set_lang("en-US" if meta.lang == "en" else "ja-JP")
        pdf.set_creator("jichitai-metrics")
        pdf.set_subject(pick("配布資料", "Handout", meta.lang))
        self.pdf = pdf
        self.width = pdf.w - 2 * MARGIN
        # Two charts a page in portrait; one large one in landscape.
        self.max_chart_h = (pdf.h * 0.33) if not meta.landscape else (pdf.h * 0.5)
        self.max_chart_w = self.width if not meta.landscape else self.width * 0.8
        self.placed: list[_Placed] = []
        self.on_page = 0

    # text helpers ------------------------------------------------------------------------------

    def _style(self, size: float, color: tuple[int, int, int] = INK) -> None:
        self.pdf.set_font(FONT, size=size)
        self.pdf.set_text_color(*color)

    def _lines_h(self, lines: Sequence[str], size: float, lh: float, width: float | None = None) -> float:
        self.pdf.set_font(FONT, size=size)
        w = self.width if width is None else width
        return sum(self._measure(w, lh, line, "HEIGHT") for line in lines)

    def _measure(self, w: float, lh: float, text: str, output: str) -> Any:
        """multi_cell without drawing: the height (mm) or the wrapped lines of a text."""
        return self.pdf.multi_cell(w, lh, text or " ", dry_run=True, output=output, wrapmode=self.wrap)

    def _write(self, lines: Sequence[str], size: float, lh: float, color=INK, link: str = "") -> None:
        self._style(size, color)
        for line in lines:
            self.pdf.set_x(MARGIN)
            self.pdf.multi_cell(self.width, lh, line or " ", wrapmode=self.wrap, link=link or None)

    # blocks ------------------------------------------------------------------------------------

    def cover(self) -> None:
        m, lang = self.meta, self.lang
        self.pdf.add_page()
        self._write([pick("配布資料", "Handout", lang)], 9, 5, ACCENT)
        self._write([m.seminar_title], 17, 8.5)
        if m.subtitle:
            self._write([m.subtitle], 10.5, 6, MUTED)
        self.pdf.ln(1.5)
        self._write(
            [
                pick("開催日：", "Held on: ", lang)
                + date_text(m.held_on, lang)
                + (pick(f"（{m.held_on_note}）", f" ({m.held_on_note})", lang) if m.held_on_note else ""),
                pick("資料作成日（出力時点）：", "Exported on (as of): ", lang)
                + date_text(m.exported_on, lang),
                m.source_line,
            ],
            9.5,
            5.2,
        )
        self._rule()

    def _rule(self) -> None:
        self.pdf.ln(2)
        self.pdf.set_draw_color(*RULE)
        self.pdf.set_line_width(0.3)
        self.pdf.line(MARGIN, self.pdf.get_y(), MARGIN + self.width, self.pdf.get_y())
        self.pdf.ln(4)

    def _col_widths(self, item: HandoutChart) -> list[float]:
        total = sum(item.widths)
        return [self.width * w / total for w in item.widths] if item.headers and total else []

    TABLE_SIZE, TABLE_LH, PAD = 7.5, 3.5, 0.9

    def _row_h(self, cells: Sequence[str], widths: Sequence[float]) -> float:
        self.pdf.set_font(FONT, size=self.TABLE_SIZE)
        lines = max(
            len(self._measure(w - 2 * self.PAD, self.TABLE_LH, c, "LINES"))
            for c, w in zip(cells, widths, strict=True)
        )
        return lines * self.TABLE_LH + 2 * self.PAD

    def _row_heights(self, item: HandoutChart) -> list[float]:
        widths = self._col_widths(item)
        return [self._row_h(r, widths) for r in (item.headers, *item.rows)] if widths else []

    def _table(self, item: HandoutChart, heights: Sequence[float]) -> None:
        widths = self._col_widths(item)
        if not widths:
            return
        pdf = self.pdf
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        for i, (row, h) in enumerate(zip((item.headers, *item.rows), heights, strict=True)):
            y, x = pdf.get_y(), MARGIN
            for cell, w in zip(row, widths, strict=True):
                pdf.set_fill_color(*FILL)
                pdf.rect(x, y, w, h, style="DF" if i == 0 else "D")
                pdf.set_xy(x + self.PAD, y + self.PAD)
                self._style(self.TABLE_SIZE, MUTED if i == 0 else INK)
                pdf.multi_cell(w - 2 * self.PAD, self.TABLE_LH, cell or " ", wrapmode=self.wrap)
                x += w
            pdf.set_xy(MARGIN, y + h)
        pdf.ln(2.5)

    def _box(self, chart_pdf: Any) -> tuple[float, float]:
        llx, lly, urx, ury = (float(v) for v in chart_pdf.pages[0].mediabox)
        w, h = (urx - llx) / PT_PER_MM, (ury - lly) / PT_PER_MM
        scale = min(1.0, self.max_chart_w / w, self.max_chart_h / h)
        return w * scale, h * scale

    SOURCE_SIZE, SOURCE_LH = 7.5, 3.6

    MIN_SHRINK = 0.7  # a chart is drawn at least this large rather than moved to the next page
    MIN_CHART = 0.45  # ... and at least this large when its text alone nearly fills a page

    def chart(self, item: HandoutChart, chart_pdf: Any) -> None:
        """Title, chart, table, source lines on one page: the chart shrinks a little to stay on this
        page, or the block moves whole to the next one (where the chart shrinks if it must)."""
        pdf = self.pdf
        w, h = self._box(chart_pdf)
        label_h = self._lines_h([item.label], 8.5, 4.6) if item.label else 0.0
        title_h = self._lines_h([item.title], 12.5, 6.2)
        heights = self._row_heights(item)
        text_h = label_h + title_h + 4 + (sum(heights) + 2.5 if heights else 0.0)
        text_h += self._lines_h(item.source_lines, self.SOURCE_SIZE, self.SOURCE_LH) + 6
        room = pdf.page_break_trigger - pdf.get_y()  # on this page
        full = pdf.page_break_trigger - MARGIN  # on a fresh page
        if self.on_page < CHARTS_PER_PAGE and text_h + h * self.MIN_SHRINK <= room:
            scale = min(1.0, (room - text_h) / h)
        else:
            if pdf.get_y() > MARGIN + 1:
                pdf.add_page()
                self.on_page = 0
            scale = max(self.MIN_CHART, min(1.0, (full - text_h) / h))
        w, h = w * scale, h * scale
        if item.label:
            self._write([item.label], 8.5, 4.6, (213, 94, 0))  # vermillion: stands out, prints in grey too
        self._write([item.title], 12.5, 6.2)
        pdf.ln(2)
        top = pdf.get_y()
        self.placed.append(_Placed(pdf.page - 1, MARGIN, top, w, h, chart_pdf))
        pdf.set_y(top + h + 2)
        self._table(item, heights)
        self._write(item.source_lines[:1], self.SOURCE_SIZE, self.SOURCE_LH, INK)
        self._write(item.source_lines[1:], self.SOURCE_SIZE, self.SOURCE_LH, MUTED)
        pdf.ln(6)
        self.on_page += 1

    QR_SIDE = 34.0  # mm: scans from a printed page at arm's length

    def closing(self) -> None:
        """The link and QR code back to the dashboard view, on the last page."""
        pdf, lang, link = self.pdf, self.lang, self.meta.link
        if pdf.get_y() + self.QR_SIDE + 16 > pdf.page_break_trigger:
            pdf.add_page()
        self._rule()
        self._write(
            [
                pick(
                    "数値と出典はダッシュボードで確認できます",
                    "Check the figures and sources on the dashboard",
                    lang,
                )
            ],
            12,
            6,
        )
        pdf.ln(2)
        top = pdf.get_y()
        self._qr(link, MARGIN, top, self.QR_SIDE)
        text_x = MARGIN + self.QR_SIDE + 6
        pdf.set_xy(text_x, top + 2)
        self._style(9.5)
        tw = self.width - self.QR_SIDE - 6
        pdf.multi_cell(
            tw, 5, pick("この資料の元になった画面：", "The dashboard view this handout came from:", lang)
        )
        pdf.set_x(text_x)
        self._style(9.5, ACCENT)
        pdf.multi_cell(tw, 5, link, link=link, wrapmode=self.wrap)
        pdf.set_x(text_x)
        self._style(8.5, MUTED)
        pdf.multi_cell(
            tw,
            4.6,
            pick(
                "各数値はセミナーレポートの記述から引用したもので、発言の原文を各グラフの下に載せています。",
                "Every figure is quoted from the seminar report; the verbatim quotes are under each chart.",
                lang,
            ),
            wrapmode=self.wrap,
        )
        pdf.set_y(max(pdf.get_y(), top + self.QR_SIDE) + 2)

    def _qr(self, text: str, x: float, y: float, side: float) -> None:
        """A QR code drawn as filled rectangles (vectors: sharp at any print resolution)."""
        import segno

        # Error correction M, as on the slides: survives a photocopied handout.
        matrix = segno.make(text, error="m", micro=False).matrix
        quiet = 4  # modules of white border the standard asks for
        n = len(matrix)
        cell = side / (n + 2 * quiet)
        pdf = self.pdf
        pdf.set_fill_color(255, 255, 255)
        pdf.rect(x, y, side, side, style="F")
        pdf.set_fill_color(0, 0, 0)
        for r, row in enumerate(matrix):
            c = 0
            while c < n:
                if not row[c] & 1:
                    c += 1
                    continue
                start = c
                while c < n and row[c] & 1:
                    c += 1
                pdf.rect(
                    x + (quiet + start) * cell, y + (quiet + r) * cell, (c - start) * cell, cell, style="F"
                )

    def missing_glyphs(self) -> list[int]:
        """Characters written so far that the font has no glyph for (fpdf2 would draw them blank)."""
        return list(getattr(self.pdf.fonts[FONT.lower()], "missing_glyphs", []))

    def finish(self) -> bytes:
        import pikepdf

        base = bytes(self.pdf.output())
        if not self.placed:
            return base
        doc = pikepdf.open(io.BytesIO(base))
        page_h = self.pdf.h
        for p in self.placed:
            rect = pikepdf.Rectangle(
                p.x * PT_PER_MM,
                (page_h - p.y - p.h) * PT_PER_MM,
                (p.x + p.w) * PT_PER_MM,
                (page_h - p.y) * PT_PER_MM,
            )
            doc.pages[p.page].add_overlay(p.pdf.pages[0], rect)
        out = io.BytesIO()
        doc.save(out, compress_streams=True)
        return out.getvalue()


def _ready(pending: Any) -> bool:
    """The chart's PDF is there (cached, rendered here, or back from the render process)."""
    return pending.value is not None or (pending.future is not None and pending.future.done())


def _text_of(meta: HandoutMeta, items: Sequence[HandoutChart]) -> str:
    """Every text of the meta and the charts the handout writes (to choose a font that has them)."""
    parts = [meta.seminar_title, meta.source_line, meta.link, meta.subtitle, meta.held_on_note]
    for item in items:
        parts += [item.title, item.label, *item.headers, *item.source_lines]
        parts += [cell for row in item.rows for cell in row]
    return "".join(parts)


def build_handout(meta: HandoutMeta, items: Iterable[HandoutChart], timer: Any = None) -> bytes:
    """The PDF bytes: cover, one block per item (one or two a page), closing block with the QR code.

    `items` may be a generator: each chart's PDF is queued for the render process as soon as its
    item arrives, so building chart i+1 overlaps rendering chart i (as the deck does).
    """
    from jichitai_metrics import images, pdffont, slides

    timer = timer or slides.PhaseTimer()
    queued = []
    for item in items:
        with timer.phase("start chart PDF renders"):
            queued.append((item, images.render_png_later(item.spec, fmt="pdf")))
    font = pdffont.font_for(_text_of(meta, [item for item, _ in queued]))
    writer = _lay_out(meta, queued, font, timer)
    if writer.missing_glyphs() and font != pdffont.full_font():
        # A character of our own labels outside the cut: the full font has it (charts are in hand).
        writer = _lay_out(meta, queued, pdffont.full_font(), timer)
    with timer.phase("font subset + charts placed + save (fpdf2, pikepdf)"):
        return writer.finish()


def _lay_out(
    meta: HandoutMeta, queued: Sequence[tuple[HandoutChart, Any]], font: Path, timer: Any
) -> _Writer:
    import pikepdf

    with timer.phase("font load (fpdf2)"):
        writer = _Writer(meta, font)
    # Lay out each chart as soon as its PDF is there; while the next one is still in the render
    # process, render a queued one from the end here instead of waiting (the process works from
    # the front), so page layout overlaps rendering rather than following it.
    spare = len(queued) - 1  # the last queued render this process may still take back
    with timer.phase("page layout (fpdf2)"):
        writer.cover()
        for i, (item, pending) in enumerate(queued):
            while not _ready(pending) and spare > i:
                with timer.phase("chart PDFs taken back from the queue (vl-convert, here)"):
                    taken = queued[spare][1].help()
                if not taken and not _ready(queued[spare][1]):
                    spare = i  # started in the render process: so are all before it
                spare -= 1
            with timer.phase("waiting for chart PDFs (vl-convert)"):
                data = pending()
            writer.chart(item, pikepdf.open(io.BytesIO(data)))
        writer.closing()
    return writer


# --- from the catalogue ------------------------------------------------------------------------


def cards_handout(
    seminar_row: dict[str, Any],
    cards: Sequence[ChartCard],
    *,
    programs: Sequence[int] = (),
    chart_ids: Sequence[str] = (),
    lang: str = "ja",
    base_url: str = "http://localhost:8501",
    exported_on: date | None = None,
    landscape: bool = False,
    whatif_results: Any = None,
    timer: Any = None,
) -> bytes:
    """A whole handout from chart cards (the deck's cards_deck, as paper): cover, cards, what-if, QR."""
    from jichitai_metrics import export, slides, words

    timer = timer or slides.PhaseTimer()

    def items() -> Iterable[HandoutChart]:
        for card in cards:
            with timer.phase("chart build (Altair)"):
                item = handout_chart(card)
            yield item
        if whatif_results is not None and len(whatif_results):
            with timer.phase("chart build (Altair)"):
                yield whatif_chart(whatif_results, lang)

    ids = [c.chart_id for c in cards] if chart_ids else []
    held_note = words.text(seminar_row, "held_on_note", lang)
    meta = HandoutMeta(
        seminar_title=pick(seminar_row["title_ja"], seminar_row.get("title_en") or "", lang),
        held_on=seminar_row["held_on"],
        held_on_note=held_note,
        exported_on=exported_on or export.today_jst(),
        source_line=words.source_line(None, lang, seminar=seminar_row),
        link=slides.dashboard_link(base_url, seminar_row["id"], ids, list(programs), lang),
        lang=lang,
        subtitle=pick(
            "予算説明の配布資料（セミナーの報告数値より）",
            "Budget hearing handout (figures from the seminar report)",
            lang,
        ),
        landscape=landscape,
    )
    return build_handout(meta, items(), timer=timer)


def catalog_handout(
    con: Any,
    seminar_id: str,
    *,
    programs: Sequence[int] = (),
    chart_ids: Sequence[str] = (),
    lang: str = "ja",
    timer: Any = None,
    **options: Any,
) -> bytes:
    """The handout of a selection straight from the catalogue (CLI, tests, bench): cards, then paper.

    Raises UnknownSeminar for an unknown seminar, programme or chart.
    """
    from jichitai_metrics import slides
    from jichitai_metrics.chart_card import load_cards

    timer = timer or slides.PhaseTimer()
    with timer.phase("catalogue queries + cards"):
        seminar_row, cards = load_cards(con, seminar_id, programs, chart_ids, lang)
    return cards_handout(
        seminar_row, cards, programs=programs, chart_ids=chart_ids, lang=lang, timer=timer, **options
    )


def handout_filename(seminar_id: str, chart_ids: Sequence[str] = (), programs: Sequence[int] = ()) -> str:
    """jichitai-handout-<seminar>[-programN]-<YYYYMMDD>.pdf"""
    from jichitai_metrics import export

    parts: list[str | int] = [seminar_id]
    if len(programs) == 1 and not chart_ids:
        parts.append(f"program{programs[0]}")
    return export.export_filename("handout", *parts, ext="pdf")


# --- command line (registered in __main__) -----------------------------------------------------


def add_subcommand(sub: Any) -> None:
    """``handout --out F.pdf [--seminar ID] [--program N …] [--chart ID …] [--landscape]``."""
    cmd = sub.add_parser(
        "handout",
        help="配布資料（A4 PDF）を書き出す / write the A4 handout PDF",
        description="A4の配布資料（PDF）を作ります。グラフはベクター、出典・引用・注記つき、最後のページにQRコード。"
        " An A4 handout: vector charts with their sources, quotes and notes; a QR code on the last page.",
    )
    cmd.add_argument(
        "--out", required=True, type=Path, metavar="FILE.pdf", help="書き出すファイル / output file"
    )
    cmd.add_argument("--seminar", metavar="ID", help="セミナーID（省略時は最初のセミナー） / seminar id")
    cmd.add_argument(
        "--program",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="プログラム番号（繰り返し可） / programme",
    )
    cmd.add_argument(
        "--chart", action="append", default=[], metavar="CHART_ID", help="グラフID（繰り返し可） / chart id"
    )
    cmd.add_argument("--landscape", action="store_true", help="A4横 / A4 landscape (default: portrait)")
    cmd.add_argument("--lang", choices=("ja", "en"), default="ja", help="言語 / language (default: ja)")
    cmd.add_argument("--data-dir", type=Path, help="データフォルダ（既定は JICHITAI_DATA_DIR） / data folder")
    cmd.add_argument("--base-url", help="QRコードのリンク先（既定は JICHITAI_BASE_URL） / dashboard base URL")


def run_cli(args: argparse.Namespace) -> int:
    """The ``handout`` command: 0 written, 2 bad arguments or unknown id, 3 unreadable data."""
    import pikepdf

    from jichitai_metrics import catalog, images, queries
    from jichitai_metrics.config import load_settings
    from jichitai_metrics.errors import CatalogError, UnknownSeminar

    settings = load_settings()
    if args.out.suffix.lower() != ".pdf":
        print(
            f"エラー: 出力ファイルは .pdf にしてください（{args.out}）。 / error: --out must end in .pdf",
            file=sys.stderr,
        )
        return 2
    if not args.out.parent.exists():
        print(
            f"エラー: 出力先のフォルダがありません: {args.out.parent} / error: no such folder",
            file=sys.stderr,
        )
        return 2
    try:
        con = catalog.build_catalog(args.data_dir or settings.data_dir)
    except CatalogError as exc:
        print(
            f"エラー: データファイルを読めません / error: cannot load the data files\n{exc}", file=sys.stderr
        )
        return 3
    seminar_id = args.seminar or str(queries.seminars(con)["id"].iloc[0])
    started = time.perf_counter()
    images.warm_render_pool()
    try:
        data = catalog_handout(
            con,
            seminar_id,
            programs=args.program,
            chart_ids=args.chart,
            lang=args.lang,
            base_url=args.base_url or settings.base_url,
            landscape=args.landscape,
        )
    except UnknownSeminar as exc:
        known = ", ".join(queries.seminars(con)["id"])
        print(
            f"エラー: 見つかりません / error: not found: {exc}\n"
            f"使えるセミナーID / known seminar ids: {known}",
            file=sys.stderr,
        )
        return 2
    finally:
        images.shutdown_render_pool()
    args.out.write_bytes(data)
    pages = len(pikepdf.open(io.BytesIO(data)).pages)
    print(f"{args.out}: {pages} pages, {len(data):,} bytes, {time.perf_counter() - started:.1f}s")
    return 0
