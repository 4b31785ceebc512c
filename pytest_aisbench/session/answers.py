"""Each item's record: the resumed one, else the accuracy engine's."""

from __future__ import annotations

import functools
from dataclasses import replace

import pytest

from pytest_aisbench.engine.accuracy import Engine
from pytest_aisbench.items import SampleRef
from pytest_aisbench.options import Settings
from pytest_aisbench.records import SampleRecord
from pytest_aisbench.session.backends import SelectedBackends
from pytest_aisbench.session.datasets import SelectedDatasets
from pytest_aisbench.session.report import SessionReport
from pytest_aisbench.session.resume import Resume


class Answers:
    """This process's `Engine`, made once the items it will run are known, so it can send a
    (model, dataset)'s planned samples together; a resumed sample is never sent."""

    def __init__(
        self,
        settings: Settings,
        backends: SelectedBackends,
        datasets: SelectedDatasets,
        resume: Resume,
        report: SessionReport,
    ) -> None:
        self.settings = settings
        self.backends = backends
        self.datasets = datasets
        self.resume = resume
        self.report = report
        self.engine: Engine | None = None
        self._collected: list[tuple[SampleRef, pytest.Item]] = []

    def note_items(self, collected: list[tuple[SampleRef, pytest.Item]]) -> None:
        """What this process collected: each sample's gate and node id go on its record."""
        self._collected = collected

    @functools.cached_property
    def items(self) -> dict[tuple[str, str, int], tuple[SampleRef, str]]:
        """Each collected sample's ref and node id (the first item's, if several run it),
        indexed when the first record is written rather than while items are collected."""
        found: dict[tuple[str, str, int], tuple[SampleRef, str]] = {}
        for ref, item in self._collected:
            found.setdefault((ref.model, ref.abbr, ref.index), (ref, item.nodeid))
        return found

    def _write(self, record: SampleRecord) -> None:
        """Write a finished record with this run's gate threshold and item node id."""
        item = self.items.get(record.key)
        if item is not None:
            ref, nodeid = item
            record = replace(record, min_accuracy=ref.min_accuracy, test_id=nodeid)
        self.report.write_sample(record)

    def start(self, plan: dict[tuple[str, str], list[int]]) -> None:
        """Create the engine once the items this process will run are known; each record is
        written to the report the moment its sample finishes, by the process that ran it."""
        self.engine = Engine(
            self.backends.models,
            self.datasets.catalog,
            plan,
            self.settings.max_consecutive_errors,
            on_record=self._write,
        )

    def record(self, ref: SampleRef) -> SampleRecord:
        """The record of one item's sample (waits for its request)."""
        record = self.resume.record(ref)
        if record is None:
            if self.engine is None:
                self.start({})
            assert self.engine is not None
            record = self.engine.record(ref.model, ref.abbr, ref.index)
        nodeid = self.items.get(record.key, (ref, record.test_id))[1]
        return replace(record, min_accuracy=ref.min_accuracy, test_id=nodeid)

    def close(self) -> None:
        """Stop the requests still in flight."""
        if self.engine is not None:
            self.engine.close()
            self.engine = None
