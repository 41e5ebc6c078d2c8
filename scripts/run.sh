#!/usr/bin/env bash
# Set up (if needed) and serve the dashboard on http://localhost:8501 with the production-safe
# settings of .streamlit/config.toml (no file watcher, no per-run full garbage collection).
#   scripts/run.sh --dev     reload pages when a source file is saved (development only)
# Any other arguments go to `streamlit run` (e.g. --server.port 8502).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Streamlit's server (uvicorn) would otherwise believe X-Forwarded-For from any loopback client;
# the app applies its own rule (JICHITAI_TRUSTED_PROXIES) to the real peer instead.
export FORWARDED_ALLOW_IPS="${FORWARDED_ALLOW_IPS-}"
dev=()
if [ "${1:-}" = "--dev" ]; then
  shift
  dev=(--server.fileWatcherType auto --server.runOnSave true)
fi
exec .venv/bin/python -m streamlit run dashboard.py "${dev[@]}" "$@"
