"""Groups of datasets: one row per (model, group) with AISBench's two averages, and its gate.

MMLU is 57 datasets (one per subject), C-Eval 52, CMMLU 67, BBH 27: a row per subject buries the
number a release is judged by. AISBench and OpenCompass report such sets as *summary groups*
with two averages, and both are kept here under their names, because they answer different
questions:

- ``naive_average``: the mean of the subsets' accuracies; every subject counts the same.
- ``weighted_average``: every sample counts the same (correct / scored, summed over the
  subsets), or, when the group gives ``weights``, AISBench's weighted mean of the accuracies.

A group gate (``--aisbench-group-min-accuracy NAME=FRACTION``) judges the ``weighted_average``:
over sample counts it is the accuracy of all the group's samples, the figure a gate over one
dataset judges too.

**Where groups come from** (one rule, two sources):

1. *Family groups.* A selected dataset config file that gives two or more datasets forms a group
   named after the folder it is in (``mmlu/mmlu_gen.py`` gives ``mmlu``), of every dataset it
   gives. Selected files of one folder form one group.
2. *Summary groups, AISBench's form.* Every ``.py`` file directly inside a folder named
   ``groups``, anywhere under the user's dataset-config folders
   (``--aisbench-datasets-config-dir``), is run; its module-level lists whose names end in
   ``_summary_groups`` hold ``dict(name=..., subsets=[abbr, ...], weights={abbr: n})``.
   AISBench's ``configs/summarizers/groups/`` copied there works as it is.

A summary group replaces a family group of the same name; of two summary groups of one name,
the first found is used (folders in search order, files in path order). A group dict in a form
this plugin cannot compute (another metric than accuracy, ``std``, ``sum``, ``harmonic_mean``)
is kept with the reason, which is said only when one of its subsets ran, so AISBench's whole
folder can be copied.

Unlike AISBench, which drops a group when a subset is missing, a group over a partial selection
is computed over the subsets that ran and says so (``2 of 3 subsets``).
"""

from __future__ import annotations

import contextlib
import runpy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_aisbench.datasets.config_files import GROUPS_FOLDER, find_dataset_file, shown
from pytest_aisbench.errors import AisbenchError, ConfigError
from pytest_aisbench.gates import (
    TABLE_HEADER,
    AccuracyGate,
    align,
    gate_cells,
    wilson_interval,
)
from pytest_aisbench.records import OUTCOMES
from pytest_aisbench.user_files import import_failure

if TYPE_CHECKING:
    from pytest_aisbench.datasets import DatasetCatalog

LIST_SUFFIX = "_summary_groups"
"""A module-level list of group dicts ends in this, as in AISBench's summarizer configs."""
JUDGED = "weighted_average"
"""What a group gate compares with its threshold."""
NOT_COMPUTED = ("metric", "std", "sum", "harmonic_mean")
"""AISBench's keys for other aggregates than the two averages."""


@dataclass(frozen=True)
class SummaryGroup:
    """A named set of dataset abbrs whose accuracies are averaged into one row."""

    name: str
    subsets: tuple[str, ...]
    """Dataset abbrs, in the group's order (its subset rows are shown in this order)."""
    weights: dict[str, float] | None = None
    """AISBench's explicit weights per subset; None: weighted by sample count."""
    source: str = ""
    """Where it was defined (``<file>: mmlu_summary_groups[4]``, or a family's config file)."""
    unsupported: str = ""
    """Why this plugin cannot compute it ('' when it can)."""


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


