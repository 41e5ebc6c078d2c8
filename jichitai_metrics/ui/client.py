"""The Streamlit seam for "who is this client": the direct peer and headers from st.context.

The rule itself (when a forwarded header is believed) lives in jichitai_metrics.netaddr.
"""

from __future__ import annotations

import logging
import os

import streamlit as st

from jichitai_metrics.config import load_settings
from jichitai_metrics.netaddr import resolve_client, undo_uvicorn_rewrite

log = logging.getLogger(__name__)


def client_address() -> str:
    """This session's client address: the WebSocket peer, or the forwarded one via a trusted proxy.

    Loopback peers (which Streamlit reports as None) come back as "127.0.0.1".
    """
    try:
        peer = st.context.ip_address
        headers = {str(k): str(v) for k, v in st.context.headers.items()}
    except Exception:  # noqa: BLE001 - outside a script run (bare mode): treat as loopback
        peer, headers = None, {}
    if not isinstance(peer, str):  # None (loopback) or a test double (AppTest)
        peer = None
    if os.environ.get("FORWARDED_ALLOW_IPS") != "":
        # Unset (uvicorn's default: loopback) or a list: uvicorn may have believed X-Forwarded-For
        # before we saw the request (scripts/run.sh and the systemd unit set it empty to stop that).
        peer = undo_uvicorn_rewrite(peer, headers)
    return resolve_client(peer, headers, load_settings().trusted_proxies)
