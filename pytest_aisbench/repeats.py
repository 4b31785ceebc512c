"""Several answers per row (a config's ``n``): avg@n and pass@k over each row's answers.

pass@k is the unbiased estimator of Chen et al. (2021), as AISBench computes it: for a row with
``c`` correct answers out of ``n``, ``1 - C(n - c, k) / C(n, k)``, averaged over the rows. An
answer that ended in error counts as not correct, as a missing prediction does in AISBench.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

from pytest_aisbench.records import SampleRecord


def pass_at_k(n: int, correct: int, k: int) -> float:
    """The chance that at least one of `k` answers drawn from the row's `n` is correct."""
    if n - correct < k:
        return 1.0
    return 1.0 - math.comb(n - correct, k) / math.comb(n, k)


def repeat_metrics(
    records: Iterable[SampleRecord], repeats: int, ks: Sequence[int]
) -> dict[str, float]:
    """``avg@n`` and each ``pass@k`` over the rows whose every answer is in `records` (a
    sample's row is ``index // repeats``); empty when there are no repeats."""
    if repeats <= 1:
        return {}
    rows: dict[int, list[bool]] = defaultdict(list)
    for record in records:
        rows[record.index // repeats].append(record.outcome == "correct")
    whole = [answers for answers in rows.values() if len(answers) == repeats]
    if not whole:
        return {}
    metrics = {f"avg@{repeats}": sum(map(sum, whole)) / (repeats * len(whole))}
    for k in ks:
        metrics[f"pass@{k}"] = sum(pass_at_k(repeats, sum(a), k) for a in whole) / len(whole)
    return metrics
