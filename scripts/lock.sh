#!/usr/bin/env bash
# Regenerate the hashed locks from pyproject.toml (the one list of dependencies):
#   requirements.txt       runtime: [project] dependencies and everything they pull in
#   requirements-test.txt  runtime + the [project.optional-dependencies] test extra
# Every line is pinned (==) with the sha256 of every published file of that version, so pip
# installs in hash-checking mode (scripts/setup.sh) and refuses anything else.
#
# Deterministic: the versions already in the lock files are kept (uv reads them as preferences);
# only a changed pyproject.toml moves a pin. Quick: one resolution each, no downloads of packages.
#   bash scripts/lock.sh             after editing pyproject.toml
#   bash scripts/lock.sh --upgrade   to move every unpinned transitive dependency to its newest
set -euo pipefail
cd "$(dirname "$0")/.."
uv=${UV:-.venv/bin/uv}
[ -x "$uv" ] || { echo "lock: uv is needed (bash scripts/setup.sh --test installs it)" >&2; exit 1; }
common=(pip compile pyproject.toml --quiet --generate-hashes --python-version 3.11
        --custom-compile-command "bash scripts/lock.sh" --index-url https://pypi.org/simple "$@")
"$uv" "${common[@]}" -o requirements.txt
# The test lock is constrained to the runtime lock, so both install the same runtime versions.
"$uv" "${common[@]}" --extra test --constraint requirements.txt -o requirements-test.txt
