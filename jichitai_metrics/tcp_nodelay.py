"""TCP_NODELAY on the server's connections, which Streamlit's st.App server leaves off.

asyncio means to set TCP_NODELAY on every TCP connection (its documentation says so since Python
3.6), but its helper only does it for a socket whose `proto` is IPPROTO_TCP. Streamlit's st.App
server binds its listening socket itself as `socket.socket(family)`, so `proto` is 0, every accepted
connection inherits the 0, and the option is never set (the same gap as python/cpython#148783).
With Nagle's algorithm left on, a small write that follows another waits for the browser's delayed
ACK, up to 40 ms on Linux. A page load writes several small WebSocket messages in a row
(session, page config, navigation, elements, "script finished", status), so a page stalled 30-60 ms
once or twice per load.

Measured in headless Chromium against this app, full reload, 5 loads each (frames timed from the
browser's rerun request): the explorer's "script finished" came 55-60 ms after the request and
its last status 79-102 ms; with TCP_NODELAY both came at 31-48 ms, and the page was drawn in
204-223 ms instead of 287-303 ms. Programme 1 was bimodal (174-285 ms) and is now 196-274 ms.
Behind nginx the stall sits between nginx and the app, so production has it too.

`install()` makes asyncio's helper also accept proto 0 for a stream socket of the internet families
(which is TCP). It runs in the server process when dashboard.py's app is imported, before the
first connection is accepted; tests/test_tcp_nodelay.py checks the effect on the served app.
"""

from __future__ import annotations

import asyncio.base_events
import logging
import socket

__all__ = ["install", "set_nodelay"]

log = logging.getLogger(__name__)

_INTERNET = {socket.AF_INET, socket.AF_INET6}


def set_nodelay(sock: socket.socket) -> None:
    """TCP_NODELAY on a TCP socket, whatever its `proto` says (0 is TCP for an internet stream)."""
    if sock.family in _INTERNET and sock.type == socket.SOCK_STREAM and sock.proto in (0, socket.IPPROTO_TCP):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def install() -> bool:
    """Route asyncio's own TCP_NODELAY step through `set_nodelay`; False where asyncio has no such step."""
    if not hasattr(asyncio.base_events, "_set_nodelay") or not hasattr(socket, "TCP_NODELAY"):
        log.warning("asyncio has no _set_nodelay here; connections keep Nagle's algorithm")
        return False
    asyncio.base_events._set_nodelay = set_nodelay
    return True
