"""Streaming-performance metrics with `vllm bench serve`'s names and formulas.

A finished `RequestOutput` becomes a small, serializable `RequestTiming` (what xdist workers
ship to the controller); `summarize` turns the timings of one measured run into a `PerfResult`.

Definitions (per request, ``send`` = client send time, content times = arrivals of the events
that added answer or reasoning text; a role-only event never appears there, so never counts):

- TTFT = first content time - send
- E2EL = last content time - send
- TPOT = (E2EL - TTFT) / (output_tokens - 1), only when output_tokens > 1
- ITL = gaps between consecutive content times, pooled over requests (one sample per event)
- E2EL from scheduled = E2EL + (send - scheduled); dispatch delay = send - scheduled

Warm-up exclusion is the caller's job: pass only the timings of measured requests.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.perf.stats import STAT_NAMES, Stats

NS_PER_S = 1_000_000_000

LATENCY_METRICS = ("ttft", "tpot", "itl", "e2el", "e2el_from_scheduled", "dispatch_delay")
"""The `Stats` fields of a `PerfResult`, in table order."""

GOODPUT_KEYS = ("ttft", "tpot", "e2el", "e2el_from_scheduled", "dispatch_delay")
"""Per-request metrics a goodput SLO may bound (vLLM accepts ttft, tpot and e2el)."""


@dataclass(frozen=True)
class RequestTiming:
    """What performance needs of one finished request; small enough to ship between processes."""

    scheduled_ns: int
    """When the request was meant to be sent (the send time when nothing scheduled it)."""
    send_ns: int
    """When it was sent; 0 when it never was (e.g. refused by the circuit breaker)."""
    finish_ns: int
    """Last event arrival (or content arrival, or send) — the end of its share of the window."""
    content_times_ns: tuple[int, ...]
    """Arrivals of the events that added answer or reasoning text."""
    output_tokens: int | None
    input_tokens: int | None
    token_source: str
    """Where ``output_tokens`` came from: ``usage``, ``tokenizer``, ``events`` or empty."""
    success: bool
    error: str = ""
    streamed: bool = True
    """False for a whole-body (non-stream) response: no TTFT, TPOT or ITL can be told apart."""

    @classmethod
    def from_output(cls, output: RequestOutput) -> RequestTiming:
        content = tuple(output.content_times_ns)
        ends = [*output.event_times_ns, *content, output.send_time_ns]
        return cls(
            scheduled_ns=output.scheduled_time_ns or output.send_time_ns,
            send_ns=output.send_time_ns,
            finish_ns=max(ends),
            content_times_ns=content,
            output_tokens=output.output_tokens,
            input_tokens=output.input_tokens,
            token_source=output.token_source,
            success=output.success,
            error="" if output.success else output.error_info,
            streamed=output.streamed,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (for xdist and reports)."""
        return {
            "scheduled_ns": self.scheduled_ns,
            "send_ns": self.send_ns,
            "finish_ns": self.finish_ns,
            "content_times_ns": list(self.content_times_ns),
            "output_tokens": self.output_tokens,
            "input_tokens": self.input_tokens,
            "token_source": self.token_source,
            "success": self.success,
            "error": self.error,
            "streamed": self.streamed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RequestTiming:
        return cls(
            scheduled_ns=int(data["scheduled_ns"]),
            send_ns=int(data["send_ns"]),
            finish_ns=int(data["finish_ns"]),
            content_times_ns=tuple(int(t) for t in data["content_times_ns"]),
            output_tokens=_optional_int(data.get("output_tokens")),
            input_tokens=_optional_int(data.get("input_tokens")),
            token_source=str(data.get("token_source", "")),
            success=bool(data["success"]),
            error=str(data.get("error", "")),
            streamed=bool(data.get("streamed", True)),
        )

    @property
    def sent(self) -> bool:
        return self.send_ns > 0

    @property
    def measurable(self) -> bool:
        """Latencies exist only for successful requests that delivered some text."""
        return self.success and bool(self.content_times_ns)

    @property
    def ttft_s(self) -> float | None:
        if not self.measurable or not self.streamed:
            return None
        return (self.content_times_ns[0] - self.send_ns) / NS_PER_S

    @property
    def e2el_s(self) -> float | None:
        if not self.measurable:
            return None
        return (self.content_times_ns[-1] - self.send_ns) / NS_PER_S

    @property
    def tpot_s(self) -> float | None:
        """Decode time per token after the first; undefined for one token (vLLM skips those)."""
        if not self.measurable or not self.streamed:
            return None
        if self.output_tokens is None or self.output_tokens <= 1:
            return None
        decode_ns = self.content_times_ns[-1] - self.content_times_ns[0]
        return decode_ns / (self.output_tokens - 1) / NS_PER_S

    @property
    def itl_s(self) -> tuple[float, ...]:
        if not self.measurable or not self.streamed:
            return ()
        times = self.content_times_ns
        return tuple((b - a) / NS_PER_S for a, b in itertools.pairwise(times))

    @property
    def dispatch_delay_s(self) -> float | None:
        """How late the client sent it; client-side queueing that E2EL alone would hide."""
        return (self.send_ns - self.scheduled_ns) / NS_PER_S if self.sent else None

    @property
    def e2el_from_scheduled_s(self) -> float | None:
        if not self.measurable:
            return None
        return (self.content_times_ns[-1] - self.scheduled_ns) / NS_PER_S


def request_timeline(timings: Sequence[RequestTiming]) -> list[dict[str, Any]]:
    """Each request on the run's own clock (seconds from its first send, rounded to the µs):
    ``start_s``, ``ttft_s``, ``e2el_s``, ``itl_s``, ``input_tokens``, ``output_tokens``, ``ok``.

    The flat figures lose the shape of a run; these let a report draw it (distributions,
    requests in flight, each request's wait and decode) without shipping nanosecond clocks. A
    request never sent starts at its planned time.
    """
    sent = [t.send_ns for t in timings if t.sent]
    origin = min(sent) if sent else 0
    rows = []
    for timing in timings:
        start_ns = timing.send_ns if timing.sent else timing.scheduled_ns
        rows.append({
            "start_s": _micro((start_ns - origin) / NS_PER_S),
            "ttft_s": _micro(timing.ttft_s),
            "e2el_s": _micro(timing.e2el_s),
            "itl_s": [_micro(gap) for gap in timing.itl_s],
            "input_tokens": timing.input_tokens,
            "output_tokens": timing.output_tokens,
            "ok": timing.success,
        })  # fmt: skip
    return rows


def _micro(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 6)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True)
class PerfResult:
    """One measured run: counts, throughputs over the window, latency `Stats` (seconds), goodput."""

    completed: int
    failed: int
    failure_rate: float
    """failed / (completed + failed); 0 when nothing ran."""
    duration_s: float
    """The measured window: first send to last finish, unless the caller gave one."""
    total_input_tokens: int
    total_output_tokens: int
    request_throughput: float
    output_throughput: float
    """Output tokens of successful requests per second."""
    total_token_throughput: float
    """Input plus output tokens of successful requests per second."""
    ttft: Stats
    tpot: Stats
    itl: Stats
    e2el: Stats
    e2el_from_scheduled: Stats
    dispatch_delay: Stats
    """Over every sent request, failed ones included: it measures the client, not the server."""
    goodput: float | None
    """Requests meeting all goodput SLOs per second (DistServe); ``None`` without SLOs."""
    goodput_ratio: float | None
    """Good requests / all requests (failed ones are never good); ``None`` without SLOs."""
    slo_limits_ms: dict[str, float] = field(default_factory=dict)
    token_sources: dict[str, int] = field(default_factory=dict)
    """Successful requests per token-count source (``unknown`` when none was recorded)."""

    def latency(self, metric: str) -> Stats:
        if metric not in LATENCY_METRICS:
            raise KeyError(metric)
        stats: Stats = getattr(self, metric)
        return stats

    def as_dict(self) -> dict[str, Any]:
        """Flat summary whose keys follow vLLM's result JSON (``mean_ttft_ms``, ``p99_itl_ms``)."""
        out: dict[str, Any] = {
            "completed": self.completed,
            "failed": self.failed,
            "failure_rate": self.failure_rate,
            "duration": self.duration_s,
            "total_input_tokens": self.total_input_tokens,
            "total_output_tokens": self.total_output_tokens,
            "request_throughput": self.request_throughput,
            "request_goodput": self.goodput,
            "goodput_ratio": self.goodput_ratio,
            "output_throughput": self.output_throughput,
            "total_token_throughput": self.total_token_throughput,
            "token_sources": dict(self.token_sources),
        }
        for metric in LATENCY_METRICS:
            stats = self.latency(metric)
            for name in STAT_NAMES:
                value = stats.stat(name)
                key = "p99.9" if name == "p999" else name  # vLLM writes p99.9_ttft_ms
                out[f"{key}_{metric}_ms"] = None if value is None else value * 1000.0
        return out


