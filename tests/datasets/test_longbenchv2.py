"""LongBench v2: ``LongBench-v2/data.json`` (a JSON array), the train/test splits AISBench makes
of it, and the evaluator's accuracies per difficulty and length."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dataset_fixtures import longbench_item, write_longbenchv2

from pytest_aisbench.datasets.longbenchv2 import COLUMNS, LongBenchv2Dataset, LongBenchv2Evaluator
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import judge
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET

ITEMS = [
    longbench_item(1, "B", "easy", "short"),
    longbench_item(2, "D", "hard", "long"),
    longbench_item(3, "A", "hard", "short"),
]


def test_train_is_whole_rows_and_test_the_read_columns(tmp_path: Path) -> None:
    splits = LongBenchv2Dataset.load(str(write_longbenchv2(tmp_path, ITEMS)))
    assert splits["train"] == ITEMS
    assert [r["question"] for r in splits["test"]] == ["Q1?", "Q2?", "Q3?"]
    assert set(splits["test"][0]) == set(COLUMNS)  # the config's input columns and answer
    assert splits["test"][1]["answer"] == "D"


def test_json_lines_are_read_too(tmp_path: Path) -> None:
    file = tmp_path / "data.jsonl"
    file.write_text("".join(json.dumps(i) + "\n" for i in ITEMS), encoding="utf-8")
    assert LongBenchv2Dataset.load(str(file))["train"] == ITEMS


def test_evaluator_per_difficulty_and_length() -> None:
    rows = [{"difficulty": i["difficulty"], "length": i["length"]} for i in ITEMS]
    result = LongBenchv2Evaluator().score(["B", "A", "A"], ["B", "D", "A"], rows)
    assert [d["correct"] for d in result["details"]] == [True, False, True]
    assert result["accuracy"] == pytest.approx(200 / 3)
    assert result["accuracy_easy"] == 100.0
    assert result["accuracy_hard"] == 50.0
    assert result["accuracy_short"] == 100.0
    assert result["accuracy_long"] == 0.0
    assert "accuracy_medium" not in result
    with pytest.raises(ValueError, match="test set"):
        LongBenchv2Evaluator().score(["A"], ["A"], [])


def test_one_sample_is_judged_with_its_row() -> None:
    row = {"difficulty": "hard", "length": "long"}  # the evaluator reads the sample's row
    assert judge(LongBenchv2Evaluator(), "C", "C", row).correct is True
    assert judge(LongBenchv2Evaluator(), "B", "C", row).correct is False


def test_registered_under_aisbench_names() -> None:
    assert LongBenchv2Dataset in LOAD_DATASET.classes("LongBenchv2Dataset")
    assert LongBenchv2Evaluator in ICL_EVALUATORS.classes("LongBenchv2Evaluator")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"not found: .*LongBench-v2/data\.json"):
        LongBenchv2Dataset.load(str(tmp_path / "LongBench-v2" / "data.json"))


def test_malformed_file_and_missing_column(tmp_path: Path) -> None:
    file = write_longbenchv2(tmp_path, ITEMS)
    file.write_text('[{"question": "q"},', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"data\.json: not valid JSON \(.*line 1"):
        LongBenchv2Dataset.load(str(file))
    file.write_text('{"question": "q"}', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"data\.json: expected a JSON array of objects"):
        LongBenchv2Dataset.load(str(file))
    file.write_text(json.dumps([{k: v for k, v in ITEMS[0].items() if k != "length"}]))
    with pytest.raises(DatasetError, match=r"no column 'length'; columns found: '_id', 'domain'"):
        LongBenchv2Dataset.load(str(file))
