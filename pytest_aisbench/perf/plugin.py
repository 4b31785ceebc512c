"""The perf half of the plugin: the ``aisbench_perf`` fixture, SLO gates and tables.

Registered by ``pytest_aisbench.plugin``: this module (the fixture and the report hook) in
every process, `PerfController` in the process that sees every report. A worker ships each
finished `PerfRun` on its test report as a dict; the controller rebuilds it, writes it to the
JSON report, logs its SLO verdicts as gate entries and prints the tables.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any, cast

import pytest

from pytest_aisbench.config import ModelConfig
from pytest_aisbench.errors import AisbenchError
from pytest_aisbench.gate_entries import fail_session, forget_gates_in_last_failed, log_gate_report
from pytest_aisbench.markers import marker_kwargs
from pytest_aisbench.perf.bench import PerfBench
from pytest_aisbench.perf.benchmark_export import export_perf_runs
from pytest_aisbench.perf.measure import PerfRun
from pytest_aisbench.perf.slo import parse_slos
from pytest_aisbench.progress import progress_line
from pytest_aisbench.session import get_session
from pytest_aisbench.session.perf_runs import PerfRuns

PERF_PROPERTY = "aisbench_perf"
"""The ``user_properties`` name of a finished run on its item's report."""
perf_key = pytest.StashKey[PerfBench]()


@pytest.fixture
def aisbench_perf(
    request: pytest.FixtureRequest, aisbench_model: ModelConfig
) -> Iterator[PerfBench]:
    """Load runs against this item's backend; ``.run(...)`` returns figures to assert on."""
    if aisbench_model.attr != "service":
        pytest.skip(
            f"{aisbench_model.abbr} is a local model (attr='local'): serving performance is "
            "measured against service backends"
        )
    state = get_session(request.config)
    try:
        slos = [*state.settings.slos, *parse_slos(marker_kwargs(request.node).get("slo", []))]
    except AisbenchError as exc:
        pytest.fail(f"@pytest.mark.aisbench(slo=...): {exc}", pytrace=False)
    bench = PerfBench(
        request.node.name,
        aisbench_model,
        state.settings.datasets_dir,
        slos,
        state.settings.goodput_ms,
        progress_line(request.config, request.node.name),
    )
    request.node.stash[perf_key] = bench
    yield bench
    export_perf_runs(request.config, request.node, bench.runs)  # for pytest-benchmark


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    bench = item.stash.get(perf_key, None)
    if bench is not None and report.when == "call":
        report.user_properties.extend((PERF_PROPERTY, run.to_dict()) for run in bench.runs)
    return report


class PerfController:
    """Keeps every run, gates the exit status on the SLOs, prints the tables."""

    def __init__(self, perf_runs: PerfRuns) -> None:
        self.perf_runs = perf_runs

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == PERF_PROPERTY:
                run = PerfRun.from_dict(cast(dict[str, Any], value))
                self.perf_runs.add(report.nodeid, run)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        failed = False
        for nodeid, run in self.perf_runs.runs:
            for verdict in run.verdicts:
                failed = failed or not verdict.passed
                name = f"slo[{nodeid.rsplit('::', 1)[-1]}-{verdict.slo.expression}]"
                log_gate_report(session.config, name, verdict.passed, verdict.explain(),
                                verdict.to_dict())  # fmt: skip
        forget_gates_in_last_failed(session.config)
        if failed:
            fail_session(session)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.perf_runs.runs:
            return
        terminalreporter.write_sep("=", "aisbench performance")
        for _, run in self.perf_runs.runs:
            for line in run.table():
                terminalreporter.write_line(line)
            for verdict in run.verdicts:
                terminalreporter.write_line(
                    f"SLO {verdict.slo.expression}: {'PASS' if verdict.passed else 'FAIL'} "
                    f"({verdict.explain()})",
                    red=not verdict.passed,
                )
