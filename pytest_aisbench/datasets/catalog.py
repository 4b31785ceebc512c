"""The datasets of one session: selected by name, compiled from their files once, their samples
read once, and found again by ``abbr`` (what items, records and gates are keyed by)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from pytest_aisbench.datasets.base import DatasetConfig, Sample
from pytest_aisbench.datasets.config_files import (
    builtin_dataset_configs_dir,
    find_dataset_file,
    read_dataset_file,
)
from pytest_aisbench.datasets.declared import Dataset
from pytest_aisbench.datasets.openicl import compile_entry
from pytest_aisbench.datasets.shapes import SHAPES_CONFIGS
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.fingerprints import dataset_fingerprint

GENERATED = {config.name: config for config in SHAPES_CONFIGS}
"""Datasets made in memory rather than read from files (the shapes pictures), by name."""


class DatasetCatalog:
    """Names to dataset configs, abbrs to configs and samples, for one process."""

    def __init__(self, config_dirs: Sequence[Path], datasets_dir: Path) -> None:
        """`config_dirs`: the user's dataset config folders, searched before the built-ins."""
        self.folders = [*config_dirs, builtin_dataset_configs_dir()]
        self.datasets_dir = datasets_dir
        self._by_name: dict[str, list[DatasetConfig]] = {}
        self._by_abbr: dict[str, DatasetConfig] = {}
        self._samples: dict[str, list[Sample]] = {}
        self._fingerprints: dict[str, tuple[tuple[str, str], ...]] = {}
        self._lock = threading.RLock()

    def configs(self, selected: str | Path | Dataset) -> list[DatasetConfig]:
        """The datasets a selection gives: a name (``NAME`` or ``NAME/SUFFIX``: one per dataset
        dict of the file), an AISBench custom data file (a `Path`, ``--aisbench-custom-dataset``)
        or a `Dataset` declared in pytest."""
        if isinstance(selected, Dataset):
            return self._select(selected.abbr, lambda: [selected.to_config()])
        if isinstance(selected, Path):
            return self.custom(selected)
        return self._select(selected, lambda: self._compile(selected))

    def custom(self, path: str | Path, **overrides: object) -> list[DatasetConfig]:
        """The dataset of an AISBench custom ``.jsonl``/``.csv`` file (``--custom-dataset-path``
        there); `overrides` as `datasets.custom.custom_dataset_configs`."""
        from pytest_aisbench.datasets.custom import custom_dataset_configs

        key = f"custom:{path}:{sorted(overrides.items())!r}"
        return self._select(key, lambda: custom_dataset_configs(path, **overrides))

    def _select(self, key: str, produce: Callable[[], list[DatasetConfig]]) -> list[DatasetConfig]:
        """The configs `produce` gives, made once per `key`; an abbr that another source already
        gave is an error, since records are keyed by abbr."""
        with self._lock:
            if key not in self._by_name:
                configs = produce()
                for config in configs:
                    known = self._by_abbr.get(config.abbr)
                    if known is not None and known.source != config.source:
                        raise ConfigError(
                            f"dataset abbr {config.abbr!r} is given twice: by {known.source} "
                            f"and by {config.source}; records are keyed by abbr, so rename one "
                            "(a config's abbr; a custom file takes abbr=)"
                        )
                    self._by_abbr[config.abbr] = config
                self._by_name[key] = configs
            return self._by_name[key]

    def _compile(self, name: str) -> list[DatasetConfig]:
        if name in GENERATED:
            return [GENERATED[name]]
        file, suffix = find_dataset_file(name, self.folders)
        return [compile_entry(entry, name) for entry in read_dataset_file(file, suffix)]

    def selected(self) -> dict[str, DatasetConfig]:
        """Every dataset selected so far, by abbr."""
        with self._lock:
            return dict(self._by_abbr)

    def config(self, abbr: str) -> DatasetConfig | None:
        """The selected dataset whose records say `abbr`, if any."""
        with self._lock:
            return self._by_abbr.get(abbr)

    def samples(self, config: DatasetConfig) -> list[Sample]:
        """A dataset's samples, read once per process."""
        with self._lock:
            if config.abbr not in self._samples:
                self._samples[config.abbr] = config.load(self.datasets_dir)
            return self._samples[config.abbr]

    def fingerprint(self, config: DatasetConfig) -> tuple[tuple[str, str], ...]:
        """A dataset's digests (`fingerprints.dataset_fingerprint`), made once per process."""
        with self._lock:
            if config.abbr not in self._fingerprints:
                made = dataset_fingerprint(config, self.samples(config))
                self._fingerprints[config.abbr] = tuple(sorted(made.items()))
            return self._fingerprints[config.abbr]


def get_dataset_config(name: str) -> DatasetConfig:
    """The one built-in dataset called `name` (a file of several is an error listing them)."""
    configs = DatasetCatalog((), Path()).configs(name)
    if len(configs) != 1:
        raise ConfigError(
            f"dataset {name!r} holds {len(configs)} datasets "
            f"({', '.join(c.abbr for c in configs)}); select them through a session"
        )
    return configs[0]
