"""Evaluators (AISBench path: ``openicl.icl_evaluator``): the base API with `judge`, and the
generic evaluators dataset configs import from here. The optional packages some need
(math-verify, rapidfuzz, jieba) are imported when one is built, not here."""

from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator, Judgement, judge
from pytest_aisbench.openicl.icl_evaluator.icl_em_evaluator import EMEvaluator
from pytest_aisbench.openicl.icl_evaluator.icl_hf_evaluator import (
    AccEvaluator,
    AccwithDetailsEvaluator,
    EDAccEvaluator,
)
from pytest_aisbench.openicl.icl_evaluator.icl_jieba_rouge_evaluator import JiebaRougeEvaluator
from pytest_aisbench.openicl.icl_evaluator.math_evaluator import MATHEvaluator

__all__ = [
    "AccEvaluator",
    "AccwithDetailsEvaluator",
    "BaseEvaluator",
    "EDAccEvaluator",
    "EMEvaluator",
    "JiebaRougeEvaluator",
    "Judgement",
    "MATHEvaluator",
    "judge",
]
