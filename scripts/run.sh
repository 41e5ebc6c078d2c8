#!/usr/bin/env bash
# Set up (if needed) and serve the dashboard on http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Streamlit's server (uvicorn) would otherwise believe X-Forwarded-For from any loopback client;
# the app applies its own rule (JICHITAI_TRUSTED_PROXIES) to the real peer instead.
export FORWARDED_ALLOW_IPS="${FORWARDED_ALLOW_IPS-}"
# serve.py: dashboard.py behind the <html lang> middleware (jichitai_metrics/page_lang.py).
exec .venv/bin/python -m streamlit run serve.py "$@"
