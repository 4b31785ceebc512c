"""Concurrency and xdist: requests really overlap, and workers split samples without repeats."""

from __future__ import annotations

import pytest

from conftest import gold_responder, point_at, samples_of
from pytest_aisbench.simulator import RunningSimulator


def test_requests_overlap_up_to_batch_size(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    simulator.config.ttft = 0.3
    result = suite.runpytest(*point_at(simulator), "--aisbench-set=batch_size=4")
    result.stdout.fnmatch_lines(["*8 incorrect*"])
    assert simulator.stats.requests == 8
    assert simulator.stats.max_in_flight == 4


def test_xdist_gives_the_same_records_and_gates_and_sends_each_request_once(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    simulator.config.responder = gold_responder
    runs = {}
    for name, extra in (("serial", []), ("xdist", ["-n", "2"])):
        report = suite.path / f"{name}.jsonl"
        before = simulator.stats.requests
        result = suite.runpytest(
            *point_at(simulator),
            "--aisbench-min-accuracy=0.9",
            f"--aisbench-report={report}",
            *extra,
        )
        result.stdout.fnmatch_lines(["*1 passed*8 correct*"])
        assert simulator.stats.requests - before == 8
        runs[name] = report

    def comparable(path):  # timings and token usage differ run to run; everything else must not
        volatile = {"ttft_s", "e2el_s"}
        return [{k: v for k, v in r.items() if k not in volatile} for r in samples_of(path)]

    assert comparable(runs["serial"]) == comparable(runs["xdist"])
    gates = [
        [line for line in path.read_text().splitlines() if '"type": "gate"' in line]
        for path in runs.values()
    ]
    assert gates[0] == gates[1] and len(gates[0]) == 1


@pytest.mark.parametrize(
    "dist", ["load", "loadscope", "loadfile", "loadgroup", "worksteal", "each"]
)
def test_each_xdist_worker_sends_its_share_concurrently(
    suite: pytest.Pytester, simulator: RunningSimulator, dist: str
) -> None:
    """8 samples of 0.5 s, batch_size 4, two workers: the requests overlap in every mode.

    Sent one at a time (what workers did when they did not know their items ahead), at most
    one request per worker would be in flight; the server sees at least 4 at once instead.
    """
    simulator.config.ttft = 0.5
    result = suite.runpytest(
        *point_at(simulator), "--aisbench-set=batch_size=4", "-n", "2", f"--dist={dist}"
    )
    result.stdout.fnmatch_lines(["*incorrect*"])
    each = dist == "each"
    assert simulator.stats.requests == (16 if each else 8)  # each: every worker runs every item
    assert simulator.stats.max_in_flight >= 4
