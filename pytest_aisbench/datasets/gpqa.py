"""GPQA: four-option science questions from the release's CSVs (``gpqa/gpqa_diamond.csv``,
``gpqa_main.csv``, ``gpqa_extended.csv``, each with a header line).

The CSV always lists the correct answer first, so AISBench moves it: `GPQADataset` rotates the
options by the row's position (row 1 gets ``BCDA``, row 2 ``CDAB``, ...) and
`GPQASimpleEvalDataset` repeats the set four times with permutations drawn from
``random.Random(0)``. Both are reproduced exactly, so a row's options and letter, and its index
in the test split, are AISBench's.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row
from pytest_aisbench.datasets.files import read_csv, require_columns
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import (
    BaseEvaluator,
    length_mismatch,
    right_or_wrong,
)
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS

LETTERS = "ABCD"
QUESTION = "Question"
OPTIONS = ("Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3")
"""The columns of the question and its options, correct first (columns 8 to 12 of the CSV)."""
ROTATIONS = ("ABCD", "BCDA", "CDAB", "DABC")
"""AISBench's option orders, taken in turn by the row's 1-based position modulo 4."""
SIMPLE_EVAL_REPEATS = 4
SIMPLE_EVAL_SEED = 0
_ANSWER_LINE = re.compile(r"(?i)ANSWER\s*:\s*([A-D])")


def _questions(path: str, name: str) -> list[tuple[str, list[str]]]:
    """Each row's question and its four options, correct first, in file order."""
    file = Path(path) / name
    rows = read_csv(file)
    require_columns(rows, (QUESTION, *OPTIONS), str(file))
    # AISBench skips any row whose question cell reads "Question" (its way of skipping headers)
    return [(row[QUESTION], [row[c] for c in OPTIONS]) for row in rows if row[QUESTION] != QUESTION]


@LOAD_DATASET.register_module()
class GPQADataset(BaseDataset):
    """Columns ``question``, ``A``..``D`` and ``answer`` (the letter of the correct option)."""

    @staticmethod
    def load(path: str, name: str, **kwargs: Any) -> list[Row]:  # type: ignore[override]
        """The rows of `name` (``gpqa_diamond.csv``) under `path`, options rotated."""
        data = []
        for position, (question, options) in enumerate(_questions(path, name), start=1):
            order = ROTATIONS[position % 4]
            row: Row = {"question": question}
            for letter, source in zip(LETTERS, order, strict=True):
                row[letter] = options[LETTERS.index(source)]
            # the first letter showing the correct text, as AISBench (a duplicate option wins
            # when it comes first)
            row["answer"] = next(x for x in LETTERS if row[x] == options[0])
            data.append(row)
        return data


@LOAD_DATASET.register_module()
class GPQASimpleEvalDataset(BaseDataset):
    """simple-eval's GPQA: every question four times, options permuted by ``Random(0)``;
    columns ``question``, ``options``, ``permutation``, ``A``..``D`` and ``answer``."""

    @staticmethod
    def load(path: str, name: str) -> list[Row]:  # type: ignore[override]
        """The rows of `name` under `path`, the whole set repeated four times."""
        questions = _questions(path, name) * SIMPLE_EVAL_REPEATS
        rng = random.Random(SIMPLE_EVAL_SEED)
        # all permutations are drawn first, in row order, as AISBench does
        permutations = [rng.sample(range(4), 4) for _ in questions]
        data = []
        for (question, options), permutation in zip(questions, permutations, strict=True):
            shown = [options[i] for i in permutation]
            row: Row = {"question": question, "answer": LETTERS[permutation.index(0)]}
            row["options"] = shown
            row["permutation"] = permutation
            row.update(zip(LETTERS, shown, strict=True))
            data.append(row)
        return data


@ICL_EVALUATORS.register_module()
class GPQAEvaluator(BaseEvaluator):
    """Exact match of the extracted letter with the reference letter."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``accuracy`` in percent and per-sample ``details`` with ``correct``."""
        error = length_mismatch(predictions, references)
        if error:
            return error
        correct = [p == r for p, r in zip(predictions, references, strict=True)]
        return right_or_wrong(predictions, references, correct)


@TEXT_POSTPROCESSORS.register_module()
def GPQA_Simple_Eval_postprocess(text: str) -> str | None:
    """The letter after the first ``Answer:`` (any case), as simple-eval's prompt asks; None
    when there is none."""
    match = _ANSWER_LINE.search(text)
    return match.group(1) if match else None
