"""The GSM8K demo suite, end to end, once per built-in backend file, against one simulator.

Each run is a whole pytest session through pytester, with the options a user types: the
backend by name, ``--aisbench-set`` for host, port and model, a JSONL report and an accuracy
gate of 1.0. The simulator answers every question with its reference solution, over whichever
protocol the backend speaks, so every backend must score 8/8 and pass the gate.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import gold_responder, point_at, samples_of
from pytest_aisbench.report import read_report
from pytest_aisbench.simulator import RunningSimulator, SimulatorConfig, running_simulator

CHAT_DATASET = "demo_gsm8k_gen_4_shot_cot_chat_prompt"
STR_DATASET = "demo_gsm8k_gen_4_shot_cot_str"

# backend -> (dataset, extra options): completions-style protocols get the one-string prompt;
# Triton names its model in the URL and the OpenAI backends in the body; TGI and MindIE's
# /infer name none.
MODEL = "--aisbench-set=model='sim-model'"
RUNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "vllm_chat": (CHAT_DATASET, (MODEL,)),
    "vllm_stream_chat": (CHAT_DATASET, (MODEL,)),
    "vllm_completions": (STR_DATASET, (MODEL,)),
    "vllm_stream_completions": (STR_DATASET, (MODEL,)),
    "tgi": (STR_DATASET, ()),
    "tgi_stream": (STR_DATASET, ()),
    "triton": (STR_DATASET, (MODEL,)),
    "triton_stream": (STR_DATASET, (MODEL,)),
    "mindie": (STR_DATASET, ()),
    "mindie_stream": (STR_DATASET, ()),
    "vita": (STR_DATASET, ()),
    "vita_stream": (STR_DATASET, ()),
}
DEMO = {CHAT_DATASET: "demo_gsm8k", STR_DATASET: "demo_gsm8k_str"}
"""The dataset name shown in records and gates, per dataset config."""


@pytest.fixture(scope="module")
def gold_sim() -> Iterator[RunningSimulator]:
    with running_simulator(SimulatorConfig(responder=gold_responder)) as sim:
        yield sim


@pytest.mark.parametrize("backend", list(RUNS), ids=list(RUNS))
def test_demo_suite_scores_8_of_8_through_every_backend(
    suite: pytest.Pytester, gold_sim: RunningSimulator, backend: str
) -> None:
    dataset, extra = RUNS[backend]
    report = suite.path / "report.jsonl"
    requests_before = gold_sim.stats.requests

    result = suite.runpytest(
        *point_at(gold_sim, backend, *extra),
        *([f"--aisbench-dataset={dataset}"] if dataset == STR_DATASET else []),
        f"--aisbench-report={report}",
        "--aisbench-min-accuracy=1.0",
    )

    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    shown = DEMO[dataset]
    result.stdout.fnmatch_lines(
        [f"*{backend} *{shown} *8*8*0*0*0*0*100.0%*100.0%*PASS*", "*8 correct*"]
    )
    records = samples_of(report)
    assert [r["index"] for r in records] == list(range(8))
    assert {(r["model"], r["dataset"], r["outcome"]) for r in records} == {
        (backend, shown, "correct")
    }
    assert all(r["extracted"] == r["reference"] for r in records)
    gates = [r for r in read_report(report) if r["type"] == "gate"]
    assert [(g["model"], g["dataset"], g["n"], g["accuracy"], g["verdict"]) for g in gates] == [
        (backend, shown, 8, 1.0, "PASS")
    ]
    assert gold_sim.stats.requests - requests_before == 8
