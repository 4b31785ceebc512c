"""TriviaQA: open trivia questions with lists of accepted answers, from OpenCompass's files
(``triviaqa/trivia-{dev,test}.qa.csv``: ``question<TAB>['alias', ...]`` per line, no header
line; ``triviaqa-{train,validation}.jsonl`` for `TriviaQADatasetV2`).

The 5-shot config asks the ``dev`` split with shots from ``test``, whose ``answer`` is only the
first alias (a string), as in AISBench. `TriviaQAEvaluator` counts an answer right when any
alias, normalised, is inside the normalised answer.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row, Splits
from pytest_aisbench.datasets.files import bad_row, read_csv, read_jsonl
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import (
    BaseEvaluator,
    length_mismatch,
    right_or_wrong,
)
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET
from pytest_aisbench.utils.postprocess.text_postprocessors import general_postprocess


def _aliases(file: Path, index: int, cell: str) -> list[Any]:
    """The answer cell, a Python list literal; read as a literal (AISBench ``eval``s it)."""
    try:
        value = ast.literal_eval(cell)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        value = None
    if not isinstance(value, list) or not value:
        raise bad_row(file, index, f"the answers are not a non-empty list literal: {cell[:80]!r}")
    return value


@LOAD_DATASET.register_module()
class TriviaQADataset(BaseDataset):
    """Splits ``dev`` (``answer``: the list of aliases) and ``test`` (``answer``: the first
    alias), with ``question``."""

    @staticmethod
    def load(path: str) -> Splits:  # type: ignore[override]
        """Both TSV files of the folder `path`."""
        splits: Splits = {}
        for split in ("dev", "test"):
            file = Path(path) / f"trivia-{split}.qa.csv"
            rows = read_csv(file, columns=("question", "answers"), delimiter="\t")
            data = []
            for index, row in enumerate(rows):
                aliases = _aliases(file, index, row["answers"])
                data.append(
                    {
                        "question": row["question"],
                        "answer": aliases[0] if split == "test" else aliases,
                    }
                )
            splits[split] = data
        return splits


@LOAD_DATASET.register_module()
class TriviaQADatasetV2(BaseDataset):
    """Splits ``validation`` and ``train``: the JSON-lines rows as they are."""

    @staticmethod
    def load(path: str) -> Splits:  # type: ignore[override]
        """``triviaqa-validation.jsonl`` and ``triviaqa-train.jsonl`` of the folder `path`."""
        return {s: read_jsonl(Path(path) / f"triviaqa-{s}.jsonl") for s in ("validation", "train")}


@LOAD_DATASET.register_module()
class TriviaQADatasetV3(BaseDataset):
    """The JSON-lines rows of one file, train and test alike."""

    @staticmethod
    def load(path: str) -> list[Row]:  # type: ignore[override]
        """The rows of the file `path`."""
        return read_jsonl(path)


def normalize_prediction(prediction: str) -> str:
    """The answer's first line, lower-cased, after its last "answer is", "a:" and "answer:",
    through ``general_postprocess``."""
    text = prediction.strip().split("\n")[0].lower()
    for marker in ("answer is", "a:", "answer:"):
        text = text.split(marker)[-1]
    return general_postprocess(text.strip())


@ICL_EVALUATORS.register_module()
class TriviaQAEvaluator(BaseEvaluator):
    """Right when any normalised alias is a substring of the normalised answer."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``score`` in percent (AISBench's key) and per-sample ``details`` with ``correct``."""
        error = length_mismatch(predictions, references)
        if error:
            return error
        preds = [normalize_prediction(prediction) for prediction in predictions]
        answers = [[general_postprocess(alias).lower() for alias in refs] for refs in references]
        correct = [any(a in p for a in ans) for p, ans in zip(preds, answers, strict=True)]
        return right_or_wrong(preds, answers, correct, metric="score")
