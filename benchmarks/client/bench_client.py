"""Benchmark this plugin's load-generating client against the simulator, beside its peers.

The simulator runs in separate processes (``python -m pytest_aisbench.simulator``), one per
scenario, so the client's CPU time is its own and the simulator's CPU share can be watched
(read from ``/proc/PID/stat`` around every phase; a phase where it passes ``--sim-cpu-limit``
of one core is flagged as simulator-bound). Figures for our client (``run_load`` +
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

Peers, where installed, get the same loads: ``vllm bench serve`` (the vLLM venv),
GuideLLM and AISBench (venvs under ``~/.cache/pytest-aisbench/peers``). A peer's CPU time is
marginal: (CPU of a run of N requests - CPU of a run of ``--peer-small`` requests) / the
difference in requests, which removes its start-up and import cost. CPU time of peer processes
comes from ``RUSAGE_CHILDREN`` (descendants included once reaped); peak RSS from sampling the
peer's process tree in ``/proc``.

    .venv/bin/python benchmarks/client/bench_client.py --out /tmp/bench_client.json
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import cProfile
import io
import itertools
import json
import multiprocessing
import os
import pstats
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_aisbench.engine.loop import run_coroutine
from pytest_aisbench.models import VLLMCustomAPI
from pytest_aisbench.perf.loadgen import LoadProfile, run_load
from pytest_aisbench.perf.metrics import RequestTiming, percentile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/vllm_cli.py
from vllm_cli import CACHE, MODEL_DIR, VLLM_BOOTSTRAP, VLLM_PYTHON

PEERS = CACHE / "peers"
GUIDELLM = PEERS / "guidellm" / "bin" / "guidellm"
AISBENCH = PEERS / "aisbench" / "bin" / "ais_bench"
MODEL = "sim-model"
OUTPUT_LEN = 16
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


GOALS = {
    "cpu_us_per_event": 10.0,
    "max_rate_rps": 1000.0,
    "ttft_median_err_ms": 1.0,
    "ttft_p99_err_ms": 3.0,
    "itl_median_err_ms": 0.5,
    "dispatch_p99_ms": 2.0,
    "mem_kib_per_stream": 64.0,
}


# --- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
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


class Simulator:
    """``python -m pytest_aisbench.simulator`` in its own process."""

    def __init__(
        self, ttft: float, itl: float, output_len: int = OUTPUT_LEN, stamp: bool = False
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [
            sys.executable, "-m", "pytest_aisbench.simulator",
            "--port", str(self.port), "--ttft", str(ttft), "--itl", str(itl),
            "--output-len", str(output_len), "--log-level", "warning", "--model", MODEL,
            *(["--stamp-events"] if stamp else []),
        ]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + "/v1/models", timeout=1) as response:
                    response.read()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                    raise RuntimeError(f"simulator did not start: {err[-2000:]}") from None
                time.sleep(0.1)

    def cpu_s(self) -> float:
        return proc_cpu_s(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


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


# --- our client -----------------------------------------------------------------------------


HTTP_CLIENT = "asyncio"
"""Our backend's ``http_client`` (``--http-client``)."""


def set_output_len(tokens: int) -> None:
    """The stream length every client asks for from now on (ours and the peers' commands)."""
    global OUTPUT_LEN
    OUTPUT_LEN = tokens


LOOP = "auto"
"""Our event loop (``--loop``): ``auto`` is the plugin's choice (uvloop when installed)."""


def run_ours(coro: Any) -> Any:
    if LOOP == "auto":
        return run_coroutine(coro)
    return asyncio.run(coro)


class StampReadingAPI(VLLMCustomAPI):
    """Keeps the simulator's write time (``--stamp-events``) of each event that added text."""

    async def parse_stream_response(self, data: dict[str, Any], output: Any) -> None:
        before = len(output.content)
        await super().parse_stream_response(data, output)
        if len(output.content) > before and "sim_sent_ns" in data:
            output.extra_perf_data.setdefault("sim_sent_ns", []).append(data["sim_sent_ns"])


def new_model(url: str) -> VLLMCustomAPI:
    model = StampReadingAPI(url=url, model=MODEL, stream=True, max_out_len=OUTPUT_LEN, retry=0)
    model.http_client = HTTP_CLIENT
    return model


def stamp_errors(outputs: list[Any]) -> dict[str, Any]:
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
    return {
        "stamped_requests": len(ttft_err),
        "ttft_true_err_median_ms": pctl(ttft_err, 50),
        "ttft_true_err_p99_ms": pctl(ttft_err, 99),
        "itl_true_err_median_ms": (pctl(itl_ours, 50) or 0) - (pctl(itl_true, 50) or 0),
        "sim_ttft_median_ms": pctl(sim_ttft, 50),
        "sim_ttft_p99_ms": pctl(sim_ttft, 99),
    }


PROMPTS = [f"benchmark prompt number {i}: tell me something" for i in range(64)]


def timings_of(outputs: list[Any]) -> list[RequestTiming]:
    return [RequestTiming.from_output(o) for o in outputs]


def ms(x: float | None) -> float | None:
    return None if x is None else x * 1e3


