"""The perf plots as Plotly figure specs (plain dicts: ``data`` traces and a ``layout``).

The page draws them with the plotly.js it embeds; no Python plotting objects are needed, so
the figures are built and tested without plotly installed. Large runs are reduced here, not in
the browser: CDFs to at most `CDF_POINTS` points, the ITL histogram to binned counts, the
timeline to its first `TIMELINE_REQUESTS` requests, so a 15,000-request run stays small.
A plot whose data the report lacks is a `Figure` with a note instead of a spec.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pytest_aisbench.html.perf_runs import PlotRun

CDF_POINTS = 400
HISTOGRAM_BINS = 50
TIME_BINS = 60
TIMELINE_REQUESTS = 2000
NO_REQUESTS = (
    "the perf lines of this report carry no per-request timings (a report written before "
    "they were recorded)"
)


@dataclass(frozen=True)
class Figure:
    """One plot of the page: its element id, title, and a Plotly spec or why there is none."""

    key: str
    title: str
    spec: dict[str, Any] | None
    note: str = ""


def perf_figures(runs: Sequence[PlotRun]) -> list[Figure]:
    """Every perf plot, in page order; empty when no perf item ran."""
    if not runs:
        return []
    timed = [run for run in runs if run.requests]
    figures = [
        _cdf_figure(timed, "ttft", "TTFT"),
        _cdf_figure(timed, "e2el", "E2EL"),
        _itl_histogram(timed),
        _throughput_over_time(timed),
    ]
    for number, run in enumerate(runs, start=1):
        figures.append(_timeline(run, f"timeline-{number}"))
    figures.append(_latency_vs_throughput(runs))
    figures.append(_rate_asked_vs_achieved(runs))
    return figures


def _layout(title: str, x: str, y: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "xaxis": {"title": {"text": x}},
        "yaxis": {"title": {"text": y}},
        "margin": {"t": 50, "r": 20, "b": 50, "l": 70},
        "height": 380,
        "legend": {"orientation": "h", "y": -0.2},
        **extra,
    }


def _ms(seconds: Any) -> float | None:
    return seconds * 1000.0 if isinstance(seconds, int | float) else None


def _cdf_figure(runs: Sequence[PlotRun], metric: str, name: str) -> Figure:
    key, title = f"{metric}-cdf", f"{name} distribution (CDF)"
    if not runs:
        return Figure(key, title, None, NO_REQUESTS)
    traces = []
    for run in runs:
        times = (_ms(r.get(f"{metric}_s")) for r in run.requests if r.get("ok"))
        values = sorted(ms for ms in times if ms is not None)
        if values:
            xs, ys = _cdf_points(values)
            traces.append({"type": "scatter", "mode": "lines", "line": {"shape": "hv"},
                           "name": run.label, "x": xs, "y": ys})  # fmt: skip
    if not traces:
        why = (
            "no request has a time to first token (none streamed)"
            if metric == "ttft"
            else ("no request succeeded")
        )
        return Figure(key, title, None, why)
    layout = _layout(title, f"{name} (ms)", "fraction of requests")
    layout["yaxis"]["range"] = [0, 1.02]
    return Figure(key, title, {"data": traces, "layout": layout})


def _cdf_points(values: list[float]) -> tuple[list[float], list[float]]:
    """The empirical CDF of sorted `values`, at most `CDF_POINTS` steps (evenly by rank)."""
    n = len(values)
    if n <= CDF_POINTS:
        ranks = list(range(n))
    else:
        ranks = sorted({round(i * (n - 1) / (CDF_POINTS - 1)) for i in range(CDF_POINTS)})
    return [round(values[i], 3) for i in ranks], [round((i + 1) / n, 5) for i in ranks]


def _itl_histogram(runs: Sequence[PlotRun]) -> Figure:
    key, title = "itl-histogram", "Inter-token latency (ITL) histogram"
    if not runs:
        return Figure(key, title, None, NO_REQUESTS)
    gaps = {run.label: [g * 1000.0 for r in run.requests if r.get("ok")
                        for g in r.get("itl_s") or [] if isinstance(g, int | float)]
            for run in runs}  # fmt: skip
    pooled = sorted(g for values in gaps.values() for g in values)
    if not pooled:
        return Figure(key, title, None, "no request streamed two or more text events")
    low = pooled[0]
    high = pooled[min(len(pooled) - 1, math.ceil(0.999 * len(pooled)) - 1)]  # p99.9: no outlier
    width = (high - low) / HISTOGRAM_BINS or 1.0  # scale
    traces = []
    for label, values in gaps.items():
        if not values:
            continue
        counts = [0] * HISTOGRAM_BINS
        for gap in values:
            counts[min(max(int((gap - low) / width), 0), HISTOGRAM_BINS - 1)] += 1
        share = [round(c / len(values), 5) for c in counts]
        centers = [round(low + (i + 0.5) * width, 4) for i in range(HISTOGRAM_BINS)]
        traces.append({"type": "bar", "name": label, "x": centers, "y": share,
                       "width": width, "opacity": 0.6})  # fmt: skip
    layout = _layout(title, "ITL (ms; the last bin holds everything above p99.9)",
                     "fraction of gaps", barmode="overlay")  # fmt: skip
    return Figure(key, title, {"data": traces, "layout": layout})


def _token_times(request: dict[str, Any]) -> list[float]:
    """When each text event of a request arrived, on the run's clock."""
    start, ttft, e2el = request.get("start_s"), request.get("ttft_s"), request.get("e2el_s")
    if not isinstance(start, int | float) or not isinstance(e2el, int | float):
        return []
    if not isinstance(ttft, int | float):  # not streamed: the whole answer at the end
        return [start + e2el]
    times = [start + ttft]
    for gap in request.get("itl_s") or []:
        times.append(times[-1] + gap)
    return times


