"""CMMLUDataset on hand-made CSVs in CMMLU's real layout (``cmmlu/{dev,test}/<subject>.csv``
with the ``,Question,A,B,C,D,Answer`` header): rows by position and in order, and the errors of
a missing file, a ragged line and an empty file."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_fixtures import write_cmmlu

from pytest_aisbench.datasets.cmmlu import CMMLUDataset
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import LOAD_DATASET

HEADER = ",Question,A,B,C,D,Answer\n"
DEV = HEADER + "0,玉米属于哪科,禾本科,豆科,茄科,菊科,A\n"
TEST = HEADER + '0,q0,a,b,c,d,B\n1,"q1, with a comma",a,b,c,d,D\n2,q2,a,b,c,d,A\n'


def test_splits_rows_and_columns(tmp_path: Path) -> None:
    base = write_cmmlu(tmp_path, "agronomy", {"dev": DEV, "test": TEST})
    splits = CMMLUDataset.load(str(base), name="agronomy", unused="ignored")
    assert list(splits) == ["dev", "test"]
    assert splits["dev"] == [
        {
            "question": "玉米属于哪科",
            "A": "禾本科",
            "B": "豆科",
            "C": "茄科",
            "D": "菊科",
            "answer": "A",
        }
    ]
    assert [(r["question"], r["answer"]) for r in splits["test"]] == [
        ("q0", "B"),
        ("q1, with a comma", "D"),
        ("q2", "A"),
    ]
    assert LOAD_DATASET.get("CMMLUDataset") is CMMLUDataset


def test_missing_file_names_path(tmp_path: Path) -> None:
    base = write_cmmlu(tmp_path, "agronomy", {"dev": DEV})
    with pytest.raises(DatasetError, match=r"not found: .*cmmlu/test/agronomy\.csv"):
        CMMLUDataset.load(str(base), name="agronomy")


def test_ragged_line_names_file_and_line(tmp_path: Path) -> None:
    base = write_cmmlu(tmp_path, "agronomy", {"dev": DEV, "test": TEST + "3,q3,a,b,c,d,A,extra\n"})
    with pytest.raises(DatasetError, match=r"test/agronomy\.csv, line 5: 8 cells, expected 7"):
        CMMLUDataset.load(str(base), name="agronomy")


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    base = write_cmmlu(tmp_path, "agronomy", {"dev": ""})
    with pytest.raises(DatasetError, match=r"dev/agronomy\.csv: empty file"):
        CMMLUDataset.load(str(base), name="agronomy")


def test_multi_line_question_keeps_its_newline(tmp_path: Path) -> None:
    base = write_cmmlu(tmp_path, "agronomy", {"dev": DEV, "test": HEADER + '0,"a\nb",a,b,c,d,A\n'})
    assert CMMLUDataset.load(str(base), name="agronomy")["test"][0]["question"] == "a\nb"
