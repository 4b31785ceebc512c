"""The plugin's state for one pytest session: selected backends, engine, records and servers."""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pytest_aisbench.backend_files import (
    builtin_backends_dir,
    find_backend,
    load_backend_file,
    parse_override,
)
from pytest_aisbench.config import ModelConfig
from pytest_aisbench.datasets import Dataset, DatasetCatalog, DatasetConfig
from pytest_aisbench.datasets.base import Sample
from pytest_aisbench.engine.accuracy import Engine
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
from pytest_aisbench.items import DatasetFacts, SampleRef
from pytest_aisbench.managed_server import ManagedServer
from pytest_aisbench.options import Settings
from pytest_aisbench.perf.measure import PerfRun
from pytest_aisbench.records import NOT_CREATED, SampleRecord
from pytest_aisbench.report import JsonlReport, finished_records
from pytest_aisbench.tokens import NO_TOKEN_COUNT

RESUME_KEY = "aisbench_resume"
"""The ``workerinput`` entry carrying resumed records to xdist workers."""
REPORT_KEY = "aisbench_report"
"""The ``workerinput`` entry naming the report file, which workers append their samples to."""
SESSION_KEY = pytest.StashKey["AisbenchSession"]()
"""Where each process keeps its `AisbenchSession` (``config.stash``)."""


def get_session(config: pytest.Config) -> AisbenchSession:
    """This process's plugin state."""
    return config.stash[SESSION_KEY]


