"""What every dataset provides: its samples, and how an answer is extracted and compared; and
`BaseDataset`, AISBench's base of the classes that read a dataset family's files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_aisbench.utils.prompt import PromptType


@dataclass(frozen=True)
class Sample:
    """One evaluation sample, identified by (dataset abbr, index)."""

    dataset: str
    """The dataset's abbr, as shown in test ids and tables (``demo_gsm8k``)."""
    index: int
    """Position in the dataset's test split (0-based), stable across runs and workers."""
    prompt: PromptType
    """What is sent to the model: a chat `PromptList` or a plain string."""
    reference: str
    """The reference answer the extracted prediction is compared with."""


@dataclass(frozen=True)
class DatasetConfig:
    """A named dataset configuration (AISBench: one file under ``configs/datasets``)."""

    name: str
    """The name users select with ``--aisbench-dataset``."""
    abbr: str
    """Short name for ids, tables and reports."""
    path: str
    """Folder under the datasets directory (``gsm8k``)."""
    load: Callable[[Path], list[Sample]]
    """Reads the samples from the datasets directory; raises `DatasetError` naming file and line."""
    extract: Callable[[str], str | None]
    """The answer in a model's response, or None when there is none."""
    compare: Callable[[str, str], bool]
    """Whether an extracted answer matches the reference."""
    max_out_len: int | None = None
    """Output token limit for this dataset; None keeps the backend's ``max_out_len``."""
    min_accuracy: float | None = None
    """Default accuracy gate for this dataset; None means no gate unless one is given."""


Row = dict[str, Any]
"""One row of a dataset: column name -> value."""
Splits = dict[str, list[Row]]
"""A dataset's rows per split name (``train``, ``test``, ``dev``, ``validation``, ...)."""


class BaseDataset:
    """A dataset family's loader (AISBench's ``BaseDataset``): subclass it, implement `load`,
    register it with ``@LOAD_DATASET.register_module()``.

    `load` gets the dataset config's ``path`` already resolved to an absolute path under the
    datasets folder, and the config's other keys (``name``, ``file_name``, ...). It returns the
    rows of one split, or every split by name. A file that is missing or a row that is
    malformed raises `DatasetError` naming the file and the line (`pytest_aisbench.datasets
    .files` reads JSONL, JSON, CSV and TSV that way).
    """

    @staticmethod
    def load(path: str, **kwargs: Any) -> list[Row] | Splits:
        """The dataset's rows, as one list (train and test alike) or per split."""
        raise NotImplementedError("a dataset class must implement load(path, **kwargs)")
