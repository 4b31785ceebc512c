"""LAMBADA: ``lambada/test.jsonl`` as the one split, and the last-word evaluator."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_fixtures import write_lambada

from pytest_aisbench.datasets.lambada import LambadaEvaluator, first_word, lambadaDataset
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET

ROWS = [
    {"prompt": "He opened the door and saw his", "label": "dog"},
    {"prompt": "The capital of France is", "label": "Paris"},
]


def test_test_split_in_file_order(tmp_path: Path) -> None:
    splits = lambadaDataset.load(str(write_lambada(tmp_path, ROWS)))
    assert splits == {"test": ROWS}  # prompt is the input column, label the output


def test_evaluator_scores_the_first_word_normalised() -> None:
    result = LambadaEvaluator().score(
        [" dog, wagging", "The Paris.", "cat", "paris!"], ["dog", "Paris", "dog", "Paris"]
    )
    # "The" is the first word of the second answer: it is not "Paris"
    assert [d["correct"] for d in result["details"]] == [True, False, False, False]
    assert result["accuracy"] == 25.0
    assert first_word("  it's late") == "it"
    # articles and punctuation go, case stays (as AISBench's general_postprocess)
    assert LambadaEvaluator().score(["dog."], ["the dog"])["details"][0]["correct"] is True
    assert LambadaEvaluator().score(["Dog"], ["dog"])["details"][0]["correct"] is False
    assert "error" in LambadaEvaluator().score(["a"], [])


def test_registered_under_aisbench_names() -> None:
    assert lambadaDataset in LOAD_DATASET.classes("lambadaDataset")
    assert LambadaEvaluator in ICL_EVALUATORS.classes("LambadaEvaluator")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"not found: .*lambada/test\.jsonl"):
        lambadaDataset.load(str(tmp_path / "lambada"))


def test_malformed_line_and_missing_column(tmp_path: Path) -> None:
    folder = write_lambada(tmp_path, [*ROWS, "[1, 2]"])
    with pytest.raises(DatasetError, match=r"test\.jsonl, line 3: expected a JSON object"):
        lambadaDataset.load(str(folder))
    (folder / "test.jsonl").write_text('{"prompt": "x", "text": "y"}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"no column 'label'; columns found: 'prompt', 'text'"):
        lambadaDataset.load(str(folder))
