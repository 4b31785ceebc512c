"""The load generator: when each request is sent, and how many may be in flight.

Arrivals follow ``vllm bench serve`` (gamma-distributed gaps rescaled so the last request lands
at N/rate, linear or exponential ramp-up as in AISBench), so its figures compare directly.
The whole schedule is computed up front from a seed and kept in the result. Requests are paced
to absolute deadlines (``start + offset``), so one late wake-up never delays the rest. The
concurrency cap is taken in schedule order, at most `HANDOFF_NS` before a request's scheduled
time and never instead of it: a request that waits for a free slot keeps its scheduled
time, and the wait shows as dispatch delay (``send_time_ns - scheduled_time_ns``) instead of
vanishing from the latencies (coordinated omission).
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pytest_aisbench.engine.pacing import MIN_PACED_RATE, sleep_until
from pytest_aisbench.engine.send import send_one
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models.api_models.base_api import BaseAPIModel
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.perf.workloads import WorkloadItem
from pytest_aisbench.utils.prompt import PromptType

RampUp = Literal["none", "linear", "exponential"]
RAMP_UPS: tuple[str, ...] = ("none", "linear", "exponential")
ProgressCallback = Callable[[int, int, int], None]
"""``on_progress(sent, finished, failed)``; ``finished`` counts failed requests too."""


@dataclass(frozen=True)
class LoadProfile:
    """How a load run sends its requests (vLLM's and AISBench's load model).

    Attributes:
        concurrency: the most requests in flight; None for no cap.
        request_rate: target requests per second; ``inf`` or below 0.1 sends all at once
            (AISBench semantics). Leave it at ``inf`` when ramping up.
        burstiness: the gamma shape of the gaps between arrivals: 1 is Poisson, below 1
            burstier, above 1 smoother; 0 or ``inf`` gives constant gaps (AISBench's 0,
            vLLM's ``inf``).
        ramp_up: ``none``, or ``linear``/``exponential`` from ``ramp_up_start_rps`` for the
            first request to ``ramp_up_end_rps`` for the last (needs ``num_prompts``).
        seed: seeds the arrival gaps; the same seed gives the same schedule.
        num_prompts: measured requests to send (prompts are cycled when there are fewer).
        duration_s: stop sending once this long has passed since the measured start; requests
            in flight are waited for. At least one of ``num_prompts`` and ``duration_s``.
        warmup: requests sent (all at once, under the cap) and finished before the measured
            run starts, and left out of its outputs.
    """

    concurrency: int | None = None
    request_rate: float = math.inf
    burstiness: float = 1.0
    ramp_up: RampUp = "none"
    ramp_up_start_rps: float | None = None
    ramp_up_end_rps: float | None = None
    seed: int = 0
    num_prompts: int | None = None
    duration_s: float | None = None
    warmup: int = 0

    def __post_init__(self) -> None:
        _check_int(self.concurrency, "concurrency", minimum=1, optional=True)
        rate = _check_number(self.request_rate, "request_rate", "a number of requests per s")
        if rate < 0:
            raise _error("request_rate", "must be >= 0 (inf or below 0.1: all at once)", rate)
        burst = _check_number(self.burstiness, "burstiness", "a gamma shape")
        if burst < 0:
            raise _error(
                "burstiness", "must be > 0 (1: Poisson), or 0/inf for constant gaps", burst
            )
        if self.ramp_up not in RAMP_UPS:
            raise _error("ramp_up", f"must be one of {', '.join(RAMP_UPS)}", self.ramp_up)
        for key in ("ramp_up_start_rps", "ramp_up_end_rps"):
            value = getattr(self, key)
            if self.ramp_up == "none":
                if value is not None:
                    raise _error(key, "must be None unless ramp_up is linear or exponential", value)
                continue
            number = _check_number(value, key, f"a rate >= {MIN_PACED_RATE} req/s")
            if not MIN_PACED_RATE <= number < math.inf:
                raise _error(key, f"must be a finite rate >= {MIN_PACED_RATE} req/s", value)
        if self.ramp_up != "none":
            if rate != math.inf:
                raise _error(
                    "request_rate",
                    "must be left at inf with ramp_up: the ramp sets the rate",
                    rate,
                )
            if self.num_prompts is None:
                raise _error("num_prompts", "must be set with ramp_up (the ramp spans it)", None)
        _check_int(self.seed, "seed", minimum=None, optional=False)
        _check_int(self.num_prompts, "num_prompts", minimum=1, optional=True)
        if self.duration_s is not None:
            duration = _check_number(self.duration_s, "duration_s", "seconds")
            if not 0 < duration < math.inf:
                raise _error("duration_s", "must be a finite number of seconds > 0", duration)
        if self.num_prompts is None and self.duration_s is None:
            raise _error("num_prompts", "must be set, or duration_s (when to stop)", None)
        if self.num_prompts is None and not self.paced and self.concurrency is None:
            raise _error(
                "concurrency",
                "must be set when only duration_s bounds an unpaced run (it would never block)",
                None,
            )
        _check_int(self.warmup, "warmup", minimum=0, optional=False)

    @property
    def paced(self) -> bool:
        """Whether arrivals are spread out (a ramp, or a rate of at least 0.1/s that is finite)."""
        return self.ramp_up != "none" or MIN_PACED_RATE <= self.request_rate < math.inf

    def planned_requests(self) -> int | None:
        """How many measured requests the schedule holds; None for an open-ended closed loop.

        With only a duration, a paced run plans ``floor(rate * duration) + 1`` arrivals: the
        last one falls after the duration, so every arrival inside it is in the plan.
        """
        if self.num_prompts is not None:
            return self.num_prompts
        assert self.duration_s is not None
        if not self.paced:
            return None
        return math.floor(self.request_rate * self.duration_s) + 1


def rate_at(profile: LoadProfile, index: int, total: int) -> float:
    """The target rate (req/s) when request `index` of `total` is sent; ``inf``: unpaced."""
    if profile.ramp_up == "none":
        return profile.request_rate if profile.request_rate >= MIN_PACED_RATE else math.inf
    start, end = profile.ramp_up_start_rps, profile.ramp_up_end_rps
    assert start is not None and end is not None
    progress = index / max(total - 1, 1)
    if profile.ramp_up == "linear":
        return start + (end - start) * progress
    return float(start * (end / start) ** progress)


def arrival_schedule(profile: LoadProfile, n: int) -> list[float]:
    """Send offsets (s from the start) of `n` requests, computed as ``vllm bench serve`` does.

    Gap ``i`` ~ Gamma(shape=burstiness, scale=1/(rate_i * burstiness)) from
    ``random.Random(seed)``; the first request also waits one gap. Without a ramp the cumulative
    offsets are rescaled so the last lands exactly at ``n / rate``: the achieved mean rate is
    then the target for any seed, rather than 1-2 % off.
    """
    if n <= 0:
        return []
    rng = random.Random(profile.seed)
    shape = profile.burstiness
    constant = shape == 0 or shape == math.inf
    offsets: list[float] = []
    total = 0.0
    for index in range(n):
        rate = rate_at(profile, index, n)
        if rate == math.inf:
            gap = 0.0
        elif constant:
            gap = 1.0 / rate
        else:
            gap = rng.gammavariate(shape, 1.0 / (rate * shape))
        total += gap
        offsets.append(total)
    if profile.ramp_up == "none" and total > 0:
        scale = (n / profile.request_rate) / total
        offsets = [offset * scale for offset in offsets]
    return offsets


@dataclass(frozen=True)
class LoadRun:
    """What a load run did: the measured requests' outputs and the schedule they followed.

    ``outputs`` are in send order and hold only measured requests (no warm-up); each has its
    ``scheduled_time_ns`` (``started_ns`` + its offset) and the backend's ``send_time_ns``.
    ``schedule`` is the planned offsets in seconds (for an open-ended closed loop, the offsets
    of the requests sent: all 0). Fewer outputs than offsets means ``duration_s`` stopped it.
    """

    outputs: list[RequestOutput]
    schedule: list[float]
    started_ns: int
    finished_ns: int
    profile: LoadProfile
    warmup_outputs: list[RequestOutput] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        """From the measured start to the last measured request's end."""
        return (self.finished_ns - self.started_ns) / 1e9


class _Progress:
    """Counters behind ``on_progress``; one callback per change, nothing else."""

    __slots__ = ("callback", "failed", "finished", "sent")

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.sent = 0
        self.finished = 0
        self.failed = 0

    def on_sent(self) -> None:
        self.sent += 1
        if self.callback is not None:
            self.callback(self.sent, self.finished, self.failed)

    def on_finished(self, success: bool) -> None:
        self.finished += 1
        if not success:
            self.failed += 1
        if self.callback is not None:
            self.callback(self.sent, self.finished, self.failed)


async def run_load(
    model: BaseAPIModel,
    prompts: Sequence[PromptType | WorkloadItem],
    profile: LoadProfile,
    max_out_len: int,
    on_progress: ProgressCallback | None = None,
) -> LoadRun:
    """Send `prompts` to `model` as `profile` says and return every measured request's output.

    Prompts are cycled when the run sends more requests than there are prompts. A
    `WorkloadItem` brings its own ``max_out_len``; a plain prompt gets `max_out_len`. Warm-up
    requests go first, all at once under the cap, and are finished before the measured start.
    """
    if not prompts:
        raise ConfigError("no prompts to send", source="run_load", key="prompts")
    # rendered by the backend's template parser once, before the clock starts, as in accuracy
    items = [
        (model.parse_template(prompt, mode="gen"), limit)
        for prompt, limit in (_request_of(p, max_out_len) for p in prompts)
    ]
    planned = profile.planned_requests()
    schedule = arrival_schedule(profile, planned) if planned is not None else []
    cap = profile.concurrency
    _size_connection_pool(model, cap or max(planned or 0, profile.warmup, 1))
    semaphore = asyncio.Semaphore(cap) if cap is not None else None

    warmup_outputs = await _warm_up(model, items, profile.warmup, semaphore)
    outputs: list[RequestOutput] = []
    tasks: list[asyncio.Task[None]] = []
    started = time.perf_counter_ns()
    try:
        await _dispatch(model, items, profile, schedule if planned is not None else None,
                        started, semaphore, _Progress(on_progress), outputs, tasks)  # fmt: skip
        await asyncio.gather(*tasks)
    finally:
        pending = [task for task in tasks if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
    finished = time.perf_counter_ns()
    if planned is None:
        schedule = [0.0] * len(outputs)
    return LoadRun(
        outputs=outputs,
        schedule=schedule,
        started_ns=started,
        finished_ns=finished,
        profile=profile,
        warmup_outputs=warmup_outputs,
    )


HANDOFF_NS = 2_000_000
"""How long before its deadline a request gets its own task, which waits for the deadline
itself: the send then runs in the loop pass right after the timer fires, one pass sooner than
a task made at the deadline (each pass may be parsing a burst of stream events)."""

Items = list[tuple[PromptType, int]]
"""Rendered prompts with their ``max_out_len``, cycled through by index."""


async def _warm_up(
    model: BaseAPIModel, items: Items, count: int, semaphore: asyncio.Semaphore | None
) -> list[RequestOutput]:
    """`count` requests at once under the cap, all finished before the measured start."""
    idle = _Progress(None)
    outputs: list[RequestOutput] = []
    tasks = []
    for index in range(count):
        if semaphore is not None:
            await semaphore.acquire()
        prompt, limit = items[index % len(items)]
        output = RequestOutput(scheduled_time_ns=time.perf_counter_ns())
        outputs.append(output)
        tasks.append(asyncio.create_task(_send(model, prompt, limit, output, semaphore, idle)))
    await asyncio.gather(*tasks)
    return outputs


async def _dispatch(
    model: BaseAPIModel,
    items: Items,
    profile: LoadProfile,
    schedule: list[float] | None,
    started: int,
    semaphore: asyncio.Semaphore | None,
    progress: _Progress,
    outputs: list[RequestOutput],
    tasks: list[asyncio.Task[None]],
) -> None:
    """Start each measured request at its deadline (``started`` + offset; no schedule: at
    once, until ``duration_s``), appending its output and task as it goes."""
    stop_ns = started + round(profile.duration_s * 1e9) if profile.duration_s else None
    index = 0
    while schedule is None or index < len(schedule):
        due = started + round(schedule[index] * 1e9) if schedule is not None else started
        if stop_ns is not None and due >= stop_ns:
            break
        await sleep_until(due - HANDOFF_NS)
        if semaphore is not None:
            await semaphore.acquire()
            if stop_ns is not None and time.perf_counter_ns() >= stop_ns:
                semaphore.release()
                break
        prompt, limit = items[index % len(items)]
        output = RequestOutput(scheduled_time_ns=due)
        outputs.append(output)
        tasks.append(asyncio.create_task(_send(model, prompt, limit, output, semaphore, progress)))
        index += 1


async def _send(
    model: BaseAPIModel,
    prompt: PromptType,
    max_out_len: int,
    output: RequestOutput,
    semaphore: asyncio.Semaphore | None,
    progress: _Progress,
) -> None:
    """At its scheduled time, one request (`send_one`); then its slot given back and its end
    counted."""
    try:
        await sleep_until(output.scheduled_time_ns)
        progress.on_sent()
        await send_one(model, prompt, max_out_len, output)
    finally:
        if semaphore is not None:
            semaphore.release()
        progress.on_finished(output.success)


def _request_of(prompt: PromptType | WorkloadItem, max_out_len: int) -> tuple[PromptType, int]:
    if isinstance(prompt, WorkloadItem):
        return prompt.prompt, prompt.max_out_len
    return prompt, max_out_len


def _size_connection_pool(model: BaseAPIModel, connections: int) -> None:
    """Let the backend's HTTP pool hold every request the run may have in flight.

    A smaller pool would queue requests inside the HTTP client *after* ``send_time_ns`` was
    stamped, hiding client-side queueing in TTFT. Only possible before the pool exists.
    """
    if getattr(model, "transport", None) is None:  # test doubles may have none
        model.max_connections = max(model.max_connections, connections)


def _error(key: str, allowed: str, value: object) -> ConfigError:
    shown = "" if value is None else f", got {value!r}"
    return ConfigError(f"{allowed}{shown}", source="load profile", key=key)


def _check_int(value: object, key: str, *, minimum: int | None, optional: bool) -> None:
    if value is None and optional:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        kind = "an integer" + (" or None" if optional else "")
        raise _error(key, f"must be {kind}", value)
    if minimum is not None and value < minimum:
        raise _error(key, f"must be >= {minimum}", value)


def _check_number(value: object, key: str, what: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
        raise _error(key, f"must be {what}", value)
    return float(value)
