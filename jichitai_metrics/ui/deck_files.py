"""The deck (.pptx) and the A4 handout (PDF) at addresses, so the deck page's two download buttons are
plain HTML forms inside its one HTML block.

    ./files/deck/<seminar>.pptx?lang=ja&p=1&p=4             (whole programmes)
    ./files/deck/<seminar>.pdf?lang=ja&chart=p1-kpi&landscape=1
                                &whatif=1&inquiries=12000&…  (the what-if slide, with its entries)

Why not `st.download_button`: its code is a separate script the browser fetches after the page's
last message, so the deck page stood with two grey placeholders after every other page was drawn
(bench/timeline.py: 232 ms against the hello page's 207; reload 1.40× the hello page, bench/pages.py,
stop 27). A `<form method="get">` with a `<button>` is a real button (Enter and Space, read as a
button) and its answer is an attachment, so the browser saves it and the page stays. The bytes are
the same: `kit.deck_builder` / `kit.handout_builder`.

A route has no session, so the what-if entries a planner added to the deck (session state) travel in
the form as hidden fields. Building is the heaviest work the app does (0.5–3 s of CPU), so at most
`BUILDS_AT_ONCE` run at a time and at most `ASKED_AT_ONCE` requests wait; past that a request is told
the service is busy (503, Retry-After) at once, and holds no server thread. A file just built is kept
(`shared_read`, a few entries), so a double-click or a second planner with the same choice waits for
the one build and gets its bytes.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Mapping, Sequence

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from jichitai_metrics import whatif
from jichitai_metrics.errors import CatalogError, UnknownSeminar
from jichitai_metrics.i18n import normalise_lang
from jichitai_metrics.ui import common
from jichitai_metrics.ui.csv_files import attachment, plain_message

__all__ = ["DECK_ROUTE", "DeckRequest", "deck_request", "download_form"]

PREFIX = "files/deck"
MEDIA_TYPES = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}
# One chart-render worker serves every build (jichitai_metrics.images): two builds keep it busy
# while a third waits its turn; more waiting would only hold threads the CSV and picture routes share.
BUILDS_AT_ONCE = 2
ASKED_AT_ONCE = 6
_building = threading.BoundedSemaphore(BUILDS_AT_ONCE)
_asked = 0
_asked_lock = threading.Lock()


class DeckRequest:
    """What a file is made of, read from (and written to) its address."""

    def __init__(
        self,
        chart_ids: Sequence[str],
        programs: Sequence[int],
        whatif_entries: Mapping[str, str] | None,
        landscape: bool,
    ) -> None:
        self.chart_ids = tuple(chart_ids)
        self.programs = () if self.chart_ids else tuple(programs)  # charts, when named, decide
        self.whatif_entries = (
            tuple((f.key, str(whatif_entries.get(f.key, ""))) for f in whatif.FIELDS)
            if whatif_entries is not None
            else None
        )
        self.landscape = landscape

    @property
    def empty(self) -> bool:
        return not self.chart_ids and not self.programs and self.whatif_entries is None

    def fields(self, fmt: str) -> list[tuple[str, str]]:
        """The address's parameters (a ticked box per value, as the deck page's own form sends them)."""
        fields = [("chart", c) for c in self.chart_ids] + [("p", str(n)) for n in self.programs]
        if self.whatif_entries is not None:
            fields += [("whatif", "1"), *self.whatif_entries]
        if fmt == "pdf" and self.landscape:
            fields.append(("landscape", "1"))
        return fields


def deck_request(query: Mapping[str, Sequence[str]]) -> DeckRequest:
    """A DeckRequest from an address's parameters ({name: all values}); unknown charts are checked later."""
    entries = None
    if "whatif" in query:
        entries = {f.key: (query.get(f.key) or [""])[-1] for f in whatif.FIELDS}
    programs = [int(v) for v in query.get("p", []) if v.isdecimal() and len(v) < 4]
    return DeckRequest(query.get("chart", []), programs, entries, "landscape" in query)


def file_href(seminar_id: str, fmt: str) -> str:
    """The file's address relative to the app's root (pages sit one level below it), without its query."""
    return f"./{PREFIX}/{urllib.parse.quote(seminar_id)}.{fmt}"


