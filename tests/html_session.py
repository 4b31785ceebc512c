"""A real session for the HTML report's end-to-end and browser tests: the shipped GSM8K suite
and three perf items (two concurrencies and one paced rate, so the sweep and the rate plots
have data) against the simulator, written to a JSON report."""

from __future__ import annotations

import zlib
from typing import Any

import pytest

from conftest import SUITE, gold_responder, point_at
from pytest_aisbench.report import read_report
from pytest_aisbench.simulator import RunningSimulator

LOAD_SUITE = """
import pytest

LOADS = {"c1": {"concurrency": 1}, "c4": {"concurrency": 4}, "r40": {"request_rate": 40.0}}


@pytest.mark.parametrize("load", list(LOADS))
def test_load(aisbench_perf, load):
    result = aisbench_perf.run(workload="gsm8k", num_prompts=8, **LOADS[load])
    assert result.failed == 0
"""


def mixed_responder(prompt_text: str) -> str | None:
    """The reference solution for about two questions in three, a wrong answer otherwise (the
    per-sample view then has more than one outcome to filter by)."""
    if zlib.crc32(prompt_text.encode()) % 3 == 0:
        return "Adding it all up, the answer is 123456."
    return gold_responder(prompt_text)


def report_session(pytester: pytest.Pytester, simulator: RunningSimulator) -> list[dict[str, Any]]:
    """Run the session and return its report's lines."""
    simulator.config.ttft, simulator.config.itl = 0.02, 0.001
    simulator.config.responder = mixed_responder
    pytester.makepyfile(test_gsm8k=SUITE.read_text(), test_load=LOAD_SUITE)
    report = pytester.path / "report.jsonl"
    result = pytester.runpytest(*point_at(simulator, "vllm_stream_chat"),
                                "--aisbench-set=model='sim-model'",
                                f"--aisbench-report={report}")  # fmt: skip
    result.stdout.fnmatch_lines(["*test_load.py ...*"])  # the perf items passed
    return read_report(report)
