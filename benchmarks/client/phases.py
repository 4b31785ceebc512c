"""The phases of the benchmark, one function each, in `PHASES` order; each runs our client, then
every available peer, on the same load, and records the run in ``report`` and its figures in
``figures[tool]``.

A peer's CPU time is marginal: (CPU of a run of N requests - CPU of a run of ``--peer-small``
requests, the median of ``--peer-baselines`` tries) / the difference in requests, which removes
its start-up and import cost.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from args import Args
from ours import Client, median_run, ours_memory, ours_profile, ours_run
from peers import Peer
from procs import OUTPUT_LEN, PeerRun, Simulator, SimWatch
from report import fmt

from pytest_aisbench.perf import LoadProfile


@dataclass
class Bench:
    """One benchmark run: its arguments, peers and simulators, and what it measured so far."""

    args: Args
    work: Path
    peers: list[Peer]
    report: dict[str, Any]
    """The JSON report: ``ours`` (our runs), ``peers`` (each peer's status and runs), ..."""
    figures: dict[str, dict[str, Any]]
    sims: list[Simulator] = field(default_factory=list)
    baselines: dict[str, PeerRun] = field(default_factory=dict)
    """Each peer's small run (start-up cost, base RSS), shared by the CPU and memory figures."""
    events_per_request: float = 0.0
    """SSE events per request of our closed-loop run (16-token streams)."""
    t_start: float = field(default_factory=time.monotonic)

    @property
    def client(self) -> Client:
        return Client(http_client=self.args.http_client, loop=self.args.loop)

    @property
    def ours(self) -> dict[str, Any]:
        return self.report["ours"]  # type: ignore[no-any-return]

    @property
    def instant(self) -> Simulator:
        """The simulator that answers at once (started first, by `simulator`)."""
        return self.sims[0]

    def simulator(
        self, ttft: float = 0.0, itl: float = 0.0, output_len: int = OUTPUT_LEN,
        stamp: bool = False,
    ) -> Simulator:  # fmt: skip
        """Start one more simulator (stopped by `stop`)."""
        sim = Simulator(self.work, ttft, itl, output_len, stamp)
        self.sims.append(sim)
        return sim

    def stop(self) -> None:
        for sim in self.sims:
            sim.stop()

    def log(self, msg: str) -> None:
        print(f"[{time.monotonic() - self.t_start:6.1f} s, load {os.getloadavg()[0]:.2f}] {msg}",
              flush=True)  # fmt: skip

    def note(self, peer: Peer, key: str, run: PeerRun, extra: dict[str, Any]) -> None:
        """Add a peer's run to its list `key` in the report (with its log's end if it failed)."""
        entry = self.report["peers"][peer.name].setdefault(key, [])
        entry.append({"rc": run.rc, "cpu_s": run.cpu_s, "wall_s": run.wall_s,
                      "peak_rss_mib": run.peak_rss / 2**20, **extra,
                      **({"log_tail": run.log[-1500:]} if run.rc else {})})  # fmt: skip
        if run.rc:
            self.log(f"{peer.name} {key} failed rc={run.rc}: {run.log[-400:]!r}")

    def baseline(self, peer: Peer, sim: Simulator) -> PeerRun:
        """The peer's small run with the median CPU of --peer-baselines tries."""
        args = self.args
        tries = [peer.run(sim, args.peer_small, args.cpu_concurrency, None)[0]
                 for _ in range(args.peer_baselines)]  # fmt: skip
        tries.sort(key=lambda run: run.cpu_s)
        self.note(peer, "baseline", tries[len(tries) // 2],
                  {"cpu_s_of_tries": [run.cpu_s for run in tries]})  # fmt: skip
        return tries[len(tries) // 2]

    def instant_baseline(self, peer: Peer) -> PeerRun:
        if peer.name not in self.baselines:
            self.baselines[peer.name] = self.baseline(peer, self.instant)
        return self.baselines[peer.name]

    def peer_cpu_us(self, big: PeerRun, small: PeerRun) -> float:
        """A peer's marginal CPU per request (µs) between its big run and a baseline."""
        return (
            (big.cpu_s - small.cpu_s) / (self.args.peer_cpu_requests - self.args.peer_small) * 1e6
        )


def closed_loop(args: Args) -> LoadProfile:
    return LoadProfile(concurrency=args.cpu_concurrency, num_prompts=args.cpu_requests, warmup=16)


def record_cpu(figures: dict[str, Any], mode: str, run: dict[str, Any]) -> None:
    figures[f"cpu_us_per_request_{mode}"] = run["cpu_us_per_request"]
    figures[f"cpu_us_per_event_{mode}"] = run["cpu_us_per_event"]


def cpu_closed(bench: Bench) -> None:
    """CPU time per request and per event, ``--cpu-concurrency`` streams in a closed loop."""
    args, instant = bench.args, bench.instant
    ours_run(bench.client, [instant], LoadProfile(concurrency=16, num_prompts=200))  # warm up
    bench.ours["closed"] = run = median_run(bench.client, [instant], closed_loop(args),
                                            args.ours_reps)  # fmt: skip
    bench.log(f"ours closed loop: {run}")
    record_cpu(bench.figures["ours"], "closed", run)
    bench.events_per_request = run["events"] / run["requests"]
    for peer in bench.peers:
        peer_cpu(bench, peer, "closed", args.cpu_concurrency, None)


def cpu_paced(bench: Bench) -> None:
    """The same at an equal open load, ``--pacing-rate`` req/s Poisson; its dispatch delay."""
    args = bench.args
    paced = LoadProfile(request_rate=args.pacing_rate, num_prompts=args.cpu_requests, warmup=16)
    bench.ours["paced"] = run = ours_run(bench.client, [bench.instant], paced)
    bench.log(f"ours Poisson {args.pacing_rate:g}/s: {run}")
    record_cpu(bench.figures["ours"], "paced", run)
    bench.figures["ours"]["dispatch_p99_ms"] = run["dispatch_p99_ms"]
    for peer in bench.peers:
        peer_cpu(bench, peer, "paced", None, args.pacing_rate)


def peer_cpu(
    bench: Bench, peer: Peer, mode: str, concurrency: int | None, rate: float | None
) -> None:
    small = bench.instant_baseline(peer)
    with SimWatch([bench.instant]) as watch:
        big, fig = peer.run(bench.instant, bench.args.peer_cpu_requests, concurrency, rate)
    per_req = bench.peer_cpu_us(big, small)
    bench.note(peer, f"cpu_{mode}", big, {"small_cpu_s": small.cpu_s, "us_per_request": per_req,
                                          "sim_cpu_share": watch.max_share, **fig})  # fmt: skip
    figures = bench.figures[peer.name]
    if mode == "paced" and fig.get("dispatch_p99_ms") is not None:
        figures["dispatch_p99_ms"] = fig["dispatch_p99_ms"]
    if big.rc == 0 and small.rc == 0:
        figures[f"cpu_us_per_request_{mode}"] = per_req
        figures[f"cpu_us_per_event_{mode}"] = per_req / bench.events_per_request
    bench.log(f"{peer.name} {mode}: {per_req:.1f} us/request, {fig}")


def cpu_extra_event(bench: Bench) -> None:
    """CPU per extra streamed event: the closed loop again with ``--long-output-len``-token
    streams; the slope between the two lengths leaves out what every request costs once."""
    args = bench.args
    long_sim = bench.simulator(output_len=args.long_output_len)
    bench.ours["closed_long"] = long = median_run(bench.client, [long_sim], closed_loop(args),
                                                  args.ours_reps)  # fmt: skip
    bench.log(f"ours closed loop, {args.long_output_len} tokens: {long}")
    extra_events = long["events"] / long["requests"] - bench.events_per_request
    short = bench.ours["closed"]["cpu_us_per_request"]
    bench.figures["ours"]["cpu_us_per_extra_event"] = (
        long["cpu_us_per_request"] - short
    ) / extra_events
    for peer in bench.peers:
        small_long = bench.baseline(peer, long_sim)
        big, fig = peer.run(long_sim, args.peer_cpu_requests, args.cpu_concurrency, None)
        per_req = bench.peer_cpu_us(big, small_long)
        bench.note(peer, "cpu_closed_long", big, {"us_per_request": per_req, **fig})
        peer_short = bench.figures[peer.name].get("cpu_us_per_request_closed")
        if big.rc == 0 and small_long.rc == 0 and peer_short is not None:
            bench.figures[peer.name]["cpu_us_per_extra_event"] = (
                per_req - peer_short
            ) / extra_events
        bench.log(f"{peer.name} closed, {args.long_output_len} tokens: {per_req:.1f} us/req")


def step_requests(args: Args, rate: float) -> int:
    return max(int(rate * args.rate_duration), 50)


def max_rate(bench: Bench) -> None:
    """Constant-rate steps (``--rates``, ``--sims`` simulators): the highest step where every
    request succeeds and the achieved rate is within 1 % of the target."""
    args = bench.args
    rate_sims = [bench.instant] + [bench.simulator() for _ in range(args.sims - 1)]
    steps: list[dict[str, Any]] = []
    best = None
    for rate in args.rate_steps:
        profile = LoadProfile(request_rate=rate, burstiness=0.0,
                              num_prompts=step_requests(args, rate), warmup=16)  # fmt: skip
        res = ours_run(bench.client, rate_sims, profile)
        ok = res["failed"] == 0 and abs((res["achieved_rps"] or 0.0) / rate - 1) <= 0.01
        steps.append({"target_rps": rate, "ok": ok, **res})
        bench.log(f"ours rate {rate:g}: achieved {res['achieved_rps'] or 0.0:.1f} ok={ok} "
                  f"cpu/req {res['cpu_us_per_request']:.0f} us "
                  f"dispatch p99 {fmt(res['dispatch_p99_ms'])} ms "
                  f"sim cpu {res['sim_cpu_share']:.2f}")  # fmt: skip
        if not ok:
            break
        best = rate
    bench.ours["rate_steps"] = steps
    bench.figures["ours"]["max_rate_rps"] = best
    rates = args.peer_rate_steps or tuple(float(s["target_rps"]) for s in steps)
    for peer in [p for p in bench.peers if p.can_pace_constant]:
        bench.figures[peer.name]["max_rate_rps"] = peer_max_rate(bench, peer, rates)


def peer_max_rate(bench: Bench, peer: Peer, rates: tuple[float, ...]) -> float | None:
    best = None
    for rate in rates:
        with SimWatch([bench.instant]) as watch:
            run, fig = peer.run(bench.instant, step_requests(bench.args, rate), None, rate,
                                constant=True)  # fmt: skip
        achieved = fig.get("achieved_rps") or 0.0
        ok = run.rc == 0 and not fig.get("failed") and abs(achieved / rate - 1) <= 0.01
        bench.note(
            peer,
            "rate",
            run,
            {"target_rps": rate, "ok": ok, "sim_cpu_share": watch.max_share, **fig},
        )
        bench.log(f"{peer.name} rate {rate:g}: achieved {achieved:.1f} ok={ok}")
        if not ok:
            break
        best = rate
    return best


STAMP_KEYS = ("ttft_true_err_median_ms", "ttft_true_err_p99_ms", "itl_true_err_median_ms",
              "sim_ttft_median_ms", "sim_ttft_p99_ms")  # fmt: skip


def fidelity(bench: Bench) -> None:
    """Timing at ``--fidelity-streams`` streams of a simulator at ``--ttft``/``--itl``: TTFT
    median/p99 and ITL median minus the configured values (ours also against its stamps)."""
    args = bench.args
    sim = bench.simulator(args.ttft, args.itl, stamp=True)
    profile = LoadProfile(concurrency=args.fidelity_streams, num_prompts=args.fidelity_requests,
                          warmup=args.fidelity_streams)  # fmt: skip
    bench.ours["fidelity"] = res = ours_run(bench.client, [sim], profile)
    bench.figures["ours"].update({key: res.get(key) for key in STAMP_KEYS})
    bench.log(f"ours fidelity: {res}")
    results = {"ours": res}
    for peer in bench.peers:
        with SimWatch([sim]) as watch:
            run, fig = peer.run(sim, args.fidelity_requests, args.fidelity_streams, None)
        bench.note(peer, "fidelity", run, {"sim_cpu_share": watch.max_share, **fig})
        bench.log(f"{peer.name} fidelity: {fig}")
        if run.rc == 0:
            results[peer.name] = fig
    for name, fig in results.items():
        bench.figures[name]["fidelity_rps"] = fig.get("achieved_rps")
        for key, truth in (("ttft_median", args.ttft), ("ttft_p99", args.ttft),
                           ("itl_median", args.itl)):  # fmt: skip
            value = fig.get(f"{key}_ms")
            if value is not None:
                bench.figures[name][f"{key}_err_ms"] = value - truth * 1e3


def memory(bench: Bench) -> None:
    """RSS growth per in-flight stream, ``--mem-streams`` streams held open by a simulator
    whose TTFT (``--mem-ttft``) is longer than the run's set-up."""
    args = bench.args
    sim = bench.simulator(args.mem_ttft, 0.0)
    bench.ours["memory"] = res = ours_memory(bench.client, sim, args.mem_streams,
                                             args.mem_ttft * 0.8)  # fmt: skip
    bench.figures["ours"]["mem_kib_per_stream"] = res["kib_per_stream"]
    bench.log(f"ours memory: {res}")
    for peer in bench.peers:
        if peer.name not in bench.baselines:
            bench.baselines[peer.name], _ = peer.run(bench.instant, args.peer_small, 1, None)
        small = bench.baselines[peer.name]
        big, fig = peer.run(sim, args.mem_streams, args.mem_streams, None)
        per = (big.peak_rss - small.peak_rss) / 1024 / args.mem_streams
        bench.note(
            peer,
            "memory",
            big,
            {"small_peak_rss_mib": small.peak_rss / 2**20, "kib_per_stream": per, **fig},
        )
        if big.rc == 0 and small.rc == 0:
            bench.figures[peer.name]["mem_kib_per_stream"] = per
        bench.log(f"{peer.name} memory: {per:.1f} KiB/stream")


def cpu_profile(bench: Bench) -> None:
    """Where our CPU goes: cProfile of a closed-loop run (``--profile-top`` rows; 0: none)."""
    args = bench.args
    if args.profile_top:
        profile = LoadProfile(concurrency=args.cpu_concurrency, num_prompts=args.cpu_requests)
        bench.report["profile"] = ours_profile(bench.client, bench.instant, profile,
                                               args.profile_top)  # fmt: skip


PHASES: list[tuple[str, Callable[[Bench], None]]] = [
    ("cpu", cpu_closed),
    ("cpu", cpu_paced),
    ("cpu", cpu_extra_event),
    ("rate", max_rate),
    ("fidelity", fidelity),
    ("memory", memory),
    ("cpu", cpu_profile),
]
"""(the ``--skip`` name, the phase), in the order they run."""
