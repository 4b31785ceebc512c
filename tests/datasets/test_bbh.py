"""BBHDataset on hand-made task files in BBH's real layout (``BBH/data/<task>.json``), the two
postprocessors and the two evaluators on literal replies, and the loader's errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_fixtures import write_bbh

from pytest_aisbench.datasets.bbh import (
    BBHDataset,
    BBHEvaluator,
    BBHEvaluator_mcq,
    bbh_freeform_postprocess,
    bbh_mcq_postprocess,
)
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import judge
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS

EXAMPLES = [
    {
        "input": "Today is 9/7. What is the date tomorrow?\nOptions:\n(A) 9/8\n(B) 9/9",
        "target": "(A)",
    },
    {"input": "Yesterday was 1/1. What is today?\nOptions:\n(A) 1/3\n(B) 1/2", "target": "(B)"},
    {"input": "Which is first?\nOptions:\n(A) x\n(B) y", "target": "(A)"},
]


def test_examples_in_order(tmp_path: Path) -> None:
    folder = write_bbh(tmp_path, "date_understanding", {"canary": "c", "examples": EXAMPLES})
    rows = BBHDataset.load(str(folder), name="date_understanding")
    assert rows == EXAMPLES
    assert [bbh_mcq_postprocess(r["target"]) for r in rows] == ["A", "B", "A"]
    assert LOAD_DATASET.get("BBHDataset") is BBHDataset


@pytest.mark.parametrize(
    ("reply", "letter"),
    [
        ("Step by step... So the answer is (B).", "B"),
        ("So the answer is B because (C) is wrong.", "C"),  # a (X) wins over a bare capital
        ("(D) looks right", "D"),  # no "answer is": the first (X) of the whole text
        ("the answer is no idea", "no idea"),  # no capital: the text after the mark
    ],
)
def test_mcq_postprocess(reply: str, letter: str) -> None:
    assert bbh_mcq_postprocess(reply) == letter
    assert TEXT_POSTPROCESSORS.get("bbh-mcq") is bbh_mcq_postprocess


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        ("Let's think. So the answer is True.", "True"),
        ("So the answer is **valid**.\nMore text", "valid"),
        ("So the answer is 24.\n", "24"),
        ("no mark at all", "no mark at all"),
    ],
)
def test_freeform_postprocess(reply: str, answer: str) -> None:
    assert bbh_freeform_postprocess(reply) == answer
    assert TEXT_POSTPROCESSORS.get("bbh-freeform") is bbh_freeform_postprocess


def test_freeform_evaluator_cuts_the_reply() -> None:
    evaluator = ICL_EVALUATORS.get("BBHEvaluator")()
    assert isinstance(evaluator, BBHEvaluator)
    result = evaluator.score(["So the answer is True.", "So the answer is False."], ["True"] * 2)
    assert [d["correct"] for d in result["details"]] == [True, False]
    assert result["details"][0]["pred"] == "True"
    assert result["score"] == 50.0
    assert judge(evaluator, "So the answer is 8.", "8", {}).correct
    assert "error" in evaluator.score(["x"], [])


def test_mcq_evaluator_compares_letters() -> None:
    evaluator = ICL_EVALUATORS.get("BBHEvaluator_mcq")()
    assert isinstance(evaluator, BBHEvaluator_mcq)
    result = evaluator.score(["A", "C"], ["A", "B"])
    assert [d["correct"] for d in result["details"]] == [True, False]
    assert result["score"] == 50.0


def test_missing_file_names_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"not found: .*BBH/data/snarks\.json"):
        BBHDataset.load(str(tmp_path / "BBH" / "data"), name="snarks")


def test_malformed_file_and_examples(tmp_path: Path) -> None:
    folder = write_bbh(tmp_path, "snarks", '{"examples": [')
    with pytest.raises(DatasetError, match=r"snarks\.json: not valid JSON"):
        BBHDataset.load(str(folder), name="snarks")
    write_bbh(tmp_path, "snarks", {"canary": "c"})
    with pytest.raises(DatasetError, match=r"snarks\.json: expected an object with a list"):
        BBHDataset.load(str(folder), name="snarks")
    write_bbh(tmp_path, "snarks", {"examples": [EXAMPLES[0], {"input": "q"}]})
    with pytest.raises(DatasetError, match=r"row 1 has no column 'target'; columns found: 'input'"):
        BBHDataset.load(str(folder), name="snarks")
