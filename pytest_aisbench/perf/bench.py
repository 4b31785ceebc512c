"""What the ``aisbench_perf`` fixture gives a test: load runs against the item's backend.

A run sends a workload through the same backend classes and transport as the accuracy suites,
on its own event loop, with the load profile the test asks for; then (outside the hot path) it
counts tokens the server did not report, and summarizes the measured requests with vLLM's
metric definitions. Each run is kept for the session's report, tables and SLO gates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_aisbench.config import ModelConfig
from pytest_aisbench.engine import run_coroutine
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models.api_models.base_api import BaseAPIModel
from pytest_aisbench.models.api_models.vllm_custom_api import VLLMCustomAPI
from pytest_aisbench.perf.loadgen import LoadProfile, RampUp, run_load
from pytest_aisbench.perf.metrics import PerfResult, RequestTiming, format_perf_table, summarize
from pytest_aisbench.perf.slo import Slo, SloVerdict, evaluate_slos
from pytest_aisbench.perf.workloads import (
    WorkloadItem,
    gsm8k_prompts,
    sharegpt_prompts,
    synthetic_prompts,
)
from pytest_aisbench.progress import ProgressLine
from pytest_aisbench.tokens import TokenCounter, fill_output_tokens
from pytest_aisbench.utils.prompt import PromptType

WORKLOADS = ("gsm8k", "synthetic", "sharegpt")


@dataclass(frozen=True)
class PerfRun:
    """One finished load run of a test item."""

    name: str
    result: PerfResult
    profile: LoadProfile
    schedule: tuple[float, ...]
    """Planned send offsets in seconds (the arrival process, for the record)."""
    verdicts: tuple[SloVerdict, ...]

    def to_dict(self) -> dict[str, Any]:
        """The run for the JSON report and xdist: figures, table lines, load and verdicts."""
        return {
            "name": self.name,
            "result": self.result.as_dict(),
            "table": format_perf_table(self.name, self.result),
            "profile": {k: _jsonable(v) for k, v in vars(self.profile).items()},
            "schedule_s": list(self.schedule),
            "slos": [
                {
                    "expression": v.slo.expression,
                    "passed": v.passed,
                    "actual": v.actual,
                    "explain": v.explain(),
                }
                for v in self.verdicts
            ],
        }


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, float) and not math.isfinite(value) else value


class PerfBench:
    """Runs load against one backend; `run` returns the `PerfResult` to assert on."""

    def __init__(
        self,
        name: str,
        model: ModelConfig,
        datasets_dir: Path,
        slos: list[Slo],
        goodput_ms: dict[str, float],
        progress: ProgressLine | None = None,
    ) -> None:
        if model.attr != "service":
            raise ConfigError(f"backend {model.abbr!r} is local; performance needs a service")
        self.name = name
        self.model = model
        self.datasets_dir = datasets_dir
        self.slos = slos
        self.goodput_ms = goodput_ms
        self.progress = progress
        self.runs: list[PerfRun] = []

    def run(
        self,
        *,
        workload: str = "gsm8k",
        num_prompts: int | None = 32,
        duration_s: float | None = None,
        concurrency: int | None = None,
        request_rate: float = math.inf,
        burstiness: float = 1.0,
        ramp_up: RampUp = "none",
        ramp_up_start_rps: float | None = None,
        ramp_up_end_rps: float | None = None,
        seed: int = 0,
        warmup: int = 0,
        max_out_len: int | None = None,
        input_len: int = 128,
        output_len: int = 64,
        range_ratio: float = 0.0,
        sharegpt_path: str | Path | None = None,
        ignore_eos: bool | None = None,
        goodput_ms: dict[str, float] | None = None,
    ) -> PerfResult:
        """Send a workload with a load profile and measure it (see the README's perf section).

        `workload` is ``gsm8k`` (4-shot chat or string prompts, by backend), ``synthetic``
        (seeded `input_len`/`output_len` tokens, token-exact with the backend's ``path``) or
        ``sharegpt`` (`sharegpt_path`). `ignore_eos` defaults to on for synthetic prompts on
        OpenAI-compatible backends, so outputs have the asked length.
        """
        profile = LoadProfile(
            concurrency=concurrency, request_rate=request_rate, burstiness=burstiness,
            ramp_up=ramp_up, ramp_up_start_rps=ramp_up_start_rps,
            ramp_up_end_rps=ramp_up_end_rps, seed=seed, num_prompts=num_prompts,
            duration_s=duration_s, warmup=warmup,
        )  # fmt: skip
        prompts = self._prompts(workload, num_prompts or 64, seed, input_len, output_len,
                                range_ratio, sharegpt_path)  # fmt: skip
        backend = self.model.build()
        assert isinstance(backend, BaseAPIModel)
        if ignore_eos is None:
            ignore_eos = workload == "synthetic" and isinstance(backend, VLLMCustomAPI)
        if ignore_eos:
            backend.generation_kwargs = {**backend.generation_kwargs, "ignore_eos": True}
        limit = max_out_len or int(self.model.settings.get("max_out_len", 512))
        try:
            load = run_coroutine(_run_and_close(backend, prompts, profile, limit, self.progress))
        finally:
            if self.progress is not None:
                self.progress.finish()
        path = str(self.model.settings.get("path") or "")
        counter = TokenCounter(path) if path else None
        for output in load.outputs:
            fill_output_tokens(output, counter)
        timings = [RequestTiming.from_output(output) for output in load.outputs]
        result = summarize(timings, goodput_ms if goodput_ms is not None else self.goodput_ms)
        name = self.name if not self.runs else f"{self.name} (run {len(self.runs) + 1})"
        self.runs.append(
            PerfRun(name, result, profile, tuple(load.schedule),
                    tuple(evaluate_slos(self.slos, result)))
        )  # fmt: skip
        return result

    def _prompts(
        self,
        workload: str,
        count: int,
        seed: int,
        input_len: int,
        output_len: int,
        range_ratio: float,
        sharegpt_path: str | Path | None,
    ) -> list[PromptType] | list[WorkloadItem]:
        path = str(self.model.settings.get("path") or "") or None
        if workload == "gsm8k":  # chat turns; each backend's template parser renders them
            return gsm8k_prompts(self.datasets_dir, chat=True)
        if workload == "synthetic":
            return synthetic_prompts(count, input_len, output_len, seed, path, range_ratio)
        if workload == "sharegpt":
            if sharegpt_path is None:
                raise ConfigError("workload 'sharegpt' needs sharegpt_path=<file.json>")
            return sharegpt_prompts(sharegpt_path, count, seed, path)
        raise ConfigError(f"unknown workload {workload!r}; allowed: {', '.join(WORKLOADS)}")


async def _run_and_close(
    backend: BaseAPIModel,
    prompts: list[PromptType] | list[WorkloadItem],
    profile: LoadProfile,
    max_out_len: int,
    on_progress: ProgressLine | None,
) -> Any:
    try:
        return await run_load(backend, prompts, profile, max_out_len, on_progress)
    finally:
        await backend.aclose()
