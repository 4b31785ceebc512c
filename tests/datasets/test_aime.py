"""Aime2024/2025/2026Dataset on hand-made lines in each year's real layout and schema: rows in
order, the columns the configs read (``question``/``problem`` and ``answer``), and the errors
of a missing file, a bad line and a missing column. Their scoring is the ``math`` family's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_aisbench.datasets.aime2024 import Aime2024Dataset
from pytest_aisbench.datasets.aime2025 import Aime2025Dataset
from pytest_aisbench.datasets.aime2026 import Aime2026Dataset
from pytest_aisbench.datasets.base import BaseDataset
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import LOAD_DATASET

YEARS: list[tuple[type[BaseDataset], str, str, str]] = [
    (Aime2024Dataset, "aime/aime.jsonl", "origin_prompt", "gold_answer"),
    (Aime2025Dataset, "aime2025/aime2025.jsonl", "question", "answer"),
    (Aime2026Dataset, "aime2026/aime2026.jsonl", "problem", "answer"),
]


def write(tmp_path: Path, relative: str, lines: list[Any]) -> Path:
    """The year's file under `tmp_path` holding `lines` (a str is written as it is)."""
    file = tmp_path / relative
    file.parent.mkdir(parents=True)
    file.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    return file


def test_2024_adds_question_and_answer(tmp_path: Path) -> None:
    lines = [{"origin_prompt": f"Problem {i}", "gold_answer": str(100 + i)} for i in range(3)]
    rows = Aime2024Dataset.load(str(write(tmp_path, "aime/aime.jsonl", lines)))
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
    file = write(tmp_path, relative, lines)
    assert cls.load(str(file)) == lines
    assert cls.load(str(file), name="ignored") == lines  # AISBench's load(path, **kwargs)


@pytest.mark.parametrize(("cls", "relative", "question", "answer"), YEARS)
def test_errors(
    tmp_path: Path, cls: type[BaseDataset], relative: str, question: str, answer: str
) -> None:
    assert LOAD_DATASET.get(cls.__name__) is cls
    with pytest.raises(DatasetError, match=f"not found: .*{relative}"):
        cls.load(str(tmp_path / relative))
    file = write(tmp_path, relative, [{question: "q", answer: "1"}, "", "[1, 2"])
    with pytest.raises(DatasetError, match=r"\.jsonl, line 3: not valid JSON"):
        cls.load(str(file))
    file.write_text(json.dumps({question: "q"}) + "\n")
    with pytest.raises(DatasetError, match=f"no column '{answer}'; columns found: '{question}'"):
        cls.load(str(file))
