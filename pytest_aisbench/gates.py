"""Accuracy per (model, dataset), its Wilson interval, and the gate verdict.

Accuracy is correct / scored, where scored samples are those that got a response (every
outcome but ``error``): a server fault fails its own item and never counts as a wrong answer.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_aisbench.records import OUTCOMES, SampleRecord
from pytest_aisbench.repeats import repeat_metrics

Z_95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion; (0, 1) when there is no sample."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, center - half), min(1.0, center + half)


@dataclass(frozen=True)
class AccuracyGate:
    """The verdict for one (model, dataset)."""

    model: str
    dataset: str
    counts: dict[str, int]
    """Samples per outcome."""
    min_accuracy: float | None
    total: int | None = None
    """Samples in the dataset; more than `n` when the run covered a subset (``-k``, ``--lf``)."""
    max_error_rate: float = 0.0
    """The share of samples that may end in error (``--aisbench-max-error-rate``)."""
    repeat_metrics: dict[str, float] = field(default_factory=dict)
    """``avg@n`` and ``pass@k`` when the dataset asks for several answers per row."""

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    @property
    def scored(self) -> int:
        return self.n - self.counts["error"]

    @property
    def accuracy(self) -> float | None:
        return self.counts["correct"] / self.scored if self.scored else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.counts["correct"], self.scored)

    @property
    def error_rate(self) -> float:
        return self.counts["error"] / self.n if self.n else 0.0

    @property
    def too_many_errors(self) -> bool:
        return self.error_rate > self.max_error_rate

    @property
    def verdict(self) -> str:
        """``FAIL`` on too many errors or too low an accuracy, ``PASS``, or ``-`` when no
        accuracy threshold applies and the errors are within bounds."""
        if self.too_many_errors:
            return "FAIL"
        if self.min_accuracy is None:
            return "-"
        accuracy = self.accuracy
        return "PASS" if accuracy is not None and accuracy >= self.min_accuracy else "FAIL"

    @property
    def name(self) -> str:
        return f"gate[{self.model}-{self.dataset}]"

    @property
    def key(self) -> tuple[str, str]:
        """(model, dataset abbr)."""
        return self.model, self.dataset

    @property
    def partial(self) -> bool:
        """Whether the gate covers fewer samples than the dataset has."""
        return self.total is not None and self.n < self.total

    @property
    def coverage(self) -> str:
        """``8`` for a whole dataset, ``1 of 8`` for a subset."""
        return f"{self.n} of {self.total}" if self.partial else str(self.n)

    def explain(self) -> str:
        """One line for a failed gate's report."""
        subset = f"; covers {self.coverage} samples" if self.partial else ""
        if self.too_many_errors:
            return (
                f"{self.counts['error']} of {self.n} samples of {self.model} on {self.dataset} "
                f"ended in error ({self.error_rate:.1%} > max {self.max_error_rate:.1%}, "
                f"--aisbench-max-error-rate){subset}"
            )
        accuracy = "n/a (no scored sample)" if self.accuracy is None else f"{self.accuracy:.1%}"
        low, high = self.interval
        return (
            f"accuracy {accuracy} < min {self.min_accuracy:.1%} for {self.model} on "
            f"{self.dataset} (95% CI {low:.1%}-{high:.1%}, n={self.scored}{subset})"
        )

    def to_dict(self) -> dict[str, Any]:
        low, high = self.interval
        return {
            "model": self.model,
            "dataset": self.dataset,
            "n": self.n,
            "total": self.total,
            "scored": self.scored,
            "counts": dict(self.counts),
            "accuracy": self.accuracy,
            "ci95": [low, high],
            "min_accuracy": self.min_accuracy,
            "error_rate": self.error_rate,
            "max_error_rate": self.max_error_rate,
            "verdict": self.verdict,
            **self.repeat_metrics,
        }


def accuracy_gates(
    records: list[SampleRecord],
    totals: dict[str, int] | None = None,
    max_error_rate: float = 0.0,
    repeats: Mapping[str, tuple[int, tuple[int, ...]]] | None = None,
) -> list[AccuracyGate]:
    """One gate per (model, dataset), in sorted order, from the records of a run.

    `totals` gives each dataset's sample count, so a gate over a subset says so; `repeats` each
    dataset's answers per row and its pass@k values (see `repeats.repeat_metrics`).
    """
    groups: dict[tuple[str, str], list[SampleRecord]] = {}
    for record in sorted(records, key=lambda r: r.key):
        groups.setdefault((record.model, record.dataset), []).append(record)
    gates = []
    for (model, dataset), group in groups.items():
        counts = Counter({outcome: 0 for outcome in OUTCOMES})
        counts.update(r.outcome for r in group)
        thresholds = [r.min_accuracy for r in group if r.min_accuracy is not None]
        threshold = max(thresholds, default=None)
        total = (totals or {}).get(dataset)
        counts_by_outcome: dict[str, int] = {o: counts[o] for o in OUTCOMES}
        n, ks = (repeats or {}).get(dataset, (1, (1,)))
        gates.append(
            AccuracyGate(model, dataset, counts_by_outcome, threshold, total, max_error_rate,
                         repeat_metrics(group, n, ks))
        )  # fmt: skip
    return gates


TABLE_HEADER = (
    "model", "dataset", "n", *OUTCOMES, "accuracy", "95% CI", "min", "max error", "verdict",
)  # fmt: skip
"""The accuracy table's columns (`groups.format_summary` adds the groups' two averages)."""


def gate_cells(gate: AccuracyGate) -> list[str]:
    """One gate's cells, under `TABLE_HEADER`."""
    low, high = gate.interval
    return [
        gate.model,
        gate.dataset,
        gate.coverage,
        *(str(gate.counts[o]) for o in OUTCOMES),
        "n/a" if gate.accuracy is None else f"{gate.accuracy:.1%}",
        f"{low:.1%}-{high:.1%}",
        "-" if gate.min_accuracy is None else f"{gate.min_accuracy:.1%}",
        f"{gate.max_error_rate:.0%}",
        gate.verdict,
    ]


def align(rows: list[list[str]]) -> list[str]:
    """Rows of cells as lines whose columns line up (the first row is the header)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]


def format_table(gates: list[AccuracyGate]) -> list[str]:
    """The accuracy table of the terminal summary, one line per gate."""
    return align([list(TABLE_HEADER), *(gate_cells(gate) for gate in gates)])
