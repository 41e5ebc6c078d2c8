"""A bare Streamlit protocol client: what a bot sees and does, without a browser.

Streamlit 1.67 talks protobuf over one WebSocket per browser tab (`/_stcore/stream`):
- the handshake: GET `/_stcore/health` hands out the `_streamlit_xsrf` cookie; the WebSocket is
  opened with that cookie, `Origin: <base url>` and the subprotocol header
  `streamlit, <xsrf token>` (the server reads entry 2 as the XSRF token and only then trusts an
  auth cookie such as `_streamlit_user`; entry 3 would resume an old session, which we never do,
  so every `BotSession` is a NEW server session, as a bot opening fresh connections gets);
- the client sends `BackMsg.rerun_script` (a `ClientState`: page name = the page's url_path,
  query string, and the values of every widget it has set) and the server streams
  `ForwardMsg`s: `new_session` at the start of each run, `delta`s (elements placed at a
  `metadata.delta_path`), then `script_finished`;
- a widget is addressed by its element `id`; a button or form-submit click is a one-shot
  `trigger_value` sent with the other values; an `st.components.v2` component (element
  `bidi_component`, its data as JSON) sends an event as a one-shot `json_trigger_value`,
  `[{"event": ..., "value": ...}]`, on the widget `<component id>__events` (Streamlit's
  `_make_trigger_id`), sent with the component's own state (`json_value`, "{}" when it keeps none),
  as the browser sends it: without that state, `st.session_state[<key>]` holds no event in the
  callback; a deferred download (`st.download_button` with a
  callable) is a `backend_operation_request.deferred_file` answered by a URL under `/media/`.

Used by the staff-access tests (issue 9), the form-flood tests (issue 10) and bench/load.py
(issue 13). Read the module's names, not Streamlit internals, from those places.

    with BotSession(url, page="inbox") as bot:
        bot.set("パスワード", "wrong").click("ログイン")
        assert "パスワードが違います。" in bot.texts()
"""

from __future__ import annotations

import http.cookiejar
import json
import socket
import ssl
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

# Element kinds that are widgets, and which WidgetState field carries their value.
_VALUE_FIELD = {
    "text_input": "string_value",
    "text_area": "string_value",
    "checkbox": "bool_value",
    "selectbox": "string_value",
    "radio": "string_value",
    "number_input": "double_value",
    "date_input": "string_array_value",
    "multiselect": "string_array_value",
    "button": "trigger_value",
    "download_button": "trigger_value",
}
_TEXT_KINDS = ("markdown", "html", "text", "heading", "alert", "code", "exception")


