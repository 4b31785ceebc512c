"""Benchmark: the request engine keeps ``batch_size`` requests in flight.

64 GSM8K samples against the simulator answering each request after a fixed 200 ms. Sent one
at a time they would take 12.8 s; at ``batch_size`` 32 they should take two rounds, ~0.4 s.

    .venv/bin/pytest benchmarks --benchmark-only -p no:cacheprovider
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_aisbench.config import validate_model
from pytest_aisbench.engine import Engine
from pytest_aisbench.models import VLLMCustomAPIChat
from pytest_aisbench.simulator import RunningSimulator, SimulatorConfig, running_simulator

DATASET = "gsm8k_gen_4_shot_cot_chat_prompt"
SAMPLES = 64
LATENCY_S = 0.2
DATASETS_DIR = Path(
    os.environ.get(
        "AISBENCH_DATASETS_DIR", Path(__file__).resolve().parents[2] / "shared" / "datasets"
    )
)


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
