"""Where a session's groups come from: the family groups of its selected config files and
AISBench's ``*_summary_groups`` files in ``groups/`` folders; a summary group replaces a family
group of the same name."""

from __future__ import annotations

import contextlib
import runpy
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_aisbench.datasets.config_files import GROUPS_FOLDER, find_dataset_file, shown
from pytest_aisbench.errors import AisbenchError, ConfigError
from pytest_aisbench.groups.summary_group import SummaryGroup, parse_group
from pytest_aisbench.user_files import import_failure

if TYPE_CHECKING:
    from pytest_aisbench.datasets import DatasetCatalog

LIST_SUFFIX = "_summary_groups"
"""A module-level list of group dicts ends in this, as in AISBench's summarizer configs."""


def read_summary_groups(config_dirs: Sequence[Path]) -> list[SummaryGroup]:
    """Every summary group in the ``groups/`` folders under `config_dirs`, in search order.

    A file that fails to run, a ``*_summary_groups`` value that is not a list, or an entry that
    is not a dict with a string ``name`` is a `ConfigError` naming the file.
    """
    groups = []
    for folder in config_dirs:
        if not folder.is_dir():
            continue
        files = sorted(
            file
            for groups_dir in folder.rglob(GROUPS_FOLDER)
            if groups_dir.is_dir()
            for file in groups_dir.glob("*.py")
            if not file.name.startswith("_")
        )
        for file in files:
            groups.extend(_groups_of(file))
    return groups


def _groups_of(file: Path) -> list[SummaryGroup]:
    """The groups of one file, run as plain Python (AISBench's group files import nothing of
    their own, so no package is made for them as for dataset config files)."""
    try:
        namespace = runpy.run_path(str(file), run_name=f"aisbench_groups_{file.stem}")
    except Exception as exc:  # the user's code: any failure is theirs, shown with their lines
        raise import_failure(file, exc) from None
    groups = []
    for variable, value in namespace.items():
        if not variable.endswith(LIST_SUFFIX) or variable.startswith("_"):
            continue
        if not isinstance(value, list | tuple):
            raise ConfigError(
                f"{variable} must be a list of group dicts, not {type(value).__name__}",
                source=str(file),
            )
        for position, entry in enumerate(value):
            groups.append(parse_group(entry, f"{file}: {variable}[{position}]"))
    return groups


def family_groups(
    selections: Mapping[str, Sequence[str]], config_dirs: Sequence[Path]
) -> list[SummaryGroup]:
    """The family groups of the selected config files: `selections` maps each selected name
    (``--aisbench-dataset`` or a suite marker's) to the abbrs it gives, in the file's order.

    A name that gives fewer than two datasets, or that is no config file (a custom data file,
    a dataset declared in pytest, a generated one), forms none.
    """
    families: dict[str, list[str]] = {}
    sources: dict[str, list[str]] = {}
    for name, abbrs in selections.items():
        if len(abbrs) < 2:
            continue
        try:
            file, _ = find_dataset_file(name, config_dirs)
        except AisbenchError:
            continue
        family = file.parent.name
        families.setdefault(family, []).extend(abbrs)
        sources.setdefault(family, []).append(shown(file))
    return [
        SummaryGroup(family, tuple(dict.fromkeys(abbrs)), None, ", ".join(sources[family]))
        for family, abbrs in sorted(families.items())
    ]


def merge_groups(
    summary: Iterable[SummaryGroup], families: Iterable[SummaryGroup]
) -> list[SummaryGroup]:
    """The session's groups: summary groups first (the first of a name wins), then the family
    groups that no summary group of the same name replaces."""
    by_name: dict[str, SummaryGroup] = {}
    for group in [*summary, *families]:
        by_name.setdefault(group.name, group)
    return list(by_name.values())


def session_groups(
    summary: Sequence[SummaryGroup],
    selected: Mapping[str, str],
    catalog: DatasetCatalog,
    config_dirs: Sequence[Path],
) -> list[SummaryGroup]:
    """The groups of a session: `summary` (read once) and the family groups of the names in
    `selected` (dataset abbr -> the name that selected it), each name's datasets as the
    catalog gives them (compiled on the xdist controller here, where nothing was collected)."""
    selections: dict[str, list[str]] = {}
    for name in dict.fromkeys(selected.values()):
        abbrs = [abbr for abbr, by in selected.items() if by == name]
        with contextlib.suppress(AisbenchError):  # not a config file name: its abbrs alone
            abbrs = [config.abbr for config in catalog.configs(name)]
        selections[name] = abbrs
    return merge_groups(summary, family_groups(selections, config_dirs))
