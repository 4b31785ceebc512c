"""Per-request metrics, `Stats` and `summarize` checked against hand-computed literals."""

from __future__ import annotations

import json
import math

import pytest

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.perf.metrics import PerfResult, RequestTiming, summarize
from pytest_aisbench.perf.stats import Stats, percentile
from pytest_aisbench.perf.table import format_perf_table

MS = 1_000_000
T = 10_000_000_000  # an arbitrary perf_counter_ns origin


def timing(
    *,
    scheduled: int,
    send: int,
    content: tuple[int, ...],
    finish: int,
    out: int | None,
    inp: int | None,
    success: bool = True,
    source: str = "usage",
) -> RequestTiming:
    return RequestTiming(
        scheduled_ns=T + scheduled * MS,
        send_ns=T + send * MS,
        finish_ns=T + finish * MS,
        content_times_ns=tuple(T + c * MS for c in content),
        output_tokens=out,
        input_tokens=inp,
        token_source=source,
        success=success,
        error="" if success else "HTTP 500",
    )


# A: 4 tokens in 4 events.      TTFT 100, E2EL 160, TPOT 60/3 = 20, ITL 20 20 20, sched delay 2
A = timing(scheduled=0, send=2, content=(102, 122, 142, 162), finish=170, out=4, inp=10)
# B: 5 tokens in 3 events.      TTFT 50, E2EL 90, TPOT 40/4 = 10, ITL 10 30, sched delay 0
B = timing(scheduled=0, send=0, content=(50, 60, 90), finish=95, out=5, inp=20, source="tokenizer")
# C: 1 token.                   TTFT 200, E2EL 200, no TPOT, no ITL, sched delay 5
C = timing(scheduled=10, send=15, content=(215,), finish=250, out=1, inp=30)
# D: failed after one event.    no latencies, but counted in failure_rate and dispatch delay
D = timing(scheduled=20, send=20, content=(), finish=30, out=None, inp=None, success=False)


def ms(stats: Stats) -> list[float]:
    return [round(x * 1000, 9) for x in stats.samples]


# --- percentiles and Stats -------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [(0, 1.0), (50, 2.5), (90, 3.7), (95, 3.85), (99, 3.97), (99.9, 3.997), (100, 4.0)],
)
def test_percentile_matches_numpy_linear_by_hand(q: float, expected: float) -> None:
    # index (n - 1) * q / 100 = 3q/100, interpolated between its neighbours
    assert percentile((1.0, 2.0, 3.0, 4.0), q) == pytest.approx(expected, rel=1e-12)


def test_percentile_is_bit_identical_to_numpy() -> None:
    # the literals are numpy 2.x's np.percentile([1, 2, 3, 4], [95, 99, 99.9]) reprs
    samples = (1.0, 2.0, 3.0, 4.0)
    assert percentile(samples, 95) == 3.8499999999999996
    assert percentile(samples, 99) == 3.9699999999999998
    assert percentile(samples, 99.9) == 3.9970000000000003


def test_percentile_rejects_empty_and_out_of_range() -> None:
    with pytest.raises(ValueError):
        percentile((), 50)
    with pytest.raises(ValueError):
        percentile((1.0,), 101)


def test_stats_fields() -> None:
    stats = Stats.of([4, 1, 3, 2])
    assert stats.samples == (1.0, 2.0, 3.0, 4.0)
    assert stats.count == 4
    assert stats.mean == 2.5
    assert stats.median == 2.5
    assert stats.p50 == 2.5
    assert stats.std == pytest.approx(math.sqrt(1.25))  # population: sum of squares 5 / 4
    assert (stats.min, stats.max) == (1.0, 4.0)
    assert stats.p90 == pytest.approx(3.7)
    assert stats.p95 == pytest.approx(3.85)
    assert stats.p99 == pytest.approx(3.97)
    assert stats.p999 == pytest.approx(3.997)


def test_stats_of_five() -> None:
    stats = Stats.of([10, 20, 30, 40, 50])
    assert stats.p90 == pytest.approx(46.0)  # index 3.6
    assert stats.p999 == pytest.approx(49.96)  # index 3.996
    assert stats.std == pytest.approx(math.sqrt(200.0))


def test_stats_single_and_empty() -> None:
    one = Stats.of([7.0])
    assert (one.mean, one.std, one.p50, one.p999, one.min, one.max) == (7.0, 0.0, 7.0, 7.0, 7, 7)
    empty = Stats()
    assert empty.count == 0
    assert empty.as_dict() == {
        "count": 0,
        **dict.fromkeys(("mean", "median", "std", "min", "max", "p50", "p90", "p95"), None),
        "p99": None,
        "p999": None,
    }


