"""Models side by side: every pair of this run's models, paired on the same samples."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

from pytest_aisbench.compare.comparison import Comparison
from pytest_aisbench.compare.node_ids import NodeIds
from pytest_aisbench.compare.pairing import pair
from pytest_aisbench.compare.scopes import Scope
from pytest_aisbench.records import SampleRecord


def by_model(records: Iterable[SampleRecord]) -> dict[str, list[SampleRecord]]:
    """Records per model abbr, in arrival order."""
    found: dict[str, list[SampleRecord]] = {}
    for record in records:
        found.setdefault(record.model, []).append(record)
    return found


def model_comparisons(
    records: Iterable[SampleRecord], models: Sequence[str], scopes: Sequence[Scope], ids: NodeIds
) -> list[Comparison]:
    """For each scope, each pair of `models` (in their order: the first named is `model`, the
    later one `other`) that both have records in it; empty with fewer than two models."""
    mine = by_model(records)
    found = []
    for scope in scopes:
        ran = [m for m in models if any(r.dataset in scope.datasets for r in mine.get(m, ()))]
        for model, other in combinations(ran, 2):
            paired = pair(mine[model], mine[other], scope.datasets)
            found.append(
                Comparison(
                    "model",
                    scope,
                    model,
                    other,
                    paired,
                    newly_wrong=tuple(ids.of((model, *key)) for key in paired.only_other),
                    newly_right=tuple(ids.of((model, *key)) for key in paired.only_model),
                )
            )
    return found
