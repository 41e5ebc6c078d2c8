"""CSV files at stable addresses, so a table's download is a plain link inside the page's HTML.

    ./files/csv/<seminar>/<table>.csv?lang=ja&encoding=utf-8-sig

`<table>` is `chart-<chart id>` (a chart card's rows), `program<N>-other` (a programme's figures no
chart draws), `seminar` (the seminar-wide figures), `figures` (the explorer's rows, selected by its
own URL parameters prog, topic, unit, kind and q) or `whatif` (the what-if's results for the entries
in its URL, as the page computes them). Why a route and not `st.download_button`: a
button is one more Streamlit element per card (every element costs each page load, bench/pages.py),
its file lives only as long as the session that drew it, and a link can sit in the card's one HTML
block next to the other links. The bytes are the same: the same shared reads and `export.csv_bytes`.

Served through Streamlit's supported ASGI entry point (`st.App(routes=...)` in dashboard.py). A bad
address answers with a short plain-text message in the page's language, never a traceback.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from jichitai_metrics import export, whatif
from jichitai_metrics.errors import CatalogError, UnknownSeminar
from jichitai_metrics.i18n import normalise_lang, pick
from jichitai_metrics.ui.filters import EXPLORER_PARAMS, explorer_filters

__all__ = ["CSV_ROUTE", "CsvTable", "attachment", "csv_href", "csv_table", "encoded", "plain_message"]

PREFIX = "files/csv"
# The URL parameters a table can be chosen by: the explorer's filters and the what-if's entries.
TABLE_PARAMS = (*EXPLORER_PARAMS, *(field.key for field in whatif.FIELDS))
_NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class CsvTable:
    """One downloadable table: its rows, the file name a browser saves it as, and its cache key."""

    table: pd.DataFrame
    filename: str
    cache_key: tuple


def csv_href(
    seminar_id: str, name: str, lang: str, encoding: str, filters: Mapping[str, str] | None = None
) -> str:
    """The table's address relative to the app's root (pages sit one level below it)."""
    chosen = {k: v for k, v in (filters or {}).items() if k in TABLE_PARAMS and v}
    query = urllib.parse.urlencode({**chosen, "lang": lang, "encoding": encoding})
    return f"./{PREFIX}/{urllib.parse.quote(seminar_id)}/{urllib.parse.quote(name)}.csv?{query}"


def csv_table(seminar_id: str, name: str, lang: str, filters: Mapping[str, str] | None = None) -> CsvTable:
    """The rows behind `name` (raises KeyError for a name or seminar that has none).

    `filters` (URL parameters) select the rows of `figures`, the explorer's table, and carry the
    entries of `whatif` (no results: KeyError, as the page then offers no file).
    """
    from jichitai_metrics.ui import common
    from jichitai_metrics.ui import figures as fig_ui

    if seminar_id not in {str(i) for i in common.seminars()["id"]}:
        raise KeyError(seminar_id)

    if name.startswith("chart-"):
        chart_id = name.removeprefix("chart-")
        try:
            item = fig_ui.card(seminar_id, chart_id, lang)  # KeyError: another seminar's chart
        except UnknownSeminar as exc:  # no chart has that id
            raise KeyError(chart_id) from exc
        return CsvTable(
            item.csv_table, export.export_filename("chart", chart_id), ("chart", seminar_id, chart_id, lang)
        )
    if name == "whatif":
        from jichitai_metrics.ui import kit

        entries = {f.key: str((filters or {}).get(f.key, "")) for f in whatif.FIELDS}
        results, _ = kit.whatif_results(seminar_id, entries, lang)  # a bad entry is left out, as on the page
        if results.empty:
            raise KeyError(name)
        return CsvTable(
            whatif.csv_frame(results, lang),
            export.export_filename("whatif", seminar_id),
            ("whatif", seminar_id, tuple(sorted(entries.items())), lang),
        )
    key: tuple
    if name == "figures":
        chosen = explorer_filters(seminar_id, filters or {})
        if chosen.ignored:  # the page ignores such a value with a warning; an address names no table
            raise KeyError(chosen.ignored[0][0])
        key = chosen.cache_key(seminar_id)
        frame = common.figures(seminar_id, **chosen.figure_query())
        program = chosen.program
        filename = export.export_filename(
            "figures",
            seminar_id,
            f"program{program}" if program else None,
            "filtered" if chosen.narrowed else None,
        )
    elif name == "seminar":
        key = ("seminar-figures", seminar_id)
        frame = fig_ui.seminar_figures(seminar_id)
        filename = export.export_filename("figures", seminar_id, "seminar")
    elif name.startswith("program") and name.endswith("-other") and name[7:-6].isdigit():
        number = int(name[7:-6])
        if number not in {int(n) for n in common.programs(seminar_id)["number"]}:
            raise KeyError(name)
        key = ("program-other", seminar_id, number)
        frame = fig_ui.figures_outside_charts(seminar_id, number)
        filename = export.export_filename("figures", seminar_id, f"program{number}", "other")
    else:
        raise KeyError(name)
    return CsvTable(fig_ui.figure_export(key, lang, frame), filename, (*key, lang))


def encoded(table: CsvTable, encoding: str) -> export.CsvExport:
    """The file's bytes in `encoding`, made once per table and encoding (shared with the page)."""
    from jichitai_metrics.ui import downloads

    return downloads.csv_for(table.cache_key, encoding, table.table)


