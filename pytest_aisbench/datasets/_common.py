"""What several dataset families share and `files` does not give: the error for a row that
parses but does not make sense, AISBench's ``general_postprocess`` answer normalisation (lambada
and triviaqa score with it) and right-or-wrong metrics.

``general_postprocess`` is kept here, unregistered, so these families do not depend on the
generic postprocessor module; the registered one lives in ``utils.postprocess``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_CUT = re.compile(r"[\n.,]")
_NOT_WORD = re.compile(r"[^\w\s]")
_ARTICLE = re.compile(r"\b(a|an|the)\b", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def general_postprocess(text: str) -> str:
    """AISBench's ``general_postprocess``: the text up to the first newline, period or comma,
    without punctuation, English articles or repeated blanks."""
    head = _CUT.split(text, maxsplit=1)[0]
    words = _ARTICLE.sub("", _NOT_WORD.sub("", head))
    return _SPACES.sub(" ", words).strip()


def right_or_wrong(
    predictions: Sequence[Any], references: Sequence[Any], correct: Sequence[bool]
) -> dict[str, Any]:
    """``accuracy`` (percent) and per-sample ``details`` (``pred``, ``answer``, ``correct``), the
    shape of AISBench's exact-match evaluators."""
    details = [
        {"pred": pred, "answer": ref, "correct": bool(ok)}
        for pred, ref, ok in zip(predictions, references, correct, strict=True)
    ]
    accuracy = 100 * sum(map(bool, correct)) / len(correct) if correct else 0.0
    return {"accuracy": accuracy, "details": details}


def length_mismatch(predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
    """AISBench's answer to lists of different lengths: an ``error`` entry, not an exception."""
    return {
        "error": f"predictions and references have different length "
        f"({len(predictions)} and {len(references)})"
    }
