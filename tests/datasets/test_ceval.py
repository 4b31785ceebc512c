"""CEvalDataset on hand-made CSVs in C-Eval's real layout (``formal_ceval/{dev,val,test}``):
splits, row order, the defaults for missing columns, and the errors of a missing file, a
ragged line and a missing column."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_fixtures import write_ceval

from pytest_aisbench.datasets.ceval import CEvalDataset
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import LOAD_DATASET

DEV = 'id,question,A,B,C,D,answer,explanation\n0,"1+1=?",1,2,3,4,B,"1+1=2, so B"\n'
VAL = "id,question,A,B,C,D,answer\n0,首都是哪里,北京,上海,广州,深圳,A\n1,2*3=?,5,6,7,8,B\n"
TEST = "id,question,A,B,C,D\n0,q0,a,b,c,d\n1,q1,a,b,c,d\n2,q2,a,b,c,d\n"


def test_splits_rows_and_columns(tmp_path: Path) -> None:
    base = write_ceval(tmp_path, "logic", {"dev": DEV, "val": VAL, "test": TEST})
    splits = CEvalDataset.load(str(base), name="logic")
    assert list(splits) == ["dev", "val", "test"]
    assert splits["dev"] == [
        {"id": "0", "question": "1+1=?", "A": "1", "B": "2", "C": "3", "D": "4"}
        | {"answer": "B", "explanation": "1+1=2, so B"}
    ]
    val = splits["val"]
    assert [(r["question"], r["answer"], r["explanation"]) for r in val] == [
        ("首都是哪里", "A", ""),
        ("2*3=?", "B", ""),
    ]
    assert [r["question"] for r in splits["test"]] == ["q0", "q1", "q2"]
    assert all(r["answer"] == "" for r in splits["test"])  # test has no answers
    assert LOAD_DATASET.get("CEvalDataset") is CEvalDataset


def test_missing_split_file_names_path(tmp_path: Path) -> None:
    base = write_ceval(tmp_path, "logic", {"dev": DEV, "val": VAL})
    with pytest.raises(DatasetError, match=r"not found: .*formal_ceval/test/logic_test\.csv"):
        CEvalDataset.load(str(base), name="logic")


def test_ragged_line_names_file_and_line(tmp_path: Path) -> None:
    base = write_ceval(tmp_path, "logic", {"dev": DEV, "val": VAL + "2,q,a,b\n", "test": TEST})
    with pytest.raises(DatasetError, match=r"logic_val\.csv, line 4: 4 cells, expected 7"):
        CEvalDataset.load(str(base), name="logic")


def test_missing_column_names_columns_found(tmp_path: Path) -> None:
    base = write_ceval(tmp_path, "logic", {"dev": "id,question,A,B,C\n0,q,a,b,c\n"})
    with pytest.raises(DatasetError, match=r"no column 'D'; columns found: 'id', 'question'"):
        CEvalDataset.load(str(base), name="logic")


def test_multi_line_question_keeps_its_newline(tmp_path: Path) -> None:
    val = 'id,question,A,B,C,D,answer\n0,"def f():\n    return 1",a,b,c,d,A\n'
    base = write_ceval(tmp_path, "logic", {"dev": DEV, "val": val, "test": TEST})
    assert CEvalDataset.load(str(base), name="logic")["val"][0]["question"] == (
        "def f():\n    return 1"
    )
