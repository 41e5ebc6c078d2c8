"""nginx's passive health check (deploy/nginx/jichitai.conf): a dead replica stops getting new sessions.

Open-source nginx has no active probes. It counts failed attempts to reach a replica; after
`max_fails` of them within `fail_timeout` it leaves that replica out for `fail_timeout`, then tries it
again with one real request. A request that could not connect is retried on the next replica
(`proxy_next_upstream error timeout`, nginx's default), so the planner who hit the dead replica
still gets a page. This runs the shipped site in front of two real replicas and stops one.
"""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path

import pytest

from tests.botclient import BotSession
from tests.servers import DEPLOY_SITE_CONF, nginx_server
from tests.support import free_port, running_app

pytestmark = pytest.mark.slow


def _fail_policy() -> tuple[int, float]:
    """max_fails and fail_timeout (s) of the shipped upstream lines (both replicas alike)."""
    lines = re.findall(r"^\s*server 127\.0\.0\.1:85\d\d\b([^;]*);", DEPLOY_SITE_CONF.read_text(), flags=re.M)
    fails = {int(m) for line in lines for m in re.findall(r"max_fails=(\d+)", line)}
    timeouts = {int(m) for line in lines for m in re.findall(r"fail_timeout=(\d+)s", line)}
    assert len(lines) == 2 and len(fails) == 1 and len(timeouts) == 1, lines
    return fails.pop(), float(timeouts.pop())


def test_dead_replica_gets_no_new_sessions_and_no_planner_sees_an_error(tmp_path: Path) -> None:
    max_fails, fail_timeout = _fail_policy()
    assert 1 <= max_fails <= 5 and fail_timeout <= 30  # a dead replica is noticed within seconds
    with contextlib.ExitStack() as stack:
        doomed = contextlib.ExitStack()
        ports = []
        for name, ctx in (("a", doomed), ("b", stack)):
            port = free_port()
            ctx.enter_context(
                running_app(
                    {"JICHITAI_DB_PATH": str(tmp_path / f"{name}.duckdb")},
                    port=port,
                    log=tmp_path / f"{name}.log",
                )
            )
            ports.append(port)
        nginx = stack.enter_context(nginx_server(ports))
        tls = nginx.ssl_context() if hasattr(nginx, "ssl_context") else None

        def open_pages(n: int) -> None:
            for _ in range(n):
                with BotSession(nginx.url, "program", "program=2", ssl_context=tls, timeout=60) as bot:
                    assert not bot.exceptions and not bot.page_not_found
                    # the programme page drew its title (a heading in its HTML block)
                    assert any("<h1>Program2" in n.proto.body for n in bot.elements("html")), bot.texts()

        # Both replicas up: new sessions spread over both. Each lands on a replica at random (the
        # hash of a fresh $request_id), so at an even split 8 in a row all landed on one about 1 run
        # in 130. Open sessions until both have taken one, at most 20 (all 20 on one: 1 in 500,000;
        # the address's burst of 60 new WebSockets leaves room for the 24 below).
        for _ in range(20):
            open_pages(1)
            before = [r for r in nginx.access() if r["uri"] == "/_stcore/stream"]
            if len({r["upstream"] for r in before}) == 2:
                break
        assert {r["upstream"] for r in before} == {f"127.0.0.1:{p}" for p in ports}

        doomed.close()  # replica a stops: its port refuses connections
        dead = f"127.0.0.1:{ports[0]}"
        started = time.monotonic()
        open_pages(24)  # every planner still gets the page (retried on b where a refused)
        elapsed = time.monotonic() - started

        streams = [r for r in nginx.access() if r["uri"] == "/_stcore/stream"][len(before) :]
        assert len(streams) == 24 and all(r["status"] == "101" for r in streams)
        assert all(r["upstream"].split(", ")[-1] != dead for r in streams)
        # Without max_fails nginx would try a on about half of the 24 new sessions; with it, a is
        # tried max_fails times, left out for fail_timeout, then tried once more per period.
        refused = [ln for ln in nginx.log().splitlines() if "connect() failed" in ln and dead in ln]
        allowed = max_fails + int(elapsed // fail_timeout) + 1
        assert 1 <= len(refused) <= allowed, (len(refused), allowed, elapsed)
        assert "upstream server temporarily disabled" in nginx.log()
