"""RACE: reading comprehension from English exams, from OpenCompass's JSON lines
(``race/{validation,test}/{high,middle}.jsonl``, each line ``article``, ``question``,
``options`` (four) and ``answer`` (a letter)). The configs take their shots from ``validation``
and their questions from ``test``.
"""

from __future__ import annotations

from pathlib import Path

from pytest_aisbench.datasets.base import BaseDataset, Row, Splits
from pytest_aisbench.datasets.files import bad_row, read_jsonl, require_columns
from pytest_aisbench.registry import LOAD_DATASET

LETTERS = "ABCD"
SPLITS = ("validation", "test")


def _read(file: Path) -> list[Row]:
    rows = read_jsonl(file)
    require_columns(rows, ("article", "question", "options", "answer"), str(file.absolute()))
    out = []
    for index, row in enumerate(rows):
        options = row["options"]
        if not isinstance(options, list) or len(options) < len(LETTERS):
            raise bad_row(file, index, f"'options' must be a list of 4, got {options!r}")
        out.append(
            {
                "article": row["article"],
                "question": row["question"],
                **dict(zip(LETTERS, options, strict=False)),
                "answer": row["answer"],
            }
        )
    return out


@LOAD_DATASET.register_module()
class RaceDataset(BaseDataset):
    """Splits ``validation`` and ``test``: ``article``, ``question``, ``A``..``D``, ``answer``."""

    @staticmethod
    def load(path: str, name: str) -> Splits:  # type: ignore[override]
        """The level `name` (``high`` or ``middle``) of the folder `path`."""
        return {split: _read(Path(path) / split / f"{name}.jsonl") for split in SPLITS}
