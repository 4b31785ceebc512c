"""`run`: one load run against one backend, measured; the public, pytest-free entry point.

A run sends a workload through the same backend classes and transports as the accuracy
suites, on its own event loop, with a load profile; then (outside the hot path) counts the
tokens the server did not report, summarizes the measured requests with vLLM's metric
definitions and judges the SLOs. The result is a frozen `PerfRun` that travels between
processes as a dict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_aisbench.config import ModelConfig
from pytest_aisbench.engine.loop import run_coroutine
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models.api_models.base_api import BaseAPIModel
from pytest_aisbench.perf.loadgen import LoadProfile, LoadRun, ProgressCallback, run_load
from pytest_aisbench.perf.metrics import (
    PerfResult,
    RequestTiming,
    request_timeline,
    summarize,
)
from pytest_aisbench.perf.slo import Slo, SloVerdict, evaluate_slos
from pytest_aisbench.perf.table import format_perf_table
from pytest_aisbench.perf.workloads import (
    WorkloadItem,
    gsm8k_prompts,
    sharegpt_prompts,
    synthetic_prompts,
)
from pytest_aisbench.tokens import NO_TOKEN_COUNT, OutputTokenCounting
from pytest_aisbench.utils.prompt import PromptType

WORKLOADS = ("gsm8k", "synthetic", "sharegpt")
DEFAULT_PROMPTS = 64
"""Prompts made for a run that gives no ``num_prompts`` (a duration-bound run cycles them)."""


@dataclass(frozen=True)
class Workload:
    """What a run sends.

    ``gsm8k``: the 4-shot GSM8K prompts (from `datasets_dir`), as chat turns each backend's
    template parser renders; ``synthetic``: seeded prompts of `input_len` tokens asking for
    `output_len` (token-exact with the backend's ``path``), lengths spread by `range_ratio`;
    ``sharegpt``: conversations from `sharegpt_path`. `ignore_eos` (None: on for synthetic
    prompts where the backend supports it) makes outputs as long as asked.
    """

    kind: str = "gsm8k"
    datasets_dir: Path | None = None
    input_len: int = 128
    output_len: int = 64
    range_ratio: float = 0.0
    sharegpt_path: str | Path | None = None
    ignore_eos: bool | None = None

    def __post_init__(self) -> None:
        if self.kind not in WORKLOADS:
            raise ConfigError(f"unknown workload {self.kind!r}; allowed: {', '.join(WORKLOADS)}")
        if self.kind == "sharegpt" and self.sharegpt_path is None:
            raise ConfigError("workload 'sharegpt' needs sharegpt_path=<file.json>")
        if self.kind == "gsm8k" and self.datasets_dir is None:
            raise ConfigError("workload 'gsm8k' needs datasets_dir (the folder of gsm8k/)")

    def prompts(
        self, count: int, seed: int, path: str | None
    ) -> list[PromptType] | list[WorkloadItem]:
        """`count` prompts (gsm8k: all of them); `path` is the tokenizer of the backend."""
        if self.kind == "gsm8k":
            assert self.datasets_dir is not None
            return gsm8k_prompts(self.datasets_dir, chat=True)
        if self.kind == "synthetic":
            return synthetic_prompts(count, self.input_len, self.output_len, seed, path,
                                     self.range_ratio)  # fmt: skip
        assert self.sharegpt_path is not None
        return sharegpt_prompts(self.sharegpt_path, count, seed, path)


@dataclass(frozen=True)
class PerfRun:
    """One finished, measured load run: what the report, the tables and the gates need.

    ``result`` (every sample) exists only in the process that ran it; ``summary`` is its flat
    figures (`PerfResult.as_dict`), which is what travels to the xdist controller.
    """

    name: str
    summary: Mapping[str, Any]
    profile: Mapping[str, Any]
    schedule_s: tuple[float, ...]
    """Planned send offsets in seconds (the arrival process, for the record)."""
    verdicts: tuple[SloVerdict, ...] = ()
    result: PerfResult | None = field(default=None, compare=False, repr=False)
    requests: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)
    """Each measured request on the run's own clock (`request_timeline`): what the HTML report
    draws its distributions and timelines from; it travels with the dict, unlike ``result``."""
    model: str = ""
    """The backend's abbr (the HTML report draws one sweep per model)."""

    @property
    def passed(self) -> bool:
        return all(verdict.passed for verdict in self.verdicts)

    def table(self) -> list[str]:
        return format_perf_table(self.name, self.summary)

    def to_dict(self) -> dict[str, Any]:
        """The run for the JSON report and xdist: figures, table lines, load and verdicts."""
        return {
            "name": self.name,
            "model": self.model,
            "result": dict(self.summary),
            "table": self.table(),
            "profile": dict(self.profile),
            "schedule_s": list(self.schedule_s),
            "slos": [verdict.to_dict() for verdict in self.verdicts],
            "requests": [dict(request) for request in self.requests],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PerfRun:
        return cls(
            name=str(data["name"]),
            summary=dict(data["result"]),
            profile=dict(data["profile"]),
            schedule_s=tuple(float(x) for x in data["schedule_s"]),
            verdicts=tuple(SloVerdict.from_dict(v) for v in data["slos"]),
            requests=tuple(dict(r) for r in data.get("requests", ())),
            model=str(data.get("model", "")),
        )


def run(
    model: ModelConfig,
    workload: Workload,
    profile: LoadProfile,
    *,
    max_out_len: int | None = None,
    slos: Sequence[Slo] = (),
    goodput_ms: Mapping[str, float] | None = None,
    name: str = "perf",
    on_progress: ProgressCallback | None = None,
) -> PerfRun:
    """Send `workload` to the service backend `model` as `profile` says, and measure it.

    `max_out_len` defaults to the backend's key (512 without one); `goodput_ms` are the
    per-request limits of goodput (``{"ttft": 500}``); `on_progress(sent, finished, failed)`.
    """
    if model.attr != "service":
        raise ConfigError(f"backend {model.abbr!r} is local; performance needs a service")
    path = str(model.settings.get("path") or "") or None
    prompts = workload.prompts(profile.num_prompts or DEFAULT_PROMPTS, profile.seed, path)
    backend = model.build()
    assert isinstance(backend, BaseAPIModel)
    ignore_eos = workload.ignore_eos
    if ignore_eos is None:
        ignore_eos = workload.kind == "synthetic" and backend.supports_ignore_eos
    if ignore_eos:
        backend.generation_kwargs = {**backend.generation_kwargs, "ignore_eos": True}
    limit = max_out_len or int(model.settings.get("max_out_len", 512))
    load = run_coroutine(_run_and_close(backend, prompts, profile, limit, on_progress))
    counting = OutputTokenCounting(path or "")
    for output in load.outputs:
        counting.fill(output)
    timings = [RequestTiming.from_output(output) for output in load.outputs]
    result = summarize(timings, goodput_ms or {})
    summary = result.as_dict()
    if counting.problem:  # the table says which figures lack counts, and why
        summary["token_note"] = f"{NO_TOKEN_COUNT}: {counting.problem}"
    return PerfRun(
        name=name,
        summary=summary,
        profile={key: _jsonable(value) for key, value in vars(profile).items()},
        schedule_s=tuple(load.schedule),
        verdicts=tuple(evaluate_slos(slos, result)),
        result=result,
        requests=tuple(request_timeline(timings)),
        model=model.abbr,
    )


async def _run_and_close(
    backend: BaseAPIModel,
    prompts: Sequence[PromptType | WorkloadItem],
    profile: LoadProfile,
    max_out_len: int,
    on_progress: ProgressCallback | None,
) -> LoadRun:
    try:
        return await run_load(backend, prompts, profile, max_out_len, on_progress)
    finally:
        await backend.aclose()


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, float) and not math.isfinite(value) else value
