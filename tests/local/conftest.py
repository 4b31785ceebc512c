"""Fixtures of the local-model tests: offline HuggingFace, and the tiny Llama built once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # never a download, in this process and its children
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# one torch thread: the tiny model gains nothing from more, and on a shared 2-core machine
# OpenMP threads waiting on each other made a 12-token answer take 5 s instead of 0.1 s
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight LlamaForCausalLM folder (see ``tests/tiny_llama.py``)."""
    pytest.importorskip("transformers")
    from tiny_llama import build

    return build(tmp_path_factory.mktemp("tiny_llama") / "model")
