"""The controller's comparisons: its models side by side, and the run against its baseline.

Built with the session, so that a baseline that cannot be read stops the session before any
request (a usage error naming the file); run at session end, after the gates, returning its
regression checks as gate entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pytest_aisbench.compare import (
    Baseline,
    Comparison,
    FingerprintChange,
    Fingerprints,
    NodeIds,
    PerfComparison,
    Scope,
    baseline_comparisons,
    fingerprint_changes,
    fingerprints_of,
    model_comparisons,
    model_pairs,
    perf_comparisons,
    perf_gates,
    read_baseline,
    scopes,
)
from pytest_aisbench.compare.table import against_baseline, perf_against_baseline, side_by_side
from pytest_aisbench.fingerprints import model_line
from pytest_aisbench.options import Settings
from pytest_aisbench.session.backends import SelectedBackends
from pytest_aisbench.session.perf_runs import PerfRuns
from pytest_aisbench.session.report import SessionReport
from pytest_aisbench.session.results import ControllerResults


@dataclass(frozen=True)
class GateEntry:
    """One regression check, for `gate_entries.log_gate_report`."""

    name: str
    passed: bool
    explain: str
    details: dict[str, Any] = field(default_factory=dict)


class Comparisons:
    """What the controller compares, and what it found (empty until `finish`)."""

    def __init__(
        self,
        settings: Settings,
        is_worker: bool,
        backends: SelectedBackends,
        results: ControllerResults,
        perf_runs: PerfRuns,
        report: SessionReport,
    ) -> None:
        self.settings = settings
        self.backends = backends
        self.results = results
        self.perf_runs = perf_runs
        self.report = report
        self.baseline: Baseline | None = None
        self.ids = NodeIds()
        if not is_worker and settings.baseline_path is not None:
            self.baseline = read_baseline(settings.baseline_path)
            self.ids.baseline = self.baseline.test_ids
        self.scopes: list[Scope] = []
        self.between_models: list[Comparison] = []
        self.against_baseline: list[Comparison] = []
        self.perf: list[PerfComparison] = []
        self.fingerprint_changes: list[FingerprintChange] = []

    @property
    def models(self) -> list[str]:
        return [model.abbr for model in self.backends.models]

    def current_fingerprints(self) -> Fingerprints:
        """This run's fingerprints, as its report's ``model`` and ``dataset`` lines give them."""
        lines = [{"type": "model", **model_line(model)} for model in self.backends.models]
        facts = self.results.dataset_facts.values()
        lines += [{"type": "dataset", **fact.to_dict()} for fact in facts]
        return fingerprints_of(lines)

    def finish(self) -> list[GateEntry]:
        """Compare (after the gates: it reads their records and groups), write the report's
        lines, and return the regression checks that have a threshold."""
        records = self.results.records
        # each record names its item: this run's, or its earlier run's when it was resumed
        self.ids.current = {r.key: r.test_id for r in records if r.test_id}
        datasets = list(dict.fromkeys(gate.dataset for gate in self.results.gates))
        self.scopes = scopes(datasets, self.results.known_groups)
        self.between_models = model_comparisons(records, self.models, self.scopes, self.ids)
        if self.baseline is not None:
            self._against(self.baseline, self.current_fingerprints())
        self._write()
        return self._gate_entries()

    def _against(self, baseline: Baseline, current: Fingerprints) -> None:
        settings = self.settings
        self.against_baseline = baseline_comparisons(
            self.results.records, self.models, baseline, self.scopes, self.ids,
            settings.max_regression,
        )  # fmt: skip
        runs = [(nodeid, run.to_dict()) for nodeid, run in self.perf_runs.runs]
        self.perf = perf_comparisons(runs, baseline.perf, settings.max_perf_regression)
        pairs = model_pairs(self.models, baseline.models)
        self.fingerprint_changes = fingerprint_changes(baseline.fingerprints, current, pairs)

    def _write(self) -> None:
        for comparison in [*self.between_models, *self.against_baseline]:
            self.report.write_line("comparison", comparison.to_dict())
        for figure in self.perf:
            self.report.write_line("perf_comparison", figure.to_dict())
        if self.baseline is not None:
            self.report.write_line(
                "baseline",
                {
                    "path": str(self.baseline.path),
                    "schema_version": self.baseline.schema_version,
                    "fingerprint_changes": [c.to_dict() for c in self.fingerprint_changes],
                },
            )

    def _gate_entries(self) -> list[GateEntry]:
        entries = [
            GateEntry(c.gate_name, c.verdict == "PASS", c.explain(), c.to_dict())
            for c in self.against_baseline
            if c.verdict != "-"
        ]
        entries += [
            GateEntry(gate.name, gate.passed, gate.explain(), gate.to_dict())
            for gate in perf_gates(self.perf)
        ]
        return entries + self._nothing_compared()

    def _nothing_compared(self) -> list[GateEntry]:
        """A failed entry for each threshold that found nothing to judge: a gate that compared
        nothing must not pass a release (other models, other datasets, no perf run in it)."""
        baseline, settings = self.baseline, self.settings
        if baseline is None:
            return []
        found = []
        theirs = f"its models: {', '.join(baseline.models) or 'none'}"
        if (
            settings.max_regression is not None
            and self.results.records
            and not self.against_baseline
        ):
            why = (f"no (model, dataset) of this run ({', '.join(self.models)}) is in the "
                   f"baseline {baseline.path} ({theirs}); --aisbench-max-regression judged "
                   "nothing")  # fmt: skip
            found.append(
                GateEntry("regression[baseline]", False, why, {"baseline": str(baseline.path)})
            )
        if settings.max_perf_regression is not None and self.perf_runs.runs and not self.perf:
            why = (f"no perf run of this run is in the baseline {baseline.path}; "
                   "--aisbench-max-perf-regression judged nothing")  # fmt: skip
            found.append(
                GateEntry("perf-regression[baseline]", False, why, {"baseline": str(baseline.path)})
            )
        return found

    def accuracy(self) -> dict[tuple[str, str], float | None]:
        """Each (scope label, model)'s accuracy as the accuracy table shows it: a dataset's
        gate, a group's weighted average."""
        found = {(g.dataset, g.model): g.accuracy for g in self.results.gates}
        for row in self.results.group_rows:
            found[(Scope("group", row.group.name, ()).label, row.model)] = row.weighted_average
        return found

    def sections(self) -> list[tuple[str, list[str]]]:
        """The terminal's sections: (title, lines)."""
        found = []
        if self.between_models:
            lines = side_by_side(self.scopes, self.models, self.accuracy(), self.between_models)
            found.append(("aisbench models side by side", lines))
        if self.baseline is not None:
            title = f"aisbench against baseline {self.baseline.path}"
            lines = against_baseline(self.against_baseline) if self.against_baseline else []
            if self.results.records and not self.against_baseline:
                lines.append("no (model, dataset) of this run is in the baseline")
            if self.perf:
                lines += [""] * bool(lines) + perf_against_baseline(self.perf)
            elif self.perf_runs.runs:
                lines.append("no perf run of this run is in the baseline")
            found.append((title, lines))
        return found

    def warnings(self) -> list[str]:
        """What makes the comparison with the baseline less than like for like."""
        if self.baseline is None:
            return []
        if not self.baseline.fingerprints:
            return [
                f"baseline {self.baseline.path} has no fingerprints (report schema version "
                f"{self.baseline.schema_version}): changes of prompt template, data, scorer or "
                "backend config since then cannot be detected"
            ]
        return [
            f"{change.what} changed since the baseline ({change.baseline[:12]} -> "
            f"{change.current[:12]})"
            for change in self.fingerprint_changes
        ]
