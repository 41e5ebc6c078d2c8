"""Benchmark of the inquiry store (run by hand): python bench/inquiries.py [--rows 1000000] [--submits 2000]

Prints one table. Each measurement is a function per backend (`BACKENDS`), so a PostgreSQL column
can be added by registering another Backend with the same callables.

- submit/s: InquiryStore.submit as the form calls it (validation, the store-backed per-address limit
  and its durable counter row, exactly-once insert, one transaction each) vs a raw
  DuckDB INSERT of the same row, one row per transaction, on a `.cursor()` (target >= 0.8x);
  the two alternate for 3 rounds on fresh files and the medians are compared;
- inbox first page (count + 50 rows, newest first) at 100 and at N rows (target <= 2x);
- full CSV export at N rows, the inbox's own path (store.export_arrow, or export_frame where a
  backend lacks it, + ui.inbox.export_table + export.csv_bytes, bytes in memory) in UTF-8 (BOM) and
  in CP932, vs DuckDB's own COPY ... TO of the same rows and the same 12 columns to a file
  (target <= 2x). COPY writes UTF-8 only, so the CP932 row compares against the same UTF-8 COPY.
  Best of 3 each (COPY: 3 before and 3 after ours, the best of all 6), all in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402

from jichitai_metrics import export  # noqa: E402
from jichitai_metrics.inquiries import InboxQuery, NewInquiry  # noqa: E402
from jichitai_metrics.inquiries.duckdb_store import DuckDBInquiryStore  # noqa: E402
from jichitai_metrics.inquiries.model import LIST_COLUMNS  # noqa: E402
from jichitai_metrics.inquiries.store import SubmitLimits  # noqa: E402
from jichitai_metrics.ui.inbox import export_table  # noqa: E402

SAMPLE = NewInquiry(
    "【セミナーレポート】令和5年度予算×DX/Day1",
    "福岡市",
    "デジタル推進課 主任",
    "自治 太郎",
    "092-716-1480",
    "taro@city.example.lg.jp",
    "チャットボットの費用について教えてください。",
    True,
)


def timed(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median seconds of `repeat` runs (after one warm-up)."""
    fn()
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


# -- DuckDB ----------------------------------------------------------------------------------------


def duckdb_submits(workdir: Path, n: int) -> float:
    store = DuckDBInquiryStore(workdir / "submit.duckdb")
    store.init_schema()
    # The form's path: limits checked and counted in the same transaction. A limit no one reaches, so
    # every submit pays the full cost (the insert, the window check, the durable counter row).
    limits = SubmitLimits(per_client_hour=10**9, notice_ceiling_hour=10**9)
    t = time.perf_counter()
    for i in range(n):
        store.submit(SAMPLE, f"bench-{i}", client=f"203.0.113.{i % 200}", limits=limits)
    rate = n / (time.perf_counter() - t)
    store.close()
    return rate


def duckdb_raw_inserts(workdir: Path, n: int) -> float:
    # Same table and the same uniqueness guarantees, without the store's validation and locking.
    store = DuckDBInquiryStore(workdir / "raw.duckdb")
    store.init_schema()
    store.close()
    con = duckdb.connect(str(workdir / "raw.duckdb"))
    cur = con.cursor()
    t = time.perf_counter()
    for i in range(n):
        cur.execute("BEGIN TRANSACTION")
        cur.execute(
            """INSERT INTO inquiries (receipt_no, submission_id, received_at, article_title, municipality,
                   department, name, phone, email, message, consent_at, privacy_notice_version, status,
                   memo, updated_at, email_key, search_text)
               VALUES (?, ?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP, 'v', 'new', '',
                   now()::TIMESTAMP, ?, ?) ON CONFLICT (submission_id) DO NOTHING RETURNING id""",
            [
                f"R{i}",
                f"raw-{i}",
                SAMPLE.article_title,
                SAMPLE.municipality,
                SAMPLE.department,
                SAMPLE.name,
                SAMPLE.phone,
                SAMPLE.email,
                SAMPLE.message,
                SAMPLE.email,
                SAMPLE.message,
            ],
        ).fetchall()
        cur.execute("COMMIT")
    rate = n / (time.perf_counter() - t)
    con.close()
    return rate


