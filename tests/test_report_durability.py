"""A report is never worth less after a run than before it, however the run ends.

Runs are killed with SIGKILL at several points, the first run and then resumes into the same
report, in one process and under ``-n 2``: each kill leaves at least the finished records the
report had, none twice, and answers are written when they arrive, not when their item runs.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from conftest import gold_responder, point_at
from pytest_aisbench.simulator import RunningSimulator

DATASET = "--aisbench-dataset=gsm8k_gen_4_shot_cot_chat_prompt"
SAMPLES = 1319
BATCH = 16


def finished(report: Path) -> Counter[tuple[str, str, int]]:
    """How many finished (non-error) sample lines each key has in `report`."""
    counts: Counter[tuple[str, str, int]] = Counter()
    if not report.exists():
        return counts
    for line in report.read_bytes().split(b"\n"):
        try:
            row = json.loads(line)
        except ValueError:
            continue  # empty, or the line a kill cut
        if row.get("type") == "sample" and row["outcome"] != "error":
            counts[(row["model"], row["dataset"], row["index"])] += 1
    return counts


def kill_when(process: object, report: Path, seconds: float, records: int | None) -> None:
    """SIGKILL `process` once `seconds` have passed and `report` holds `records` records; with
    `records` None, at the first change to the report (when a run that rewrote it would have
    just emptied it)."""
    started = time.monotonic()
    first = report.stat() if report.exists() else None

    def changed() -> bool:
        now = report.stat() if report.exists() else None
        return now is not None and (first is None or (now.st_size, now.st_mtime_ns) != (
            first.st_size, first.st_mtime_ns))  # fmt: skip

    while time.monotonic() - started < 120:
        ready = changed() if records is None else sum(finished(report).values()) >= records
        if ready and time.monotonic() - started >= seconds:
            break
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]
    process.wait()  # type: ignore[attr-defined]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_sigkill_at_any_point_keeps_every_finished_record(
    suite: pytest.Pytester, simulator: RunningSimulator, workers: list[str]
) -> None:
    simulator.config.responder = gold_responder
    simulator.config.ttft = 0.02
    report = suite.path / "report.jsonl"
    args = [*point_at(simulator), DATASET, f"--aisbench-set=batch_size={BATCH}", *workers,
            "-p", "no:cacheprovider", f"--aisbench-report={report}"]  # fmt: skip
    resume = [f"--aisbench-resume={report}"]
    # (extra options, seconds into the run, records in the report) at each kill: the first
    # run a third of the way, a resume the moment it first touches the report, a resume at
    # 0.7 s, a resume once two thirds are in
    kills: list[tuple[list[str], float, int | None]] = [
        ([], 0.0, SAMPLES // 3), (resume, 0.0, None), (resume, 0.7, 0),
        (resume, 0.0, 2 * SAMPLES // 3),
    ]  # fmt: skip
    before = 0
    for extra, seconds, records in kills:
        command = [sys.executable, "-m", "pytest", "test_gsm8k.py", *args, *extra]
        kill_when(suite.popen(command), report, seconds, records)
        counts = finished(report)
        assert max(counts.values(), default=1) == 1, "a finished record was written twice"
        assert len(counts) >= before, (
            f"{before} finished records before the kill, {len(counts)} after"
        )
        before = len(counts)
    result = suite.runpytest(*args, *resume)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-2000:]
    counts = finished(report)
    assert len(counts) == SAMPLES and max(counts.values()) == 1
    # an answer is lost only if it was in flight at a kill (or written by a worker after it)
    assert simulator.stats.requests <= SAMPLES + len(kills) * BATCH * 2
