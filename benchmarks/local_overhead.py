"""The harness's overhead over ``model.generate`` for a local model, and what grouping buys.

For each batch size it runs the GSM8K questions through the accuracy engine with ``hf_chat``'s
class on SmolLM2-135M-Instruct (records, scoring and all), timing every ``model.generate`` call
inside, then calls ``model.generate`` directly on the same batches (the same prompts, padded by
the tokenizer). Overhead = (engine wall - time inside generate) / engine wall; the goal is
under 5 %. Then tokens per second with the engine's length grouping and without it.

Needs a quiet machine: the figures are wall times of a CPU model. Run::

    .venv/bin/python benchmarks/local_overhead.py --samples 16 --batch-sizes 1,4,16

The model loads once, before any timing.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pytest_aisbench.config import ModelConfig, validate_model  # noqa: E402
from pytest_aisbench.engine.accuracy import Engine, by_length  # noqa: E402
from pytest_aisbench.models import HuggingFacewithChatTemplate  # noqa: E402

DATASET = "gsm8k_gen_4_shot_cot_chat_prompt"
CACHE = Path(os.environ.get("AISBENCH_CACHE_DIR", Path.home() / ".cache" / "pytest-aisbench"))


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
    engine = Engine([config], datasets_dir(), {(config.abbr, DATASET): list(range(samples))})
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


def direct_run(backend: Any, samples: int, batch_size: int, max_out: int) -> float:
    """``model.generate`` on the engine's batches (grouped longest first), nothing else."""
    from pytest_aisbench.datasets import get_dataset_config

    loaded = by_length(get_dataset_config(DATASET).load(datasets_dir())[:samples])
    texts = [backend.render(backend.parse_template(s.prompt, mode="gen")) for s in loaded]
    tokenizer, model = backend.tokenizer, backend.model
    started = time.perf_counter()
    for i in range(0, len(texts), batch_size):
        batch = tokenizer(texts[i : i + batch_size], return_tensors="pt", padding=True,
                          add_special_tokens=False)  # fmt: skip
        model.generate(**batch, do_sample=False, max_new_tokens=max_out,
                       pad_token_id=tokenizer.pad_token_id)  # fmt: skip
    return time.perf_counter() - started


def datasets_dir() -> Path:
    default = REPO.parent / "shared" / "datasets"
    return Path(os.environ.get("AISBENCH_DATASETS_DIR", default))


def config_for(cls: type, path: str, batch_size: int, max_out: int) -> ModelConfig:
    entry = {"attr": "local", "type": cls, "abbr": "hf_chat", "path": path,
             "batch_size": batch_size, "max_out_len": max_out}  # fmt: skip
    return validate_model(entry, "benchmarks/local_overhead.py")


def measure(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    backend: Any = config_for(HuggingFacewithChatTemplate, args.path, 1, args.max_out).build()
    result: dict[str, Any] = {"load_s": round(time.perf_counter() - started, 2), "runs": []}
    timed = Timed(backend.model.generate)
    backend.model.generate = timed
    for size in args.batch_sizes:
        for cls in (HuggingFacewithChatTemplate, Ungrouped):
            timed.seconds, timed.calls = 0.0, 0
            wall, records = engine_run(config_for(cls, args.path, size, args.max_out), backend,
                                       args.samples)  # fmt: skip
            tokens = sum(r.output_tokens or 0 for r in records)
            row = {"batch_size": size, "grouped": cls.group_by_length, "wall_s": round(wall, 2),
                   "in_generate_s": round(timed.seconds, 2), "calls": timed.calls,
                   "overhead_pct": round(100 * (wall - timed.seconds) / wall, 2),
                   "tokens": tokens, "tokens_per_s": round(tokens / wall, 1)}  # fmt: skip
            if cls.group_by_length:
                backend.model.generate = timed.generate
                row["direct_s"] = round(direct_run(backend, args.samples, size, args.max_out), 2)
                backend.model.generate = timed
            result["runs"].append(row)
            print(json.dumps(row), flush=True)
    backend.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=str(CACHE / "smollm2-hf"))
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--max-out", type=int, default=32)
    parser.add_argument("--batch-sizes", type=lambda t: [int(x) for x in t.split(",")],
                        default=[1, 4, 16])  # fmt: skip
    parser.add_argument("--out", type=Path, default=None, help="write the runs as JSON here")
    args = parser.parse_args()
    result = measure(args)
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
