"""PIQA: ``physicaliqa-train-dev/{train,dev}.jsonl`` with their ``-labels.lst`` files, and the
three loaders' label forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dataset_fixtures import write_piqa

from pytest_aisbench.datasets.piqa import PIQADataset, PIQADatasetV2, PIQADatasetV3
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import LOAD_DATASET

DEV = [
    {"id": "d1", "goal": "how to open a jar?", "sol1": "twist the lid", "sol2": "Bite it"},
    {"id": "d2", "goal": "Dry wet shoes", "sol1": "Use newspaper", "sol2": "freeze them"},
]
TRAIN = [{"id": "t1", "goal": "boil water.", "sol1": "heat it", "sol2": "cool it"}]


def test_v2_gen_splits_rows_and_letters(tmp_path: Path) -> None:
    splits = PIQADatasetV2.load(str(write_piqa(tmp_path, DEV, TRAIN, "0\n1\n")))
    assert list(splits) == ["train", "validation"]
    assert splits["validation"] == [
        {"goal": "how to open a jar?", "sol1": "twist the lid", "sol2": "Bite it", "answer": "A"},
        {"goal": "Dry wet shoes", "sol1": "Use newspaper", "sol2": "freeze them", "answer": "B"},
    ]
    assert [r["answer"] for r in splits["train"]] == ["A"]


def test_v2_unlabelled_rows_read_null(tmp_path: Path) -> None:
    splits = PIQADatasetV2.load(str(write_piqa(tmp_path, DEV, TRAIN, "-1\n1\n")))
    assert [r["answer"] for r in splits["validation"]] == ["NULL", "B"]


def test_v1_ppl_keeps_int_labels(tmp_path: Path) -> None:
    splits = PIQADataset.load(str(write_piqa(tmp_path, DEV, TRAIN, "0\n1\n")))
    assert [r["label"] for r in splits["validation"]] == [0, 1]
    assert "id" not in splits["validation"][0]


def test_v3_recases_goal_and_solutions(tmp_path: Path) -> None:
    splits = PIQADatasetV3.load(str(write_piqa(tmp_path, DEV, TRAIN, "0\n1\n")))
    first, second = splits["validation"]
    # a question goal: solutions capitalised; a goal without final punctuation: lower-cased
    assert (first["goal"], first["sol1"], first["sol2"]) == (
        "How to open a jar?",
        "Twist the lid",
        "Bite it",
    )
    assert (second["sol1"], second["sol2"]) == ("use newspaper", "freeze them")


def test_registered_under_aisbench_names() -> None:
    for cls in (PIQADataset, PIQADatasetV2, PIQADatasetV3):
        assert cls in LOAD_DATASET.classes(cls.__name__)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    folder = write_piqa(tmp_path, DEV, TRAIN, "0\n1\n")
    (folder / "dev-labels.lst").unlink()
    with pytest.raises(DatasetError, match=r"not found: .*physicaliqa-train-dev/dev-labels\.lst"):
        PIQADatasetV2.load(str(folder))


def test_malformed_label_lines(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"dev-labels\.lst, line 2: label 'x' is not an integer"):
        PIQADatasetV2.load(str(write_piqa(tmp_path, DEV, TRAIN, "0\nx\n")))
    with pytest.raises(DatasetError, match=r"dev-labels\.lst, line 1: label 2 is not one of"):
        PIQADatasetV2.load(str(write_piqa(tmp_path / "b", DEV, TRAIN, "2\n1\n")))
    with pytest.raises(DatasetError, match=r"dev-labels\.lst has 1 labels for the 2 rows"):
        PIQADataset.load(str(write_piqa(tmp_path / "c", DEV, TRAIN, "1\n")))


def test_malformed_data_line_and_missing_column(tmp_path: Path) -> None:
    folder = write_piqa(tmp_path, DEV, TRAIN, "0\n1\n")
    (folder / "dev.jsonl").write_text(json.dumps(DEV[0]) + "\n{oops\n")
    with pytest.raises(DatasetError, match=r"dev\.jsonl, line 2: not valid JSON"):
        PIQADatasetV2.load(str(folder))
    (folder / "dev.jsonl").write_text('{"id": 1, "goal": "g", "sol1": "a"}\n{"id": 2}\n')
    with pytest.raises(
        DatasetError, match=r"no column 'sol2'; columns found: 'id', 'goal', 'sol1'"
    ):
        PIQADatasetV2.load(str(folder))
