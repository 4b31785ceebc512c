"""Perf runs as pytest-benchmark entries, so its saving, comparing and regression gates apply.

When pytest-benchmark is active, each finished `PerfRun` of an item adds one entry per latency
metric (TTFT, TPOT, ITL, E2EL) to the benchmark session: the entry's data are the raw
per-request samples in seconds, so pytest-benchmark computes min, max, mean, median, IQR and ops
itself, and ``--benchmark-json``, ``--benchmark-autosave``, ``--benchmark-compare`` and
``--benchmark-compare-fail=median:10%`` work on them. Entries are named
``test_serving[vllm_stream_chat-c4]::ttft`` and grouped by metric; ``extra_info`` carries the
aisbench figures (throughputs, token sources, the metric's percentiles, the load profile).

Nothing happens when pytest-benchmark is absent, turned off (``-p no:benchmark``), disabled
(``--benchmark-disable``, or automatically under xdist, where the plugin's own report carries
the figures) or skipped (``--benchmark-skip``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_aisbench.perf.measure import PerfRun

EXPORTED_METRICS = ("ttft", "tpot", "itl", "e2el")
"""The `PerfResult` latency distributions that become benchmark entries, one each."""

_FIGURES = (
    "completed",
    "failed",
    "failure_rate",
    "duration",
    "total_input_tokens",
    "total_output_tokens",
    "request_throughput",
    "request_goodput",
    "goodput_ratio",
    "output_throughput",
    "total_token_throughput",
    "token_sources",
)
"""Keys of `PerfResult.as_dict` copied into each entry's ``extra_info``."""


@dataclass
class _EntrySource:
    """What `pytest_benchmark.stats.Metadata` reads from its fixture, without a fixture."""

    name: str
    fullname: str
    group: str
    param: str | None
    params: dict[str, Any] | None
    extra_info: dict[str, Any] = field(default_factory=dict)
    cprofile_stats: Any = None
    has_error: bool = False
    disabled: bool = False
    skipped: bool = False


def benchmark_session(config: pytest.Config) -> Any | None:
    """pytest-benchmark's session when it records benchmarks in this process, else ``None``."""
    session = getattr(config, "_benchmarksession", None)
    if session is None or not isinstance(getattr(session, "benchmarks", None), list):
        return None
    if getattr(session, "disabled", False) or getattr(session, "skip", False):
        return None
    return session


def export_perf_runs(config: pytest.Config, item: pytest.Item, runs: Sequence[PerfRun]) -> int:
    """Add the runs' latency distributions to pytest-benchmark's session; the entries added."""
    session = benchmark_session(config)
    if session is None or not runs:
        return 0
    try:
        from pytest_benchmark.stats import Metadata
    except ImportError:  # pragma: no cover - the session exists only with the plugin loaded
        return 0
    callspec = getattr(item, "callspec", None)
    param = callspec.id if callspec is not None else None
    params = dict(callspec.params) if callspec is not None else None
    added = 0
    for position, run in enumerate(runs):
        suffix = "" if position == 0 else f" (run {position + 1})"
        figures = run.to_dict()
        if run.result is None:  # a run rebuilt from a dict has no samples to export
            continue
        for metric in EXPORTED_METRICS:
            stats = run.result.latency(metric)
            if not stats.samples:  # pytest-benchmark cannot summarize an empty entry
                continue
            source = _EntrySource(
                name=f"{item.name}{suffix}::{metric}",
                fullname=f"{item.nodeid}{suffix}::{metric}",
                group=metric,
                param=param,
                params=params,
                extra_info=_extra_info(metric, figures, stats.as_dict()),
            )
            options = {"unit": "seconds", "source": "aisbench", "metric": metric}
            entry = Metadata(source, iterations=1, options=options)
            for sample in stats.samples:
                entry.stats.update(sample)
            session.benchmarks.append(entry)
            added += 1
    return added


def _extra_info(metric: str, figures: dict[str, Any], stats: dict[str, Any]) -> dict[str, Any]:
    result = figures["result"]
    return {
        "aisbench_metric": metric,
        "aisbench_run": figures["name"],
        "aisbench_stats_s": stats,
        **{key: result.get(key) for key in _FIGURES},
        "profile": figures["profile"],
    }
