"""Streaming-performance metrics (vLLM ``bench serve`` definitions) and SLO expressions."""

from __future__ import annotations

from pytest_aisbench.perf.metrics import (
    PerfResult,
    RequestTiming,
    Stats,
    format_perf_table,
    summarize,
)
from pytest_aisbench.perf.slo import Slo, SloVerdict, evaluate_slos, parse_slo, parse_slos

__all__ = [
    "PerfResult",
    "RequestTiming",
    "Slo",
    "SloVerdict",
    "Stats",
    "evaluate_slos",
    "format_perf_table",
    "parse_slo",
    "parse_slos",
    "summarize",
]