def parse_group(entry: object, source: str) -> SummaryGroup:
    """One AISBench group dict; what cannot be computed here is kept as `unsupported`."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise ConfigError("a summary group must be a dict with a string 'name'", source=source)
    name = entry["name"]
    subsets, why = _subsets(entry.get("subsets"))
    weights, weights_why = _weights(entry.get("weights"), subsets) if not why else (None, "")
    reasons = [
        *(
            f"it asks for {key}={entry[key]!r}; only the two averages are computed"
            for key in NOT_COMPUTED
            if entry.get(key)
        ),
        *(
            f"unknown key {key!r}"
            for key in entry
            if key not in ("name", "subsets", "weights", *NOT_COMPUTED)
        ),
        why,
        weights_why,
    ]
    unsupported = next((reason for reason in reasons if reason), "")
    return SummaryGroup(name, subsets, None if unsupported else weights, source, unsupported)


def _subsets(value: object) -> tuple[tuple[str, ...], str]:
    """The abbrs of a ``subsets`` list (AISBench's ``(abbr, metric)`` pairs read as the abbr),
    and why they cannot be used ('' when they can: a pair's metric is accuracy)."""
    if not isinstance(value, list | tuple) or not value:
        return (), "no 'subsets' list"
    abbrs, why = [], ""
    for subset in value:
        if isinstance(subset, list | tuple) and len(subset) == 2:
            abbr, metric = subset
            if str(metric).lower() != "accuracy" and not why:
                why = f"subset {abbr!r} is read by its metric {metric!r}, not accuracy"
            subset = abbr
        if isinstance(subset, str):
            abbrs.append(subset)
        elif not why:
            why = f"subset {subset!r} is not a dataset abbr"
    return tuple(dict.fromkeys(abbrs)), why


def _weights(value: object, subsets: tuple[str, ...]) -> tuple[dict[str, float] | None, str]:
    """A ``weights`` dict checked against the subsets, and why it cannot be used."""
    if value is None or value == {} or value == []:
        return None, ""
    if not isinstance(value, dict):
        return None, f"weights must be a dict of subset to number, not {type(value).__name__}"
    weights: dict[str, float] = {}
    for abbr, weight in value.items():
        if abbr not in subsets:
            return None, f"weights name {abbr!r}, which is not one of its subsets"
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            return None, f"the weight of {abbr!r} is {weight!r}, not a number >= 0"
        weights[abbr] = float(weight)
    lacking = [abbr for abbr in subsets if abbr not in weights]
    if lacking:
        return None, f"weights give no weight for {lacking[0]!r}"
    return weights, ""


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


@dataclass(frozen=True)
class GroupRow:
    """One model's results on one group, and the gate on it."""

    model: str
    group: SummaryGroup
    gates: tuple[AccuracyGate, ...]
    """The accuracy gates of the subsets that ran for this model, in the group's order."""
    min_accuracy: float | None = None
    counts: dict[str, int] = field(init=False)
    """Samples per outcome over the subsets."""

    def __post_init__(self) -> None:
        counts = {outcome: sum(g.counts[outcome] for g in self.gates) for outcome in OUTCOMES}
        object.__setattr__(self, "counts", counts)

    @property
    def counted(self) -> tuple[AccuracyGate, ...]:
        """The subsets that have an accuracy (at least one scored sample)."""
        return tuple(g for g in self.gates if g.accuracy is not None)

    @property
    def missing(self) -> tuple[str, ...]:
        """The group's subsets not counted: not run for this model, or every sample in error."""
        counted = {g.dataset for g in self.counted}
        return tuple(abbr for abbr in self.group.subsets if abbr not in counted)

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    @property
    def scored(self) -> int:
        return self.n - self.counts["error"]

    @property
    def naive_average(self) -> float | None:
        """The mean of the counted subsets' accuracies (AISBench's ``naive_average``)."""
        return naive_average([g.accuracy for g in self.counted if g.accuracy is not None])

    @property
    def weighted_average(self) -> float | None:
        """The group's weights over its counted subsets, else correct / scored summed."""
        if self.group.weights is not None:
            return explicit_weighted_average(
                {g.dataset: g.accuracy for g in self.counted if g.accuracy is not None},
                self.group.weights,
            )
        return weighted_average((g.counts["correct"], g.scored) for g in self.counted)

    @property
    def interval(self) -> tuple[float, float] | None:
        """The Wilson 95% interval of the sample-weighted average; None for explicit weights,
        whose mean is not one proportion."""
        if self.group.weights is not None:
            return None
        return wilson_interval(self.counts["correct"], self.scored)

    @property
    def subset_coverage(self) -> str:
        """``3 subsets``, or ``2 of 3 subsets`` when some are missing."""
        total, counted = len(self.group.subsets), len(self.counted)
        return f"{counted} subsets" if counted == total else f"{counted} of {total} subsets"

    @property
    def total(self) -> int:
        """Samples in the subsets that ran (more than `n` when a subset ran in part)."""
        return sum(g.total if g.total is not None else g.n for g in self.gates)

    @property
    def partial(self) -> bool:
        """Whether a subset is missing or ran in part."""
        return bool(self.missing) or self.total > self.n

    @property
    def verdict(self) -> str:
        """``PASS``/``FAIL`` on the weighted average against the threshold, or ``-``."""
        if self.min_accuracy is None:
            return "-"
        value = self.weighted_average
        return "PASS" if value is not None and value >= self.min_accuracy else "FAIL"

    @property
    def name(self) -> str:
        """The gate entry's name (``aisbench::group[model-name]``)."""
        return f"group[{self.model}-{self.group.name}]"

    def explain(self) -> str:
        """One line for a failed group gate's report."""
        weighted, naive = self.weighted_average, self.naive_average
        shown_weighted = "n/a (no scored sample)" if weighted is None else f"{weighted:.1%}"
        parts = [f"{self.subset_coverage}", f"n={self.scored}"]
        if naive is not None:
            parts.append(f"naive_average {naive:.1%}")
        if self.missing:
            parts.append(f"missing: {listed(self.missing)}")
        return (
            f"{JUDGED} {shown_weighted} < min {self.min_accuracy:.1%} for {self.model} on group "
            f"{self.group.name} ({'; '.join(parts)})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The report's ``group`` line."""
        interval = self.interval
        return {
            "model": self.model,
            "group": self.group.name,
            "source": self.group.source,
            "subsets": list(self.group.subsets),
            "counted": [g.dataset for g in self.counted],
            "missing": list(self.missing),
            "n": self.n,
            "scored": self.scored,
            "counts": dict(self.counts),
            "naive_average": self.naive_average,
            "weighted_average": self.weighted_average,
            "weights": "samples" if self.group.weights is None else dict(self.group.weights),
            "ci95": None if interval is None else list(interval),
            "min_accuracy": self.min_accuracy,
            "judged": JUDGED,
            "verdict": self.verdict,
        }


def naive_average(accuracies: Sequence[float]) -> float | None:
    """The plain mean of accuracies; None for none."""
    return sum(accuracies) / len(accuracies) if accuracies else None


def weighted_average(parts: Iterable[tuple[int, int]]) -> float | None:
    """Correct over scored, each summed over the (correct, scored) parts; None when nothing
    was scored."""
    correct = scored = 0
    for part_correct, part_scored in parts:
        correct += part_correct
        scored += part_scored
    return correct / scored if scored else None


def explicit_weighted_average(
    accuracies: Mapping[str, float], weights: Mapping[str, float]
) -> float | None:
    """AISBench's ``weighted_average`` with the group's weights, over the subsets present;
    None when their weights sum to 0."""
    total = sum(weights[abbr] for abbr in accuracies)
    if not total:
        return None
    return sum(accuracy * weights[abbr] for abbr, accuracy in accuracies.items()) / total


def group_rows(
    gates: Sequence[AccuracyGate],
    groups: Sequence[SummaryGroup],
    thresholds: Mapping[str, float] | None = None,
) -> list[GroupRow]:
    """One row per (model, group) where a subset ran for that model, or the group is gated
    (a gated group that did not run fails: its gate has nothing to pass with). Models in
    sorted order, groups in `groups` order; groups that cannot be computed are left out."""
    thresholds = thresholds or {}
    by_model: dict[str, dict[str, AccuracyGate]] = {}
    for gate in gates:
        by_model.setdefault(gate.model, {})[gate.dataset] = gate
    rows = []
    for model in sorted(by_model):
        ran = by_model[model]
        for group in groups:
            if group.unsupported:
                continue
            members = tuple(ran[abbr] for abbr in group.subsets if abbr in ran)
            threshold = thresholds.get(group.name)
            if members or threshold is not None:
                rows.append(GroupRow(model, group, members, threshold))
    return rows


def unknown_gated_groups(thresholds: Mapping[str, float], groups: Sequence[SummaryGroup]) -> str:
    """Why a group gate cannot be judged ('' when every gated group is known and computable):
    an unknown name lists the known groups."""
    by_name = {group.name: group for group in groups}
    for name in thresholds:
        group = by_name.get(name)
        if group is not None and group.unsupported:
            return (
                f"--aisbench-group-min-accuracy {name}: group {name!r} ({group.source}) cannot "
                f"be computed here: {group.unsupported}"
            )
    unknown = [name for name in thresholds if name not in by_name]
    if not unknown:
        return ""
    known = [group.name for group in groups if not group.unsupported]
    return (
        f"--aisbench-group-min-accuracy: unknown group {', '.join(map(repr, unknown))}; known "
        f"groups: {listed(known, 40) or 'none'} (a selected config file of two or more "
        f"datasets forms one named after its folder; summary groups are read from '"
        f"{GROUPS_FOLDER}/' folders under --aisbench-datasets-config-dir)"
    )


def listed(names: Sequence[str], limit: int = 5) -> str:
    """``a, b, c`` or ``a, b, ... (57 in all)``."""
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])}, ... ({len(names)} in all)"


