#!/usr/bin/env bash
# Set up (if needed), check style and types, then run the tests: unit, AppTest, browser, PostgreSQL
# and nginx. Any ruff finding, unformatted file or mypy error fails the run before pytest starts
# (config in pyproject.toml). Arguments go to pytest (e.g. a test file).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
