"""Social IQa: ``siqa/{train,dev}.jsonl`` with ``-labels.lst`` (1 to 3), and the two answer
forms the configs read (``all_labels`` for EDAccEvaluator, ``label`` for the ppl config)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dataset_fixtures import siqa_row, write_siqa

from pytest_aisbench.datasets.siqa import siqaDataset_V2
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import LOAD_DATASET

DEV = [siqa_row(1), siqa_row(2)]
TRAIN = [siqa_row(0)]


def test_splits_rows_and_labels(tmp_path: Path) -> None:
    splits = siqaDataset_V2.load(str(write_siqa(tmp_path, DEV, TRAIN, "3\n1\n")))
    assert list(splits) == ["train", "validation"]
    first, second = splits["validation"]
    assert first == siqa_row(1) | {
        "all_labels": {
            "candidates": [["A. a1", "A", "a1"], ["B. b1", "B", "b1"], ["C. c1", "C", "c1"]],
            "label": 2,
        },
        "label": "C",
    }
    assert (second["label"], second["all_labels"]["label"]) == ("A", 0)
    assert splits["train"][0]["label"] == "B"


def test_registered_under_aisbench_names() -> None:
    assert siqaDataset_V2 in LOAD_DATASET.classes("siqaDataset_V2")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    folder = write_siqa(tmp_path, DEV, TRAIN, "3\n1\n")
    (folder / "train.jsonl").unlink()
    with pytest.raises(DatasetError, match=r"not found: .*siqa/train\.jsonl"):
        siqaDataset_V2.load(str(folder))


def test_malformed_lines(tmp_path: Path) -> None:
    # AISBench indexed " ABC" with the label, so 0 read as a blank and -1 as C
    with pytest.raises(DatasetError, match=r"dev-labels\.lst, line 2: label '0' is not 1, 2 or 3"):
        siqaDataset_V2.load(str(write_siqa(tmp_path, DEV, TRAIN, "1\n0\n")))
    with pytest.raises(DatasetError, match=r"dev-labels\.lst has 3 labels for the 2 rows"):
        siqaDataset_V2.load(str(write_siqa(tmp_path / "b", DEV, TRAIN, "1\n2\n3\n")))
    folder = write_siqa(tmp_path / "c", DEV, TRAIN, "3\n1\n")
    (folder / "dev.jsonl").write_text(json.dumps(siqa_row(1)) + "\nnot json\n")
    with pytest.raises(DatasetError, match=r"dev\.jsonl, line 2: not valid JSON"):
        siqaDataset_V2.load(str(folder))


def test_missing_column_names_it_and_the_columns_found(tmp_path: Path) -> None:
    folder = write_siqa(tmp_path, DEV, TRAIN, "3\n1\n")
    (folder / "dev.jsonl").write_text('{"context": "c", "question": "q", "answerA": "a"}\n' * 2)
    with pytest.raises(
        DatasetError, match=r"no column 'answerB', 'answerC'; columns found: 'context'"
    ):
        siqaDataset_V2.load(str(folder))
