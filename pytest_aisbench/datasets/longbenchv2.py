"""LongBench v2: four-option questions over long contexts, from the Hugging Face release's
``LongBench-v2/data.json`` (one JSON array of objects with ``question``, ``context``,
``choice_A``..``choice_D``, ``answer`` (a letter), ``difficulty`` (easy/hard) and ``length``
(short/medium/long)).

As AISBench, the loader gives ``train`` (the file's rows whole) and ``test`` (the columns the
config reads); `LongBenchv2Evaluator` adds accuracies per difficulty and length.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row, Splits
from pytest_aisbench.datasets.files import read_json, read_jsonl, require_columns
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import (
    BaseEvaluator,
    length_mismatch,
    percent,
)
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET

COLUMNS = (
    "question",
    "context",
    "answer",
    "choice_A",
    "choice_B",
    "choice_C",
    "choice_D",
    "difficulty",
    "length",
)
DIFFICULTIES = ("easy", "hard")
LENGTHS = ("short", "medium", "long")


def _rows(file: Path) -> list[Row]:
    """A JSON array of objects (the release's form), or JSON lines for a ``.jsonl`` file (what
    AISBench's ``load_dataset('json')`` also takes)."""
    if file.suffix == ".jsonl":
        return read_jsonl(file)
    data = read_json(file)
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise DatasetError(f"{file.absolute()}: expected a JSON array of objects")
    return data


@LOAD_DATASET.register_module()
class LongBenchv2Dataset(BaseDataset):
    """Splits ``train`` (every column) and ``test`` (`COLUMNS`), in file order."""

    @staticmethod
    def load(path: str) -> Splits:  # type: ignore[override]
        """The rows of the file `path` (``LongBench-v2/data.json``)."""
        file = Path(path)
        rows = _rows(file)
        require_columns(rows, COLUMNS, str(file.absolute()))
        return {"train": rows, "test": [{c: row[c] for c in COLUMNS} for row in rows]}


@ICL_EVALUATORS.register_module()
class LongBenchv2Evaluator(BaseEvaluator):
    """Exact match of the extracted letter, overall and per difficulty and length."""

    def score(
        self, predictions: list[Any], references: list[Any], test_set: list[Row] | None = None
    ) -> dict[str, Any]:
        """``accuracy``, ``accuracy_<difficulty>`` and ``accuracy_<length>`` (percent, each only
        where a sample has it), and ``details`` with ``correct`` (which AISBench omits)."""
        if not test_set:
            raise ValueError("LongBenchv2Evaluator needs the test set (difficulty, length)")
        error = length_mismatch(predictions, references)
        if error:
            return error
        tallies: dict[str, list[int]] = {}  # group -> [correct, total]
        details = []
        for pred, ref, sample in zip(predictions, references, test_set, strict=False):
            correct = pred == ref
            details.append({"pred": pred, "answer": ref, "correct": correct})
            groups = ["accuracy"]
            groups += [f"accuracy_{sample.get(k)}" for k in ("difficulty", "length")]
            for group in groups:
                tally = tallies.setdefault(group, [0, 0])
                tally[0] += correct
                tally[1] += 1
        results: dict[str, Any] = {}
        for group in ("accuracy", *(f"accuracy_{g}" for g in (*DIFFICULTIES, *LENGTHS))):
            if group in tallies:
                right, total = tallies[group]
                results[group] = percent(right, total)
        results["details"] = details
        return results
