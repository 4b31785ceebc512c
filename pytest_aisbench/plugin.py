"""pytest hooks of pytest-aisbench; the work is done by the objects they call.

Workers record, the controller decides: each sample's record rides on its test report's
``user_properties``; the process that sees every report (the xdist controller, or the only
process) keeps the records, writes the report and evaluates the gates at session end.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import pytest

from pytest_aisbench import hookspecs
from pytest_aisbench.config import NO_EFFECT_KEYS, ModelConfig
from pytest_aisbench.errors import AisbenchError
from pytest_aisbench.gate_entries import (
    fail_session,
    forget_gates_in_last_failed,
    is_gate,
    log_gate_report,
)
from pytest_aisbench.groups import folded, format_summary, summary_notes
from pytest_aisbench.items import FACTS_PROPERTY, DatasetFacts, SampleRef
from pytest_aisbench.markers import (
    MARKER_HELP,
    USAGE_ERROR_PREFIX,
    marker_kwargs,
    usage_error_at_collection,
)
from pytest_aisbench.options import add_options, suite_dir
from pytest_aisbench.outcomes import STATUS, SampleResult, failure_message
from pytest_aisbench.perf import plugin as perf_plugin
from pytest_aisbench.records import PROPERTY_NAME, SampleRecord, record_from_properties
from pytest_aisbench.scheduler import (
    DIST_KEY,
    SHARDED_MODES,
    ShardScheduling,
    owns,
    worker_shard,
)
from pytest_aisbench.session import SESSION_KEY, AisbenchSession, get_session

if TYPE_CHECKING:  # the simulator (uvicorn included) is imported only by tests that use it
    from pytest_aisbench.simulator import RunningSimulator

record_key = pytest.StashKey[SampleRecord]()
JUNIT_PROPERTIES = ("outcome", "extracted", "reference")
"""Record fields also shown as properties of their own in JUnit XML."""
NO_MODEL = "no backend selected: pass --aisbench-model NAME"


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """The plugin's own hooks (`hookspecs`): a record finished, gates decided, report written."""
    pluginmanager.add_hookspecs(hookspecs)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    """``--aisbench-suite NAME`` adds the shipped suite's folder to what is collected, so an
    installed plugin runs its suites in an empty folder."""
    for name in getattr(early_config.known_args_namespace, "aisbench_suite", None) or ():
        args.append(str(suite_dir(name)))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    try:
        state = AisbenchSession(config)
    except AisbenchError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[SESSION_KEY] = state
    config.pluginmanager.register(perf_plugin, "aisbench-perf")
    if not state.is_worker:
        config.pluginmanager.register(ControllerHooks(state), "aisbench-controller")
        config.pluginmanager.register(
            perf_plugin.PerfController(state.perf_runs), "aisbench-perf-controller"
        )


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    state = get_session(session.config)
    try:
        state.report.open()  # before any request: an unwritable path stops the run here
    except AisbenchError as exc:
        raise pytest.UsageError(str(exc)) from None
    if state.is_worker:
        return
    try:
        state.servers.start()
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
    state = get_session(node.config)
    node.workerinput[DIST_KEY] = node.config.getoption("dist")
    state.resume.hand_to(node.workerinput)
    state.report.hand_to(node.workerinput)


def _parametrize_nothing(metafunc: pytest.Metafunc, argname: str) -> None:
    skip = pytest.mark.skip(reason=NO_MODEL)
    metafunc.parametrize(argname, [pytest.param(None, marks=skip)], ids=["no-model"],
                         indirect=True)  # fmt: skip


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    names = metafunc.fixturenames
    if "aisbench_sample" not in names and "aisbench_model" not in names:
        return
    state = get_session(metafunc.config)
    kwargs = marker_kwargs(metafunc.definition)
    argname = "aisbench_sample" if "aisbench_sample" in names else "aisbench_model"
    models = state.backends.models
    if not models:
        _parametrize_nothing(metafunc, argname)
        return
    if argname == "aisbench_model":
        abbrs = [model.abbr for model in models]
        metafunc.parametrize("aisbench_model", abbrs, ids=abbrs, indirect=True)
        return
    try:
        refs = state.datasets.refs(
            models, list(kwargs.get("datasets", [])), kwargs.get("min_accuracy")
        )
    except AisbenchError as exc:
        usage_error_at_collection(f"{metafunc.definition.nodeid}: {exc}")
    metafunc.parametrize("aisbench_sample", refs, ids=[ref.id for ref in refs], indirect=True)


