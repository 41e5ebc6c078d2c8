"""Benchmark of the deck export (run by hand): python bench/deck.py [--rounds 5] [--seminar ID]

Deck export time for every chart of a seminar against the sum of raw ``vl_convert.vegalite_to_png``
calls on the same chart specs at the same scale, measured in the same run, alternating, median of
the rounds. Target: ≤ 1.2×.

What is and is not cached:

- deck side: the image cache is cleared before every round, so every PNG is rendered again; every
  chart is built again from the catalogue (there is no spec or chart cache); the catalogue
  connection, imports and the render process are warm.
- raw side: one bare ``vegalite_to_png`` call per spec, in this process, specs built beforehand.
- both sides run after a warm-up render (in this process and in the render process), so neither
  pays vl-convert's one-off start-up; the cold first export (a fresh render process) is printed
  separately.

The deck renders its PNGs in a separate render process (images.render_png_later) while this
process builds the next chart and lays out the slides; the raw side renders in this process.
Before timing, the bench checks that the deck holds exactly the PNGs the raw side renders.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import vl_convert as vlc  # noqa: E402
from pptx import Presentation  # noqa: E402

from jichitai_metrics import catalog, images, queries, slides  # noqa: E402
from jichitai_metrics.chart_card import load_cards  # noqa: E402
from jichitai_metrics.config import load_settings  # noqa: E402


def _raw_render(specs: list[dict]) -> list[bytes]:
    return [
        vlc.vegalite_to_png(spec, vl_version=images._vl_version(), scale=images.PNG_SCALE) for spec in specs
    ]


def _deck_pngs(data: bytes) -> list[bytes]:
    prs = Presentation(io.BytesIO(data))
    # Chart slides only: the first slide is the title, the last the QR code.
    return [sh.image.blob for s in list(prs.slides)[1:-1] for sh in s.shapes if sh.shape_type == 13]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seminar")
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")

    con = catalog.build_catalog(load_settings().data_dir)
    seminar_id = args.seminar or str(queries.seminars(con)["id"].iloc[0])
    _, cards = load_cards(con, seminar_id)
    rows = cards
    specs = [images.chart_spec(c.chart(slides.CHART_IMAGE_WIDTH, title=False)) for c in cards]

    def deck(timer: slides.PhaseTimer | None = None) -> bytes:
        # What the deck page and the CLI do on a click: read the cards, then build the slides.
        timer = timer or slides.PhaseTimer()
        with timer.phase("catalogue queries + chart cards (tables, captions)"):
            seminar_row, fresh = load_cards(con, seminar_id)
        return slides.cards_deck(seminar_row, fresh, timer=timer)

    images.ensure_font()

    # Cold first export: a fresh render process pays Python + vl-convert start-up on the click.
    images.shutdown_render_pool()
    images.clear_cache()
    t0 = time.perf_counter()
    data = deck()
    cold = time.perf_counter() - t0

    raw_pngs = _raw_render(specs)  # also the in-process warm-up
    # Honesty check: the baseline renders exactly the pictures the deck carries.
    if _deck_pngs(data) != raw_pngs:
        sys.exit("the deck's PNGs differ from the raw renders of the same specs: the comparison is unfair")

    deck_times, raw_times, phases = [], [], []
    for _ in range(args.rounds):
        images.clear_cache()
        timer = slides.PhaseTimer()
        t0 = time.perf_counter()
        data = deck(timer)
        deck_times.append(time.perf_counter() - t0)
        phases.append(timer.totals)

        t0 = time.perf_counter()
        _raw_render(specs)
        raw_times.append(time.perf_counter() - t0)

    deck, raw = statistics.median(deck_times), statistics.median(raw_times)
    digest = hashlib.sha256(b"".join(raw_pngs)).hexdigest()[:12]
    print(
        f"seminar {seminar_id}: {len(rows)} charts, deck {len(data):,} bytes, {args.rounds} rounds (median); "
        f"deck PNGs == raw PNGs (sha256 {digest})"
    )
    print()
    print("| measurement | seconds |")
    print("| --- | ---: |")
    print(f"| deck export, all charts (image cache cleared, render process warm) | {deck:.3f} |")
    print(f"| sum of raw vl-convert PNG renders, same specs, same scale | {raw:.3f} |")
    print(f"| **ratio deck / raw** (target ≤ 1.2) | **{deck / raw:.2f}×** |")
    print(f"| first export with a cold render process (once, not in the median) | {cold:.3f} |")
    print()
    print(
        "Deck phases (median seconds; each phase excludes the phases nested in it; the render "
        "process works during all of them, so 'waiting' is only the part not hidden behind them):"
    )
    print()
    print("| phase | seconds |")
    print("| --- | ---: |")
    for name in phases[0]:
        print(f"| {name} | {statistics.median(p.get(name, 0.0) for p in phases):.3f} |")
    images.shutdown_render_pool()


if __name__ == "__main__":
    main()
