"""The report: the goals our client is held to, each figure's verdict, and the table.

Every figure is a key of ``figures[tool]`` (``ours`` or a peer's name); the table has a row
per figure, a column per tool, the ratios ours/peer and ours' verdict against its goal.
"""

from __future__ import annotations

from typing import Any

GOALS = {
    "cpu_us_per_event": 10.0,
    "max_rate_rps": 1000.0,
    "ttft_median_err_ms": 1.0,
    "ttft_p99_err_ms": 3.0,
    "itl_median_err_ms": 0.5,
    "dispatch_p99_ms": 2.0,
    "mem_kib_per_stream": 64.0,
}


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


FIGURES: list[tuple[str, str, str]] = [
    # key, label, "low" (lower is better) / "high"
    ("cpu_us_per_request_closed", "CPU us/request (closed loop)", "low"),
    ("cpu_us_per_event_closed", "CPU us/event (closed loop)", "low"),
    ("cpu_us_per_extra_event", "CPU us/extra event (16 -> 64 tokens)", "low"),
    ("cpu_us_per_request_paced", "CPU us/request (Poisson)", "low"),
    ("cpu_us_per_event_paced", "CPU us/event (Poisson)", "low"),
    ("max_rate_rps", "max rate within 1% (req/s)", "high"),
    ("ttft_median_err_ms", "TTFT median - configured (ms)", "low"),
    ("ttft_p99_err_ms", "TTFT p99 - configured (ms)", "low"),
    ("itl_median_err_ms", "ITL median - configured (ms)", "low"),
    ("ttft_true_err_median_ms", "TTFT median - sim write stamp (ms)", "low"),
    ("ttft_true_err_p99_ms", "TTFT p99 - sim write stamp (ms)", "low"),
    ("itl_true_err_median_ms", "ITL median - sim write gaps (ms)", "low"),
    ("fidelity_rps", "timing run: requests/s sent", "info"),
    ("sim_ttft_median_ms", "sim's own TTFT median (ms)", "info"),
    ("sim_ttft_p99_ms", "sim's own TTFT p99 (ms)", "info"),
    ("dispatch_p99_ms", "dispatch delay p99 (ms)", "low"),
    ("mem_kib_per_stream", "memory KiB/in-flight stream", "low"),
]

GOAL_OF = {
    "cpu_us_per_event_closed": "cpu_us_per_event",
    "cpu_us_per_event_paced": "cpu_us_per_event",
    "max_rate_rps": "max_rate_rps",
    "ttft_median_err_ms": "ttft_median_err_ms",
    "ttft_true_err_median_ms": "ttft_median_err_ms",
    "ttft_true_err_p99_ms": "ttft_p99_err_ms",
    "itl_true_err_median_ms": "itl_median_err_ms",
    "ttft_p99_err_ms": "ttft_p99_err_ms",
    "itl_median_err_ms": "itl_median_err_ms",
    "dispatch_p99_ms": "dispatch_p99_ms",
    "cpu_us_per_extra_event": "cpu_us_per_event",
    "mem_kib_per_stream": "mem_kib_per_stream",
}


def verdict(key: str, value: float | None, direction: str) -> str:
    goal_key = GOAL_OF.get(key)
    if goal_key is None or value is None:
        return ""
    goal = GOALS[goal_key]
    ok = value >= goal if direction == "high" else abs(value) < goal
    sign = ">=" if direction == "high" else "<"
    return f"{'PASS' if ok else 'FAIL'} ({sign}{goal:g})"


def table(figures: dict[str, dict[str, Any]], peers: list[str]) -> str:
    head = ["figure", "ours", *peers, *(f"ours/{p}" for p in peers), "goal (ours)"]
    rows = [head]
    for key, label, direction in FIGURES:
        ours = figures["ours"].get(key)
        row = [label, fmt(ours)]
        row += [fmt(figures.get(p, {}).get(key)) for p in peers]
        for p in peers:
            other = figures.get(p, {}).get(key)
            ratio = ours / other if ours is not None and other not in (None, 0) else None
            row.append(fmt(ratio, 3))
        row.append(verdict(key, ours, direction))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)
