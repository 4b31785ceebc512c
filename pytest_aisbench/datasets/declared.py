"""`Dataset`: samples declared in pytest, without a config file.

    CAPITALS = Dataset.from_jsonl(Path(__file__).parent / "capitals.jsonl", abbr="capitals",
                                  prompt="What is the capital of {country}?")

    @pytest.mark.aisbench(dataset=CAPITALS)
    def test_capitals(aisbench_sample):
        assert "Paris" in aisbench_sample.prediction or aisbench_sample.reference != "Paris"

Each row becomes a sample with the engine's concurrency, the report and the gates, as a config
file's do. The test asserts what it likes on its sample; the record's outcome comes from the
dataset's scorer (`pytest_aisbench.scorers`), exact match by default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import DatasetConfig, Row, Sample
from pytest_aisbench.datasets.files import read_csv, read_jsonl, require_columns
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.scorers import Scorer, as_score, exact_match, load_scorer
from pytest_aisbench.utils.prompt import PromptList, PromptType, safe_format

_ABBR_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


@dataclass(frozen=True)
class Dataset:
    """Rows, how each becomes a prompt, where its reference is, and how an answer is scored."""

    abbr: str
    """Its name in item ids, tables and reports."""
    rows: tuple[Row, ...]
    prompt: str | Callable[[Row], PromptType] = "{question}"
    """A template with ``{column}`` fields (sent as one user turn), or a function of the row."""
    reference: str | None = "answer"
    """The column holding the reference answer (None: the rows have none)."""
    scorer: Scorer | str = exact_match
    """``score(prediction, reference, sample) -> Score | bool``, or ``"module:function"``."""
    stop_words: tuple[str, ...] = ()
    max_out_len: int | None = None
    min_accuracy: float | None = None
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        where = self.source or f"Dataset {self.abbr!r}"
        if not self.abbr or not set(self.abbr) <= _ABBR_CHARS:
            raise ConfigError(f"{where}: abbr {self.abbr!r}: letters, digits, '_', '.', '-' only")
        if not all(isinstance(row, dict) for row in self.rows):
            raise ConfigError(f"{where}: every row must be a dict of column -> value")
        if self.reference is not None:
            require_columns(list(self.rows), [self.reference], where)
        if isinstance(self.scorer, str):
            object.__setattr__(self, "scorer", load_scorer(self.scorer))

    @classmethod
    def from_rows(cls, abbr: str, rows: Iterable[Row], **options: Any) -> Dataset:
        return cls(abbr=abbr, rows=tuple(rows), **options)

    @classmethod
    def from_jsonl(cls, path: str | Path, abbr: str | None = None, **options: Any) -> Dataset:
        """One sample per line of a JSON-lines file; `abbr` defaults to the file's name."""
        file = Path(path)
        return cls(abbr=abbr or file.stem, rows=tuple(read_jsonl(file)), source=str(file),
                   **options)  # fmt: skip

    @classmethod
    def from_csv(cls, path: str | Path, abbr: str | None = None, **options: Any) -> Dataset:
        """One sample per row of a CSV file with a header line."""
        file = Path(path)
        return cls(abbr=abbr or file.stem, rows=tuple(read_csv(file)), source=str(file),
                   **options)  # fmt: skip

    def to_config(self) -> DatasetConfig:
        """The dataset as the engine runs it."""
        return DatasetConfig(
            name=self.abbr,
            abbr=self.abbr,
            path=self.source,
            load=lambda datasets_dir: self.samples(),
            extract=lambda text: text if text.strip() else None,
            compare=self._compare,
            max_out_len=self.max_out_len,
            min_accuracy=self.min_accuracy,
            stop_words=self.stop_words,
            source=self.source or f"Dataset {self.abbr!r}",
            described={"scorer": [self.scorer, self.reference]},
        )

    def samples(self) -> list[Sample]:
        return [
            Sample(
                dataset=self.abbr,
                index=index,
                prompt=self._prompt(row),
                reference=row.get(self.reference) if self.reference else None,
                row=row,
            )
            for index, row in enumerate(self.rows)
        ]

    def _prompt(self, row: Row) -> PromptType:
        if callable(self.prompt):
            return self.prompt(row)
        return PromptList([{"role": "HUMAN", "prompt": safe_format(self.prompt, **row)}])

    def _compare(self, extracted: str, sample: Sample) -> bool:
        scorer: Any = self.scorer
        return as_score(scorer(extracted, sample.reference, sample), scorer).correct
