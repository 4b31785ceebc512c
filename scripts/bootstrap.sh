#!/usr/bin/env bash
# Set up everything from nothing (Python 3.11, pip and gcc): the plugin's virtual environment
# (.venv, editable install with the dev tools) and the real vLLM serving SmolLM2
# (scripts/setup_vllm.sh, in its own environment under $AISBENCH_CACHE_DIR).
# Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=python3.11
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/pytest ] || ! .venv/bin/python -c "import pytest_aisbench" 2>/dev/null; then
  echo "[bootstrap] creating .venv with pytest-aisbench (editable) and its dev tools" >&2
  "$PY" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev,fast]' 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import pytest_aisbench" # fail loudly if the install did not work
fi
bash scripts/setup_vllm.sh >/dev/null
