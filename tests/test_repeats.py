"""Several answers per row (``n``): the samples, avg@n and pass@k with the unbiased estimator."""

from __future__ import annotations

import math

import pytest

from conftest import TEST_BACKENDS, samples_of
from pytest_aisbench.records import SampleRecord
from pytest_aisbench.repeats import pass_at_k, repeat_metrics


def test_pass_at_k_is_the_unbiased_estimator() -> None:
    # 1 - C(n-c, k) / C(n, k), worked by hand for n=4
    assert pass_at_k(4, 0, 1) == 0.0
    assert pass_at_k(4, 1, 1) == pytest.approx(0.25)
    assert pass_at_k(4, 1, 2) == pytest.approx(1 - math.comb(3, 2) / math.comb(4, 2))  # 0.5
    assert pass_at_k(4, 3, 2) == 1.0  # n - c < k: every draw of 2 holds a correct one


def record(index: int, outcome: str) -> SampleRecord:
    return SampleRecord(
        model="m", dataset="d", index=index, outcome=outcome, prediction="", reasoning="",  # type: ignore[arg-type]
        extracted=None, reference="", error="", finish_reason=None, input_tokens=None,
        output_tokens=None, token_source="", attempts=1, ttft_s=None, e2el_s=None,
    )  # fmt: skip


def test_rows_are_consecutive_samples_and_only_whole_rows_count() -> None:
    outcomes = ["correct", "error", "incorrect", "correct", "correct", "correct", "incorrect"]
    records = [record(i, o) for i, o in enumerate(outcomes)]  # rows 0, 1 whole; row 2 partial
    metrics = repeat_metrics(records, repeats=3, ks=[1, 2])
    assert metrics == pytest.approx(
        {"avg@3": 4 / 6, "pass@1": (1 / 3 + 3 / 3) / 2, "pass@2": (pass_at_k(3, 1, 2) + 1.0) / 2}
    )
    assert repeat_metrics(records, repeats=1, ks=[1]) == {}


CONFIG = """
from pytest_aisbench.datasets import GSM8KDataset, Gsm8kEvaluator, gsm8k_dataset_postprocess
from pytest_aisbench.datasets import gsm8k_postprocess
from pytest_aisbench.openicl.icl_inferencer import GenInferencer
from pytest_aisbench.openicl.icl_prompt_template import PromptTemplate
from pytest_aisbench.openicl.icl_retriever import ZeroRetriever

gsm8k_datasets = [dict(
    abbr="gsm8k_x4", type=GSM8KDataset, path="ais_bench/datasets/gsm8k", n=4, k=[1, 2],
    reader_cfg=dict(input_columns=["question"], output_column="answer", test_range="[0:2]"),
    infer_cfg=dict(prompt_template=dict(type=PromptTemplate, template="Question: {question}"),
                   retriever=dict(type=ZeroRetriever), inferencer=dict(type=GenInferencer)),
    eval_cfg=dict(evaluator=dict(type=Gsm8kEvaluator),
                  pred_postprocessor=dict(type=gsm8k_postprocess),
                  dataset_postprocessor=dict(type=gsm8k_dataset_postprocess)),
)]
"""


def test_n_answers_per_row_run_as_consecutive_items_with_pass_at_k(
    suite: pytest.Pytester,
) -> None:
    """Two rows, four answers each, from the gold local backend: eight items, indices 0-7
    (row * n + repeat, as AISBench numbers its repeated rows), avg@4 and pass@k of 100%."""
    (suite.path / "configs").mkdir()
    (suite.path / "configs" / "gsm8k_x4.py").write_text(CONFIG)
    report = suite.path / "report.jsonl"
    result = suite.runpytest(
        f"--aisbench-backends-dir={TEST_BACKENDS}", "--aisbench-model=gold_gsm8k",
        f"--aisbench-datasets-config-dir={suite.path / 'configs'}",
        "--aisbench-dataset=gsm8k_x4", f"--aisbench-report={report}",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(
        ["*aisbench: gold on gsm8k_x4: avg@4 100.0%, pass@1 100.0%, pass@2 100.0%*"]
    )
    records = samples_of(report)
    assert [(r["index"], r["outcome"]) for r in records] == [(i, "correct") for i in range(8)]
    gate = next(line for line in report.read_text().splitlines() if '"type": "gate"' in line)
    assert '"avg@4": 1.0' in gate and '"pass@2": 1.0' in gate
