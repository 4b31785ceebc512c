"""SuperGLUE BoolQ: yes/no questions about a passage, AISBench's ``BoolQDatasetV2`` (every
shipped BoolQ config) and ``BoolQDatasetV3``.

Layout (AISBench's ``configs/datasets/SuperGLUE_BoolQ/README``, OpenCompass's SuperGLUE zip)::

    SuperGLUE/BoolQ/val.jsonl      the configs' path: the file itself
    SuperGLUE/BoolQ/test.jsonl     unlabelled, read by no config

One line per question with ``question``, ``passage`` and ``label``; AISBench reads ``label`` as
the strings ``"true"``/``"false"``. A JSON ``true``/``false`` (the original SuperGLUE files) is
taken the same way here, where AISBench's V2 would stop with a KeyError. The file is one split,
used as both train and test (the 5-shot config's shots are rows 0, 2, 4, 6, 8 of it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row
from pytest_aisbench.datasets.files import bad_row, read_jsonl, require_columns
from pytest_aisbench.registry import LOAD_DATASET

V2_LABELS = {"true": "A", "false": "B"}
"""V2's answer letters: the configs ask "A. Yes / B. No" and score the letter."""


@LOAD_DATASET.register_module()
class BoolQDatasetV2(BaseDataset):
    """Every line as it is, with ``label`` turned into ``A`` (true) or ``B`` (false)."""

    @staticmethod
    def load(path: str) -> list[Row]:  # type: ignore[override]
        """The rows of the JSON-lines file at `path`."""
        rows = read_jsonl(path)
        require_columns(rows, ("question", "passage", "label"), str(Path(path)))
        for index, row in enumerate(rows):
            row["label"] = V2_LABELS[_truth(row["label"], path, index)]
        return rows


@LOAD_DATASET.register_module()
class BoolQDatasetV3(BaseDataset):
    """Every line with the passage's leading ``Title -- `` removed and the question capitalised
    (OpenCompass's ppl form; ``label`` stays as written)."""

    @staticmethod
    def load(path: str) -> list[Row]:  # type: ignore[override]
        """The rows of the JSON-lines file at `path`."""
        rows = read_jsonl(path)
        require_columns(rows, ("question", "passage"), str(Path(path)))
        for row in rows:
            row["passage"] = " -- ".join(row["passage"].split(" -- ")[1:])
            row["question"] = row["question"][:1].upper() + row["question"][1:]
        return rows


def _truth(label: Any, path: str, index: int) -> str:
    """``"true"`` or ``"false"`` for a label written as that string or as a JSON boolean."""
    if isinstance(label, bool):
        return "true" if label else "false"
    if label in V2_LABELS:
        return str(label)
    raise bad_row(path, index, f"label {label!r} is neither 'true' nor 'false'")
