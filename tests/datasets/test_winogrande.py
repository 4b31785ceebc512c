"""WinoGrande: ``winogrande/dev.jsonl`` (and ``train_xs.jsonl`` for the 5-shot config), the
sentence split at its blank and the three answer forms."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_fixtures import winogrande_line, write_winogrande

from pytest_aisbench.datasets.winogrande import (
    WinograndeDataset,
    WinograndeDatasetV2,
    WinograndeDatasetV3,
)
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import LOAD_DATASET

DEV = winogrande_line("Ian loved it but _ hated it.", "2") + winogrande_line(
    "_ won because he trained.", "1"
)
TRAIN_XS = winogrande_line("The cup held _ coffee.", "")


def test_v2_rows_in_order_with_letters(tmp_path: Path) -> None:
    rows = WinograndeDatasetV2.load(str(write_winogrande(tmp_path, DEV, TRAIN_XS)))
    assert rows[0] == {
        "prompt": "Ian loved it but _ hated it.",
        "only_option1": "Ian",
        "only_option2": "Dennis",
        "opt1": "Ian loved it but Ian hated it.",
        "opt2": "Ian loved it but Dennis hated it.",
        "answer": "B",
        "cont": " hated it.",
    }
    assert [r["answer"] for r in rows] == ["B", "A"]


def test_v1_keeps_the_file_answer_and_v3_has_train_xs_and_dev(tmp_path: Path) -> None:
    folder = write_winogrande(tmp_path, DEV, TRAIN_XS)
    assert [r["answer"] for r in WinograndeDataset.load(str(folder))] == ["2", "1"]
    splits = WinograndeDatasetV3.load(str(folder))
    assert list(splits) == ["train_xs", "dev"]
    assert splits["train_xs"][0]["answer"] == "NULL"  # unlabelled
    assert [r["answer"] for r in splits["dev"]] == ["B", "A"]


def test_registered_under_aisbench_names() -> None:
    for cls in (WinograndeDataset, WinograndeDatasetV2, WinograndeDatasetV3):
        assert cls in LOAD_DATASET.classes(cls.__name__)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    folder = write_winogrande(tmp_path, DEV, TRAIN_XS)
    (folder / "train_xs.jsonl").unlink()
    with pytest.raises(DatasetError, match=r"not found: .*winogrande/train_xs\.jsonl"):
        WinograndeDatasetV3.load(str(folder))


def test_malformed_lines_name_file_and_line(tmp_path: Path) -> None:
    folder = write_winogrande(tmp_path, DEV + winogrande_line("No blank here.", "1"), TRAIN_XS)
    with pytest.raises(DatasetError, match=r"dev\.jsonl, line 3: the sentence has no blank"):
        WinograndeDatasetV2.load(str(folder))
    (folder / "dev.jsonl").write_text(DEV + winogrande_line("A _ b.", "3"))
    with pytest.raises(DatasetError, match=r"dev\.jsonl, line 3: 'answer' must be 1, 2 or empty"):
        WinograndeDatasetV2.load(str(folder))
    (folder / "dev.jsonl").write_text(DEV + "{truncated\n")
    with pytest.raises(DatasetError, match=r"dev\.jsonl, line 3: not valid JSON"):
        WinograndeDataset.load(str(folder))


def test_missing_column_names_it_and_the_columns_found(tmp_path: Path) -> None:
    folder = write_winogrande(
        tmp_path, '{"qID": "x", "sentence": "_ a", "option1": "o"}\n', TRAIN_XS
    )
    with pytest.raises(DatasetError, match=r"no column 'option2', 'answer'; columns found: 'qID'"):
        WinograndeDatasetV2.load(str(folder))
