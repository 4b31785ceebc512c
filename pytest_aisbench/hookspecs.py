"""The plugin's own hooks, for conftests and plugins that build on it (registered with
``pytest_addhooks``, as pytest-xdist registers its ``newhooks``).

Each is called in the process that sees every result: the only process, or the xdist
controller. A conftest can send results elsewhere (a database, a dashboard) without parsing the
report file::

    def pytest_aisbench_record_finished(record, report, config):
        dashboard.send(record.to_dict())
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_aisbench.gates import AccuracyGate
    from pytest_aisbench.groups import GroupRow
    from pytest_aisbench.records import SampleRecord


@pytest.hookspec
def pytest_aisbench_record_finished(
    record: SampleRecord, report: pytest.TestReport, config: pytest.Config
) -> None:
    """A sample's record reached the controller, with the test report that carried it
    (``report.nodeid`` is the item's id)."""


@pytest.hookspec
def pytest_aisbench_gates_decided(
    gates: list[AccuracyGate],
    groups: list[GroupRow],
    checks: list[dict[str, Any]],
    config: pytest.Config,
) -> None:
    """Every accuracy gate, group row and regression check of the session is decided; `checks`
    are the regression checks against ``--aisbench-baseline`` as dicts (``name``, ``passed``,
    ``explain``, ``details``)."""


@pytest.hookspec
def pytest_aisbench_report_written(
    path: Path | None, html_path: Path | None, lines: list[dict[str, Any]], config: pytest.Config
) -> None:
    """The session is over and its report written: `path` is the JSON-lines file (None
    without ``--aisbench-report``), `html_path` the HTML file (None without
    ``--aisbench-html``, or when the page could not be made) and `lines` every line of the
    report, decoded (empty when there is no report, or it could not be read back). A report
    whose writing failed part way (a full disk) says so on the terminal; `lines` are what it
    holds."""
