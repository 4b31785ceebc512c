"""`EMEvaluator`, exact match against any of a sample's accepted answers (OpenCompass path:
``openicl.icl_evaluator.icl_em_evaluator``; AISBench 3.1 ships no such class, but OpenCompass
configs name it)."""

from __future__ import annotations

from typing import Any

from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import (
    BaseEvaluator,
    length_mismatch,
    right_or_wrong,
)
from pytest_aisbench.registry import ICL_EVALUATORS
from pytest_aisbench.utils.postprocess.text_postprocessors import general_postprocess


@ICL_EVALUATORS.register_module()
class EMEvaluator(BaseEvaluator):
    """Right when the answer, after `general_postprocess`, equals one of the reference's
    answers as given or after the same cleaning (short-answer QA: TriviaQA-style lists).

    The metric is OpenCompass's ``score`` (percent), not ``accuracy``. Deviation: a reference
    given as one string is one answer; OpenCompass iterates it, so each of its characters
    became an accepted answer.
    """

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``score`` (percent) and ``details``: ``pred``, ``answer`` (the accepted answers)
        and ``correct``."""
        error = length_mismatch(predictions, references)
        if error:
            return error
        preds, answers = [], []
        for prediction, reference in zip(predictions, references, strict=True):
            given = [reference] if isinstance(reference, str) else [str(r) for r in reference]
            answers.append(sorted({*given, *(general_postprocess(r) for r in given)}))
            preds.append(general_postprocess(str(prediction)))
        correct = [pred in accepted for pred, accepted in zip(preds, answers, strict=True)]
        return right_or_wrong(preds, answers, correct, metric="score")


__all__ = ["EMEvaluator"]
