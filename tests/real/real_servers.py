"""Helpers for the real-server tests: where scripts/ installed them, ports, skip or fail."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

CACHE = Path(os.environ.get("AISBENCH_CACHE_DIR", Path.home() / ".cache" / "pytest-aisbench"))


def require_setup(marker: Path, script: str) -> None:
    """Skip when a real server is not installed; fail instead where CI requires it."""
    if marker.exists():
        return
    message = f"not set up ({marker} missing): run scripts/{script}"
    if os.environ.get("AISBENCH_REQUIRE_REAL") == "1":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
