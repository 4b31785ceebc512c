"""The plugin's state for one pytest session, composed of owners with one job each.

`AisbenchSession` only builds them, in the order their checks must run (backends, datasets,
resume, then the controller's group gates and its baseline), holds them and closes them:

- `backends.SelectedBackends`: the backends, their config-time warnings, `model(abbr)`;
- `datasets.SelectedDatasets`: the dataset catalog, the options' selection, the items (`refs`);
- `resume.Resume`: the records reused from ``--aisbench-resume``;
- `report.SessionReport`: the JSON-lines report, which process writes which line;
- `answers.Answers`: the accuracy engine, and each item's record;
- `servers.ManagedServers`: the servers started from backends' ``server=dict(...)``;
- `results.ControllerResults`: the controller's records, gates, groups and summaries;
- `perf_runs.PerfRuns`: the controller's perf runs;
- `comparisons.Comparisons`: models side by side, and the run against ``--aisbench-baseline``.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_aisbench.backend_files import builtin_backends_dir
from pytest_aisbench.options import Settings
from pytest_aisbench.session.answers import Answers
from pytest_aisbench.session.backends import SelectedBackends
from pytest_aisbench.session.comparisons import Comparisons
from pytest_aisbench.session.datasets import SelectedDatasets
from pytest_aisbench.session.perf_runs import PerfRuns
from pytest_aisbench.session.report import SessionReport
from pytest_aisbench.session.results import ControllerResults
from pytest_aisbench.session.resume import Resume
from pytest_aisbench.session.servers import ManagedServers

SESSION_KEY = pytest.StashKey["AisbenchSession"]()
"""Where each process keeps its `AisbenchSession` (``config.stash``)."""


def get_session(config: pytest.Config) -> AisbenchSession:
    """This process's plugin state."""
    return config.stash[SESSION_KEY]


class AisbenchSession:
    """Reads the settings once and builds this process's owners; closes them at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.settings = Settings.from_config(config, builtin_backends_dir())
        workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
        self.is_worker = workerinput is not None
        self.backends = SelectedBackends(config, self.settings)
        self.datasets = SelectedDatasets(self.settings)
        abbrs = {model.abbr for model in self.backends.models}
        self.resume = Resume(self.settings, workerinput, abbrs)
        self.report = SessionReport(self.settings, workerinput, self.backends, self.resume)
        self.answers = Answers(
            self.settings, self.backends, self.datasets, self.resume, self.report
        )
        self.servers = ManagedServers(config, self.backends)
        self.results = ControllerResults(
            self.settings, self.is_worker, self.datasets, self.resume, self.report
        )
        self.perf_runs = PerfRuns(self.report)
        self.comparisons = Comparisons(
            self.settings, self.is_worker, self.backends, self.results, self.perf_runs,
            self.report,
        )  # fmt: skip

    def close(self) -> None:
        """Stop requests, servers and the report, whatever state the session ended in."""
        self.answers.close()
        self.servers.stop()
        self.report.close()
