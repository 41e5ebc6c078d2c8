"""Shared Streamlit pieces: cached catalogue, language, messages, the source caption."""

from __future__ import annotations

import atexit
import contextlib
import gc
import re
import runpy
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import duckdb
import pandas as pd
import streamlit as st

from jichitai_metrics import catalog, queries
from jichitai_metrics.config import load_settings
from jichitai_metrics.errors import CatalogError, ConfigError
from jichitai_metrics.i18n import normalise_lang, pick

__all__ = ["pick", "lang", "page_language", "catalog_cursor", "md_escape"]

F = TypeVar("F", bound=Callable[..., Any])

LANG_KEY = "lang"
ROUTER = Path(__file__).resolve().parents[2] / "dashboard.py"


def page_language() -> str:
    """The page language: ?lang= in the URL (Japanese unless it says en), remembered in the session.

    The switch is a link drawn by ui/nav.py to this page with ?lang= (client-side, the session stays);
    a URL without ?lang= keeps the session's language, and the URL is set to say it.
    """
    wanted = st.query_params.get("lang")
    if wanted is not None or LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = normalise_lang(wanted)
    chosen = normalise_lang(st.session_state[LANG_KEY])
    # Set even when it already says so: a switch by link to the same page does not update the address
    # bar by itself, and a copied link must open in the language on screen.
    st.query_params["lang"] = chosen
    return chosen


_heap_lock = threading.Lock()
_modules_when_frozen = 0


def freeze_long_lived_objects() -> None:
    """Hide import-time objects from the garbage collector, once per batch of new imports.

    Streamlit runs a full `gc.collect(2)` after every script run (runner.postScriptGC). With pandas,
    pyarrow, DuckDB and Altair's schema classes loaded that walks ~1.5 million objects: 60-90 ms on every
    rerun, most of the router's cost in bench/pages.py. Module-level objects live as long as the process,
    so after a collection they are moved to the permanent generation (`gc.freeze`) and later collections
    only walk what runs create. It is redone only when new modules were imported (a page's first visit,
    a lazily imported Streamlit element), so it happens a handful of times per process; garbage created
    by runs is still collected after every run as before. The trade-off: an object alive at one of those
    few freezes that later becomes part of a reference cycle is freed only at exit (bounded by the
    number of freezes; acyclic objects are freed by reference counting as always).
    """
    global _modules_when_frozen
    if len(sys.modules) == _modules_when_frozen:
        return
    with _heap_lock:
        if len(sys.modules) == _modules_when_frozen:
            return
        gc.collect()  # collect first: only survivors are frozen
        gc.freeze()
        if not _modules_when_frozen:
            # Hand everything back at exit so shutdown finalises it as usual (DuckDB's bindings
            # report frozen objects as leaks otherwise).
            atexit.register(gc.unfreeze)
        _modules_when_frozen = len(sys.modules)


def lang() -> str:
    """The language chosen in the router (Japanese until the switch has run)."""
    return normalise_lang(st.session_state.get(LANG_KEY))


@st.cache_resource(show_spinner=False)
def _catalog_connection(data_dir: str) -> duckdb.DuckDBPyConnection:
    # Built once per process from data/, so the in-memory catalogue is never staler than the files
    # were at start-up; each caller gets its own cursor (a shared bare connection is not thread-safe).
    return catalog.build_catalog(data_dir)