def test_stats_as_dict() -> None:
    assert Stats.of([1, 2, 3, 4]).as_dict() == {
        "count": 4,
        "mean": 2.5,
        "median": 2.5,
        "std": pytest.approx(1.118033988749895),
        "min": 1.0,
        "max": 4.0,
        "p50": 2.5,
        "p90": pytest.approx(3.7),
        "p95": pytest.approx(3.85),
        "p99": pytest.approx(3.97),
        "p999": pytest.approx(3.997),
    }


def test_stat_by_name_rejects_unknown() -> None:
    with pytest.raises(KeyError):
        Stats.of([1]).stat("p42")


def test_merge_equals_stats_over_concatenation() -> None:
    a, b, c = Stats.of([5, 1]), Stats.of([3, 9, 7]), Stats()
    merged = Stats.merge(a, b, c)
    assert merged == Stats.of([1, 3, 5, 7, 9])
    assert merged.as_dict() == Stats.of([9, 7, 5, 3, 1]).as_dict()
    assert merged.p90 == pytest.approx(8.2)  # index 3.6 of 1 3 5 7 9
    # averaging the parts' p90s (4.6 and 8.6) would give 6.6: wrong, and not what merge does
    assert (a.p90 + b.p90) / 2 == pytest.approx(6.6)  # type: ignore[operator]


# --- RequestTiming -----------------------------------------------------------------------


def test_from_output_ignores_role_only_event() -> None:
    output = RequestOutput(
        success=True,
        scheduled_time_ns=T,
        send_time_ns=T + 1 * MS,
        # role-only chunk at 11 ms, text at 31 and 41 ms, usage chunk at 45, [DONE] at 46
        event_times_ns=[T + 11 * MS, T + 31 * MS, T + 41 * MS, T + 45 * MS, T + 46 * MS],
        content_times_ns=[T + 31 * MS, T + 41 * MS],
        output_tokens=3,
        input_tokens=7,
        token_source="usage",
        streamed=True,
    )
    t = RequestTiming.from_output(output)
    assert t.content_times_ns == (T + 31 * MS, T + 41 * MS)
    assert t.finish_ns == T + 46 * MS
    assert t.ttft_s == pytest.approx(0.030)
    assert t.e2el_s == pytest.approx(0.040)
    assert t.tpot_s == pytest.approx(0.005)  # 10 ms over 2 tokens after the first
    assert t.itl_s == pytest.approx((0.010,))
    assert t.dispatch_delay_s == pytest.approx(0.001)
    assert t.e2el_from_scheduled_s == pytest.approx(0.041)
    assert t.error == ""


def test_from_output_unscheduled_and_failed() -> None:
    output = RequestOutput(success=False, error_info="HTTP 503", send_time_ns=T)
    t = RequestTiming.from_output(output)
    assert t.scheduled_ns == T  # nothing scheduled it: no dispatch delay to invent
    assert t.finish_ns == T
    assert t.dispatch_delay_s == 0.0
    assert (t.ttft_s, t.e2el_s, t.tpot_s, t.itl_s) == (None, None, None, ())
    assert t.error == "HTTP 503"


def test_never_sent_request_has_no_dispatch_delay() -> None:
    t = RequestTiming.from_output(RequestOutput(success=False, error_info="breaker open"))
    assert t.sent is False
    assert t.dispatch_delay_s is None


def test_per_request_metrics_by_hand() -> None:
    assert (A.ttft_s, A.e2el_s, A.tpot_s) == pytest.approx((0.100, 0.160, 0.020))
    assert A.itl_s == pytest.approx((0.020, 0.020, 0.020))
    assert (A.dispatch_delay_s, A.e2el_from_scheduled_s) == pytest.approx((0.002, 0.162))
    assert (B.ttft_s, B.e2el_s, B.tpot_s) == pytest.approx((0.050, 0.090, 0.010))
    assert B.itl_s == pytest.approx((0.010, 0.030))
    assert (C.ttft_s, C.e2el_s) == pytest.approx((0.200, 0.200))
    assert C.e2el_from_scheduled_s == pytest.approx(0.205)  # E2EL 200 + (send - scheduled) 5


def test_one_token_request_has_no_tpot() -> None:
    assert C.tpot_s is None
    assert C.itl_s == ()


def test_unknown_token_count_has_no_tpot() -> None:
    t = timing(scheduled=0, send=0, content=(10, 20), finish=20, out=None, inp=None)
    assert t.tpot_s is None
    assert t.itl_s == pytest.approx((0.010,))


