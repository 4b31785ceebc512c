"""BoolQDatasetV2/V3 on hand-made lines of ``SuperGLUE/BoolQ/val.jsonl``: labels to letters,
row order, the columns the configs read, and the errors of a missing file and bad lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dataset_fixtures import write_boolq

from pytest_aisbench.datasets.boolq import BoolQDatasetV2, BoolQDatasetV3
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import LOAD_DATASET

LINES: list[dict[str, Any]] = [
    {"question": "is water wet", "passage": "Water -- Water is wet.", "idx": 0, "label": "true"},
    {"question": "is fire cold", "passage": "Fire -- Fire is hot.", "idx": 1, "label": "false"},
    {"question": "is ice solid", "passage": "Ice -- Ice is solid.", "idx": 2, "label": True},
]


def test_v2_rows_in_order_with_letter_labels(tmp_path: Path) -> None:
    rows = BoolQDatasetV2.load(str(write_boolq(tmp_path, LINES)))
    assert [r["idx"] for r in rows] == [0, 1, 2]
    assert [r["label"] for r in rows] == ["A", "B", "A"]  # a JSON true reads as "true"
    assert rows[0]["question"] == "is water wet"
    assert rows[0]["passage"] == "Water -- Water is wet."  # V2 keeps the title
    assert LOAD_DATASET.get("BoolQDatasetV2") is BoolQDatasetV2


def test_v3_strips_title_and_capitalises(tmp_path: Path) -> None:
    rows = BoolQDatasetV3.load(str(write_boolq(tmp_path, LINES[:2])))
    assert [(r["question"], r["passage"], r["label"]) for r in rows] == [
        ("Is water wet", "Water is wet.", "true"),
        ("Is fire cold", "Fire is hot.", "false"),
    ]


def test_missing_file_names_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"not found: .*SuperGLUE/BoolQ/val\.jsonl"):
        BoolQDatasetV2.load(str(tmp_path / "SuperGLUE" / "BoolQ" / "val.jsonl"))


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    file = write_boolq(tmp_path, [LINES[0], '{"question": "x",'])
    with pytest.raises(DatasetError, match=r"val\.jsonl, line 2: not valid JSON"):
        BoolQDatasetV2.load(str(file))


def test_unknown_label_names_line(tmp_path: Path) -> None:
    file = write_boolq(tmp_path, [LINES[0], "", {**LINES[1], "label": "maybe"}])
    with pytest.raises(DatasetError, match=r"val\.jsonl, line 3: label 'maybe' is neither"):
        BoolQDatasetV2.load(str(file))


def test_missing_column_names_columns_found(tmp_path: Path) -> None:
    file = write_boolq(tmp_path, [{"question": "q", "label": "true"}])
    found = r"no column 'passage'; columns found: 'question', 'label'"
    with pytest.raises(DatasetError, match=found):
        BoolQDatasetV2.load(str(file))
