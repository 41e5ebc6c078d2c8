"""TCP_NODELAY on the server's connections (jichitai_metrics/tcp_nodelay.py)."""

from __future__ import annotations

import asyncio
import asyncio.base_events
import http.client
import socket
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest

from jichitai_metrics import tcp_nodelay


def _nodelay(sock: socket.socket) -> bool:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_a_tcp_socket_made_without_a_proto_gets_nodelay() -> None:
    with socket.socket(socket.AF_INET) as sock:  # as Streamlit binds its server: proto 0
        assert sock.proto == 0 and not _nodelay(sock)
        tcp_nodelay.set_nodelay(sock)
        assert _nodelay(sock)


def test_a_datagram_socket_is_left_alone() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        tcp_nodelay.set_nodelay(sock)  # no TCP option on UDP, and no error either


def test_asyncio_server_on_a_proto_0_socket_accepts_with_nodelay(monkeypatch: pytest.MonkeyPatch) -> None:
    """The path Streamlit's server takes: a pre-bound proto-0 socket handed to asyncio's create_server."""
    monkeypatch.setattr(
        asyncio.base_events, "_set_nodelay", asyncio.base_events._set_nodelay
    )  # restored after
    assert tcp_nodelay.install()
    seen: list[bool] = []

    class Record(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            seen.append(_nodelay(transport.get_extra_info("socket")))
            transport.close()

    async def accept_one() -> None:
        listener = socket.socket(socket.AF_INET)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        server = await asyncio.get_running_loop().create_server(Record, sock=listener)
        reader, writer = await asyncio.open_connection(*listener.getsockname())
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        await server.wait_closed()

    # In a thread of its own: an earlier test in this process (Playwright's sync API) may have left a loop
    # running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, accept_one()).result()
    assert seen == [True]


def test_the_served_app_answers_back_to_back_requests_without_a_delayed_ack_stall(app_url: str) -> None:
    """Two writes per response (headers, body) on one kept-alive connection: with Nagle's algorithm on,
    the second waited for the client's delayed ACK, 44 ms a request here; with TCP_NODELAY about 1 ms."""
    address = urlparse(app_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    times = []
    try:
        for _ in range(12):
            start = time.perf_counter()
            connection.request("GET", "/_stcore/health")
            response = connection.getresponse()
            response.read()
            times.append(time.perf_counter() - start)
            assert response.status == 200
    finally:
        connection.close()
    assert statistics.median(times) < 0.025, [round(t * 1000, 1) for t in times]
