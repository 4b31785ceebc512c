"""AGIEval: human exams (gaokao, LSAT, SAT, law, logic, math), zero-shot. AISBench's
``AGIEvalDataset_v2`` (the shipped config's class), ``AGIEvalEvaluator`` (the cloze sets:
``math`` and ``gaokao-mathcloze``) and ``AGIEvalEvaluator_mcq``, with the answer parsing and
the math equivalence they use.

Layout (AISBench's ``configs/datasets/agieval/README``: ``data/AGIEval/data/v1`` of
OpenCompass's core data zip)::

    agieval/<subset>.jsonl      aqua-rat, gaokao-*, jec-qa-{ca,kd}, logiqa-{en,zh}, lsat-*,
                                math, sat-en, sat-en-without-passage, sat-math

One line per question: ``passage`` (may be null), ``question``, ``options`` (a list, null for
cloze), ``label`` (a letter, a list of letters, or empty) and ``answer`` (the cloze answer).
Each becomes ``{"question": passage + question, "options": the options one a line, "label":
the letters joined, or the answer when there is no label}``, in file order, as one split.

The single- and multiple-choice sets score with the generic ``AccEvaluator`` after
``first_option_postprocess``/``first_capital_postprocess_multi``; the cloze sets with
`AGIEvalEvaluator`: the reply's last ``\\boxed{}``, ``$...$`` or final number, compared after
Hendrycks' MATH normalisation (`is_equiv`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets import math
from pytest_aisbench.datasets.base import BaseDataset, Row
from pytest_aisbench.datasets.files import bad_row, lacks, read_jsonl, require_columns
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator, right_or_wrong
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET

SETTING = "zero-shot"
"""The only setting AISBench's AGIEval classes accept."""
FEW_SHOT_PREFIXES = ("The answer is therefore", "答案是")


@LOAD_DATASET.register_module()
class AGIEvalDataset_v2(BaseDataset):
    """One subset's questions: ``question``, ``options`` and ``label``."""

    @staticmethod
    def load(path: str, name: str, setting_name: str) -> list[Row]:  # type: ignore[override]
        """Subset `name` (``lsat-ar``) of the folder `path`; `setting_name` must be zero-shot."""
        if setting_name != SETTING:
            raise ConfigError(
                f"AGIEval supports only setting_name={SETTING!r}, got {setting_name!r}",
                key="setting_name",
            )
        file = Path(path) / f"{name}.jsonl"
        items = read_jsonl(file)
        require_columns(items, ("passage", "question", "options", "label"), str(file))
        return [_row(item, file, index) for index, item in enumerate(items)]


def _row(item: dict[str, Any], file: Path, index: int) -> Row:
    """One question as the config reads it."""
    label = item["label"]
    if label:
        label = "".join(label) if isinstance(label, list) else label
    elif "answer" in item:
        label = item["answer"]
    else:
        raise bad_row(file, index, f"the label is empty and there is {lacks(item, 'answer')}")
    options = item["options"]
    return {
        "question": (item["passage"] or "") + item["question"],
        "options": "\n".join(options) if options else "",
        "label": label,
    }


# --- answer parsing (AGIEval's post_process) ---------------------------------------------------


def extract_last_line(text: str) -> str:
    """The last line that is not blank (the text itself when every line is)."""
    return next((line for line in reversed(text.split("\n")) if line.strip()), text)


def remove_few_shot_prefix(text: str) -> str:
    """The text after "The answer is therefore", then after "答案是": after the prefix the text
    starts with, else after its last occurrence."""
    for prefix in FEW_SHOT_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :].strip()
        elif prefix in text:
            text = text[text.rfind(prefix) + len(prefix) :].strip()
    return text


def remove_boxed(text: str | None) -> str | None:
    """The inside of ``\\boxed{...}``, the right side of its last ``=``; None when not boxed."""
    answer = math.remove_boxed(text)
    return None if answer is None else _right_of_equals(answer)


def _right_of_equals(text: str) -> str:
    """What follows the last ``=`` (leading blanks dropped), or the text without one."""
    return text.split("=")[-1].lstrip(" ") if "=" in text else text


_DOLLARS = re.compile(r"\$(.*)\$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?!\w)")


def _answer_with_dollar_sign(text: str) -> str | None:
    """The last ``$...$`` of a line (its right side after ``=``), or None."""
    matches = _DOLLARS.findall(text)
    if not matches:
        return None
    return _right_of_equals(matches[-1])


def _answer_without_dollar_sign(text: str) -> str | None:
    """After the last ``=`` (up to a written ``\\n``), else the last number, else None."""
    if "=" in text:
        answer = text.split("=")[-1].lstrip(" ").rstrip(".")
        return answer.split("\\n")[0] if "\\n" in answer else answer
    numbers = _NUMBER.findall(text)
    return numbers[-1] if numbers else None


def parse_math_answer(setting_name: str, raw_string: str) -> str | None:
    """A cloze reply's answer: for few-shot settings the text after the answer prefix; else the
    last boxed answer, or the last ``$...$``, or what follows the last ``=``, or the last
    number; None when there is nothing of these."""
    if setting_name == "few-shot-CoT":
        raw_string = extract_last_line(raw_string)
    if setting_name in ("few-shot-CoT", "few-shot"):
        return remove_few_shot_prefix(raw_string)
    raw_string = remove_few_shot_prefix(raw_string)
    if "\\boxed" in raw_string:
        return remove_boxed(math.last_boxed_only_string(raw_string))
    return _answer_with_dollar_sign(raw_string) or _answer_without_dollar_sign(raw_string)


# --- Hendrycks' MATH equivalence ----------------------------------------------------------------


def is_equiv(str1: Any, str2: Any, verbose: bool = False) -> bool:
    """Whether two MATH answers are equal once normalised (as written, when one cannot be);
    two missing answers are equal, one missing answer equals nothing."""
    if str1 is None or str2 is None:
        return str1 is None and str2 is None
    if not isinstance(str1, str) or not isinstance(str2, str):
        return bool(str1 == str2)
    try:
        first = math.strip_string(str1, strict_fracs=True)
        second = math.strip_string(str2, strict_fracs=True)
    except math.Unnormalisable:
        return str1 == str2
    if verbose:
        print(first, second)
    return first == second


# --- evaluators --------------------------------------------------------------------------------


@ICL_EVALUATORS.register_module()
class AGIEvalEvaluator(BaseEvaluator):
    """Cloze sets: the reply's parsed answer is MATH-equivalent to the label."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``score`` and ``details`` (``pred`` is the parsed answer)."""
        if len(predictions) != len(references):
            return {"error": "predictions and references have different length"}
        parsed = [parse_math_answer("", pred) for pred in predictions]
        correct = [is_equiv(pred, ref) for pred, ref in zip(parsed, references, strict=True)]
        return right_or_wrong(parsed, references, correct, metric="score")


@ICL_EVALUATORS.register_module()
class AGIEvalEvaluator_mcq(BaseEvaluator):
    """Choice sets: the prediction equals the label."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``score`` and ``details``."""
        if len(predictions) != len(references):
            return {"error": "predictions and references have different length"}
        correct = [pred == ref for pred, ref in zip(predictions, references, strict=True)]
        return right_or_wrong(predictions, references, correct, metric="score")
