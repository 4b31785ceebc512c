"""Whole sessions over a subset of a dataset, and what their reports and JUnit XML say."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import gold_responder, point_at, samples_of
from pytest_aisbench.report import read_report
from pytest_aisbench.simulator import RunningSimulator

ONE_BAD = "Janet"
"""A phrase of the first demo question only: a fault matched on it fails sample 0 alone."""


def first_run(suite: pytest.Pytester, simulator: RunningSimulator, report: Path) -> None:
    """The demo suite with sample 0 answered by an HTTP 500 (no retry): 7 correct, 1 error."""
    simulator.config.responder = gold_responder
    simulator.config.fault = "http_500"
    simulator.config.fault_match = ONE_BAD
    result = suite.runpytest(
        *point_at(simulator), f"--aisbench-report={report}", "--aisbench-min-accuracy=1.0"
    )
    result.stdout.fnmatch_lines(["*1 error, 7 correct*"])
    simulator.config.fault = ""


def test_lf_reruns_the_failed_sample_and_gates_over_all_with_resume(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    first, second = suite.path / "first.jsonl", suite.path / "second.jsonl"
    first_run(suite, simulator, first)
    requests = simulator.stats.requests
    result = suite.runpytest(
        *point_at(simulator), "--lf", f"--aisbench-resume={first}",
        f"--aisbench-report={second}", "--aisbench-min-accuracy=1.0", "-v",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert simulator.stats.requests - requests == 1  # only the failed sample was sent again
    result.stdout.fnmatch_lines(["*vllm_chat*demo_gsm8k*8 *8 *0*0*0*0*100.0%*PASS*"])
    assert "%]" not in result.stdout.str().replace("[100%]", "")  # progress never past 100
    assert [r["outcome"] for r in samples_of(second)] == ["correct"] * 8
    cache = suite.path / ".pytest_cache" / "v" / "cache" / "lastfailed"
    assert not cache.exists() or "aisbench::" not in cache.read_text()


def test_lf_without_resume_says_the_gate_covers_a_subset(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    first_run(suite, simulator, suite.path / "first.jsonl")
    result = suite.runpytest(*point_at(simulator), "--lf", "--aisbench-min-accuracy=1.0")
    result.stdout.fnmatch_lines(
        [
            "*vllm_chat*demo_gsm8k*1 of 8*1*0*0*0*0*100.0%*PASS*",
            "*the gate covers 1 of 8 samples (a subset ran); pass --aisbench-resume*",
        ]
    )


def test_junit_errors_are_errors_and_each_sample_carries_its_outcome(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    junit = suite.path / "junit.xml"
    report = suite.path / "report.jsonl"
    simulator.config.responder = gold_responder
    simulator.config.fault, simulator.config.fault_match = "http_500", ONE_BAD
    suite.runpytest(*point_at(simulator), f"--junitxml={junit}", f"--aisbench-report={report}")
    cases = {c.get("name"): c for c in ElementTree.parse(junit).getroot().iter("testcase")}
    errored = cases["test_gsm8k[vllm_chat-demo_gsm8k-0]"]
    assert errored.find("error") is not None and errored.find("failure") is None
    props = {p.get("name"): p.get("value") for p in errored.iter("property")}
    assert props["aisbench_outcome"] == "error"
    passed = cases["test_gsm8k[vllm_chat-demo_gsm8k-1]"]
    props = {p.get("name"): p.get("value") for p in passed.iter("property")}
    assert (props["aisbench_outcome"], props["aisbench_extracted"]) == ("correct", "3")
    assert props["aisbench_reference"] == "3"
    datasets = [line["abbr"] for line in read_report(report) if line["type"] == "dataset"]
    assert datasets == ["demo_gsm8k"]


def test_perf_items_skip_a_local_backend_with_one_line(suite: pytest.Pytester) -> None:
    perf = Path(__file__).resolve().parents[1] / "suites" / "perf" / "test_serving.py"
    suite.makepyfile(test_serving=perf.read_text())
    backends = Path(__file__).resolve().parent / "backends"
    result = suite.runpytest(
        "test_serving.py",
        f"--aisbench-backends-dir={backends}",
        "--aisbench-model=gold_gsm8k",
        "-rs",
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["*3 skipped*"])
    assert "Traceback" not in result.stdout.str()
    assert result.stdout.str().count("gold is a local model (attr='local')") == 1  # -rs: one line
