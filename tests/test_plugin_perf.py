"""The perf suite in whole sessions: items per backend and load, tables, SLO gates, report."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from conftest import REPO, point_at
from pytest_aisbench.simulator import RunningSimulator

PERF_SUITE = REPO / "suites" / "perf" / "test_serving.py"
ITEMS = {c: [f"test_serving.py::test_serving[vllm_stream_chat-{c}]"] for c in ("c1", "c4")}


@pytest.fixture
def perf_suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_serving=PERF_SUITE.read_text())
    return pytester


@pytest.mark.parametrize("client", ["httpx", "asyncio"])
def test_perf_items_measure_ttft_from_the_first_token_not_the_role_chunk(
    perf_suite: pytest.Pytester, simulator: RunningSimulator, client: str
) -> None:
    simulator.config.ttft, simulator.config.itl = 0.2, 0.01
    simulator.config.early_role_chunk = True  # a TTFT counting the role chunk would be ~0
    report = perf_suite.path / "report.jsonl"
    result = perf_suite.runpytest(*point_at(simulator, "vllm_stream_chat"),
                                  "--aisbench-set=model='sim-model'", *ITEMS["c1"], *ITEMS["c4"],
                                  f"--aisbench-set=http_client='{client}'",
                                  f"--aisbench-report={report}", "-v")  # fmt: skip
    result.stdout.fnmatch_lines([
        "*test_serving[[]vllm_stream_chat-c1[]] PASSED*",
        "*aisbench performance*",
        "*test_serving[[]vllm_stream_chat-c4[]]*",
        "*Successful requests:*16*",
        "*Time to First Token*",
    ])  # fmt: skip
    perf = [json.loads(line) for line in report.read_text().splitlines() if '"perf"' in line]
    assert [p["item"].rsplit("::", 1)[-1] for p in perf] == [
        "test_serving[vllm_stream_chat-c1]",
        "test_serving[vllm_stream_chat-c4]",
    ]
    for run in perf:
        figures = run["result"]
        assert figures["completed"] == len(run["schedule_s"]) and figures["failed"] == 0
        assert figures["median_ttft_ms"] >= 200  # the simulator's time to first token
        assert 8 <= figures["median_itl_ms"] < 200
        assert figures["token_sources"] == {"usage": figures["completed"]}


def test_a_missed_slo_fails_the_run_and_is_a_junit_entry(
    perf_suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    simulator.config.ttft = 0.3
    xml = perf_suite.path / "junit.xml"
    result = perf_suite.runpytest(*point_at(simulator, "vllm_stream_chat"),
                                  "--aisbench-set=model='sim-model'", *ITEMS["c1"],
                                  "--aisbench-slo=ttft_p99_ms<=100", "--aisbench-slo=error_rate<=0",
                                  f"--junitxml={xml}")  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*SLO ttft_p99_ms<=100: FAIL (ttft p99 3*ms > 100 ms)*",
            "*SLO error_rate<=0: PASS*",
            "*1 failed, 2 passed*",
        ]
    )
    cases = {c.get("name"): c for c in ET.parse(xml).getroot().iter("testcase")}
    assert (
        cases["slo[test_serving[vllm_stream_chat-c1]-ttft_p99_ms<=100]"].find("failure") is not None
    )
    assert cases["slo[test_serving[vllm_stream_chat-c1]-error_rate<=0]"].find("failure") is None


def test_a_bad_slo_is_a_usage_error(perf_suite: pytest.Pytester) -> None:
    result = perf_suite.runpytest("--aisbench-model=vllm_stream_chat", "--aisbench-slo=ttft<=5")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*invalid SLO 'ttft<=5'*"])


def test_perf_items_stay_whole_under_xdist(
    perf_suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    report = perf_suite.path / "report.jsonl"
    result = perf_suite.runpytest(*point_at(simulator, "vllm_stream_chat"),
                                  "--aisbench-set=model='sim-model'", "-n", "2",
                                  f"--aisbench-report={report}")  # fmt: skip
    result.assert_outcomes(passed=3)
    perf = [json.loads(line) for line in report.read_text().splitlines() if '"perf"' in line]
    assert sorted(p["result"]["completed"] for p in perf) == [4, 16, 64]
    assert simulator.stats.requests == 4 + 16 + 64 + 3  # each item once, plus its warm-up
