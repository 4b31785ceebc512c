"""Our client: ``run_load`` + ``VLLMCustomAPI(stream=True)`` on ``/v1/completions``, measured.

Figures of one run (`summarize_run`): process CPU time around ``run_load`` per request and per
SSE event received, the achieved rate ``(n - 1) / (last send - first send)``, dispatch delay
(send - scheduled), TTFT and ITL, and against the simulator's write stamps (`stamp_errors`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import cProfile
import io
import itertools
import multiprocessing
import pstats
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from procs import Simulator, SimWatch, self_rss, sim_entry

from pytest_aisbench.config import validate_model
from pytest_aisbench.engine.loop import run_coroutine
from pytest_aisbench.models import VLLMCustomAPI
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.perf import LoadProfile, RequestTiming, Stats
from pytest_aisbench.perf.loadgen import run_load

T = TypeVar("T")
PROMPTS = [f"benchmark prompt number {i}: tell me something" for i in range(64)]


class StampReadingAPI(VLLMCustomAPI):
    """Keeps the simulator's write time (``--stamp-events``) of each event that added text."""

    async def parse_stream_response(self, data: dict[str, Any], output: Any) -> None:
        before = len(output.content)
        await super().parse_stream_response(data, output)
        if len(output.content) > before and "sim_sent_ns" in data:
            output.extra_perf_data.setdefault("sim_sent_ns", []).append(data["sim_sent_ns"])


@dataclass(frozen=True)
class Client:
    """How our client runs: the backend's ``http_client`` and the event loop (``auto``: the
    plugin's choice, uvloop when installed; ``asyncio``: asyncio's own)."""

    http_client: str = "asyncio"
    loop: str = "auto"

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self.loop == "auto":
            return run_coroutine(coro)
        return asyncio.run(coro)

    def model(self, port: int, output_len: int) -> StampReadingAPI:
        """A backend for the simulator on `port`, built from its config as the plugin does."""
        entry = {**sim_entry(port, output_len), "type": StampReadingAPI}
        model = validate_model({**entry, "http_client": self.http_client}, "bench_client").build()
        assert isinstance(model, StampReadingAPI)
        return model


def ms(x: float | None) -> float | None:
    return None if x is None else x * 1e3


def stamp_errors(outputs: list[RequestOutput]) -> dict[str, Any]:
    """Our arrival times against the simulator's write times (the truth, on the same clock).

    TTFT error = our first-text arrival - the simulator's write of that event (the send time
    cancels out); ITL truth = gaps between the simulator's writes. Also how far the simulator
    strayed from its configured TTFT (first write - our send), to show it kept its schedule.
    """
    ttft_err, itl_ours, itl_true, sim_ttft = [], [], [], []
    for out in outputs:
        stamps = out.extra_perf_data.get("sim_sent_ns", [])
        if not out.success or not stamps or len(stamps) != len(out.content_times_ns):
            continue
        ttft_err.append((out.content_times_ns[0] - stamps[0]) / 1e6)
        sim_ttft.append((stamps[0] - out.send_time_ns) / 1e6)
        ours = out.content_times_ns
        itl_ours += [(b - a) / 1e6 for a, b in itertools.pairwise(ours)]
        itl_true += [(b - a) / 1e6 for a, b in itertools.pairwise(stamps)]
    if not ttft_err:
        return {}
    errors, sim = Stats.of(ttft_err), Stats.of(sim_ttft)
    return {
        "stamped_requests": len(ttft_err),
        "ttft_true_err_median_ms": errors.median,
        "ttft_true_err_p99_ms": errors.p99,
        "itl_true_err_median_ms": (Stats.of(itl_ours).median or 0)
        - (Stats.of(itl_true).median or 0),
        "sim_ttft_median_ms": sim.median,
        "sim_ttft_p99_ms": sim.p99,
    }


def summarize_run(outputs: list[RequestOutput], cpu_s: float | None = None) -> dict[str, Any]:
    timings = [RequestTiming.from_output(o) for o in outputs]
    ok = [t for t in timings if t.success]
    events = sum(len(o.event_times_ns) for o in outputs)
    sends = sorted(t.send_ns for t in timings if t.sent)
    span = (sends[-1] - sends[0]) / 1e9 if len(sends) > 1 else 0.0
    delays = Stats.of((t.send_ns - t.scheduled_ns) / 1e9 for t in timings if t.sent)
    ttft = Stats.of(t.ttft_s for t in ok if t.ttft_s is not None)
    itl = Stats.of(gap for t in ok for gap in t.itl_s)
    out: dict[str, Any] = {
        "requests": len(timings),
        "failed": len(timings) - len(ok),
        "errors": sorted({t.error for t in timings if not t.success})[:3],
        "events": events,
        "achieved_rps": (len(sends) - 1) / span if span > 0 else None,
        "dispatch_p50_ms": ms(delays.p50),
        "dispatch_p99_ms": ms(delays.p99),
        "ttft_median_ms": ms(ttft.median),
        "ttft_p99_ms": ms(ttft.p99),
        "itl_median_ms": ms(itl.median),
        "itl_p99_ms": ms(itl.p99),
    }
    if cpu_s is not None:
        out["cpu_s"] = cpu_s
        out["cpu_us_per_request"] = cpu_s / max(len(timings), 1) * 1e6
        out["cpu_us_per_event"] = cpu_s / max(events, 1) * 1e6
    return out


