"""Service-level objectives over a `PerfResult`, written as one-line expressions.

Grammar: ``<metric>[_<stat>]_<unit><op><number>`` for latencies (``ttft_p99_ms<=500``;
the stat defaults to ``mean``, the unit ``ms`` or ``s`` is required) and ``<metric><op><number>``
for scalars (``goodput_ratio>=0.95``, ``error_rate<=0.01``, ``request_throughput>=5``).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.perf.metrics import LATENCY_METRICS, STAT_NAMES, PerfResult

SCALAR_METRICS: dict[str, tuple[str, str]] = {
    "goodput_ratio": ("goodput_ratio", ""),
    "error_rate": ("failure_rate", ""),
    "request_throughput": ("request_throughput", "req/s"),
    "output_throughput": ("output_throughput", "tok/s"),
    "total_token_throughput": ("total_token_throughput", "tok/s"),
    "goodput": ("goodput", "req/s"),
}
"""Scalar SLO name -> (`PerfResult` attribute, display unit)."""

UNITS = {"ms": 1000.0, "s": 1.0}
"""Latency unit suffix -> factor from seconds."""

OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}
_NEGATED = {"<=": ">", "<": ">=", ">=": "<", ">": "<="}

_EXPRESSION = re.compile(r"^\s*([a-z0-9_]+)\s*(<=|>=|<|>)\s*(\S+)\s*$")
# longest first, so e2el_from_scheduled is not read as e2el + "_from_scheduled"
_LATENCY_BY_LENGTH = sorted(LATENCY_METRICS, key=len, reverse=True)

ALLOWED = (
    "expected <metric>[_<stat>]_<ms|s><op><number> with metric "
    f"{'|'.join(LATENCY_METRICS)} and stat {'|'.join(STAT_NAMES)} (default mean), "
    f"or <scalar><op><number> with scalar {'|'.join(SCALAR_METRICS)}; "
    f"op {'|'.join(OPS)}; number finite and >= 0"
)


def _bad(expression: str, reason: str) -> ConfigError:
    return ConfigError(f"invalid SLO {expression!r}: {reason}; {ALLOWED}")


def _format(value: float) -> str:
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3g}"


@dataclass(frozen=True)
class SloVerdict:
    """The outcome of one SLO against one result."""

    slo: Slo
    passed: bool
    actual: float | None
    """The measured value in the SLO's unit; ``None`` when the run did not measure it."""

    def explain(self) -> str:
        """One line, e.g. ``ttft p99 612.3 ms > 500 ms``."""
        slo = self.slo
        unit = f" {slo.unit_label}" if slo.unit_label else ""
        if self.actual is None:
            return f"{slo.label} not measured ({slo.missing_reason}); {slo.expression} fails"
        op = slo.op if self.passed else _NEGATED[slo.op]
        return f"{slo.label} {_format(self.actual)}{unit} {op} {slo.threshold:g}{unit}"

    def to_dict(self) -> dict[str, Any]:
        """For the JSON report and for xdist (the explanation is for readers of the file)."""
        return {
            "expression": self.slo.expression,
            "passed": self.passed,
            "actual": self.actual,
            "explain": self.explain(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SloVerdict:
        actual = data.get("actual")
        return cls(Slo.parse(data["expression"]), bool(data["passed"]),
                   None if actual is None else float(actual))  # fmt: skip


@dataclass(frozen=True)
class Slo:
    """One parsed objective: a metric (with stat and unit for latencies), a comparison, a bound."""

    expression: str
    metric: str
    stat: str | None
    unit: str | None
    """``ms`` or ``s`` for latencies, ``None`` for scalars."""
    op: str
    threshold: float

    @classmethod
    def parse(cls, expression: str) -> Slo:
        match = _EXPRESSION.match(expression)
        if match is None:
            raise _bad(expression, "not of the form <name><op><number>")
        name, op, number = match.groups()
        threshold = _parse_number(expression, number)
        if name in SCALAR_METRICS:
            return cls(expression.strip(), name, None, None, op, threshold)
        metric, stat, unit = _split_latency(expression, name)
        return cls(expression.strip(), metric, stat, unit, op, threshold)

    @property
    def label(self) -> str:
        return f"{self.metric} {self.stat}" if self.stat else self.metric

    @property
    def unit_label(self) -> str:
        return self.unit or SCALAR_METRICS[self.metric][1]

    @property
    def missing_reason(self) -> str:
        if self.metric in ("goodput_ratio", "goodput"):
            return "no goodput SLOs were given"
        return "no request produced this metric"

    def measure(self, result: PerfResult) -> float | None:
        """The value this SLO compares, in its unit."""
        if self.stat is None:
            value: float | None = getattr(result, SCALAR_METRICS[self.metric][0])
            return value
        seconds = result.latency(self.metric).stat(self.stat)
        return None if seconds is None else seconds * UNITS[self.unit or "s"]

    def evaluate(self, result: PerfResult) -> SloVerdict:
        """A verdict; a value the run did not measure fails rather than passing silently."""
        actual = self.measure(result)
        passed = actual is not None and OPS[self.op](actual, self.threshold)
        return SloVerdict(self, passed, actual)


def _parse_number(expression: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _bad(expression, f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise _bad(expression, f"{text!r} is not a finite number >= 0")
    return value


def _split_latency(expression: str, name: str) -> tuple[str, str, str]:
    """``ttft_p99_ms`` -> (``ttft``, ``p99``, ``ms``); raises a `ConfigError` otherwise."""
    head, _, unit = name.rpartition("_")
    if unit not in UNITS or not head:
        raise _bad(expression, f"{name!r} is neither a scalar nor a latency with a unit suffix")
    metric = next((m for m in _LATENCY_BY_LENGTH if head == m or head.startswith(m + "_")), None)
    if metric is None:
        raise _bad(expression, f"unknown metric in {name!r}")
    stat = "mean" if head == metric else head[len(metric) + 1 :]
    if stat not in STAT_NAMES:
        raise _bad(expression, f"unknown stat {stat!r}")
    return metric, stat, unit


def parse_slo(expression: str) -> Slo:
    return Slo.parse(expression)


def parse_slos(expressions: Iterable[str]) -> list[Slo]:
    return [Slo.parse(e) for e in expressions]


def evaluate_slos(slos: Iterable[Slo], result: PerfResult) -> list[SloVerdict]:
    return [slo.evaluate(result) for slo in slos]
