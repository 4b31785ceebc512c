"""Benchmark this plugin's load-generating client against the simulator, beside its peers.

The simulator runs in separate processes (``python -m pytest_aisbench.simulator``, each a
``ManagedServer``), one per scenario, so the client's CPU time is its own and the simulator's
CPU share can be watched (read from ``/proc/PID/stat`` around every run and kept with it as
``sim_cpu_share``, a fraction of one core). Figures for our client (``run_load`` +
``VLLMCustomAPI(stream=True)`` on ``/v1/completions``, 16-token streams):

- cpu: process CPU time (``time.process_time``) around ``run_load`` divided by requests and by
  SSE events received (16 token chunks + usage + ``[DONE]`` per request), at two equal loads:
  closed loop (``--cpu-concurrency`` streams) and open loop (``--pacing-rate`` req/s Poisson);
- pacing: p99 dispatch delay (send - scheduled) of the open-loop run;
- max rate: constant-rate steps (``--rates``); a step passes when every request succeeds and
  the achieved rate, (n - 1) / (last send - first send), is within 1 % of the target;
- fidelity: simulator at ``--ttft``/``--itl``, ``--fidelity-streams`` concurrent streams;
  measured TTFT median/p99 and ITL median minus the configured values;
- memory: RSS growth per in-flight stream with ``--mem-streams`` streams held open by a
  simulator whose TTFT is longer than the run's set-up.

Peers, where installed, get the same loads: ``vllm bench serve`` (the vLLM venv), GuideLLM
and AISBench (venvs under ``~/.cache/pytest-aisbench/peers``); a missing one is skipped with a
line saying so, and ``benchmarks/install_peers.sh`` installs all three at the pinned versions.
A peer's CPU time is marginal: (CPU of a run of N requests - CPU of a run of ``--peer-small``
requests) / the difference in requests, which removes its start-up and import cost. CPU time of
peer processes comes from ``RUSAGE_CHILDREN`` (descendants included once reaped); peak RSS from
sampling the peer's process tree in ``/proc``.

    .venv/bin/python benchmarks/client/bench_client.py --out /tmp/bench_client.json

Modules: ``args`` (the options, one frozen `Args`), ``procs`` (simulator processes, /proc
readings, measured commands), ``ours`` (our client's runs), ``peers`` (one adapter per peer),
``phases`` (one function per phase), ``report`` (goals, verdicts, the table); this one runs them.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/bench_env.py
from args import Args, parse_args
from peers import PEER_CLASSES, Peer
from phases import PHASES, Bench
from report import GOALS, table


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, description=__doc__.split("\n\n")[0])
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-client-"))
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"args": asdict(args), "goals": GOALS, "ours": {}, "peers": {}}
    peers = available_peers(args, work, report["peers"])
    figures: dict[str, dict[str, Any]] = {"ours": {}, **{peer.name: {} for peer in peers}}
    report["machine"] = wait_quiet(args.load_threshold, args.max_wait)
    print(f"load: {report['machine']}; work dir {work}", flush=True)
    bench = Bench(args, work, peers, report, figures)
    try:
        bench.simulator()  # the instant one, which most phases share
        for name, phase in PHASES:
            if name not in args.skipped:
                phase(bench)
    finally:
        bench.stop()
    report["figures"] = figures
    report["elapsed_s"] = time.monotonic() - bench.t_start
    report["load_1m_end"] = os.getloadavg()[0]
    report["table"] = table(figures, [peer.name for peer in peers])
    Path(args.out).write_text(json.dumps(report, indent=2, default=str))
    print_summary(report, args.out)
    return 0


def available_peers(args: Args, work: Path, status: dict[str, Any]) -> list[Peer]:
    """The peers of ``--peers`` that are installed; each one's status goes into `status`."""
    peers = []
    for name in args.peer_names:
        if name not in PEER_CLASSES:
            status[name] = {"status": "no adapter (cannot express the load)"}
            continue
        peer = PEER_CLASSES[name](work, args.peer_timeout)
        why = peer.available()
        status[name] = {"status": why or "ok"}
        if why:
            print(f"peer {name}: skipped, {why}", flush=True)
        else:
            peers.append(peer)
    return peers


def wait_quiet(threshold: float, max_wait: float) -> dict[str, Any]:
    """Wait (30 s at a time, at most `max_wait`) until the 1-minute load is below `threshold`."""
    t0 = time.monotonic()
    while os.getloadavg()[0] >= threshold and time.monotonic() - t0 < max_wait:
        print(f"load {os.getloadavg()[0]:.2f} >= {threshold}: waiting 30 s", flush=True)
        time.sleep(30)
    load = os.getloadavg()[0]
    return {"load_1m": load, "waited_s": time.monotonic() - t0, "quiet": load < threshold}


def print_summary(report: dict[str, Any], out: str) -> None:
    print()
    print(report["table"])
    for name, info in report["peers"].items():
        print(f"peer {name}: {info['status']}")
    if "profile" in report:
        print("\ncProfile of our closed-loop run (by own time):\n" + report["profile"])
    print(f"\nJSON: {out}; {report['elapsed_s']:.0f} s; start {report['machine']}")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
