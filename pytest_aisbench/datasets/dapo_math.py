"""DAPO-Math-17k: integer-answer math problems from ByteDance/Tsinghua's DAPO RL recipe.
AISBench's ``DAPOMathDataset``, ``DAPOMathEvaluator``, ``DAPOMathEvaluatorV2`` and the
``dapo_math_postprocess``/``dapo_math_postprocess_v2`` postprocessors.

Layout (AISBench's ``configs/datasets/dapo_math/README``, the HuggingFace release)::

    dapo-math-17k/dapo-math-17k.parquet

Rows in verl's RL form: ``prompt`` (chat messages; the user's content is the problem with its
"Answer: $Answer" instruction), ``reward_model.ground_truth`` (the answer), ``data_source``,
``ability``, ``extra_info``. Each becomes ``{"prompt", "answer", "data_source", "ability",
"extra_info"}`` in file order, as both ``test`` and ``train``. Reading parquet needs pyarrow,
an optional extra: ``pip install 'pytest-aisbench[parquet]'``.

Two scorings, as in DAPO's own reward: the string config takes the last "Answer: ..." line and
normalises it and the reference Minerva's way (`DAPOMathEvaluator`); the ``\\boxed{}`` config
takes the last box in the reply's final 100 characters and compares it with the reference as
written (`DAPOMathEvaluatorV2`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row, Splits
from pytest_aisbench.datasets.files import bad_row, lacks, missing, read_parquet
from pytest_aisbench.datasets.math import braced_from
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator, right_or_wrong
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS

DEFAULT_FILE = "dapo-math-17k.parquet"
ANSWER_PATTERN = r"(?i)Answer\s*:\s*([^\n]+)"
STRICT_BOX_TAIL = 100
"""The strict scoring looks for the box only in the reply's last 100 characters (DAPO's)."""


# --- loading -----------------------------------------------------------------------------------


@LOAD_DATASET.register_module()
class DAPOMathDataset(BaseDataset):
    """The problems, as ``test`` and (the same rows) ``train``."""

    @staticmethod
    def load(path: str, file_name: str | None = None, **kwargs: Any) -> Splits:  # type: ignore[override]
        """The parquet file `file_name` in `path` (absolute names as they are), else `path`
        itself when it is a parquet file, else ``dapo-math-17k.parquet`` in it, else the first
        (by name) parquet file in it."""
        file = _parquet_file(Path(path), file_name)
        rows = [_row(record, file, index) for index, record in enumerate(read_parquet(file))]
        if not rows:
            raise DatasetError(f"{file.absolute()}: no rows")
        return {"test": rows, "train": list(rows)}


def _parquet_file(path: Path, file_name: str | None) -> Path:
    """Which file to read, as AISBench chooses it (a listing in name order, not disk order)."""
    if file_name:
        file = path / file_name  # an absolute file_name replaces path
    elif path.suffix == ".parquet" and path.is_file():
        file = path
    elif (path / DEFAULT_FILE).exists() or not path.is_dir():
        file = path / DEFAULT_FILE
    else:
        found = sorted(entry for entry in os.listdir(path) if entry.endswith(".parquet"))
        file = path / (found[0] if found else DEFAULT_FILE)
    if not file.is_file():
        raise missing(file)
    return file


def _row(record: Row, file: Path, index: int) -> Row:
    """One problem: the user's message and the ground truth (as a string)."""
    for column in ("prompt", "reward_model"):
        if column not in record:
            raise bad_row(file, index, lacks(record, column))
    messages = record["prompt"]
    if not isinstance(messages, list) or not messages:
        raise bad_row(file, index, "'prompt' must be a non-empty list of messages")
    content = next(
        (m.get("content", "") for m in messages if isinstance(m, dict) and m.get("role") == "user"),
        None,
    )
    if content is None:
        first = messages[0]
        content = first.get("content", "") if isinstance(first, dict) else str(first)
    reward = record["reward_model"]
    if not isinstance(reward, dict) or "ground_truth" not in reward:
        raise bad_row(file, index, "'reward_model' has no 'ground_truth'")
    return {
        "prompt": content,
        "answer": str(reward["ground_truth"]),
        "data_source": record.get("data_source", "math_dapo"),
        "ability": record.get("ability", "MATH"),
        "extra_info": record.get("extra_info", {}),
    }


# --- answer extraction and normalisation -------------------------------------------------------


def last_boxed_only_string(string: str) -> str | None:
    """The last ``\\boxed{...}`` with balanced braces, or None."""
    start = string.rfind("\\boxed{")
    return None if start < 0 else braced_from(string, start)


def remove_boxed(s: str) -> str:
    """The inside of ``\\boxed{...}``."""
    left = "\\boxed{"
    if not s.startswith(left) or not s.endswith("}"):
        raise ValueError(f"not a \\boxed{{...}} expression: {s!r}")
    return s[len(left) : -1]


