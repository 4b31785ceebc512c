"""SLO expressions: what parses, what is refused (and how), and the verdicts they give."""

from __future__ import annotations

import pytest

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.perf.metrics import PerfResult, RequestTiming, summarize
from pytest_aisbench.perf.slo import Slo, evaluate_slos, parse_slo, parse_slos

MS = 1_000_000
T = 10_000_000_000


def timing(
    send: int, content: tuple[int, ...], finish: int, out: int | None, success: bool = True
) -> RequestTiming:
    return RequestTiming(
        scheduled_ns=T,
        send_ns=T + send * MS,
        finish_ns=T + finish * MS,
        content_times_ns=tuple(T + c * MS for c in content),
        output_tokens=out,
        input_tokens=10,
        token_source="usage",
        success=success,
        error="" if success else "HTTP 500",
    )


# TTFT 50 / 100 / 200 ms, TPOT 10 / 20 ms, E2EL 90 / 160 / 200 ms, one failure, window 0.25 s
REQUESTS = [
    timing(0, (50, 60, 90), 95, out=5),
    timing(0, (100, 120, 140, 160), 170, out=4),
    timing(0, (200,), 250, out=1),
    timing(0, (), 30, out=None, success=False),
]


@pytest.fixture
def result() -> PerfResult:
    return summarize(REQUESTS)


