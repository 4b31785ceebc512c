"""A sample's outcome: how it is decided, how it shows in pytest, and when its item fails.

- ``error``: the request failed after its retries (never a wrong answer).
- ``correct``: the extracted answer matches the reference, however the response ended.
- ``truncated``: otherwise, when the response stopped at the length limit.
- ``no_answer``: otherwise, when nothing could be extracted.
- ``incorrect``: an answer was extracted and it is wrong.

Only ``error`` fails an item by default; ``--aisbench-strict`` fails every outcome but
``correct``. A wrong answer is not a crash: it gets its own category in the summary line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from pytest_aisbench.datasets.base import DatasetConfig, Sample
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.records import NOT_CREATED, Outcome, SampleRecord

# outcome -> (letter, word, markup)
STATUS = {
    "correct": (".", "CORRECT", {"green": True}),
    "incorrect": ("w", "INCORRECT", {"yellow": True}),
    "no_answer": ("n", "NO_ANSWER", {"yellow": True}),
    "truncated": ("t", "TRUNCATED", {"yellow": True}),
}


def decide_outcome(
    output: RequestOutput, extracted: str | None, dataset: DatasetConfig, sample: Sample
) -> Outcome:
    """The outcome, in the order the module docstring gives."""
    if not output.success:
        return "error"
    if extracted is not None and dataset.compare(extracted, sample):
        return "correct"
    if output.finish_reason == "length":
        return "truncated"
    return "no_answer" if extracted is None else "incorrect"


def failure_message(record: SampleRecord, strict: bool) -> str | None:
    """Why this sample's item fails, or None when it passes."""
    if record.error_kind in NOT_CREATED:  # the same reason for each sample: said once
        return (
            f"not sent: backend {record.model!r} could not be created; the reason is printed "
            "once at the end of the session (and kept in the report's records)"
        )
    if record.outcome == "error":
        return f"error after {record.attempts} attempt(s): {record.error}"
    if strict and record.outcome != "correct":
        return (
            f"{record.outcome} (--aisbench-strict): extracted {record.extracted!r}, "
            f"reference {record.reference!r}, finish_reason {record.finish_reason!r}"
        )
    return None


@dataclass(frozen=True)
class SampleResult:
    """What the ``aisbench_sample`` fixture gives a test: the record and its verdict."""

    record: SampleRecord
    strict: bool

    @property
    def prediction(self) -> str:
        """The answer as the model gave it (its reasoning apart)."""
        return self.record.prediction

    @property
    def reasoning(self) -> str:
        return self.record.reasoning

    @property
    def reference(self) -> Any:
        return self.record.reference

    @property
    def extracted(self) -> str | None:
        """The answer as the dataset read it, or None."""
        return self.record.extracted

    @property
    def outcome(self) -> str:
        return self.record.outcome

    def __repr__(self) -> str:
        """What a failing test's traceback shows of its argument: the sample and its verdict,
        not the whole record (the prompt alone may be pages)."""
        record = self.record
        return (
            f"SampleResult({record.model} {record.dataset} #{record.index}: {record.outcome}, "
            f"extracted={record.extracted!r}, reference={record.reference!r})"
        )

    def check(self) -> None:
        """Fail the test when the sample's outcome fails it (see the module docstring)."""
        message = failure_message(self.record, self.strict)
        if message is not None:
            pytest.fail(message, pytrace=False)