def duckdb_fill(workdir: Path, rows: int) -> DuckDBInquiryStore:
    """A store holding `rows` synthetic inquiries, one per minute, loaded in bulk."""
    path = workdir / f"fill-{rows}.duckdb"
    store = DuckDBInquiryStore(path)
    store.init_schema()
    with store._cursor() as cur:  # bulk load: a benchmark fixture, not an API
        cur.execute(
            """INSERT INTO inquiries (receipt_no, submission_id, received_at, article_title, municipality,
                   department, name, phone, email, message, consent_at, privacy_notice_version, status,
                   memo, updated_at, email_key, search_text)
               SELECT 'R' || i, 'S' || i, TIMESTAMP '2024-01-01' + i * INTERVAL 1 MINUTE, ?, """
            """'市' || (i % 1700),
                      ?, '氏名' || i, ?, 'p' || i || '@example.jp', ? || i, TIMESTAMP '2024-01-01',
                      'v', 'new', '', TIMESTAMP '2024-01-01' + i * INTERVAL 1 MINUTE,
                      'p' || i || '@example.jp', lower(? || i)
               FROM range(?) t(i)""",
            [SAMPLE.article_title, SAMPLE.department, SAMPLE.phone, SAMPLE.message, SAMPLE.message, rows],
        )
        cur.execute("CHECKPOINT")
    return store


def duckdb_first_page(store: DuckDBInquiryStore) -> float:
    return timed(lambda: store.list_page(InboxQuery()), repeat=9)


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Fastest of `repeat` runs: both sides of the export comparison are measured this way."""
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return min(samples)


def inbox_export(store: object, encoding: str) -> float:
    """What the inbox's CSV button does (ui/inbox.py _export), for any backend."""

    def run() -> None:
        fetch = getattr(store, "export_arrow", None)
        rows = fetch(InboxQuery()) if fetch is not None else store.export_frame(InboxQuery())
        result = export.csv_bytes(export_table(rows, "ja"), encoding)
        assert result.ok and result.rows > 0

    return best_of(run)


def duckdb_copy_to(store: DuckDBInquiryStore, workdir: Path) -> float:
    out = workdir / "copy.csv"
    # The columns the inbox writes (export_table drops id), in the inbox's default order.
    cols = ", ".join(c for c in LIST_COLUMNS if c != "id")

    def run() -> None:
        with store._cursor() as cur:
            cur.execute(
                f"COPY (SELECT {cols} FROM inquiries ORDER BY received_at DESC, id DESC) "
                f"TO '{out}' (HEADER, DELIMITER ',')"
            )

    return best_of(run)


@dataclass(frozen=True)
class Backend:
    name: str
    submits: Callable[[Path, int], float]
    raw_inserts: Callable[[Path, int], float]
    fill: Callable[[Path, int], object]
    first_page: Callable[[object], float]
    export: Callable[[object, str], float]
    native_export: Callable[[object, Path], float]


BACKENDS = [
    Backend(
        "DuckDB",
        duckdb_submits,
        duckdb_raw_inserts,
        duckdb_fill,
        duckdb_first_page,
        inbox_export,
        duckdb_copy_to,
    )
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--submits", type=int, default=2000)
    args = ap.parse_args()
    table: list[tuple[str, ...]] = []
    for b in BACKENDS:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            # Alternated, each on a fresh file, median of 3: one pair swung 0.77x-0.82x between runs.
            raws, subs = [], []
            for round_no in range(3):
                raws.append(b.raw_inserts(work / f"raw-{round_no}", args.submits))
                subs.append(b.submits(work / f"submit-{round_no}", args.submits))
            raw, sub = statistics.median(raws), statistics.median(subs)
            small = b.fill(work, 100)
            big = b.fill(work, args.rows)
            p_small, p_big = b.first_page(small), b.first_page(big)
            native = b.native_export(big, work)
            exp = {enc: b.export(big, enc) for enc in export.ENCODINGS}
            native = min(native, b.native_export(big, work))  # reference measured before and after ours
            table += [
                (
                    b.name,
                    "submit/s: store vs raw insert",
                    f"{sub:,.0f}",
                    f"{raw:,.0f}",
                    f"{sub / raw:.2f}x",
                    ">= 0.8x",
                ),
                (
                    b.name,
                    f"first page: {args.rows:,} vs 100 rows",
                    f"{p_big * 1000:.1f} ms",
                    f"{p_small * 1000:.1f} ms",
                    f"{p_big / p_small:.2f}x",
                    "<= 2x",
                ),
            ]
            table += [
                (
                    b.name,
                    f"CSV export {args.rows:,} rows ({enc}): ours vs COPY TO",
                    f"{t:.2f} s",
                    f"{native:.2f} s",
                    f"{t / native:.2f}x",
                    "<= 2x",
                )
                for enc, t in exp.items()
            ]
            small.close()
            big.close()
    head = ("backend", "measure", "value", "reference", "ratio", "target")
    widths = [max(len(r[i]) for r in [head, *table]) for i in range(len(head))]
    for r in [head, tuple("-" * w for w in widths), *table]:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    main()
