"""Pairing two runs' records of the same samples, the input McNemar's test needs.

A sample is paired when both sides scored it: it has a record on each side whose outcome is
not ``error``. An error is a failed request, not an answer, so it says nothing about either
model's correctness (the accuracy gates leave it out for the same reason); a sample present on
one side only (a subset ran, a dataset grew) has nothing to pair with. Correct means outcome
``correct``; every other scored outcome (incorrect, no_answer, truncated) is wrong.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cached_property

from pytest_aisbench.compare.mcnemar import McNemar, mcnemar
from pytest_aisbench.records import SampleRecord

SampleKey = tuple[str, int]
"""(dataset abbr, index): what identifies a sample across models and runs."""


def scored(records: Iterable[SampleRecord], datasets: Collection[str]) -> dict[SampleKey, bool]:
    """Whether each scored sample of `datasets` is correct; of several records of one sample
    (a report resumed into itself), the last one counts, as a resumed run reads it."""
    correct: dict[SampleKey, bool] = {}
    for record in records:
        if record.dataset in datasets:
            key = (record.dataset, record.index)
            if record.outcome == "error":
                correct.pop(key, None)
            else:
                correct[key] = record.outcome == "correct"
    return correct


@dataclass(frozen=True)
class Paired:
    """The 2x2 table of two sides' correctness on their paired samples, and the flipped keys.

    "model" is the side being judged (the current run, or the first of two models), "other"
    the side it is held against (the baseline, or the second model).
    """

    both_correct: int
    neither: int
    only_model: tuple[SampleKey, ...]
    """Samples the model got right and the other got wrong (newly right against a baseline)."""
    only_other: tuple[SampleKey, ...]
    """Samples the other got right and the model got wrong (newly wrong against a baseline)."""
    unpaired: int = 0
    """Samples scored on one side only, left out."""

    @property
    def n_paired(self) -> int:
        return self.both_correct + self.neither + len(self.only_model) + len(self.only_other)

    @property
    def accuracy(self) -> float | None:
        """The model's accuracy over the paired samples (None when nothing is paired)."""
        n = self.n_paired
        return (self.both_correct + len(self.only_model)) / n if n else None

    @property
    def other_accuracy(self) -> float | None:
        n = self.n_paired
        return (self.both_correct + len(self.only_other)) / n if n else None

    @property
    def delta(self) -> float | None:
        """accuracy - other_accuracy, i.e. (only_model - only_other) / n_paired."""
        n = self.n_paired
        return (len(self.only_model) - len(self.only_other)) / n if n else None

    @cached_property
    def test(self) -> McNemar:
        return mcnemar(len(self.only_model), len(self.only_other))


def pair(
    model: Iterable[SampleRecord], other: Iterable[SampleRecord], datasets: Collection[str]
) -> Paired:
    """Pair the two sides' records of `datasets` (one dataset, or a group's subsets) on
    (dataset, index); each side's records must be of one model."""
    mine, theirs = scored(model, datasets), scored(other, datasets)
    both = mine.keys() & theirs.keys()
    only_model = sorted(k for k in both if mine[k] and not theirs[k])
    only_other = sorted(k for k in both if theirs[k] and not mine[k])
    return Paired(
        both_correct=sum(1 for k in both if mine[k] and theirs[k]),
        neither=sum(1 for k in both if not mine[k] and not theirs[k]),
        only_model=tuple(only_model),
        only_other=tuple(only_other),
        unpaired=len(mine.keys() ^ theirs.keys()),
    )