def pctl(samples: list[float], q: float) -> float | None:
    return percentile(tuple(sorted(samples)), q) if samples else None


def summarize_run(outputs: list[Any], cpu_s: float | None = None) -> dict[str, Any]:
    timings = timings_of(outputs)
    ok = [t for t in timings if t.success]
    events = sum(len(o.event_times_ns) for o in outputs)
    sends = sorted(t.send_ns for t in timings if t.sent)
    span = (sends[-1] - sends[0]) / 1e9 if len(sends) > 1 else 0.0
    delays = [(t.send_ns - t.scheduled_ns) / 1e9 for t in timings if t.sent]
    ttft = [t.ttft_s for t in ok if t.ttft_s is not None]
    itl = [gap for t in ok for gap in t.itl_s]
    out: dict[str, Any] = {
        "requests": len(timings),
        "failed": len(timings) - len(ok),
        "errors": sorted({t.error for t in timings if not t.success})[:3],
        "events": events,
        "achieved_rps": (len(sends) - 1) / span if span > 0 else None,
        "dispatch_p50_ms": ms(pctl(delays, 50)),
        "dispatch_p99_ms": ms(pctl(delays, 99)),
        "ttft_median_ms": ms(pctl(ttft, 50)),
        "ttft_p99_ms": ms(pctl(ttft, 99)),
        "itl_median_ms": ms(pctl(itl, 50)),
        "itl_p99_ms": ms(pctl(itl, 99)),
    }
    if cpu_s is not None:
        out["cpu_s"] = cpu_s
        out["cpu_us_per_request"] = cpu_s / max(len(timings), 1) * 1e6
        out["cpu_us_per_event"] = cpu_s / max(events, 1) * 1e6
    return out


async def _ours_load(
    sims: list[Simulator], profile: LoadProfile, spin_s: float | None
) -> tuple[list[Any], float]:
    """One load split evenly over `sims` (one client each, one event loop); CPU seconds."""
    models = [new_model(sim.url) for sim in sims]
    parts = len(models)
    kwargs = {} if spin_s is None else {"spin_s": spin_s}
    profiles = [profile]
    if parts > 1:
        assert profile.num_prompts is not None
        profiles = [
            LoadProfile(
                concurrency=None if profile.concurrency is None else profile.concurrency // parts,
                request_rate=profile.request_rate / parts,
                burstiness=profile.burstiness,
                seed=profile.seed + i,
                num_prompts=profile.num_prompts // parts,
            )
            for i in range(parts)
        ]
    try:
        cpu0 = time.process_time()
        runs = await asyncio.gather(
            *(
                run_load(m, PROMPTS, p, OUTPUT_LEN, **kwargs)
                for m, p in zip(models, profiles, strict=True)
            )
        )
        cpu = time.process_time() - cpu0
    finally:
        for m in models:
            await m.aclose()
    return [o for run in runs for o in run.outputs], cpu


def ours_run(
    sims: list[Simulator], profile: LoadProfile, spin_s: float | None = None
) -> dict[str, Any]:
    with SimWatch(sims) as watch:
        outputs, cpu = run_ours(_ours_load(sims, profile, spin_s))
    result = summarize_run(outputs, cpu)
    result["sim_cpu_share"] = watch.max_share
    result.update(stamp_errors(outputs))
    return result