def split(profile: LoadProfile, parts: int) -> list[LoadProfile]:
    """`profile` shared evenly by `parts` clients (seeds apart)."""
    if parts == 1:
        return [profile]
    assert profile.num_prompts is not None
    return [
        LoadProfile(
            concurrency=None if profile.concurrency is None else profile.concurrency // parts,
            request_rate=profile.request_rate / parts,
            burstiness=profile.burstiness,
            seed=profile.seed + i,
            num_prompts=profile.num_prompts // parts,
        )
        for i in range(parts)
    ]


async def _load(
    client: Client, sims: list[Simulator], profile: LoadProfile
) -> tuple[list[RequestOutput], float]:
    """One load split evenly over `sims` (one client each, one event loop); CPU seconds."""
    models = [client.model(sim.port, sim.output_len) for sim in sims]
    profiles = split(profile, len(models))
    try:
        cpu0 = time.process_time()
        runs = await asyncio.gather(
            *(
                run_load(m, PROMPTS, p, sim.output_len)
                for m, p, sim in zip(models, profiles, sims, strict=True)
            )
        )
        cpu = time.process_time() - cpu0
    finally:
        for m in models:
            await m.aclose()
    return [o for run in runs for o in run.outputs], cpu


def ours_run(client: Client, sims: list[Simulator], profile: LoadProfile) -> dict[str, Any]:
    with SimWatch(sims) as watch:
        outputs, cpu = client.run(_load(client, sims, profile))
    result = summarize_run(outputs, cpu)
    result["sim_cpu_share"] = watch.max_share
    result.update(stamp_errors(outputs))
    return result


def median_run(
    client: Client, sims: list[Simulator], profile: LoadProfile, reps: int
) -> dict[str, Any]:
    """The run with the median CPU per request of `reps` runs (the others' figures kept)."""
    runs = sorted((ours_run(client, sims, profile) for _ in range(reps)), key=cpu_per_request)
    chosen = runs[len(runs) // 2]
    chosen["cpu_us_per_request_of_reps"] = [cpu_per_request(run) for run in runs]
    return chosen


def cpu_per_request(run: dict[str, Any]) -> float:
    return float(run["cpu_us_per_request"])


def ours_profile(client: Client, sim: Simulator, profile: LoadProfile, top: int) -> str:
    """cProfile of one run, the `top` functions by own time."""
    prof = cProfile.Profile()
    prof.enable()
    client.run(_load(client, [sim], profile))
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    lines = buf.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(lines[start:])


def ours_memory(client: Client, sim: Simulator, streams: int, settle_s: float) -> dict[str, Any]:
    """`_memory` in a fresh process: where earlier phases freed memory, new streams reuse it
    and the RSS does not grow (a measurement of 0 KiB per stream)."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        job = pool.submit(_memory_child, client, sim.port, sim.output_len, streams, settle_s)
        return job.result()


def _memory_child(
    client: Client, port: int, output_len: int, streams: int, settle_s: float
) -> dict[str, Any]:
    return client.run(_memory(client.model(port, output_len), streams, settle_s))


async def _memory(model: StampReadingAPI, streams: int, settle_s: float) -> dict[str, Any]:
    """RSS growth per in-flight stream: the peak over `settle_s` against the RSS before."""
    state = {"sent": 0, "finished": 0}

    def progress(sent: int, finished: int, failed: int) -> None:
        state["sent"], state["finished"] = sent, finished

    base = self_rss()
    profile = LoadProfile(num_prompts=streams)
    task = asyncio.create_task(run_load(model, PROMPTS, profile, model.max_out_len, progress))
    peak, peak_in_flight = base, 0
    deadline = time.monotonic() + settle_s
    while time.monotonic() < deadline and not task.done():
        await asyncio.sleep(0.1)
        in_flight = state["sent"] - state["finished"]
        rss = self_rss()
        if in_flight >= peak_in_flight and rss > peak:
            peak, peak_in_flight = rss, in_flight
    run = await task
    await model.aclose()
    return {
        "streams": streams,
        "in_flight_at_peak": peak_in_flight,
        "rss_base_mib": base / 2**20,
        "rss_peak_mib": peak / 2**20,
        "kib_per_stream": (peak - base) / 1024 / max(peak_in_flight, 1),
        "failed": sum(not o.success for o in run.outputs),
        "errors": sorted({o.error_info for o in run.outputs if not o.success})[:3],
    }
