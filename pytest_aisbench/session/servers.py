"""The inference servers the session starts from backends' ``server=dict(...)``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from pytest_aisbench.managed_server import ManagedServer
from pytest_aisbench.session.backends import SelectedBackends


class ManagedServers:
    """Started by the controller before any request, stopped whatever the session's end."""

    def __init__(self, config: pytest.Config, backends: SelectedBackends) -> None:
        self.config = config
        self.backends = backends
        self.running: list[ManagedServer] = []

    def start(self) -> None:
        """Start every selected backend's managed server (controller only); each log goes to
        pytest's cache folder (a temporary one without it)."""
        cache = getattr(self.config, "cache", None)
        for model in self.backends.models:
            if model.server is not None:
                log_dir = cache.mkdir("aisbench") if cache else Path(tempfile.mkdtemp())
                server = ManagedServer(model, log_dir / f"{model.abbr}-server.log")
                self.running.append(server)
                server.start()

    def stop(self) -> None:
        """Stop every server started."""
        for server in self.running:
            server.stop()
        self.running = []
