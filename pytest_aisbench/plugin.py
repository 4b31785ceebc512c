"""pytest hooks of pytest-aisbench; the work is done by the objects they call.

Workers record, the controller decides: each sample's record rides on its test report's
``user_properties``; the process that sees every report (the xdist controller, or the only
process) keeps the records, writes the report and evaluates the gates at session end.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any, NoReturn, cast

import pytest
from _pytest.reports import TestReport

from pytest_aisbench.config import NO_EFFECT_KEYS, ModelConfig
from pytest_aisbench.errors import AisbenchError
from pytest_aisbench.gates import format_table
from pytest_aisbench.options import add_options
from pytest_aisbench.outcomes import STATUS, SampleResult, failure_message
from pytest_aisbench.perf.bench import PerfBench
from pytest_aisbench.perf.benchmark_export import export_perf_runs
from pytest_aisbench.perf.slo import parse_slos
from pytest_aisbench.progress import progress_line
from pytest_aisbench.records import PROPERTY_NAME, SampleRecord, record_from_properties
from pytest_aisbench.scheduler import (
    DIST_KEY,
    SHARDED_MODES,
    ShardScheduling,
    owns,
    worker_shard,
)
from pytest_aisbench.session import REPORT_KEY, RESUME_KEY, AisbenchSession, SampleRef
from pytest_aisbench.simulator import RunningSimulator, running_simulator

session_key = pytest.StashKey[AisbenchSession]()
record_key = pytest.StashKey[SampleRecord]()
perf_key = pytest.StashKey[PerfBench]()
MARKER_KEYS = {"datasets", "min_accuracy", "slo"}
PERF_PROPERTY = "aisbench_perf"
JUNIT_PROPERTIES = ("outcome", "extracted", "reference")
GATE_PREFIX = "aisbench::"
"""Node ids of the gate entries logged at session end (``aisbench::gate[model-dataset]``)."""
"""Record fields also shown as properties of their own in JUnit XML."""
NO_MODEL = "no backend selected: pass --aisbench-model NAME"


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "aisbench(datasets=[...], min_accuracy=None): the datasets a sample test runs by "
        "default and their accuracy gate",
    )
    try:
        state = AisbenchSession(config)
    except AisbenchError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[session_key] = state
    if not state.is_worker:
        config.pluginmanager.register(ControllerHooks(state), "aisbench-controller")


def _session(config: pytest.Config) -> AisbenchSession:
    return config.stash[session_key]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    state = _session(session.config)
    try:
        state.open_report()  # before any request: an unwritable path stops the run here
    except AisbenchError as exc:
        raise pytest.UsageError(str(exc)) from None
    if state.is_worker:
        return
    try:
        state.start_servers()
    except AisbenchError as exc:
        state.close()
        raise pytest.UsageError(str(exc)) from None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Shard scheduling for xdist's load-balancing modes (see ``scheduler.py``)."""
    return ShardScheduling(config, log) if config.getoption("dist") in SHARDED_MODES else None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Hand each xdist worker the ``--dist`` mode and the resumed records."""
    state = _session(node.config)
    node.workerinput[DIST_KEY] = node.config.getoption("dist")
    node.workerinput[RESUME_KEY] = [record.to_dict() for record in state.resumed.values()]
    if state.report is not None:
        node.workerinput[REPORT_KEY] = str(state.report.path)


def _marker_kwargs(definition: Any) -> dict[str, Any]:
    """The test's ``@pytest.mark.aisbench`` keywords, checked against the allowed ones."""
    marker = definition.get_closest_marker("aisbench")
    kwargs = dict(marker.kwargs) if marker else {}
    unknown = set(kwargs) - MARKER_KEYS
    if unknown:
        _usage_error_at_collection(
            f"{definition.nodeid}: unknown aisbench marker keys "
            f"{sorted(unknown)}; allowed: {sorted(MARKER_KEYS)}"
        )
    return kwargs


def _parametrize_nothing(metafunc: pytest.Metafunc, argname: str) -> None:
    skip = pytest.mark.skip(reason=NO_MODEL)
    metafunc.parametrize(argname, [pytest.param(None, marks=skip)], ids=["no-model"],
                         indirect=True)  # fmt: skip


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    names = metafunc.fixturenames
    if "aisbench_sample" not in names and "aisbench_model" not in names:
        return
    state = _session(metafunc.config)
    kwargs = _marker_kwargs(metafunc.definition)
    argname = "aisbench_sample" if "aisbench_sample" in names else "aisbench_model"
    if not state.models:
        _parametrize_nothing(metafunc, argname)
        return
    if argname == "aisbench_model":
        abbrs = [model.abbr for model in state.models]
        metafunc.parametrize("aisbench_model", abbrs, ids=abbrs, indirect=True)
        return
    try:
        refs = state.refs(list(kwargs.get("datasets", [])), kwargs.get("min_accuracy"))
    except AisbenchError as exc:
        _usage_error_at_collection(f"{metafunc.definition.nodeid}: {exc}")
    metafunc.parametrize("aisbench_sample", refs, ids=[ref.id for ref in refs], indirect=True)


