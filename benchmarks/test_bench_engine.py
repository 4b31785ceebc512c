"""Benchmark: the request engine keeps ``batch_size`` requests in flight.

64 GSM8K samples against the simulator answering each request after a fixed 200 ms. Sent one
at a time they would take 12.8 s; at ``batch_size`` 32 they should take two rounds, ~0.4 s.
Under ``-n 2``, in every load-balancing ``--dist`` mode, each worker keeps its share in flight.

    .venv/bin/pytest benchmarks --benchmark-only -p no:cacheprovider
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from bench_env import DATASETS_DIR

from pytest_aisbench.config import validate_model
from pytest_aisbench.engine.accuracy import Engine
from pytest_aisbench.models import VLLMCustomAPIChat
from pytest_aisbench.simulator import RunningSimulator, SimulatorConfig, running_simulator

DATASET = "gsm8k_gen_4_shot_cot_chat_prompt"
SAMPLES = 64
LATENCY_S = 0.2


@pytest.fixture(scope="module")
def simulator() -> Iterator[RunningSimulator]:
    with running_simulator(SimulatorConfig(ttft=LATENCY_S, text="The answer is 4.")) as sim:
        yield sim


@pytest.mark.parametrize("batch_size", [8, 32])
def test_engine_64_requests_at_200ms(
    benchmark, simulator: RunningSimulator, batch_size: int
) -> None:
    config = validate_model(
        dict(
            attr="service",
            type=VLLMCustomAPIChat,
            abbr="sim",
            model="sim-model",
            host_ip="127.0.0.1",
            host_port=simulator.port,
            batch_size=batch_size,
            max_out_len=64,
            retry=0,
        ),
        "benchmark",
    )

    def run() -> None:
        engine = Engine([config], DATASETS_DIR, {("sim", DATASET): list(range(SAMPLES))})
        records = [engine.record("sim", DATASET, i) for i in range(SAMPLES)]
        engine.close()
        assert [r.outcome for r in records].count("error") == 0

    benchmark.pedantic(run, rounds=5, iterations=1, warmup_rounds=1)
    rounds = -(-SAMPLES // batch_size)
    assert benchmark.stats.stats.median < rounds * LATENCY_S * 2  # a bound, not the claim


XDIST_MODES = ["load", "loadscope", "loadfile", "loadgroup", "worksteal"]
SUITE = Path(__file__).resolve().parents[1] / "suites" / "accuracy"


@pytest.mark.parametrize("dist", XDIST_MODES)
def test_xdist_request_time_8_samples_at_500ms(benchmark, tmp_path: Path, dist: str) -> None:
    """The demo suite under ``-n 2``: 8 samples answered after 0.5 s, ``batch_size`` 4.

    The figure is the request time, the items' call durations summed over both workers (JUnit
    XML): each worker's first item waits ~0.5 s for its four requests, the rest are ready, so
    ~1 s in all; sent one at a time it would be 8 x 0.5 = 4 s. The wall time also counts
    pytest's and xdist's start-up.
    """
    with running_simulator(SimulatorConfig(ttft=0.5, text="The answer is 4.")) as sim:
        junit = tmp_path / "junit.xml"
        command = [
            sys.executable, "-m", "pytest", str(SUITE), "-q", "-p", "no:cacheprovider",
            "-n", "2", f"--dist={dist}", f"--junitxml={junit}",
            "--aisbench-model=vllm_chat", "--aisbench-set=host_ip='127.0.0.1'",
            f"--aisbench-set=host_port={sim.port}", "--aisbench-set=batch_size=4",
            f"--aisbench-datasets-dir={DATASETS_DIR}",
        ]  # fmt: skip
        request_times: list[float] = []

        def run() -> None:
            subprocess.run(command, check=True, capture_output=True, cwd=tmp_path, timeout=300)
            cases = ElementTree.parse(junit).getroot().iter("testcase")
            request_times.append(sum(float(c.get("time", 0)) for c in cases))

        benchmark.pedantic(run, rounds=3, iterations=1)
    benchmark.extra_info["request_time_s"] = sorted(request_times)[len(request_times) // 2]
    print(f"\n{dist}: request time (median of 3) {benchmark.extra_info['request_time_s']:.2f} s")
    assert benchmark.extra_info["request_time_s"] < 8 * 0.5  # a bound, not the claim