# Minerva's answer normalisation (Lewkowycz et al. 2022), as DAPO's reward applies it.
SUBSTITUTIONS: tuple[tuple[str, str], ...] = (
    ("an ", ""),
    ("a ", ""),
    (".$", "$"),
    ("\\$", ""),
    (r"\ ", ""),
    (" ", ""),
    ("mbox", "text"),
    (",\\text{and}", ","),
    ("\\text{and}", ","),
    ("\\text{m}", "\\text{}"),
)
REMOVED_EXPRESSIONS: tuple[str, ...] = (
    *("square", "ways", "integers", "dollars", "mph", "inches", "hours", "km", "units"),
    *("\\ldots", "sue", "points", "feet", "minutes", "digits", "cents", "degrees", "cm"),
    *("gm", "pounds", "meters", "meals", "edges", "students", "childrentickets", "multiples"),
    *("\\text{s}", "\\text{.}", "\\text{\ns}", "\\text{}^2", "\\text{}^3", "\\text{\n}"),
    *("\\text{}", r"\mathrm{th}", r"^\circ", r"^{\circ}", r"\;", r",\!", "{,}", '"', "\\dots"),
)
_LATEX_REWRITES: tuple[tuple[str, str], ...] = (
    (r"(.*?)(\$)(.*?)(\$)(.*)", "$\\3$"),  # the first $...$ only
    (r"(\\text\{)(.*?)(\})", "\\2"),
    (r"(\\textbf\{)(.*?)(\})", "\\2"),
    (r"(\\overline\{)(.*?)(\})", "\\2"),
    (r"(\\boxed\{)(.*)(\})", "\\2"),
    (r"(frac)([^{])(.)", "frac{\\2}{\\3}"),
    (r"(sqrt)([^{])", "sqrt{\\2}"),
)


def normalize_final_answer(final_answer: str) -> str:
    """The answer's comparable form: the right side of its last ``=``, without units, words,
    spaces, ``$`` and LaTeX wrappers, ``\\frac12`` braced, thousands commas dropped."""
    final_answer = final_answer.split("=")[-1]
    for before, after in SUBSTITUTIONS:
        final_answer = final_answer.replace(before, after)
    for expression in REMOVED_EXPRESSIONS:
        final_answer = final_answer.replace(expression, "")
    for pattern, replacement in _LATEX_REWRITES:
        final_answer = re.sub(pattern, replacement, final_answer)
    final_answer = final_answer.replace("$", "")
    if final_answer.replace(",", "").isdigit():
        final_answer = final_answer.replace(",", "")
    return final_answer.strip()


def extract_pred_by_minerva(solution_str: str, answer_pattern: str = ANSWER_PATTERN) -> str:
    """The last "Answer: ..." line's text, normalised; ``[INVALID]`` (normalised) when none."""
    matches = re.findall(answer_pattern, solution_str)
    return normalize_final_answer(matches[-1] if matches else "[INVALID]")


def extract_pred_by_strict_box(pred: str) -> str:
    """The inside of the last ``\\boxed{}`` within the last 100 characters, or ``""``."""
    boxed = last_boxed_only_string(pred[-STRICT_BOX_TAIL:])
    return remove_boxed(boxed) if boxed is not None else ""


@TEXT_POSTPROCESSORS.register_module("dapo_math_postprocess")
def dapo_math_postprocess(solution_str: str) -> str:
    """The string config's answer: the last "Answer: ..." line, normalised."""
    return extract_pred_by_minerva(solution_str)


@TEXT_POSTPROCESSORS.register_module("dapo_math_postprocess_v2")
def dapo_math_postprocess_v2(solution_str: str) -> str:
    """The boxed config's answer: the last box near the end of the reply, as written."""
    return extract_pred_by_strict_box(solution_str)


# --- evaluators --------------------------------------------------------------------------------


def _accuracy(predictions: list[Any], references: list[Any]) -> dict[str, Any]:
    """AISBench's ``accuracy`` (percent) and per-sample ``details`` of exact equality."""
    correct = [pred == ref for pred, ref in zip(predictions, references, strict=True)]
    return right_or_wrong(predictions, references, correct)


@ICL_EVALUATORS.register_module()
class DAPOMathEvaluator(BaseEvaluator):
    """The normalised prediction (`dapo_math_postprocess`) equals the normalised reference."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``accuracy`` and ``details`` (``answer`` is the normalised reference)."""
        if len(predictions) != len(references):
            return {"error": "preds and refrs have different length"}
        return _accuracy(predictions, [normalize_final_answer(ref) for ref in references])


@ICL_EVALUATORS.register_module()
class DAPOMathEvaluatorV2(BaseEvaluator):
    """The boxed prediction (`dapo_math_postprocess_v2`) equals the reference as written."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``accuracy`` and ``details``."""
        if len(predictions) != len(references):
            return {"error": "preds and refrs have different length"}
        return _accuracy(predictions, references)
