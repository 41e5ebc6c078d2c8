"""The served app: dashboard.py behind one ASGI middleware that sets `<html lang>` (see page_lang).

Run with `streamlit run serve.py` (scripts/run.sh, the systemd unit and the tests do); Streamlit
detects the `st.App` below and serves `dashboard.py` through it with every usual option.
"""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from jichitai_metrics.page_lang import HtmlLangMiddleware

app = st.App(Path(__file__).with_name("dashboard.py"), middleware=[Middleware(HtmlLangMiddleware)])