def _throughput_over_time(runs: Sequence[PlotRun]) -> Figure:
    key, title = "throughput-over-time", "Output throughput and requests in flight over time"
    if not runs:
        return Figure(key, title, None, NO_REQUESTS)
    traces: list[dict[str, Any]] = []
    for run in runs:
        done = [r for r in run.requests if r.get("ok") and _token_times(r)]
        if not done:
            continue
        end = max(_token_times(r)[-1] for r in done)
        width = max(end / TIME_BINS, 1e-3)
        bins = int(end / width) + 1
        tokens = [0.0] * bins
        busy = [0.0] * bins
        for request in done:
            times = _token_times(request)
            count = request.get("output_tokens") or len(times)
            for moment in times:  # a request's tokens spread over its text events
                tokens[min(int(moment / width), bins - 1)] += count / len(times)
            _add_busy(busy, width, float(request["start_s"]), times[-1])
        xs = [round((i + 0.5) * width, 4) for i in range(bins)]
        traces.append({"type": "scatter", "mode": "lines", "name": f"{run.label} output tok/s",
                       "x": xs, "y": [round(t / width, 3) for t in tokens]})  # fmt: skip
        traces.append({"type": "scatter", "mode": "lines", "line": {"dash": "dot"},
                       "name": f"{run.label} in flight", "yaxis": "y2",
                       "x": xs, "y": [round(b / width, 3) for b in busy]})  # fmt: skip
    if not traces:
        return Figure(key, title, None, "no request succeeded")
    layout = _layout(title, "time since the first send (s)", "output tokens/s")
    layout["yaxis2"] = {"title": {"text": "requests in flight (mean per bin)"},
                        "overlaying": "y", "side": "right", "rangemode": "tozero"}  # fmt: skip
    layout["margin"]["r"] = 70
    return Figure(key, title, {"data": traces, "layout": layout})


def _add_busy(busy: list[float], width: float, start: float, end: float) -> None:
    """Add the time [start, end] spends in each bin (summed over requests: the mean in flight)."""
    first, last = int(start / width), min(int(end / width), len(busy) - 1)
    for i in range(max(first, 0), last + 1):
        busy[i] += max(0.0, min(end, (i + 1) * width) - max(start, i * width))


