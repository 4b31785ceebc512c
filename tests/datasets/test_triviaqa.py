"""TriviaQA: ``triviaqa/trivia-{dev,test}.qa.csv`` (tab-separated, no header, the answers a
Python list literal), the JSON-lines variants, and the alias-in-answer evaluator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dataset_fixtures import write_triviaqa

from pytest_aisbench.datasets.triviaqa import (
    TriviaQADataset,
    TriviaQADatasetV2,
    TriviaQADatasetV3,
    TriviaQAEvaluator,
    normalize_prediction,
)
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET

DEV = (
    "Who wrote Babbitt?\t['Sinclair Lewis', 'Harry Sinclair Lewis']\n"
    "Which planet is red?\t['Mars', \"The Red Planet\"]\n"
)
TEST = "What is H2O?\t['Water', 'H2O']\n"


def test_dev_has_alias_lists_and_test_the_first_alias(tmp_path: Path) -> None:
    splits = TriviaQADataset.load(str(write_triviaqa(tmp_path, DEV, TEST)))
    assert splits == {
        "dev": [
            {
                "question": "Who wrote Babbitt?",
                "answer": ["Sinclair Lewis", "Harry Sinclair Lewis"],
            },
            {"question": "Which planet is red?", "answer": ["Mars", "The Red Planet"]},
        ],
        # the 5-shot config's shots: "The answer is {answer}." with one alias
        "test": [{"question": "What is H2O?", "answer": "Water"}],
    }


def test_jsonl_variants(tmp_path: Path) -> None:
    for split in ("validation", "train"):
        (tmp_path / f"triviaqa-{split}.jsonl").write_text(json.dumps({"q": split}) + "\n")
    assert TriviaQADatasetV2.load(str(tmp_path)) == {
        "validation": [{"q": "validation"}],
        "train": [{"q": "train"}],
    }
    assert TriviaQADatasetV3.load(str(tmp_path / "triviaqa-train.jsonl")) == [{"q": "train"}]


def test_evaluator_right_when_an_alias_is_in_the_answer() -> None:
    predictions = [
        "The answer is Harry Sinclair Lewis.\nMore text",
        "A: It is Mars, surely",
        "Venus",
        "answer: the red planet",
    ]
    references = [["Sinclair Lewis"], ["Mars"], ["Mars"], ["The Red Planet"]]
    result = TriviaQAEvaluator().score(predictions, references)
    assert [d["correct"] for d in result["details"]] == [True, True, False, True]
    assert result["score"] == 75.0
    assert normalize_prediction("Q: x\nThe answer is: The Beatles!") == "q x"
    assert "error" in TriviaQAEvaluator().score(["a"], [])


def test_registered_under_aisbench_names() -> None:
    for cls in (TriviaQADataset, TriviaQADatasetV2, TriviaQADatasetV3):
        assert cls in LOAD_DATASET.classes(cls.__name__)
    assert TriviaQAEvaluator in ICL_EVALUATORS.classes("TriviaQAEvaluator")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"not found: .*triviaqa/trivia-dev\.qa\.csv"):
        TriviaQADataset.load(str(tmp_path / "triviaqa"))


def test_malformed_lines_name_file_and_line(tmp_path: Path) -> None:
    folder = write_triviaqa(tmp_path, DEV + "No answers here\n", TEST)
    with pytest.raises(DatasetError, match=r"trivia-dev\.qa\.csv, line 3: 1 cells, expected 2"):
        TriviaQADataset.load(str(folder))
    # the answers are read as a literal, never evaluated (AISBench eval()s them)
    (folder / "trivia-dev.qa.csv").write_text(DEV + "Q?\t__import__('os').getcwd()\n")
    with pytest.raises(DatasetError, match=r"trivia-dev\.qa\.csv, line 3: the answers are not"):
        TriviaQADataset.load(str(folder))
