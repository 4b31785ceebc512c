"""C-Eval: Chinese multiple-choice exams in 52 subjects, AISBench's ``CEvalDataset``.

Layout (AISBench's ``configs/datasets/ceval/README``, the ``ceval-exam.zip`` of C-Eval)::

    ceval/formal_ceval/{dev,val,test}/<subject>_{dev,val,test}.csv

CSV files with a header line: ``id,question,A,B,C,D,answer`` (dev adds ``explanation``; test
has no ``answer``). Every row is kept in file order; a split without ``answer`` or
``explanation`` gets them empty, as in AISBench. The configs train on ``dev`` and test on
``val`` (``ceval-<subject>``), or on ``test`` for the abbrs ``ceval-test-<subject>``.
"""

from __future__ import annotations

from pathlib import Path

from pytest_aisbench.datasets.base import BaseDataset, Splits
from pytest_aisbench.datasets.files import read_csv, require_columns
from pytest_aisbench.registry import LOAD_DATASET

SPLITS = ("dev", "val", "test")
COLUMNS = ("question", "A", "B", "C", "D")
"""What the configs' prompts read from every split."""


@LOAD_DATASET.register_module()
class CEvalDataset(BaseDataset):
    """The three splits of one subject."""

    @staticmethod
    def load(path: str, name: str, local_mode: bool = True) -> Splits:  # type: ignore[override]
        """``dev``, ``val`` and ``test`` of subject `name` (``computer_network``); `local_mode`
        is AISBench's (data is always local here) and changes nothing."""
        splits: Splits = {}
        for split in SPLITS:
            file = Path(path) / split / f"{name}_{split}.csv"
            rows = read_csv(file)
            require_columns(rows, COLUMNS, str(file))
            for row in rows:
                row.setdefault("explanation", "")
                row.setdefault("answer", "")
            splits[split] = rows
        return splits
