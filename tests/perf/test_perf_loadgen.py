"""The load generator: arrival schedules (vLLM's), profile validation, and runs on the simulator."""

from __future__ import annotations

import asyncio
import itertools
import math
import statistics
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models.api_models.base_api import BaseAPIModel
from pytest_aisbench.models.api_models.vllm_custom_api_chat import VLLMCustomAPIChat
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.perf.loadgen import (
    LoadProfile,
    arrival_schedule,
    rate_at,
    run_load,
)
from pytest_aisbench.perf.workloads import WorkloadItem
from pytest_aisbench.simulator import RunningSimulator, SimulatorConfig, running_simulator

# ---------------------------------------------------------------------------- schedules


def gaps(offsets: list[float]) -> list[float]:
    return [b - a for a, b in zip([0.0, *offsets], offsets, strict=False)]


def cv(values: list[float]) -> float:
    return statistics.pstdev(values) / statistics.fmean(values)


def test_schedule_is_deterministic_for_a_seed() -> None:
    profile = LoadProfile(request_rate=10, num_prompts=100, seed=7)
    assert arrival_schedule(profile, 100) == arrival_schedule(profile, 100)
    other = LoadProfile(request_rate=10, num_prompts=100, seed=8)
    assert arrival_schedule(other, 100) != arrival_schedule(profile, 100)


def test_schedule_is_increasing_and_starts_after_one_gap() -> None:
    offsets = arrival_schedule(LoadProfile(request_rate=5, num_prompts=50), 50)
    assert len(offsets) == 50
    assert offsets[0] > 0  # vLLM: the first request also waits one gap
    assert all(b >= a for a, b in itertools.pairwise(offsets))


@pytest.mark.parametrize("burstiness", [1.0, 0.5, 4.0])
def test_rescaled_so_the_last_arrival_lands_at_n_over_rate(burstiness: float) -> None:
    n, rate = 1000, 40.0
    offsets = arrival_schedule(
        LoadProfile(request_rate=rate, burstiness=burstiness, num_prompts=n), n
    )
    assert offsets[-1] == pytest.approx(n / rate, rel=1e-12)


def test_mean_rate_matches_target_over_a_long_schedule() -> None:
    n, rate = 10_000, 250.0
    offsets = arrival_schedule(LoadProfile(request_rate=rate, num_prompts=n, seed=3), n)
    assert n / offsets[-1] == pytest.approx(rate, rel=0.02)
    assert 1 / statistics.fmean(gaps(offsets)) == pytest.approx(rate, rel=0.02)
    # evenly spread, not merely right on average: half the time holds about half the requests
    half = sum(1 for t in offsets if t < offsets[-1] / 2)
    assert half == pytest.approx(n / 2, rel=0.02)


def test_poisson_gaps_have_a_coefficient_of_variation_of_one() -> None:
    n = 10_000
    offsets = arrival_schedule(LoadProfile(request_rate=100, num_prompts=n, seed=1), n)
    assert cv(gaps(offsets)) == pytest.approx(1.0, abs=0.05)


def test_higher_burstiness_gives_more_regular_gaps() -> None:
    n = 10_000
    smooth = gaps(arrival_schedule(LoadProfile(request_rate=100, burstiness=4, num_prompts=n), n))
    bursty = gaps(
        arrival_schedule(LoadProfile(request_rate=100, burstiness=0.25, num_prompts=n), n)
    )
    assert cv(smooth) == pytest.approx(0.5, abs=0.05)  # gamma shape k: CV = 1/sqrt(k)
    assert cv(bursty) > 1.6


@pytest.mark.parametrize("burstiness", [0.0, math.inf])
def test_burstiness_zero_or_inf_gives_constant_gaps(burstiness: float) -> None:
    offsets = arrival_schedule(
        LoadProfile(request_rate=20, burstiness=burstiness, num_prompts=5), 5
    )
    assert offsets == pytest.approx([0.05, 0.10, 0.15, 0.20, 0.25])


@pytest.mark.parametrize("rate", [math.inf, 0.05, 0.0])
def test_unpaced_rates_send_everything_at_once(rate: float) -> None:
    profile = LoadProfile(request_rate=rate, num_prompts=4)
    assert not profile.paced
    assert arrival_schedule(profile, 4) == [0.0] * 4


