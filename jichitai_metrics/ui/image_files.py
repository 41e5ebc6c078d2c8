"""Chart images at stable addresses, so the deck page lists them as plain links.

    ./files/image/<seminar>/<chart id>.png?lang=ja      (2× PNG, Japanese font baked in)
    ./files/image/<seminar>/<chart id>.svg?lang=ja      (SVG, for editing)

Why a route and not `st.download_button`s under a chart `st.selectbox`: those were three Streamlit
elements more on the deck page (each costs every page load, bench/pages.py), a planner had to pick a
chart before seeing a file, and a link can be copied into a document. The bytes are the same as before:
`kit.chart_image`, cached per process by spec hash (jichitai_metrics.images), so the set a route can be
asked to draw is bounded by the catalogue's charts × two languages × two formats.
"""

from __future__ import annotations

import urllib.parse

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from jichitai_metrics.errors import CatalogError, UnknownSeminar
from jichitai_metrics.i18n import normalise_lang
from jichitai_metrics.ui.csv_files import attachment, plain_message

__all__ = ["IMAGE_ROUTE", "MEDIA_TYPES", "image_href"]

PREFIX = "files/image"
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def image_href(seminar_id: str, chart_id: str, fmt: str, lang: str) -> str:
    """The image's address relative to the app's root (pages sit one level below it)."""
    query = urllib.parse.urlencode({"lang": lang})
    return f"./{PREFIX}/{urllib.parse.quote(seminar_id)}/{urllib.parse.quote(chart_id)}.{fmt}?{query}"


def _answer(seminar_id: str, chart_id: str, fmt: str, lang: str) -> Response:
    from jichitai_metrics.ui import common, kit

    not_found = plain_message(
        404,
        "このグラフの画像は見つかりません。「スライド・画像」のページを開き直して、一覧のリンクから保存してください。",
        "There is no such chart image. Reload the Slides & images page and use its list's links.",
        lang,
    )
    if fmt not in MEDIA_TYPES:
        return not_found
    try:
        if seminar_id not in {str(i) for i in common.seminars()["id"]}:
            return not_found
        data = kit.chart_image(seminar_id, chart_id, lang, fmt)
    except (KeyError, UnknownSeminar):
        return not_found
    except CatalogError:
        return plain_message(
            503,
            "データファイルを読み込めないため、画像を作成できません。管理者にお知らせください。",
            "The data files cannot be read, so no image can be made. Please tell the administrator.",
            lang,
        )
    return attachment(data, MEDIA_TYPES[fmt], kit.image_filename(chart_id, fmt))


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
