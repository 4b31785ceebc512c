"""`BaseEvaluator`: AISBench's evaluator API, and how one sample is judged with it.

An evaluator scores lists: ``score(predictions, references)`` returns its metrics (``accuracy``
as a percentage, ...) and, per sample, ``details`` entries that say ``correct``. AISBench scores
a whole dataset at the end; here each sample is judged the moment its answer arrives, so that
its test item can pass or fail at once: `judge` hands the evaluator that one sample and reads
its detail. Evaluators written for AISBench (a ``score`` method) work unchanged.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

CORRECT_KEYS = ("correct", "is_correct", "cascade_correct")
"""The detail keys AISBench reads a sample's correctness from, in its order."""


class BaseEvaluator:
    """Scores predictions against references; subclasses implement `score`."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """Metrics over the lists, and ``details``: one dict per sample with ``correct``."""
        raise NotImplementedError(f"{type(self).__name__} must implement score()")


@dataclass(frozen=True)
class Judgement:
    """One sample, judged."""

    correct: bool
    score: float
    """1.0 or 0.0 for a right-or-wrong evaluator; an evaluator's own per-sample value (an F1)
    otherwise, between 0 and 1."""
    detail: dict[str, Any] = field(default_factory=dict)
    """What the evaluator said of this sample (its ``details`` entry, or its metrics)."""


def judge(
    evaluator: Any, prediction: Any, reference: Any, row: dict[str, Any], prompt: Any = ""
) -> Judgement:
    """Score one sample with `evaluator`'s ``score``: its detail's ``correct`` (or
    ``is_correct``) decides; without details, its ``accuracy``/``score`` metric of 100 does."""
    given = {
        "predictions": [prediction],
        "references": [reference],
        "test_set": [row],
        "origin_prompt": [prompt],
    }
    wanted = inspect.signature(evaluator.score).parameters
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in wanted.values())
    result = evaluator.score(**{k: v for k, v in given.items() if takes_all or k in wanted})
    if not isinstance(result, dict):
        raise TypeError(f"{type(evaluator).__name__}.score returned {type(result).__name__}")
    if "error" in result:
        raise ValueError(f"{type(evaluator).__name__}.score: {result['error']}")
    details = result.get("details")
    if isinstance(details, dict):  # keyed by position, as AISBench's AccwithDetailsEvaluator
        details = list(details.values())
    detail = details[0] if isinstance(details, list) and details else {}
    correct = _correct(detail)
    if correct is not None:
        return Judgement(correct, 1.0 if correct else 0.0, detail)
    metric = next((result[k] for k in ("accuracy", "score") if k in result), None)
    if not isinstance(metric, (int, float)):
        raise ValueError(
            f"{type(evaluator).__name__}.score gave neither a per-sample 'correct' in details "
            f"nor an 'accuracy' or 'score' metric: {sorted(result)}"
        )
    value = float(metric) / 100.0
    return Judgement(value >= 1.0, value, dict(detail) if isinstance(detail, dict) else result)


def _correct(detail: Any) -> bool | None:
    """A detail's right-or-wrong, from the first of `CORRECT_KEYS` it has; None without one."""
    if isinstance(detail, dict):
        for key in CORRECT_KEYS:
            if key in detail:
                return bool(_first(detail[key]))
    return None


def _first(value: Any) -> Any:
    """A detail's ``correct`` may be a list (one per repeat); the first is this sample's."""
    return value[0] if isinstance(value, list) and value else value


# --- what right-or-wrong evaluators return ----------------------------------------------------


def percent(hits: int | float, total: int) -> float:
    """`hits` of `total` in percent; 0.0 for nothing scored (AISBench divides by zero)."""
    return 100.0 * hits / total if total else 0.0


def length_mismatch(predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any] | None:
    """AISBench's ``{'error': ...}`` result when the lists differ in length, else None."""
    if len(predictions) == len(references):
        return None
    return {
        "error": "predictions and references have different length: "
        f"len(predictions)={len(predictions)}, len(references)={len(references)}"
    }


def accuracy_result(
    details: list[dict[str, Any]] | dict[str, dict[str, Any]], metric: str = "accuracy"
) -> dict[str, Any]:
    """`metric` (percent of the `details` that are correct, read as `judge` reads them) and
    the details: every right-or-wrong evaluator's result, built in one place so that a whole
    run's accuracy and one sample's judgement cannot disagree. AISBench's exact-match
    evaluators call the metric ``accuracy``; AGIEval's, BBH's and the EM ones ``score``."""
    samples = list(details.values()) if isinstance(details, dict) else details
    hits = sum(bool(_correct(detail)) for detail in samples)
    return {metric: percent(hits, len(samples)), "details": details}


def right_or_wrong(
    predictions: Sequence[Any],
    references: Sequence[Any],
    correct: Sequence[bool],
    metric: str = "accuracy",
) -> dict[str, Any]:
    """`accuracy_result` of the usual details, ``pred``, ``answer`` and ``correct`` per sample
    (the shape of AISBench's exact-match evaluators)."""
    details = [
        {"pred": pred, "answer": ref, "correct": bool(ok)}
        for pred, ref, ok in zip(predictions, references, correct, strict=True)
    ]
    return accuracy_result(details, metric)
