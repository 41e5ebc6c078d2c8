"""Benchmark of the A4 handout (run by hand): python bench/handout.py [--rounds 5] [--seminar ID]

The handout PDF for every chart of a seminar against the .pptx deck of the same charts, measured in
the same run, alternating, median of the rounds. Target: handout ≤ 1.2× the deck.

Both sides start equal: the image cache is cleared before each export (every PNG and chart PDF is
rendered again), every chart is built again from the catalogue, the catalogue connection, imports
and the render process are warm (a warm-up export of each runs first, not timed). Both use the
render process the same way (images.render_png_later: PNG for the deck, PDF for the handout).

A third column, in the same rounds, is the handout with the full font (fpdf2 parsing and subsetting
all 65,535 glyphs itself): what pdffont's JIS cut saves, so the cut stays only while it pays.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pikepdf  # noqa: E402

from jichitai_metrics import catalog, handout, images, pdffont, queries, slides  # noqa: E402
from jichitai_metrics.chart_card import load_cards  # noqa: E402
from jichitai_metrics.config import load_settings  # noqa: E402


def _deck(con, seminar_id: str) -> bytes:
    # What the deck page and the CLI do on a click: read the cards, then build the slides.
    seminar_row, cards = load_cards(con, seminar_id)
    return slides.cards_deck(seminar_row, cards)


@contextlib.contextmanager
def _full_font_only() -> Iterator[None]:
    chosen = pdffont.font_for
    pdffont.font_for = lambda text: pdffont.full_font()
    try:
        yield
    finally:
        pdffont.font_for = chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seminar")
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")

    con = catalog.build_catalog(load_settings().data_dir)
    seminar_id = args.seminar or str(queries.seminars(con)["id"].iloc[0])
    n_charts = len(load_cards(con, seminar_id)[1])
    images.warm_render_pool()
    _deck(con, seminar_id)  # warm-ups: imports, render process, fonts
    pdf = handout.catalog_handout(con, seminar_id)
    pages = len(pikepdf.open(io.BytesIO(pdf)).pages)

    deck_times, handout_times, full_font_times, phases = [], [], [], []
    for _ in range(args.rounds):
        images.clear_cache()
        t0 = time.perf_counter()
        deck = _deck(con, seminar_id)
        deck_times.append(time.perf_counter() - t0)

        images.clear_cache()
        timer = slides.PhaseTimer()
        t0 = time.perf_counter()
        pdf = handout.catalog_handout(con, seminar_id, timer=timer)
        handout_times.append(time.perf_counter() - t0)
        phases.append(timer.totals)

        images.clear_cache()
        t0 = time.perf_counter()
        with _full_font_only():
            handout.catalog_handout(con, seminar_id)
        full_font_times.append(time.perf_counter() - t0)

    d, h, f = (statistics.median(t) for t in (deck_times, handout_times, full_font_times))
    print(
        f"seminar {seminar_id}: {n_charts} charts; handout {pages} pages, {len(pdf):,} bytes; "
        f"deck {len(deck):,} bytes; {args.rounds} rounds (median)"
    )
    print()
    print("| measurement | seconds |")
    print("| --- | ---: |")
    print(f"| deck (.pptx), all charts (image cache cleared, render process warm) | {d:.3f} |")
    print(f"| handout (A4 PDF), the same charts, same conditions | {h:.3f} |")
    print(f"| **ratio handout / deck** (target ≤ 1.2) | **{h / d:.2f}×** |")
    print(f"| handout with the full font instead of the JIS cut, same rounds | {f:.3f} ({f / d:.2f}×) |")
    print(f"| min-max deck | {min(deck_times):.3f}–{max(deck_times):.3f} |")
    print(f"| min-max handout | {min(handout_times):.3f}–{max(handout_times):.3f} |")
    print()
    print("Handout phases (median seconds; nested phases are not counted in the outer one):")
    print()
    print("| phase | seconds |")
    print("| --- | ---: |")
    for name in phases[0]:
        print(f"| {name} | {statistics.median(p.get(name, 0.0) for p in phases):.3f} |")
    images.shutdown_render_pool()


if __name__ == "__main__":
    main()
