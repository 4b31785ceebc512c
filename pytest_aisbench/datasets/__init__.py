"""Datasets (AISBench path: ``ais_bench.benchmark.datasets``): the dataset classes, their
postprocessors and evaluators, one module per family, and the session's `DatasetCatalog`.

A config imports a family's names from here (``from pytest_aisbench.datasets import
GSM8KDataset, Gsm8kEvaluator``). Family modules are imported when a name is first asked for,
not all at once: a family's optional packages cost nothing until it is used.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, DatasetConfig, Sample
from pytest_aisbench.datasets.catalog import DatasetCatalog, get_dataset_config
from pytest_aisbench.datasets.declared import Dataset

_NOT_FAMILIES = {"base", "catalog", "config_files", "declared", "files", "openicl", "shapes"}


def family_modules() -> list[str]:
    """The family modules of this package, by name (``gsm8k``, ``mmlu``, ...)."""
    return sorted(
        m.name
        for m in pkgutil.iter_modules(__path__)
        if m.name not in _NOT_FAMILIES and not m.name.startswith("_")
    )


def __getattr__(name: str) -> Any:
    """A family's class or function, found in the first family module defining it."""
    if name.startswith("_"):
        raise AttributeError(name)
    for module in family_modules():
        loaded = importlib.import_module(f"{__name__}.{module}")
        if name in vars(loaded):
            value = vars(loaded)[name]
            globals()[name] = value
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BaseDataset",
    "Dataset",
    "DatasetCatalog",
    "DatasetConfig",
    "Sample",
    "family_modules",
    "get_dataset_config",
]
