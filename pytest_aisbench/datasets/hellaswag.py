"""HellaSwag: pick the ending of a context among four, from OpenCompass's JSON-lines files
(``hellaswag/hellaswag.jsonl``, the validation set, and ``hellaswag_train_sampled25.jsonl``, the
shots of the 10-shot config). Each line has ``query`` (``"<activity>: <context>"``),
``choices`` (four endings) and ``gold`` (0-3).

The four classes differ as AISBench's do: the gen configs take `HellaswagDataset_V2` (letter
labels) or `HellaswagDatasetwithICE` (train and val splits), the ppl config `HellaswagDataset`
(integer labels).
"""

from __future__ import annotations

from pathlib import Path

from pytest_aisbench.datasets.base import BaseDataset, Row, Splits
from pytest_aisbench.datasets.files import bad_row, read_jsonl, require_columns
from pytest_aisbench.registry import LOAD_DATASET

LETTERS = "ABCD"
TRAIN_FILE = "hellaswag_train_sampled25.jsonl"
VAL_FILE = "hellaswag.jsonl"


def _read(file: str | Path) -> list[Row]:
    """The file's lines, each checked to have a query, four choices and a gold index."""
    rows = read_jsonl(file)
    require_columns(rows, ("query", "choices", "gold"), str(Path(file).absolute()))
    for index, row in enumerate(rows):
        choices = row["choices"]
        if not isinstance(choices, list) or len(choices) != len(LETTERS):
            raise bad_row(file, index, f"'choices' must be a list of 4 endings, got {choices!r}")
        gold = row["gold"]
        if type(gold) is not int or not 0 <= gold < len(LETTERS):
            raise bad_row(file, index, f"'gold' must be 0, 1, 2 or 3, got {gold!r}")
    return rows


def _options(row: Row) -> Row:
    return dict(zip(LETTERS, row["choices"], strict=True))


def _letter_rows(file: str | Path) -> list[Row]:
    """Rows with the context after the activity label and the gold option as a letter."""
    return [
        {"ctx": row["query"].split(": ", 1)[-1], **_options(row), "label": LETTERS[row["gold"]]}
        for row in _read(file)
    ]


@LOAD_DATASET.register_module()
class HellaswagDataset(BaseDataset):
    """The ppl form: ``ctx``, ``A``..``D`` and ``label`` as the gold index (an int)."""

    @staticmethod
    def load(path: str) -> list[Row]:  # type: ignore[override]
        """The rows of the file `path` (``hellaswag.jsonl``)."""
        # split(': ', 2): AISBench's v1 drops up to two "label: " prefixes, v2 only one
        return [
            {"ctx": row["query"].split(": ", 2)[-1], **_options(row), "label": row["gold"]}
            for row in _read(path)
        ]


@LOAD_DATASET.register_module()
class HellaswagDataset_V2(BaseDataset):
    """The gen form: ``ctx``, ``A``..``D`` and ``label`` as a letter."""

    @staticmethod
    def load(path: str) -> list[Row]:  # type: ignore[override]
        """The rows of the file `path` (``hellaswag.jsonl``)."""
        return _letter_rows(path)


@LOAD_DATASET.register_module()
class HellaswagDataset_V3(BaseDataset):
    """The raw form: ``query`` whole, ``A``..``D`` and ``gold`` (an int)."""

    @staticmethod
    def load(path: str) -> list[Row]:  # type: ignore[override]
        """The rows of the file `path`."""
        return [
            {"query": row["query"], **_options(row), "gold": row["gold"]} for row in _read(path)
        ]


@LOAD_DATASET.register_module()
class HellaswagDatasetwithICE(BaseDataset):
    """The 10-shot form: splits ``train`` (the 25 sampled shots) and ``val``, as `_V2`'s rows."""

    @staticmethod
    def load(path: str) -> Splits:  # type: ignore[override]
        """Both files of the folder `path`."""
        folder = Path(path)
        return {"train": _letter_rows(folder / TRAIN_FILE), "val": _letter_rows(folder / VAL_FILE)}