USAGE_ERROR_PREFIX = "aisbench usage error: "
"""Starts the message of a collection error that bad input caused (exit status 4)."""


def _usage_error_at_collection(message: str) -> NoReturn:
    """Stop on bad input found while collecting, where `pytest.exit` and `UsageError` would
    only become a collection error with the plugin's traceback: a `CollectError` is shown as
    its message alone, and the controller turns the exit status into 4 (xdist included)."""
    raise pytest.Collector.CollectError(USAGE_ERROR_PREFIX + message)


def _sample_ref(item: pytest.Item) -> SampleRef | None:
    callspec = getattr(item, "callspec", None)
    ref = callspec.params.get("aisbench_sample") if callspec else None
    return ref if isinstance(ref, SampleRef) else None


def pytest_collection_finish(session: pytest.Session) -> None:
    """Tell the engine which samples this process will run, so it can send them together."""
    state = _session(session.config)
    if not state.is_worker:
        state.write_run_line([item.nodeid for item in session.items])
    shard = worker_shard(session.config)
    plan: dict[tuple[str, str], list[int]] = {}
    for position, item in enumerate(session.items):
        ref = _sample_ref(item)
        if shard is None:
            break  # items arrive one by one: each is sent when it runs
        if ref is not None and owns(position, shard) and not state.resumed_record(ref):
            plan.setdefault((ref.model, ref.dataset), []).append(ref.index)
    state.start_engine(plan)


@pytest.fixture
def aisbench_sample(request: pytest.FixtureRequest) -> SampleResult:
    """The finished result of this item's sample; call ``.check()`` to assert on it.

    A sample whose request failed never reaches the test: its item is an error in setup (as a
    broken fixture is), ``<error>`` in JUnit XML, never a failed answer.
    """
    ref = request.param
    state = _session(request.config)
    record = state.record(ref)
    request.node.stash[record_key] = record
    request.node.user_properties.extend(  # JUnit XML writes these as <property> elements
        (f"aisbench_{key}", getattr(record, key)) for key in JUNIT_PROPERTIES
    )
    if record.outcome == "error":
        pytest.fail(failure_message(record, state.settings.strict) or "", pytrace=False)
    return SampleResult(record, state.settings.strict)


@pytest.fixture
def aisbench_model(request: pytest.FixtureRequest) -> ModelConfig:
    """The backend this item runs against: one item per ``--aisbench-model``."""
    return _session(request.config).model(request.param)


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
    state = _session(request.config)
    marker_slos = _marker_kwargs(request.node).get("slo", [])
    try:
        slos = [*state.settings.slos, *parse_slos(marker_slos)]
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


@pytest.fixture
def aisbench_simulator() -> Iterator[RunningSimulator]:
    """An inference-server simulator on a free port; change ``.config`` between requests."""
    with running_simulator() as simulator:
        yield simulator


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, TestReport, TestReport]:
    report = yield
    bench = item.stash.get(perf_key, None)
    if bench is not None and report.when == "call":
        report.user_properties.extend((PERF_PROPERTY, run.to_dict()) for run in bench.runs)
    record = item.stash.get(record_key, None)
    errored = report.when == "setup" and report.failed
    if record is None or not (report.when == "call" or errored):
        return report
    report.user_properties.append((PROPERTY_NAME, record.to_dict()))
    message = failure_message(record, _session(item.config).settings.strict)
    if report.passed and message is not None:  # the test did not call check(): enforce it
        report.outcome = "failed"
        report.longrepr = message
    return report


def pytest_report_teststatus(report: TestReport, config: pytest.Config) -> Any:
    if str(report.nodeid).startswith(GATE_PREFIX):
        # counted in the summary line, but not printed as a letter nor counted as progress
        return (report.outcome, "", "") if report.when == "call" else None
    if report.when != "call":
        return None
    record = record_from_properties(report.user_properties)
    if record is None:
        return None
    if report.passed and record.outcome in STATUS:
        letter, word, markup = STATUS[record.outcome]
        return record.outcome, letter, (word, markup)
    return None


