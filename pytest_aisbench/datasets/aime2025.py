"""AIME 2025: AISBench's ``Aime2025Dataset``.

Layout (AISBench's ``configs/datasets/aime2025/README``, OpenCompass's ``aime2025.zip``)::

    aime2025/aime2025.jsonl      the configs' path: the file itself

One line per problem, ``{"question", "answer"}``, kept as it is and in order (the configs read
``question`` and score ``answer`` with the ``math`` family's ``MATHEvaluator(version='v2')``).
The LLM-judge variant's ``Aime2025JDGDataset`` exists so that its config loads; a judge is not
run yet (`datasets.utils.llm_judge`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row
from pytest_aisbench.datasets.files import read_jsonl, require_columns
from pytest_aisbench.datasets.utils.llm_judge import LLMJudgeDataset
from pytest_aisbench.registry import LOAD_DATASET


@LOAD_DATASET.register_module()
class Aime2025Dataset(BaseDataset):
    """The problems of ``aime2025.jsonl``, one split (train and test alike)."""

    @staticmethod
    def load(path: str, **kwargs: Any) -> list[Row]:
        """Every line of the file at `path`; other keys are ignored, as in AISBench."""
        rows = read_jsonl(path)
        require_columns(rows, ("question", "answer"), str(Path(path)))
        return rows


@LOAD_DATASET.register_module()
class Aime2025JDGDataset(LLMJudgeDataset):
    """The LLM-judge config's ``judge_dataset_type``: refused when loaded (no judge yet)."""