def test_timing_round_trips_through_json() -> None:
    for t in (A, B, C, D):
        data = json.loads(json.dumps(t.to_dict()))
        assert RequestTiming.from_dict(data) == t
    assert A.to_dict()["content_times_ns"] == [
        T + 102 * MS,
        T + 122 * MS,
        T + 142 * MS,
        T + 162 * MS,
    ]


# --- summarize ---------------------------------------------------------------------------


def test_summarize_three_requests() -> None:
    r = summarize([A, B, C])
    assert (r.completed, r.failed, r.failure_rate) == (3, 0, 0.0)
    assert r.duration_s == pytest.approx(0.250)  # first send (B, 0 ms) to last finish (C, 250)
    assert (r.total_input_tokens, r.total_output_tokens) == (60, 10)
    assert r.request_throughput == pytest.approx(12.0)
    assert r.output_throughput == pytest.approx(40.0)
    assert r.total_token_throughput == pytest.approx(280.0)
    assert ms(r.ttft) == [50, 100, 200]
    assert ms(r.tpot) == [10, 20]  # C has one token: no TPOT
    assert ms(r.itl) == [10, 20, 20, 20, 30]  # pooled gaps, one per event
    assert ms(r.e2el) == [90, 160, 200]
    assert ms(r.e2el_from_scheduled) == [90, 162, 205]
    assert ms(r.dispatch_delay) == [0, 2, 5]
    assert r.ttft.mean == pytest.approx(0.350 / 3)
    assert r.ttft.p99 == pytest.approx(0.198)  # index 1.98 between 100 and 200
    assert r.tpot.mean == pytest.approx(0.015)  # unweighted per-request mean, as vLLM
    assert r.itl.mean == pytest.approx(0.020)
    assert r.itl.p90 == pytest.approx(0.026)
    assert r.token_sources == {"usage": 2, "tokenizer": 1}
    assert (r.goodput, r.goodput_ratio) == (None, None)


def test_failed_requests_excluded_from_latency_but_counted() -> None:
    r = summarize([A, B, C, D])
    assert (r.completed, r.failed, r.failure_rate) == (3, 1, 0.25)
    assert r.ttft.count == 3
    assert r.e2el.count == 3
    assert r.itl.count == 5
    assert ms(r.dispatch_delay) == [0, 0, 2, 5]  # D was sent on time: client delay counts
    assert r.duration_s == pytest.approx(0.250)
    assert r.request_throughput == pytest.approx(12.0)
    assert r.total_output_tokens == 10


def test_summarize_with_given_window() -> None:
    r = summarize([A, B, C], window=(T, T + 1_000 * MS))
    assert r.duration_s == 1.0
    assert (r.request_throughput, r.output_throughput, r.total_token_throughput) == (3, 10, 70)


def test_summarize_nothing() -> None:
    r = summarize([])
    assert (r.completed, r.failed, r.failure_rate, r.duration_s) == (0, 0, 0.0, 0.0)
    assert (r.request_throughput, r.output_throughput) == (0.0, 0.0)
    assert r.ttft.count == 0
    assert summarize([], {"ttft": 100}).goodput_ratio == 0.0


@pytest.mark.parametrize(
    ("limits", "good"),
    [
        ({"ttft": 150, "tpot": 15}, 1),  # A misses TPOT (20), C misses TTFT (200): B only
        ({"tpot": 15}, 2),  # B, and C whose TPOT counts as 0 for one token
        ({"ttft": 100}, 2),  # A at exactly 100 ms meets it (<=), B too
        ({"ttft": 1000, "e2el": 1000}, 3),  # every success; D failed, so never good
        ({"e2el": 100}, 1),  # B (90)
        ({"e2el_from_scheduled": 161}, 1),  # B (90); A is 162 from its schedule
        ({"dispatch_delay": 1}, 1),  # B (0); D would meet it but failed
    ],
)
def test_goodput(limits: dict[str, float], good: int) -> None:
    r = summarize([A, B, C, D], limits)
    assert r.goodput == pytest.approx(good / 0.250)
    assert r.goodput_ratio == pytest.approx(good / 4)
    assert r.slo_limits_ms == limits


def test_request_without_text_is_never_good() -> None:
    empty = timing(scheduled=0, send=0, content=(), finish=10, out=0, inp=5)
    assert summarize([empty], {"tpot": 1000}).goodput_ratio == 0.0


@pytest.mark.parametrize("limits", [{"itl": 10}, {"latency": 1}, {"ttft": -1}, {"ttft": math.inf}])
def test_bad_goodput_limits(limits: dict[str, float]) -> None:
    with pytest.raises(ConfigError, match="goodput SLO"):
        summarize([A], limits)


