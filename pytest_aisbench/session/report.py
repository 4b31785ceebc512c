"""The session's JSON-lines report: which process writes which line, and when.

Every process appends its own samples the moment they finish (`report.JsonlReport` makes each
append durable); the controller alone writes the ``run`` line, the gates, the groups and the
perf runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pytest_aisbench.gates import AccuracyGate
from pytest_aisbench.groups import GroupRow
from pytest_aisbench.options import Settings
from pytest_aisbench.perf.measure import PerfRun
from pytest_aisbench.records import SampleRecord
from pytest_aisbench.report import JsonlReport
from pytest_aisbench.session.backends import SelectedBackends
from pytest_aisbench.session.datasets import SelectedDatasets
from pytest_aisbench.session.resume import Resume

REPORT_KEY = "aisbench_report"
"""The ``workerinput`` entry naming the report file, which workers append their samples to."""


class SessionReport:
    """This process's handle on ``--aisbench-report`` (`file` is None when there is none)."""

    def __init__(
        self,
        settings: Settings,
        workerinput: dict[str, Any] | None,
        backends: SelectedBackends,
        datasets: SelectedDatasets,
        resume: Resume,
    ) -> None:
        self.settings = settings
        self.workerinput = workerinput
        self.backends = backends
        self.datasets = datasets
        self.resume = resume
        self.file: JsonlReport | None = None

    def open(self) -> None:
        """Open the report before any request is sent (xdist workers append to the same file).

        Resuming into the report's own path appends to it, so no old record is at risk.
        """
        path = self.settings.report_path
        if self.workerinput is not None:
            shared = self.workerinput.get(REPORT_KEY)
            self.file = JsonlReport(Path(shared), append=True) if shared else None
        elif path is not None:
            self.file = JsonlReport(path, append=self.resume.into_report)

    def hand_to(self, workerinput: dict[str, Any]) -> None:
        """Tell an xdist worker which file to append its samples to (the controller's)."""
        if self.file is not None:
            workerinput[REPORT_KEY] = str(self.file.path)

    def write_run_line(self, test_ids: list[str]) -> None:
        """The report's ``run`` line, once the collected items say which datasets run (the
        controller's to write; it carries the resumed records)."""
        if self.file is None or self.workerinput is not None or self.file.has_run_line:
            return  # called before every sample line: cheap once written
        datasets = self.datasets_of(test_ids) or self.datasets.selected_abbrs()
        info: dict[str, Any] = {
            "models": [m.abbr for m in self.backends.models],
            "datasets": datasets,
            "strict": self.settings.strict,
        }
        if self.settings.resume_path is not None:
            info["resumed_from"] = str(self.settings.resume_path)
        # records resumed from another file are carried into this one; the file itself
        # already holds them when resuming into it
        resumed = [record for _, record in sorted(self.resume.records.items())]
        carried = [] if self.resume.into_report else resumed
        self.file.write_run(info, carried)

    def datasets_of(self, test_ids: list[str]) -> list[str]:
        """The dataset abbrs that sample items among `test_ids` run, in first-seen order.

        Read from the ids themselves (``[model-abbr-index]``), since under xdist the controller
        collects nothing and so has compiled no dataset.
        """
        if not self.backends.models:
            return []
        names = sorted((m.abbr for m in self.backends.models), key=len, reverse=True)
        models = "|".join(re.escape(name) for name in names)
        item = re.compile(rf"\[(?:{models})-(.+)-\d+\](?:@.*)?$")
        found = (item.search(test_id) for test_id in test_ids)
        return list(dict.fromkeys(m.group(1) for m in found if m))

    def write_sample(self, record: SampleRecord) -> None:
        """A finished sample's line, written by the process whose engine made it."""
        if self.file is not None:
            self.write_run_line([])  # the run line comes first
            self.file.write("sample", record.to_dict())

    def write_gates(self, gates: Sequence[AccuracyGate], rows: Sequence[GroupRow]) -> None:
        """The gate and group lines, after the run line (controller, at session end)."""
        if self.file is not None:
            self.write_run_line([])
            for gate in gates:
                self.file.write("gate", gate.to_dict())
            for row in rows:
                self.file.write("group", row.to_dict())

    def write_perf(self, nodeid: str, run: PerfRun) -> None:
        """A finished perf run's line (controller), written the moment it arrives."""
        if self.file is not None:
            self.file.write("perf", {"item": nodeid, **run.to_dict()})

    def write_line(self, kind: str, data: dict[str, Any]) -> None:
        """A line the controller writes at session end, after the gates (``comparison``,
        ``perf_comparison``, ``baseline``: `session.comparisons`)."""
        if self.file is not None:
            self.file.write(kind, data)

    @property
    def failure(self) -> str:
        """Why the report could not be written in full (a full disk), or ''."""
        return self.file.failure if self.file is not None else ""

    def close(self) -> None:
        """Close the file, whatever state the session ended in."""
        if self.file is not None:
            self.file.close()
            self.file = None
