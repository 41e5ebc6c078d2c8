"""The <html lang> middleware: the served shell says ja or en, nothing else is touched."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from jichitai_metrics.page_lang import (
    HtmlLangMiddleware,
    add_to_body_end,
    etag_matches,
    lang_of_query,
    point_at_server,
    set_html_lang,
)
from jichitai_metrics.ui.nav import SHELL_END

SHELL = b'<!doctype html><html lang="en"><head></head><body><div id="root"></div></body></html>'


def _serve(
    path: str,
    query: bytes,
    body: bytes = SHELL,
    content_type: bytes = b"text/html; charset=utf-8",
    body_end_html: str = "",
    asked: list[tuple[bytes, bytes]] | None = None,
):
    seen_headers: list = []

    async def app(scope, receive, send):
        seen_headers.extend(scope["headers"])
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        headers += [(b"etag", b'"file-etag"'), (b"last-modified", b"Sun, 29 Nov 2026 17:13:05 GMT")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body[:10], "more_body": True})
        await send({"type": "http.response.body", "body": body[10:]})

    sent: list = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query,
        "headers": [(b"accept-encoding", b"gzip"), (b"host", b"x"), *(asked or [])],
    }
    # In a thread of its own: an earlier test in the same process may have left this thread's loop running.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(
            asyncio.run, HtmlLangMiddleware(app, body_end_html=body_end_html)(scope, receive, send)
        ).result()
    out = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    start = next(m for m in sent if m["type"] == "http.response.start")
    return out, dict(start["headers"], status=start["status"]), seen_headers


def test_lang_follows_the_router_rule():
    assert lang_of_query(b"") == "ja"
    assert lang_of_query(b"program=2&lang=en") == "en"
    assert lang_of_query("lang=fr") == "ja"  # unknown: Japanese, as the router does


def test_shell_gets_the_page_language_and_a_correct_length():
    body, headers, upstream = _serve("/program", b"program=1&lang=en")
    assert b'<html lang="en">' in body
    assert int(headers[b"content-length"]) == len(body)
    assert all(k != b"accept-encoding" for k, _ in upstream)  # asked uncompressed, to rewrite it
    body, _, _ = _serve("/", b"")
    assert body.startswith(b'<!doctype html><html lang="ja">')


def test_assets_and_other_responses_pass_untouched():
    js = b'const s = "<html lang=\\"en\\">";'
    body, _, upstream = _serve("/static/js/index.js", b"lang=ja", body=js, content_type=b"text/javascript")
    assert body == js and any(k == b"accept-encoding" for k, _ in upstream)
    body, _, _ = _serve("/other", b"lang=ja", body=js, content_type=b"application/json")
    assert body == js


def test_set_html_lang_only_rewrites_the_root_tag():
    assert set_html_lang(b"<p>no shell</p>", "ja") == b"<p>no shell</p>"
    assert set_html_lang(SHELL, "ja").count(b'lang="ja"') == 1


def test_shell_names_the_server_root_so_a_deep_link_needs_one_probe():
    body, headers, _ = _serve("/inbox", b"")
    assert b"<head><script>window.__streamlit = Object.assign({}, window.__streamlit, " in body
    assert b'BACKEND_BASE_URL: window.location.origin + "/"' in body
    assert int(headers[b"content-length"]) == len(body)
    # Under a base path (server.baseUrlPath) the root is that path; no value can close the script.
    assert b'window.location.origin + "/dx/app"' in point_at_server(SHELL, "/dx/app/")
    hostile = point_at_server(SHELL, "</script><script>alert(1)")
    assert hostile.count(b"</script>") == 1 and b"\\u003c/script>" in hostile
    assert point_at_server(b"<p>no shell</p>", "") == b"<p>no shell</p>"


def test_the_shell_carries_the_stylesheet_and_navigation_script_at_its_end():
    body, headers, _ = _serve("/program", b"program=1", body_end_html=SHELL_END)
    tail = body[body.index(b'<div id="root"></div>') : body.index(b"</body>")]
    assert b".jm-prose" in tail and b":focus-visible" in tail  # the screen style
    assert b"@media print" in tail  # the print style
    assert b"window.__jmNav" in tail  # client-side navigation for data-jm-nav links
    assert body.count(SHELL_END.encode()) == 1
    assert int(headers[b"content-length"]) == len(body)
    # Not in anything but the shell.
    js = b"const x = '</body>';"
    asset, _, _ = _serve(
        "/static/js/a.js", b"", body=js, content_type=b"text/javascript", body_end_html=SHELL_END
    )
    assert asset == js
    assert add_to_body_end(b"<p>no body</p>", SHELL_END) == b"<p>no body</p>"


def test_the_shell_is_cached_by_what_is_sent_not_by_streamlits_file():
    """A release that changes the stylesheet or script reaches a browser that cached the old shell."""
    body, headers, _ = _serve("/", b"", body_end_html=SHELL_END)
    etag = headers[b"etag"]
    assert etag != b'"file-etag"' and b"last-modified" not in headers
    # Each language, and each version of our additions, is its own cache entry.
    assert _serve("/", b"lang=en", body_end_html=SHELL_END)[1][b"etag"] != etag
    assert _serve("/", b"", body_end_html=SHELL_END + "<style></style>")[1][b"etag"] != etag
    # The browser's revalidation: 304 while it still holds what we send ...
    again, headers, upstream = _serve("/", b"", body_end_html=SHELL_END, asked=[(b"if-none-match", etag)])
    assert headers["status"] == 304 and again == b"" and headers[b"etag"] == etag
    assert not {k for k, _ in upstream} & {b"if-none-match", b"if-modified-since"}
    # ... and the new shell when it holds Streamlit's file tag, its date, or an older shell of ours.
    for stale in [
        (b"if-none-match", b'"file-etag"'),
        (b"if-modified-since", b"Sun, 29 Nov 2026 17:13:05 GMT"),
    ]:
        fresh, headers, _ = _serve("/", b"", body_end_html=SHELL_END, asked=[stale])
        assert headers["status"] == 200 and fresh == body


def test_if_none_match_reads_lists_weak_tags_and_star():
    assert etag_matches(b'"a", W/"jm-1"', b'"jm-1"')
    assert etag_matches(b"*", b'"jm-1"')
    assert not etag_matches(b'"jm-2"', b'"jm-1"') and not etag_matches(b"", b'"jm-1"')


def test_the_running_app_revalidates_its_shell(app_url):
    """Against the real server: the tag it sends is answered with 304; Streamlit's file tag is not."""
    with urllib.request.urlopen(f"{app_url}/") as first:
        body, etag = first.read(), first.headers["ETag"]
    assert b".jm-prose" in body and etag.startswith('"jm-')
    request = urllib.request.Request(f"{app_url}/", headers={"If-None-Match": etag})
    try:
        urllib.request.urlopen(request)
        raise AssertionError("expected 304 Not Modified")
    except urllib.error.HTTPError as answer:
        assert answer.code == 304 and answer.headers["ETag"] == etag
    # Streamlit's own tag for its index.html no longer counts as a copy of our shell.
    stale = urllib.request.Request(f"{app_url}/", headers={"If-None-Match": '"0123456789abcdef"'})
    with urllib.request.urlopen(stale) as answer:
        assert answer.status == 200 and answer.read() == body
