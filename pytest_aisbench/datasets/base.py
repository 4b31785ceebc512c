"""What every dataset provides: its samples, and how an answer is extracted and compared."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
