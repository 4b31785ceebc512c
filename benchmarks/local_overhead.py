"""The harness's overhead over ``model.generate`` for a local model, and what grouping buys.

For each batch size it runs the GSM8K questions through the accuracy engine with ``hf_chat``'s
class on SmolLM2-135M-Instruct (records, scoring and all), timing every ``model.generate`` call
inside; it also calls ``model.generate`` alone on the same batches (the harness's token ids,
padded on the left by the tokenizer, made before the clock); and it runs the engine with length
grouping off. The three alternate, in a rotated order, for ``--reps`` rounds; the summary has
their medians. Overhead = (engine wall - generate alone) / engine wall, goal under 5 %; the time
outside ``generate`` within the engine's run is given too. Tokens per second with and without
grouping.

Needs a quiet machine: the figures are wall times of a CPU model. Run::

    .venv/bin/python benchmarks/local_overhead.py --samples 16 --batch-sizes 1,4,16 \
        --dtype float32 --max-seq-len 768 --reps 3 --out local_overhead.json

(bf16, the model's own dtype, is several times slower on a CPU without bf16 instructions;
``--max-seq-len`` cuts the 4-shot prompts, ~1,500 tokens, as the backend key does.)
The model loads once, before any timing.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench_env import DATASETS_DIR, MODEL_DIR

from pytest_aisbench.config import ModelConfig, validate_model
from pytest_aisbench.engine.accuracy import Engine, by_length
from pytest_aisbench.models import HuggingFacewithChatTemplate

DATASET = "gsm8k_gen_4_shot_cot_chat_prompt"


class Ungrouped(HuggingFacewithChatTemplate):
    """``hf_chat``'s class with length grouping off: batches in dataset order."""

    group_by_length = False