class AisbenchSession:
    """Reads the settings and backends once; runs the engine; keeps the controller's records."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.settings = Settings.from_config(config, builtin_backends_dir())
        overrides = [parse_override(text) for text in self.settings.overrides]
        self.models: list[ModelConfig] = []
        for name in self.settings.model_names:
            file = find_backend(name, self.settings.backend_dirs)
            self.models.extend(load_backend_file(file, overrides))
        for model in self.models:
            if model.api_key_stripped:
                config.issue_config_time_warning(
                    pytest.PytestConfigWarning(
                        f"backend {model.abbr!r} ({model.source}): the api key had whitespace "
                        "around it (a line end read from a file?); it was stripped"
                    ),
                    stacklevel=2,
                )
            if model.tls_verify is False:
                config.issue_config_time_warning(
                    pytest.PytestConfigWarning(
                        f"backend {model.abbr!r} ({model.source}): verify_ssl=False, so https "
                        "certificates are NOT checked; prefer ca_bundle='/path/to/ca.pem'"
                    ),
                    stacklevel=2,
                )
        abbrs = [m.abbr for m in self.models]
        duplicates = sorted({a for a in abbrs if abbrs.count(a) > 1})
        if duplicates:
            raise AisbenchError(f"backend abbr used twice: {', '.join(duplicates)}")
        self.catalog = DatasetCatalog(self.settings.dataset_config_dirs, self.settings.datasets_dir)
        for selected in self.selection:  # every key and row checked before any item
            for dataset in self.catalog.configs(selected):
                self.samples(dataset)
        self.is_worker = hasattr(config, "workerinput")
        self.resumed = {record.key: record for record in self._resumed_records()}
        self.engine: Engine | None = None
        self.records: list[SampleRecord] = []
        self.dataset_facts: dict[str, DatasetFacts] = {}
        """Each dataset abbr's facts, as the items that ran said (gates, groups)."""
        self.servers: list[ManagedServer] = []
        self.report: JsonlReport | None = None
        self.gates: list[AccuracyGate] = []
        self.known_groups: list[SummaryGroup] = []
        """Every group of the session, computable or not (set at its end, with the rows)."""
        self.group_rows: list[GroupRow] = []
        self.group_problem = ""
        """Why the group gates could not be judged (an unknown group name: a usage error)."""
        self.perf_runs: list[tuple[str, PerfRun]] = []
        self.summary_groups: list[SummaryGroup] = []
        """The ``groups/`` folders' summary groups (the controller's; see `groups`)."""
        if not self.is_worker:
            self.summary_groups = read_summary_groups(self.settings.dataset_config_dirs)
            if self.selection and self.settings.group_min_accuracy:
                # no suite marker adds a dataset: every group is known now
                why = unknown_gated_groups(self.settings.group_min_accuracy, self.groups())
                if why:
                    raise ConfigError(why)

    def _resumed_records(self) -> list[SampleRecord]:
        """The records to reuse: read by the controller, handed to xdist workers."""
        if self.is_worker:
            rows = self.config.workerinput.get(RESUME_KEY, [])  # type: ignore[attr-defined]
            return [SampleRecord.from_dict(row) for row in rows]
        path = self.settings.resume_path
        if path is None:
            return []
        records, runs = finished_records(path)
        selected = {m.abbr for m in self.models}
        written_for = {r.model for r in records} | {
            str(m) for run in runs for m in run.get("models") or ()
        }
        if written_for and selected and not written_for & selected:
            found = ", ".join(sorted(written_for))
            raise AisbenchError(
                f"--aisbench-resume: {path} holds records of {found}, none of the selected "
                f"backends ({', '.join(sorted(selected))}); resume a report of this run's models"
            )
        return [r for r in records if r.model in selected]

    @property
    def selection(self) -> list[str | Path | Dataset]:
        """The datasets the options select (names, then custom files); none: the markers'."""
        return [*self.settings.dataset_names, *self.settings.custom_datasets]

    def resumed_record(self, ref: SampleRef) -> SampleRecord | None:
        """This item's record from the resumed run, if it finished there."""
        return self.resumed.get((ref.model, ref.abbr, ref.index))

    def samples(self, dataset: DatasetConfig) -> list[Sample]:
        """A dataset's samples, read once per session."""
        return self.catalog.samples(dataset)

    def refs(
        self, marker_datasets: list[str | Path | Dataset], marker_min: float | None
    ) -> list[SampleRef]:
        """The items of one sample test: every selected model x dataset x sample."""
        names = self.selection or marker_datasets
        refs: list[SampleRef] = []
        for model in self.models:
            for name, dataset in [(_name(n), d) for n in names for d in self.catalog.configs(n)]:
                gate = next(
                    (
                        v
                        for v in (marker_min, dataset.min_accuracy, self.settings.min_accuracy)
                        if v is not None
                    ),
                    None,
                )
                samples = self.samples(dataset)
                facts = DatasetFacts(
                    dataset.abbr, name, len(samples), dataset.repeats, dataset.pass_at
                )
                refs.extend(SampleRef(model.abbr, facts, s.index, gate) for s in samples)
        return refs

    def start_engine(self, plan: dict[tuple[str, str], list[int]]) -> None:
        """Create the engine once the items this process will run are known; each record is
        written to the report the moment its sample finishes, by the process that ran it."""
        self.engine = Engine(
            self.models,
            self.catalog,
            plan,
            self.settings.max_consecutive_errors,
            on_record=self._write_sample,
        )

    def _write_sample(self, record: SampleRecord) -> None:
        if self.report is not None:
            self.write_run_line([])  # the run line comes first
            self.report.write("sample", record.to_dict())

    def record(self, ref: SampleRef) -> SampleRecord:
        """The record of one item's sample (waits for its request)."""
        record = self.resumed_record(ref)
        if record is None:
            if self.engine is None:
                self.start_engine({})
            assert self.engine is not None
            record = self.engine.record(ref.model, ref.abbr, ref.index)
        return replace(record, min_accuracy=ref.min_accuracy)

    def start_servers(self) -> None:
        """Start every selected backend's managed server (controller only)."""
        cache = getattr(self.config, "cache", None)
        for model in self.models:
            if model.server is not None:
                log_dir = cache.mkdir("aisbench") if cache else Path(tempfile.mkdtemp())
                server = ManagedServer(model, log_dir / f"{model.abbr}-server.log")
                self.servers.append(server)
                server.start()

    def open_report(self) -> None:
        """Open the report before any request is sent (xdist workers append to the same file).

        Resuming into the report's own path appends to it, so no old record is at risk.
        """
        path = self.settings.report_path
        if self.is_worker:
            shared = self.config.workerinput.get(REPORT_KEY)  # type: ignore[attr-defined]
            self.report = JsonlReport(Path(shared), append=True) if shared else None
        elif path is not None:
            self.report = JsonlReport(path, append=self.resumes_into_report)

    @property
    def resumes_into_report(self) -> bool:
        """Whether ``--aisbench-resume`` names the report file itself."""
        resume, report = self.settings.resume_path, self.settings.report_path
        return resume is not None and report is not None and resume.resolve() == report.resolve()

    def write_run_line(self, test_ids: list[str]) -> None:
        """The report's ``run`` line, once the collected items say which datasets run (the
        controller's to write; it carries the resumed records)."""
        if self.report is None or self.is_worker or self.report.has_run_line:
            return  # called before every sample line: cheap once written
        datasets = self.datasets_of(test_ids) or [
            config.abbr for selected in self.selection for config in self.catalog.configs(selected)
        ]
        info: dict[str, Any] = {
            "models": [m.abbr for m in self.models],
            "datasets": datasets,
            "strict": self.settings.strict,
        }
        if self.settings.resume_path is not None:
            info["resumed_from"] = str(self.settings.resume_path)
        # records resumed from another file are carried into this one; the file itself
        # already holds them when resuming into it
        resumed = [record for _, record in sorted(self.resumed.items())]
        carried = [] if self.resumes_into_report else resumed
        self.report.write_run(info, carried)

    def datasets_of(self, test_ids: list[str]) -> list[str]:
        """The dataset abbrs that sample items among `test_ids` run, in first-seen order.

        Read from the ids themselves (``[model-abbr-index]``), since under xdist the controller
        collects nothing and so has compiled no dataset.
        """
        if not self.models:
            return []
        names = sorted((m.abbr for m in self.models), key=len, reverse=True)
        models = "|".join(re.escape(name) for name in names)
        item = re.compile(rf"\[(?:{models})-(.+)-\d+\](?:@.*)?$")
        found = (item.search(test_id) for test_id in test_ids)
        return list(dict.fromkeys(m.group(1) for m in found if m))

    def add_record(self, record: SampleRecord, facts: DatasetFacts | None = None) -> None:
        """Keep a finished sample's record for the gates, and what its item said of its
        dataset (controller)."""
        self.records.append(record)  # the engine that made it wrote it to the report
        if facts is not None:
            self.dataset_facts.setdefault(record.dataset, facts)

    def groups(self) -> list[SummaryGroup]:
        """The groups of this session: the summary groups, then the family groups of every
        selected config file (by the options, by the suites' markers, or as items said)."""
        selected = {abbr: config.name for abbr, config in self.catalog.selected().items()}
        return session_groups(
            self.summary_groups,
            selected | {abbr: facts.name for abbr, facts in self.dataset_facts.items()},
            self.catalog,
            self.catalog.folders,
        )

    def model(self, abbr: str) -> ModelConfig:
        """The selected backend called `abbr`."""
        return next(model for model in self.models if model.abbr == abbr)

    def add_perf_run(self, nodeid: str, run: PerfRun) -> None:
        """Keep a finished perf run (controller) and write it out at once."""
        self.perf_runs.append((nodeid, run))
        if self.report is not None:
            self.report.write("perf", {"item": nodeid, **run.to_dict()})

    @property
    def report_failure(self) -> str:
        """Why the report could not be written in full (a full disk), or ''."""
        return self.report.failure if self.report is not None else ""

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

    def finish(self) -> list[AccuracyGate]:
        """Evaluate the gates over every record; write them to the report.

        A run over a subset (``-k``, ``--lf``, ``--deselect``) takes the missing samples'
        records from ``--aisbench-resume``, as a resumed run would, so its gates cover the
        whole dataset; without them a gate says how many samples it covers.
        """
        ran = {record.key for record in self.records}
        groups = {(record.model, record.dataset) for record in self.records}
        for key, record in sorted(self.resumed.items()):
            if key not in ran and (record.model, record.dataset) in groups:
                self.add_record(record)
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
        if self.report is not None:
            self.write_run_line([])
            for gate in self.gates:
                self.report.write("gate", gate.to_dict())
            for row in self.group_rows:
                self.report.write("group", row.to_dict())
        return self.gates

    def _facts(self, abbrs: set[str]) -> dict[str, DatasetFacts]:
        """What the items said of each dataset in `abbrs`, else what this process compiled."""
        facts = {}
        for abbr in abbrs:
            config = self.catalog.config(abbr)
            if abbr in self.dataset_facts:
                facts[abbr] = self.dataset_facts[abbr]
            elif config is not None:
                with contextlib.suppress(AisbenchError):
                    size = len(self.samples(config))
                    facts[abbr] = DatasetFacts(abbr, config.name, size, config.repeats,
                                               config.pass_at)  # fmt: skip
        return facts

    def close(self) -> None:
        """Stop requests, servers and the report, whatever state the session ended in."""
        if self.engine is not None:
            self.engine.close()
            self.engine = None
        for server in self.servers:
            server.stop()
        self.servers = []
        if self.report is not None:
            self.report.close()
            self.report = None


def _name(selected: str | Path | Dataset) -> str:
    """How a selection is named in the report's run line: a config name, a file, an abbr."""
    return selected.abbr if isinstance(selected, Dataset) else str(selected)
