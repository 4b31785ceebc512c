"""PIQA: physical commonsense, a goal and two solutions, from AI2's release
(``physicaliqa-train-dev/{train,dev}.jsonl`` with ``{train,dev}-labels.lst``, one label, 0 or 1,
per line of the JSON file). Splits ``train`` and ``validation`` (the configs' test split).

`PIQADataset` (ppl) keeps the label as an int, `PIQADatasetV2` (gen) as ``A``/``B`` in
``answer``, `PIQADatasetV3` also recases the solutions to follow the goal.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytest_aisbench.datasets.base import BaseDataset, Row, Splits
from pytest_aisbench.datasets.files import bad_row, read_labelled
from pytest_aisbench.registry import LOAD_DATASET

FILES = {
    "train": ("train.jsonl", "train-labels.lst"),
    "validation": ("dev.jsonl", "dev-labels.lst"),
}


def _labelled(
    path: str, data_filename: str, label_filename: str, allowed: range | None = None
) -> list[tuple[Row, int]]:
    """Each row of the JSON-lines file with its integer label (in `allowed`, when given)."""
    label_file = Path(path) / label_filename
    labelled = read_labelled(Path(path) / data_filename, label_file, ("goal", "sol1", "sol2"))
    out = []
    for index, (row, text) in enumerate(labelled):
        try:
            label = int(text.strip())
        except ValueError:
            raise bad_row(label_file, index, f"label {text!r} is not an integer") from None
        if allowed is not None and label not in allowed:
            raise bad_row(label_file, index, f"label {label} is not one of {list(allowed)}")
        out.append((row, label))
    return out


def _both(load_single: Callable[[str, str, str], list[Row]], path: str) -> Splits:
    """``train`` and ``validation`` through a class's ``load_single``."""
    return {split: load_single(path, *names) for split, names in FILES.items()}


def _without_id(row: Row) -> Row:
    return {k: v for k, v in row.items() if k != "id"}


@LOAD_DATASET.register_module()
class PIQADataset(BaseDataset):
    """``goal``, ``sol1``, ``sol2`` and ``label`` (0 or 1)."""

    @staticmethod
    def load_single(path: str, data_filename: str, label_filename: str) -> list[Row]:
        """One split's rows."""
        rows = _labelled(path, data_filename, label_filename)
        return [{**_without_id(row), "label": label} for row, label in rows]

    @staticmethod
    def load(path: str) -> Splits:  # type: ignore[override]
        """Splits ``train`` and ``validation`` of the folder `path`."""
        return _both(PIQADataset.load_single, path)


def _answer_row(row: Row, label: int) -> Row:
    """The label as a letter; -1 (unlabelled) as ``NULL``."""
    return {**_without_id(row), "answer": "NULL" if label < 0 else "AB"[label]}


@LOAD_DATASET.register_module()
class PIQADatasetV2(BaseDataset):
    """``goal``, ``sol1``, ``sol2`` and ``answer`` (``A``, ``B``, or ``NULL`` for label -1)."""

    @staticmethod
    def load_single(path: str, data_filename: str, label_filename: str) -> list[Row]:
        """One split's rows."""
        rows = _labelled(path, data_filename, label_filename, allowed=range(-1, 2))
        return [_answer_row(row, label) for row, label in rows]

    @staticmethod
    def load(path: str) -> Splits:  # type: ignore[override]
        """Splits ``train`` and ``validation`` of the folder `path`."""
        return _both(PIQADatasetV2.load_single, path)


def _recase(text: str, upper: bool) -> str:
    return (text[:1].upper() if upper else text[:1].lower()) + text[1:]


def _recased_row(row: Row, label: int) -> Row:
    """The goal capitalised; the solutions capitalised after a goal ending in ``?`` or ``.``,
    lower-cased otherwise (they continue it)."""
    goal = _recase(row["goal"], upper=True)
    sentence = goal.endswith(("?", "."))
    return {
        **_without_id(row),
        "goal": goal,
        "sol1": _recase(row["sol1"], sentence),
        "sol2": _recase(row["sol2"], sentence),
        "label": label,
    }


@LOAD_DATASET.register_module()
class PIQADatasetV3(BaseDataset):
    """`PIQADataset`'s columns with the goal and solutions recased."""

    @staticmethod
    def load_single(path: str, data_filename: str, label_filename: str) -> list[Row]:
        """One split's rows."""
        rows = _labelled(path, data_filename, label_filename)
        return [_recased_row(row, label) for row, label in rows]

    @staticmethod
    def load(path: str) -> Splits:  # type: ignore[override]
        """Splits ``train`` and ``validation`` of the folder `path`."""
        return _both(PIQADatasetV3.load_single, path)
