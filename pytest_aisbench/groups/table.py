"""The accuracy table with group rows, and the notes under it about groups."""

from __future__ import annotations

from collections.abc import Sequence

from pytest_aisbench.datasets.config_files import listed
from pytest_aisbench.gates import TABLE_HEADER, AccuracyGate, align, gate_cells
from pytest_aisbench.groups.rows import JUDGED, GroupRow
from pytest_aisbench.groups.summary_group import SummaryGroup
from pytest_aisbench.records import OUTCOMES


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
