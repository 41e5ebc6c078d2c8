"""Submissions per second by concurrent clients: DuckDB (one process) vs PostgreSQL (two replicas).

    python bench/inquiries_replicas.py [--total 1000] [--clients 1 10 50]

One run, one table. Each client is a thread calling InquiryStore.submit (validation, exactly-once
insert, one staff-notice outbox row, one transaction) in a loop, the way the form does per session.

- DuckDB: one process owns the file (the supported set-up), all clients are its threads.
- PostgreSQL: two processes ("replicas"), each with its own store and connection pool, the clients
  split between them, against a throw-away PostgreSQL 15 started like the tests do, but with
  production durability (fsync, synchronous_commit on), as is DuckDB's commit.

This measures the store layer each replica runs, not Streamlit's own rendering; the browser path
through nginx is exercised (for correctness, not speed) by tests/test_replicas.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.servers import postgres_server  # noqa: E402

# A client process: open the store, warm up, wait for "go" on stdin, run `clients` threads that
# submit `per_client` inquiries each, print wall-clock start/end and the count.
WORKER = r"""
import json, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from jichitai_metrics.inquiries import NewInquiry
backend, target, tag = sys.argv[1:4]
clients, per_client = int(sys.argv[4]), int(sys.argv[5])
if backend == "duckdb":
    from jichitai_metrics.inquiries.duckdb_store import DuckDBInquiryStore
    store = DuckDBInquiryStore(target)
else:
    from jichitai_metrics.inquiries.postgres_store import PostgresInquiryStore
    store = PostgresInquiryStore(target)
store.init_schema()
SAMPLE = NewInquiry("【セミナーレポート】令和5年度予算×DX/Day1", "福岡市", "デジタル推進課 主任",
                    "自治 太郎", "092-716-1480", "taro@city.example.lg.jp",
                    "チャットボットの費用について教えてください。", True)
for i in range(5):
    store.submit(SAMPLE, f"warm-{tag}-{i}", notify_kinds=("staff_notice",))
print("ready", flush=True)
sys.stdin.readline()
def client(c):
    for i in range(per_client):
        store.submit(SAMPLE, f"{tag}-{c}-{i}", notify_kinds=("staff_notice",))
start = time.time()
with ThreadPoolExecutor(clients) as pool:
    list(pool.map(client, range(clients)))
end = time.time()
print(json.dumps({"start": start, "end": end, "n": clients * per_client}), flush=True)
store.close()
"""


def run_level(backend: str, targets: list[str], clients: int, total: int, tag: str) -> float:
    """Submissions/s with `clients` threads spread over one process per target."""
    per_client = max(1, total // clients)
    # Clients split as evenly as possible over the processes (1 client -> one process works).
    shares = [clients // len(targets) + (1 if i < clients % len(targets) else 0) for i in range(len(targets))]
    procs = []
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    for i, (target, share) in enumerate(zip(targets, shares, strict=True)):
        if share == 0:
            continue
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", WORKER, backend, target, f"{tag}-p{i}", str(share), str(per_client)],
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    for p in procs:
        assert p.stdout.readline().strip() == "ready", f"{backend} worker failed to start"
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    results = []
    for p in procs:
        out, _ = p.communicate(timeout=600)
        if p.returncode != 0:
            raise RuntimeError(f"{backend} worker exited with {p.returncode}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    n = sum(r["n"] for r in results)
    return n / (max(r["end"] for r in results) - min(r["start"] for r in results))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--total", type=int, default=1000, help="submissions per measurement")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    args = ap.parse_args()
    rows = []
    durable = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
    with tempfile.TemporaryDirectory() as tmp, postgres_server(settings=durable) as pg:
        for clients in args.clients:
            duck = run_level(
                "duckdb", [str(Path(tmp) / f"bench-{clients}.duckdb")], clients, args.total, f"d{clients}"
            )
            pg.psql(f"CREATE DATABASE bench_{clients}", db="postgres")
            url = pg.url.rsplit("/", 1)[0] + f"/bench_{clients}"
            post = run_level("postgres", [url, url], clients, args.total, f"p{clients}")
            rows.append((str(clients), f"{duck:,.0f}", f"{post:,.0f}", f"{post / duck:.2f}x"))
    head = ("clients", "DuckDB, 1 process (submits/s)", "PostgreSQL, 2 replicas (submits/s)", "PG / DuckDB")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    print(
        f"{args.total} submissions per measurement; each = validation + insert + outbox row, "
        f"one transaction; {os.cpu_count()} CPU cores"
    )
    for r in [head, tuple("-" * w for w in widths), *rows]:
        cells = zip(r, widths, strict=True)
        print(" | ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(cells)))


if __name__ == "__main__":
    main()
