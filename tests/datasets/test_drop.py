"""DropOpenAIDataset on hand-made lines of ``drop_simple_eval/dev.jsonl`` and
DropOpenAIEvaluator on literal replies: AISBench's fuzzy-match ``correct``, DROP's exact match
and F1 beside it, and the loader's errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_fixtures import write_drop

from pytest_aisbench.datasets.drop_simple_eval import (
    DropOpenAIDataset,
    DropOpenAIEvaluator,
    drop_em_f1,
    fuzzy_match,
)
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import judge
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET

LINES = [
    {"context": "Passage: P0\nQuestion: Q0\nAnswer:", "completion": "x", "ref_text": "1"},
    {"context": "Passage: P1\nQuestion: Q1\nAnswer:", "completion": "y", "ref_text": "Jacobs"},
    {"context": "Passage: P2\nQuestion: Q2\nAnswer:", "ref_text": "43|forty-three"},
]


def test_rows_in_order_in_validation(tmp_path: Path) -> None:
    splits = DropOpenAIDataset.load(str(write_drop(tmp_path, LINES)))
    assert list(splits) == ["validation"]
    assert splits["validation"] == [
        {"prompt": line["context"], "answers": line["ref_text"]} for line in LINES
    ]
    assert LOAD_DATASET.get("DropOpenAIDataset") is DropOpenAIDataset


def test_loader_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"not found: .*drop_simple_eval/dev\.jsonl"):
        DropOpenAIDataset.load(str(tmp_path / "drop_simple_eval" / "dev.jsonl"))
    file = write_drop(tmp_path, [LINES[0], "{oops"])
    with pytest.raises(DatasetError, match=r"dev\.jsonl, line 2: not valid JSON"):
        DropOpenAIDataset.load(str(file))
    write_drop(tmp_path, [{"context": "c"}])
    with pytest.raises(DatasetError, match=r"no column 'ref_text'; columns found: 'context'"):
        DropOpenAIDataset.load(str(file))


def test_evaluator_correct_exact_match_and_f1() -> None:
    evaluator = ICL_EVALUATORS.get("DropOpenAIEvaluator")()
    assert isinstance(evaluator, DropOpenAIEvaluator)
    predictions = [
        "The gap is one year.\nAnswer: 1",  # exact
        "Answer: Brandon Jacobs",  # contains the gold answer: correct, not exact, F1 2/3
        "Answer: 42 yards",  # another number: F1 0 although "yards" is shared
        "I think it is forty-three",  # no answer line: the whole reply; F1 2/6 x 2/2
    ]
    references = ["1", "Jacobs", "43 yards", "43|forty-three"]
    result = evaluator.score(predictions, references)
    details = result["details"]
    assert [d["correct"] for d in details] == [True, True, False, True]
    assert [d["exact_match"] for d in details] == [True, False, False, False]
    assert [round(d["f1"], 4) for d in details] == [1.0, 0.6667, 0.0, 0.5]
    assert result["accuracy"] == 75.0
    assert result["em_score"] == 25.0
    assert result["f1_score"] == pytest.approx(100 * (1 + 2 / 3 + 0.5) / 4)


def test_one_sample_judged_by_correct() -> None:
    evaluator = DropOpenAIEvaluator()
    assert judge(evaluator, "Answer: the Jacobs.", "Jacobs", {}).correct
    assert not judge(evaluator, "Answer: Manning", "Jacobs", {}).correct
    assert evaluator.score(["a"], []) == {"error": "preds and refers have different length"}


def test_matching_rules() -> None:
    assert fuzzy_match("The Giants!", "giants")
    assert not fuzzy_match("", "giants")
    assert fuzzy_match("", "...")  # both empty once normalised
    assert drop_em_f1("3.0 yards", "3 yards") == (True, 1.0)  # numbers compared as floats
    assert drop_em_f1("the end-zone", "End zone") == (True, 1.0)  # hyphens split, articles go
