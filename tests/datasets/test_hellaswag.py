"""HellaSwag: OpenCompass's JSON-lines files, the four loaders' columns and label forms, and the
errors for a missing file and a bad line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dataset_fixtures import write_hellaswag

from pytest_aisbench.datasets.hellaswag import (
    HellaswagDataset,
    HellaswagDataset_V2,
    HellaswagDataset_V3,
    HellaswagDatasetwithICE,
)
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import LOAD_DATASET

VAL = [
    {"query": "Baking: She mixes flour. Then: she", "choices": ["a", "b", "c", "d"], "gold": 2},
    {"query": "Roofing: A man climbs.", "choices": ["e", "f", "g", "h"], "gold": 0},
]
TRAIN = [{"query": "Cooking: Oil heats.", "choices": ["i", "j", "k", "l"], "gold": 3}]
READER_COLUMNS = {"ctx", "A", "B", "C", "D", "label"}  # the configs' input and output columns


def test_v2_gen_rows_in_order_with_letter_labels(tmp_path: Path) -> None:
    rows = HellaswagDataset_V2.load(str(write_hellaswag(tmp_path, VAL, TRAIN) / "hellaswag.jsonl"))
    assert rows == [
        {"ctx": "She mixes flour. Then: she", "A": "a", "B": "b", "C": "c", "D": "d", "label": "C"},
        {"ctx": "A man climbs.", "A": "e", "B": "f", "C": "g", "D": "h", "label": "A"},
    ]


def test_v1_ppl_keeps_int_labels_and_drops_two_prefixes(tmp_path: Path) -> None:
    rows = HellaswagDataset.load(str(write_hellaswag(tmp_path, VAL, TRAIN) / "hellaswag.jsonl"))
    assert set(rows[0]) == READER_COLUMNS
    assert (rows[0]["ctx"], rows[0]["label"]) == ("she", 2)
    assert [r["label"] for r in rows] == [2, 0]


def test_v3_keeps_the_query_and_gold(tmp_path: Path) -> None:
    rows = HellaswagDataset_V3.load(str(write_hellaswag(tmp_path, VAL, TRAIN) / "hellaswag.jsonl"))
    assert rows[1] == {"query": "Roofing: A man climbs.", "A": "e", "B": "f", "C": "g"} | {
        "D": "h",
        "gold": 0,
    }


def test_with_ice_gives_train_and_val_splits(tmp_path: Path) -> None:
    splits = HellaswagDatasetwithICE.load(str(write_hellaswag(tmp_path, VAL, TRAIN)))
    assert list(splits) == ["train", "val"]
    assert [r["label"] for r in splits["train"]] == ["D"]
    assert [r["ctx"] for r in splits["val"]] == ["She mixes flour. Then: she", "A man climbs."]
    assert set(splits["val"][0]) == READER_COLUMNS


def test_registered_under_aisbench_names() -> None:
    for cls in (
        HellaswagDataset,
        HellaswagDataset_V2,
        HellaswagDataset_V3,
        HellaswagDatasetwithICE,
    ):
        assert cls in LOAD_DATASET.classes(cls.__name__)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    (tmp_path / "hellaswag").mkdir()
    with pytest.raises(DatasetError, match=r"not found: .*hellaswag_train_sampled25\.jsonl"):
        HellaswagDatasetwithICE.load(str(tmp_path / "hellaswag"))


def test_malformed_lines_name_file_and_line(tmp_path: Path) -> None:
    file = write_hellaswag(tmp_path, VAL, TRAIN) / "hellaswag.jsonl"
    good = file.read_text(encoding="utf-8")
    file.write_text(good + "{not json\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"hellaswag\.jsonl, line 3: not valid JSON"):
        HellaswagDataset_V2.load(str(file))
    bad = {"query": "q", "choices": ["a", "b", "c"], "gold": 0}
    file.write_text(good + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"hellaswag\.jsonl, line 3: 'choices' must be"):
        HellaswagDataset_V2.load(str(file))
    file.write_text(good + json.dumps(bad | {"choices": list("abcd"), "gold": 4}) + "\n")
    with pytest.raises(DatasetError, match=r"line 3: 'gold' must be 0, 1, 2 or 3, got 4"):
        HellaswagDataset.load(str(file))


def test_missing_column_names_it_and_the_columns_found(tmp_path: Path) -> None:
    (tmp_path / "h.jsonl").write_text('{"query": "q", "choices": []}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"no column 'gold'; columns found: 'query', 'choices'"):
        HellaswagDataset_V2.load(str(tmp_path / "h.jsonl"))
