"""Nothing lost: --aisbench-resume after a killed run, and the circuit breaker."""

from __future__ import annotations

import sys
import time

import pytest

from conftest import gold_responder, point_at, samples_of
from pytest_aisbench.simulator import RunningSimulator

STABLE = ("model", "dataset", "index", "outcome", "prediction", "extracted", "reference")


def _stable(rows: list[dict]) -> list[tuple]:
    return [tuple(row[key] for key in STABLE) for row in rows]


def test_a_run_killed_with_sigkill_resumes_to_the_same_records(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    simulator.config.responder = gold_responder
    simulator.config.ttft = 0.4  # 8 samples, 2 at a time: about 1.6 s in all
    args = [*point_at(simulator), "--aisbench-set=batch_size=2", "-p", "no:cacheprovider"]
    killed = suite.path / "killed.jsonl"
    process = suite.popen(
        [sys.executable, "-m", "pytest", "test_gsm8k.py", *args, f"--aisbench-report={killed}"]
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_sample_lines(killed)) < 3:
        time.sleep(0.05)
    process.kill()
    process.wait()
    kept = samples_of(killed)
    assert 3 <= len(kept) < 8, "the run was not killed halfway"

    sent_before = simulator.stats.requests
    resumed = suite.path / "resumed.jsonl"
    result = suite.runpytest(
        *args, f"--aisbench-resume={killed}", f"--aisbench-report={resumed}", "-n", "2"
    )  # workers get them too
    result.stdout.fnmatch_lines([f"aisbench: resumed {len(kept)} finished records", "*8 correct*"])
    assert simulator.stats.requests - sent_before == 8 - len(kept)

    full = suite.path / "full.jsonl"
    suite.runpytest(*args, f"--aisbench-report={full}")
    assert _stable(samples_of(resumed)) == _stable(samples_of(full))
    assert len(samples_of(resumed)) == 8


def _sample_lines(path) -> list[str]:
    if not path.exists():
        return []
    return [line for line in path.read_text().splitlines() if '"type": "sample"' in line]


def test_errored_samples_are_sent_again_on_resume(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    simulator.config.responder = gold_responder
    first = suite.path / "first.jsonl"
    down = point_at(simulator)
    down[down.index(f"host_port={simulator.port}")] = "host_port=9"
    suite.runpytest(*down, "--aisbench-set=model=m", f"--aisbench-report={first}")
    assert {r["outcome"] for r in samples_of(first)} == {"error"}

    result = suite.runpytest(*point_at(simulator), f"--aisbench-resume={first}")
    result.stdout.fnmatch_lines(["*8 correct*"])
    assert simulator.stats.requests == 8


def test_a_malformed_resume_file_names_its_line(suite: pytest.Pytester) -> None:
    bad = suite.path / "bad.jsonl"
    bad.write_text('{"type": "run"}\nnot json\n{"type": "run"}\n')
    result = suite.runpytest("--aisbench-model=vllm_chat", f"--aisbench-resume={bad}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--aisbench-resume: {bad}, line 2: not a report line*"])


def test_circuit_breaker_fails_the_rest_at_once_when_the_server_is_down(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    report = suite.path / "report.jsonl"
    down = point_at(simulator)
    down[down.index(f"host_port={simulator.port}")] = "host_port=9"
    result = suite.runpytest(
        *down,
        "--aisbench-set=model=m",
        "--aisbench-set=batch_size=1",
        "--aisbench-max-consecutive-errors=3",
        f"--aisbench-report={report}",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*aisbench: circuit breaker open: 3 requests in a row to "
            "'vllm_chat' failed*ConnectError*[[]5 samples not sent[]]"
        ]
    )
    errors = [r["error"] for r in samples_of(report)]
    assert len(errors) == 8  # nothing lost: every sample has its record
    assert [e.startswith("ConnectError") for e in errors] == [True] * 3 + [False] * 5
    assert all(e.startswith("circuit breaker open") for e in errors[3:])
