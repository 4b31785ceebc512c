"""AIME 2026: AISBench's ``Aime2026Dataset``.

Layout (AISBench's ``configs/datasets/aime2026/README``: ModelScope's ``evalscope/aime26``
written out as one JSON-lines file)::

    aime2026/aime2026.jsonl      the configs' path: the file itself

One line per problem, ``{"problem", "answer"}`` (the README: the answer is an integer), kept as
it is and in order; the configs read ``problem`` and score ``answer`` with the ``math``
family's ``MATHEvaluator(version='v2')``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row
from pytest_aisbench.datasets.files import read_jsonl, require_columns
from pytest_aisbench.registry import LOAD_DATASET


@LOAD_DATASET.register_module()
class Aime2026Dataset(BaseDataset):
    """The problems of ``aime2026.jsonl``, one split (train and test alike)."""

    @staticmethod
    def load(path: str, **kwargs: Any) -> list[Row]:
        """Every line of the file at `path`; other keys are ignored, as in AISBench."""
        rows = read_jsonl(path)
        require_columns(rows, ("problem", "answer"), str(Path(path)))
        return rows
