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

The modules: `summary_group` (a group and AISBench's dict form of one), `sources` (where the
session's groups come from), `averages` (the two averages), `rows` (a `GroupRow` per model and
group, and its gate), `table` (the accuracy table with group rows, and its notes).
"""

from __future__ import annotations

from pytest_aisbench.groups.averages import (
    explicit_weighted_average,
    naive_average,
    weighted_average,
)
from pytest_aisbench.groups.rows import (
    JUDGED,
    GroupRow,
    group_rows,
    unknown_gated_groups,
)
from pytest_aisbench.groups.sources import (
    LIST_SUFFIX,
    family_groups,
    merge_groups,
    read_summary_groups,
    session_groups,
)
from pytest_aisbench.groups.summary_group import NOT_COMPUTED, SummaryGroup, parse_group
from pytest_aisbench.groups.table import folded, format_summary, summary_notes

__all__ = [
    "JUDGED",
    "LIST_SUFFIX",
    "NOT_COMPUTED",
    "GroupRow",
    "SummaryGroup",
    "explicit_weighted_average",
    "family_groups",
    "folded",
    "format_summary",
    "group_rows",
    "merge_groups",
    "naive_average",
    "parse_group",
    "read_summary_groups",
    "session_groups",
    "summary_notes",
    "unknown_gated_groups",
    "weighted_average",
]
