"""What every dataset provides: its samples, and how an answer is extracted and compared; and
`BaseDataset`, AISBench's base of the classes that read a dataset family's files."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_aisbench.utils.prompt import PromptType


@dataclass(frozen=True)
class Sample:
    """One evaluation sample, identified by (dataset abbr, index)."""

    dataset: str
    """The dataset's abbr, as shown in test ids and tables (``demo_gsm8k``)."""
    index: int
    """Position in the dataset's test split (0-based, after the loader's own filtering and the
    config's ``test_range``), stable across runs and workers: AISBench's row index."""
    prompt: PromptType
    """What is sent to the model: a chat `PromptList` or a plain string."""
    reference: Any
    """The reference answer, after the config's ``dataset_postprocessor`` (a string, or what
    the evaluator compares with: a list of aliases, a number)."""
    row: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The test row itself, for evaluators that read more than the reference (``test_set``)."""
    max_out_len: int | None = None
    """This row's output limit (a ``max_out_len`` input column), over the backend's."""
    repeat: int = 0
    """Which of its row's answers this sample asks for (0 unless the config repeats rows)."""


@dataclass(frozen=True)
class DatasetConfig:
    """One dataset as it runs: a dict of a dataset config file, or a generated dataset."""

    name: str
    """How users select it with ``--aisbench-dataset`` (the config file's name)."""
    abbr: str
    """Short name for ids, tables and reports (the config's ``abbr``)."""
    path: str
    """Where its files are, as the config says (``ais_bench/datasets/gsm8k``)."""
    load: Callable[[Path], list[Sample]]
    """Reads the samples from the datasets directory; raises `DatasetError` naming file and line."""
    extract: Callable[[str], str | None]
    """The answer in a model's response, or None when there is none."""
    compare: Callable[[str, Sample], bool]
    """Whether an extracted answer is right for the sample (the evaluator's verdict)."""
    max_out_len: int | None = None
    """Output token limit for this dataset (the inferencer's); the backend's key comes first."""
    min_accuracy: float | None = None
    """Default accuracy gate for this dataset; None means no gate unless one is given."""
    stop_words: tuple[str, ...] = ()
    """An answer is read up to the first of these (the inferencer's ``stopping_criteria``)."""
    extract_for: Callable[[str, Sample], str | None] | None = None
    """Reads the answer knowing its sample, where the row decides what the text names (a custom
    multiple-choice answer given as one option's text); when set, the engine uses it instead of
    `extract`."""
    source: str = ""
    """The file it was read from ('' for a generated dataset)."""
    repeats: int = 1
    """Answers asked per row (the config's ``n``): each row is that many consecutive samples."""
    pass_at: tuple[int, ...] = (1,)
    """The k of pass@k to report over a row's answers (the config's ``k``)."""
    described: Mapping[str, Any] = field(default_factory=dict)
    """What the report's fingerprint digests, by part: ``config`` (a config file's dataset
    dict) and ``scorer`` (its ``eval_cfg``; a declared dataset's scorer). A part not given:
    the config '' and the scorer by `extract`, `extract_for` and `compare`."""


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
    def load(*args: Any, **kwargs: Any) -> list[Row] | Splits:
        """The dataset's rows, as one list (train and test alike) or per split; ``path`` and
        the config's own keys come as keywords."""
        raise NotImplementedError("a dataset class must implement load(path, **kwargs)")
