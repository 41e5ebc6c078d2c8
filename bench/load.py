"""Many planners at once: page-run latency, throughput, errors, RSS and CPU per step of N planners.

    python bench/load.py                                  # every configuration, 60 s steps
    python bench/load.py --configs one newtab --steps 10 25 --newtab-steps 10 \
        --step-seconds 20 --base-seconds 20                                       # ~2 minutes
    python bench/load.py --root /work/base                # the same bench against another checkout
    python bench/load.py --verify                         # delta counts: this client vs Chromium
    python bench/load.py --memory 10 --planners 50 --ttl 60   # RSS per minute, then after expiry

Each simulated planner is a thread speaking Streamlit's protocol (tests/botclient.py, no browser):
it opens a session, then opens a page inside it, waits until the run has finished, thinks
2 s ± 1 s, opens the next, rotating through all 12 pages (the 8 pages, programme 1-5). A run
that raises, shows an exception box, misses its page or does not finish within 30 s is an error.
"newtab" opens every page as a new tab instead: a fresh session per page (health GET, WebSocket,
run, close).

Configurations: "one" = one server process; "replicas" = two processes behind the shipped nginx
site (deploy/nginx/jichitai.conf, ports substituted) with a throw-away PostgreSQL for the inquiry
store (tests/servers.py); "newtab" = one process, fresh sessions. Servers are started from --root
exactly as `scripts/run.sh` starts them (its .venv, its .streamlit/config.toml), only the port and
loopback address added, so a checkout's own production settings are what is measured.

Everything is on loopback, every step is bounded in time, and the servers are stopped at the end.
The ratio p95 / (1-planner p95 of the same configuration, same run) is what the targets use.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.botclient import BotSession  # noqa: E402
from tests.servers import NGINX, postgres_server  # noqa: E402
from tests.support import free_port, wait_healthy  # noqa: E402

# All 12 pages a planner rotates through: (url_path, query string).
PAGES: list[tuple[str, str]] = [
    ("", ""),  # the overview: the default page answers at the root URL
    *[("program", f"program={n}") for n in range(1, 6)],
    ("explorer", ""),
    ("whatif", ""),
    ("deck", ""),
    ("present", ""),
    ("inquiry", ""),
    ("inbox", ""),
]
RUN_TIMEOUT = 30.0
BUSY_NOTICE = "混み合っています"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- servers ------------------------------------------------------------------------------------------
@dataclass
class Servers:
    url: str
    pids: list[int]  # the app processes (nginx and PostgreSQL are not counted)
    ssl_context: ssl.SSLContext | None = None
    app_urls: list[str] = field(default_factory=list)  # each app process directly (warm-up)

    def rss_mb(self, field: str = "VmRSS") -> float:
        """Resident memory of the app processes (MB, summed); field "RssAnon" for private memory only
        (RSS also counts pages of shared libraries, which the first use of a code path pages in)."""
        total = 0
        for pid in self.pids:
            with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith(f"{field}:"):
                        total += int(line.split()[1])
        return total / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU the app processes used so far."""
        total = 0
        for pid in self.pids:
            with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        return total / CLK_TCK


def _python(root: Path) -> str:
    venv = root / ".venv" / "bin" / "python"
    return str(venv if venv.exists() else sys.executable)


