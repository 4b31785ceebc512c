"""The GSM8K demo suite, end to end, through every built-in backend file, against one simulator.

Two whole sessions (one per prompt style: the chat backends take the chat config, the others
the one-string config), each selecting its backends by name with the options a user types:
``--aisbench-set`` for host, port and model, a JSONL report and an accuracy gate of 1.0. The
simulator answers every question with its reference solution, over whichever protocol the
backend speaks, so every backend must score 8/8 and pass its gate. The sessions run once for the
module; each backend's checks are a test of their own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import DATASETS_DIR, SUITE, gold_responder, samples_of
from pytest_aisbench.report import read_report
from pytest_aisbench.simulator import SimulatorConfig, running_simulator

CHAT_DATASET = "demo_gsm8k_gen_4_shot_cot_chat_prompt"
STR_DATASET = "demo_gsm8k_gen_4_shot_cot_str"
# dataset -> the backends that take it: completions-style protocols get the one-string prompt.
# Triton names its model in the URL and the OpenAI backends in the body; TGI, MindIE's /infer
# and VITA name none and ignore the key.
SESSIONS: dict[str, tuple[str, ...]] = {
    CHAT_DATASET: ("vllm_chat", "vllm_stream_chat"),
    STR_DATASET: (
        "vllm_completions", "vllm_stream_completions", "tgi", "tgi_stream", "triton",
        "triton_stream", "mindie", "mindie_stream", "vita", "vita_stream",
    ),
}  # fmt: skip
DEMO = {CHAT_DATASET: "demo_gsm8k", STR_DATASET: "demo_gsm8k_str"}
"""The dataset name shown in records and gates, per dataset config."""
BACKENDS = {backend: dataset for dataset, names in SESSIONS.items() for backend in names}


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Both sessions against one gold simulator: their results, records, gates and requests."""
    root = tmp_path_factory.mktemp("all_backends")
    (root / SUITE.name).write_text(SUITE.read_text(), encoding="utf-8")
    runs: dict[str, Any] = {"results": {}, "records": [], "gates": []}
    with running_simulator(SimulatorConfig(responder=gold_responder)) as sim:
        for dataset, names in SESSIONS.items():
            report = root / f"{DEMO[dataset]}.jsonl"
            runs["results"][dataset] = subprocess.run(
                [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", SUITE.name,
                 *(f"--aisbench-model={name}" for name in names),
                 f"--aisbench-dataset={dataset}", "--aisbench-set=host_ip=127.0.0.1",
                 f"--aisbench-set=host_port={sim.port}", "--aisbench-set=retry=0",
                 "--aisbench-set=model='sim-model'", f"--aisbench-report={report}",
                 "--aisbench-min-accuracy=1.0"],
                cwd=root, capture_output=True, text=True, timeout=600,
                env={**os.environ, "AISBENCH_DATASETS_DIR": str(DATASETS_DIR)},
            )  # fmt: skip
            runs["records"] += samples_of(report)
            runs["gates"] += [r for r in read_report(report) if r["type"] == "gate"]
        runs["requests"] = sim.stats.requests
    yield runs


@pytest.mark.parametrize("dataset", list(SESSIONS), ids=list(DEMO.values()))
def test_each_session_passes_with_every_sample_correct(
    sessions: dict[str, Any], dataset: str
) -> None:
    result = sessions["results"][dataset]
    assert result.returncode == pytest.ExitCode.OK, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"{8 * len(SESSIONS[dataset])} correct" in result.stdout


def test_every_sample_was_sent_once(sessions: dict[str, Any]) -> None:
    assert sessions["requests"] == 8 * len(BACKENDS)  # retry=0, no fault: one request each


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_demo_suite_scores_8_of_8_through_every_backend(
    sessions: dict[str, Any], backend: str
) -> None:
    dataset = BACKENDS[backend]
    shown = DEMO[dataset]
    lines = pytest.LineMatcher(sessions["results"][dataset].stdout.splitlines())
    lines.fnmatch_lines([f"*{backend} *{shown} *8*8*0*0*0*0*100.0%*100.0%*PASS*"])
    records = [r for r in sessions["records"] if r["model"] == backend]
    assert [r["index"] for r in records] == list(range(8))
    assert {(r["dataset"], r["outcome"]) for r in records} == {(shown, "correct")}
    assert all(r["extracted"] == r["reference"] for r in records)
    gates = [g for g in sessions["gates"] if g["model"] == backend]
    assert [(g["dataset"], g["n"], g["accuracy"], g["verdict"]) for g in gates] == [
        (shown, 8, 1.0, "PASS")
    ]
