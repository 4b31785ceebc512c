"""One row per (model, group): the group's outcomes summed, its two averages and its gate;
and the check that every gated group is one that can be judged."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_aisbench.datasets.config_files import GROUPS_FOLDER, listed
from pytest_aisbench.gates import AccuracyGate, wilson_interval
from pytest_aisbench.groups.averages import (
    explicit_weighted_average,
    naive_average,
    weighted_average,
)
from pytest_aisbench.groups.summary_group import SummaryGroup
from pytest_aisbench.records import OUTCOMES

JUDGED = "weighted_average"
"""What a group gate compares with its threshold."""


@dataclass(frozen=True)
class GroupRow:
    """One model's results on one group, and the gate on it."""

    model: str
    group: SummaryGroup
    gates: tuple[AccuracyGate, ...]
    """The accuracy gates of the subsets that ran for this model, in the group's order."""
    min_accuracy: float | None = None
    counts: dict[str, int] = field(init=False)
    """Samples per outcome over the subsets."""

    def __post_init__(self) -> None:
        counts = {outcome: sum(g.counts[outcome] for g in self.gates) for outcome in OUTCOMES}
        object.__setattr__(self, "counts", counts)

    @property
    def counted(self) -> tuple[AccuracyGate, ...]:
        """The subsets that have an accuracy (at least one scored sample)."""
        return tuple(g for g in self.gates if g.accuracy is not None)

    @property
    def missing(self) -> tuple[str, ...]:
        """The group's subsets not counted: not run for this model, or every sample in error."""
        counted = {g.dataset for g in self.counted}
        return tuple(abbr for abbr in self.group.subsets if abbr not in counted)

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    @property
    def scored(self) -> int:
        return self.n - self.counts["error"]

    @property
    def naive_average(self) -> float | None:
        """The mean of the counted subsets' accuracies (AISBench's ``naive_average``)."""
        return naive_average([g.accuracy for g in self.counted if g.accuracy is not None])

    @property
    def weighted_average(self) -> float | None:
        """The group's weights over its counted subsets, else correct / scored summed."""
        if self.group.weights is not None:
            return explicit_weighted_average(
                {g.dataset: g.accuracy for g in self.counted if g.accuracy is not None},
                self.group.weights,
            )
        return weighted_average((g.counts["correct"], g.scored) for g in self.counted)

    @property
    def interval(self) -> tuple[float, float] | None:
        """The Wilson 95% interval of the sample-weighted average; None for explicit weights,
        whose mean is not one proportion."""
        if self.group.weights is not None:
            return None
        return wilson_interval(self.counts["correct"], self.scored)

    @property
    def subset_coverage(self) -> str:
        """``3 subsets``, or ``2 of 3 subsets`` when some are missing."""
        total, counted = len(self.group.subsets), len(self.counted)
        return f"{counted} subsets" if counted == total else f"{counted} of {total} subsets"

    @property
    def total(self) -> int:
        """Samples in the subsets that ran (more than `n` when a subset ran in part)."""
        return sum(g.total if g.total is not None else g.n for g in self.gates)

    @property
    def partial(self) -> bool:
        """Whether a subset is missing or ran in part."""
        return bool(self.missing) or self.total > self.n

    @property
    def verdict(self) -> str:
        """``PASS``/``FAIL`` on the weighted average against the threshold, or ``-``."""
        if self.min_accuracy is None:
            return "-"
        value = self.weighted_average
        return "PASS" if value is not None and value >= self.min_accuracy else "FAIL"

    @property
    def name(self) -> str:
        """The gate entry's name (``aisbench::group[model-name]``)."""
        return f"group[{self.model}-{self.group.name}]"

    def explain(self) -> str:
        """One line for a failed group gate's report."""
        weighted, naive = self.weighted_average, self.naive_average
        shown_weighted = "n/a (no scored sample)" if weighted is None else f"{weighted:.1%}"
        parts = [f"{self.subset_coverage}", f"n={self.scored}"]
        if naive is not None:
            parts.append(f"naive_average {naive:.1%}")
        if self.missing:
            parts.append(f"missing: {listed(self.missing)}")
        return (
            f"{JUDGED} {shown_weighted} < min {self.min_accuracy:.1%} for {self.model} on group "
            f"{self.group.name} ({'; '.join(parts)})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The report's ``group`` line."""
        interval = self.interval
        return {
            "model": self.model,
            "group": self.group.name,
            "source": self.group.source,
            "subsets": list(self.group.subsets),
            "counted": [g.dataset for g in self.counted],
            "missing": list(self.missing),
            "n": self.n,
            "scored": self.scored,
            "counts": dict(self.counts),
            "naive_average": self.naive_average,
            "weighted_average": self.weighted_average,
            "weights": "samples" if self.group.weights is None else dict(self.group.weights),
            "ci95": None if interval is None else list(interval),
            "min_accuracy": self.min_accuracy,
            "judged": JUDGED,
            "verdict": self.verdict,
        }


def group_rows(
    gates: Sequence[AccuracyGate],
    groups: Sequence[SummaryGroup],
    thresholds: Mapping[str, float] | None = None,
) -> list[GroupRow]:
    """One row per (model, group) where a subset ran for that model, or the group is gated
    (a gated group that did not run fails: its gate has nothing to pass with). Models in
    sorted order, groups in `groups` order; groups that cannot be computed are left out."""
    thresholds = thresholds or {}
    by_model: dict[str, dict[str, AccuracyGate]] = {}
    for gate in gates:
        by_model.setdefault(gate.model, {})[gate.dataset] = gate
    rows = []
    for model in sorted(by_model):
        ran = by_model[model]
        for group in groups:
            if group.unsupported:
                continue
            members = tuple(ran[abbr] for abbr in group.subsets if abbr in ran)
            threshold = thresholds.get(group.name)
            if members or threshold is not None:
                rows.append(GroupRow(model, group, members, threshold))
    return rows


def unknown_gated_groups(thresholds: Mapping[str, float], groups: Sequence[SummaryGroup]) -> str:
    """Why a group gate cannot be judged ('' when every gated group is known and computable):
    an unknown name lists the known groups."""
    by_name = {group.name: group for group in groups}
    for name in thresholds:
        group = by_name.get(name)
        if group is not None and group.unsupported:
            return (
                f"--aisbench-group-min-accuracy {name}: group {name!r} ({group.source}) cannot "
                f"be computed here: {group.unsupported}"
            )
    unknown = [name for name in thresholds if name not in by_name]
    if not unknown:
        return ""
    known = [group.name for group in groups if not group.unsupported]
    return (
        f"--aisbench-group-min-accuracy: unknown group {', '.join(map(repr, unknown))}; known "
        f"groups: {listed(known, 40) or 'none'} (a selected config file of two or more "
        f"datasets forms one named after its folder; summary groups are read from '"
        f"{GROUPS_FOLDER}/' folders under --aisbench-datasets-config-dir)"
    )
