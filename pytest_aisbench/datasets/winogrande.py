"""WinoGrande: fill the blank (``_``) of a sentence with one of two options, from AI2's release
as OpenCompass ships it (``winogrande/dev.jsonl``, and ``train_xs.jsonl`` for the 5-shot
config's shots; each line ``sentence``, ``option1``, ``option2``, ``answer`` ("1" or "2")).

`WinograndeDatasetV2` (0-shot gen) and `WinograndeDatasetV3` (5-shot: splits ``train_xs`` and
``dev``) give the answer as ``A``/``B``; `WinograndeDataset` keeps it as in the file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row, Splits
from pytest_aisbench.datasets.files import bad_row, read_jsonl, require_columns
from pytest_aisbench.registry import LOAD_DATASET

DEV_FILE = "dev.jsonl"
V3_SPLITS = ("train_xs", "dev")


def _same(file: Path, index: int, answer: Any) -> Any:
    return answer


def _letter(file: Path, index: int, answer: Any) -> str:
    """``"1"`` -> ``A``, ``"2"`` -> ``B``, ``""`` (unlabelled) -> ``NULL``."""
    if answer == "":
        return "NULL"
    if str(answer) not in ("1", "2"):
        raise bad_row(file, index, f"'answer' must be 1, 2 or empty, got {answer!r}")
    return " AB"[int(answer)]


def _read(file: Path, answer: Callable[[Path, int, Any], Any]) -> list[Row]:
    """The rows with the sentence split at its blank: ``prompt`` (the sentence),
    ``only_option1``/``only_option2``, ``opt1``/``opt2`` (the sentence filled), ``answer`` and
    ``cont`` (the text after the blank)."""
    rows = read_jsonl(file)
    require_columns(rows, ("sentence", "option1", "option2", "answer"), str(file.absolute()))
    out = []
    for index, row in enumerate(rows):
        sentence = row["sentence"]
        pieces = sentence.split("_")
        if len(pieces) < 2:
            raise bad_row(file, index, f"the sentence has no blank '_': {sentence!r}")
        out.append(
            {
                "prompt": sentence,
                "only_option1": row["option1"],
                "only_option2": row["option2"],
                "opt1": sentence.replace("_", row["option1"]),
                "opt2": sentence.replace("_", row["option2"]),
                "answer": answer(file, index, row["answer"]),
                "cont": pieces[1],
            }
        )
    return out


@LOAD_DATASET.register_module()
class WinograndeDataset(BaseDataset):
    """The rows of ``dev.jsonl``, ``answer`` as in the file (``"1"``/``"2"``)."""

    @staticmethod
    def load(path: str) -> list[Row]:  # type: ignore[override]
        """``dev.jsonl`` of the folder `path`."""
        return _read(Path(path) / DEV_FILE, _same)


@LOAD_DATASET.register_module()
class WinograndeDatasetV2(BaseDataset):
    """The rows of ``dev.jsonl``, ``answer`` as ``A``/``B`` (``NULL`` when unlabelled)."""

    @staticmethod
    def load(path: str) -> list[Row]:  # type: ignore[override]
        """``dev.jsonl`` of the folder `path`."""
        return _read(Path(path) / DEV_FILE, _letter)


@LOAD_DATASET.register_module()
class WinograndeDatasetV3(BaseDataset):
    """Splits ``train_xs`` (the shots) and ``dev``, as `WinograndeDatasetV2`'s rows."""

    @staticmethod
    def load(path: str) -> Splits:  # type: ignore[override]
        """``train_xs.jsonl`` and ``dev.jsonl`` of the folder `path`."""
        return {s: _read(Path(path) / f"{s}.jsonl", _letter) for s in V3_SPLITS}