def catalog_cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on the shared catalogue (raises CatalogError; the router turns it into a message)."""
    return _catalog_connection(str(load_settings().data_dir)).cursor()


@contextlib.contextmanager
def catalog_errors_shown() -> Iterator[None]:
    """Run a page; a broken data file becomes a plain message saying what to fix, never a traceback."""
    try:
        yield
    except CatalogError as exc:
        st.error(
            pick(
                f"データファイルに問題があるため、数値を表示できません。\n\n{exc}\n\n"
                "data/ のファイルを直してから、アプリを再起動してください。",
                f"The figures cannot be shown because a data file has a problem.\n\n{exc}\n\n"
                "Fix the file in data/ and restart the app.",
                lang(),
            ),
            icon=":material/error:",
        )


_shared_reads: list[Any] = []


def shared_read(max_entries: int | None = None) -> Callable[[F], F]:
    """Cache a read of the catalogue once per process and hand every session the same object.

    Why not st.cache_data: it unpickles a fresh copy on every call, so every run of every session
    rebuilt the same DataFrames and strings. With 50 planners that churn doubled the server's private
    memory while they worked (+82 MB) and left +63 MB behind after they had gone (freed small objects
    keep Python's 1 MiB arenas); with one shared object: +40 MB and +34 MB (bench/load.py --memory).
    The price: a caller must never change what it gets (tests/test_shared_reads.py checks every
    page leaves them as the catalogue has them). reload_catalog() empties them all.
    """

    def wrap(function: F) -> F:
        cached = st.cache_resource(show_spinner=False, max_entries=max_entries)(function)
        _shared_reads.append(cached)
        return cast(F, cached)

    return wrap


@shared_read()
def seminars() -> pd.DataFrame:
    return queries.seminars(catalog_cursor())


@shared_read()
def seminar(seminar_id: str) -> dict:
    return queries.seminar(catalog_cursor(), seminar_id)


@shared_read()
def programs(seminar_id: str) -> pd.DataFrame:
    return queries.programs(catalog_cursor(), seminar_id)


@shared_read()
def program(seminar_id: str, number: int) -> dict:
    return queries.program(catalog_cursor(), seminar_id, number)


@shared_read()
def career(seminar_id: str, number: int) -> pd.DataFrame:
    return queries.career(catalog_cursor(), seminar_id, number)


@shared_read(max_entries=256)  # the explorer's free text makes new keys
def figures(
    seminar_id: str | None = None,
    program: int | None = None,
    topic: str | None = None,
    unit: str | None = None,
    kind: str | None = None,
    text: str | None = None,
) -> pd.DataFrame:
    return queries.figures(
        catalog_cursor(), seminar_id=seminar_id, program=program, topic=topic, unit=unit, kind=kind, text=text
    )


@shared_read()
def findings(seminar_id: str | None = None, program: int | None = None) -> pd.DataFrame:
    return queries.findings(catalog_cursor(), seminar_id=seminar_id, program=program)


@shared_read()
def charts(seminar_id: str, program: int | None = None) -> pd.DataFrame:
    return queries.charts(catalog_cursor(), seminar_id, program)


@shared_read()
def chart_figures(chart_id: str) -> pd.DataFrame:
    return queries.chart_figures(catalog_cursor(), chart_id)


@shared_read()
def headline_figures(seminar_id: str) -> pd.DataFrame:
    return queries.headline_figures(catalog_cursor(), seminar_id)


def default_seminar_id() -> str:
    """The seminar shown when the URL names none: the first in the catalogue."""
    return str(seminars()["id"].iloc[0])


_MD_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def md_escape(text: str) -> str:
    """Escape Markdown so catalogue text (e.g. 「10代~70代」) renders literally in st.markdown/caption."""
    return _MD_SPECIALS.sub(r"\\\1", str(text))


def selected_seminar_id() -> str:
    """The seminar named in ?seminar=, else the first; a chooser appears only when there are several."""
    frame = seminars()
    ids = [str(i) for i in frame["id"]]
    wanted = st.query_params.get("seminar")
    current: str = wanted if wanted is not None and wanted in ids else ids[0]
    if len(ids) > 1:
        titles = dict(zip(frame["id"], frame["title_en" if lang() == "en" else "title_ja"], strict=True))
        chosen = st.sidebar.selectbox(
            pick("セミナー", "Seminar", lang()),
            ids,
            index=ids.index(current),
            format_func=lambda i: str(titles.get(i, i)),
        )
        current = str(chosen or current)
    if wanted is not None and wanted != current or (wanted is None and len(ids) > 1):
        st.query_params["seminar"] = current
    return current


def route_through_dashboard() -> None:
    """Make sure this page runs inside the router, even on a server's very first request.

    Because the repo has a `pages/` folder, Streamlit starts in its legacy mode and, until some session has
    called st.navigation, runs `pages/<name>.py` on its own: a first visit straight to /program would get a
    sidebar of raw file names, no language switch and no page config, and the process would stay that way.
    Leaving that mode and running the router in place (not st.rerun, which would drop a pending button or
    form submission) serves this request through dashboard.py; the router runs this page again inside it.
    """
    from streamlit.runtime.pages_manager import PagesManager  # no public switch for this exists

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(ROUTER), run_name="__main__")
        st.stop()


def stop_on_bad_settings() -> None:
    """Show one message naming each bad JICHITAI_* value and stop, instead of failing deep in a page.

    The same check runs before start in deploy/systemd (ExecStartPre=... check-config), so a
    server with a bad setting never comes up; this covers `streamlit run` by hand.
    """
    try:
        load_settings()
    except ConfigError as exc:
        st.error(
            "設定に誤りがあるため、アプリを使えません。管理者は次の設定を直して再起動してください。\n\n"
            "The app cannot run because of invalid settings:",
            icon="⚙️",
        )
        st.code("\n".join(exc.problems), language=None)
        st.stop()


def reload_catalog() -> None:
    """Rebuild the catalogue from data/ on next use (after the review page publishes a seminar)."""
    _catalog_connection.clear()
    for cached in _shared_reads:
        cached.clear()
    st.cache_data.clear()
