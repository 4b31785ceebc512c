"""MMLU: ``mmlu/{dev,test}/<subject>_{dev,test}.csv``, headerless as MMLU ships them."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_fixtures import write_mmlu

from pytest_aisbench.datasets.mmlu import MMLUDataset
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import LOAD_DATASET

TEST = (
    "What is the smallest bone?,Stapes,Femur,Tibia,Ulna,A\n"
    '"Which, of these, is a muscle?",Biceps,Radius,Skull,Aorta,A\n'
    "Where is the liver?,Head,Leg,Abdomen,Arm,C\n"
)
DEV = "Shot question?,w,x,y,z,D\n"


def texts(test: str = TEST) -> dict[str, str]:
    """The anatomy CSVs per split (val is written, and never read)."""
    return {"dev": DEV, "test": test, "val": "ignored,row\n"}


def test_dev_and_test_rows_in_order(tmp_path: Path) -> None:
    splits = MMLUDataset.load(str(write_mmlu(tmp_path, "anatomy", texts())), name="anatomy")
    assert list(splits) == ["dev", "test"]  # val is not read (the configs never ask for it)
    assert splits["dev"] == [
        {"input": "Shot question?", "A": "w", "B": "x", "C": "y", "D": "z", "target": "D"}
    ]
    assert [r["input"] for r in splits["test"]] == [
        "What is the smallest bone?",
        "Which, of these, is a muscle?",
        "Where is the liver?",
    ]
    assert [r["target"] for r in splits["test"]] == ["A", "A", "C"]


def test_registered_under_aisbench_names() -> None:
    assert MMLUDataset in LOAD_DATASET.classes("MMLUDataset")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    write_mmlu(tmp_path, "anatomy", texts())
    with pytest.raises(DatasetError, match=r"not found: .*mmlu/dev/virology_dev\.csv"):
        MMLUDataset.load(str(tmp_path / "mmlu"), name="virology")


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    folder = write_mmlu(tmp_path, "anatomy", texts(TEST + "Too few,a,b,c,D\n"))
    with pytest.raises(DatasetError, match=r"anatomy_test\.csv, line 4: 5 cells, expected 6"):
        MMLUDataset.load(str(folder), name="anatomy")