class ControllerHooks:
    """Hooks of the process that sees every report: keeps records, decides gates."""

    def __init__(self, state: AisbenchSession) -> None:
        self.state = state
        self.usage_error = False

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed and str(report.longrepr).startswith(USAGE_ERROR_PREFIX):
            self.usage_error = True

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Under xdist only workers collect: their item ids say which datasets run."""
        self.state.write_run_line(ids)

    def pytest_runtest_logreport(self, report: TestReport) -> None:
        record = record_from_properties(report.user_properties)
        if record is not None:
            self.state.add_record(record)
        for name, value in report.user_properties:
            if name == PERF_PROPERTY:
                self.state.add_perf_run(report.nodeid, cast(dict[str, Any], value))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.usage_error:
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
            return
        failed = False
        for gate in self.state.finish():
            if gate.verdict != "-":
                failed = failed or gate.verdict == "FAIL"
                _log_gate_report(session.config, gate.name, gate.verdict == "PASS",
                                 gate.explain(), gate.to_dict())  # fmt: skip
        for nodeid, run in self.state.perf_runs:
            for slo in run["slos"]:
                failed = failed or not slo["passed"]
                name = f"slo[{_test_id(nodeid)}-{slo['expression']}]"
                _log_gate_report(session.config, name, slo["passed"], slo["explain"], slo)
        failed = failed or bool(self.state.report_failure)
        _forget_gates_in_last_failed(session.config)
        if failed and session.exitstatus in (
            pytest.ExitCode.OK,
            pytest.ExitCode.NO_TESTS_COLLECTED,
        ):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_report_header(self) -> list[str]:
        lines = []
        resumed = len(self.state.resumed)
        if resumed:
            lines.append(f"aisbench: resumed {resumed} finished records")
        unused = [
            f"{key} ({why}; {', '.join(users)})"
            for key, why in NO_EFFECT_KEYS.items()
            if (users := [m.abbr for m in self.state.models if key in m.no_effect_keys])
        ]
        if unused:
            lines.append(f"aisbench: keys with no effect here: {'; '.join(unused)}")
        return lines

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.state.report_failure:
            terminalreporter.write_line(f"aisbench: {self.state.report_failure}", red=True)
        for reason in self.state.breaker_reasons():
            terminalreporter.write_line(f"aisbench: {reason}", red=True, bold=True)
        if self.state.gates:
            terminalreporter.write_sep("=", "aisbench accuracy")
            for line in format_table(self.state.gates):
                terminalreporter.write_line(line)
            for gate in (g for g in self.state.gates if g.partial):
                terminalreporter.write_line(
                    f"aisbench: {gate.model} on {gate.dataset}: the gate covers {gate.coverage} "
                    "samples (a subset ran); pass --aisbench-resume <an earlier report> to gate "
                    "over all of them",
                    yellow=True,
                )
        if self.state.perf_runs:
            terminalreporter.write_sep("=", "aisbench performance")
            for _, run in self.state.perf_runs:
                for line in run["table"]:
                    terminalreporter.write_line(line)
                for slo in run["slos"]:
                    verdict = "PASS" if slo["passed"] else "FAIL"
                    terminalreporter.write_line(
                        f"SLO {slo['expression']}: {verdict} ({slo['explain']})",
                        red=not slo["passed"],
                    )


def _forget_gates_in_last_failed(config: pytest.Config) -> None:
    """Gates are not items: ``--lf`` must not try to rerun them (the cache is written after)."""
    last_failed = getattr(config.pluginmanager.get_plugin("lfplugin"), "lastfailed", None) or {}
    for nodeid in [n for n in last_failed if str(n).startswith(GATE_PREFIX)]:
        del last_failed[nodeid]


def _test_id(nodeid: str) -> str:
    """``test_serving[vllm-c4]`` from a node id, for gate names."""
    return nodeid.rsplit("::", 1)[-1]


def _log_gate_report(
    config: pytest.Config, name: str, passed: bool, explain: str, details: dict[str, Any]
) -> None:
    """A gate as a test entry of its own: counted in the summary, a testcase in JUnit XML."""
    for when in ("call", "teardown"):
        config.hook.pytest_runtest_logreport(
            report=TestReport(
                nodeid=f"{GATE_PREFIX}{name}",
                location=("aisbench", None, name),
                keywords={},
                outcome="passed" if passed or when == "teardown" else "failed",
                longrepr=None if passed or when == "teardown" else explain,
                when=when,
                user_properties=[("aisbench_gate", details)] if when == "call" else [],
            )
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    if session_key in config.stash:
        _session(config).close()