class Wire:
    """One WebSocket whose reads and writes all happen in the caller's thread.

    websockets' sync client reads in a thread of its own while the caller writes. Over TLS both
    threads then use one `ssl.SSLSocket`, which is not safe (OpenSSL's connection object is not
    shared between threads; python-engineio#461 and stomp.py#452 saw the same): against nginx over
    TLS, 2 of 480 new sessions lost their opening request and timed out waiting for the answer
    (tests/test_nginx_health.py failed on it in 2 of 3 CI runs, 2026-11-29). Here websockets'
    Sans-I/O protocol parses and frames, and this class moves the bytes, one thread per session.
    """

    def __init__(
        self,
        url: str,
        subprotocols: list[str],
        headers: dict[str, str],
        timeout: float,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        uri = parse_uri(url)
        deadline = time.time() + timeout
        sock = socket.create_connection((uri.host, uri.port), timeout=timeout)
        try:
            if uri.secure:
                sock = (ssl_context or ssl.create_default_context()).wrap_socket(
                    sock, server_hostname=uri.host
                )
            self.sock = sock
            self.protocol = ClientProtocol(
                uri, subprotocols=[Subprotocol(p) for p in subprotocols], max_size=None
            )
            self._message: list[bytes] = []  # the frames of a message that is still arriving
            self._ready: list[bytes] = []  # whole messages not yet handed out
            request = self.protocol.connect()
            for name, value in headers.items():
                request.headers[name] = value
            self.protocol.send_request(request)
            self._flush()
            while self.protocol.state is State.CONNECTING and self.protocol.handshake_exc is None:
                self._read(deadline)
            if self.protocol.handshake_exc is not None:
                raise self.protocol.handshake_exc
        except BaseException:
            sock.close()
            raise

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:  # (b"" asks for a half-close after a close frame: the server then closes)
                self.sock.sendall(data)

    def _read(self, deadline: float) -> None:
        """Read what the server sent (waiting until `deadline`), answer pings, keep whole messages."""
        self.sock.settimeout(max(0.01, deadline - time.time()))
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            raise TimeoutError("timed out waiting for the server") from None
        except OSError:  # reset or a TLS close without a WebSocket close: the connection is gone
            data = b""
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
        try:
            self._flush()  # pongs, and the answer to a close frame
        except OSError:
            self.protocol.receive_eof()
        for event in self.protocol.events_received():
            if isinstance(event, Frame) and event.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
                self._message.append(bytes(event.data))
                if event.fin:
                    self._ready.append(b"".join(self._message))
                    self._message = []

    def recv(self, timeout: float) -> bytes:
        """The next whole message; TimeoutError after `timeout` s, ConnectionClosed once closed."""
        deadline = time.time() + timeout
        while not self._ready:
            if self.protocol.state is State.CLOSED:
                raise self.protocol.close_exc
            self._read(deadline)
        return self._ready.pop(0)

    def send(self, data: bytes) -> None:
        if self.protocol.state is not State.OPEN:
            raise BotError("the WebSocket is closing or closed")
        self.protocol.send_binary(data)
        try:
            self._flush()
        except OSError:
            self.protocol.receive_eof()
            raise self.protocol.close_exc from None

    def close(self, timeout: float = 5.0) -> None:
        """The closing handshake, as a browser does it: our close frame, then wait (at most `timeout`
        s) for the server's and for it to end the connection. A proxy (nginx) writes its access log
        line as the connection ends, so a test that reads the log right after sees every session;
        closing the socket at once left the last line unwritten now and then."""
        try:
            if self.protocol.state is State.OPEN:
                self.protocol.send_close()
                self._flush()
            deadline = time.time() + timeout
            while self.protocol.state is not State.CLOSED and time.time() < deadline:
                self._read(deadline)
        except (OSError, TimeoutError):
            pass  # already gone, or the server did not answer in time: nothing more to wait for
        finally:
            self.sock.close()


class BotError(AssertionError):
    """The app did not answer as the protocol says (timeout, closed socket, missing widget)."""


@dataclass(frozen=True)
class Node:
    """One element the last run produced, with where it sits (its delta path)."""

    path: tuple[int, ...]
    kind: str  # "markdown", "text_input", "button", ...
    proto: Any  # the element's own message, e.g. TextInput

    @property
    def label(self) -> str:
        return str(getattr(self.proto, "label", ""))

    @property
    def text(self) -> str:
        """Body text of a text-like element ("" for widgets)."""
        if self.kind == "exception":
            return f"{self.proto.type}: {self.proto.message}"
        return str(getattr(self.proto, "body", "")) if self.kind != "code" else str(self.proto.code_text)


class BotSession:
    """One fresh Streamlit session over a bare WebSocket (no browser, no JavaScript)."""

    def __init__(
        self,
        base_url: str,
        page: str = "",
        query: str = "",
        *,
        cookies: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30.0,
        connect_now: bool = True,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.page, self.query, self.timeout = page, query, timeout
        self.extra_headers = dict(headers or {})
        self.ssl_context = ssl_context  # for https:// (e.g. nginx with a self-signed test certificate)
        self.jar = http.cookiejar.CookieJar()
        self._cookies = dict(cookies or {})
        self._ws: Wire | None = None
        self._widgets: dict[str, WidgetState] = {}  # values we have set, sent with every rerun
        self.nodes: dict[tuple[int, ...], Node] = {}
        self.runs = 0  # finished script runs seen
        self.finish_reasons: list[int] = []
        self.all_exceptions: list[str] = []  # every exception element seen in this session
        self.page_not_found = False
        self.session_id = ""  # the server's id for this session (from new_session)
        if connect_now:
            self.open()

    # -- connection ---------------------------------------------------------------------------------
    def _xsrf(self) -> str | None:
        """GET /_stcore/health: Streamlit sets the XSRF cookie on it (double-submit pattern)."""
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar),
            urllib.request.HTTPSHandler(context=self.ssl_context),
        )
        opener.open(f"{self.base_url}/_stcore/health", timeout=self.timeout).read()
        for c in self.jar:
            self._cookies.setdefault(c.name, c.value or "")
        return self._cookies.get("_streamlit_xsrf")

    def open(self) -> BotSession:
        """Open the WebSocket (a new server session) and run the requested page."""
        xsrf = self._xsrf()
        parts = urlsplit(self.base_url)
        ws_url = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{parts.path}/_stcore/stream"
        headers = {"Origin": self.base_url, **self.extra_headers}
        if self._cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self._cookies.items())
        try:
            self._ws = Wire(
                ws_url,
                subprotocols=["streamlit", *([xsrf] if xsrf else [])],
                headers=headers,
                timeout=self.timeout,
                ssl_context=self.ssl_context,
            )
        except Exception as exc:  # noqa: BLE001 - report as a protocol failure
            raise BotError(f"WebSocket open failed: {exc!r}") from exc
        self.rerun()
        return self

    def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
            self._ws = None

    def __enter__(self) -> BotSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- messages -----------------------------------------------------------------------------------
    def _send(self, msg: BackMsg) -> None:
        if self._ws is None:
            raise BotError("session is closed")
        self._ws.send(msg.SerializeToString())

    def _recv(self, deadline: float) -> ForwardMsg:
        assert self._ws is not None
        try:
            raw = self._ws.recv(max(0.05, deadline - time.time()))
        except TimeoutError as exc:
            raise BotError(f"no answer within {self.timeout}s") from exc
        except ConnectionClosed as exc:
            raise BotError(f"server closed the WebSocket: {exc}") from exc
        msg = ForwardMsg()
        msg.ParseFromString(raw if isinstance(raw, bytes) else raw.encode())
        return msg

    def _apply(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.nodes = {}  # a run re-sends every element it draws
            self.session_id = msg.new_session.initialize.session_id or self.session_id
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el: Element = msg.delta.new_element
            ekind = el.WhichOneof("type") or ""
            path = tuple(msg.metadata.delta_path)
            self.nodes[path] = Node(path, ekind, getattr(el, ekind) if ekind else None)
            if ekind == "exception":
                self.all_exceptions.append(self.nodes[path].text)
        elif kind == "page_not_found":
            self.page_not_found = True

    def rerun(self) -> BotSession:
        """Send the current page, query and widget values; wait until the run has finished."""
        state = BackMsg()
        cs = state.rerun_script
        cs.query_string, cs.page_name = self.query, self.page
        cs.widget_states.widgets.extend(self._widgets.values())
        self._send(state)
        # Triggers (button clicks) are one-shot: the next rerun must not click again.
        self._widgets = {
            k: w
            for k, w in self._widgets.items()
            if w.WhichOneof("value") not in ("trigger_value", "json_trigger_value")
        }
        self.wait_run()
        return self

    def wait_run(self) -> None:
        """Read messages until a run finishes for good (not "early for rerun", which restarts)."""
        deadline = time.time() + self.timeout
        while True:
            msg = self._recv(deadline)
            self._apply(msg)
            if msg.WhichOneof("type") == "script_finished":
                self.finish_reasons.append(msg.script_finished)
                if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    self.runs += 1
                    return

    def goto(self, page: str, query: str = "") -> BotSession:
        """Navigate within this session (like st.page_link): widget values of the old page are dropped."""
        self.page, self.query, self._widgets = page, query, {}
        return self.rerun()

    # -- reading the screen -------------------------------------------------------------------------
    def elements(self, kind: str | None = None) -> list[Node]:
        """Elements of the last run in screen order (delta-path order), optionally of one kind."""
        return [n for _, n in sorted(self.nodes.items()) if kind is None or n.kind == kind]

    def texts(self) -> str:
        """All visible text (markdown, HTML blocks, headings, alerts, code, exceptions), one per line."""
        return "\n".join(n.text for n in self.elements() if n.kind in _TEXT_KINDS)

    def alerts(self, fmt: str | None = None) -> list[str]:
        """st.error/warning/info/success bodies; fmt is "error", "warning", "info" or "success"."""
        from streamlit.proto.Alert_pb2 import Alert

        want = None if fmt is None else Alert.Format.Value(fmt.upper())
        return [n.text for n in self.elements("alert") if want is None or n.proto.format == want]

    @property
    def exceptions(self) -> list[str]:
        """Exception boxes on screen now (a user would see a traceback or error box)."""
        return [n.text for n in self.elements("exception")]

    def widget(self, label: str, kind: str | None = None, key: str | None = None) -> Node:
        """The widget whose label is `label` (exact; else the only one containing it).

        Two widgets with one label (e.g. two confirmation boxes) are told apart by their `key=`,
        which Streamlit puts at the end of the element id.
        """
        widgets = [
            n
            for n in self.elements()
            if n.kind in _VALUE_FIELD
            and (kind is None or n.kind == kind)
            and (key is None or n.proto.id.endswith("-" + key))
        ]
        exact = [n for n in widgets if n.label == label]
        found = exact or [n for n in widgets if label in n.label]
        if len(found) != 1:
            seen = ", ".join(f"{n.kind}:{n.label!r}" for n in widgets)
            raise BotError(f"{len(found)} widgets labelled {label!r}; on screen: {seen}")
        return found[0]

    def component(self, name: str) -> Node:
        """The one `st.components.v2` component on screen registered as `name`."""
        found = [n for n in self.elements("bidi_component") if n.proto.component_name == name]
        if len(found) != 1:
            raise BotError(f"{len(found)} components named {name!r} on screen")
        return found[0]

    def component_data(self, name: str) -> Any:
        """The JSON data the component was drawn with (what its JavaScript would show)."""
        return json.loads(self.component(name).proto.json or "null")

    def has_widget(self, label: str, kind: str | None = None) -> bool:
        try:
            self.widget(label, kind)
        except BotError:
            return False
        return True

    # -- acting -------------------------------------------------------------------------------------
    def set(self, label: str, value: Any, kind: str | None = None, key: str | None = None) -> BotSession:
        """Set a widget's value for the next rerun (no rerun now, as typing into a form)."""
        node = self.widget(label, kind, key)
        ws = WidgetState(id=node.proto.id)
        field = _VALUE_FIELD[node.kind]
        if field == "string_array_value":
            ws.string_array_value.data.extend([str(v) for v in value])
        elif field == "double_value" and getattr(node.proto, "data_type", 0) == 0:
            ws.int_value = int(value)  # NumberInput.INT
        else:
            setattr(ws, field, value)
        self._widgets[node.proto.id] = ws
        return self

    def click(self, label: str, key: str | None = None) -> BotSession:
        """Click a button or form-submit button: a one-shot trigger, then wait for the run."""
        node = self.widget(label, "button", key)
        self._widgets[node.proto.id] = WidgetState(id=node.proto.id, trigger_value=True)
        return self.rerun()

    def trigger(self, name: str, event: str, value: Any) -> BotSession:
        """Send a component's event (what its JavaScript's setTriggerValue does), then wait for the run."""
        from streamlit.components.v2.bidi_component.main import _make_trigger_id

        component_id = self.component(name).proto.id
        widget_id = _make_trigger_id(component_id, "events")
        payload = json.dumps([{"event": event, "value": value}])
        self._widgets[widget_id] = WidgetState(id=widget_id, json_trigger_value=payload)
        self._widgets.setdefault(component_id, WidgetState(id=component_id, json_value="{}"))
        return self.rerun()

    def download(self, label: str) -> str:
        """Click a deferred download button: the server runs the callable and answers a URL path."""
        node = self.widget(label, "download_button")
        if node.proto.url:
            return str(node.proto.url)  # static data: the URL is already in the element
        req = BackMsg()
        req.backend_operation_request.request_id = uuid.uuid4().hex
        req.backend_operation_request.session_id = self.session_id  # the server checks it is ours
        req.backend_operation_request.deferred_file.file_id = node.proto.deferred_file_id
        self._send(req)
        deadline = time.time() + self.timeout
        while True:
            msg = self._recv(deadline)
            self._apply(msg)
            if msg.WhichOneof("type") == "backend_operation_response":
                resp = msg.backend_operation_response
                if resp.error_msg:
                    raise BotError(f"download refused: {resp.error_msg}")
                return str(resp.deferred_file.url)

    def fetch(self, path: str, *, with_cookies: bool = False) -> tuple[int, bytes]:
        """GET a URL path on the app (e.g. a /media/ export); (status, body). No cookies by default."""
        req = urllib.request.Request(self.base_url + path if path.startswith("/") else path)
        if with_cookies and self._cookies:
            req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self._cookies.items()))
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()


def fresh_sessions(base_url: str, n: int, page: str = "", query: str = "", **kw: Any) -> Iterator[BotSession]:
    """n sessions one after another, each on its own new WebSocket (closed after use)."""
    for _ in range(n):
        with BotSession(base_url, page, query, **kw) as bot:
            yield bot
