"""A summary group, and reading one from AISBench's dict form
(``dict(name=..., subsets=[abbr, ...], weights={abbr: n})``): what this plugin cannot compute is
kept with the reason, not refused, so AISBench's whole ``groups/`` folder can be copied."""

from __future__ import annotations

from dataclasses import dataclass

from pytest_aisbench.errors import ConfigError

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
