"""The names AISBench's LLM-judge configs import (``datasets.utils.llm_judge``).

A judge config (``aime2025_gen_0_shot_llmjudge.py``) asks a second model whether each answer
matches the reference. pytest-aisbench does not run a judge yet; these names exist so that such
a file loads and its ``judge_infer_cfg`` is refused with one message naming the judge, rather
than failing on an import. `get_a_or_b` and `LLMJudgeCorrectEvaluator` are the judge's own
scoring (its verdict letter), usable as they are.
"""

from __future__ import annotations

from typing import Any, NoReturn

from pytest_aisbench.datasets.base import BaseDataset
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import (
    BaseEvaluator,
    length_mismatch,
    right_or_wrong,
)
from pytest_aisbench.registry import ICL_EVALUATORS, TEXT_POSTPROCESSORS

JUDGE_NOT_RUN = "needs an LLM judge, which pytest-aisbench does not run yet"


@TEXT_POSTPROCESSORS.register_module("get_a_or_b")
def get_a_or_b(pred: str) -> str:
    """The judge's verdict: ``A`` (consistent) when the reply's last character is A, ``B``
    when it is B, and ``B`` for anything else, as AISBench reads it."""
    return pred[-1:] if pred[-1:] in ("A", "B") else "B"


class LLMJudgeDataset(BaseDataset):
    """AISBench's base of the datasets a judge reads (the model's predictions merged with the
    rows); a config names one as ``judge_dataset_type``. Loading one is refused here."""

    @staticmethod
    def load(*args: Any, **kwargs: Any) -> NoReturn:
        raise ConfigError(f"an LLM-judge dataset {JUDGE_NOT_RUN}", key="type")


@ICL_EVALUATORS.register_module()
class LLMJudgeCorrectEvaluator(BaseEvaluator):
    """A sample is right when the judge's verdict (after `get_a_or_b`) is ``A``."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``accuracy`` in percent and per-sample ``details`` with ``correct``."""
        error = length_mismatch(predictions, references)
        if error:
            return error
        return right_or_wrong(predictions, references, [p == "A" for p in predictions])
