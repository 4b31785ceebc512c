"""Gates (accuracy, SLO) as test entries of their own: counted in the summary line, a
testcase in JUnit XML, and kept out of ``--lf`` (they are not items that can be rerun)."""

from __future__ import annotations

from typing import Any

import pytest

GATE_PREFIX = "aisbench::"
"""Node ids of the gate entries logged at session end (``aisbench::gate[model-dataset]``)."""


def is_gate(nodeid: str) -> bool:
    return str(nodeid).startswith(GATE_PREFIX)


def log_gate_report(
    config: pytest.Config, name: str, passed: bool, explain: str, details: dict[str, Any]
) -> None:
    """Report one gate as if it were a test that ran."""
    for when in ("call", "teardown"):
        config.hook.pytest_runtest_logreport(
            report=pytest.TestReport(
                nodeid=f"{GATE_PREFIX}{name}",
                location=("aisbench", None, name),
                keywords={},
                outcome="passed" if passed or when == "teardown" else "failed",
                longrepr=None if passed or when == "teardown" else explain,
                when=when,
                user_properties=[("aisbench_gate", details)] if when == "call" else [],
            )
        )


def forget_gates_in_last_failed(config: pytest.Config) -> None:
    """``--lf`` must not try to rerun gates (the cache is written after this)."""
    last_failed = getattr(config.pluginmanager.get_plugin("lfplugin"), "lastfailed", None) or {}
    for nodeid in [n for n in last_failed if is_gate(n)]:
        del last_failed[nodeid]


def fail_session(session: pytest.Session) -> None:
    """A failed gate turns a green (or empty) run red; other exit statuses stay."""
    if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
