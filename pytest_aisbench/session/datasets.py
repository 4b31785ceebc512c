"""The session's datasets: one catalog per process, and what the options select from it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pytest_aisbench.config import ModelConfig
from pytest_aisbench.datasets import Dataset, DatasetCatalog
from pytest_aisbench.items import DatasetFacts, SampleRef
from pytest_aisbench.options import Settings


class SelectedDatasets:
    """The `DatasetCatalog` (each config compiled and its samples read once) and the selection.

    Every dataset the options select is compiled and read when the session starts, so a bad
    key or row is a usage error before any item.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.catalog = DatasetCatalog(settings.dataset_config_dirs, settings.datasets_dir)
        for selected in self.selection:  # every key and row checked before any item
            for dataset in self.catalog.configs(selected):
                self.catalog.samples(dataset)

    @property
    def selection(self) -> list[str | Path | Dataset]:
        """The datasets the options select (names, then custom files); none: the markers'."""
        return [*self.settings.dataset_names, *self.settings.custom_datasets]

    def selected_abbrs(self) -> list[str]:
        """The abbrs of every dataset the options select, in order."""
        return [
            config.abbr for selected in self.selection for config in self.catalog.configs(selected)
        ]

    def refs(
        self,
        models: list[ModelConfig],
        marker_datasets: list[str | Path | Dataset],
        marker_min: float | None,
    ) -> list[SampleRef]:
        """The items of one sample test: every selected model x dataset x sample."""
        names = self.selection or marker_datasets
        refs: list[SampleRef] = []
        for model in models:
            for name, dataset in [(_name(n), d) for n in names for d in self.catalog.configs(n)]:
                gate = next(
                    (
                        v
                        for v in (marker_min, dataset.min_accuracy, self.settings.min_accuracy)
                        if v is not None
                    ),
                    None,
                )
                samples = self.catalog.samples(dataset)
                facts = DatasetFacts(
                    dataset.abbr, name, len(samples), dataset.repeats, dataset.pass_at
                )
                refs.extend(SampleRef(model.abbr, facts, s.index, gate) for s in samples)
        return refs

    def with_fingerprint(self, facts: DatasetFacts) -> DatasetFacts:
        """`facts` with its dataset's fingerprint, made when its first item runs rather than
        at collection (hashing every row is no part of building the items)."""
        config = self.catalog.config(facts.abbr)
        if config is None or facts.fingerprint:
            return facts
        return replace(facts, fingerprint=self.catalog.fingerprint(config))


def _name(selected: str | Path | Dataset) -> str:
    """How a selection is named in the report's run line: a config name, a file, an abbr."""
    return selected.abbr if isinstance(selected, Dataset) else str(selected)
