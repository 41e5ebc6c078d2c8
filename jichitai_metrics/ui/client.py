"""The Streamlit seam for "who is this client": the direct peer and headers from st.context.

The rule itself (when a forwarded header is believed) lives in jichitai_metrics.netaddr.
"""

from __future__ import annotations

import streamlit as st

from jichitai_metrics.config import load_settings
from jichitai_metrics.netaddr import resolve_client


def client_address() -> str:
    """This session's client address: the WebSocket peer, or the forwarded one via a trusted proxy.

    Loopback peers (which Streamlit reports as None) come back as "127.0.0.1".
    """
    try:
        peer = st.context.ip_address
        headers = dict(st.context.headers)
    except Exception:  # noqa: BLE001 - outside a script run (AppTest, bare mode): treat as loopback
        peer, headers = None, {}
    return resolve_client(peer, headers, load_settings().trusted_proxies)
