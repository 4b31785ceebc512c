"""Aime2024/2025/2026Dataset on hand-made lines in each year's real layout and schema: rows in
order, the columns the configs read (``question``/``problem`` and ``answer``), and the errors
of a missing file, a bad line and a missing column. Their scoring is the ``math`` family's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dataset_fixtures import write_jsonl

from pytest_aisbench.datasets.aime2024 import Aime2024Dataset
from pytest_aisbench.datasets.aime2025 import Aime2025Dataset, Aime2025JDGDataset
from pytest_aisbench.datasets.aime2026 import Aime2026Dataset
from pytest_aisbench.datasets.base import BaseDataset
from pytest_aisbench.datasets.config_files import read_dataset_file
from pytest_aisbench.datasets.openicl import compile_entry
from pytest_aisbench.datasets.utils.llm_judge import LLMJudgeCorrectEvaluator, get_a_or_b
from pytest_aisbench.errors import ConfigError, DatasetError
from pytest_aisbench.openicl.icl_evaluator import judge
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS

YEARS: list[tuple[type[BaseDataset], str, str, str]] = [
    (Aime2024Dataset, "aime/aime.jsonl", "origin_prompt", "gold_answer"),
    (Aime2025Dataset, "aime2025/aime2025.jsonl", "question", "answer"),
    (Aime2026Dataset, "aime2026/aime2026.jsonl", "problem", "answer"),
]


def test_2024_adds_question_and_answer(tmp_path: Path) -> None:
    lines = [{"origin_prompt": f"Problem {i}", "gold_answer": str(100 + i)} for i in range(3)]
    rows = Aime2024Dataset.load(str(write_jsonl(tmp_path / "aime/aime.jsonl", lines)))
    assert [(r["question"], r["answer"]) for r in rows] == [
        ("Problem 0", "100"),
        ("Problem 1", "101"),
        ("Problem 2", "102"),
    ]
    assert rows[0]["origin_prompt"] == "Problem 0"  # the line is kept whole


@pytest.mark.parametrize(("cls", "relative", "question"), [(c, r, q) for c, r, q, _ in YEARS[1:]])
def test_2025_and_2026_keep_lines(
    tmp_path: Path, cls: type[BaseDataset], relative: str, question: str
) -> None:
    lines = [{question: "Find x.", "answer": "33"}, {question: "Find y.", "answer": 7, "id": 2}]
    file = write_jsonl(tmp_path / relative, lines)
    assert cls.load(str(file)) == lines
    assert cls.load(str(file), name="ignored") == lines  # AISBench's load(path, **kwargs)


@pytest.mark.parametrize(("cls", "relative", "question", "answer"), YEARS)
def test_errors(
    tmp_path: Path, cls: type[BaseDataset], relative: str, question: str, answer: str
) -> None:
    assert LOAD_DATASET.get(cls.__name__) is cls
    with pytest.raises(DatasetError, match=f"not found: .*{relative}"):
        cls.load(str(tmp_path / relative))
    file = write_jsonl(tmp_path / relative, [{question: "q", answer: "1"}, "", "[1, 2"])
    with pytest.raises(DatasetError, match=r"\.jsonl, line 3: not valid JSON"):
        cls.load(str(file))
    file.write_text(json.dumps({question: "q"}) + "\n")
    with pytest.raises(DatasetError, match=f"no column '{answer}'; columns found: '{question}'"):
        cls.load(str(file))


JUDGE_CONFIG = """
from pytest_aisbench.datasets import Aime2025Dataset, Aime2025JDGDataset
from pytest_aisbench.datasets.utils.llm_judge import get_a_or_b, LLMJudgeCorrectEvaluator
from pytest_aisbench.openicl.icl_prompt_template import PromptTemplate

aime2025_datasets = [
    dict(
        abbr="aime2025",
        type=Aime2025Dataset,
        path="ais_bench/datasets/aime2025/aime2025.jsonl",
        reader_cfg=dict(input_columns=["question"], output_column="answer"),
        infer_cfg=dict(prompt_template=dict(type=PromptTemplate, template="{question}")),
        judge_infer_cfg=dict(judge_dataset_type=Aime2025JDGDataset),
        eval_cfg=dict(evaluator=dict(type=LLMJudgeCorrectEvaluator),
                      pred_postprocessor=dict(type=get_a_or_b)),
    )
]
"""


def test_the_llm_judge_config_loads_and_is_refused_for_its_judge(tmp_path: Path) -> None:
    """AISBench's aime2025 llmjudge config imports these names; it loads, and compiling it is
    one error naming the judge (it once failed on the import of Aime2025JDGDataset)."""
    (tmp_path / "aime2025").mkdir()
    file = tmp_path / "aime2025" / "aime2025_judge.py"
    file.write_text(JUDGE_CONFIG, encoding="utf-8")
    (entry,) = read_dataset_file(file)
    with pytest.raises(ConfigError, match=r"key 'judge_infer_cfg': needs an LLM judge"):
        compile_entry(entry, "aime2025_judge")
    assert LOAD_DATASET.get("Aime2025JDGDataset") is Aime2025JDGDataset
    with pytest.raises(ConfigError, match="an LLM-judge dataset needs an LLM judge"):
        Aime2025JDGDataset.load(path=str(tmp_path))


def test_the_judge_verdict_is_the_last_letter_a_or_b() -> None:
    assert [get_a_or_b(t) for t in ("Consistent: A", "B", "A.", "", "maybe")] == [
        "A",
        "B",
        "B",
        "B",
        "B",
    ]
    assert TEXT_POSTPROCESSORS.get("get_a_or_b") is get_a_or_b
    evaluator = ICL_EVALUATORS.get("LLMJudgeCorrectEvaluator")()
    assert isinstance(evaluator, LLMJudgeCorrectEvaluator)
    result = evaluator.score(["A", "B"], ["42", "7"])
    assert [d["correct"] for d in result["details"]] == [True, False]
    assert result["accuracy"] == 50.0
    assert judge(evaluator, "A", "42", {}).correct
    assert "error" in evaluator.score(["A"], [])
