"""ARCDataset on hand-made lines in ARC's real layout and schema: both splits, the four-choice
filter, digit labels, and the errors of a missing file, a bad line and a bad answer key."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_fixtures import arc_item, write_arc

from pytest_aisbench.datasets.arc import ARCDataset
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import LOAD_DATASET

COLUMNS = ["question", "answerKey", "textA", "textB", "textC", "textD"]
"""What the configs' reader_cfg reads: the input columns and output_column answerKey."""


@pytest.fixture
def arc_c(tmp_path: Path) -> Path:
    """``ARC/ARC-c`` with two dev and four test lines, one of them with three choices."""
    folder = tmp_path / "ARC" / "ARC-c"
    write_arc(
        folder, "ARC-Challenge", "Dev", [arc_item("d0", "ABCD", "B"), arc_item("d1", "ABCD", "D")]
    )
    test = [
        arc_item("t0", "ABCD", "C"),
        arc_item("t1", "ABC", "A"),  # three choices: dropped, as AISBench does
        arc_item("t2", ["1", "2", "3", "4"], "4"),
        arc_item("t3", "ABCD", "A"),
    ]
    write_arc(folder, "ARC-Challenge", "Test", test)
    return folder


def test_splits_rows_order_and_columns(arc_c: Path) -> None:
    splits = ARCDataset.load(str(arc_c), name="ARC-Challenge")
    assert list(splits) == ["Dev", "Test"]
    assert [r["question"] for r in splits["Dev"]] == ["d0", "d1"]
    test = splits["Test"]
    assert [r["question"] for r in test] == ["t0", "t2", "t3"]
    assert [r["answerKey"] for r in test] == ["C", "D", "A"]
    assert all(list(r) == COLUMNS for r in test)
    assert test[1]["textD"] == "t2 option 4"
    assert LOAD_DATASET.get("ARCDataset") is ARCDataset


def test_easy_set_by_name(tmp_path: Path) -> None:
    folder = tmp_path / "ARC" / "ARC-e"
    write_arc(folder, "ARC-Easy", "Dev", [])
    write_arc(folder, "ARC-Easy", "Test", [arc_item("e0", "ABCD", "B")])
    assert ARCDataset.load(str(folder), name="ARC-Easy") == {
        "Dev": [],
        "Test": [
            {"question": "e0", "answerKey": "B"} | {f"text{x}": f"e0 option {x}" for x in "ABCD"}
        ],
    }


def test_missing_file_names_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"not found: .*ARC-c/ARC-Challenge-Dev\.jsonl"):
        ARCDataset.load(str(tmp_path / "ARC" / "ARC-c"), name="ARC-Challenge")


def test_malformed_line_names_file_and_line(arc_c: Path) -> None:
    write_arc(arc_c, "ARC-Challenge", "Test", [arc_item("t0", "ABCD", "C"), "", "{not json"])
    with pytest.raises(DatasetError, match=r"ARC-Challenge-Test\.jsonl, line 3: not valid JSON"):
        ARCDataset.load(str(arc_c), name="ARC-Challenge")


def test_answer_key_outside_labels_names_line(arc_c: Path) -> None:
    write_arc(arc_c, "ARC-Challenge", "Test", ["", arc_item("t0", "ABCD", "E")])
    with pytest.raises(DatasetError, match=r"Test\.jsonl, line 2: answerKey 'E' is none of"):
        ARCDataset.load(str(arc_c), name="ARC-Challenge")


def test_missing_column_names_columns_found(arc_c: Path) -> None:
    write_arc(arc_c, "ARC-Challenge", "Test", [{"id": "x", "question": {"stem": "s"}}])
    found = r"no column 'answerKey'; columns found: 'id', 'question'"
    with pytest.raises(DatasetError, match=found):
        ARCDataset.load(str(arc_c), name="ARC-Challenge")
