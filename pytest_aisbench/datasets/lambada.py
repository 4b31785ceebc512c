"""LAMBADA: predict the last word of a passage, from OpenCompass's ``lambada/test.jsonl`` (one
``{"prompt": ..., "label": ...}`` per line; the only split, ``test``, is also the configs'
train split).

`LambadaEvaluator` compares the first word of the answer, cut at its first punctuation mark,
with the label, both normalised as AISBench's ``general_postprocess`` does.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Splits
from pytest_aisbench.datasets.files import read_jsonl, require_columns
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import (
    BaseEvaluator,
    length_mismatch,
    right_or_wrong,
)
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET
from pytest_aisbench.utils.postprocess.text_postprocessors import general_postprocess

TEST_FILE = "test.jsonl"
# AISBench splits on f"[{string.punctuation}]" unescaped, where "\]" escapes the bracket and so
# drops the backslash from the class: the same set, written out safely
_PUNCTUATION = re.compile("[" + re.escape(string.punctuation.replace("\\", "")) + "]")


@LOAD_DATASET.register_module()
class lambadaDataset(BaseDataset):
    """Split ``test``: columns ``prompt`` (the passage without its last word) and ``label``."""

    @staticmethod
    def load(path: str) -> Splits:  # type: ignore[override]
        """The rows of ``test.jsonl`` in the folder `path`."""
        file = Path(path) / TEST_FILE
        rows = read_jsonl(file)
        require_columns(rows, ("prompt", "label"), str(file.absolute()))
        return {"test": rows}


def first_word(prediction: str) -> str:
    """The answer's first word, up to its first punctuation mark (what LAMBADA scores)."""
    word = prediction.strip().split(" ")[0]
    return _PUNCTUATION.split(word)[0]


@ICL_EVALUATORS.register_module()
class LambadaEvaluator(BaseEvaluator):
    """The first word of the answer equals the label after ``general_postprocess``."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``accuracy`` in percent, and ``details`` with ``correct`` per sample (AISBench gives
        only the accuracy)."""
        error = length_mismatch(predictions, references)
        if error:
            return error
        words = [first_word(p) for p in predictions]
        correct = [
            general_postprocess(w) == general_postprocess(r)
            for w, r in zip(words, references, strict=True)
        ]
        return right_or_wrong(words, references, correct)
