"""BIG-Bench Hard: 27 reasoning tasks, 3-shot chain of thought. AISBench's ``BBHDataset``,
``BBHEvaluator`` (free-form tasks), ``BBHEvaluator_mcq`` and the ``bbh-mcq``/``bbh-freeform``
postprocessors.

Layout (AISBench's ``configs/datasets/bbh/README``, OpenCompass's ``BBH.zip``)::

    BBH/data/<task>.json        {"canary": ..., "examples": [{"input", "target"}, ...]}
    BBH/lib_prompt/<task>.txt   the shots, which the configs carry themselves (not read)

The examples are the one split (train and test alike), in file order. Multiple-choice tasks
score the option letter: ``bbh_mcq_postprocess`` runs on the reply and on the target
(``(A)`` -> ``A``); free-form tasks compare the reply's answer, cut by
``bbh_freeform_postprocess`` inside the evaluator, with the target as it is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row
from pytest_aisbench.datasets.files import read_json, require_columns
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator, right_or_wrong
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS

ANSWER_MARK = "answer is "
"""The shots end in "So the answer is X."; the answer is the text between its first occurrence
and the next one (or the end)."""
_PARENTHESISED_LETTER = re.compile(r"\(([A-Z])\)*")
_LETTER = re.compile(r"([A-Z])")
_BOLD = re.compile(r"\*\*(.*?)\*\*")


@LOAD_DATASET.register_module()
class BBHDataset(BaseDataset):
    """The examples of one task: ``input`` and ``target``."""

    @staticmethod
    def load(path: str, name: str) -> list[Row]:  # type: ignore[override]
        """The examples of task `name` (``date_understanding``) in the folder `path`."""
        file = Path(path) / f"{name}.json"
        data = read_json(file)
        examples = data.get("examples") if isinstance(data, dict) else None
        if not isinstance(examples, list):
            raise DatasetError(f"{file.absolute()}: expected an object with a list 'examples'")
        for index, example in enumerate(examples):
            if not isinstance(example, dict):
                raise DatasetError(f"{file.absolute()}, example {index}: expected an object")
        require_columns(examples, ("input", "target"), f"{file.absolute()} examples")
        return examples


def _after_answer_mark(text: str) -> str:
    """The text after the first "answer is " (up to a second one), stripped; the whole text when
    there is none."""
    parts = text.split(ANSWER_MARK)
    return parts[1].strip() if len(parts) > 1 else text


@TEXT_POSTPROCESSORS.register_module("bbh-mcq")
def bbh_mcq_postprocess(text: str) -> str:
    """The option letter: the first ``(X)`` after "answer is ", else its first capital letter;
    the text itself when it has no capital letter."""
    answer = _after_answer_mark(text)
    for pattern in (_PARENTHESISED_LETTER, _LETTER):
        match = pattern.search(answer)
        if match:
            return match.group(1)
    return answer


@TEXT_POSTPROCESSORS.register_module("bbh-freeform")
def bbh_freeform_postprocess(text: str) -> str:
    """The free-form answer: the first line after "answer is ", without a final period, and
    the bold part of it when it has one (``**True**``)."""
    answer = _after_answer_mark(text).split("\n")[0].strip()
    if answer.endswith("."):
        answer = answer[:-1].strip()
    match = _BOLD.search(answer)
    return match.group(1) if match else answer


def _exact(predictions: list[Any], references: list[Any]) -> dict[str, Any]:
    """AISBench's ``score`` (percent) and per-sample ``details`` of exact equality."""
    if len(predictions) != len(references):
        return {"error": "predictions and references have different length"}
    correct = [pred == ref for pred, ref in zip(predictions, references, strict=True)]
    return right_or_wrong(predictions, references, correct, metric="score")


@ICL_EVALUATORS.register_module()
class BBHEvaluator(BaseEvaluator):
    """Free-form tasks: the reply's answer (`bbh_freeform_postprocess`) equals the target."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``score`` and ``details``."""
        if len(predictions) != len(references):
            return _exact(predictions, references)
        return _exact([bbh_freeform_postprocess(p) for p in predictions], references)


@ICL_EVALUATORS.register_module()
class BBHEvaluator_mcq(BaseEvaluator):
    """Multiple-choice tasks: the letters, both already postprocessed, are equal."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``score`` and ``details``."""
        return _exact(predictions, references)
