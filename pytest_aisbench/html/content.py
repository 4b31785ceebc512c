"""The report's lines sorted by type: what each part of the page reads.

Lines of types the page does not know are kept out silently (a newer report may add some);
a missing line type is an empty list, so every section can tell "not in this report". A report
resumed into itself holds every session's lines: the page shows the last session (its ``run``
line and what follows it) with each sample's last record, as ``--aisbench-resume`` reads them.
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
        starts = [i for i, line in enumerate(lines) if line.get("type") == "run"]
        last_session = starts[-1] if starts else 0
        samples: dict[tuple[Any, Any, Any], Line] = {}
        for position, line in enumerate(lines):
            kind = str(line.get("type"))
            if kind == "sample":  # every session's records: the last of each sample counts
                samples[(line.get("model"), line.get("dataset"), line.get("index"))] = line
            elif position >= last_session and kind in buckets:
                buckets[kind].append(line)
        content.samples.extend(samples.values())
        return content

    def model_names(self) -> list[str]:
        """Every model of the accuracy lines, in first-seen order (the side-by-side columns)."""
        names: dict[str, None] = {}
        for line in (*self.gates, *self.groups):
            names.setdefault(str(line.get("model", "")), None)
        return list(names)
