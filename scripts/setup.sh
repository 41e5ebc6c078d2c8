#!/usr/bin/env bash
# Set up this checkout on a fresh Debian machine that has only Python 3.11:
#   scripts/setup.sh          runtime: .venv with requirements.txt
#   scripts/setup.sh --test   plus test requirements and the Debian packages the tests drive
#                             (chromium, a CJK font for screenshots, postgresql, nginx, poppler-utils).
# Idempotent and quick when nothing is missing, so both README commands can call it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

python_bin=${PYTHON:-}
if [ -z "$python_bin" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python_bin=$candidate; break; fi
  done
fi
[ -n "$python_bin" ] || { echo "setup: Python 3.11 is needed (python3.11 not found)" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  "$python_bin" -m venv .venv
fi
req=requirements.txt
[ $want_test = 1 ] && req=requirements-test.txt
stamp=".venv/.installed-$(sha256sum requirements.txt "$req" pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  # The lock files carry a sha256 for every package (bash scripts/lock.sh writes them from
  # pyproject.toml): pip refuses any file that does not match.
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r "$req"
  # The project itself (the jichitai-metrics command), without dependencies: they came from the lock.
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
  touch "$stamp"
fi
# The handout's font cut (jichitai_metrics/pdffont.py): ~8 s once per environment, then a no-op.
.venv/bin/python -m jichitai_metrics.pdffont >/dev/null

if [ $want_test = 1 ]; then
  # Debian packages: chromium for browser tests, fonts-noto-cjk so Japanese shows in screenshots,
  # postgresql and nginx for the multi-replica tests (started by the tests, as temp instances),
  # poppler-utils (pdftoppm) to render handout pages for the QR-code test and for looking at them.
  packages=(chromium fonts-noto-cjk postgresql nginx poppler-utils)
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  # The staff sign-in tests run a real OpenID Connect provider (npm `oidc-provider`, Node.js 20+),
  # installed exactly as locked in tests/oidc/package-lock.json.
  if [ ! -f tests/oidc/node_modules/.package-lock.json ] \
     || ! cmp -s tests/oidc/package-lock.json tests/oidc/node_modules/.lock-installed; then
    command -v npm >/dev/null 2>&1 || { echo "setup: npm (Node.js 20+) is needed for the OIDC tests" >&2; exit 1; }
    (cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.lock-installed)
  fi
fi
