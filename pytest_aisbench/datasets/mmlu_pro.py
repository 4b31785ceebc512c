"""MMLU-Pro: up to ten options per question in 14 categories, from the Hugging Face release's
parquet files as OpenCompass ships them (``mmlu_pro/test-00000-of-00001.parquet`` and
``validation-00000-of-00001.parquet``; AISBench reads the folder with ``datasets.load_dataset``,
which names splits after the files).

Parquet needs pyarrow, an optional extra: ``pip install 'pytest-aisbench[parquet]'``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row, Splits
from pytest_aisbench.datasets.files import missing, read_parquet, require_columns
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import (
    BaseEvaluator,
    length_mismatch,
    right_or_wrong,
)
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET

CHOICES = list("ABCDEFGHIJKLMNOP")
SPLITS = ("test", "validation")
COT_PREFIX = "A: Let's think step by step."


def split_files(folder: Path, split: str) -> list[Path]:
    """The files of `split` in `folder` (``test-00000-of-00001.parquet``, ``test.parquet``),
    in name order, as ``load_dataset`` takes them."""
    found = sorted({*folder.glob(f"{split}-*.parquet"), *folder.glob(f"{split}.parquet")})
    if not found:
        raise missing(folder / f"{split}-00000-of-00001.parquet", f"MMLU-Pro {split} split")
    return found


def _parse(row: Row) -> Row:
    """AISBench's additions: ``options_str`` (``"A. ...\\nB. ..."``, ``N/A`` options left out
    but their letters kept), ``answer_string`` (the answer's line, newline included) and
    ``cot_content`` without its "Let's think step by step" opening."""
    lines = []
    answer_string = ""
    for letter, option in zip(CHOICES, row["options"], strict=False):
        if option == "N/A":
            continue
        line = f"{letter}. {option}\n"
        lines.append(line)
        if row["answer"] == letter:
            answer_string = line
    cot = row["cot_content"] or ""
    return {
        **row,
        "answer_string": answer_string,
        "options_str": "".join(lines).strip(),
        "cot_content": cot.removeprefix(COT_PREFIX).strip(),
    }


@LOAD_DATASET.register_module()
class MMLUProDataset(BaseDataset):
    """Splits ``test`` and ``validation`` (the shots), the rows of one `category`, in file
    order, with ``options_str``, ``answer_string`` and the trimmed ``cot_content`` added."""

    @staticmethod
    def load(path: str, category: str) -> Splits:  # type: ignore[override]
        """The rows of `category` (``computer science``) in the folder `path`."""
        folder = Path(path)
        splits: Splits = {split: [] for split in SPLITS}
        for split in SPLITS:
            for file in split_files(folder, split):
                rows = read_parquet(file)
                require_columns(
                    rows, ("question", "options", "answer", "cot_content", "category"), str(file)
                )
                chosen = [_parse(row) for row in rows if row["category"] == category]
                splits[split].extend(chosen)
        return splits


@ICL_EVALUATORS.register_module()
class MMLUProBaseEvaluator(BaseEvaluator):
    """The answer's first line is the reference's letter or the reference option's text."""

    def is_equal(self, pred: str, refer: str) -> bool:
        """`refer` is an ``answer_string`` (``"C. 42\\n"``): `pred` matches its letter or its
        text."""
        # AISBench splits at every ". " and gives up on three parts or more, so an option whose
        # text has ". " never scored; the first ". " is the letter's
        parts = refer.split(". ", 1) if isinstance(refer, str) else []
        if len(parts) != 2:
            return False
        letter, text = parts
        return (pred in CHOICES and letter == pred) or text.strip() == pred

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``accuracy`` in percent and per-sample ``details`` with ``correct``."""
        error = length_mismatch(predictions, references)
        if error:
            return error
        firsts = [str(p).split("\n")[0].strip() for p in predictions]
        correct = [self.is_equal(p, r) for p, r in zip(firsts, references, strict=True)]
        return right_or_wrong(firsts, references, correct)