def folded(rows: Sequence[GroupRow]) -> set[tuple[str, str]]:
    """The (model, dataset abbr) of every gate folded into a group row: not shown by default."""
    return {(row.model, abbr) for row in rows for abbr in row.group.subsets}


def format_summary(
    gates: Sequence[AccuracyGate], rows: Sequence[GroupRow], show_subsets: bool = False
) -> list[str]:
    """The accuracy table with groups: per model, the datasets in no group as before, then
    each group's row (its two averages in columns of their own), followed by its subsets'
    rows, indented, when `show_subsets`. A subset of several groups is shown under the first.
    Without groups it is `gates.format_table`."""
    if not rows:
        return align([list(TABLE_HEADER), *(gate_cells(gate) for gate in gates)])
    at = TABLE_HEADER.index("accuracy") + 1
    header = [*TABLE_HEADER[:at], "naive_average", JUDGED, *TABLE_HEADER[at:]]
    table = [header]

    def widened(cells: list[str]) -> list[str]:
        return [*cells[:at], "", "", *cells[at:]]

    models = sorted({g.model for g in gates} | {r.model for r in rows})
    for model in models:
        own_rows = [r for r in rows if r.model == model]
        grouped = folded(own_rows)
        table.extend(
            widened(gate_cells(g)) for g in gates if g.model == model and g.key not in grouped
        )
        shown_subsets: set[str] = set()
        for row in own_rows:
            table.append(_group_cells(row))
            if show_subsets:
                for gate in row.gates:
                    if gate.dataset not in shown_subsets:
                        shown_subsets.add(gate.dataset)
                        cells = widened(gate_cells(gate))
                        cells[1] = f"  {gate.dataset}"
                        table.append(cells)
    return align(table)


