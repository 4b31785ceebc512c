"""Whole pytest sessions through pytester: items, outcomes, gates, reports and errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from conftest import TEST_BACKENDS, gold_responder, point_at, samples_of, usage_error
from pytest_aisbench.simulator import RunningSimulator

GOLD = [f"--aisbench-backends-dir={TEST_BACKENDS}", "--aisbench-model=gold_gsm8k"]


def test_gold_backend_scores_every_demo_sample_correct(suite: pytest.Pytester) -> None:
    report = suite.path / "report.jsonl"
    result = suite.runpytest(
        *GOLD, "--aisbench-min-accuracy", "1.0", f"--aisbench-report={report}", "-v"
    )
    result.assert_outcomes(passed=1)  # the gate entry; samples are counted as "correct"
    result.stdout.fnmatch_lines(
        [
            "*test_gsm8k[[]gold-demo_gsm8k-0[]] CORRECT*",
            "*gold*demo_gsm8k*8*8*0*0*0*0*100.0%*67.6%-100.0%*100.0%*PASS*",
            "*8 correct*",
        ]
    )
    assert result.ret == 0
    records = samples_of(report)
    assert [r["index"] for r in records] == list(range(8))
    assert all(r["outcome"] == "correct" and r["extracted"] == r["reference"] for r in records)


def test_items_are_named_model_dataset_index_and_selectable_with_k(suite: pytest.Pytester) -> None:
    result = suite.runpytest(*GOLD, "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [f"test_gsm8k.py::test_gsm8k[[]gold-demo_gsm8k-{i}[]]" for i in range(8)]
    )
    selected = suite.runpytest(*GOLD, "-k", "demo_gsm8k-3 or demo_gsm8k-5")
    selected.stdout.fnmatch_lines(["*6 deselected*2 correct*"])


def test_wrong_answers_are_not_failures_but_a_missed_gate_is(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    simulator.config.text = "I think the answer is 0."
    xml = suite.path / "junit.xml"
    result = suite.runpytest(
        *point_at(simulator), "--aisbench-min-accuracy", "0.5", f"--junitxml={xml}"
    )
    result.stdout.fnmatch_lines(
        ["*vllm_chat*demo_gsm8k*8*0*8*0.0%*FAIL*", "*1 failed*8 incorrect*"]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    cases = {c.get("name"): c for c in ET.parse(xml).getroot().iter("testcase")}
    gate = cases["gate[vllm_chat-demo_gsm8k]"]
    failure = gate.find("failure")
    assert failure is not None and "accuracy 0.0% < min 50.0%" in failure.get("message", "")
    assert cases["test_gsm8k[vllm_chat-demo_gsm8k-0]"].find("failure") is None


def test_strict_fails_every_sample_that_is_not_correct(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    simulator.config.text = "No numbers here."
    result = suite.runpytest(*point_at(simulator), "--aisbench-strict")
    result.stdout.fnmatch_lines(["*no_answer (--aisbench-strict)*", "*8 failed*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_server_down_is_an_error_outcome_never_a_wrong_answer(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    report = suite.path / "report.jsonl"
    args = point_at(simulator)
    args[args.index(f"host_port={simulator.port}")] = "host_port=9"  # nothing listens on 9
    result = suite.runpytest(*args, "--aisbench-set", "model=m", f"--aisbench-report={report}")
    result.stdout.fnmatch_lines(["*8 error*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    records = samples_of(report)
    assert len(records) == 8
    assert {r["outcome"] for r in records} == {"error"}
    assert all("ConnectError" in r["error"] for r in records)


def test_report_keeps_records_and_gates_as_json_lines(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    simulator.config.responder = gold_responder
    report = suite.path / "out" / "report.jsonl"
    suite.runpytest(
        *point_at(simulator, "vllm_stream_chat"),
        f"--aisbench-report={report}",
        "--aisbench-min-accuracy",
        "0.9",
    )
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    kinds = ["run", "model"] + ["sample"] * 8 + ["dataset", "gate"]
    assert [line["type"] for line in lines] == kinds
    gate = lines[-1]
    assert (gate["model"], gate["dataset"], gate["n"], gate["accuracy"], gate["verdict"]) == (
        "vllm_stream_chat",
        "demo_gsm8k",
        8,
        1.0,
        "PASS",
    )
    record = lines[2]
    assert record["token_source"] == "usage" and record["output_tokens"] > 0
    assert record["ttft_s"] is not None and record["e2el_s"] >= record["ttft_s"]


def test_unknown_backend_is_a_usage_error_listing_known_names(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--aisbench-model", "nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown backend 'nope'; known backends: *vllm_chat*"])
    assert "Traceback" not in result.stderr.str()


def test_missing_dataset_says_where_it_looked(pytester: pytest.Pytester) -> None:
    error = usage_error(
        pytester,
        *GOLD,
        f"--aisbench-datasets-dir={pytester.path / 'empty'}",
        "--aisbench-dataset=demo_gsm8k_gen_4_shot_cot_chat_prompt",
    )
    empty = pytester.path / "empty"
    error.fnmatch_lines(
        [
            "built-in dataset config demo/demo_gsm8k_gen_4_shot_cot_chat_prompt.py: "
            f"gsm8k_datasets?0?: key 'path' 'ais_bench/datasets/gsm8k': dataset files not found "
            f"at {empty / 'gsm8k'} or {empty / 'ais_bench/datasets/gsm8k'}*--aisbench-datasets-dir*"
        ]
    )


def test_without_a_backend_sample_tests_are_skipped_with_a_reason(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no backend selected: pass --aisbench-model NAME*"])


def test_dataset_option_replaces_the_suite_default(suite: pytest.Pytester) -> None:
    result = suite.runpytest(
        *GOLD, "--aisbench-dataset=demo_gsm8k_gen_4_shot_cot_str", "--collect-only", "-q"
    )
    result.stdout.fnmatch_lines(["*test_gsm8k[[]gold-demo_gsm8k_str-7[]]*", "*8 tests collected*"])


def test_a_shipped_suite_runs_from_an_empty_folder(pytester: pytest.Pytester) -> None:
    """``--aisbench-suite accuracy`` collects the suite that ships with the plugin: no test file
    of the user's, and the dataset chosen on the command line."""
    result = pytester.runpytest(
        *GOLD,
        "--aisbench-suite=accuracy",
        "--aisbench-dataset=demo_gsm8k_gen_0_shot_cot_chat_prompt",
    )
    result.stdout.fnmatch_lines(["*test_gsm8k.py ........*", "*8 correct*"])
    assert result.ret == pytest.ExitCode.OK
    assert not list(pytester.path.glob("*.py"))  # nothing of the user's was there to collect