def median_run(sims: list[Simulator], profile: LoadProfile, reps: int) -> dict[str, Any]:
    """The run with the median CPU per request of `reps` runs (the others' figures kept)."""
    runs = sorted((ours_run(sims, profile) for _ in range(reps)), key=cpu_per_request)
    chosen = runs[len(runs) // 2]
    chosen["cpu_us_per_request_of_reps"] = [cpu_per_request(run) for run in runs]
    return chosen


def cpu_per_request(run: dict[str, Any]) -> float:
    return float(run["cpu_us_per_request"])


def ours_profile(sim: Simulator, profile: LoadProfile, top: int) -> str:
    prof = cProfile.Profile()
    prof.enable()
    run_ours(_ours_load([sim], profile, None))
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    lines = buf.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(lines[start:])


def ours_memory(sim: Simulator, streams: int, settle_s: float) -> dict[str, Any]:
    """`_ours_memory` in a fresh process: where earlier phases freed memory, new streams reuse
    it and the RSS does not grow (a measurement of 0 KiB per stream)."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        job = pool.submit(_memory_child, sim.url, streams, settle_s, HTTP_CLIENT, LOOP)
        return job.result()


def _memory_child(
    url: str, streams: int, settle_s: float, http_client: str, loop: str
) -> dict[str, Any]:
    global HTTP_CLIENT, LOOP
    HTTP_CLIENT, LOOP = http_client, loop
    return run_ours(_ours_memory(url, streams, settle_s))  # type: ignore[no-any-return]


async def _ours_memory(url: str, streams: int, settle_s: float) -> dict[str, Any]:
    model = new_model(url)
    profile = LoadProfile(num_prompts=streams)
    state = {"sent": 0, "finished": 0}

    def progress(sent: int, finished: int, failed: int) -> None:
        state["sent"], state["finished"] = sent, finished

    base = self_rss()
    task = asyncio.create_task(run_load(model, PROMPTS, profile, OUTPUT_LEN, progress))
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
    failed = sum(not o.success for o in run.outputs)
    return {
        "streams": streams,
        "in_flight_at_peak": peak_in_flight,
        "rss_base_mib": base / 2**20,
        "rss_peak_mib": peak / 2**20,
        "kib_per_stream": (peak - base) / 1024 / max(peak_in_flight, 1),
        "failed": failed,
        "errors": sorted({o.error_info for o in run.outputs if not o.success})[:3],
    }


# --- peers ----------------------------------------------------------------------------------


@dataclass
class PeerRun:
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
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                with contextlib.suppress(Exception):
                    peak = max(peak, tree_rss(proc.pid))
                stop.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        stop.set()
        sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = log_path.read_text(errors="replace")
    return PeerRun(rc, cpu, time.monotonic() - t0, peak, text)


class Peer:
    name = "peer"
    can_pace_constant = True
    """Whether the rate steps apply: the peer must report its send times."""

    def __init__(self, work: Path, timeout: float) -> None:
        self.work = work / self.name
        self.work.mkdir(parents=True, exist_ok=True)
        self.timeout = timeout
        self.n = 0

    requires: tuple[Path, ...] = ()
    """Files the peer needs (its executable, the tokenizer)."""

    def available(self) -> str:
        """Empty when usable, else which required files are missing."""
        missing = [str(path) for path in self.requires if not path.exists()]
        return f"not installed: missing {', '.join(missing)}" if missing else ""

    def run(
        self, sim: Simulator, requests: int, concurrency: int | None, rate: float | None,
        constant: bool = False,
    ) -> tuple[PeerRun, dict[str, Any]]:  # fmt: skip
        raise NotImplementedError


class VllmBench(Peer):
    name = "vllm"
    requires = (VLLM_PYTHON, MODEL_DIR)

    def run(
        self, sim: Simulator, requests: int, concurrency: int | None, rate: float | None,
        constant: bool = False,
    ) -> tuple[PeerRun, dict[str, Any]]:  # fmt: skip
        self.n += 1
        name = f"r{self.n}.json"
        cmd = [
            str(VLLM_PYTHON), "-c", VLLM_BOOTSTRAP, "bench", "serve",
            "--backend", "vllm", "--base-url", sim.url, "--endpoint", "/v1/completions",
            "--model", MODEL, "--tokenizer", str(MODEL_DIR), "--dataset-name", "random",
            "--random-input-len", "16", "--random-output-len", str(OUTPUT_LEN),
            "--num-prompts", str(requests), "--ignore-eos", "--disable-tqdm",
            "--request-rate", "inf" if rate is None else str(rate),
            "--percentile-metrics", "ttft,itl", "--metric-percentiles", "50,99",
            "--save-result", "--save-detailed", "--result-dir", str(self.work),
            "--result-filename", name,
        ]  # fmt: skip
        if constant:
            cmd += ["--burstiness", "inf"]
        if concurrency is not None:
            cmd += ["--max-concurrency", str(concurrency)]
        run = run_peer(cmd, self.work, self.timeout, {"HF_HUB_OFFLINE": "1"})
        figures: dict[str, Any] = {}
        path = self.work / name
        if run.rc == 0 and path.exists():
            data = json.loads(path.read_text())
            starts = sorted(data.get("start_times") or [])
            figures = {
                "requests": requests,
                "failed": data.get("failed"),
                "ttft_median_ms": data.get("median_ttft_ms"),
                "ttft_p99_ms": data.get("p99_ttft_ms"),
                "itl_median_ms": data.get("median_itl_ms"),
                "achieved_rps": (len(starts) - 1) / (starts[-1] - starts[0])
                if len(starts) > 1 and starts[-1] > starts[0]
                else None,
            }
        return run, figures


class GuideLLM(Peer):
    name = "guidellm"
    requires = (GUIDELLM,)

    def run(
        self, sim: Simulator, requests: int, concurrency: int | None, rate: float | None,
        constant: bool = False,
    ) -> tuple[PeerRun, dict[str, Any]]:  # fmt: skip
        self.n += 1
        out = self.work / f"r{self.n}.json"
        if rate is None:
            profile = f"kind=concurrent,streams={concurrency or requests}"
        else:
            profile = f"kind={'constant' if constant else 'poisson'},rate={rate:g}"
        cmd = [
            str(GUIDELLM), "run",
            "--backend", f"kind=openai_http,target={sim.url},model={MODEL},"
            "request_format=/v1/completions",
            "--profile", profile,
            "--constraint", f"kind=max_requests,count={requests}",
            "--data", f"kind=synthetic_text,prompt_tokens=16,output_tokens={OUTPUT_LEN}",
            "--tokenizer", f"kind=huggingface_auto,model={MODEL_DIR}",
            "--output", f"kind=json,path={out}", "--disable-console",
        ]  # fmt: skip
        run = run_peer(cmd, self.work, self.timeout, {"HF_HUB_OFFLINE": "1"})
        figures: dict[str, Any] = {}
        if run.rc == 0 and out.exists():
            figures = guidellm_figures(json.loads(out.read_text()), requests)
        return run, figures


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def guidellm_figures(report: dict[str, Any], requests: int) -> dict[str, Any]:
    bench = (report.get("benchmarks") or [{}])[-1]
    metrics = bench.get("metrics") or {}

    def stat(metric: str, key: str) -> float | None:
        value = _dig(metrics, metric, "successful", key)
        if value is None and key.startswith("p"):
            value = _dig(metrics, metric, "successful", "percentiles", key)
        return value

    successful = _dig(bench, "requests", "successful") or []
    starts = sorted(
        s
        for r in successful
        if (s := _dig(r, "info", "timings", "request_start") or r.get("request_start_time"))
    )
    return {
        "requests": requests,
        "failed": requests - len(successful) if successful else None,
        "ttft_median_ms": stat("time_to_first_token_ms", "median"),
        "ttft_p99_ms": stat("time_to_first_token_ms", "p99"),
        "itl_median_ms": stat("inter_token_latency_ms", "median"),
        "dispatch_p99_ms": None
        if (delay := stat("request_dispatch_delay", "p99")) is None
        else delay * 1e3,
        "achieved_rps": (len(starts) - 1) / (starts[-1] - starts[0])
        if len(starts) > 1 and starts[-1] > starts[0]
        else None,
    }


AISBENCH_CONFIG = """
from ais_bench.benchmark.models import VLLMCustomAPI
from ais_bench.benchmark.openicl.icl_prompt_template import PromptTemplate
from ais_bench.benchmark.openicl.icl_retriever import ZeroRetriever
from ais_bench.benchmark.openicl.icl_inferencer import GenInferencer
from ais_bench.benchmark.datasets import SyntheticDataset, MATHEvaluator, math_postprocess_v2
from ais_bench.benchmark.summarizers import DefaultPerfSummarizer
from ais_bench.benchmark.calculators import DefaultPerfMetricCalculator
models = [dict(attr="service", type=VLLMCustomAPI, abbr="sim", path={tokenizer!r},
    model={model!r}, stream=True, request_rate={rate}, use_timestamp=False, retry=1, api_key="",
    host_ip="127.0.0.1", host_port={port}, url="", max_out_len={out}, batch_size={batch},
    trust_remote_code=False, generation_kwargs=dict(ignore_eos=True))]
length = {{"Method": "uniform", "Params": {{"MinValue": 16, "MaxValue": 16}}}}
out_len = {{"Method": "uniform", "Params": {{"MinValue": {out}, "MaxValue": {out}}}}}
synthetic_config = {{"Type": "string", "RequestCount": {requests}, "TrustRemoteCode": False,
    "StringConfig": {{"Input": length, "Output": out_len}}}}
datasets = [dict(abbr="synthetic", type=SyntheticDataset, config=synthetic_config,
    reader_cfg=dict(input_columns=["question", "max_out_len"], output_column="answer"),
    infer_cfg=dict(prompt_template=dict(type=PromptTemplate, template="{{question}}"),
        retriever=dict(type=ZeroRetriever), inferencer=dict(type=GenInferencer)),
    eval_cfg=dict(evaluator=dict(type=MATHEvaluator, version="v2"),
        pred_postprocessor=dict(type=math_postprocess_v2)))]
summarizer = dict(attr="performance", type=DefaultPerfSummarizer,
    calculator=dict(type=DefaultPerfMetricCalculator,
        stats_list=["Average", "Min", "Max", "Median", "P75", "P90", "P99"]))
"""
"""AISBench's perf mode against the simulator. ``retry`` must be >= 1: AISBench's
``for _ in range(self.retry)`` sends nothing at all with 0."""


class AISBench(Peer):
    name = "aisbench"
    can_pace_constant = False
    requires = (AISBENCH,)

    def run(
        self, sim: Simulator, requests: int, concurrency: int | None, rate: float | None,
        constant: bool = False,
    ) -> tuple[PeerRun, dict[str, Any]]:  # fmt: skip
        self.n += 1
        cfg = self.work / f"cfg{self.n}.py"
        cfg.write_text(
            AISBENCH_CONFIG.format(
                tokenizer=str(MODEL_DIR), model=MODEL, rate=rate or 0, port=sim.port,
                out=OUTPUT_LEN, batch=concurrency or requests, requests=requests,
            )
        )  # fmt: skip
        out = self.work / f"r{self.n}"
        cmd = [str(AISBENCH), str(cfg), "--mode", "perf", "--num-warmups", "0", "-w", str(out)]
        run = run_peer(cmd, self.work, self.timeout, {"HF_HUB_OFFLINE": "1"})
        figures: dict[str, Any] = {}
        csvs = sorted(out.glob("*/performances/*/*.csv"))
        if run.rc == 0 and csvs:
            rows = {}
            for line in csvs[-1].read_text().splitlines()[1:]:
                cells = line.split(",")
                rows.setdefault(cells[0], cells)
            head = csvs[-1].read_text().splitlines()[0].split(",")

            def cell(metric: str, column: str) -> float | None:
                row = rows.get(metric)
                if row is None or column not in head:
                    return None
                text = row[head.index(column)].split()[0]
                scale = 1e3 if row[head.index(column)].endswith(" s") else 1.0
                return float(text) * scale

            summary = json.loads(sorted(out.glob("*/performances/*/*.json"))[-1].read_text())
            failed = summary.get("Failed Requests", {})
            figures = {
                "requests": requests,
                "failed": failed.get("total") if isinstance(failed, dict) else failed,
                "ttft_median_ms": cell("TTFT", "Median"),
                "ttft_p99_ms": cell("TTFT", "P99"),
                "itl_median_ms": cell("ITL", "Median"),
            }
        return run, figures


PEER_CLASSES: dict[str, type[Peer]] = {
    "vllm": VllmBench,
    "guidellm": GuideLLM,
    "aisbench": AISBench,
}


# --- the report -----------------------------------------------------------------------------


def wait_quiet(threshold: float, max_wait: float) -> dict[str, Any]:
    t0 = time.monotonic()
    while os.getloadavg()[0] >= threshold and time.monotonic() - t0 < max_wait:
        print(f"load {os.getloadavg()[0]:.2f} >= {threshold}: waiting 30 s", flush=True)
        time.sleep(30)
    load = os.getloadavg()[0]
    return {"load_1m": load, "waited_s": time.monotonic() - t0, "quiet": load < threshold}


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


FIGURES: list[tuple[str, str, str]] = [
    # key, label, "low" (lower is better) / "high"
    ("cpu_us_per_request_closed", "CPU us/request (closed loop)", "low"),
    ("cpu_us_per_event_closed", "CPU us/event (closed loop)", "low"),
    ("cpu_us_per_extra_event", "CPU us/extra event (16 -> 64 tokens)", "low"),
    ("cpu_us_per_request_paced", "CPU us/request (Poisson)", "low"),
    ("cpu_us_per_event_paced", "CPU us/event (Poisson)", "low"),
    ("cpu_us_per_request_paced_sleep", "CPU us/request (Poisson, spin_s=0)", "low"),
    ("cpu_us_per_event_paced_sleep", "CPU us/event (Poisson, spin_s=0)", "low"),
    ("dispatch_p99_ms_sleep", "dispatch delay p99 (spin_s=0) (ms)", "low"),
    ("max_rate_rps", "max rate within 1% (req/s)", "high"),
    ("ttft_median_err_ms", "TTFT median - configured (ms)", "low"),
    ("ttft_p99_err_ms", "TTFT p99 - configured (ms)", "low"),
    ("itl_median_err_ms", "ITL median - configured (ms)", "low"),
    ("ttft_true_err_median_ms", "TTFT median - sim write stamp (ms)", "low"),
    ("ttft_true_err_p99_ms", "TTFT p99 - sim write stamp (ms)", "low"),
    ("itl_true_err_median_ms", "ITL median - sim write gaps (ms)", "low"),
    ("fidelity_rps", "timing run: requests/s sent", "info"),
    ("sim_ttft_median_ms", "sim's own TTFT median (ms)", "info"),
    ("sim_ttft_p99_ms", "sim's own TTFT p99 (ms)", "info"),
    ("dispatch_p99_ms", "dispatch delay p99 (ms)", "low"),
    ("mem_kib_per_stream", "memory KiB/in-flight stream", "low"),
]

GOAL_OF = {
    "cpu_us_per_event_closed": "cpu_us_per_event",
    "cpu_us_per_event_paced": "cpu_us_per_event",
    "max_rate_rps": "max_rate_rps",
    "ttft_median_err_ms": "ttft_median_err_ms",
    "ttft_true_err_median_ms": "ttft_median_err_ms",
    "ttft_true_err_p99_ms": "ttft_p99_err_ms",
    "itl_true_err_median_ms": "itl_median_err_ms",
    "ttft_p99_err_ms": "ttft_p99_err_ms",
    "itl_median_err_ms": "itl_median_err_ms",
    "dispatch_p99_ms": "dispatch_p99_ms",
    "dispatch_p99_ms_sleep": "dispatch_p99_ms",
    "cpu_us_per_extra_event": "cpu_us_per_event",
    "cpu_us_per_event_paced_sleep": "cpu_us_per_event",
    "mem_kib_per_stream": "mem_kib_per_stream",
}


def verdict(key: str, value: float | None, direction: str) -> str:
    goal_key = GOAL_OF.get(key)
    if goal_key is None or value is None:
        return ""
    goal = GOALS[goal_key]
    ok = value >= goal if direction == "high" else abs(value) < goal
    sign = ">=" if direction == "high" else "<"
    return f"{'PASS' if ok else 'FAIL'} ({sign}{goal:g})"


def table(figures: dict[str, dict[str, Any]], peers: list[str]) -> str:
    head = ["figure", "ours", *peers, *(f"ours/{p}" for p in peers), "goal (ours)"]
    rows = [head]
    for key, label, direction in FIGURES:
        ours = figures["ours"].get(key)
        row = [label, fmt(ours)]
        row += [fmt(figures.get(p, {}).get(key)) for p in peers]
        for p in peers:
            other = figures.get(p, {}).get(key)
            ratio = ours / other if ours is not None and other not in (None, 0) else None
            row.append(fmt(ratio, 3))
        row.append(verdict(key, ours, direction))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = p.add_argument
    add("--cpu-requests", type=int, default=3000, help="requests per CPU-time run")
    add("--cpu-concurrency", type=int, default=64, help="streams in the closed-loop CPU run")
    add("--long-output-len", type=int, default=64, help="tokens of the CPU slope's long run")
    add("--pacing-rate", type=float, default=200.0, help="Poisson rate of the paced run")
    add("--rates", default="250,500,750,1000,1250,1500,2000", help="constant-rate steps")
    add("--rate-duration", type=float, default=5.0, help="seconds per rate step")
    add("--sims", type=int, default=1, help="simulator processes behind the rate steps")
    add("--ttft", type=float, default=0.1, help="fidelity run: simulator TTFT (s)")
    add("--itl", type=float, default=0.01, help="fidelity run: simulator ITL (s)")
    add("--fidelity-streams", type=int, default=256)
    add("--fidelity-requests", type=int, default=1024)
    add("--mem-streams", type=int, default=2000)
    add("--mem-ttft", type=float, default=15.0, help="memory run: simulator TTFT (s)")
    add("--peers", default="vllm,guidellm,aisbench", help="comma list; empty for none")
    add("--ours-reps", type=int, default=3, help="our closed-loop CPU runs (median)")
    add("--peer-small", type=int, default=50, help="requests of a peer's baseline run")
    add("--peer-baselines", type=int, default=3, help="baseline runs per peer (median CPU)")
    add("--peer-requests", type=int, default=0, help="requests of a peer's CPU runs (0: ours)")
    add("--peer-rates", default="", help="rate steps for peers (empty: as ours)")
    add("--peer-timeout", type=float, default=240.0)
    add("--profile-top", type=int, default=20, help="cProfile rows (0: skip the profile)")
    add("--skip", default="", help="comma list of phases: cpu,rate,fidelity,memory")
    add("--load-threshold", type=float, default=1.5)
    add("--max-wait", type=float, default=300.0, help="most seconds to wait for a quiet box")
    add("--workdir", default=None)
    add("--loop", default="auto", choices=["auto", "asyncio"], help="ours: event loop")
    add("--http-client", default="asyncio", choices=["asyncio", "httpx"], help="ours: backend key")
    add("--out", default="bench_client.json")
    return p.parse_args()


def main() -> int:
    global HTTP_CLIENT, LOOP
    args = parse_args()
    HTTP_CLIENT, LOOP = args.http_client, args.loop
    skip = set(filter(None, args.skip.split(",")))
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-client-"))
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"args": vars(args), "goals": GOALS, "ours": {}, "peers": {}}
    figures: dict[str, dict[str, Any]] = {"ours": {}}
    peers: list[Peer] = []
    for name in filter(None, args.peers.split(",")):
        if name not in PEER_CLASSES:
            report["peers"][name] = {"status": "no adapter (cannot express the load)"}
            continue
        peer = PEER_CLASSES[name](work, args.peer_timeout)
        why = peer.available()
        report["peers"][name] = {"status": why or "ok"}
        if not why:
            peers.append(peer)
            figures[name] = {}
    report["machine"] = wait_quiet(args.load_threshold, args.max_wait)
    print(f"load: {report['machine']}; work dir {work}", flush=True)
    t_start = time.monotonic()
    ours = report["ours"]

    def log(msg: str) -> None:
        print(f"[{time.monotonic() - t_start:6.1f} s, load {os.getloadavg()[0]:.2f}] {msg}",
              flush=True)  # fmt: skip

    def peer_note(peer: Peer, key: str, run: PeerRun, extra: dict[str, Any]) -> None:
        entry = report["peers"][peer.name].setdefault(key, [])
        entry.append({"rc": run.rc, "cpu_s": run.cpu_s, "wall_s": run.wall_s,
                      "peak_rss_mib": run.peak_rss / 2**20, **extra,
                      **({"log_tail": run.log[-1500:]} if run.rc else {})})  # fmt: skip
        if run.rc:
            log(f"{peer.name} {key} failed rc={run.rc}: {run.log[-400:]!r}")

    baselines: dict[str, PeerRun] = {}
    """Each peer's small run (start-up cost, base RSS), shared by the CPU and memory figures."""
    instant = Simulator(0.0, 0.0)
    sims = [instant]
    try:
        # 1. CPU time at equal load (+ pacing from the Poisson run).
        if "cpu" not in skip:
            n = args.cpu_requests
            closed = LoadProfile(concurrency=args.cpu_concurrency, num_prompts=n, warmup=16)
            ours_run([instant], LoadProfile(concurrency=16, num_prompts=200))  # warm the box
            ours["closed"] = median_run([instant], closed, args.ours_reps)
            log(f"ours closed loop: {ours['closed']}")
            paced = LoadProfile(request_rate=args.pacing_rate, num_prompts=n, warmup=16)
            ours["paced"] = ours_run([instant], paced)
            log(f"ours Poisson {args.pacing_rate:g}/s: {ours['paced']}")
            ours["paced_spin0"] = ours_run([instant], paced, spin_s=0.0)
            log(f"ours Poisson, spin_s=0: {ours['paced_spin0']}")
            for mode in ("closed", "paced"):
                figures["ours"][f"cpu_us_per_request_{mode}"] = ours[mode]["cpu_us_per_request"]
                figures["ours"][f"cpu_us_per_event_{mode}"] = ours[mode]["cpu_us_per_event"]
            figures["ours"]["dispatch_p99_ms"] = ours["paced"]["dispatch_p99_ms"]
            sleep = ours["paced_spin0"]
            figures["ours"]["cpu_us_per_request_paced_sleep"] = sleep["cpu_us_per_request"]
            figures["ours"]["cpu_us_per_event_paced_sleep"] = sleep["cpu_us_per_event"]
            figures["ours"]["dispatch_p99_ms_sleep"] = sleep["dispatch_p99_ms"]
            events_per_request = ours["closed"]["events"] / ours["closed"]["requests"]
            peer_n = args.peer_requests or n

            def baseline(peer: Peer, sim: Simulator) -> PeerRun:
                """The peer's small run with the median CPU of --peer-baselines tries."""
                tries = [peer.run(sim, args.peer_small, args.cpu_concurrency, None)[0]
                         for _ in range(args.peer_baselines)]  # fmt: skip
                tries.sort(key=lambda run: run.cpu_s)
                peer_note(peer, "baseline", tries[len(tries) // 2],
                          {"cpu_s_of_tries": [run.cpu_s for run in tries]})  # fmt: skip
                return tries[len(tries) // 2]

            for peer in peers:
                for mode, conc, rate in (
                    ("closed", args.cpu_concurrency, None),
                    ("paced", None, args.pacing_rate),
                ):
                    if peer.name not in baselines:
                        baselines[peer.name] = baseline(peer, instant)
                    small = baselines[peer.name]
                    with SimWatch([instant]) as watch:
                        big, fig = peer.run(instant, peer_n, conc, rate)
                    per_req = (big.cpu_s - small.cpu_s) / (peer_n - args.peer_small) * 1e6
                    peer_note(peer, f"cpu_{mode}", big,
                              {"small_cpu_s": small.cpu_s, "us_per_request": per_req,
                               "sim_cpu_share": watch.max_share, **fig})  # fmt: skip
                    if mode == "paced" and fig.get("dispatch_p99_ms") is not None:
                        figures[peer.name]["dispatch_p99_ms"] = fig["dispatch_p99_ms"]
                    if big.rc == 0 and small.rc == 0:
                        figures[peer.name][f"cpu_us_per_request_{mode}"] = per_req
                        figures[peer.name][f"cpu_us_per_event_{mode}"] = (
                            per_req / events_per_request
                        )
                    log(f"{peer.name} {mode}: {per_req:.1f} us/request, {fig}")

            # 1b. CPU per extra streamed event: the closed loop again with longer streams; the
            # slope between the two lengths leaves out what every request costs once.
            sims.append(long_sim := Simulator(0.0, 0.0, output_len=args.long_output_len))
            short_len = OUTPUT_LEN
            set_output_len(args.long_output_len)
            try:
                ours["closed_long"] = long = median_run([long_sim], closed, args.ours_reps)
                log(f"ours closed loop, {args.long_output_len} tokens: {long}")
                extra_events = long["events"] / long["requests"] - events_per_request
                figures["ours"]["cpu_us_per_extra_event"] = (
                    long["cpu_us_per_request"] - ours["closed"]["cpu_us_per_request"]
                ) / extra_events
                for peer in peers:
                    small_long = baseline(peer, long_sim)
                    big, fig = peer.run(long_sim, peer_n, args.cpu_concurrency, None)
                    per_req = (big.cpu_s - small_long.cpu_s) / (peer_n - args.peer_small) * 1e6
                    peer_note(peer, "cpu_closed_long", big, {"us_per_request": per_req, **fig})
                    short = figures[peer.name].get("cpu_us_per_request_closed")
                    if big.rc == 0 and small_long.rc == 0 and short is not None:
                        figures[peer.name]["cpu_us_per_extra_event"] = (
                            per_req - short
                        ) / extra_events
                    log(f"{peer.name} closed, {args.long_output_len} tokens: {per_req:.1f} us/req")
            finally:
                set_output_len(short_len)

        # 2. Highest sustained rate.
        if "rate" not in skip:
            rate_sims = sims + [Simulator(0.0, 0.0) for _ in range(args.sims - 1)]
            sims = rate_sims
            steps: list[dict[str, Any]] = []
            best = None
            for rate in [float(r) for r in args.rates.split(",") if r]:
                n = max(int(rate * args.rate_duration), 50)
                prof = LoadProfile(request_rate=rate, burstiness=0.0, num_prompts=n, warmup=16)
                res = ours_run(rate_sims, prof)
                ach = res["achieved_rps"] or 0.0
                ok = res["failed"] == 0 and abs(ach / rate - 1) <= 0.01
                steps.append({"target_rps": rate, "ok": ok, **res})
                log(f"ours rate {rate:g}: achieved {ach:.1f} ok={ok} "
                    f"cpu/req {res['cpu_us_per_request']:.0f} us "
                    f"dispatch p99 {fmt(res['dispatch_p99_ms'])} ms "
                    f"sim cpu {res['sim_cpu_share']:.2f}")  # fmt: skip
                if ok:
                    best = rate
                else:
                    break
            ours["rate_steps"] = steps
            figures["ours"]["max_rate_rps"] = best
            peer_rates = [float(r) for r in args.peer_rates.split(",") if r] or [
                float(s["target_rps"]) for s in steps
            ]
            for peer in [p for p in peers if p.can_pace_constant]:
                peer_best = None
                for rate in peer_rates:
                    n = max(int(rate * args.rate_duration), 50)
                    with SimWatch([instant]) as watch:
                        run, fig = peer.run(instant, n, None, rate, constant=True)
                    ach = fig.get("achieved_rps") or 0.0
                    ok = run.rc == 0 and not fig.get("failed") and abs(ach / rate - 1) <= 0.01
                    peer_note(
                        peer,
                        "rate",
                        run,
                        {"target_rps": rate, "ok": ok, "sim_cpu_share": watch.max_share, **fig},
                    )
                    log(f"{peer.name} rate {rate:g}: achieved {ach:.1f} ok={ok}")
                    if not ok:
                        break
                    peer_best = rate
                figures[peer.name]["max_rate_rps"] = peer_best

        # 3. Timing fidelity.
        if "fidelity" not in skip:
            sim = Simulator(args.ttft, args.itl, stamp=True)
            sims.append(sim)
            prof = LoadProfile(
                concurrency=args.fidelity_streams,
                num_prompts=args.fidelity_requests,
                warmup=args.fidelity_streams,
            )
            res = ours_run([sim], prof)
            ours["fidelity"] = res
            for key in (
                "ttft_true_err_median_ms",
                "ttft_true_err_p99_ms",
                "itl_true_err_median_ms",
                "sim_ttft_median_ms",
                "sim_ttft_p99_ms",
            ):
                figures["ours"][key] = res.get(key)  # fmt: skip
            log(f"ours fidelity: {res}")
            results = {"ours": res}
            for peer in peers:
                with SimWatch([sim]) as watch:
                    run, fig = peer.run(sim, args.fidelity_requests, args.fidelity_streams, None)
                peer_note(peer, "fidelity", run, {"sim_cpu_share": watch.max_share, **fig})
                log(f"{peer.name} fidelity: {fig}")
                if run.rc == 0:
                    results[peer.name] = fig
            for name, fig in results.items():
                figures[name]["fidelity_rps"] = fig.get("achieved_rps")
                for key, truth in (("ttft_median", args.ttft), ("ttft_p99", args.ttft),
                                   ("itl_median", args.itl)):  # fmt: skip
                    value = fig.get(f"{key}_ms")
                    if value is not None:
                        figures[name][f"{key}_err_ms"] = value - truth * 1e3

        # 4. Memory per in-flight stream.
        if "memory" not in skip:
            sim = Simulator(args.mem_ttft, 0.0)
            sims.append(sim)
            res = ours_memory(sim, args.mem_streams, args.mem_ttft * 0.8)
            ours["memory"] = res
            figures["ours"]["mem_kib_per_stream"] = res["kib_per_stream"]
            log(f"ours memory: {res}")
            for peer in peers:
                if peer.name not in baselines:
                    baselines[peer.name], _ = peer.run(instant, args.peer_small, 1, None)
                small = baselines[peer.name]
                big, fig = peer.run(sim, args.mem_streams, args.mem_streams, None)
                per = (big.peak_rss - small.peak_rss) / 1024 / args.mem_streams
                peer_note(
                    peer,
                    "memory",
                    big,
                    {"small_peak_rss_mib": small.peak_rss / 2**20, "kib_per_stream": per, **fig},
                )
                if big.rc == 0 and small.rc == 0:
                    figures[peer.name]["mem_kib_per_stream"] = per
                log(f"{peer.name} memory: {per:.1f} KiB/stream")

        # 5. Where our CPU goes.
        if args.profile_top and "cpu" not in skip:
            prof = LoadProfile(concurrency=args.cpu_concurrency, num_prompts=args.cpu_requests)
            report["profile"] = ours_profile(instant, prof, args.profile_top)
    finally:
        for sim in sims:
            sim.stop()

    report["figures"] = figures
    report["elapsed_s"] = time.monotonic() - t_start
    report["load_1m_end"] = os.getloadavg()[0]
    names = [p.name for p in peers]
    text = table(figures, names)
    report["table"] = text
    Path(args.out).write_text(json.dumps(report, indent=2, default=str))
    print()
    print(text)
    for name, info in report["peers"].items():
        print(f"peer {name}: {info['status']}")
    if "profile" in report:
        print("\ncProfile of our closed-loop run (by own time):\n" + report["profile"])
    print(f"\nJSON: {args.out}; {report['elapsed_s']:.0f} s; start {report['machine']}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