def _sample_ref(item: pytest.Item) -> SampleRef | None:
    callspec = getattr(item, "callspec", None)
    ref = callspec.params.get("aisbench_sample") if callspec else None
    return ref if isinstance(ref, SampleRef) else None


def pytest_collection_finish(session: pytest.Session) -> None:
    """Tell the engine which samples this process will run, so it can send them together."""
    state = get_session(session.config)
    refs = [
        (position, ref, item)
        for position, item in enumerate(session.items)
        if (ref := _sample_ref(item)) is not None
    ]
    state.answers.note_items([(ref, item) for _, ref, item in refs])
    shard = worker_shard(session.config)
    plan: dict[tuple[str, str], list[int]] = {}
    if shard is not None:  # else items arrive one by one: each is sent when it runs
        for position, ref, _ in refs:
            if owns(position, shard) and not state.resume.record(ref):
                plan.setdefault((ref.model, ref.abbr), []).append(ref.index)
    state.answers.start(plan)


@pytest.fixture
def aisbench_sample(request: pytest.FixtureRequest) -> SampleResult:
    """The finished result of this item's sample; call ``.check()`` to assert on it.

    A sample whose request failed never reaches the test: its item is an error in setup (as a
    broken fixture is), ``<error>`` in JUnit XML, never a failed answer.
    """
    ref = request.param
    state = get_session(request.config)
    record = state.answers.record(ref)
    request.node.stash[record_key] = record
    request.node.user_properties.extend(  # JUnit XML writes these as <property> elements
        (f"aisbench_{key}", getattr(record, key)) for key in JUNIT_PROPERTIES
    )
    facts = state.datasets.with_fingerprint(ref.facts)
    request.node.user_properties.append((FACTS_PROPERTY, facts.to_dict()))
    if record.outcome == "error":
        pytest.fail(failure_message(record, state.settings.strict) or "", pytrace=False)
    return SampleResult(record, state.settings.strict)


@pytest.fixture
def aisbench_model(request: pytest.FixtureRequest) -> ModelConfig:
    """The backend this item runs against: one item per ``--aisbench-model``."""
    return get_session(request.config).backends.model(request.param)


