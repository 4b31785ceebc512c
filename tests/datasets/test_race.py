"""RACE: ``race/{validation,test}/{high,middle}.jsonl`` with four options a question."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_fixtures import race_line, write_race

from pytest_aisbench.datasets.race import RaceDataset
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import LOAD_DATASET


def texts(test: str | None = None) -> dict[str, str]:
    """One validation line and the test lines (two by default)."""
    return {"validation": race_line(0, "D"), "test": test or race_line(1, "B") + race_line(2, "A")}


def test_validation_and_test_rows_in_order(tmp_path: Path) -> None:
    splits = RaceDataset.load(str(write_race(tmp_path, texts())), name="high")
    assert list(splits) == ["validation", "test"]
    assert splits["test"][0] == {
        "article": "Article 1.",
        "question": "Question 1?",
        "A": "a1",
        "B": "b1",
        "C": "c1",
        "D": "d1",
        "answer": "B",
    }
    assert [r["answer"] for r in splits["test"]] == ["B", "A"]
    assert [r["question"] for r in splits["validation"]] == ["Question 0?"]


def test_registered_under_aisbench_names() -> None:
    assert RaceDataset in LOAD_DATASET.classes("RaceDataset")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    folder = write_race(tmp_path, texts())
    with pytest.raises(DatasetError, match=r"not found: .*race/validation/middle\.jsonl"):
        RaceDataset.load(str(folder), name="middle")


def test_malformed_lines_name_file_and_line(tmp_path: Path) -> None:
    folder = write_race(tmp_path, texts(race_line(1, "B") + race_line(2, "A", options=["x", "y"])))
    with pytest.raises(
        DatasetError, match=r"test/high\.jsonl, line 2: 'options' must be a list of 4"
    ):
        RaceDataset.load(str(folder), name="high")
    (folder / "test" / "high.jsonl").write_text('{"article": "a", "question": "q"}\n')
    with pytest.raises(
        DatasetError, match=r"no column 'options', 'answer'; columns found: 'article'"
    ):
        RaceDataset.load(str(folder), name="high")