@dataclass
class Timed:
    """Wraps ``model.generate``: the seconds spent inside it, and the batches it was given."""

    generate: Any
    seconds: float = 0.0
    calls: int = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.generate(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1


def engine_run(config: ModelConfig, backend: Any, samples: int) -> tuple[float, list[Any]]:
    """The engine over the first `samples` questions with `backend` already built."""
    engine = Engine([config], DATASETS_DIR, {(config.abbr, DATASET): list(range(samples))})
    engine._runners[config.abbr]._instance = backend  # built once, before the clock
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        records = pool.submit(
            lambda: [engine.record(config.abbr, DATASET, i) for i in range(samples)]
        ).result()
    wall = time.perf_counter() - started
    engine._runners[config.abbr]._instance = None  # keep the model: the engine must not close it
    engine.close()
    return wall, records


def direct_batches(backend: Any, samples: int, batch_size: int, max_out: int) -> list[Any]:
    """The engine's batches (grouped longest first) as the tokenizer pads them, made before
    the clock: the same token ids the harness sends (chat template, prompts cut to fit)."""
    from pytest_aisbench.datasets import get_dataset_config

    loaded = by_length(get_dataset_config(DATASET).load(DATASETS_DIR)[:samples])
    rows = [backend.encode_prompt(backend.parse_template(s.prompt, mode="gen"), max_out)
            for s in loaded]  # fmt: skip
    return [
        backend.tokenizer.pad(
            {"input_ids": rows[i : i + batch_size]}, padding_side="left", return_tensors="pt"
        )
        for i in range(0, len(rows), batch_size)
    ]


def direct_run(backend: Any, batches: list[Any], max_out: int) -> float:
    """``model.generate`` on `batches`, greedy, nothing else."""
    started = time.perf_counter()
    for batch in batches:
        backend.model.generate(**batch, do_sample=False, max_new_tokens=max_out,
                               pad_token_id=backend.tokenizer.pad_token_id)  # fmt: skip
    return time.perf_counter() - started


def config_for(args: argparse.Namespace, cls: type, batch_size: int) -> ModelConfig:
    entry = {"attr": "local", "type": cls, "abbr": "hf_chat", "path": args.path,
             "batch_size": batch_size, "max_out_len": args.max_out,
             "max_seq_len": args.max_seq_len,
             "model_kwargs": {"dtype": args.dtype}}  # fmt: skip
    return validate_model(entry, "benchmarks/local_overhead.py")


def one_pass(args: argparse.Namespace, backend: Any, timed: Timed, size: int, kind: str,
             batches: list[Any]) -> dict[str, Any]:  # fmt: skip
    """One timed pass of `kind`: the engine grouped or ungrouped, or generate alone."""
    if kind == "direct":
        backend.model.generate = timed.generate
        try:
            return {"kind": kind, "wall_s": direct_run(backend, batches, args.max_out)}
        finally:
            backend.model.generate = timed
    timed.seconds, timed.calls = 0.0, 0
    cls = HuggingFacewithChatTemplate if kind == "grouped" else Ungrouped
    wall, records = engine_run(config_for(args, cls, size), backend, args.samples)
    return {"kind": kind, "wall_s": wall, "in_generate_s": timed.seconds, "calls": timed.calls,
            "tokens": sum(r.output_tokens or 0 for r in records)}  # fmt: skip


def summary(size: int, passes: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the repetitions of each kind, and the overheads they give."""

    def median(kind: str, key: str) -> float:
        return statistics.median(p[key] for p in passes if p["kind"] == kind)

    engine, direct = median("grouped", "wall_s"), median("direct", "wall_s")
    inside = median("grouped", "in_generate_s")
    tokens = median("grouped", "tokens")
    return {
        "batch_size": size,
        "engine_s": round(engine, 2),
        "direct_s": round(direct, 2),
        "overhead_vs_direct_pct": round(100 * (engine - direct) / engine, 2),
        "outside_generate_pct": round(100 * (engine - inside) / engine, 2),
        "tokens_per_s_grouped": round(tokens / engine, 2),
        "tokens_per_s_ungrouped": round(
            median("ungrouped", "tokens") / median("ungrouped", "wall_s"), 2
        ),
    }


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Each batch size: `reps` rounds of (engine grouped, generate alone, engine ungrouped),
    the order rotated every round so that the machine's drift falls on each kind alike."""
    started = time.perf_counter()
    backend: Any = config_for(args, HuggingFacewithChatTemplate, 1).build()
    result: dict[str, Any] = {"load_s": round(time.perf_counter() - started, 2), "passes": [],
                              "summary": []}  # fmt: skip
    timed = Timed(backend.model.generate)
    backend.model.generate = timed
    kinds = ["grouped", "direct", "ungrouped"]
    for size in args.batch_sizes:
        batches = direct_batches(backend, args.samples, size, args.max_out)
        passes = []
        for rep in range(args.reps):
            for kind in kinds[rep % 3 :] + kinds[: rep % 3]:
                passes.append({"batch_size": size, "rep": rep,
                               **one_pass(args, backend, timed, size, kind, batches)})  # fmt: skip
                print(json.dumps(passes[-1]), flush=True)
        result["passes"] += passes
        result["summary"].append(summary(size, passes))
        print(json.dumps(result["summary"][-1]), flush=True)
    backend.close()
    result["load_average"] = os.getloadavg()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=str(MODEL_DIR))
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--max-out", type=int, default=32)
    parser.add_argument("--dtype", default="auto",
                        help="model_kwargs dtype: auto (the model's bf16) or float32, "
                        "several times faster on a CPU without bf16 instructions")  # fmt: skip
    parser.add_argument(
        "--max-seq-len",
        type=int,
        default=None,
        help="cut prompts to this minus --max-out tokens (shorter runs)",
    )
    parser.add_argument("--reps", type=int, default=3, help="rounds per batch size")
    parser.add_argument("--batch-sizes", type=lambda t: [int(x) for x in t.split(",")],
                        default=[1, 4, 16])  # fmt: skip
    parser.add_argument("--out", type=Path, default=None, help="write the runs as JSON here")
    args = parser.parse_args()
    result = measure(args)
    result["args"] = {k: str(v) for k, v in vars(args).items()}
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