@contextlib.contextmanager
def _app(root: Path, env: dict[str, str], log: Path, extra: list[str]) -> Iterator[tuple[str, int]]:
    """`python -m streamlit run dashboard.py` from `root`, as scripts/run.sh does, on a loopback port."""
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                _python(root),
                "-m",
                "streamlit",
                "run",
                "dashboard.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                *extra,
            ],
            cwd=root,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc, timeout=120)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _site(
    root: Path, http_port: int, replica_ports: list[int], tmp: Path
) -> tuple[str, str, ssl.SSLContext | None]:
    """`root`'s deploy/nginx/jichitai.conf with loopback ports (and a throw-away certificate if it serves
    HTTPS); each example `server 127.0.0.1:85xx ...;` keeps its own parameters. (site, url, TLS context)."""
    text = (root / "deploy" / "nginx" / "jichitai.conf").read_text(encoding="utf-8")
    text, n_listen = re.subn(r"^(\s*)listen 80;", rf"\1listen 127.0.0.1:{http_port};", text, flags=re.M)
    examples = re.findall(r"^\s*server 127\.0\.0\.1:85\d\d\b([^;]*);", text, flags=re.M)
    if n_listen != 1 or len(examples) != 2:
        raise SystemExit(f"{root}: the nginx site does not have one `listen 80;` and two example replicas")
    lines = "\n".join(f"    server 127.0.0.1:{p}{examples[0]};" for p in replica_ports)
    text = re.sub(r"^\s*server 127\.0\.0\.1:85\d\d\b[^;]*;", lambda _: "", text, count=2, flags=re.M)
    text = re.sub(r"(upstream jichitai_replicas \{[^}]*?)(\n\})", rf"\1\n{lines}\2", text, count=1)
    if not re.search(r"^\s*listen 443 ssl;", text, flags=re.M):
        return text, f"http://127.0.0.1:{http_port}", None
    tls_port = free_port()
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    text = re.sub(r"^(\s*)listen 443 ssl;", rf"\1listen 127.0.0.1:{tls_port} ssl;", text, flags=re.M)
    text = text.replace(
        "return 301 https://$host$request_uri;", f"return 301 https://$host:{tls_port}$request_uri;"
    )
    text = re.sub(r"^(\s*)ssl_certificate \S+;", rf"\1ssl_certificate {cert};", text, flags=re.M)
    text = re.sub(r"^(\s*)ssl_certificate_key \S+;", rf"\1ssl_certificate_key {key};", text, flags=re.M)
    return text, f"https://127.0.0.1:{tls_port}", ssl.create_default_context(cafile=str(cert))


@contextlib.contextmanager
def _nginx(site: str, prefix: Path, port: int) -> Iterator[int]:
    """nginx in the foreground with every file it writes under `prefix` (as tests/servers.py does)."""
    (prefix / "jichitai.conf").write_text(site, encoding="utf-8")
    (prefix / "nginx.conf").write_text(
        f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/jichitai.conf;
}}
""",
        encoding="utf-8",
    )
    args = [NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(prefix / "nginx.conf")]
    test = subprocess.run([*args, "-t"], capture_output=True, text=True)
    if test.returncode != 0:
        raise SystemExit(f"nginx rejected the site:\n{test.stderr}")
    proc = subprocess.Popen(
        [*args, "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if proc.poll() is not None or time.time() > deadline:
                raise SystemExit(
                    "nginx did not start:\n" + (prefix / "error.log").read_text(errors="replace")
                )
            time.sleep(0.1)
        yield proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextlib.contextmanager
def servers(root: Path, config: str, extra: list[str], tmp: Path) -> Iterator[Servers]:
    """One process (DuckDB store), or two replicas + PostgreSQL behind `root`'s nginx site."""
    env = {"JICHITAI_DB_PATH": str(tmp / "inquiries.duckdb"), "JICHITAI_BASE_URL": "http://127.0.0.1"}
    with contextlib.ExitStack() as stack:
        if config != "replicas":
            url, pid = stack.enter_context(_app(root, env, tmp / f"{config}.log", extra))
            yield Servers(url, [pid], None, [url])
            return
        pg = stack.enter_context(postgres_server())
        env |= {"JICHITAI_DATABASE_URL": pg.url, "STREAMLIT_SERVER_COOKIE_SECRET": "bench-" + "x" * 32}
        apps = [stack.enter_context(_app(root, env, tmp / f"replica{i}.log", extra)) for i in range(2)]
        http_port = free_port()
        site, url, ctx = _site(root, http_port, [int(u.rsplit(":", 1)[1]) for u, _ in apps], tmp)
        prefix = tmp / "nginx"
        prefix.mkdir(exist_ok=True)
        stack.enter_context(_nginx(site, prefix, int(url.rsplit(":", 1)[1])))
        yield Servers(url, [pid for _, pid in apps], ctx, [u for u, _ in apps])


def warm_up(srv: Servers) -> None:
    """Every page once on every process, so first-visit imports and caches are not measured."""
    for url in srv.app_urls:
        with BotSession(url, timeout=120) as bot:
            for page, query in PAGES:
                bot.goto(page, query)
    with BotSession(srv.url, timeout=120, ssl_context=srv.ssl_context) as bot:  # and the path through nginx
        bot.goto(*PAGES[1])


# -- planners -----------------------------------------------------------------------------------------
@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    busy: int = 0  # runs answered with the 混み合っています notice (admission control)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def _judge(bot: BotSession, tally: Tally, elapsed: float) -> None:
    """Count the run: a shown exception or a missing page is an error, the busy notice is counted apart."""
    if bot.exceptions:
        tally.error("exception on screen: " + bot.exceptions[0][:80])
    elif bot.page_not_found:
        tally.error("page not found")
    elif any(BUSY_NOTICE in t for t in bot.alerts()) or BUSY_NOTICE in bot.texts():
        with tally.lock:
            tally.busy += 1
    else:
        with tally.lock:
            tally.latencies.append(elapsed)


