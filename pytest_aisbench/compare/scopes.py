"""What is compared: each dataset, and each group as the union of its subsets' samples.

A group is compared on every sample of its subsets pooled, which is the group's
``weighted_average`` over sample counts (what a group gate judges), so its McNemar test uses
all the group's paired samples at once rather than averaging per-subset tests.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from pytest_aisbench.groups import SummaryGroup

ScopeKind = Literal["dataset", "group"]


@dataclass(frozen=True)
class Scope:
    """A dataset, or a group of them, by name; `datasets` are the abbrs whose samples count."""

    kind: ScopeKind
    name: str
    datasets: tuple[str, ...]

    @property
    def label(self) -> str:
        """How a table or message names it (a group says so)."""
        return self.name if self.kind == "dataset" else f"{self.name} (group)"


def scopes(datasets: Sequence[str], groups: Sequence[SummaryGroup]) -> list[Scope]:
    """Each of `datasets` in order, then each computable group with a subset among them
    (counted over the subsets that ran)."""
    ran: Collection[str] = set(datasets)
    found = [Scope("dataset", abbr, (abbr,)) for abbr in dict.fromkeys(datasets)]
    for group in groups:
        members = tuple(abbr for abbr in group.subsets if abbr in ran)
        if members and not group.unsupported:
            found.append(Scope("group", group.name, members))
    return found
