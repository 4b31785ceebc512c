"""Reading a baseline report, pairing its models, matching its perf runs, its fingerprints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_aisbench.compare import (
    Fingerprints,
    fingerprint_changes,
    model_pairs,
    perf_comparisons,
    read_baseline,
)
from pytest_aisbench.errors import ConfigError

SAMPLE = {"model": "m", "dataset": "d", "prediction": "", "reasoning": "", "extracted": None,
          "reference": "1", "error": "", "finish_reason": "stop", "input_tokens": 1,
          "output_tokens": 1, "token_source": "usage", "attempts": 1, "ttft_s": None,
          "e2el_s": None}  # fmt: skip


def write(path: Path, *lines: dict) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_a_v1_report_reads_without_fingerprints_and_its_last_sample_line_wins(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "v1.jsonl",
        {"type": "run", "models": ["m"], "started": "", "datasets": ["d"], "strict": False},
        {"type": "sample", **SAMPLE, "index": 0, "outcome": "incorrect"},
        {"type": "sample", **SAMPLE, "index": 0, "outcome": "correct"},  # resumed into itself
        {"type": "perf", "item": "t.py::test_serving[c1]", "name": "test_serving[c1]",
         "result": {"p99_ttft_ms": 10.0}},
    )  # fmt: skip
    baseline = read_baseline(path)
    assert (baseline.schema_version, baseline.models) == (1, ["m"])
    assert [(r.index, r.outcome) for r in baseline.records] == [(0, "correct")]
    assert not baseline.fingerprints and len(baseline.perf) == 1


def test_a_report_of_a_newer_schema_is_refused_naming_both_versions(tmp_path: Path) -> None:
    path = write(tmp_path / "v9.jsonl", {"type": "run", "schema_version": 9, "models": []})
    with pytest.raises(ConfigError, match=r"--aisbench-baseline: .*v9.jsonl.* version 9.* 1 to 2"):
        read_baseline(path)


def test_models_pair_by_abbr_or_as_the_only_model_of_each_side() -> None:
    assert model_pairs(["a", "b"], ["b", "c"]) == {"b": "b"}
    assert model_pairs(["new"], ["old"]) == {"new": "old"}  # one each: a renamed backend
    assert model_pairs(["x", "y"], ["z"]) == {}


def test_fingerprint_changes_name_the_model_and_the_dataset_part() -> None:
    before = Fingerprints({"m": "aa"}, {"d": {"config": "1", "data": "2", "prompt_template": "3"}})
    now = Fingerprints({"m": "bb"}, {"d": {"config": "1", "data": "2", "prompt_template": "4"},
                                     "new": {"config": "5"}})  # fmt: skip
    changes = fingerprint_changes(before, now, {"m": "m"})
    assert [(c.what, c.baseline, c.current) for c in changes] == [
        ("model m", "aa", "bb"),
        ("dataset d: prompt_template", "3", "4"),
    ]


def test_perf_runs_match_by_item_then_by_run_name() -> None:
    old = [{"item": "old.py::test_serving[c1]", "name": "test_serving[c1]",
            "result": {"p50_ttft_ms": 10.0, "p99_ttft_ms": 0.0}}]  # fmt: skip
    moved = [("new.py::test_serving[c1]", {"name": "test_serving[c1]",
              "result": {"p50_ttft_ms": 11.5, "p99_ttft_ms": 3.0}})]  # fmt: skip
    figures = {(f.metric, f.stat): f for f in perf_comparisons(moved, old, 0.10)}
    assert len(figures) == 16
    p50 = figures["ttft", "p50"]
    assert p50.change == pytest.approx(0.15) and p50.verdict == "FAIL"
    assert figures["ttft", "p99"].change is None and figures["ttft", "p99"].verdict == "-"
    assert figures["itl", "mean"].baseline is None  # not in either result
    assert perf_comparisons([("x.py::other", {"name": "other", "result": {}})], old, 0.1) == []
