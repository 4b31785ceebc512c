"""CMMLU: Chinese multiple-choice questions in 67 subjects, AISBench's ``CMMLUDataset``.

Layout (AISBench's ``configs/datasets/cmmlu/README``, OpenCompass's ``cmmlu.zip``)::

    cmmlu/{dev,test}/<subject>.csv

CSV files whose header line (``,Question,A,B,C,D,Answer``) is skipped: a row is read by
position, seven cells (an index, the question, four options, the answer letter), as AISBench
reads it. The configs train on ``dev`` and test on ``test``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row, Splits
from pytest_aisbench.datasets.files import read_csv
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import LOAD_DATASET

SPLITS = ("dev", "test")
CELLS = ("index", "question", "A", "B", "C", "D", "answer")
"""The seven cells of a row by position; the first (the row's number) is not kept."""


@LOAD_DATASET.register_module()
class CMMLUDataset(BaseDataset):
    """``dev`` and ``test`` of one subject: ``question``, ``A``-``D``, ``answer``."""

    @staticmethod
    def load(path: str, name: str, **kwargs: Any) -> Splits:  # type: ignore[override]
        """Both splits of subject `name` (``agronomy``); other keys are ignored, as in AISBench."""
        splits: Splits = {}
        for split in SPLITS:
            file = Path(path) / split / f"{name}.csv"
            cells = read_csv(file, columns=CELLS)
            if not cells:
                raise DatasetError(f"{file.absolute()}: empty file (no header line)")
            splits[split] = [_row(row) for row in cells[1:]]
        return splits


def _row(cells: Row) -> Row:
    """A row without its leading number cell."""
    return {name: cells[name] for name in CELLS[1:]}
