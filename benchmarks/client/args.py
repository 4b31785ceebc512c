"""The benchmark's arguments: one frozen `Args`, whose fields are the command line's options."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

PHASES = ("cpu", "rate", "fidelity", "memory")
"""What ``--skip`` may name."""


def _opt(default: Any, help: str = "", choices: Sequence[str] | None = None) -> Any:
    return field(default=default, metadata={"help": help, "choices": choices})


@dataclass(frozen=True)
class Args:
    """Every option of ``bench_client.py`` (``--cpu-requests`` is `cpu_requests`), as given."""

    cpu_requests: int = _opt(3000, "requests per CPU-time run")
    cpu_concurrency: int = _opt(64, "streams in the closed-loop CPU run")
    long_output_len: int = _opt(64, "tokens of the CPU slope's long run")
    pacing_rate: float = _opt(200.0, "Poisson rate of the paced run")
    rates: str = _opt("250,500,750,1000,1250,1500,2000", "constant-rate steps")
    rate_duration: float = _opt(5.0, "seconds per rate step")
    sims: int = _opt(1, "simulator processes behind the rate steps")
    ttft: float = _opt(0.1, "fidelity run: simulator TTFT (s)")
    itl: float = _opt(0.01, "fidelity run: simulator ITL (s)")
    fidelity_streams: int = _opt(256)
    fidelity_requests: int = _opt(1024)
    mem_streams: int = _opt(2000)
    mem_ttft: float = _opt(15.0, "memory run: simulator TTFT (s)")
    peers: str = _opt("vllm,guidellm,aisbench", "comma list; empty for none")
    ours_reps: int = _opt(3, "our closed-loop CPU runs (median)")
    peer_small: int = _opt(50, "requests of a peer's baseline run")
    peer_baselines: int = _opt(3, "baseline runs per peer (median CPU)")
    peer_requests: int = _opt(0, "requests of a peer's CPU runs (0: ours)")
    peer_rates: str = _opt("", "rate steps for peers (empty: as ours)")
    peer_timeout: float = _opt(240.0)
    profile_top: int = _opt(20, "cProfile rows (0: skip the profile)")
    skip: str = _opt("", "comma list of phases: " + ",".join(PHASES))
    load_threshold: float = _opt(1.5)
    max_wait: float = _opt(300.0, "most seconds to wait for a quiet box")
    workdir: str | None = _opt(None)
    loop: str = _opt("auto", "ours: event loop", ["auto", "asyncio"])
    http_client: str = _opt("asyncio", "ours: backend key", ["asyncio", "httpx"])
    out: str = _opt("bench_client.json")

    @property
    def skipped(self) -> frozenset[str]:
        return frozenset(filter(None, self.skip.split(",")))

    @property
    def peer_names(self) -> tuple[str, ...]:
        return tuple(filter(None, self.peers.split(",")))

    @property
    def rate_steps(self) -> tuple[float, ...]:
        return _floats(self.rates)

    @property
    def peer_rate_steps(self) -> tuple[float, ...]:
        """``--peer-rates``; empty: the steps our run tried."""
        return _floats(self.peer_rates)

    @property
    def peer_cpu_requests(self) -> int:
        return self.peer_requests or self.cpu_requests


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(part) for part in text.split(",") if part)


def parse_args(argv: Sequence[str] | None = None, description: str = "") -> Args:
    """`Args` from the command line (one ``--name-with-dashes`` option per field)."""
    parser = argparse.ArgumentParser(description=description)
    for spec in fields(Args):
        assert spec.default is not MISSING
        parser.add_argument(
            "--" + spec.name.replace("_", "-"),
            type=str if spec.default is None else type(spec.default),
            default=spec.default,
            help=spec.metadata["help"] or None,
            choices=spec.metadata["choices"],
        )
    args = Args(**vars(parser.parse_args(argv)))
    unknown = args.skipped - set(PHASES)
    if unknown:
        parser.error(f"--skip: unknown phases {sorted(unknown)} (phases: {', '.join(PHASES)})")
    if args.peer_names and "cpu" not in args.skipped and args.peer_cpu_requests <= args.peer_small:
        parser.error("a peer's CPU is marginal: --peer-requests (or --cpu-requests) must exceed "
                     "--peer-small")  # fmt: skip
    return args
