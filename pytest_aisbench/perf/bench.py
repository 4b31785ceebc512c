"""What the ``aisbench_perf`` fixture gives a test: load runs against the item's backend.

`PerfBench.run` takes the load and workload as keywords, runs them through `perf.run` with the
session's SLOs and goodput limits, keeps each `PerfRun` for the report, tables and gates, and
returns the figures to assert on.
"""

from __future__ import annotations

import math
from pathlib import Path

from pytest_aisbench.config import ModelConfig
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.perf.loadgen import LoadProfile, RampUp
from pytest_aisbench.perf.measure import PerfRun, Workload, run
from pytest_aisbench.perf.metrics import PerfResult
from pytest_aisbench.perf.slo import Slo
from pytest_aisbench.progress import ProgressLine


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
        """Send a workload with a load profile and measure it (see the README's perf section
        and `Workload`, `LoadProfile` for the keywords)."""
        profile = LoadProfile(
            concurrency=concurrency, request_rate=request_rate, burstiness=burstiness,
            ramp_up=ramp_up, ramp_up_start_rps=ramp_up_start_rps,
            ramp_up_end_rps=ramp_up_end_rps, seed=seed, num_prompts=num_prompts,
            duration_s=duration_s, warmup=warmup,
        )  # fmt: skip
        spec = Workload(
            kind=workload, datasets_dir=self.datasets_dir, input_len=input_len,
            output_len=output_len, range_ratio=range_ratio, sharegpt_path=sharegpt_path,
            ignore_eos=ignore_eos,
        )  # fmt: skip
        name = self.name if not self.runs else f"{self.name} (run {len(self.runs) + 1})"
        try:
            measured = run(
                self.model, spec, profile, max_out_len=max_out_len, slos=self.slos,
                goodput_ms=goodput_ms if goodput_ms is not None else self.goodput_ms,
                name=name, on_progress=self.progress,
            )  # fmt: skip
        finally:
            if self.progress is not None:
                self.progress.finish()
        self.runs.append(measured)
        assert measured.result is not None
        return measured.result
