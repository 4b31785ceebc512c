"""Whole sessions through the built-in ``hf_chat`` and ``hf_base`` on the tiny random Llama."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import samples_of

pytest.importorskip("transformers")


def test_the_demo_suite_runs_through_both_local_backends_in_one_session(
    suite: pytest.Pytester, tiny_llama: Path
) -> None:
    """hf_chat and hf_base selected together, as a user compares them; each loads the model once
    and answers its 8 samples."""
    report = suite.path / "report.jsonl"
    result = suite.runpytest(
        "--aisbench-model=hf_chat",
        "--aisbench-model=hf_base",
        f"--aisbench-set=path={str(tiny_llama)!r}",
        "--aisbench-set=max_out_len=16",
        "--aisbench-set=batch_size=3",
        f"--aisbench-report={report}",
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    records = samples_of(report)
    for backend in ("hf_chat", "hf_base"):
        rows = [r for r in records if r["model"] == backend]
        assert [r["index"] for r in rows] == list(range(8))
        assert all(r["outcome"] != "error" for r in rows)
        assert all(r["token_source"] == "generate" and 0 < r["output_tokens"] <= 16 for r in rows)
        assert all(r["input_tokens"] == 512 - 16 for r in rows)  # cut, with room for the answer
        assert {r["finish_reason"] for r in rows} <= {"stop", "length"}
        result.stdout.fnmatch_lines([f"*{backend}*demo_gsm8k*8*"])


def test_a_folder_that_is_not_a_model_stops_the_session_before_any_item(
    suite: pytest.Pytester, tmp_path: Path
) -> None:
    result = suite.runpytest("--aisbench-model=hf_chat", f"--aisbench-set=path={str(tmp_path)!r}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"*hf_chat.py: key 'path': {tmp_path} is not a HuggingFace model folder (no config.json)*"]
    )
    assert "passed" not in result.stdout.str() and "error" not in result.stdout.str().lower()