def _group_cells(row: GroupRow) -> list[str]:
    """A group row's cells: its outcomes summed, its averages named, the group gate's verdict."""
    interval = row.interval
    n = f"{row.n} of {row.total}" if row.total > row.n else str(row.n)
    return [
        row.model,
        f"{row.group.name} (group, {row.subset_coverage})",
        n,
        *(str(row.counts[o]) for o in OUTCOMES),
        "",
        _percent(row.naive_average),
        _percent(row.weighted_average),
        "-" if interval is None else f"{interval[0]:.1%}-{interval[1]:.1%}",
        "-" if row.min_accuracy is None else f"{row.min_accuracy:.1%}",
        "-",
        row.verdict,
    ]


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def summary_notes(
    gates: Sequence[AccuracyGate],
    rows: Sequence[GroupRow],
    groups: Sequence[SummaryGroup],
    show_subsets: bool = False,
) -> list[tuple[str, bool]]:
    """The lines under the table about groups, each with whether it is a warning: what the two
    averages are, groups over a partial selection, subset gates that failed inside a folded
    group, and groups that ran but cannot be computed here."""
    notes: list[tuple[str, bool]] = []
    if rows:
        subsets = "" if show_subsets else "; --aisbench-subsets shows each subset's row"
        notes.append(
            (
                "a group row's naive_average is the mean of its subsets' accuracies, its "
                "weighted_average correct / scored over all their samples (or the group's "
                f"weights), which a group gate judges{subsets}",
                False,
            )
        )
    for row in rows:
        if row.missing:
            notes.append(
                (
                    f"{row.model} on group {row.group.name}: {row.subset_coverage} counted "
                    f"(missing: {listed(row.missing)})",
                    True,
                )
            )
        if row.total > row.n:
            notes.append(
                (
                    f"{row.model} on group {row.group.name}: covers {row.n} of {row.total} "
                    "samples of its subsets (a subset ran in part)",
                    True,
                )
            )
        failed = [g.dataset for g in row.gates if g.verdict == "FAIL"]
        if failed and not show_subsets:
            notes.append(
                (
                    f"{row.model} on group {row.group.name}: {len(failed)} subset gate(s) "
                    f"failed: {listed(failed)}",
                    True,
                )
            )
    ran = {g.dataset for g in gates}
    for group in groups:
        if group.unsupported and ran.intersection(group.subsets):
            notes.append(
                (f"group {group.name} ({group.source}) not shown: {group.unsupported}", True)
            )
    return notes
