"""Social IQa: social commonsense, a context, a question and three answers, from OpenCompass's
copy of AI2's release (``siqa/{train,dev}.jsonl`` with ``{train,dev}-labels.lst``, one label,
1 to 3, per line of the JSON file). Splits ``train`` and ``validation`` (the configs' test
split).

The gen config scores with ``EDAccEvaluator`` against ``all_labels`` (the candidates and the
right one's index); the ppl config with the letter in ``label``.
"""

from __future__ import annotations

from pathlib import Path

from pytest_aisbench.datasets.base import BaseDataset, Row, Splits
from pytest_aisbench.datasets.files import bad_row, read_labelled
from pytest_aisbench.registry import LOAD_DATASET

LETTERS = "ABC"
ANSWERS = ("answerA", "answerB", "answerC")
FILES = {
    "train": ("train.jsonl", "train-labels.lst"),
    "validation": ("dev.jsonl", "dev-labels.lst"),
}


@LOAD_DATASET.register_module()
class siqaDataset_V2(BaseDataset):
    """``context``, ``question``, ``answerA``..``answerC`` and the file's other columns, plus
    ``label`` (the letter) and ``all_labels`` (``{"candidates": [["A. <answer>", "A",
    "<answer>"], ...], "label": 0-2}``)."""

    @staticmethod
    def load_single(path: str, data_filename: str, label_filename: str) -> list[Row]:
        """One split: the JSON-lines file and its labels file, which must have as many lines."""
        label_file = Path(path) / label_filename
        columns = ("context", "question", *ANSWERS)
        labelled = read_labelled(Path(path) / data_filename, label_file, columns)
        out = []
        for index, (row, label) in enumerate(labelled):
            text = label.strip()
            if text not in ("1", "2", "3"):
                # AISBench indexes " ABC" with it, so 0 gave a blank and -1 gave C
                raise bad_row(label_file, index, f"label {text!r} is not 1, 2 or 3")
            number = int(text)
            candidates = [
                [f"{letter}. {row[column]}", letter, row[column]]
                for letter, column in zip(LETTERS, ANSWERS, strict=True)
            ]
            out.append(
                {
                    **row,
                    "all_labels": {"candidates": candidates, "label": number - 1},
                    "label": LETTERS[number - 1],
                }
            )
        return out

    @staticmethod
    def load(path: str) -> Splits:  # type: ignore[override]
        """Splits ``train`` and ``validation`` of the folder `path`."""
        return {split: siqaDataset_V2.load_single(path, *names) for split, names in FILES.items()}
