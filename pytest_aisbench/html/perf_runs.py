"""The report's ``perf`` lines as runs to plot: a short label each, and their requests.

A label names the load (``c4``, ``8 req/s``) since that is what a sweep varies; when two runs
share a load (several backends), the item's parameter id goes in front so they stay apart. A
run's series is its backend (the perf line's ``model``), so a sweep is drawn per model, not as
one line across backends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Line = dict[str, Any]


@dataclass(frozen=True)
class PlotRun:
    """One perf line, ready to plot."""

    label: str
    item: str
    series: str
    """The run's model (the perf line's ``model``; '' in a report written before it was kept):
    one sweep line each."""
    result: dict[str, Any]
    profile: dict[str, Any]
    requests: list[dict[str, Any]]
    """The line's per-request timings; empty for a report written before they were kept."""

    @property
    def asked_rate(self) -> float | None:
        """The request rate the profile asked for; None for "all at once" (inf or < 0.1/s)."""
        rate = number(self.profile.get("request_rate"))
        return rate if rate is not None and 0.1 <= rate < math.inf else None


def plot_runs(lines: list[Line]) -> list[PlotRun]:
    """The perf lines in report order, labelled."""
    loads = [load_label(line.get("profile") or {}) for line in lines]
    labels = []
    for line, load in zip(lines, loads, strict=True):
        label = load
        if loads.count(load) > 1:
            label = f"{item_param(str(line.get('item', '')), str(line.get('name', '')))} {load}"
        labels.append(label)
    # still equal (the same item ran twice): number them
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if labels.count(label) == 1 else f"{label} #{seen[label]}")
    return [
        PlotRun(
            label=label,
            item=str(line.get("item", "")),
            series=str(line.get("model") or ""),
            result=dict(line.get("result") or {}),
            profile=dict(line.get("profile") or {}),
            requests=[r for r in line.get("requests") or [] if isinstance(r, dict)],
        )
        for line, label in zip(lines, unique, strict=True)
    ]


def load_label(profile: dict[str, Any]) -> str:
    """``c4``, ``8 req/s``, ``c4 8 req/s``, ``ramp 1-8 req/s`` or ``all at once``."""
    parts = []
    concurrency = profile.get("concurrency")
    if concurrency:
        parts.append(f"c{concurrency}")
    rate = number(profile.get("request_rate"))
    if profile.get("ramp_up") not in (None, "none"):
        start, end = profile.get("ramp_up_start_rps"), profile.get("ramp_up_end_rps")
        parts.append(f"ramp {start:g}-{end:g} req/s" if start and end else "ramp")
    elif rate is not None and 0.1 <= rate < math.inf:
        parts.append(f"{rate:g} req/s")
    return " ".join(parts) or "all at once"


def item_param(item: str, name: str) -> str:
    """The parameter id of a node id (``vllm_chat-c4`` of ``f.py::test[vllm_chat-c4]``)."""
    tail = item.rsplit("::", 1)[-1]
    if "[" in tail and tail.endswith("]"):
        return tail[tail.index("[") + 1 : -1]
    return tail or name


def number(value: Any) -> float | None:
    """A float from a report value (the profile writes inf as the string ``"inf"``)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
