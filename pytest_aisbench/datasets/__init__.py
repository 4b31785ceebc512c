"""Named dataset configurations (AISBench names) and where their files are found."""

from __future__ import annotations

from pytest_aisbench.datasets.base import DatasetConfig, Sample
from pytest_aisbench.datasets.gsm8k import GSM8K_CONFIGS
from pytest_aisbench.datasets.shapes import SHAPES_CONFIGS
from pytest_aisbench.errors import ConfigError

DATASETS: dict[str, DatasetConfig] = {
    config.name: config for config in (*GSM8K_CONFIGS, *SHAPES_CONFIGS)
}


def get_dataset_config(name: str) -> DatasetConfig:
    """The dataset configuration called `name`; an unknown name lists the known ones."""
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(sorted(DATASETS))
        raise ConfigError(f"unknown dataset {name!r}; known datasets: {known}") from None


def dataset_by_abbr(abbr: str) -> DatasetConfig | None:
    """The dataset configuration whose records are labelled `abbr` (abbrs are unique)."""
    return next((config for config in DATASETS.values() if config.abbr == abbr), None)


__all__ = ["DATASETS", "DatasetConfig", "Sample", "dataset_by_abbr", "get_dataset_config"]
