"""Perf items as pytest-benchmark entries: JSON, autosave, compare and compare-fail; xdist."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, point_at
from pytest_aisbench.simulator import RunningSimulator

PERF_SUITE = REPO / "suites" / "perf" / "test_serving.py"
C1 = "test_serving.py::test_serving[vllm_stream_chat-c1]"
C4 = "test_serving.py::test_serving[vllm_stream_chat-c4]"
METRICS = ("ttft", "tpot", "itl", "e2el")


@pytest.fixture
def perf_suite(pytester: pytest.Pytester, simulator: RunningSimulator) -> pytest.Pytester:
    pytester.makepyfile(test_serving=PERF_SUITE.read_text())
    # short replies with steady gaps: every latency is well above scheduling noise
    simulator.config.ttft, simulator.config.itl, simulator.config.output_len = 0.1, 0.02, 8
    return pytester


def _run(suite: pytest.Pytester, sim: RunningSimulator, *args: str) -> pytest.RunResult:
    return suite.runpytest(*point_at(sim, "vllm_stream_chat"),
                           "--aisbench-set=model='sim-model'", *args)  # fmt: skip


def _perf_figures(report: Path) -> dict[str, dict[str, Any]]:
    """The aisbench report's figures per item name (``test_serving[vllm_stream_chat-c1]``)."""
    rows = [json.loads(line) for line in report.read_text().splitlines() if '"perf"' in line]
    return {row["item"].rsplit("::", 1)[-1]: row["result"] for row in rows}


def test_benchmark_json_has_one_entry_per_latency_metric_with_the_reports_figures(
    perf_suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    report, out = perf_suite.path / "report.jsonl", perf_suite.path / "out.json"
    result = _run(perf_suite, simulator, C1, C4, f"--aisbench-report={report}",
                  f"--benchmark-json={out}")  # fmt: skip
    result.assert_outcomes(passed=2)
    entries = {bench["name"]: bench for bench in json.loads(out.read_text())["benchmarks"]}
    items = ("test_serving[vllm_stream_chat-c1]", "test_serving[vllm_stream_chat-c4]")
    assert sorted(entries) == sorted(f"{item}::{metric}" for item in items for metric in METRICS)
    assert len({bench["fullname"] for bench in entries.values()}) == len(entries)
    figures = _perf_figures(report)
    for item in items:
        aisbench, requests = figures[item], 4 * int(item[-2])  # num_prompts = 4 x concurrency
        for metric in METRICS:
            bench = entries[f"{item}::{metric}"]
            assert bench["group"] == metric
            assert bench["fullname"] == f"test_serving.py::{item}::{metric}"
            stats = bench["stats"]
            for name in ("median", "mean", "min", "max"):
                assert stats[name] == pytest.approx(aisbench[f"{name}_{metric}_ms"] / 1000,
                                                    rel=0, abs=1e-9)  # fmt: skip
            assert len(stats["data"]) == stats["rounds"] > 0  # the raw samples, in seconds
            info = bench["extra_info"]
            assert info["output_throughput"] == aisbench["output_throughput"]
            assert info["request_throughput"] == aisbench["request_throughput"]
            assert info["token_sources"] == aisbench["token_sources"] == {"usage": requests}
        ttft = entries[f"{item}::ttft"]["stats"]
        assert ttft["rounds"] == aisbench["completed"] == requests
        assert ttft["median"] >= 0.1  # the simulator's time to first token, in seconds


def test_compare_fail_catches_an_injected_ttft_regression(
    perf_suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    storage = f"--benchmark-storage=file://{perf_suite.path / 'benchmarks'}"
    first = _run(perf_suite, simulator, C1, storage, "--benchmark-autosave")
    first.assert_outcomes(passed=1)
    assert list((perf_suite.path / "benchmarks").rglob("0001_*.json"))

    compare = (C1, storage, "--benchmark-compare", "--benchmark-compare-fail=median:50%")
    simulator.config.ttft = 0.2  # twice the saved time to first token
    regressed = _run(perf_suite, simulator, *compare)
    assert regressed.ret != pytest.ExitCode.OK
    regressed.stderr.fnmatch_lines(
        [
            "*Comparing against benchmarks from:*0001_*",
            "*Performance has regressed:*",
            "*test_serving[[]vllm_stream_chat-c1[]]::ttft*"
            "Field 'median' has failed PercentageRegressionCheck*",
        ]
    )

    simulator.config.ttft = 0.1  # the same run without the regression
    steady = _run(perf_suite, simulator, *compare)
    assert steady.ret == pytest.ExitCode.OK, steady.stdout.str() + steady.stderr.str()
    assert "Performance has regressed" not in steady.stdout.str() + steady.stderr.str()


def test_under_xdist_benchmark_is_disabled_and_the_report_keeps_the_figures(
    perf_suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    report, out = perf_suite.path / "report.jsonl", perf_suite.path / "out.json"
    result = _run(perf_suite, simulator, C1, C4, "-n", "2", f"--aisbench-report={report}",
                  f"--benchmark-json={out}")  # fmt: skip
    result.assert_outcomes(passed=2)
    assert not out.exists()  # pytest-benchmark turned itself off
    figures = _perf_figures(report)
    assert sorted(figures) == ["test_serving[vllm_stream_chat-c1]",
                               "test_serving[vllm_stream_chat-c4]"]  # fmt: skip
    for item, aisbench in figures.items():
        assert aisbench["completed"] == 4 * int(item[-2]) and aisbench["failed"] == 0
        for metric in METRICS:
            assert aisbench[f"median_{metric}_ms"] > 0
