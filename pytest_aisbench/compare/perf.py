"""Perf runs against the baseline's: the relative change of each latency figure, and its gate.

Runs are matched by their item's node id and run name; failing that, by the item alone (one
run each side), then by the run name alone (unique in the baseline), so a suite moved to
another file still finds its baseline. The gate is one entry per run, listing every figure
that regressed: a figure per entry would be 16 JUnit entries per run that fail together when
a server slows down, and CI would show one failure as many.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_aisbench.compare.regression import perf_regressed

METRICS = ("ttft", "tpot", "itl", "e2el")
STATS = ("p50", "p90", "p99", "mean")
"""The latency figures compared, as the report's ``result`` keys them (``p99_ttft_ms``)."""


@dataclass(frozen=True)
class PerfComparison:
    """One latency figure of one run, baseline against current, in milliseconds."""

    item: str
    run: str
    metric: str
    stat: str
    baseline: float | None
    current: float | None
    max_regression: float | None = None

    @property
    def change(self) -> float | None:
        """current / baseline - 1 (None when either is missing or the baseline is 0)."""
        if self.baseline is None or self.current is None or self.baseline <= 0:
            return None
        return self.current / self.baseline - 1

    @property
    def verdict(self) -> str:
        change = self.change
        if self.max_regression is None or change is None:
            return "-"
        return "FAIL" if perf_regressed(change, self.max_regression) else "PASS"

    @property
    def figure(self) -> str:
        return f"{self.metric} {self.stat}"

    @property
    def shown(self) -> str:
        """``120.0 -> 150.0 (+25.0%)``: milliseconds, baseline first."""
        change = "n/a" if self.change is None else f"{self.change:+.1%}"
        return f"{_ms(self.baseline)} -> {_ms(self.current)} ({change})"

    def explain(self) -> str:
        """``ttft p99 120.0 -> 150.0 (+25.0%) ms``."""
        return f"{self.figure} {self.shown} ms"

    def to_dict(self) -> dict[str, Any]:
        """The report's ``perf_comparison`` line (``run``: the run's name, as an item may hold
        several runs)."""
        return {
            "item": self.item,
            "run": self.run,
            "metric": self.metric,
            "stat": self.stat,
            "baseline": self.baseline,
            "current": self.current,
            "change": self.change,
            "max_regression": self.max_regression,
            "verdict": self.verdict,
        }


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _figure(result: Mapping[str, Any], metric: str, stat: str) -> float | None:
    value = result.get(f"{stat}_{metric}_ms")
    return float(value) if isinstance(value, int | float) else None


def _match(
    item: str, name: str, baseline: Sequence[Mapping[str, Any]], current_runs_of_item: int
) -> Mapping[str, Any] | None:
    exact = [b for b in baseline if b.get("item") == item and b.get("name") == name]
    same_item = [b for b in baseline if b.get("item") == item]
    same_name = [b for b in baseline if b.get("name") == name]
    if exact:
        return exact[-1]
    if len(same_item) == 1 and current_runs_of_item == 1:
        return same_item[0]
    return same_name[0] if len(same_name) == 1 else None


def perf_comparisons(
    current: Sequence[tuple[str, Mapping[str, Any]]],
    baseline: Sequence[Mapping[str, Any]],
    max_regression: float | None,
) -> list[PerfComparison]:
    """Every figure of every current run (node id, `PerfRun.to_dict`) that has a baseline run."""
    found = []
    for item, run in current:
        runs_of_item = sum(1 for other, _ in current if other == item)
        old = _match(item, str(run["name"]), baseline, runs_of_item)
        if old is None:
            continue
        for metric in METRICS:
            for stat in STATS:
                found.append(
                    PerfComparison(
                        item,
                        str(run["name"]),
                        metric,
                        stat,
                        _figure(old.get("result", {}), metric, stat),
                        _figure(run.get("result", {}), metric, stat),
                        max_regression,
                    )
                )
    return found


@dataclass(frozen=True)
class PerfGate:
    """One run's perf-regression entry: every figure compared, failed when one regressed."""

    item: str
    run: str
    figures: tuple[PerfComparison, ...]

    @property
    def name(self) -> str:
        """``perf-regression[test_serving[c1]]``; the run's name is added when it differs
        from the item's (an item of several runs)."""
        short = self.item.rsplit("::", 1)[-1]
        return f"perf-regression[{short if self.run == short else f'{short}-{self.run}'}]"

    @property
    def regressed(self) -> tuple[PerfComparison, ...]:
        return tuple(f for f in self.figures if f.verdict == "FAIL")

    @property
    def passed(self) -> bool:
        return not self.regressed

    def explain(self) -> str:
        limit = self.figures[0].max_regression or 0.0
        if not self.regressed:
            return f"{self.run}: no latency figure rose by more than {limit:.0%}"
        listed = "; ".join(f.explain() for f in self.regressed)
        return f"{self.run}: latency rose by more than {limit:.0%} against the baseline: {listed}"

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "run": self.run,
                "regressed": [f.to_dict() for f in self.regressed]}  # fmt: skip


def perf_gates(comparisons: Sequence[PerfComparison]) -> list[PerfGate]:
    """One gate per run with a threshold and at least one figure it could judge."""
    runs: dict[tuple[str, str], list[PerfComparison]] = {}
    for figure in comparisons:
        if figure.verdict != "-":
            runs.setdefault((figure.item, figure.run), []).append(figure)
    return [PerfGate(item, run, tuple(figures)) for (item, run), figures in runs.items()]