@pytest.mark.parametrize(
    ("expression", "metric", "stat", "unit", "op", "threshold"),
    [
        ("ttft_p99_ms<=500", "ttft", "p99", "ms", "<=", 500.0),
        ("tpot_mean_ms<=50", "tpot", "mean", "ms", "<=", 50.0),
        ("itl_median_ms<200", "itl", "median", "ms", "<", 200.0),
        ("e2el_p90_ms<=2000", "e2el", "p90", "ms", "<=", 2000.0),
        ("e2el_from_scheduled_p999_s<2.5", "e2el_from_scheduled", "p999", "s", "<", 2.5),
        ("e2el_from_scheduled_ms<=900", "e2el_from_scheduled", "mean", "ms", "<=", 900.0),
        ("dispatch_delay_p99_ms<=5", "dispatch_delay", "p99", "ms", "<=", 5.0),
        ("dispatch_delay_max_ms<1e1", "dispatch_delay", "max", "ms", "<", 10.0),
        ("ttft_s<1", "ttft", "mean", "s", "<", 1.0),
        ("ttft_std_ms<=20", "ttft", "std", "ms", "<=", 20.0),
        ("ttft_min_ms>=1", "ttft", "min", "ms", ">=", 1.0),
        ("ttft_p50_ms>0", "ttft", "p50", "ms", ">", 0.0),
        (" ttft_p95_ms <= 500 ", "ttft", "p95", "ms", "<=", 500.0),
        ("goodput_ratio>=0.95", "goodput_ratio", None, None, ">=", 0.95),
        ("error_rate<=0.01", "error_rate", None, None, "<=", 0.01),
        ("request_throughput>=5", "request_throughput", None, None, ">=", 5.0),
        ("output_throughput>1000", "output_throughput", None, None, ">", 1000.0),
        ("total_token_throughput>=10", "total_token_throughput", None, None, ">=", 10.0),
        ("goodput>=2", "goodput", None, None, ">=", 2.0),
    ],
)
def test_parse_valid(
    expression: str, metric: str, stat: str | None, unit: str | None, op: str, threshold: float
) -> None:
    slo = parse_slo(expression)
    assert (slo.metric, slo.stat, slo.unit, slo.op, slo.threshold) == (
        metric,
        stat,
        unit,
        op,
        threshold,
    )
    assert slo.expression == expression.strip()


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("ttft_p99<=500", "neither a scalar nor a latency with a unit suffix"),
        ("ttft<=500", "neither a scalar nor a latency with a unit suffix"),
        ("ttft_p99_us<=500", "neither a scalar nor a latency with a unit suffix"),
        ("_ms<=5", "neither a scalar nor a latency with a unit suffix"),
        ("ttft_p42_ms<=500", "unknown stat 'p42'"),
        ("ttft__ms<=500", "unknown stat ''"),
        ("ttft_p99_ms_extra<=500", "neither a scalar nor a latency"),
        ("latency_p99_ms<=500", "unknown metric in 'latency_p99_ms'"),
        ("ttftx_p99_ms<=500", "unknown metric"),
        ("goodput_ratio_ms>=0.9", "unknown metric"),
        ("ttft_p99_ms==500", "not of the form"),
        ("ttft_p99_ms=>500", "not of the form"),
        ("ttft_p99_ms<=fast", "'fast' is not a number"),
        ("ttft_p99_ms<=500ms", "'500ms' is not a number"),
        ("ttft_p99_ms<=-1", "'-1' is not a finite number >= 0"),
        ("ttft_p99_ms<=inf", "'inf' is not a finite number >= 0"),
        ("ttft_p99_ms<=nan", "'nan' is not a finite number >= 0"),
        ("error_rate", "not of the form"),
        ("", "not of the form"),
        ("TTFT_P99_MS<=500", "not of the form"),
        ("ttft p99 ms <= 500", "not of the form"),
    ],
)
def test_parse_invalid(expression: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_slo(expression)
    message = str(info.value)
    assert message.startswith(f"invalid SLO {expression!r}: ")
    assert reason in message
    # every refusal lists what is allowed, once
    assert "ttft|tpot|itl|e2el|e2el_from_scheduled|dispatch_delay" in message
    assert "mean|median|std|min|max|p50|p90|p95|p99|p999" in message
    assert "goodput_ratio|error_rate|request_throughput|output_throughput" in message
    assert "<=|<|>=|>" in message


def test_parse_slos_keeps_order() -> None:
    slos = parse_slos(["error_rate<=0.01", "ttft_p99_ms<=500"])
    assert [s.metric for s in slos] == ["error_rate", "ttft"]
    assert Slo.parse("ttft_p99_ms<=500") == slos[1]


@pytest.mark.parametrize(
    ("expression", "passed", "actual", "explanation"),
    [
        ("ttft_p99_ms<=500", True, 198.0, "ttft p99 198.0 ms <= 500 ms"),
        ("ttft_p99_ms<=150", False, 198.0, "ttft p99 198.0 ms > 150 ms"),
        ("ttft_p99_s<0.1", False, 0.198, "ttft p99 0.198 s >= 0.1 s"),
        ("ttft_max_ms<200", False, 200.0, "ttft max 200.0 ms >= 200 ms"),
        ("ttft_max_ms<=200", True, 200.0, "ttft max 200.0 ms <= 200 ms"),
        ("ttft_ms<=120", True, 350 / 3, "ttft mean 116.7 ms <= 120 ms"),
        ("tpot_mean_ms<=12", False, 15.0, "tpot mean 15.0 ms > 12 ms"),
        ("itl_median_ms<25", True, 20.0, "itl median 20.0 ms < 25 ms"),
        ("e2el_min_ms>100", False, 90.0, "e2el min 90.0 ms <= 100 ms"),
        ("error_rate<=0.01", False, 0.25, "error_rate 0.25 > 0.01"),
        ("error_rate<0.5", True, 0.25, "error_rate 0.25 < 0.5"),
        ("request_throughput>=5", True, 12.0, "request_throughput 12.0 req/s >= 5 req/s"),
        ("output_throughput>100", False, 40.0, "output_throughput 40.0 tok/s <= 100 tok/s"),
        ("dispatch_delay_p99_ms<=5", True, 0.0, "dispatch_delay p99 0 ms <= 5 ms"),
    ],
)
def test_verdicts(
    result: PerfResult, expression: str, passed: bool, actual: float, explanation: str
) -> None:
    verdict = parse_slo(expression).evaluate(result)
    assert verdict.passed is passed
    assert verdict.actual == pytest.approx(actual)
    assert verdict.explain() == explanation


def test_goodput_ratio_needs_goodput_limits(result: PerfResult) -> None:
    verdict = parse_slo("goodput_ratio>=0.95").evaluate(result)
    assert (verdict.passed, verdict.actual) == (False, None)
    assert verdict.explain() == (
        "goodput_ratio not measured (no goodput SLOs were given); goodput_ratio>=0.95 fails"
    )


def test_goodput_ratio_with_limits() -> None:
    # TTFT <= 150 ms: the first two requests of four
    result = summarize(REQUESTS, {"ttft": 150})
    verdict = parse_slo("goodput_ratio>=0.95").evaluate(result)
    assert (verdict.passed, verdict.actual) == (False, 0.5)
    assert verdict.explain() == "goodput_ratio 0.5 < 0.95"
    assert parse_slo("goodput>=8").evaluate(result).explain() == "goodput 8 req/s >= 8 req/s"


def test_unmeasured_latency_fails() -> None:
    only_failures = summarize([REQUESTS[-1]])
    verdict = parse_slo("ttft_p99_ms<=500").evaluate(only_failures)
    assert (verdict.passed, verdict.actual) == (False, None)
    assert verdict.explain() == (
        "ttft p99 not measured (no request produced this metric); ttft_p99_ms<=500 fails"
    )


def test_evaluate_slos(result: PerfResult) -> None:
    verdicts = evaluate_slos(parse_slos(["ttft_p99_ms<=500", "error_rate<=0.01"]), result)
    assert [v.passed for v in verdicts] == [True, False]
    assert verdicts[1].slo.expression == "error_rate<=0.01"