def _timeline(run: PlotRun, key: str) -> Figure:
    title = f"Requests on a timeline: {run.label} (TTFT, then decode)"
    if not run.requests:
        return Figure(key, title, None, NO_REQUESTS)
    ordered = sorted(run.requests, key=lambda r: r.get("start_s") or 0.0)
    shown = ordered[:TIMELINE_REQUESTS]
    rows: dict[str, tuple[list[int], list[float], list[float]]] = {
        "TTFT": ([], [], []), "decode": ([], [], []), "not streamed": ([], [], []),
        "failed": ([], [], []),
    }  # fmt: skip
    for number, request in enumerate(shown, start=1):
        start = request.get("start_s") or 0.0
        ttft, e2el = request.get("ttft_s"), request.get("e2el_s")
        if not request.get("ok") or not isinstance(e2el, int | float):
            _bar(rows["failed"], number, start, 0.0)
        elif isinstance(ttft, int | float):
            _bar(rows["TTFT"], number, start, ttft)
            _bar(rows["decode"], number, start + ttft, e2el - ttft)
        else:
            _bar(rows["not streamed"], number, start, e2el)
    colors = {"TTFT": "#f0a030", "decode": "#3070c0", "not streamed": "#70a070",
              "failed": "#c03030"}  # fmt: skip
    traces = []
    for name, (ys, bases, lengths) in rows.items():
        if not ys:
            continue
        trace: dict[str, Any] = {
            "type": "bar",
            "orientation": "h",
            "name": name,
            "y": ys,
            "base": bases,
            "x": lengths,
            "marker": {"color": colors[name]},
        }
        if name == "failed":  # no end time: a mark where it started
            trace = {"type": "scatter", "mode": "markers", "name": name, "y": ys, "x": bases,
                     "marker": {"color": colors[name], "symbol": "x"}}  # fmt: skip
        traces.append(trace)
    height = min(900, max(300, 60 + 4 * len(shown)))
    layout = _layout(title, "time since the first send (s)", "request (by send time)",
                     barmode="overlay", bargap=0.1, height=height)  # fmt: skip
    layout["yaxis"]["autorange"] = "reversed"
    note = ""
    if len(ordered) > len(shown):
        note = f"the first {len(shown)} of {len(ordered)} requests by send time"
    return Figure(key, title, {"data": traces, "layout": layout}, note)


def _bar(row: tuple[list[int], list[float], list[float]], y: int, base: float, length: float
         ) -> None:  # fmt: skip
    row[0].append(y)
    row[1].append(round(base, 6))
    row[2].append(round(length, 6))


def _latency_vs_throughput(runs: Sequence[PlotRun]) -> Figure:
    key, title = "latency-vs-throughput", "Latency against throughput across the runs (the knee)"
    if len(runs) < 2:
        return Figure(key, title, None, "one perf run: a sweep needs two or more (loads)")
    points = sorted(
        (run for run in runs if isinstance(run.result.get("output_throughput"), int | float)),
        key=lambda run: run.result["output_throughput"],
    )
    series = sorted({run.series for run in points})
    traces = []
    for metric, name in (("e2el", "E2EL"), ("ttft", "TTFT")):
        for stat, dash in (("median", "solid"), ("p99", "dash")):
            field = f"{stat}_{metric}_ms"
            for model in series:
                shown = [run for run in points if run.series == model
                         and isinstance(run.result.get(field), int | float)]  # fmt: skip
                if not shown:
                    continue
                prefix = f"{model} " if len(series) > 1 else ""
                traces.append({
                    "type": "scatter", "mode": "lines+markers+text",
                    "textposition": "top center", "line": {"dash": dash},
                    "name": f"{prefix}{'p50' if stat == 'median' else stat} {name}",
                    "x": [round(run.result["output_throughput"], 3) for run in shown],
                    "y": [round(run.result[field], 3) for run in shown],
                    "text": [run.label for run in shown],
                    "customdata": [_rate(run.result.get("request_throughput")) for run in shown],
                    "hovertemplate": "%{text}: %{x} tok/s, %{customdata} req/s, %{y} ms",
                })  # fmt: skip
    if not traces:
        return Figure(key, title, None, "the perf runs have no latency figures")
    layout = _layout(title, "output throughput (tokens/s)", "latency (ms)")
    return Figure(key, title, {"data": traces, "layout": layout})


def _rate(value: Any) -> float | None:
    return round(value, 3) if isinstance(value, int | float) else None


def _rate_asked_vs_achieved(runs: Sequence[PlotRun]) -> Figure:
    key, title = "rate-asked-vs-achieved", "Request rate asked for against achieved"
    paced = [run for run in runs if run.asked_rate is not None]
    paced = [run for run in paced if isinstance(run.result.get("request_throughput"), int | float)]
    if not paced:
        return Figure(
            key,
            title,
            None,
            "no perf run asked for a request rate (all sent at once or by concurrency)",
        )
    asked = [_num(run.asked_rate) for run in paced]
    top = max([*asked, *(run.result["request_throughput"] for run in paced)]) * 1.1
    traces = [
        {"type": "scatter", "mode": "lines", "name": "achieved = asked", "x": [0, top],
         "y": [0, top], "line": {"dash": "dot", "color": "#999"}},
        {"type": "scatter", "mode": "markers+text", "textposition": "top center",
         "name": "runs", "x": asked, "text": [run.label for run in paced],
         "y": [round(run.result["request_throughput"], 4) for run in paced],
         "marker": {"size": 10}},
    ]  # fmt: skip
    layout = _layout(title, "asked (requests/s)", "achieved (requests/s)")
    return Figure(key, title, {"data": traces, "layout": layout})


def _num(value: float | None) -> float:
    return 0.0 if value is None else round(value, 4)
