"""One paired comparison (a model against another model, or against its baseline) on one
scope: the 2x2 table, McNemar's p, the flipped samples as test ids, and the regression verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pytest_aisbench.compare.pairing import Paired
from pytest_aisbench.compare.regression import MaxRegression, accuracy_regressed, describe
from pytest_aisbench.compare.scopes import Scope

Against = Literal["model", "baseline"]
SHOWN_IDS = 5
"""Test ids a message or the terminal lists before saying how many more (the report has all)."""


def shortened(ids: tuple[str, ...] | list[str], shown: int = SHOWN_IDS) -> str:
    """The first `shown` ids and how many more, for a message a person reads."""
    more = len(ids) - shown
    return ", ".join(ids[:shown]) + (f" (+{more} more)" if more > 0 else "")


@dataclass(frozen=True)
class Comparison:
    """`model` held against `other` on `scope`; ``newly_*`` are from `model`'s side: samples it
    got wrong (right) where `other` got them right (wrong)."""

    against: Against
    scope: Scope
    model: str
    other: str
    paired: Paired
    newly_wrong: tuple[str, ...]
    newly_right: tuple[str, ...]
    max_regression: MaxRegression | None = None

    @property
    def verdict(self) -> str:
        """``FAIL`` when the drop exceeds the threshold, ``PASS`` when not, ``-`` without a
        threshold or without a paired sample."""
        delta = self.paired.delta
        if self.max_regression is None or delta is None:
            return "-"
        failed = accuracy_regressed(delta, self.paired.test.p_value, self.max_regression)
        return "FAIL" if failed else "PASS"

    @property
    def gate_name(self) -> str:
        """The JUnit entry's name (``aisbench::regression[model-dataset]``; a group's name is
        marked, so it cannot be taken for a dataset's)."""
        name = self.scope.name if self.scope.kind == "dataset" else f"group:{self.scope.name}"
        return f"regression[{self.model}-{name}]"

    def change(self) -> str:
        """``90.0% -> 85.0% (-5.0%, p=0.0625 mcnemar-exact)``: other side first."""
        paired = self.paired
        if paired.accuracy is None or paired.other_accuracy is None or paired.delta is None:
            return "no sample scored on both sides"
        return (
            f"{paired.other_accuracy:.1%} -> {paired.accuracy:.1%} ({paired.delta:+.1%}, "
            f"p={paired.test.p_value:.3g} {paired.test.test}, n={paired.n_paired})"
        )

    def explain(self) -> str:
        """What a CI system shows for this regression check."""
        limit = self.max_regression
        threshold = "" if limit is None else f"; fails on {describe(limit)}"
        parts = [
            f"{self.model} on {self.scope.label} against {self.against} {self.other}: "
            f"accuracy {self.change()}{threshold}",
            f"{len(self.newly_wrong)} newly wrong, {len(self.newly_right)} newly right",
        ]
        if self.newly_wrong:
            parts.append(f"newly wrong: {shortened(self.newly_wrong)}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The report's ``comparison`` line."""
        paired = self.paired
        scored = paired.n_paired > 0
        return {
            "against": self.against,
            "scope": self.scope.kind,
            "name": self.scope.name,
            "model": self.model,
            "other": self.other,
            "n_paired": paired.n_paired,
            "unpaired": paired.unpaired,
            "both_correct": paired.both_correct,
            "only_model": len(paired.only_model),
            "only_other": len(paired.only_other),
            "neither": paired.neither,
            "accuracy": paired.accuracy,
            "other_accuracy": paired.other_accuracy,
            "delta": paired.delta,
            "p_value": paired.test.p_value if scored else None,
            "test": paired.test.test if scored else None,
            "newly_wrong": list(self.newly_wrong),
            "newly_right": list(self.newly_right),
            "max_regression": self.max_regression,
            "verdict": self.verdict,
        }
