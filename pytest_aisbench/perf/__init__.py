"""Serving performance: load runs, vLLM ``bench serve`` metrics, SLO gates.

`run` is the public, pytest-free entry point: a backend config, a `Workload` and a
`LoadProfile` in, a `PerfRun` out. The ``aisbench_perf`` fixture (``perf/plugin.py``) and the
benchmarks in ``benchmarks/`` both go through it.
"""

from __future__ import annotations

from pytest_aisbench.perf.loadgen import LoadProfile
from pytest_aisbench.perf.measure import PerfRun, Workload, run
from pytest_aisbench.perf.metrics import PerfResult, RequestTiming, summarize
from pytest_aisbench.perf.slo import Slo, SloVerdict, evaluate_slos, parse_slo, parse_slos
from pytest_aisbench.perf.stats import Stats
from pytest_aisbench.perf.table import format_perf_table

__all__ = [
    "LoadProfile",
    "PerfResult",
    "PerfRun",
    "RequestTiming",
    "Slo",
    "SloVerdict",
    "Stats",
    "Workload",
    "evaluate_slos",
    "format_perf_table",
    "parse_slo",
    "parse_slos",
    "run",
    "summarize",
]