def test_linear_ramp_up_rates_rise_from_start_to_end() -> None:
    n = 2000
    profile = LoadProfile(
        ramp_up="linear", ramp_up_start_rps=10, ramp_up_end_rps=100, num_prompts=n
    )
    rates = [rate_at(profile, i, n) for i in range(n)]
    assert rates[0] == 10 and rates[-1] == pytest.approx(100)
    assert rates[1] - rates[0] == pytest.approx(90 / (n - 1))
    assert all(b > a for a, b in itertools.pairwise(rates))
    offsets = arrival_schedule(profile, n)
    quarter = n // 4
    early = quarter / offsets[quarter - 1]
    late = quarter / (offsets[-1] - offsets[-quarter - 1])
    assert early < 40 < 70 < late  # mean of the ramp's first quarter ~21, last ~89 req/s


def test_exponential_ramp_up_multiplies_the_rate_by_a_constant_factor() -> None:
    n = 11
    profile = LoadProfile(
        ramp_up="exponential",
        ramp_up_start_rps=1,
        ramp_up_end_rps=1024,
        burstiness=math.inf,
        num_prompts=n,
    )
    rates = [rate_at(profile, i, n) for i in range(n)]
    assert rates == pytest.approx([2.0**i for i in range(n)])
    # constant gaps and no rescaling with a ramp: each gap is exactly 1/rate_i
    assert arrival_schedule(profile, n) == pytest.approx(
        [sum(1 / r for r in rates[: i + 1]) for i in range(n)]
    )


def test_planned_requests_for_a_duration_covers_every_arrival_inside_it() -> None:
    profile = LoadProfile(request_rate=20, duration_s=2.0, burstiness=math.inf)
    assert profile.planned_requests() == 41
    offsets = arrival_schedule(profile, 41)
    assert sum(1 for t in offsets if t < 2.0) == 39  # 0.05 .. 1.95 (2.0 itself is not inside)
    assert offsets[-1] > 2.0
    assert LoadProfile(concurrency=2, duration_s=1.0).planned_requests() is None


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"concurrency": 0, "num_prompts": 1}, "concurrency"),
        ({"concurrency": 1.5, "num_prompts": 1}, "concurrency"),
        ({"concurrency": True, "num_prompts": 1}, "concurrency"),
        ({"request_rate": -1, "num_prompts": 1}, "request_rate"),
        ({"request_rate": math.nan, "num_prompts": 1}, "request_rate"),
        ({"request_rate": "10", "num_prompts": 1}, "request_rate"),
        ({"burstiness": -0.5, "num_prompts": 1}, "burstiness"),
        ({"ramp_up": "sine", "num_prompts": 1}, "ramp_up"),
        ({"ramp_up": "linear", "ramp_up_end_rps": 5, "num_prompts": 3}, "ramp_up_start_rps"),
        (
            {"ramp_up": "linear", "ramp_up_start_rps": 1, "ramp_up_end_rps": 0, "num_prompts": 3},
            "ramp_up_end_rps",
        ),
        (
            {
                "ramp_up": "exponential",
                "ramp_up_start_rps": 1,
                "ramp_up_end_rps": 5,
                "request_rate": 3,
                "num_prompts": 3,
            },
            "request_rate",
        ),
        (
            {"ramp_up": "linear", "ramp_up_start_rps": 1, "ramp_up_end_rps": 5, "duration_s": 3},
            "num_prompts",
        ),
        ({"ramp_up_start_rps": 1, "num_prompts": 3}, "ramp_up_start_rps"),
        ({"seed": "x", "num_prompts": 1}, "seed"),
        ({"num_prompts": 0}, "num_prompts"),
        ({}, "num_prompts"),
        ({"duration_s": 0}, "duration_s"),
        ({"duration_s": math.inf, "request_rate": 1}, "duration_s"),
        ({"duration_s": 5}, "concurrency"),  # unpaced, uncapped, unbounded: would never stop
        ({"warmup": -1, "num_prompts": 1}, "warmup"),
    ],
)
def test_invalid_profiles_name_the_key_and_what_is_allowed(
    kwargs: dict[str, Any], key: str
) -> None:
    with pytest.raises(ConfigError) as info:
        LoadProfile(**kwargs)
    assert info.value.key == key
    assert "load profile" in str(info.value) and "must" in str(info.value)


