"""GSM8K: grade-school math word problems, as AISBench's ``datasets/gsm8k.py`` provides them.

- `GSM8KDataset` reads ``<path>/train.jsonl`` and ``<path>/test.jsonl`` (``question``,
  ``answer`` with a final ``#### N`` line); every line is checked, and a bad one is named.
- `gsm8k_dataset_postprocess`: the reference is the text after ``#### ``, without thousands
  separators.
- `gsm8k_postprocess`: the last number before any follow-on ``Question:``. Unlike OpenCompass's
  it reads ``$70,000`` as 70000, not 000, and gives '' (no answer) when there is no number.
- `Gsm8kEvaluator`: numeric equality within 1e-6 (``18.00`` is 18).

The prompts are in the config files (``configs/datasets/gsm8k``): 4-shot chat and string,
0-shot chat, and their 8-question demos.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Splits
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator, right_or_wrong
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS

GSM8K_FOLDER = "gsm8k"
FINAL_MARK = "#### "
HOW_TO_GET = (
    "GSM8K is published by OpenAI at https://github.com/openai/grade-school-math "
    "(grade_school_math/data/train.jsonl and test.jsonl); put both files in a gsm8k/ folder "
    "and point --aisbench-datasets-dir or AISBENCH_DATASETS_DIR at the folder holding gsm8k/"
)

_CALCULATOR_NOTE = re.compile(r"<<.*?>>")
# A number with thousands separators first (so "70,000" is one number), then a plain one;
# a decimal point counts only when digits follow it, so a sentence's final period is left out.
_NUMBER = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Problem:
    """One GSM8K line: the question and its worked solution ending in ``#### N``."""

    question: str
    solution: str


@functools.cache
def read_problems(path: Path) -> tuple[Problem, ...]:
    """The problems in a GSM8K JSONL file; cached per path, since every config reads the same two.

    Raises `DatasetError` naming the file (and line) when it is missing or a line is malformed.
    """
    try:
        with path.open("rb") as lines:
            problems = tuple(
                _parse_line(raw, path, line_no)
                for line_no, raw in enumerate(lines, start=1)
                if raw.strip()
            )
    except FileNotFoundError:
        raise DatasetError(f"GSM8K file not found: {path.absolute()}. {HOW_TO_GET}") from None
    except OSError as exc:
        raise DatasetError(f"cannot read GSM8K file {path.absolute()}: {exc}") from None
    if not problems:
        raise DatasetError(f"GSM8K file {path.absolute()} holds no samples (no non-empty line)")
    return problems


def _parse_line(raw: bytes, path: Path, line_no: int) -> Problem:
    """One JSONL line as a `Problem`; any defect is reported with its file and line."""
    try:
        record = json.loads(raw)
    except ValueError as exc:
        raise _line_error(path, line_no, f"not valid JSON ({exc})") from None
    if not isinstance(record, dict):
        raise _line_error(path, line_no, "expected a JSON object")
    for key in ("question", "answer"):
        if not isinstance(record.get(key), str):
            raise _line_error(path, line_no, f"{key!r} is missing or not a string")
    if FINAL_MARK not in record["answer"]:
        raise _line_error(path, line_no, f"'answer' has no final {FINAL_MARK.strip()!r} line")
    return Problem(question=record["question"], solution=record["answer"])


def _line_error(path: Path, line_no: int, what: str) -> DatasetError:
    """An error pointing at one line, so a bad download or edit is found at once."""
    return DatasetError(f"{path.absolute()}, line {line_no}: {what}")


def reference_answer(solution: str) -> str:
    """The final answer of a solution: the text after ``#### ``, without thousands separators."""
    return solution.rsplit(FINAL_MARK, 1)[-1].strip().replace(",", "")


def solution_to_cot(solution: str) -> str:
    """A solution as a worked example: no calculator notes, ``#### N`` as ``The answer is N``."""
    steps, _, final = solution.rpartition(FINAL_MARK)
    return f"{_CALCULATOR_NOTE.sub('', steps)}The answer is {final.strip()}\n"


def extract_answer(text: str) -> str | None:
    """The last number before any follow-on ``Question:``, without commas; None if there is none.

    Unlike OpenCompass's ``gsm8k_postprocess`` it reads ``$70,000`` as 70000, not 000.
    """
    numbers = _NUMBER.findall(text.split("Question:", 1)[0])
    return numbers[-1].replace(",", "") if numbers else None


def answers_match(pred: str, ref: str) -> bool:
    """Numeric equality within 1e-6 (``18.00`` matches ``18``); plain string equality otherwise."""
    try:
        return abs(float(pred) - float(ref)) < 1e-6
    except ValueError:
        return pred == ref


@LOAD_DATASET.register_module()
class GSM8KDataset(BaseDataset):
    """GSM8K's two splits from ``<path>/{train,test}.jsonl``."""

    @staticmethod
    def load(path: str, **kwargs: Any) -> Splits:
        folder = Path(path)
        return {
            split: [
                {"question": p.question, "answer": p.solution}
                for p in read_problems(folder / f"{split}.jsonl")
            ]
            for split in ("train", "test")
        }


@TEXT_POSTPROCESSORS.register_module("gsm8k_dataset")
def gsm8k_dataset_postprocess(text: str) -> str:
    """The reference: the final answer of a solution."""
    return reference_answer(text)


@TEXT_POSTPROCESSORS.register_module("gsm8k")
def gsm8k_postprocess(text: str) -> str:
    """The answer in a response (`extract_answer`), or '' when it holds no number."""
    return extract_answer(text) or ""


@ICL_EVALUATORS.register_module()
class Gsm8kEvaluator(BaseEvaluator):
    """Accuracy of numeric answers (`answers_match`), per sample in ``details``."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        if len(predictions) != len(references):
            return {"error": "predictions and references have different lengths"}
        correct = [
            answers_match(str(p), str(r)) for p, r in zip(predictions, references, strict=True)
        ]
        return right_or_wrong(predictions, references, correct)


def gold_reply(prompt_text: str, datasets_dir: Path) -> str | None:
    """What a perfect model answers: the reference chain of thought of the prompt's last question.

    Backs the "gold" checks of a whole suite (every sample must come out correct), which a
    small real model's near-zero accuracy cannot give.
    """
    last = prompt_text.rsplit("Question: ", 1)[-1]
    question = last.split("\nLet's think step by step", 1)[0]
    solutions = _solutions_by_question(Path(datasets_dir) / GSM8K_FOLDER / "test.jsonl")
    solution = solutions.get(question)
    return None if solution is None else solution_to_cot(solution)


@functools.cache
def _solutions_by_question(path: Path) -> dict[str, str]:
    return {problem.question: problem.solution for problem in read_problems(path)}