def download_form(
    seminar_id: str, fmt: str, wanted: DeckRequest, label: str, lang: str, primary: bool
) -> str:
    """A GET form whose one button downloads the file; disabled when nothing is chosen."""
    from jichitai_metrics.ui import prose

    fields = "".join(prose.hidden(k, v) for k, v in [("lang", lang), *wanted.fields(fmt)])
    css = "jm-button jm-primary" if primary else "jm-button"
    disabled = " disabled" if wanted.empty else ""
    return (
        f'<form class="jm-download" method="get" action="{prose.esc(file_href(seminar_id, fmt))}">{fields}'
        f'<button type="submit" class="{css}"{disabled}>{prose.esc(label)}</button></form>'
    )


@common.shared_read(max_entries=8)
def built_file(
    seminar_id: str,
    fmt: str,
    chart_ids: tuple[str, ...],
    programs: tuple[int, ...],
    lang: str,
    whatif_entries: tuple[tuple[str, str], ...] | None,
    landscape: bool,
) -> bytes:
    """The file's bytes, made once per choice while kept (a double-click waits for the first build)."""
    from jichitai_metrics.ui import kit

    entries = dict(whatif_entries) if whatif_entries is not None else None
    if fmt == "pptx":
        return kit.deck_builder(seminar_id, chart_ids, programs, lang, entries)()
    return kit.handout_builder(seminar_id, chart_ids, programs, lang, entries, landscape)()


def _busy(lang: str) -> Response:
    response = plain_message(
        503,
        "ただいま資料の作成が混み合っています。1分ほど待ってから、ブラウザの「戻る」で前の画面に戻り、"
        "もう一度ダウンロードしてください。",
        "Many files are being made right now. Wait a minute, go back in your browser and download again.",
        lang,
    )
    response.headers["Retry-After"] = "60"
    return response


def _answer(seminar_id: str, fmt: str, wanted: DeckRequest, lang: str) -> Response:
    from jichitai_metrics.ui import kit

    missing = plain_message(
        404,
        "この資料は作成できません。「スライド・画像」のページを開き直して、ボタンからダウンロードしてください。",
        "This file cannot be made. Reload the Slides & images page and use its buttons.",
        lang,
    )
    if fmt not in MEDIA_TYPES:
        return missing
    if wanted.empty:
        return plain_message(
            400,
            "グラフが1つも選ばれていません。「スライド・画像」のページでグラフを選んでください。",
            "No chart is chosen. Choose charts on the Slides & images page.",
            lang,
        )
    try:
        if seminar_id not in {str(i) for i in common.seminars()["id"]}:
            return missing
        known = kit.chart_labels(seminar_id, lang)
        numbers = {int(n) for n in common.programs(seminar_id)["number"]}
        if any(c not in known for c in wanted.chart_ids) or any(n not in numbers for n in wanted.programs):
            return missing
        chart_ids = tuple(c for c in known if c in set(wanted.chart_ids))  # slides in programme order
        programs = tuple(n for n in sorted(numbers) if n in set(wanted.programs))
        with _building:
            # (the orientation is the handout's alone: a deck asked for either way is one build)
            landscape = wanted.landscape and fmt == "pdf"
            data = built_file(seminar_id, fmt, chart_ids, programs, lang, wanted.whatif_entries, landscape)
    except (KeyError, UnknownSeminar):
        return missing
    except (CatalogError, whatif.FactorError):
        return plain_message(
            503,
            "データファイルを読み込めないため、資料を作成できません。管理者にお知らせください。",
            "The data files cannot be read, so no file can be made. Please tell the administrator.",
            lang,
        )
    name = (
        kit.deck_filename(seminar_id, chart_ids, programs)
        if fmt == "pptx"
        else kit.handout_filename(seminar_id, chart_ids, programs)
    )
    return attachment(data, MEDIA_TYPES[fmt], name)


async def _deck_endpoint(request: Request) -> Response:
    global _asked
    lang = normalise_lang(request.query_params.get("lang"))
    query = {k: request.query_params.getlist(k) for k in request.query_params}
    with _asked_lock:
        if _asked >= ASKED_AT_ONCE:
            return _busy(lang)
        _asked += 1
    try:
        # Building is blocking work: off the event loop that serves every session.
        return await run_in_threadpool(
            _answer,
            str(request.path_params["seminar"]),
            str(request.path_params["fmt"]),
            deck_request(query),
            lang,
        )
    finally:
        with _asked_lock:
            _asked -= 1


DECK_ROUTE = Route(f"/{PREFIX}/{{seminar}}.{{fmt}}", _deck_endpoint, methods=["GET"])
