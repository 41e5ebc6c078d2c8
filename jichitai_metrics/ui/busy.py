"""「混み合っています」: what a new planner sees when this process is past its capacity."""

from __future__ import annotations

import uuid
from typing import Any

import streamlit as st

from jichitai_metrics.admission import Admission
from jichitai_metrics.config import load_settings
from jichitai_metrics.i18n import pick

_KEY_ID, _KEY_ADMITTED = "capacity_session_id", "capacity_admitted"


@st.cache_resource(show_spinner=False)
def _admission(limit: int, window: float) -> Admission:
    return Admission(limit, window)  # one per process: the sessions of this replica


def admit_or_stop(lang: str) -> None:
    """Let the session in, or show a short busy notice with a retry button and end this run.

    Cheap on purpose (a dict look-up under a lock): it runs first, on every run of every session.
    """
    settings = load_settings()
    if settings.max_active_sessions <= 0:
        return
    if _KEY_ID not in st.session_state:
        st.session_state[_KEY_ID] = uuid.uuid4().hex
    gate = _admission(settings.max_active_sessions, float(settings.active_window_s))
    if gate.enter(st.session_state[_KEY_ID], bool(st.session_state.get(_KEY_ADMITTED))):
        st.session_state[_KEY_ADMITTED] = True
        return
    st.warning(
        pick(
            "ただいま混み合っています。1〜2分ほど待ってから「再試行」を押してください。",
            "The service is busy right now. Please wait a minute or two, then press Retry.",
            lang,
        ),
        icon=":material/hourglass_top:",
    )
    st.button(pick("再試行", "Retry", lang), type="primary")  # a click reruns, and so asks again
    st.stop()


def expire_closed_sessions() -> int:
    """Drop closed tabs' sessions whose reconnect time (server.disconnectedSessionTTL) is over.

    Streamlit keeps them in a TTL cache that only reaps expired entries when another session is
    stored, so a server that falls quiet after a busy hour holds the last sessions (up to 128) and
    their memory for good. Called by the collector thread (gcpolicy) before each full collection,
    under the session manager's own lock. Returns how many were dropped; 0 when this Streamlit
    version is laid out differently (its own behaviour then stays as it was).
    """
    try:
        from streamlit.runtime import Runtime

        if not Runtime.exists():
            return 0
        manager: Any = Runtime.instance()._session_mgr
        lock, cache = manager._storage_lock, manager._session_storage._cache
        expire = cache.expire
    except AttributeError:
        return 0
    with lock:
        return len(expire())
