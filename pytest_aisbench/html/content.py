"""The report's lines sorted by type: what each part of the page reads.

Lines of types the page does not know are kept out silently (a newer report may add some);
a missing line type is an empty list, so every section can tell "not in this report".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Line = dict[str, Any]


@dataclass
class ReportContent:
    """The lines of one report, by type, in file order."""

    runs: list[Line] = field(default_factory=list)
    models: list[Line] = field(default_factory=list)
    datasets: list[Line] = field(default_factory=list)
    samples: list[Line] = field(default_factory=list)
    gates: list[Line] = field(default_factory=list)
    groups: list[Line] = field(default_factory=list)
    perf: list[Line] = field(default_factory=list)
    comparisons: list[Line] = field(default_factory=list)
    perf_comparisons: list[Line] = field(default_factory=list)
    baselines: list[Line] = field(default_factory=list)

    @classmethod
    def of(cls, lines: list[Line]) -> ReportContent:
        content = cls()
        buckets: dict[str, list[Line]] = {
            "run": content.runs,
            "model": content.models,
            "dataset": content.datasets,
            "sample": content.samples,
            "gate": content.gates,
            "group": content.groups,
            "perf": content.perf,
            "comparison": content.comparisons,
            "perf_comparison": content.perf_comparisons,
            "baseline": content.baselines,
        }
        for line in lines:
            bucket = buckets.get(str(line.get("type")))
            if bucket is not None:
                bucket.append(line)
        return content

    def model_names(self) -> list[str]:
        """Every model of the accuracy lines, in first-seen order (the side-by-side columns)."""
        names: dict[str, None] = {}
        for line in (*self.gates, *self.groups):
            names.setdefault(str(line.get("model", "")), None)
        return list(names)

    def all_models(self) -> list[str]:
        """Every model abbr the report names (run and model lines, then the accuracy lines)."""
        names: dict[str, None] = {}
        for run in self.runs:
            for abbr in run.get("models") or []:
                names.setdefault(str(abbr), None)
        for line in self.models:
            names.setdefault(str(line.get("abbr", "")), None)
        for abbr in self.model_names():
            names.setdefault(abbr, None)
        names.pop("", None)
        return list(names)