def test_profile_is_frozen() -> None:
    profile = LoadProfile(num_prompts=1)
    with pytest.raises(AttributeError):
        profile.num_prompts = 2  # type: ignore[misc]


# ----------------------------------------------------------------------- pacing, no network


class StampingModel(BaseAPIModel):
    """Stamps the send time at once and answers after `delay` s; fails prompts named 'fail'."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        self.calls: list[tuple[Any, int]] = []

    async def generate(  # type: ignore[override]
        self, input: Any, max_out_len: int, output: RequestOutput, **args: Any
    ) -> RequestOutput:
        output.send_time_ns = time.perf_counter_ns()
        self.calls.append((input, max_out_len))
        if input == "boom":
            raise RuntimeError("backend bug")
        await asyncio.sleep(self.delay)
        output.success = input != "fail"
        output.error_info = "" if output.success else "failed on purpose"
        return output


async def test_requests_follow_the_recorded_schedule_and_are_never_early() -> None:
    profile = LoadProfile(request_rate=50, num_prompts=20, seed=5)
    run = await run_load(StampingModel(), ["a", "b"], profile, 7)
    assert run.schedule == arrival_schedule(profile, 20)
    assert [o.scheduled_time_ns for o in run.outputs] == [
        run.started_ns + round(t * 1e9) for t in run.schedule
    ]
    assert all(o.send_time_ns >= o.scheduled_time_ns for o in run.outputs)
    # absolute deadlines: the whole run is not stretched by per-request lateness
    assert run.outputs[-1].send_time_ns - run.started_ns < (20 / 50 + 0.2) * 1e9


async def test_prompts_cycle_and_workload_items_bring_their_max_out_len() -> None:
    model = StampingModel()
    items: list[Any] = ["p0", WorkloadItem("p1", max_out_len=3)]
    run = await run_load(model, items, LoadProfile(num_prompts=5), 9)
    assert len(run.outputs) == 5
    assert model.calls == [("p0", 9), ("p1", 3), ("p0", 9), ("p1", 3), ("p0", 9)]


async def test_a_raising_backend_costs_one_request_not_the_run() -> None:
    run = await run_load(StampingModel(), ["ok", "boom"], LoadProfile(num_prompts=4), 5)
    assert [o.success for o in run.outputs] == [True, False, True, False]
    assert "backend bug" in run.outputs[1].error_info


async def test_progress_counts_sent_finished_and_failed() -> None:
    calls: list[tuple[int, int, int]] = []
    run = await run_load(
        StampingModel(delay=0.01),
        ["ok", "fail"],
        LoadProfile(concurrency=2, request_rate=200, num_prompts=6),
        5,
        on_progress=lambda *counts: calls.append(counts),
    )
    assert len(run.outputs) == 6
    assert len(calls) == 12  # one per send, one per end
    assert calls[-1] == (6, 6, 3)
    assert all(failed <= finished <= sent for sent, finished, failed in calls)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    assert [c[1] for c in calls] == sorted(c[1] for c in calls)


async def test_no_prompts_is_an_error() -> None:
    with pytest.raises(ConfigError, match="prompts"):
        await run_load(StampingModel(), [], LoadProfile(num_prompts=1), 5)


# --------------------------------------------------------------------------- on the simulator


@pytest.fixture
def sim() -> Iterator[RunningSimulator]:
    with running_simulator(SimulatorConfig(ttft=0.05, itl=0.01, output_len=5)) as running:
        yield running


def chat_model(sim: RunningSimulator) -> VLLMCustomAPIChat:
    return VLLMCustomAPIChat(
        model="sim-model", host_ip="127.0.0.1", host_port=sim.port, stream=True, retry=0
    )


async def test_concurrency_cap_is_respected(sim: RunningSimulator) -> None:
    model = chat_model(sim)
    try:
        run = await run_load(model, ["hi"], LoadProfile(concurrency=3, num_prompts=12), 5)
    finally:
        await model.aclose()
    assert all(o.success for o in run.outputs), [o.error_info for o in run.outputs]
    assert sim.stats.requests == 12
    assert sim.stats.max_in_flight == 3
    assert model.max_connections >= 3  # the HTTP pool never queues below the cap
    assert all(len(o.content_times_ns) == 5 for o in run.outputs)


async def test_warmup_requests_are_sent_first_and_excluded(sim: RunningSimulator) -> None:
    model = chat_model(sim)
    try:
        run = await run_load(model, ["hi"], LoadProfile(warmup=2, num_prompts=5), 5)
    finally:
        await model.aclose()
    assert sim.stats.requests == 2 + 5
    assert len(run.outputs) == 5 and len(run.warmup_outputs) == 2
    assert all(o.success for o in run.outputs + run.warmup_outputs)
    assert max(o.event_times_ns[-1] for o in run.warmup_outputs) <= run.started_ns
    assert min(o.send_time_ns for o in run.outputs) >= run.started_ns


async def test_duration_stops_new_sends_and_waits_for_those_in_flight(
    sim: RunningSimulator,
) -> None:
    profile = LoadProfile(request_rate=20, duration_s=0.5, seed=2)
    model = chat_model(sim)
    try:
        run = await run_load(model, ["hi"], profile, 5)
    finally:
        await model.aclose()
    inside = [t for t in run.schedule if t < 0.5]
    assert len(run.schedule) == 11 and len(run.outputs) == len(inside) < 11
    assert sim.stats.requests == len(run.outputs)
    assert all(o.success for o in run.outputs)
    assert run.finished_ns >= max(o.event_times_ns[-1] for o in run.outputs)


async def test_duration_bounds_a_closed_loop(sim: RunningSimulator) -> None:
    profile = LoadProfile(concurrency=2, duration_s=0.5)
    model = chat_model(sim)
    try:
        run = await run_load(model, ["a", "b", "c"], profile, 5)
    finally:
        await model.aclose()
    stop_ns = run.started_ns + 0.5e9
    # each request takes ~90 ms: two lanes make roughly 2 * 0.5 / 0.09 ~ 11 requests
    assert 4 <= len(run.outputs) <= 14
    assert sim.stats.requests == len(run.outputs) and sim.stats.max_in_flight <= 2
    assert run.schedule == [0.0] * len(run.outputs)
    assert all(o.send_time_ns < stop_ns + 0.05e9 for o in run.outputs)
    assert all(o.success for o in run.outputs)


async def test_client_queueing_shows_as_dispatch_delay(sim: RunningSimulator) -> None:
    """Concurrency 1 at 100 req/s against ~90 ms requests: each waits longer than the last."""
    profile = LoadProfile(concurrency=1, request_rate=100, burstiness=math.inf, num_prompts=5)
    model = chat_model(sim)
    try:
        run = await run_load(model, ["hi"], profile, 5)
    finally:
        await model.aclose()
    delays = [o.send_time_ns - o.scheduled_time_ns for o in run.outputs]
    assert sim.stats.max_in_flight == 1
    assert all(b > a for a, b in itertools.pairwise(delays))
    # ~80 ms more per request (90 ms service, 10 ms apart): at least 0.2 s by the fifth
    assert delays[-1] - delays[0] > 0.2e9
    # the schedule itself stayed 10 ms apart: the queueing is visible, not absorbed
    scheduled = [o.scheduled_time_ns for o in run.outputs]
    assert scheduled[-1] - scheduled[0] == pytest.approx(0.04e9, abs=1e3)


async def test_progress_on_the_simulator_counts_server_failures(sim: RunningSimulator) -> None:
    calls: list[tuple[int, int, int]] = []
    model = VLLMCustomAPIChat(
        model="not-served", host_ip="127.0.0.1", host_port=sim.port, stream=True, retry=0
    )
    try:
        run = await run_load(
            model, ["hi"], LoadProfile(num_prompts=3), 5, lambda *c: calls.append(c)
        )
    finally:
        await model.aclose()
    assert calls[-1] == (3, 3, 3)
    assert all(not o.success and "404" in o.error_info for o in run.outputs)
