"""Evaluators (AISBench path: ``openicl.icl_evaluator``)."""

from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator, Judgement, judge

__all__ = ["BaseEvaluator", "Judgement", "judge"]
