"""MMLU: four-option questions in 57 subjects, from Hendrycks' CSVs as OpenCompass ships them
(``mmlu/{dev,test}/<subject>_{dev,test}.csv``, no header line, six cells a row: question, four
options, answer letter). The ``val`` folder is not read, as in AISBench: the configs take their
shots from ``dev`` and their questions from ``test``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Splits
from pytest_aisbench.datasets.files import read_csv
from pytest_aisbench.registry import LOAD_DATASET

COLUMNS = ("input", "A", "B", "C", "D", "target")
SPLITS = ("dev", "test")


@LOAD_DATASET.register_module()
class MMLUDataset(BaseDataset):
    """Splits ``dev`` and ``test``: ``input``, ``A``..``D`` and ``target`` (the letter)."""

    @staticmethod
    def load(path: str, name: str, **kwargs: Any) -> Splits:  # type: ignore[override]
        """The subject `name` (``anatomy``) of the folder `path`."""
        return {s: read_csv(Path(path) / s / f"{name}_{s}.csv", columns=COLUMNS) for s in SPLITS}
