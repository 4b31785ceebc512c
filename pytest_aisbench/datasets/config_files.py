"""Dataset config files: found by name, run as Python modules, their ``*_datasets`` lists read.

A dataset config file is an AISBench/OpenCompass openicl config: every module-level list whose
name ends in ``_datasets`` holds dataset dicts. ``--aisbench-dataset NAME`` selects
``NAME.py``, searched (recursively) in the user's dataset-config folders, then the built-in
ones; ``NAME/SUFFIX`` takes only the lists whose names end in ``SUFFIX``, as AISBench does.

Each file runs in a package of its own, made for that one run, so its relative imports work
(the 71 ``read_base()`` alias files: ``from .gsm8k_gen_4_shot_cot_str import gsm8k_datasets``,
``from ..gsm8k.x import y``) and a file that edits what it imported (the demo configs set
``test_range`` on GSM8K's dict) cannot change another file's dicts. mmengine's ``read_base`` is
provided when mmengine is not installed: it only marks those imports.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import importlib.util
import itertools
import sys
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.user_files import import_failure

LIST_SUFFIX = "_datasets"
GROUPS_FOLDER = "groups"
"""Where summary-group files live beside dataset configs; never a dataset config."""
_runs = itertools.count()


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset dict of a config file, copied out of it."""

    entry: dict[str, Any]
    file: Path
    variable: str
    """The list it was in (``gsm8k_datasets``)."""
    position: int

    @property
    def source(self) -> str:
        """How errors name it: ``<file>: gsm8k_datasets[0]`` (a built-in file by its place
        among the built-ins, not by a path into the installed plugin)."""
        return f"{shown(self.file)}: {self.variable}[{self.position}]"


def shown(file: Path) -> str:
    """A config file as messages name it."""
    builtin = builtin_dataset_configs_dir()
    if file.is_relative_to(builtin):
        return f"built-in dataset config {file.relative_to(builtin)}"
    return str(file)


def builtin_dataset_configs_dir() -> Path:
    """The dataset config files that ship with the plugin."""
    return Path(__file__).resolve().parent.parent / "configs" / "datasets"


def find_dataset_file(name: str, folders: Sequence[Path]) -> tuple[Path, str]:
    """The file `name` selects (``NAME`` or ``NAME/SUFFIX``) and its suffix ('' for all lists).

    The first folder holding ``NAME.py`` (at any depth) wins; two in one folder are ambiguous.
    An unknown name lists the known ones and the folders searched.
    """
    stem, _, suffix = name.partition("/")
    if not stem or stem != Path(stem).name:
        raise ConfigError(f"--aisbench-dataset {name!r}: expected NAME or NAME/SUFFIX")
    for folder in folders:
        found = [f for f in sorted(folder.rglob(f"{stem}.py")) if _is_config(f, folder)]
        if len(found) > 1:
            paths = ", ".join(str(f) for f in found)
            raise ConfigError(f"dataset {stem!r} is ambiguous in {folder}: {paths}")
        if found:
            return found[0], suffix
    shown = listed(sorted(dataset_names(folders)), 40)
    where = ", ".join(
        "the built-in configs" if f == builtin_dataset_configs_dir() else str(f) for f in folders
    )
    raise ConfigError(f"unknown dataset {stem!r}; known datasets: {shown} (looked in {where})")


def dataset_names(folders: Sequence[Path]) -> set[str]:
    """The names of every dataset config file in `folders`."""
    return {
        file.stem
        for folder in folders
        for file in folder.rglob("*.py")
        if not file.name.startswith("_") and _is_config(file, folder)
    }


def _is_config(file: Path, folder: Path) -> bool:
    """Whether `file` may be a dataset config: not under a ``groups/`` folder, where summary
    groups live (AISBench's ``groups/mmlu.py`` is not the ``mmlu`` dataset)."""
    return GROUPS_FOLDER not in file.relative_to(folder).parts[:-1]


def read_dataset_file(file: Path, suffix: str = "") -> list[DatasetEntry]:
    """Every dataset dict of `file` (of the lists ending in `suffix`, when given), copied."""
    namespace = _run(file)
    wanted = suffix or LIST_SUFFIX
    lists = {k: v for k, v in namespace.items() if k.endswith(wanted) and not k.startswith("_")}
    if not lists:
        found = sorted(k for k in namespace if k.endswith(LIST_SUFFIX))
        raise ConfigError(
            f"defines no list whose name ends in {wanted!r}"
            + (f"; lists found: {', '.join(found)}" if found else ""),
            source=shown(file),
        )
    entries = []
    for variable, value in lists.items():
        if not isinstance(value, list):
            raise ConfigError(
                f"{variable} must be a list of dataset dicts, not {type(value).__name__}",
                source=shown(file),
            )
        for position, entry in enumerate(value):
            if not isinstance(entry, dict):
                raise ConfigError(
                    f"{variable}[{position}] must be a dict, not {type(entry).__name__}",
                    source=shown(file),
                )
            entries.append(DatasetEntry(copy.deepcopy(entry), file, variable, position))
    return entries


def _run(file: Path) -> dict[str, Any]:
    """Run `file` as ``<fresh package>.<its folder>.<its name>``; its namespace."""
    root = f"_aisbench_dataset_config_{next(_runs)}"
    package = types.ModuleType(root)
    package.__path__ = [str(file.parent.parent)]
    sys.modules[root] = package
    folder = str(file.parent)
    if folder not in sys.path and not file.is_relative_to(builtin_dataset_configs_dir()):
        sys.path.append(folder)  # a config may import a dataset class module beside it
    try:
        with _read_base_available():
            module = importlib.import_module(f"{root}.{file.parent.name}.{file.stem}")
        return dict(vars(module))
    except ConfigError:
        raise
    except Exception as exc:
        raise import_failure(file, exc) from None
    finally:
        for name in [n for n in sys.modules if n == root or n.startswith(root + ".")]:
            del sys.modules[name]


@contextlib.contextmanager
def _read_base_available() -> Iterator[None]:
    """``mmengine.read_base`` and ``mmengine.config.read_base`` for the run of a config file,
    when mmengine is not installed (it is a large package; the configs need only the name)."""
    if importlib.util.find_spec("mmengine") is not None:
        yield
        return
    mmengine = types.ModuleType("mmengine")
    config = types.ModuleType("mmengine.config")
    mmengine.read_base = config.read_base = contextlib.nullcontext  # type: ignore[attr-defined]
    mmengine.config = config  # type: ignore[attr-defined]
    sys.modules["mmengine"], sys.modules["mmengine.config"] = mmengine, config
    try:
        yield
    finally:
        del sys.modules["mmengine"], sys.modules["mmengine.config"]


def listed(names: Sequence[str], limit: int = 5) -> str:
    """``a, b, c`` or ``a, b, ... (57 in all)``: a long list in a message."""
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])}, ... ({len(names)} in all)"
