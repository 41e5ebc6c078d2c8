"""Benchmark of the drafter (run by hand): python bench/draft.py [--report PATH] [--rounds 5]

Runs `draft_report` on the Day 1 report and compares the proposals with the hand-made catalogue in
data/seminars/r5-budget-dx-day1/:

- recall: share of the catalogue's reported figures (kind reported or target; derived rows are
  arithmetic, not statements) proposed with the same value (to 1e-6 relative) and a quote that
  overlaps the catalogue's quote in the report text;
- precision: share of proposals (figures and findings) that match a catalogue figure (same value,
  overlapping quote) or a catalogue finding (overlapping quote);
- time: median wall time of `draft_report` over the rounds (the whole draft, file writing excluded).

Targets (issue 14): recall >= 95%, precision >= 70%, under 2 s. Misses and unmatched proposals are listed.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jichitai_metrics.draft import draft_report  # noqa: E402

DAY1 = ROOT / "data" / "seminars" / "r5-budget-dx-day1"
REPORT = ROOT.parent / "shared" / "seed" / "000_67b7e6e6d70f3f7d.txt"


def spans(text: str, quote: str) -> list[tuple[int, int]]:
    out, pos = [], text.find(quote)
    while quote and pos >= 0:
        out.append((pos, pos + len(quote)))
        pos = text.find(quote, pos + 1)
    return out


def overlaps(text: str, q1: str, q2: str) -> bool:
    return any(a < d and c < b for a, b in spans(text, q1) for c, d in spans(text, q2))


def same_value(a: str | float, b: str | float) -> bool:
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        return False
    return abs(x - y) <= 1e-6 * max(1.0, abs(x), abs(y))


def compare(
    text: str, figures: list[dict], findings: list[dict], proposed: list[dict], proposed_findings: list[dict]
) -> dict:
    """Recall, precision and the rows behind them."""
    reported = [f for f in figures if f["kind"] != "derived"]

    def figure_match(p: dict, f: dict) -> bool:
        return same_value(p["value"], f["value"]) and overlaps(text, p["quote"], f["quote"])

    misses = [f for f in reported if not any(figure_match(p, f) for p in proposed)]
    unmatched = [
        p
        for p in proposed
        if not any(figure_match(p, f) for f in figures)
        and not any(overlaps(text, p["quote"], n["quote"]) for n in findings)
    ]
    unmatched += [
        p
        for p in proposed_findings
        if not any(overlaps(text, p["quote"], n["quote"]) for n in findings)
        and not any(overlaps(text, p["quote"], f["quote"]) for f in figures)
    ]
    total = len(proposed) + len(proposed_findings)
    pairs = [(f, next(p for p in proposed if figure_match(p, f))) for f in reported if f not in misses]
    other_unit = [(f["id"], f["unit"], p["unit"]) for f, p in pairs if f["unit"] != p["unit"]]
    other_qualifier = [
        (f["id"], f["qualifier"], p["qualifier"]) for f, p in pairs if f["qualifier"] != p["qualifier"]
    ]
    return {
        "reported": len(reported),
        "found": len(reported) - len(misses),
        "misses": misses,
        "other_unit": other_unit,
        "other_qualifier": other_qualifier,
        "proposals": total,
        "matched": total - len(unmatched),
        "unmatched": unmatched,
        "recall": (len(reported) - len(misses)) / len(reported) if reported else 0.0,
        "precision": (total - len(unmatched)) / total if total else 0.0,
    }


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--catalogue", type=Path, default=DAY1, help="the hand-made seminar folder to compare with"
    )
    args = parser.parse_args()
    text = args.report.read_text(encoding="utf-8")
    times = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        draft = draft_report(text, "bench-draft")
        times.append(time.perf_counter() - started)
    figures, findings = read(args.catalogue / "figures.csv"), read(args.catalogue / "findings.csv")
    result = compare(text, figures, findings, draft.figures, draft.findings)
    median = statistics.median(times)
    print(
        f"catalogue: {len(figures)} figures ({result['reported']} reported/target), {len(findings)} findings"
    )
    print("| measure | value | target |\n| --- | --- | --- |")
    print(f"| recall | {result['found']}/{result['reported']} = {result['recall']:.1%} | >= 95% |")
    print(f"| precision | {result['matched']}/{result['proposals']} = {result['precision']:.1%} | >= 70% |")
    print(
        f"| time (median of {args.rounds}) | {median:.3f} s "
        f"(min {min(times):.3f}, max {max(times):.3f}) | < 2 s |"
    )
    found = result["found"]
    print(f"| same unit, of the found | {found - len(result['other_unit'])}/{found} | (editor fixes) |")
    same_qualifier = found - len(result["other_qualifier"])
    print(f"| same qualifier, of the found | {same_qualifier}/{found} | (editor fixes) |")
    print("\nfound with another unit (catalogue, draft):", result["other_unit"])
    print("found with another qualifier (catalogue, draft):", result["other_qualifier"])
    print("\nmisses (catalogue figures not proposed with the same value and an overlapping quote):")
    for f in result["misses"]:
        print(f"  - {f['id']}: {f['value']} {f['unit']} 「{f['quote']}」")
    print("\nproposals matching nothing in the catalogue:")
    for p in result["unmatched"]:
        print(
            f"  - {p['id']}: {p.get('value', '')} {p.get('unit', '')} 「{p['quote']}」 "
            f"{p.get('needs_review', '')}"
        )
    ok = result["recall"] >= 0.95 and result["precision"] >= 0.70 and median < 2.0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
