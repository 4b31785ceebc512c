"""The perf runs the controller received, kept for the SLO gates and the tables."""

from __future__ import annotations

from pytest_aisbench.perf.measure import PerfRun
from pytest_aisbench.session.report import SessionReport


class PerfRuns:
    """Every finished `PerfRun` with its item's node id, in arrival order (controller)."""

    def __init__(self, report: SessionReport) -> None:
        self.report = report
        self.runs: list[tuple[str, PerfRun]] = []

    def add(self, nodeid: str, run: PerfRun) -> None:
        """Keep a finished perf run and write it out at once."""
        self.runs.append((nodeid, run))
        self.report.write_perf(nodeid, run)