def _window_s(timings: list[RequestTiming], window: tuple[int, int] | None) -> float:
    if window is not None:
        start, end = window
    else:
        sent = [t for t in timings if t.sent]
        if not sent:
            return 0.0
        start = min(t.send_ns for t in sent)
        end = max(t.finish_ns for t in sent)
    return max(end - start, 0) / NS_PER_S


def _check_slo_limits(slo_limits: Mapping[str, float] | None) -> dict[str, float]:
    limits = dict(slo_limits or {})
    for key, value in limits.items():
        if key not in GOODPUT_KEYS:
            raise ConfigError(
                f"unknown goodput SLO {key!r}; allowed: {', '.join(GOODPUT_KEYS)} (milliseconds)"
            )
        if not math.isfinite(value) or value < 0:
            raise ConfigError(f"goodput SLO {key}={value!r} must be a finite number of ms >= 0")
    return limits


def is_good(timing: RequestTiming, limits_ms: Mapping[str, float]) -> bool:
    """True when the request met every limit; failed ones never do.

    As in vLLM, TPOT counts as 0 for one-token requests; a metric that cannot be measured
    (no text arrived) fails its limit.
    """
    if not timing.success:
        return False
    for key, limit_ms in limits_ms.items():
        value = timing.tpot_s if key == "tpot" else getattr(timing, f"{key}_s")
        if key == "tpot" and value is None and timing.measurable:
            value = 0.0
        if value is None or value * 1000.0 > limit_ms:
            return False
    return True


