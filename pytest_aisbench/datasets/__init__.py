"""Datasets (AISBench path: ``ais_bench.benchmark.datasets``): the dataset classes, their
postprocessors and evaluators, one module per family, and the session's `DatasetCatalog`.

A config imports a family's names from here (``from pytest_aisbench.datasets import
GSM8KDataset, Gsm8kEvaluator``). Family modules are imported when a name is first asked for,
not all at once: a family's optional packages cost nothing until it is used.
"""

from __future__ import annotations

import importlib
import pkgutil
import types
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, DatasetConfig, Sample
from pytest_aisbench.datasets.catalog import DatasetCatalog, get_dataset_config
from pytest_aisbench.datasets.declared import Dataset

_NOT_FAMILIES = {"base", "catalog", "config_files", "declared", "files", "openicl", "shapes"}
_NOT_FAMILIES |= {"utils"}  # datasets.utils: the families' helpers (the LLM-judge names)


def family_modules() -> list[str]:
    """The family modules of this package, by name (``gsm8k``, ``mmlu``, ...)."""
    return sorted(
        m.name
        for m in pkgutil.iter_modules(__path__)
        if m.name not in _NOT_FAMILIES and not m.name.startswith("_")
    )


def __getattr__(name: str) -> Any:
    """A submodule by its own name; otherwise a family's class or function, found in the first
    family module defining it. A module that a family imports is never the answer: agieval's
    ``from pytest_aisbench.datasets import math`` is the math family, not the standard library's
    ``math`` that another family (custom, gpqa) imports."""
    if name.startswith("_"):
        raise AttributeError(name)
    if name in {m.name for m in pkgutil.iter_modules(__path__)}:
        return importlib.import_module(f"{__name__}.{name}")
    for module in family_modules():
        value = vars(importlib.import_module(f"{__name__}.{module}")).get(name)
        if value is not None and not isinstance(value, types.ModuleType):
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
