"""What the controller decides at session end, from every sample's record."""

from __future__ import annotations

import contextlib
from collections import Counter

from pytest_aisbench.engine.runner import CircuitBreaker
from pytest_aisbench.errors import AisbenchError, ConfigError
from pytest_aisbench.gates import AccuracyGate, accuracy_gates
from pytest_aisbench.groups import (
    GroupRow,
    SummaryGroup,
    group_rows,
    read_summary_groups,
    session_groups,
    unknown_gated_groups,
)
from pytest_aisbench.items import DatasetFacts
from pytest_aisbench.options import Settings
from pytest_aisbench.records import NOT_CREATED, SampleRecord
from pytest_aisbench.session.datasets import SelectedDatasets
from pytest_aisbench.session.report import SessionReport
from pytest_aisbench.session.resume import Resume
from pytest_aisbench.tokens import NO_TOKEN_COUNT


class ControllerResults:
    """The records the controller keeps, with what their items said of each dataset; the
    gates and group rows made of them; the summaries printed under them.

    Workers keep nothing here: their records reach the controller on their test reports.
    """

    def __init__(
        self,
        settings: Settings,
        is_worker: bool,
        datasets: SelectedDatasets,
        resume: Resume,
        report: SessionReport,
    ) -> None:
        self.settings = settings
        self.datasets = datasets
        self.resume = resume
        self.report = report
        self.records: list[SampleRecord] = []
        self.dataset_facts: dict[str, DatasetFacts] = {}
        """Each dataset abbr's facts, as the items that ran said (gates, groups)."""
        self.gates: list[AccuracyGate] = []
        self.known_groups: list[SummaryGroup] = []
        """Every group of the session, computable or not (set at its end, with the rows)."""
        self.group_rows: list[GroupRow] = []
        self.group_problem = ""
        """Why the group gates could not be judged (an unknown group name: a usage error)."""
        self.summary_groups: list[SummaryGroup] = []
        """The ``groups/`` folders' summary groups (the controller's; see `groups`)."""
        if not is_worker:
            self.summary_groups = read_summary_groups(settings.dataset_config_dirs)
            if datasets.selection and settings.group_min_accuracy:
                # no suite marker adds a dataset: every group is known now
                why = unknown_gated_groups(settings.group_min_accuracy, self.groups())
                if why:
                    raise ConfigError(why)

    def add(self, record: SampleRecord, facts: DatasetFacts | None = None) -> None:
        """Keep a finished sample's record for the gates, and what its item said of its
        dataset."""
        self.records.append(record)  # the engine that made it wrote it to the report
        if facts is not None:
            self.dataset_facts.setdefault(record.dataset, facts)

    def groups(self) -> list[SummaryGroup]:
        """The groups of this session: the summary groups, then the family groups of every
        selected config file (by the options, by the suites' markers, or as items said)."""
        catalog = self.datasets.catalog
        selected = {abbr: config.name for abbr, config in catalog.selected().items()}
        return session_groups(
            self.summary_groups,
            selected | {abbr: facts.name for abbr, facts in self.dataset_facts.items()},
            catalog,
            catalog.folders,
        )

    def finish(self) -> list[AccuracyGate]:
        """Evaluate the gates over every record; write them to the report.

        A run over a subset (``-k``, ``--lf``, ``--deselect``) takes the missing samples'
        records from ``--aisbench-resume``, as a resumed run would, so its gates cover the
        whole dataset; without them a gate says how many samples it covers.
        """
        ran = {record.key for record in self.records}
        groups = {(record.model, record.dataset) for record in self.records}
        for key, record in sorted(self.resume.records.items()):
            if key not in ran and (record.model, record.dataset) in groups:
                self.add(record)
        facts = self._facts({dataset for _, dataset in groups})
        self.gates = accuracy_gates(
            self.records,
            {abbr: fact.size for abbr, fact in facts.items()},
            self.settings.max_error_rate,
            {abbr: (fact.repeats, fact.k) for abbr, fact in facts.items()},
        )
        thresholds = self.settings.group_min_accuracy
        self.known_groups = self.groups()
        self.group_problem = unknown_gated_groups(thresholds, self.known_groups)
        self.group_rows = group_rows(self.gates, self.known_groups, thresholds)
        self.report.write_gates(
            [facts[abbr] for abbr in sorted(facts)], self.gates, self.group_rows
        )
        return self.gates

    def _facts(self, abbrs: set[str]) -> dict[str, DatasetFacts]:
        """What the items said of each dataset in `abbrs`, else what this process compiled."""
        catalog = self.datasets.catalog
        facts = {}
        for abbr in abbrs:
            config = catalog.config(abbr)
            if abbr in self.dataset_facts:
                facts[abbr] = self.dataset_facts[abbr]
            elif config is not None:
                with contextlib.suppress(AisbenchError):
                    size = len(catalog.samples(config))
                    facts[abbr] = DatasetFacts(
                        abbr, config.name, size, config.repeats, config.pass_at,
                        catalog.fingerprint(config),
                    )  # fmt: skip
        return facts

    def breaker_reasons(self) -> list[str]:
        """Each distinct circuit-breaker message among the records, with its sample count."""
        counts = Counter(r.error for r in self.records if r.error.startswith(CircuitBreaker.PREFIX))
        return [f"{reason} [{n} samples not sent]" for reason, n in counts.items()]

    def not_created(self) -> list[str]:
        """Each backend that could not be created: its reason once, with its sample count."""
        counts = Counter(r.error for r in self.records if r.error_kind in NOT_CREATED)
        return [f"{reason} [{n} samples not sent]" for reason, n in counts.items()]

    def token_notes(self) -> list[str]:
        """Per backend, why answers lack a tokenizer count: once, with the number of samples."""
        notes: dict[str, str] = {}
        counts: Counter[str] = Counter()
        for record in self.records:
            at = record.notes.find(NO_TOKEN_COUNT)
            if at >= 0:
                notes.setdefault(record.model, record.notes[at:])
                counts[record.model] += 1
        return [f"backend {m!r}: {notes[m]} [{n} samples]" for m, n in counts.items()]

    @property
    def config_failed(self) -> bool:
        """Whether a backend could not be created because of its config (exit status 4)."""
        return any(r.error_kind == "config" for r in self.records)
