#!/usr/bin/env bash
# Creates .venv with the trainer's pinned packages (models/requirements.txt). Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -r models/requirements.txt; then
  echo "setup-python: pip could not install models/requirements.txt" >&2
  exit 1
fi