def planner(
    srv: Servers, newtab: bool, start: float, stop: float, think: tuple[float, float], seed: int, tally: Tally
) -> None:
    """One planner: open pages in rotation until `stop`, thinking between them."""
    rng = random.Random(seed)
    i = rng.randrange(len(PAGES))
    bot: BotSession | None = None
    if not newtab:  # the session (one WebSocket) is opened before the measured window starts
        try:
            page, query = PAGES[i % len(PAGES)]
            i += 1
            bot = BotSession(srv.url, page, query, timeout=3 * RUN_TIMEOUT, ssl_context=srv.ssl_context)
        except Exception as exc:  # noqa: BLE001 - counted, and retried in the loop
            tally.error(type(exc).__name__ + ": " + str(exc)[:60])
    time.sleep(max(0.0, start - time.time()))
    try:
        while time.time() < stop:
            page, query = PAGES[i % len(PAGES)]
            i += 1
            t0 = time.perf_counter()
            try:
                if newtab:
                    with BotSession(
                        srv.url, page, query, timeout=RUN_TIMEOUT, ssl_context=srv.ssl_context
                    ) as tab:
                        _judge(tab, tally, time.perf_counter() - t0)
                else:
                    if bot is None:  # the session's first page load is not a timed page run
                        bot = BotSession(
                            srv.url, page, query, timeout=RUN_TIMEOUT, ssl_context=srv.ssl_context
                        )
                        t0 = time.perf_counter()
                        page, query = PAGES[i % len(PAGES)]
                        i += 1
                    bot.page_not_found = False
                    bot.goto(page, query)
                    _judge(bot, tally, time.perf_counter() - t0)
            except Exception as exc:  # noqa: BLE001 - every failure is an error in the table
                tally.error(type(exc).__name__ + ": " + str(exc)[:60])
                if bot is not None:
                    with contextlib.suppress(Exception):
                        bot.close()
                    bot = None
            pause = think[0] + rng.uniform(-think[1], think[1])
            time.sleep(max(0.0, min(pause, stop - time.time())))
    finally:
        if bot is not None:
            with contextlib.suppress(Exception):
                bot.close()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def profile(pids: list[int], seconds: float, out: Path) -> None:
    """py-spy (--gil: where the interpreter's time goes) on the app processes; raw stacks to `out`."""
    spy = Path(sys.executable).with_name("py-spy")
    procs = [
        subprocess.Popen(
            [
                str(spy),
                "record",
                "--gil",
                "--nonblocking",
                "-r",
                "50",
                "-d",
                str(int(seconds)),
                "-p",
                str(pid),
                "-f",
                "raw",
                "-o",
                f"{out}.{i}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i, pid in enumerate(pids)
    ]
    for p in procs:
        p.wait(timeout=seconds + 60)
    stacks: dict[str, int] = {}
    for i in range(len(pids)):
        with contextlib.suppress(OSError):
            for line in Path(f"{out}.{i}").read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                stacks[stack] = stacks.get(stack, 0) + int(count)
    out.write_text("\n".join(f"{k} {v}" for k, v in stacks.items()))
    summarise_profile(stacks)


def summarise_profile(stacks: dict[str, int], top: int = 12) -> None:
    """Top frames by own samples (the leaf) and by total (anywhere on the stack), as shares."""
    total = sum(stacks.values()) or 1
    own: dict[str, int] = {}
    incl: dict[str, int] = {}
    for stack, count in stacks.items():
        frames = [f for f in stack.split(";") if f]
        if frames:
            own[frames[-1]] = own.get(frames[-1], 0) + count
        for f in set(frames):
            incl[f] = incl.get(f, 0) + count
    print(f"\nprofile: {total} samples (py-spy --gil, 50 Hz)")
    print("| own % | frame |\n| ---: | --- |")
    for f, c in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        print(f"| {100 * c / total:.1f} | {f[:140]} |")
    print("| total % | frame |\n| ---: | --- |")
    for f, c in sorted(incl.items(), key=lambda kv: -kv[1])[: top * 2]:
        print(f"| {100 * c / total:.1f} | {f[:140]} |")
    sys.stdout.flush()


def step(
    srv: Servers,
    n: int,
    seconds: float,
    think: tuple[float, float],
    newtab: bool,
    seed: int,
    profile_to: Path | None = None,
) -> dict:
    """n planners for `seconds`: runs/s, percentiles, errors, RSS (max), CPU (cores busy)."""
    tally = Tally()
    # Sessions open before the window: through nginx, new WebSockets per address are rate-limited
    # (limit_req, issue 10), so 50 planners from one loopback address take ~25 s to get in.
    begin = time.time() + (0.6 if len(srv.app_urls) > 1 else 0.1) * n + 0.5
    stop = begin + seconds
    threads = [
        threading.Thread(
            target=planner,
            daemon=True,
            args=(
                srv,
                newtab,
                begin + random.Random(seed + k).uniform(0, think[0]),
                stop,
                think,
                seed * 1000 + k,
                tally,
            ),
        )
        for k in range(n)
    ]
    cpu0, client0 = srv.cpu_seconds(), time.process_time()
    rss_max = srv.rss_mb()
    for t in threads:
        t.start()
    time.sleep(max(0.0, begin - time.time()))  # CPU and time are counted over the window only
    cpu0, client0 = srv.cpu_seconds(), time.process_time()
    spy = None
    if profile_to is not None:  # the middle of the step, once every planner is in
        time.sleep(min(10, seconds / 4))
        spy = threading.Thread(target=profile, args=(srv.pids, max(5, seconds / 2), profile_to), daemon=True)
        spy.start()
    while any(t.is_alive() for t in threads) and time.time() < stop + RUN_TIMEOUT + 5:
        time.sleep(1)
        rss_max = max(rss_max, srv.rss_mb())
    wall = max(time.time() - begin, 1e-9)
    if spy is not None:
        spy.join(timeout=120)
    lat = tally.latencies
    cpu = srv.cpu_seconds() - cpu0
    return {
        "planners": n,
        "runs": len(lat),
        "runs_s": len(lat) / seconds,
        "p50": pct(lat, 50),
        "p95": pct(lat, 95),
        "p99": pct(lat, 99),
        "errors": sum(tally.errors.values()),
        "error_kinds": tally.errors,
        "busy": tally.busy,
        "rss_mb": rss_max,
        "cpu_cores": cpu / wall,
        "client_cpu_cores": (time.process_time() - client0) / wall,
        "cpu_ms_per_run": 1000 * cpu / max(1, len(lat)),
    }


def idle_session_mb(srv: Servers, n: int = 40) -> float:
    """RSS growth per connected, idle session (each has run the overview once)."""
    time.sleep(2)
    before = srv.rss_mb()
    bots = [BotSession(srv.url, timeout=RUN_TIMEOUT, ssl_context=srv.ssl_context) for _ in range(n)]
    time.sleep(5)
    after = srv.rss_mb()
    for b in bots:
        b.close()
    return (after - before) / n


# -- reports ------------------------------------------------------------------------------------------
def print_table(config: str, rows: list[dict], idle: float | None) -> None:
    base = rows[0]["p95"] if rows and rows[0]["planners"] == 1 else float("nan")
    print(f"\n{config}: 1-planner p95 = {base:.3f} s" + (f"; idle session {idle:.2f} MB" if idle else ""))
    print(
        "| planners | runs/s | p50 s | p95 s | p99 s | p95 / 1-planner | errors | busy | RSS MB "
        "| CPU cores | CPU ms/run |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['planners']} | {r['runs_s']:.1f} | {r['p50']:.3f} | {r['p95']:.3f} | {r['p99']:.3f} "
            f"| {r['p95'] / base:.1f}x | {r['errors']} | {r['busy']} | {r['rss_mb']:.0f} "
            f"| {r['cpu_cores']:.2f} | {r['cpu_ms_per_run']:.0f} |"
        )
        for kind, count in r["error_kinds"].items():
            print(f"|   error: {kind} × {count} |")
    sys.stdout.flush()


def run_config(args: argparse.Namespace, config: str, tmp: Path) -> dict:
    with servers(args.root, config, args.server_arg, tmp) as srv:
        warm_up(srv)
        idle = idle_session_mb(srv) if config == "one" else None
        rows = []
        chosen = {
            "one": args.steps,
            "replicas": args.replica_steps or args.steps,
            "newtab": args.newtab_steps,
        }
        steps = [1, *[n for n in chosen[config] if n != 1]]  # the 1-planner p95 is what the rest compare to
        for k, n in enumerate(steps):
            prof = (args.profile_dir or tmp) / f"profile-{config}-{n}.txt" if n == args.profile else None
            rows.append(
                step(
                    srv,
                    n,
                    args.base_seconds if n == 1 else args.step_seconds,
                    (args.think, args.jitter),
                    config == "newtab",
                    seed=k + 1,
                    profile_to=prof,
                )
            )
            print(
                f"  {config} {n} planners: {rows[-1]['runs_s']:.1f} runs/s p95 {rows[-1]['p95']:.3f} s "
                f"errors {rows[-1]['errors']}",
                file=sys.stderr,
                flush=True,
            )
        print_table(config, rows, idle)
        for log in sorted(tmp.glob("*.log")):  # the gc policy's own report (JICHITAI_GC_LOG=1)
            gc_lines = [ln for ln in log.read_text(errors="replace").splitlines() if "gc: gen0" in ln]
            if gc_lines:
                print(f"{log.name}: {gc_lines[-1].split('gc: ', 1)[1]}")
        return {"config": config, "idle_session_mb": idle, "steps": rows}


def memory_run(args: argparse.Namespace, tmp: Path) -> dict:
    """N planners on one process for M minutes; RSS each minute; then all close and expire."""
    extra = [*args.server_arg, *(["--server.disconnectedSessionTTL", str(args.ttl)] if args.ttl else [])]
    with servers(args.root, "one", extra, tmp) as srv:
        warm_up(srv)
        time.sleep(3)
        start_rss = srv.rss_mb()
        start_anon = srv.rss_mb("RssAnon")
        curve: list[tuple[float, float]] = [(0.0, start_rss)]
        anon_curve: list[float] = [start_anon]
        tally = Tally()
        begin = time.time()
        stop = begin + args.memory * 60
        threads = [
            threading.Thread(
                target=planner,
                daemon=True,
                args=(
                    srv,
                    False,
                    begin + random.Random(k).uniform(0, args.think),
                    stop,
                    (args.think, args.jitter),
                    7000 + k,
                    tally,
                ),
            )
            for k in range(args.planners)
        ]
        for t in threads:
            t.start()
        for minute in range(1, args.memory + 1):
            time.sleep(max(0.0, begin + minute * 60 - time.time()))
            curve.append((float(minute), srv.rss_mb()))
            anon_curve.append(srv.rss_mb("RssAnon"))
            print(
                f"  minute {minute}: RSS {curve[-1][1]:.0f} MB, runs {len(tally.latencies)}",
                file=sys.stderr,
                flush=True,
            )
        for t in threads:
            t.join(timeout=RUN_TIMEOUT + 5)
        closed = time.time()
        ttl = args.ttl or 300
        after: list[tuple[float, float]] = []
        while time.time() < closed + ttl + 60:
            time.sleep(15)
            after.append((round(time.time() - closed), srv.rss_mb()))
            after_anon = srv.rss_mb("RssAnon")
        lat = tally.latencies
        half = args.memory // 2
        result = {
            "planners": args.planners,
            "minutes": args.memory,
            "start_rss_mb": start_rss,
            "curve": curve,
            "after_close": after,
            "runs": len(lat),
            "p95": pct(lat, 95),
            "errors": sum(tally.errors.values()),
            "error_kinds": tally.errors,
            "growth_last_half_pct": 100 * (curve[-1][1] / curve[half][1] - 1),
            "end_vs_start_pct": 100 * (after[-1][1] / start_rss - 1),
            "anon_curve": anon_curve,
            "anon_end_vs_start_pct": 100 * (after_anon / start_anon - 1),
        }
    for log in sorted(tmp.glob("*.log")):  # the gc policy's report over the run (JICHITAI_GC_LOG=1)
        gc_lines = [
            ln.split("gc: ", 1)[1] for ln in log.read_text(errors="replace").splitlines() if "gc: gen0" in ln
        ]
        if gc_lines:
            print("gc report, first / middle / last:", *gc_lines[:: max(1, len(gc_lines) // 3)], sep="\n  ")
    print(f"\nmemory: {args.planners} planners × {args.memory} min (TTL {ttl} s), start {start_rss:.0f} MB")
    print("| minute | RSS MB | of which private (RssAnon) MB |\n| ---: | ---: | ---: |")
    for (m, rss), anon in zip(curve, result["anon_curve"], strict=True):
        print(f"| {m:.0f} | {rss:.0f} | {anon:.0f} |")
    print(
        f"growth over the last {args.memory - half} minutes: {result['growth_last_half_pct']:+.1f}%; "
        f"after close + expiry ({after[-1][0]} s): {after[-1][1]:.0f} MB = "
        f"{result['end_vs_start_pct']:+.1f}% "
        f"vs start (private memory: {result['anon_end_vs_start_pct']:+.1f}%); "
        f"runs {len(lat)}, p95 {result['p95']:.3f} s, errors {result['errors']}"
    )
    return result


def verify(args: argparse.Namespace, tmp: Path) -> dict:
    """Deltas per page: this client vs headless Chromium (WebSocket frames), same server."""
    from playwright.sync_api import sync_playwright
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from tests.support import launch_chromium, wait_idle

    out = {}
    with servers(args.root, "one", args.server_arg, tmp) as srv:
        warm_up(srv)
        with sync_playwright() as p:
            browser = launch_chromium(p)
            for page_name, query in [("program", "program=1"), ("", ""), ("explorer", "")]:
                counts: list[int] = [0]

                def on_ws(ws, counts=counts):
                    def frame(payload):
                        if isinstance(payload, bytes):
                            msg = ForwardMsg()
                            msg.ParseFromString(payload)
                            if msg.WhichOneof("type") == "delta":
                                counts[0] += 1

                    ws.on("framereceived", frame)

                page = browser.new_page()
                page.on("websocket", on_ws)
                page.goto(f"{srv.url}/{page_name}" + (f"?{query}" if query else ""))
                wait_idle(page)
                page.wait_for_timeout(1000)
                page.close()
                bot = _count_bot_deltas(srv.url, page_name, query)
                out[f"{page_name}?{query}"] = {"chromium": counts[0], "bot": bot}
                print(f"{page_name}?{query}: Chromium {counts[0]} deltas, bot {bot}", flush=True)
            browser.close()
    return out


def _count_bot_deltas(url: str, page: str, query: str) -> int:
    bot = BotSession(url, page, query, connect_now=False, timeout=RUN_TIMEOUT)
    seen = [0]
    original = bot._apply

    def counting(msg, seen=seen):
        if msg.WhichOneof("type") == "delta":
            seen[0] += 1
        original(msg)

    bot._apply = counting  # type: ignore[method-assign]
    with bot:
        bot.open()
    return seen[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=REPO_ROOT, help="checkout to serve (its .venv and config)")
    ap.add_argument(
        "--configs", nargs="+", default=["one", "replicas", "newtab"], choices=["one", "replicas", "newtab"]
    )
    ap.add_argument("--steps", nargs="+", type=int, default=[1, 10, 25, 50])
    ap.add_argument("--replica-steps", nargs="+", type=int, help="steps for two replicas (default: --steps)")
    ap.add_argument("--newtab-steps", nargs="+", type=int, default=[1, 5, 10])
    ap.add_argument("--base-seconds", type=float, default=60, help="length of the 1-planner step")
    ap.add_argument("--step-seconds", type=float, default=60)
    ap.add_argument("--think", type=float, default=2.0)
    ap.add_argument("--jitter", type=float, default=1.0)
    ap.add_argument(
        "--server-arg",
        action="append",
        default=[],
        help="extra streamlit flag for the servers, e.g. --server-arg=--runner.postScriptGC=true",
    )
    ap.add_argument("--verify", action="store_true", help="compare delta counts with Chromium, then exit")
    ap.add_argument("--memory", type=int, default=0, help="minutes of the memory run (0 = none)")
    ap.add_argument("--planners", type=int, default=50, help="planners in the memory run")
    ap.add_argument("--ttl", type=int, default=0, help="server.disconnectedSessionTTL for the memory run")
    ap.add_argument(
        "--profile", type=int, default=0, help="py-spy the servers during the step with this many planners"
    )
    ap.add_argument("--profile-dir", type=Path, help="keep the raw py-spy stacks here")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    args.root = args.root.resolve()
    print(
        f"bench/load.py against {args.root} (think {args.think} ± {args.jitter} s, "
        f"{args.step_seconds:.0f} s steps) at {time.strftime('%H:%M:%S')}",
        flush=True,
    )
    results: dict = {"root": str(args.root), "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    with tempfile.TemporaryDirectory(prefix="jichitai-load-") as tmp:
        if args.verify:
            results["verify"] = verify(args, Path(tmp))
        elif args.memory:
            results["memory"] = memory_run(args, Path(tmp))
        else:
            results["configs"] = [run_config(args, c, Path(tmp)) for c in args.configs]
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