def test_result_as_dict_uses_vllm_keys() -> None:
    d = summarize([A, B, C, D], {"ttft": 150}).as_dict()
    assert d["completed"] == 3
    assert d["failed"] == 1
    assert d["duration"] == pytest.approx(0.25)
    assert d["request_goodput"] == pytest.approx(8.0)  # A and B meet 150 ms, over 0.25 s
    assert d["mean_ttft_ms"] == pytest.approx(350 / 3)
    assert d["median_ttft_ms"] == pytest.approx(100)
    assert d["p99_ttft_ms"] == pytest.approx(198)
    assert d["p99.9_itl_ms"] == pytest.approx(29.96)  # index 3.996 of 10 20 20 20 30
    assert d["std_tpot_ms"] == pytest.approx(5)
    assert d["max_e2el_from_scheduled_ms"] == pytest.approx(205)
    assert d["min_dispatch_delay_ms"] == 0.0
    assert d["token_sources"] == {"usage": 2, "tokenizer": 1}
    json.dumps(d)


def test_perf_result_is_frozen() -> None:
    r = summarize([A])
    assert isinstance(r, PerfResult)
    with pytest.raises(AttributeError):
        r.completed = 2  # type: ignore[misc]


# --- table -------------------------------------------------------------------------------


def test_format_perf_table() -> None:
    lines = format_perf_table("vllm-stream", summarize([A, B, C, D], {"ttft": 150}).as_dict())
    assert lines[0] == "=" * 18 + " vllm-stream " + "=" * 19
    assert lines[1:11] == [
        "Successful requests:                     3",
        "Failed requests:                         1",
        "Benchmark duration (s):                  0.25",
        "Total input tokens:                      60",
        "Total generated tokens:                  10",
        "Request throughput (req/s):              12.00",
        "Request goodput (req/s):                 8.00",
        "Output token throughput (tok/s):         40.00",
        "Total token throughput (tok/s):          280.00",
        "Token counts from:                       tokenizer 1, usage 2",
    ]
    ttft = lines.index(f"{'Time to First Token':-^50}")
    assert lines[ttft + 1 : ttft + 5] == [
        "Mean TTFT (ms):                          116.67",
        "Median TTFT (ms):                        100.00",
        "P90 TTFT (ms):                           180.00",
        "P99 TTFT (ms):                           198.00",
    ]
    assert "P90 ITL (ms):                            26.00" in lines
    assert "Mean TPOT (ms):                          15.00" in lines
    assert lines[-1] == "=" * 50
    assert all(len(line) == 50 for line in lines if line[:3] in ("===", "---"))


def test_the_table_says_which_figures_lack_requests_without_a_token_count() -> None:
    """A request whose tokens could not be counted (no tokenizer, a server without usage) still
    counts for latency; the table says the token figures leave it out, and why."""
    uncounted = timing(
        scheduled=0, send=0, content=(10, 30), finish=30, out=None, inp=None, source=""
    )
    summary = summarize([A, uncounted]).as_dict()
    summary["token_note"] = "no tokenizer count: key 'path': no tokenizer.json at /w"
    lines = format_perf_table("custom", summary)
    assert "Token counts from:                       unknown 1, usage 1" in lines
    assert "Not in token totals, throughputs, TPOT: 1 requests without a token count" in lines
    assert "  (no tokenizer count: key 'path': no tokenizer.json at /w)" in lines
    assert "Total generated tokens:                  4" in lines  # A's only
    assert not any("without a token count" in line for line in format_perf_table(
        "counted", summarize([A]).as_dict()))  # fmt: skip


def test_format_perf_table_without_samples_or_goodput() -> None:
    lines = format_perf_table("empty", summarize([]).as_dict())
    assert not any(line.startswith("Request goodput") for line in lines)
    assert "Mean TTFT (ms):                          n/a" in lines


def test_a_whole_body_response_has_no_ttft_tpot_or_itl() -> None:
    """Non-streamed: the one arrival is the end; TTFT, TPOT and ITL do not apply (n/a)."""
    output = RequestOutput(
        success=True,
        send_time_ns=T,
        event_times_ns=[T + 500 * MS],
        content_times_ns=[T + 500 * MS],
        output_tokens=20,
        token_source="usage",
    )
    t = RequestTiming.from_output(output)
    assert (t.ttft_s, t.tpot_s, t.itl_s, t.e2el_s) == (None, None, (), 0.5)
    table = "\n".join(format_perf_table("text", summarize([t]).as_dict()))
    assert "Mean TPOT (ms):                          n/a" in table
    assert "Mean TTFT (ms):                          n/a" in table
    assert "Mean E2EL (ms):                          500.00" in table
