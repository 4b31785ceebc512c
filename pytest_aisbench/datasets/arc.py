"""ARC (AI2 Reasoning Challenge), Challenge and Easy sets: AISBench's ``ARCDataset``.

Layout (AISBench's ``configs/datasets/ARC_c/README``, from OpenCompass's core data zip)::

    ARC/ARC-c/ARC-Challenge-{Dev,Test}.jsonl      name='ARC-Challenge'
    ARC/ARC-e/ARC-Easy-{Dev,Test}.jsonl           name='ARC-Easy'

One line per question in AI2's schema: ``{"id", "question": {"stem", "choices": [{"text",
"label"}, ...]}, "answerKey"}``. Only four-choice questions are kept (AISBench drops the rest,
so the test index of a question is its place among four-choice lines); a choice label may be a
letter or a digit, and the answer becomes the letter of its position (``A``-``D``). The splits
are ``Dev`` and ``Test``, the names the configs' ``train_split``/``test_split`` use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row, Splits
from pytest_aisbench.datasets.files import bad_row, read_jsonl, require_columns
from pytest_aisbench.registry import LOAD_DATASET

SPLITS = ("Dev", "Test")
LETTERS = "ABCD"


@LOAD_DATASET.register_module()
class ARCDataset(BaseDataset):
    """Questions with ``question``, ``textA``-``textD`` and ``answerKey`` (a letter)."""

    @staticmethod
    def load(path: str, name: str) -> Splits:  # type: ignore[override]
        """Both splits of the set `name` (``ARC-Challenge`` or ``ARC-Easy``) under `path`."""
        splits: Splits = {}
        for split in SPLITS:
            file = Path(path) / f"{name}-{split}.jsonl"
            items = read_jsonl(file)
            require_columns(items, ("question", "answerKey"), str(file))
            rows = (_row(item, file, index) for index, item in enumerate(items))
            splits[split] = [row for row in rows if row is not None]
        return splits


def _row(item: dict[str, Any], file: Path, index: int) -> Row | None:
    """One question as the configs read it; None for a question without exactly four choices."""
    question = item["question"]
    choices = question.get("choices") if isinstance(question, dict) else None
    if not isinstance(choices, list) or "stem" not in question:
        raise bad_row(file, index, "'question' must be an object with 'stem' and 'choices'")
    if len(choices) != len(LETTERS):
        return None
    if not all(isinstance(c, dict) and "label" in c and "text" in c for c in choices):
        raise bad_row(file, index, "each choice must be an object with 'label' and 'text'")
    labels = [choice["label"] for choice in choices]
    if item["answerKey"] not in labels:
        message = f"answerKey {item['answerKey']!r} is none of the labels {labels}"
        raise bad_row(file, index, message)
    row: Row = {
        "question": question["stem"],
        "answerKey": LETTERS[labels.index(item["answerKey"])],
    }
    for letter, choice in zip(LETTERS, choices, strict=True):
        row[f"text{letter}"] = choice["text"]
    return row
