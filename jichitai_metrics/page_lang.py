"""The document language (`<html lang>`) of every served page, right from the first paint.

Streamlit's shell (`index.html`) hard-codes `<html lang="en">` and has no setting for it
(streamlit/streamlit#15726, open; the `page_lang` pull request #16024 was closed unmerged), so a
screen reader reads our Japanese with English rules (WCAG 3.1.1). This ASGI middleware rewrites
that one attribute in the shell as it is served, from the same `?lang=` rule the router uses
(Japanese unless the URL asks for English). It is installed through Streamlit's supported ASGI
entry point (`st.App(..., middleware=...)` at the bottom of `dashboard.py`); nothing in the
installed package is edited. A switch of language inside a session keeps the shell, so ui/nav.py
sets the attribute there as the page is drawn.

The same rewrite tells the frontend where the server is (`window.__streamlit.BACKEND_BASE_URL`, the
frontend's documented embedding setting). Without it, a page opened at its own address (a shared
link to /program, /inquiry, …) first looks for the server under that page's path: /program/_stcore/
health answers 404 and the frontend tries the root only after its 100 ms retry delay. Measured in
headless Chromium (full reload, median of 5): /inbox 330 → 240 ms, /program?program=2 440 → 370 ms;
the hello page 180 ms (bench/pages.py has the full table).

It also adds the app's stylesheet and page-wide script at the end of the shell's `<body>`
(ui/nav.py SHELL_END), so a page is styled from its first paint.

What the browser caches is what we send: the shell's ETag is a digest of the rewritten body, and a
revalidation is answered here (304 when it still matches). Streamlit's own ETag names its file on
the disk, which our additions do not change: with it, a browser that had `/` before a release kept
the old stylesheet and script after it (the file answered 304), until Streamlit itself was upgraded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from jichitai_metrics.i18n import normalise_lang

__all__ = [
    "HtmlLangMiddleware",
    "add_to_body_end",
    "etag_matches",
    "lang_of_query",
    "point_at_server",
    "set_html_lang",
    "shell_etag",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_SHELL_MARK = b'<html lang="en"'
_HEAD_MARK = b"<head>"
# Streamlit's own endpoints never serve the shell; everything else (/, /program, /explorer?…) may.
_NOT_SHELL = ("/_stcore/", "/static/", "/media/", "/component/", "/-/")
# Request headers the inner app does not get for the shell: it then always sends the whole file,
# uncompressed, for us to rewrite. The ETag of what we send answers If-None-Match, and
# Last-Modified (the file's date) is not sent.
_DROPPED_FOR_SHELL = (b"accept-encoding", b"if-none-match", b"if-modified-since")
# Response headers that describe Streamlit's file, not the rewritten body we send instead.
_FILE_VALIDATORS = (b"content-length", b"etag", b"last-modified")


def lang_of_query(query_string: bytes | str) -> str:
    """The page language a URL's query asks for (the router's rule: ja unless ?lang=en)."""
    text = query_string.decode("latin-1") if isinstance(query_string, bytes) else query_string
    return normalise_lang((parse_qs(text).get("lang") or [""])[0])


def set_html_lang(body: bytes, lang: str) -> bytes:
    """The shell with its `<html lang>` set to `lang` (unchanged if the shell has no such tag)."""
    return body.replace(_SHELL_MARK, f'<html lang="{lang}"'.encode(), 1)


def point_at_server(body: bytes, base_path: str) -> bytes:
    """The shell with a first script that names the server's root (origin + Streamlit's base path).

    `base_path` is `server.baseUrlPath` (set by the operator, not by a visitor); it is written as a
    JSON string with `<` escaped, so no value can end the script. A shell without `<head>` is
    returned unchanged.
    """
    path = "/" + base_path.strip("/") if base_path.strip("/") else "/"
    root = json.dumps(path).replace("<", "\\u003c")  # a JSON string that cannot close the script
    script = (
        "<script>window.__streamlit = Object.assign({}, window.__streamlit, "
        f"{{BACKEND_BASE_URL: window.location.origin + {root}}});</script>"
    )
    return body.replace(_HEAD_MARK, _HEAD_MARK + script.encode(), 1)


def shell_etag(body: bytes) -> bytes:
    """A strong ETag for the shell as sent: a digest of its bytes (lang, additions and all)."""
    return b'"jm-' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'


def etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """Whether an If-None-Match header names `etag` (a list, `*`, or weak forms: RFC 9110 13.1.2)."""
    tags = [t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")]
    return b"*" in tags or etag in tags


def _base_path() -> str:
    from streamlit import config

    return str(config.get_option("server.baseUrlPath") or "")


def add_to_body_end(body: bytes, extra_html: str) -> bytes:
    """The shell with `extra_html` (the app's own, never a visitor's) just before `</body>`."""
    return body.replace(b"</body>", extra_html.encode() + b"</body>", 1) if extra_html else body


class HtmlLangMiddleware:
    """Rewrite `<html lang="en">` in Streamlit's served shell to the page's language.

    `body_end_html` goes at the end of the shell's `<body>`: the app's stylesheet and page-wide
    script, there from the first paint (ui/nav.py says why there).
    """

    def __init__(
        self, app: Callable[[Scope, Receive, Send], Awaitable[None]], body_end_html: str = ""
    ) -> None:
        self.app = app
        self.body_end_html = body_end_html

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if (
            scope.get("type") != "http"
            or scope.get("method") not in ("GET", "HEAD")
            or any(part in path for part in _NOT_SHELL)
        ):
            await self.app(scope, receive, send)
            return
        lang = lang_of_query(scope.get("query_string", b""))
        # The shell is ~8 kB: ask for it uncompressed and unconditionally, so it can be rewritten.
        asked = dict((k.lower(), v) for k, v in scope.get("headers", []))
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() not in _DROPPED_FOR_SHELL]
        inner = dict(scope, headers=headers)
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if not content_type.startswith(b"text/html"):
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = point_at_server(set_html_lang(b"".join(chunks), lang), _base_path())
            body = add_to_body_end(body, self.body_end_html)
            etag = shell_etag(body)
            out_headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in _FILE_VALIDATORS]
            out_headers.append((b"etag", etag))
            if start.get("status") == 200 and etag_matches(asked.get(b"if-none-match", b""), etag):
                kept = [(k, v) for k, v in out_headers if k.lower() != b"content-type"]
                await send({**start, "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
            out_headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": out_headers})
            await send({"type": "http.response.body", "body": body if scope.get("method") == "GET" else b""})

        await self.app(inner, receive, capture)
