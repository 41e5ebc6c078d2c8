"""The protocol-level bot client against a real server: reads pages, finds widgets, acts like a bot."""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.http11 import Request, Response

from jichitai_metrics.ui.inquiry_form import COMPONENT_NAME, SUBMIT_EVENT
from tests.botclient import BotError, BotSession, Wire
from tests.servers import make_self_signed_cert
from tests.support import html_links, running_app

PASSWORD = "botclient-test-pass-1"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("bot")
    env = {"JICHITAI_DB_PATH": str(tmp / "store.duckdb"), "JICHITAI_ADMIN_PASSWORD": PASSWORD}
    with running_app(env, log=tmp / "server.log") as url:
        yield url


def test_reads_the_overview_like_a_visitor(app: str) -> None:
    with BotSession(app) as bot:
        assert bot.runs == 1
        assert "215人" in bot.texts()
        assert "申込者数" in bot.texts()
        assert bot.exceptions == []
        # The language switch: a link to this page in English (the bot sees what a browser would follow).
        links = html_links(n.proto.body for n in bot.elements("html"))
        assert links["English"] == "./?lang=en"


def test_inbox_password_field_and_a_wrong_guess(app: str) -> None:
    with BotSession(app, page="inbox") as bot:
        assert "受付箱（職員用）" in bot.texts()
        field = bot.widget("パスワード", "text_input")
        assert field.proto.type == field.proto.PASSWORD
        bot.set("パスワード", "not it").click("ログイン")
        assert any("パスワードが違います" in a for a in bot.alerts("error"))
        assert not bot.has_widget("ログアウト")
        assert bot.exceptions == []


def test_each_session_is_new_on_the_server(app: str) -> None:
    # Signed in on one WebSocket; a second WebSocket is a stranger (no shared session state).
    with BotSession(app, page="inbox") as first:
        first.set("パスワード", PASSWORD).click("ログイン")
        assert first.has_widget("ログアウト", "button")
        with BotSession(app, page="inbox") as second:
            assert second.has_widget("パスワード") and not second.has_widget("ログアウト")


def test_missing_widget_is_a_clear_error(app: str) -> None:
    with BotSession(app) as bot, pytest.raises(BotError, match="0 widgets labelled"):
        bot.widget("存在しないボタン")


def test_goto_and_query_string(app: str) -> None:
    with BotSession(app, page="program", query="program=2") as bot:
        assert "Program2" in bot.texts() or "加山" in bot.texts()
        bot.goto("inquiry")
        labels = [f["label"] for f in bot.component_data(COMPONENT_NAME)["fields"]]
        assert "ご相談内容" in labels


def test_a_component_event_reaches_the_app_and_junk_types_count_as_empty(app: str) -> None:
    # What a bot can send that a browser would not: a number for text, "yes" for consent.
    with BotSession(app, page="inquiry") as bot:
        bot.trigger(COMPONENT_NAME, SUBMIT_EVENT, {"name": "ボット 太郎", "phone": 12345, "consent": "yes"})
        fields = {f["name"]: f for f in bot.component_data(COMPONENT_NAME)["fields"]}
        assert fields["name"]["value"] == "ボット 太郎" and fields["name"]["error"] is None
        assert fields["phone"]["value"] == "" and "電話番号" in fields["phone"]["error"]
        assert fields["consent"]["value"] is False and "同意" in fields["consent"]["error"]
        assert not bot.has_widget("送信")  # still on the input screen
        assert bot.exceptions == []


# -- the bot's WebSocket (Wire): one thread per session, over TLS too -------------------------------


@pytest.fixture()
def tls_echo(tmp_path: Path) -> Iterator[tuple[str, ssl.SSLContext, list[str]]]:
    """A websockets server over TLS (a throw-away certificate) that answers each message with
    three fragments of it, pings the client first, and closes with 4000 on b"bye". It is the
    asyncio server, in a thread of its own: its I/O stays in one thread, as the Wire's does."""
    cert, key = make_self_signed_cert(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    seen: list[str] = []

    async def handler(ws: ServerConnection) -> None:
        try:
            await asyncio.wait_for(await ws.ping(), 5)
            seen.append("pong")
        except TimeoutError:
            seen.append("no pong")
        async for message in ws:
            if message == b"bye":
                await ws.close(4000, "bye")
                return
            assert isinstance(message, bytes)
            third = max(1, len(message) // 3)
            await ws.send([message[:third], message[third : 2 * third], message[2 * third :]])

    def process_request(ws: ServerConnection, request: Request) -> Response | None:
        if request.path == "/refuse":
            return ws.respond(429, "busy\n")
        return None

    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()

    async def start() -> Server:
        return await serve(handler, "127.0.0.1", 0, ssl=server_tls, process_request=process_request)

    async def stop(server: Server) -> None:
        server.close()
        await server.wait_closed()

    server = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    port = next(iter(server.sockets)).getsockname()[1]
    try:
        yield f"wss://127.0.0.1:{port}", ssl.create_default_context(cafile=str(cert)), seen
    finally:
        asyncio.run_coroutine_threadsafe(stop(server), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)


def test_wire_joins_fragments_answers_pings_and_reports_the_close(tls_echo) -> None:
    url, client_tls, seen = tls_echo
    wire = Wire(f"{url}/", ["streamlit"], {"Origin": url}, timeout=10, ssl_context=client_tls)
    big = bytes(range(256)) * 4000  # ~1 MB: many TLS records
    wire.send(big)
    assert wire.recv(10) == big  # three frames arrive as one message
    wire.send(b"abc")
    assert wire.recv(10) == b"abc"
    assert seen == ["pong"]  # the server's ping was answered while we were reading
    wire.send(b"bye")
    with pytest.raises(ConnectionClosed) as closed:
        wire.recv(10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4000
    wire.close()


def test_wire_reports_a_refused_handshake_with_its_status_at_once(tls_echo) -> None:
    url, client_tls, _ = tls_echo
    started = time.monotonic()
    with pytest.raises(InvalidStatus) as refused:
        Wire(f"{url}/refuse", ["streamlit"], {}, timeout=30, ssl_context=client_tls)
    assert refused.value.response.status_code == 429
    assert time.monotonic() - started < 5  # not the 30 s timeout


def test_wire_times_out_when_the_server_says_nothing(tls_echo) -> None:
    url, client_tls, _ = tls_echo
    wire = Wire(f"{url}/", ["streamlit"], {}, timeout=10, ssl_context=client_tls)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        wire.recv(0.5)
    assert 0.4 < time.monotonic() - started < 3
    wire.close()
