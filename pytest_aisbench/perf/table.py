"""A perf run as terminal lines, in the layout of ``vllm bench serve``'s result block."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_aisbench.perf.metrics import LATENCY_METRICS

_TITLES = {
    "ttft": ("Time to First Token", "TTFT"),
    "tpot": ("Time per Output Token (excl. 1st token)", "TPOT"),
    "itl": ("Inter-token Latency", "ITL"),
    "e2el": ("End-to-end Latency", "E2EL"),
    "e2el_from_scheduled": ("E2E Latency from Scheduled Send", "E2EL sched"),
    "dispatch_delay": ("Dispatch Delay (send - scheduled)", "Dispatch"),
}

_TABLE_STATS = (("Mean", "mean"), ("Median", "median"), ("P90", "p90"), ("P99", "p99"))


def _row(label: str, value: object) -> str:
    return f"{label:<40} {value!s:<10}".rstrip()


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def format_perf_table(name: str, summary: Mapping[str, Any]) -> list[str]:
    """Terminal lines in the layout of ``vllm bench serve``'s result block (latencies in ms).

    `summary` is `PerfResult.as_dict`, so the xdist controller formats a worker's run from
    what travelled, without the samples.
    """
    lines = [f"{' ' + name + ' ':=^50}"]
    lines += [
        _row("Successful requests:", summary["completed"]),
        _row("Failed requests:", summary["failed"]),
        _row("Benchmark duration (s):", _num(summary["duration"])),
        _row("Total input tokens:", summary["total_input_tokens"]),
        _row("Total generated tokens:", summary["total_output_tokens"]),
        _row("Request throughput (req/s):", _num(summary["request_throughput"])),
    ]
    if summary.get("request_goodput") is not None:
        lines.append(_row("Request goodput (req/s):", _num(summary["request_goodput"])))
    lines += [
        _row("Output token throughput (tok/s):", _num(summary["output_throughput"])),
        _row("Total token throughput (tok/s):", _num(summary["total_token_throughput"])),
    ]
    sources = summary.get("token_sources") or {}
    if sources:
        listed = ", ".join(f"{k} {v}" for k, v in sorted(sources.items()))
        lines.append(_row("Token counts from:", listed))
    if sources.get("unknown"):  # like TPOT's n/a: say which figures lack these requests
        lines.append(
            f"Not in token totals, throughputs, TPOT: {sources['unknown']} requests "
            "without a token count"
        )
    if summary.get("token_note"):
        lines.append(f"  ({summary['token_note']})")
    for metric in LATENCY_METRICS:
        title, short = _TITLES[metric]
        lines.append(f"{title:-^50}")
        for label, stat in _TABLE_STATS:
            lines.append(_row(f"{label} {short} (ms):", _num(summary.get(f"{stat}_{metric}_ms"))))
    lines.append("=" * 50)
    return lines
