"""RACE: ``race/{validation,test}/{high,middle}.jsonl`` with four options a question."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_aisbench.datasets.race import RaceDataset
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import LOAD_DATASET


def line(n: int, answer: str, options: list[str] | None = None) -> str:
    row = {
        "article": f"Article {n}.",
        "question": f"Question {n}?",
        "options": options or [f"a{n}", f"b{n}", f"c{n}", f"d{n}"],
        "answer": answer,
        "id": f"high{n}.txt",
    }
    return json.dumps(row) + "\n"


def write(folder: Path, test: str | None = None) -> Path:
    for split, text in (
        ("validation", line(0, "D")),
        ("test", test or line(1, "B") + line(2, "A")),
    ):
        (folder / "race" / split).mkdir(parents=True)
        (folder / "race" / split / "high.jsonl").write_text(text, encoding="utf-8")
    return folder / "race"


def test_validation_and_test_rows_in_order(tmp_path: Path) -> None:
    splits = RaceDataset.load(str(write(tmp_path)), name="high")
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
    folder = write(tmp_path)
    with pytest.raises(DatasetError, match=r"not found: .*race/validation/middle\.jsonl"):
        RaceDataset.load(str(folder), name="middle")


def test_malformed_lines_name_file_and_line(tmp_path: Path) -> None:
    folder = write(tmp_path, test=line(1, "B") + line(2, "A", options=["x", "y"]))
    with pytest.raises(
        DatasetError, match=r"test/high\.jsonl, line 2: 'options' must be a list of 4"
    ):
        RaceDataset.load(str(folder), name="high")
    (folder / "test" / "high.jsonl").write_text('{"article": "a", "question": "q"}\n')
    with pytest.raises(
        DatasetError, match=r"no column 'options', 'answer'; columns found: 'article'"
    ):
        RaceDataset.load(str(folder), name="high")
