"""Exact-match accuracy evaluators (AISBench path: ``openicl.icl_evaluator.icl_hf_evaluator``):
`AccEvaluator`, `AccwithDetailsEvaluator`, and the edit-distance `EDAccEvaluator` (SIQA).

AISBench computes these through HuggingFace ``evaluate``'s accuracy metric after mapping labels
to integers; the result is the share of predictions equal to their reference, which is computed
here directly, without ``evaluate``, ``datasets`` or numpy. Each also returns ``details`` with a
per-sample ``correct``, so that `judge` can score one sample.
"""

from __future__ import annotations

from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import (
    BaseEvaluator,
    accuracy_result,
    length_mismatch,
    percent,
)
from pytest_aisbench.registry import ICL_EVALUATORS


@ICL_EVALUATORS.register_module()
class AccEvaluator(BaseEvaluator):
    """Accuracy: a prediction is right when its ``str`` equals its reference's ``str``.

    That is what AISBench's label-to-integer mapping amounts to (``1`` and ``'1'`` match; no
    other normalisation: the config's ``pred_postprocessor`` does the extraction). Subclasses
    may override AISBench's hooks: `_preprocess` (what is compared) and `_postprocess` (the
    metrics from ``{'accuracy': fraction}``).
    """

    def _preprocess(self, predictions: list[Any], references: list[Any]) -> dict[str, list[Any]]:
        """The values compared, position by position."""
        return {
            "predictions": [str(p) for p in predictions],
            "references": [str(r) for r in references],
        }

    def _postprocess(self, scores: dict[str, Any]) -> dict[str, Any]:
        """The accuracy as a percentage, as AISBench reports it."""
        scores["accuracy"] *= 100
        return scores

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``accuracy`` (percent) and ``details``: ``pred``, ``refr``, ``parsed`` (what
        `_preprocess` made of the prediction) and ``correct`` per sample; values are compared
        as ``str``, as AISBench's label-to-integer mapping does."""
        error = length_mismatch(predictions, references)
        if error:
            return error
        compared = self._preprocess(predictions, references)
        parsed, golds = compared["predictions"], compared["references"]
        hits = [str(p) == str(g) for p, g in zip(parsed, golds, strict=True)]
        result = self._postprocess({"accuracy": percent(sum(hits), len(hits)) / 100})
        result["details"] = [
            {"pred": pred, "refr": ref, "parsed": p, "correct": hit}
            for pred, ref, p, hit in zip(predictions, references, parsed, hits, strict=True)
        ]
        return result


@ICL_EVALUATORS.register_module()
class AccwithDetailsEvaluator(BaseEvaluator):
    """Accuracy with each sample's prompt in its detail (MMLU, HellaSwag, WinoGrande chat).

    Unlike `AccEvaluator`, predictions and references are compared as they are (``==``), as in
    AISBench; ``details`` is AISBench's dict keyed by the sample's position (``'0'``, ...), with
    ``prompt``, ``pred``, ``refr`` and ``is_correct``.
    """

    def score(
        self, predictions: list[Any], references: list[Any], origin_prompt: list[Any] | None = None
    ) -> dict[str, Any]:
        """``accuracy`` (percent) and ``details`` keyed by position."""
        error = length_mismatch(predictions, references)
        if error:
            return error
        prompts = origin_prompt if origin_prompt is not None else [""] * len(predictions)
        details: dict[str, dict[str, Any]] = {}
        for index, (pred, ref) in enumerate(zip(predictions, references, strict=True)):
            details[str(index)] = {
                "prompt": prompts[index] if index < len(prompts) else "",
                "pred": pred,
                "refr": ref,
                "is_correct": bool(pred == ref),
            }
        return accuracy_result(details)


@ICL_EVALUATORS.register_module()
class EDAccEvaluator(AccEvaluator):
    """Accuracy after mapping the raw answer to the nearest candidate by edit distance (SIQA).

    Each reference is ``{'candidates': [...], 'label': i}``; a candidate is a string or a list
    of strings (SIQA's ``['A. text', 'A', 'text']``), whose nearest member counts. The answer
    is the candidate at the smallest Levenshtein distance (the first on a tie), right when its
    index is ``label``. Needs rapidfuzz (``pip install 'pytest-aisbench[edit-distance]'``).

    Deviation: an empty (or blank) answer picks no candidate and is wrong; AISBench's distance
    would pick the shortest candidate for it and could score it right.
    """

    def __init__(self) -> None:
        try:
            from rapidfuzz.distance import Levenshtein
        except ImportError:
            raise ConfigError(
                "EDAccEvaluator needs rapidfuzz for its edit distance: "
                "pip install 'pytest-aisbench[edit-distance]'"
            ) from None
        self.dist = Levenshtein.distance

    def _preprocess(self, predictions: list[Any], references: list[Any]) -> dict[str, list[Any]]:
        """Each answer's nearest candidate index (None for an empty answer), and the labels."""
        chosen: list[int | None] = []
        labels: list[Any] = []
        for pred, ref in zip(predictions, references, strict=True):
            if not isinstance(ref, dict) or not ref.get("candidates") or "label" not in ref:
                raise ConfigError(
                    "each reference must be {'candidates': [...], 'label': index} (the dataset's "
                    f"output_column, such as SIQA's 'all_labels'); got {ref!r}",
                    source="EDAccEvaluator",
                    key="references",
                )
            labels.append(ref["label"])
            text = str(pred)
            if not text.strip():
                chosen.append(None)
                continue
            distances = [
                self.dist(text, cands)
                if isinstance(cands, str)
                else min(self.dist(text, str(c)) for c in cands)
                for cands in ref["candidates"]
            ]
            chosen.append(min(range(len(distances)), key=distances.__getitem__))
        return {"predictions": chosen, "references": labels}


__all__ = ["AccEvaluator", "AccwithDetailsEvaluator", "EDAccEvaluator"]
