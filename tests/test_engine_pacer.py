"""Pacer: send slots one 1/request_rate apart, or none at all below 0.1 requests per second."""

from __future__ import annotations

import itertools
import types

import pytest

from pytest_aisbench import engine
from pytest_aisbench.engine import MIN_PACED_RATE, Pacer


class FakeClock:
    """A perf_counter_ns that only moves when told to."""

    def __init__(self, now_ns: int) -> None:
        self.now_ns = now_ns

    def perf_counter_ns(self) -> int:
        return self.now_ns


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(5_000_000_000)
    monkeypatch.setattr(engine, "time", types.SimpleNamespace(perf_counter_ns=fake.perf_counter_ns))
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
