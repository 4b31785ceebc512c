"""Processes: the simulators (each a `ManagedServer`), their CPU share, and measured commands.

CPU times and RSS are read from ``/proc``; a peer command's CPU comes from ``RUSAGE_CHILDREN``
(its descendants included once reaped), its peak RSS from sampling its process tree.
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_env import free_port

from pytest_aisbench.config import validate_model
from pytest_aisbench.managed_server import ManagedServer
from pytest_aisbench.models import VLLMCustomAPI

MODEL = "sim-model"
OUTPUT_LEN = 16
"""Tokens per stream of every simulator but the CPU slope's long one."""
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of ``/proc/PID/stat`` after the command name) of every process."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        yield int(entry.name), text.rsplit(")", 1)[1].split()


def proc_cpu_s(pid: int) -> float:
    """utime + stime of one process, from /proc (0 when it is gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def tree_rss(root: int) -> int:
    """RSS bytes of `root` and all its descendants."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for pid, fields in _stats():
        parents[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * PAGE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


def self_rss() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * PAGE


def child_pid(argv: list[str]) -> int:
    """The pid of this process's child that runs exactly `argv`."""
    wanted = "\0".join(argv) + "\0"
    for pid, fields in _stats():
        if int(fields[1]) != os.getpid():
            continue
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/cmdline").read_text() == wanted:
                return pid
    raise RuntimeError(f"no child process runs {argv}")


def sim_entry(port: int, output_len: int) -> dict[str, Any]:
    """The backend entry of the simulator on `port`: its server's, and (retyped) our client's."""
    return dict(
        attr="service", type=VLLMCustomAPI, abbr="sim", host_ip="127.0.0.1", host_port=port,
        model=MODEL, stream=True, max_out_len=output_len, retry=0,
    )  # fmt: skip


class Simulator:
    """``python -m pytest_aisbench.simulator`` in its own process, started by `ManagedServer`."""

    def __init__(
        self, work: Path, ttft: float, itl: float, output_len: int = OUTPUT_LEN,
        stamp: bool = False,
    ) -> None:  # fmt: skip
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.output_len = output_len
        cmd = [
            sys.executable, "-m", "pytest_aisbench.simulator",
            "--port", "{port}", "--ttft", str(ttft), "--itl", str(itl),
            "--output-len", str(output_len), "--log-level", "warning", "--model", MODEL,
            *(["--stamp-events"] if stamp else []),
        ]  # fmt: skip
        server = dict(cmd=cmd, ready_path="/v1/models", startup_timeout=30.0)
        entry = {**sim_entry(self.port, output_len), "server": server}
        config = validate_model(entry, "bench_client simulator")
        self.server = ManagedServer(config, work / f"simulator-{self.port}.log")
        self.server.start()
        self.pid = child_pid(self.server.cmd)

    def cpu_s(self) -> float:
        return proc_cpu_s(self.pid)

    def stop(self) -> None:
        self.server.stop()


@dataclass
class SimWatch:
    """The simulators' CPU share over a phase, as a fraction of one core."""

    sims: list[Simulator]
    cpu0: list[float] = field(default_factory=list)
    t0: float = 0.0
    share: list[float] = field(default_factory=list)

    def __enter__(self) -> SimWatch:
        self.cpu0 = [sim.cpu_s() for sim in self.sims]
        self.t0 = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = max(time.monotonic() - self.t0, 1e-9)
        self.share = [(sim.cpu_s() - c) / wall for sim, c in zip(self.sims, self.cpu0, strict=True)]

    @property
    def max_share(self) -> float:
        return max(self.share) if self.share else 0.0


@dataclass
class PeerRun:
    """One measured command: exit status, CPU seconds, wall seconds, peak RSS bytes, output."""

    rc: int
    cpu_s: float
    wall_s: float
    peak_rss: int
    log: str


def run_peer(
    cmd: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None
) -> PeerRun:
    """Run a peer command; CPU of it and its reaped descendants; peak RSS of its tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    log_path = cwd / f"peer-{int(t0 * 1000)}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
        with _PeakRss(proc.pid) as peak:
            try:
                rc = proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = log_path.read_text(errors="replace")
    return PeerRun(rc, cpu, time.monotonic() - t0, peak.peak, text)


class _PeakRss:
    """Samples the RSS of a process tree every 0.2 s in a thread, while in the `with` block."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):
                self.peak = max(self.peak, tree_rss(self.pid))
            self._stop.wait(0.2)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
