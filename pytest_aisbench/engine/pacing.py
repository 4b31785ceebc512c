"""When requests go out: send slots one ``1/request_rate`` apart, and waits that end on time.

An event-loop sleep wakes up to about 1 ms late on Linux (epoll takes whole milliseconds),
which at hundreds of requests per second is a large share of the gap between two sends.
Spinning through the last stretch fixes the lateness but burns a core. `sleep_until` instead
arms a timerfd (a kernel timer with nanosecond deadlines, one per event loop) and lets the
loop sleep in epoll until it fires: on time to tens of microseconds, at the CPU cost of a plain
sleep. Where there is no timerfd it sleeps, then spins for at most `SPIN_S`.
"""

from __future__ import annotations

import asyncio
import ctypes
import heapq
import itertools
import os
import sys
import time
import weakref

MIN_PACED_RATE = 0.1
"""Below this request_rate, requests are not paced (AISBench: all sent at once)."""
SPIN_S = 0.0012
"""Without a timerfd: how long before a deadline a sleep stops and yields to the loop instead
(the longest an epoll wake-up is late, and no longer, so the spin stays short)."""


class Pacer:
    """Send slots one ``1/request_rate`` apart (AISBench semantics); unpaced below 0.1/s."""

    def __init__(self, request_rate: float) -> None:
        self.interval_ns = int(1e9 / request_rate) if request_rate >= MIN_PACED_RATE else 0
        self._next_ns = 0

    def reserve(self) -> int:
        """The next slot (``perf_counter_ns``); slots are handed out in call order."""
        now = time.perf_counter_ns()
        if not self.interval_ns:
            return now
        slot = max(self._next_ns, now)
        self._next_ns = slot + self.interval_ns
        return slot


async def sleep_until(deadline_ns: int) -> None:
    """Return once ``time.perf_counter_ns()`` has reached `deadline_ns` (at once if past)."""
    if deadline_ns <= time.perf_counter_ns():
        return
    loop = asyncio.get_running_loop()
    timer = _timer_of(loop)
    if timer is not None:
        await timer.wait(deadline_ns)
        return
    remaining_s = (deadline_ns - time.perf_counter_ns()) / 1e9 - SPIN_S
    if remaining_s > 0:
        await asyncio.sleep(remaining_s)
    while time.perf_counter_ns() < deadline_ns:
        await asyncio.sleep(0)


class _DeadlineTimer:
    """Every sleeper of one event loop, woken by one timerfd armed for the earliest deadline."""

    def __init__(self, loop: asyncio.AbstractEventLoop, clock: _TimerfdClock, fd: int) -> None:
        """Holds no reference to `loop`, so the loop (and with it the fd) can be collected."""
        self._clock = clock
        self._fd = fd
        self._sleepers: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._armed_ns = 0
        loop.add_reader(fd, self._fire)

    def wait(self, deadline_ns: int) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (deadline_ns, next(self._order), future))
        if not self._armed_ns or deadline_ns < self._armed_ns:
            self._arm(deadline_ns)
        return future

    def _arm(self, deadline_ns: int) -> None:
        self._clock.arm(self._fd, deadline_ns)
        self._armed_ns = deadline_ns

    def _fire(self) -> None:
        try:
            os.read(self._fd, 8)
        except BlockingIOError:  # re-armed since it became readable
            return
        now = time.perf_counter_ns()
        sleepers = self._sleepers
        while sleepers and sleepers[0][0] <= now:
            future = heapq.heappop(sleepers)[2]
            if not future.done():  # a cancelled sleeper stays queued until its deadline
                future.set_result(None)
        self._armed_ns = 0
        if sleepers:
            self._arm(sleepers[0][0])


class _TimerfdClock:
    """timerfd_create and timerfd_settime on CLOCK_MONOTONIC, the clock of ``perf_counter``:
    from `os` on Python 3.13 and later, through libc before."""

    CLOCK_MONOTONIC = 1
    TFD_TIMER_ABSTIME = 1
    TFD_FLAGS = os.O_NONBLOCK | os.O_CLOEXEC

    def __init__(self) -> None:
        self._libc: ctypes.CDLL | None = None
        if not hasattr(os, "timerfd_create"):
            self._libc = ctypes.CDLL(None, use_errno=True)
            self._libc.timerfd_create.argtypes = [ctypes.c_int, ctypes.c_int]
            self._libc.timerfd_settime.argtypes = [
                ctypes.c_int, ctypes.c_int, ctypes.POINTER(_Itimerspec), ctypes.c_void_p,
            ]  # fmt: skip

    def create(self) -> int:
        if self._libc is None:
            return int(os.timerfd_create(self.CLOCK_MONOTONIC, flags=self.TFD_FLAGS))  # type: ignore[attr-defined,unused-ignore]
        fd = int(self._libc.timerfd_create(self.CLOCK_MONOTONIC, self.TFD_FLAGS))
        if fd < 0:
            raise OSError(ctypes.get_errno(), "timerfd_create failed")
        return fd

    def arm(self, fd: int, deadline_ns: int) -> None:
        deadline_ns = max(deadline_ns, 1)  # 0 would disarm it
        if self._libc is None:
            os.timerfd_settime_ns(fd, flags=self.TFD_TIMER_ABSTIME, initial=deadline_ns)  # type: ignore[attr-defined,unused-ignore]
            return
        spec = _Itimerspec(_Timespec(0, 0), _Timespec(*divmod(deadline_ns, 1_000_000_000)))
        if self._libc.timerfd_settime(fd, self.TFD_TIMER_ABSTIME, ctypes.byref(spec), None):
            raise OSError(ctypes.get_errno(), "timerfd_settime failed")


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


def _make_clock() -> _TimerfdClock | None:
    """The timerfd clock where it exists and shares ``perf_counter``'s clock; else None."""
    if not sys.platform.startswith("linux"):
        return None
    if "CLOCK_MONOTONIC" not in time.get_clock_info("perf_counter").implementation:
        return None
    try:
        clock = _TimerfdClock()
        os.close(clock.create())
    except (OSError, AttributeError):
        return None
    return clock


_CLOCK = _make_clock()
_TIMERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _DeadlineTimer | None] = (
    weakref.WeakKeyDictionary()
)


def _timer_of(loop: asyncio.AbstractEventLoop) -> _DeadlineTimer | None:
    """The loop's timer, made on first use; None without a timerfd (or a loop without readers)."""
    if loop in _TIMERS:
        return _TIMERS[loop]
    timer = None
    if _CLOCK is not None:
        fd = _CLOCK.create()
        try:
            timer = _DeadlineTimer(loop, _CLOCK, fd)
        except NotImplementedError:  # e.g. a proactor loop on Windows
            os.close(fd)
        else:
            weakref.finalize(loop, os.close, fd)
    _TIMERS[loop] = timer
    return timer
