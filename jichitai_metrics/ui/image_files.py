"""Chart images at stable addresses, so the deck page lists them as plain links.

    ./files/image/<seminar>/<chart id>.png?lang=ja      (2× PNG, Japanese font baked in)
    ./files/image/<seminar>/<chart id>.svg?lang=ja      (SVG, for editing)
    ./files/picture/<seminar>/<chart id>.svg?lang=ja&w=900&v=<digest>
                                                        (the chart card's picture on the pages)

Why a route and not `st.download_button`s under a chart `st.selectbox`: those were three Streamlit
elements more on the deck page (each costs every page load, bench/pages.py), a planner had to pick a
chart before seeing a file, and a link can be copied into a document. The bytes are the same as before:
`kit.chart_image`, cached per process by spec hash (jichitai_metrics.images), so the set a route can be
asked to draw is bounded by the catalogue's charts × two languages × two formats.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from jichitai_metrics.errors import CatalogError, UnknownSeminar
from jichitai_metrics.i18n import normalise_lang
from jichitai_metrics.ui.csv_files import attachment, plain_message

__all__ = ["IMAGE_ROUTE", "MEDIA_TYPES", "PICTURE_ROUTE", "image_href", "picture_digest", "picture_href"]

T = TypeVar("T")
PREFIX = "files/image"
PICTURE_PREFIX = "files/picture"
# A picture's address names its bytes (v=digest), so the browser may keep it: a new drawing has a new
# address. What a stale address gets (the catalogue was republished since its page was drawn) is
# today's drawing, and the browser is told to ask again.
_KEEP = "public, max-age=31536000, immutable"
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def image_href(seminar_id: str, chart_id: str, fmt: str, lang: str) -> str:
    """The image's address relative to the app's root (pages sit one level below it)."""
    query = urllib.parse.urlencode({"lang": lang})
    return f"./{PREFIX}/{urllib.parse.quote(seminar_id)}/{urllib.parse.quote(chart_id)}.{fmt}?{query}"


def _answer(seminar_id: str, chart_id: str, fmt: str, lang: str) -> Response:
    from jichitai_metrics.ui import kit

    not_found = plain_message(
        404,
        "このグラフの画像は見つかりません。「スライド・画像」のページを開き直して、一覧のリンクから保存してください。",
        "There is no such chart image. Reload the Slides & images page and use its list's links.",
        lang,
    )
    if fmt not in MEDIA_TYPES:
        return not_found
    data = _drawn(seminar_id, lang, not_found, lambda: kit.chart_image(seminar_id, chart_id, lang, fmt))
    if isinstance(data, Response):
        return data
    return attachment(data, MEDIA_TYPES[fmt], kit.image_filename(chart_id, fmt))


def _drawn(seminar_id: str, lang: str, missing: Response, draw: Callable[[], T]) -> T | Response:
    """What `draw` makes; `missing` for an unknown seminar or chart; a 503 if the data can't be read."""
    from jichitai_metrics.ui import common

    try:
        if seminar_id not in {str(i) for i in common.seminars()["id"]}:
            return missing
        return draw()
    except (KeyError, UnknownSeminar):
        return missing
    except CatalogError:
        return plain_message(
            503,
            "データファイルを読み込めないため、画像を作成できません。管理者にお知らせください。",
            "The data files cannot be read, so no image can be made. Please tell the administrator.",
            lang,
        )


async def _image_endpoint(request: Request) -> Response:
    lang = normalise_lang(request.query_params.get("lang"))
    # Drawing a chart is blocking work: off the event loop that serves every session.
    return await run_in_threadpool(
        _answer,
        str(request.path_params["seminar"]),
        str(request.path_params["chart"]),
        str(request.path_params["fmt"]),
        lang,
    )


IMAGE_ROUTE = Route(f"/{PREFIX}/{{seminar}}/{{chart}}.{{fmt}}", _image_endpoint, methods=["GET", "HEAD"])


def picture_digest(svg: str) -> str:
    """A short name of a drawing's bytes (the `v` of its address)."""
    return hashlib.sha256(svg.encode("utf-8")).hexdigest()[:16]


def picture_href(seminar_id: str, chart_id: str, lang: str, width: int, svg: str) -> str:
    """The address of a chart card's picture `svg` (drawn `width` px wide), relative to the app's root.

    Why an address and not a data: URL inside the page's HTML: the page's one `st.html` block was
    then 105 kB for programme 1 (85 kB of it three base64 pictures), and Streamlit dedents, hashes,
    serialises and sends that whole string on every run of the page.
    """
    query = urllib.parse.urlencode({"lang": lang, "w": width, "v": picture_digest(svg)})
    return f"./{PICTURE_PREFIX}/{urllib.parse.quote(seminar_id)}/{urllib.parse.quote(chart_id)}.svg?{query}"


def _picture(seminar_id: str, chart_id: str, lang: str, width: str, digest: str) -> Response:
    from jichitai_metrics.ui import figures as fig_ui

    missing = plain_message(
        404,
        "このグラフの画像は見つかりません。ページを開き直してください。",
        "There is no such chart picture. Reload the page.",
        lang,
    )
    if not width.isdigit() or int(width) not in fig_ui.PICTURE_WIDTHS:
        return missing
    svg = _drawn(seminar_id, lang, missing, lambda: fig_ui.card_svg(seminar_id, chart_id, lang, int(width)))
    if isinstance(svg, Response):
        return svg
    return Response(
        svg.encode("utf-8"),
        media_type=MEDIA_TYPES["svg"],
        headers={
            "Cache-Control": _KEEP if digest == picture_digest(svg) else "no-cache",
            "X-Content-Type-Options": "nosniff",
            # Opened on its own, the drawing may style itself and nothing else (no script, no fetch).
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )


async def _picture_endpoint(request: Request) -> Response:
    # Drawing a chart is blocking work (the first time per process): off the event loop.
    return await run_in_threadpool(
        _picture,
        str(request.path_params["seminar"]),
        str(request.path_params["chart"]),
        normalise_lang(request.query_params.get("lang")),
        request.query_params.get("w", ""),
        request.query_params.get("v", ""),
    )


PICTURE_ROUTE = Route(
    f"/{PICTURE_PREFIX}/{{seminar}}/{{chart}}.svg", _picture_endpoint, methods=["GET", "HEAD"]
)
