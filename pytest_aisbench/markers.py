"""``@pytest.mark.aisbench``: its keywords, checked, and how bad input stops collection."""

from __future__ import annotations

from typing import Any, NoReturn

import pytest

from pytest_aisbench.datasets import Dataset

MARKER_KEYS = {"dataset", "datasets", "min_accuracy", "slo"}
MARKER_HELP = (
    "aisbench(datasets=[...], dataset=Dataset(...), min_accuracy=None, slo=[...]): the "
    "datasets a sample test runs by default (config names, or datasets declared in pytest), "
    "their accuracy gate, and a perf test's SLOs"
)
USAGE_ERROR_PREFIX = "aisbench usage error: "
"""Starts the message of a collection error that bad input caused (exit status 4)."""


def marker_kwargs(node: Any) -> dict[str, Any]:
    """The item's (or definition's) ``@pytest.mark.aisbench`` keywords, checked."""
    marker = node.get_closest_marker("aisbench")
    kwargs = dict(marker.kwargs) if marker else {}
    unknown = set(kwargs) - MARKER_KEYS
    if unknown:
        usage_error_at_collection(
            f"{node.nodeid}: unknown aisbench marker keys "
            f"{sorted(unknown)}; allowed: {sorted(MARKER_KEYS)}"
        )
    if "dataset" in kwargs:  # one dataset (or a list): the same as datasets=
        given = kwargs.pop("dataset")
        more = list(given) if isinstance(given, (list, tuple)) else [given]
        kwargs["datasets"] = [*kwargs.get("datasets", []), *more]
    bad = [d for d in kwargs.get("datasets", []) if not isinstance(d, (str, Dataset))]
    if bad:
        usage_error_at_collection(
            f"{node.nodeid}: aisbench marker datasets must be config names or Dataset objects, "
            f"not {bad[0]!r}"
        )
    return kwargs


def usage_error_at_collection(message: str) -> NoReturn:
    """Stop on bad input found while collecting, where `pytest.exit` and `UsageError` would
    only become a collection error with the plugin's traceback: a `CollectError` is shown as
    its message alone, and the controller turns the exit status into 4 (xdist included)."""
    raise pytest.Collector.CollectError(USAGE_ERROR_PREFIX + message)