@pytest.fixture
def aisbench_simulator() -> Iterator[RunningSimulator]:
    """An inference-server simulator on a free port; change ``.config`` between requests."""
    from pytest_aisbench.simulator import running_simulator

    with running_simulator() as simulator:
        yield simulator


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    record = item.stash.get(record_key, None)
    errored = report.when == "setup" and report.failed
    if record is None or not (report.when == "call" or errored):
        return report
    report.user_properties.append((PROPERTY_NAME, record.to_dict()))
    message = failure_message(record, get_session(item.config).settings.strict)
    if report.passed and message is not None:  # the test did not call check(): enforce it
        report.outcome = "failed"
        report.longrepr = message
    return report


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    if is_gate(report.nodeid):
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

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = record_from_properties(report.user_properties)
        if record is not None:
            facts = [
                v for k, v in report.user_properties if k == FACTS_PROPERTY and isinstance(v, dict)
            ]
            self.state.results.add(record, DatasetFacts.from_dict(facts[0]) if facts else None)
            self.state.config.hook.pytest_aisbench_record_finished(
                record=record, report=report, config=self.state.config
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.usage_error:
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
            return
        results = self.state.results
        failed = False
        for gate in results.finish():
            if gate.verdict != "-":
                failed = failed or gate.verdict == "FAIL"
                log_gate_report(session.config, gate.name, gate.verdict == "PASS",
                                gate.explain(), gate.to_dict())  # fmt: skip
        for row in results.group_rows:
            if row.verdict != "-":
                failed = failed or row.verdict == "FAIL"
                log_gate_report(session.config, row.name, row.verdict == "PASS",
                                row.explain(), row.to_dict())  # fmt: skip
        checks = self.state.comparisons.finish()  # after the gates: it reads their rows
        for entry in checks:
            failed = failed or not entry.passed
            log_gate_report(session.config, entry.name, entry.passed, entry.explain,
                            entry.details)  # fmt: skip
        hook = session.config.hook
        report = self.state.report
        try:
            hook.pytest_aisbench_gates_decided(
                gates=results.gates,
                groups=results.group_rows,
                checks=[asdict(entry) for entry in checks],
                config=session.config,
            )
        finally:  # a conftest's hook that raises must not cost the HTML page
            lines = report.finish(bool(hook.pytest_aisbench_report_written.get_hookimpls()))
        hook.pytest_aisbench_report_written(
            path=self.state.settings.report_path,
            html_path=report.html_written,
            lines=lines,
            config=session.config,
        )
        failed = failed or bool(report.failure)
        forget_gates_in_last_failed(session.config)
        if failed:
            fail_session(session)
        if results.config_failed or results.group_problem:  # wrong input, as a bad key
            session.exitstatus = pytest.ExitCode.USAGE_ERROR

    def pytest_report_header(self) -> list[str]:
        lines = []
        resumed = len(self.state.resume.records)
        if resumed:
            lines.append(f"aisbench: resumed {resumed} finished records")
        unused = [
            f"{key} ({why}; {', '.join(users)})"
            for key, why in NO_EFFECT_KEYS.items()
            if (users := [m.abbr for m in self.state.backends.models if key in m.no_effect_keys])
        ]
        if unused:
            lines.append(f"aisbench: keys with no effect here: {'; '.join(unused)}")
        return lines

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        results = self.state.results
        if self.state.report.failure:
            terminalreporter.write_line(f"aisbench: {self.state.report.failure}", red=True)
        html = self.state.report.html_written
        if html is not None:
            size = html.stat().st_size / 1e6
            terminalreporter.write_line(f"aisbench: HTML report {html} ({size:.1f} MB)")
        for reason in [*results.not_created(), *results.breaker_reasons()]:
            terminalreporter.write_line(f"aisbench: {reason}", red=True, bold=True)
        for note in results.token_notes():
            terminalreporter.write_line(f"aisbench: {note}", yellow=True)
        if results.group_problem:
            terminalreporter.write_line(f"aisbench: {results.group_problem}", red=True)
        if results.gates:
            terminalreporter.write_sep("=", "aisbench accuracy")
            show_subsets = self.state.settings.show_subsets
            for line in format_summary(results.gates, results.group_rows, show_subsets):
                terminalreporter.write_line(line)
            for note, warning in summary_notes(
                results.gates, results.group_rows, results.known_groups, show_subsets
            ):
                terminalreporter.write_line(f"aisbench: {note}", yellow=warning)
            for gate in (g for g in results.gates if g.repeat_metrics):
                shown = ", ".join(f"{k} {v:.1%}" for k, v in gate.repeat_metrics.items())
                terminalreporter.write_line(f"aisbench: {gate.model} on {gate.dataset}: {shown}")
            hidden = set() if show_subsets else folded(results.group_rows)
            for gate in (g for g in results.gates if g.partial and g.key not in hidden):
                terminalreporter.write_line(
                    f"aisbench: {gate.model} on {gate.dataset}: the gate covers {gate.coverage} "
                    "samples (a subset ran); pass --aisbench-resume <an earlier report> to gate "
                    "over all of them",
                    yellow=True,
                )
        for title, lines in self.state.comparisons.sections():
            terminalreporter.write_sep("=", title)
            for line in lines:
                terminalreporter.write_line(line)
        for caveat in self.state.comparisons.warnings():
            terminalreporter.write_line(f"aisbench: {caveat}", yellow=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    if SESSION_KEY in config.stash:
        get_session(config).close()
