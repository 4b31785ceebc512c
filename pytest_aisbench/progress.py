"""A live progress line for long perf runs: requests sent, finished and failed, current rate.

Shown only on a terminal (not under ``-q``, not when output is piped, not on xdist workers,
whose output the controller does not show). Updates are throttled, so the hot path pays a
time check per finished request at most.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

MIN_INTERVAL_S = 0.2


class ProgressLine:
    """Rewrites one terminal line in place while a load run goes on."""

    def __init__(self, reporter: Any, capture: Any, name: str) -> None:
        self._reporter = reporter
        self._capture = capture
        self._name = name
        self._started = time.monotonic()
        self._shown = 0.0
        self._width = 0

    def __call__(self, sent: int, finished: int, failed: int) -> None:
        now = time.monotonic()
        if now - self._shown < MIN_INTERVAL_S:
            return
        self._shown = now
        rate = finished / max(now - self._started, 1e-9)
        line = (f"  {self._name}: {sent} sent, {finished} finished, {failed} failed, "
                f"{rate:.1f} req/s")  # fmt: skip
        self._write("\r" + line.ljust(self._width))
        self._width = len(line)

    def finish(self) -> None:
        """Clear the line, so pytest's own output continues where it was."""
        if self._width:
            self._write("\r" + " " * self._width + "\r")

    def _write(self, text: str) -> None:
        with self._capture.global_and_fixture_disabled():
            self._reporter.write(text, flush=True)


def progress_line(config: pytest.Config, name: str) -> ProgressLine | None:
    """A progress line for a perf item, or None where none should be shown."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or hasattr(config, "workerinput"):
        return None
    if config.get_verbosity() < 0 or not reporter.isatty:
        return None
    return ProgressLine(reporter, capture, name)
