"""AIME 2024: AISBench's ``Aime2024Dataset``.

Layout (AISBench's ``configs/datasets/aime2024/README``, OpenCompass's ``aime.zip``)::

    aime/aime.jsonl      the configs' path: the file itself

One line per problem in OpenCompass's form, ``{"origin_prompt", "gold_answer"}``; every line
is kept, in order, with ``question`` (the prompt) and ``answer`` (the gold answer) added for
the configs' reader (input ``question``, output ``answer``). Scored by the ``math`` family's
``MATHEvaluator(version='v2')`` after ``math_postprocess_v2``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row
from pytest_aisbench.datasets.files import read_jsonl, require_columns
from pytest_aisbench.registry import LOAD_DATASET


@LOAD_DATASET.register_module()
class Aime2024Dataset(BaseDataset):
    """The problems of ``aime.jsonl``, one split (train and test alike)."""

    @staticmethod
    def load(path: str, **kwargs: Any) -> list[Row]:
        """Every line of the file at `path`; other keys are ignored, as in AISBench."""
        rows = read_jsonl(path)
        require_columns(rows, ("origin_prompt", "gold_answer"), str(Path(path)))
        for row in rows:
            row["question"] = row["origin_prompt"]
            row["answer"] = row["gold_answer"]
        return rows
