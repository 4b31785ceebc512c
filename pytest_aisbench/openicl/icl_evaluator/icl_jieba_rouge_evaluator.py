"""`JiebaRougeEvaluator`, ROUGE over jieba's Chinese word segments (AISBench path:
``openicl.icl_evaluator.icl_jieba_rouge_evaluator``; the MGSM configs import it)."""

from __future__ import annotations

from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator, length_mismatch
from pytest_aisbench.registry import ICL_EVALUATORS
from pytest_aisbench.utils.postprocess.text_postprocessors import general_postprocess, jieba_cut

INSTALL = "pip install 'pytest-aisbench[zh]'"
METRICS = (("rouge1", "rouge-1"), ("rouge2", "rouge-2"), ("rougeL", "rouge-l"))
"""AISBench's result keys and rouge-chinese's names for them."""


@ICL_EVALUATORS.register_module()
class JiebaRougeEvaluator(BaseEvaluator):
    """ROUGE-1, ROUGE-2 and ROUGE-L F-scores (percent, averaged over samples) between answer
    and reference, each cleaned by `general_postprocess` and segmented by jieba.

    Metrics only, as AISBench's: there is no right or wrong per sample, so `judge` cannot
    decide one; ``details`` holds each sample's three scores. Needs jieba and rouge-chinese
    (``pip install 'pytest-aisbench[zh]'``).
    """

    def __init__(self) -> None:
        try:
            from rouge_chinese import Rouge
        except ImportError:
            raise ConfigError(f"JiebaRougeEvaluator needs rouge-chinese: {INSTALL}") from None
        self.rouge = Rouge()

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``rouge1``, ``rouge2``, ``rougeL`` and per-sample ``details``."""
        error = length_mismatch(predictions, references)
        if error:
            return error
        if not predictions:
            return {name: 0.0 for name, _ in METRICS} | {"details": []}
        # an empty text would make rouge-chinese raise: placeholders score 0, as in AISBench
        hyps = [self._words(p) or "__PREDPLACEHOLDER__" for p in predictions]
        refs = [self._words(r) or "__REFRPLACEHOLDER__" for r in references]
        scores = self.rouge.get_scores(hyps, refs)
        details = [{name: s[key]["f"] * 100 for name, key in METRICS} for s in scores]
        result: dict[str, Any] = {
            name: sum(d[name] for d in details) / len(details) for name, _ in METRICS
        }
        result["details"] = details
        return result

    @staticmethod
    def _words(text: Any) -> str:
        """The cleaned text's segments, space-separated (what rouge-chinese tokenises)."""
        return " ".join(jieba_cut(general_postprocess(str(text))))


__all__ = ["JiebaRougeEvaluator"]
