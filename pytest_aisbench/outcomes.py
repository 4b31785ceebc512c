"""How a sample's outcome shows in pytest: its status word, and when its item fails.

Only ``error`` fails an item by default; ``--aisbench-strict`` fails every outcome but
``correct``. A wrong answer is not a crash: it gets its own category in the summary line.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pytest_aisbench.records import SampleRecord

# outcome -> (letter, word, markup)
STATUS = {
    "correct": (".", "CORRECT", {"green": True}),
    "incorrect": ("w", "INCORRECT", {"yellow": True}),
    "no_answer": ("n", "NO_ANSWER", {"yellow": True}),
    "truncated": ("t", "TRUNCATED", {"yellow": True}),
}


def failure_message(record: SampleRecord, strict: bool) -> str | None:
    """Why this sample's item fails, or None when it passes."""
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

    def check(self) -> None:
        """Fail the test when the sample's outcome fails it (see the module docstring)."""
        message = failure_message(self.record, self.strict)
        if message is not None:
            pytest.fail(message, pytrace=False)
