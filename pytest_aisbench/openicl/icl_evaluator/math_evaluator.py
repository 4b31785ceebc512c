"""`MATHEvaluator` with math-verify (AISBench path: ``openicl.icl_evaluator.math_evaluator``):
answers compared as mathematics (``\\frac{1}{2}`` equals ``0.5``), not as strings.

Not to be confused with ``datasets.math.MATHEvaluator(version=...)``, AISBench's string
normalising one, which most MATH and AIME configs import; this one is what
``math500_gen_0_shot_cot_chat_prompt.py`` imports.
"""

from __future__ import annotations

import threading
from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import (
    BaseEvaluator,
    accuracy_result,
    length_mismatch,
)
from pytest_aisbench.registry import ICL_EVALUATORS

INSTALL = "pip install 'pytest-aisbench[math]'"


@ICL_EVALUATORS.register_module()
class MATHEvaluator(BaseEvaluator):
    """Right when math-verify finds the reference's value in the answer's ``\\boxed{}`` (or
    after "final answer is") and judges the two equal.

    As AISBench: the reference is parsed with LaTeX then plain-expression extraction (wrapped
    in ``$...$`` when that finds nothing); the answer only with anchored LaTeX extraction, boxed
    first, so a bare number without ``\\boxed{}`` is no answer; ``verify`` is called with the
    answer first, AISBench's order (it lets ``1<x<2`` match the interval ``(1,2)``).

    Deviations: every sample has a detail, in order (AISBench leaves out the samples whose
    reference it cannot parse, which shifts the details of those after them; they still count
    as wrong). math-verify's time limit works by ``signal.alarm``, which only the main thread
    may set; off the main thread (the harness scores on its event-loop thread) the parse and
    the comparison run without one, where AISBench's call would fail.
    """

    def __init__(self, timeout_s: int | None = 5) -> None:
        try:
            import math_verify
        except ImportError:
            raise ConfigError(f"MATHEvaluator needs math-verify: {INSTALL}") from None
        self.mv = math_verify
        self.timeout_s = timeout_s
        """math-verify's per-parse and per-comparison limit, in seconds (main thread only)."""

    def _timeout(self) -> int | None:
        """The limit where ``signal.alarm`` can enforce it, None elsewhere."""
        return self.timeout_s if threading.current_thread() is threading.main_thread() else None

    def _parse_reference(self, reference: str) -> list[Any]:
        """The reference's value: LaTeX or a plain expression, the first that parses."""
        mv = self.mv
        config = [mv.LatexExtractionConfig(), mv.ExprExtractionConfig()]
        for text in (reference, f"${reference}$"):
            parsed = mv.parse(
                text,
                extraction_mode="first_match",
                extraction_config=config,
                parsing_timeout=self._timeout(),
            )
            if parsed:
                return list(parsed)
        return []

    def _parse_answer(self, prediction: str) -> list[Any]:
        """The answer's value: anchored LaTeX only, ``\\boxed{}`` first (AISBench's settings)."""
        mv = self.mv
        normalization = mv.LatexNormalizationConfig(
            nits=False, malformed_operators=False, basic_latex=True, boxed="all", units=True
        )
        config = mv.LatexExtractionConfig(
            normalization_config=normalization,
            boxed_match_priority=0,
            try_extract_without_anchor=False,
        )
        return list(
            mv.parse(
                prediction,
                extraction_config=[config],
                extraction_mode="first_match",
                parsing_timeout=self._timeout(),
            )
        )

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``accuracy`` (percent) and ``details``: ``pred`` and ``answer`` (what each parsed
        to) and ``correct``."""
        error = length_mismatch(predictions, references)
        if error:
            return error
        details: list[dict[str, Any]] = []
        for prediction, reference in zip(predictions, references, strict=True):
            gold = self._parse_reference(str(reference))
            if not gold:
                details.append(
                    {
                        "pred": str(prediction),
                        "answer": str(reference),
                        "correct": False,
                        "note": "the reference has no value math-verify can parse",
                    }
                )
                continue
            answer = self._parse_answer(str(prediction))
            right = bool(self.mv.verify(answer, gold, timeout_seconds=self._timeout()))
            details.append({"pred": str(answer), "answer": str(gold), "correct": right})
        return accuracy_result(details)


__all__ = ["MATHEvaluator"]
