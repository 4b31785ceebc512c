"""Pacer: send slots one 1/request_rate apart, or none at all below 0.1 requests per second."""

from __future__ import annotations

import asyncio
import gc
import itertools
import os
import time
import types
import weakref

import pytest

from pytest_aisbench.engine import pacing
from pytest_aisbench.engine.pacing import MIN_PACED_RATE, Pacer


class FakeClock:
    """A perf_counter_ns that only moves when told to."""

    def __init__(self, now_ns: int) -> None:
        self.now_ns = now_ns

    def perf_counter_ns(self) -> int:
        return self.now_ns


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(5_000_000_000)
    monkeypatch.setattr(pacing, "time", types.SimpleNamespace(perf_counter_ns=fake.perf_counter_ns))
    return fake


def test_min_paced_rate_is_aisbench_0_1() -> None:
    assert MIN_PACED_RATE == 0.1


@pytest.mark.parametrize(
    ("rate", "interval_ns"),
    [(0, 0), (0.05, 0), (0.0999, 0), (0.1, 10_000_000_000), (10, 100_000_000), (3, 333_333_333)],
)
def test_interval_from_rate(rate: float, interval_ns: int) -> None:
    assert Pacer(rate).interval_ns == interval_ns


@pytest.mark.parametrize("rate", [0, 0.05])
def test_unpaced_rate_gives_now_every_time(clock: FakeClock, rate: float) -> None:
    pacer = Pacer(rate)
    assert [pacer.reserve() for _ in range(3)] == [5_000_000_000] * 3
    clock.now_ns += 7
    assert pacer.reserve() == 5_000_000_007


def test_rate_10_gives_slots_100_ms_apart(clock: FakeClock) -> None:
    pacer = Pacer(10)
    slots = [pacer.reserve() for _ in range(4)]
    assert slots == [5_000_000_000, 5_100_000_000, 5_200_000_000, 5_300_000_000]


def test_slots_keep_their_spacing_while_time_passes(clock: FakeClock) -> None:
    pacer = Pacer(10)
    first = pacer.reserve()
    clock.now_ns += 30_000_000
    second = pacer.reserve()
    assert second - first == 100_000_000


def test_after_an_idle_gap_the_next_slot_is_now_without_catch_up(clock: FakeClock) -> None:
    pacer = Pacer(10)
    pacer.reserve()
    clock.now_ns += 2_000_000_000
    assert pacer.reserve() == 7_000_000_000
    assert pacer.reserve() == 7_100_000_000


def test_real_clock_burst_is_spaced_at_least_the_interval() -> None:
    pacer = Pacer(10)
    slots = [pacer.reserve() for _ in range(3)]
    assert [b - a >= 100_000_000 for a, b in itertools.pairwise(slots)] == [True, True]


@pytest.fixture(params=["timerfd", "sleep and spin"])
def waits(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """`sleep_until` with its kernel timer, and with the fallback of systems that have none."""
    if request.param == "timerfd" and pacing._CLOCK is None:
        pytest.skip("this system has no timerfd")
    if request.param != "timerfd":
        monkeypatch.setattr(pacing, "_CLOCK", None)
        monkeypatch.setattr(pacing, "_TIMERS", weakref.WeakKeyDictionary())
    return str(request.param)


def test_sleep_until_never_wakes_early(waits: str) -> None:
    async def main() -> list[int]:
        early = []
        for gap_ms in (0.0, 0.3, 1.5, 4.0):
            deadline = time.perf_counter_ns() + int(gap_ms * 1e6)
            await pacing.sleep_until(deadline)
            early.append(max(0, deadline - time.perf_counter_ns()))
        return early

    assert asyncio.run(main()) == [0, 0, 0, 0]


def test_concurrent_sleepers_each_wake_at_their_own_deadline(waits: str) -> None:
    """Many sleepers on one loop (the accuracy engine's paced requests), in any order."""

    async def main() -> list[tuple[int, int]]:
        start = time.perf_counter_ns()
        offsets_ms = [9, 2, 6, 2, 0, 4]
        woken: list[tuple[int, int]] = []

        async def sleeper(offset_ms: int) -> None:
            deadline = start + offset_ms * 1_000_000
            await pacing.sleep_until(deadline)
            woken.append((offset_ms, time.perf_counter_ns() - deadline))

        await asyncio.gather(*(sleeper(offset) for offset in offsets_ms))
        return woken

    woken = asyncio.run(main())
    assert sorted(offset for offset, _ in woken) == [0, 2, 2, 4, 6, 9]
    assert [offset for offset, _ in woken] == sorted(offset for offset, _ in woken)
    assert all(late >= 0 for _, late in woken)


def test_a_cancelled_sleeper_does_not_stop_the_others(waits: str) -> None:
    async def main() -> bool:
        start = time.perf_counter_ns()
        first = asyncio.ensure_future(pacing.sleep_until(start + 2_000_000))
        second = asyncio.ensure_future(pacing.sleep_until(start + 4_000_000))
        await asyncio.sleep(0)
        first.cancel()
        await second
        return time.perf_counter_ns() >= start + 4_000_000

    assert asyncio.run(main())


def test_each_event_loop_gets_its_own_timer_and_closing_loops_leaks_no_fd() -> None:
    if pacing._CLOCK is None:
        pytest.skip("this system has no timerfd")

    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    async def nap() -> None:
        await pacing.sleep_until(time.perf_counter_ns() + 100_000)

    asyncio.run(nap())
    gc.collect()
    before = open_fds()
    for _ in range(20):
        asyncio.run(nap())
    gc.collect()
    assert open_fds() <= before
