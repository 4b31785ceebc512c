"""MGSM: the first 250 GSM8K problems in ten languages and English, from the Hugging Face
release (``mgsm/mgsm_<lang>.tsv``: ``question<TAB>answer`` per line, no header line, the answer
an integer).

The answer is read after the language's own "Answer" word (`LANG_TO_ANSWER_PREFIX`, the word
each config's instruction asks for) and compared as a string with the reference.
"""

from __future__ import annotations

import re
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row
from pytest_aisbench.datasets.files import read_csv
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator, accuracy_result
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS

LANG_TO_ANSWER_PREFIX = {
    "en": "Answer",
    "bn": "উত্তর",
    "de": "Antwort",
    "es": "Respuesta",
    "fr": "Réponse",
    "ja": "答え",
    "ru": "Ответ",
    "sw": "Jibu",
    "te": "సమాధానం",
    "th": "คำตอบ",
    "zh": "答案",
}
_NUMBER = re.compile(r"\d+\.?\d*")


@LOAD_DATASET.register_module()
class MGSMSDataset(BaseDataset):
    """Columns ``question`` and ``answer`` (a string); one list, train and test alike (the
    8-shot config's shots are the first eight test rows, as in AISBench)."""

    @staticmethod
    def load(path: str) -> list[Row]:  # type: ignore[override]
        """The rows of the TSV file `path` (``mgsm/mgsm_en.tsv``)."""
        rows = read_csv(path, columns=("question", "answer"), delimiter="\t")
        # AISBench strips each line before splitting it at the tab
        return [{"question": r["question"].lstrip(), "answer": r["answer"].rstrip()} for r in rows]


@TEXT_POSTPROCESSORS.register_module()
def mgsm_postprocess(text: str, lang: str) -> str:
    """The last number after the last "Answer" word of `lang` (thousands commas dropped, a
    trailing period too); ``''`` when the word or a number is missing."""
    prefix = LANG_TO_ANSWER_PREFIX[lang]
    if prefix not in text:
        return ""
    numbers = _NUMBER.findall(text.split(prefix)[-1].strip().replace(",", ""))
    return numbers[-1].rstrip(".") if numbers else ""


@ICL_EVALUATORS.register_module()
class MGSM_Evaluator(BaseEvaluator):
    """Exact string match of the extracted number with the reference."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``accuracy`` in percent and ``details`` (``references``, ``predictions``, ``correct``):
        a list here, where AISBench keys them by the sample's index as a string."""
        if len(predictions) != len(references):
            raise ValueError(
                f"MGSM_Evaluator: {len(predictions)} predictions for {len(references)} references"
            )
        details = [
            {"references": r, "predictions": p, "correct": p == r}
            for p, r in zip(predictions, references, strict=True)
        ]
        return accuracy_result(details)
