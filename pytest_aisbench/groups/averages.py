"""AISBench's two group averages, on plain numbers: ``naive_average`` (every subset counts
the same) and ``weighted_average`` (every sample counts the same, or the group's weights)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


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
