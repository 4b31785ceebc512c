"""mm_custom: your own question-answer rows with pictures (AISBench's ``MMCustomDataset``).

One JSON object a line: ``{"type": "image", "path": ["a.png", ...], "question": str,
"answer": str}``. Each row keeps its columns and gets ``image`` (one value per file),
``video`` and ``audio`` (empty), the input columns AISBench's ``mm_custom_gen.py`` names and
`MMPromptTemplate` fills:

- ``mm_type="path"``: each file as an absolute path. A relative path is read from the data
  file's folder (AISBench reads it from the working directory, so a dataset only runs from one
  place); the template's ``file://{image}`` makes the URL.
- ``mm_type="base64"``: each file as a ``data:<type>;base64,`` URL, its type from its extension,
  which the local vision backends and chat APIs both read.

Every file must exist when the dataset loads; a wrong line names the file and the line. Only
pictures for now: the vision-language backends here take images, so a ``video`` or ``audio`` row
is refused (``num_frames`` is accepted for AISBench's configs and unused).

`MMCustomEvaluator` scores: the stripped answer equals the stripped reference. AISBench's
returns an accuracy of 1 whatever the answers (its mm_custom is for performance runs); a score
that cannot fail would pass every gate, so this one compares.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row
from pytest_aisbench.datasets.files import bad_row, read_jsonl
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.openicl.icl_evaluator import AccEvaluator
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET

MM_TYPES = ("path", "base64")
MEDIA_TYPES = ("image", "video", "audio")
SUPPORTED = ("image",)
"""The row types that run: the vision-language backends here take pictures only."""


@LOAD_DATASET.register_module()
class MMCustomDataset(BaseDataset):
    """Rows of a mm_custom ``.jsonl``, their pictures as paths or data URLs (`mm_type`)."""

    @staticmethod
    def load(path: str, mm_type: str = "path", num_frames: int = 5) -> list[Row]:  # type: ignore[override]
        """The rows of the file `path`, checked line by line, with ``image``/``video``/
        ``audio`` columns; `num_frames` (video frames) is checked and unused."""
        if mm_type not in MM_TYPES:
            raise ConfigError(f"{mm_type!r}: expected one of {', '.join(MM_TYPES)}", key="mm_type")
        if not isinstance(num_frames, int) or isinstance(num_frames, bool) or num_frames < 1:
            raise ConfigError(f"{num_frames!r}: expected a positive int", key="num_frames")
        file = Path(path)
        rows = read_jsonl(file)
        return [_row(file, index, row, mm_type) for index, row in enumerate(rows)]


def _row(file: Path, index: int, row: Row, mm_type: str) -> Row:
    """One line checked, with its media columns."""
    kind = row.get("type")
    if kind not in MEDIA_TYPES:
        raise bad_row(file, index, f"'type' is {kind!r}; expected one of {', '.join(MEDIA_TYPES)}")
    if kind not in SUPPORTED:
        raise bad_row(
            file,
            index,
            f"'type' {kind!r} is not supported yet: the vision-language backends take images",
        )
    paths = row.get("path")
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
        raise bad_row(file, index, f"'path' must be a non-empty list of file paths, not {paths!r}")
    if not isinstance(row.get("question"), str):
        raise bad_row(file, index, f"'question' must be a string, not {row.get('question')!r}")
    if "answer" in row and not isinstance(row["answer"], (str, int, float)):
        raise bad_row(file, index, f"'answer' must be a string, not {row['answer']!r}")
    values = [_media(file, index, p, mm_type) for p in paths]
    return {**row, "image": values, "video": [], "audio": []}


def _media(file: Path, index: int, given: str, mm_type: str) -> str:
    """One file of a row: its absolute path, or its data URL."""
    target = Path(given).expanduser()
    if not target.is_absolute():
        target = file.parent / target
    target = target.absolute()
    if not target.is_file():
        raise bad_row(file, index, f"image {given!r} not found at {target}")
    if mm_type == "path":
        return str(target)
    kind = mimetypes.guess_type(target.name)[0]
    if kind is None or not kind.startswith("image/"):
        raise bad_row(
            file, index, f"image {given!r}: not a picture by its extension (.png, .jpg, ...)"
        )
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise bad_row(file, index, f"cannot read image {target}: {exc}") from None
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


@ICL_EVALUATORS.register_module()
class MMCustomEvaluator(AccEvaluator):
    """Exact match of the stripped answer and reference (AISBench's always gives 1)."""

    def _preprocess(self, predictions: list[Any], references: list[Any]) -> dict[str, list[Any]]:
        """Both sides as stripped strings."""
        return {
            "predictions": [str(p).strip() for p in predictions],
            "references": [str(r).strip() for r in references],
        }