def plain_message(status: int, ja: str, en: str, lang: str) -> PlainTextResponse:
    """A short message in the reader's language, never a traceback."""
    return PlainTextResponse(pick(ja, en, lang), status_code=status, headers=_NO_STORE)


def _answer(
    seminar_id: str, name: str, lang: str, encoding: str, filters: Mapping[str, str] | None = None
) -> Response:
    if encoding not in export.ENCODINGS:
        return plain_message(
            400,
            "文字コードは utf-8-sig（UTF-8・BOM付き）か cp932（Shift_JIS）を指定してください。",
            "Ask for encoding utf-8-sig (UTF-8 with BOM) or cp932 (Shift_JIS).",
            lang,
        )
    try:
        table = csv_table(seminar_id, name, lang, filters)
        result = encoded(table, encoding)
    except (KeyError, UnknownSeminar):
        return plain_message(
            404,
            "このCSVは見つかりません。ページを開き直して、表のリンクからダウンロードしてください。",
            "There is no such CSV. Reload the page and download from the table's link.",
            lang,
        )
    except (CatalogError, whatif.FactorError):
        return plain_message(
            503,
            "データファイルを読み込めないため、CSVを作成できません。管理者にお知らせください。",
            "The data files cannot be read, so no CSV can be made. Please tell the administrator.",
            lang,
        )
    if not result.ok:  # the same words as the page's note where the link is withheld
        from jichitai_metrics.ui import downloads

        problem = downloads.encoding_problem(result, lang)  # never None when a character is unencodable
        return PlainTextResponse(problem[1] if problem else "", status_code=422, headers=_NO_STORE)
    return attachment(result.data, result.mime, table.filename)


def attachment(data: bytes, media_type: str, filename: str) -> Response:
    """A file the browser saves as `filename` (UTF-8 names for Japanese browsers), never cached: the
    catalogue can be republished (review page)."""
    quoted = urllib.parse.quote(filename)
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quoted}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def _csv_endpoint(request: Request) -> Response:
    lang = normalise_lang(request.query_params.get("lang"))
    encoding = request.query_params.get("encoding", "utf-8-sig")
    seminar_id = str(request.path_params["seminar"])
    name = str(request.path_params["name"])
    # Catalogue reads and encoding are blocking work: off the event loop that serves every session.
    filters = {k: request.query_params[k] for k in TABLE_PARAMS if k in request.query_params}
    return await run_in_threadpool(_answer, seminar_id, name, lang, encoding, filters)


CSV_ROUTE = Route(f"/{PREFIX}/{{seminar}}/{{name}}.csv", _csv_endpoint, methods=["GET", "HEAD"])
