"""Managed inference servers: started once per session, stopped at its end, whatever happens.

The command is an argument list (never a shell string). Its output goes to a log file, and a
server that dies or never answers its readiness path fails with the end of that log.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from pytest_aisbench.config import ModelConfig
from pytest_aisbench.errors import ServerStartError

POLL_INTERVAL_S = 0.25
STOP_GRACE_S = 15.0


class ManagedServer:
    """One server process for one backend."""

    def __init__(self, model: ModelConfig, log_path: Path) -> None:
        assert model.server is not None
        self.model = model
        self.spec = model.server
        self.log_path = log_path
        settings = model.settings
        fill = {
            "host": str(settings.get("host_ip", "localhost")),
            "port": str(settings.get("host_port", 8080)),
        }
        self.cmd = [arg.format(**fill) for arg in self.spec.cmd]
        self.ready_url = model.base_url + "/" + self.spec.ready_path.lstrip("/")
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the process and wait until the readiness path answers 200."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            try:
                self._process = subprocess.Popen(
                    self.cmd,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env={**os.environ, **self.spec.env},
                    cwd=self.spec.cwd,
                    start_new_session=True,
                )
            except OSError as exc:
                raise ServerStartError(
                    f"backend {self.model.abbr!r}: cannot start server {self.cmd[0]!r}: {exc}"
                ) from exc
        self._wait_ready()

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.spec.startup_timeout
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                raise ServerStartError(
                    f"backend {self.model.abbr!r}: server exited with status {code} before it "
                    f"was ready; end of {self.log_path}:\n{self.log_tail()}"
                )
            try:
                if httpx.get(self.ready_url, timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(POLL_INTERVAL_S)
        self.stop()
        raise ServerStartError(
            f"backend {self.model.abbr!r}: {self.ready_url} did not answer 200 within "
            f"{self.spec.startup_timeout:g} s; end of {self.log_path}:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the server's log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM the server's process group, SIGKILL it if it lingers."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            try:
                process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue
