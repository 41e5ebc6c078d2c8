"""Benchmark of the deck export (run by hand): python bench/deck.py [--rounds 5] [--seminar ID]

Deck export time for every chart of a seminar (cold image cache: charts built from the catalogue,
rendered, captioned, laid out, saved) against the sum of raw ``vl_convert.vegalite_to_png`` calls on
the same chart specs at the same scale, measured in the same run, alternating. Target: ≤ 1.2×.
Both sides run after one warm-up render, so neither pays vl-convert's one-off start-up.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import vl_convert as vlc  # noqa: E402

from jichitai_metrics import catalog, charts, images, queries, slides  # noqa: E402
from jichitai_metrics.config import load_settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seminar")
    args = ap.parse_args()

    con = catalog.build_catalog(load_settings().data_dir)
    seminar_id = args.seminar or str(queries.seminars(con)["id"].iloc[0])
    rows = slides.select_charts(con, seminar_id)
    specs = [
        images.chart_spec(
            charts.build_chart(
                r,
                queries.chart_figures(con, r["chart_id"]),
                "ja",
                width=slides.CHART_IMAGE_WIDTH,
                title=False,
            )
        )
        for r in rows
    ]
    images.ensure_font()
    vlc.vegalite_to_png(specs[0], vl_version=images._vl_version(), scale=images.PNG_SCALE)  # warm-up

    deck_times, raw_times, phases = [], [], []
    for _ in range(args.rounds):
        images.clear_cache()
        timer = slides.PhaseTimer()
        t0 = time.perf_counter()
        data = slides.catalog_deck(con, seminar_id, timer=timer)
        deck_times.append(time.perf_counter() - t0)
        phases.append(timer.totals)

        t0 = time.perf_counter()
        for spec in specs:
            vlc.vegalite_to_png(spec, vl_version=images._vl_version(), scale=images.PNG_SCALE)
        raw_times.append(time.perf_counter() - t0)

    deck, raw = statistics.median(deck_times), statistics.median(raw_times)
    print(
        f"seminar {seminar_id}: {len(rows)} charts, deck {len(data):,} bytes, {args.rounds} rounds (median)"
    )
    print()
    print("| measurement | seconds |")
    print("| --- | ---: |")
    print(f"| deck export, all charts (cold image cache) | {deck:.3f} |")
    print(f"| sum of raw vl-convert PNG renders, same specs | {raw:.3f} |")
    print(f"| **ratio deck / raw** (target ≤ 1.2) | **{deck / raw:.2f}×** |")
    print()
    print("Deck phases (median seconds):")
    print()
    print("| phase | seconds |")
    print("| --- | ---: |")
    for name in phases[0]:
        print(f"| {name} | {statistics.median(p.get(name, 0.0) for p in phases):.3f} |")


if __name__ == "__main__":
    main()