def _per_second(amount: float, duration_s: float) -> float:
    return amount / duration_s if duration_s > 0 else 0.0


def summarize(
    timings: Iterable[RequestTiming],
    slo_limits: Mapping[str, float] | None = None,
    *,
    window: tuple[int, int] | None = None,
) -> PerfResult:
    """The `PerfResult` of the measured requests (exclude warm-up ones before calling).

    ``slo_limits`` maps ``ttft``/``tpot``/``e2el`` (and ``e2el_from_scheduled``/
    ``dispatch_delay``) to milliseconds, like vLLM's ``--goodput ttft:500 tpot:50``.
    ``window`` is ``(start_ns, end_ns)`` in ``perf_counter_ns`` time; by default the window runs
    from the first send to the last finish. Latencies come from successful requests only.
    """
    items = list(timings)
    limits = _check_slo_limits(slo_limits)
    ok = [t for t in items if t.success]
    completed, failed = len(ok), len(items) - len(ok)
    duration = _window_s(items, window)
    input_tokens = sum(t.input_tokens or 0 for t in ok)
    output_tokens = sum(t.output_tokens or 0 for t in ok)
    good = sum(is_good(t, limits) for t in items) if limits else None
    return PerfResult(
        completed=completed,
        failed=failed,
        failure_rate=failed / len(items) if items else 0.0,
        duration_s=duration,
        total_input_tokens=input_tokens,
        total_output_tokens=output_tokens,
        request_throughput=_per_second(completed, duration),
        output_throughput=_per_second(output_tokens, duration),
        total_token_throughput=_per_second(input_tokens + output_tokens, duration),
        ttft=Stats.of(_present(t.ttft_s for t in ok)),
        tpot=Stats.of(_present(t.tpot_s for t in ok)),
        itl=Stats.of(gap for t in ok for gap in t.itl_s),
        e2el=Stats.of(_present(t.e2el_s for t in ok)),
        e2el_from_scheduled=Stats.of(_present(t.e2el_from_scheduled_s for t in ok)),
        dispatch_delay=Stats.of(_present(t.dispatch_delay_s for t in items)),
        goodput=None if good is None else _per_second(good, duration),
        goodput_ratio=None if good is None else (good / len(items) if items else 0.0),
        slo_limits_ms=limits,
        token_sources=dict(Counter(t.token_source or "unknown" for t in ok)),
    )


def _present(values: Iterable[float | None]) -> list[float]:
    return [v for v in values if v is not None]
