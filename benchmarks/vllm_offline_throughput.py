"""``vllm_offline_vl`` against ``vllm bench throughput``: the same prompts, the same venv, a ratio.

Run it with the vLLM venv's Python (``scripts/setup_vllm.sh`` installs the plugin there)::

    ~/.cache/pytest-aisbench/vllm-venv/bin/python benchmarks/vllm_offline_throughput.py \\
        --num-prompts 32 --output-len 64 --reps 3 --out /tmp/vllm_offline_throughput.json

The prompts are the first ``--num-prompts`` GSM8K test questions, zero-shot, one user turn each
(the 4-shot prompts exceed the 1,024-token prompt cap of vLLM's ShareGPT reader). Ours: one
`VLLMOfflineVLModel` built once, then one ``generate`` call per repetition with all prompts,
sampling as ``vllm bench throughput`` does (``temperature=1``, ``ignore_eos``, exactly
``--output-len`` tokens). Theirs: ``vllm bench throughput`` on a ShareGPT-format file holding
each prompt as our backend renders it (the chat template applied), so both send the same token
ids. Both time only the generation (not the engine's start). The two alternate over the
repetitions (ours, theirs, theirs, ours, ...) so slow drift of the machine cancels; the report
gives each side's median total tokens per second (prompt and output, vLLM's
``tokens_per_second``) and the ratio ours / theirs. It wants a quiet machine: both engines use
every core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_env import DATASETS_DIR, MODEL_DIR, VLLM_BOOTSTRAP, VLLM_PYTHON

from pytest_aisbench.config import validate_model
from pytest_aisbench.datasets.gsm8k import GSM8K_FOLDER, read_problems
from pytest_aisbench.models import VLLMOfflineVLModel
from pytest_aisbench.models.output import GeneratedText
from pytest_aisbench.utils.prompt import PromptList

CPU_ENV = {
    "VLLM_CPU_KVCACHE_SPACE": "1",
    "VLLM_CPU_OMP_THREADS_BIND": "0-1",
    "VLLM_CPU_NUM_OF_RESERVED_CPU": "0",
    "VLLM_NO_USAGE_STATS": "1",
    "HF_HUB_OFFLINE": "1",
}
ENGINE = {"enforce_eager": True, "max_num_seqs": 8, "max_model_len": 2048}


def prompts(datasets_dir: Path, count: int) -> list[PromptList]:
    problems = read_problems(datasets_dir / GSM8K_FOLDER / "test.jsonl")[:count]
    return [PromptList([{"role": "HUMAN", "prompt": p.question}]) for p in problems]


def ours(model: VLLMOfflineVLModel, rendered: list[Any], output_len: int) -> dict[str, float]:
    """One generate call over every prompt; total tokens per second, as vLLM counts them."""
    started = time.perf_counter()
    answers = model.generate(rendered, output_len)
    elapsed = time.perf_counter() - started
    counts = [(a.input_tokens, a.output_tokens) for a in answers if isinstance(a, GeneratedText)]
    tokens = sum(int(i or 0) + int(o or 0) for i, o in counts)
    return {
        "elapsed_time": elapsed,
        "total_num_tokens": tokens,
        "tokens_per_second": tokens / elapsed,
    }


def theirs(dataset: Path, count: int, output_len: int, out: Path) -> dict[str, float]:
    """``vllm bench throughput`` in its own process, on the same rendered prompts."""
    command = [
        str(VLLM_PYTHON), "-c", VLLM_BOOTSTRAP, "bench", "throughput",
        "--model", str(MODEL_DIR), "--dataset-name", "sharegpt", "--dataset-path", str(dataset),
        "--num-prompts", str(count), "--output-len", str(output_len),
        "--enforce-eager", "--max-num-seqs", str(ENGINE["max_num_seqs"]),
        "--max-model-len", str(ENGINE["max_model_len"]), "--output-json", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, env={**os.environ, **CPU_ENV}, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(
            f"vllm bench throughput failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    result: dict[str, float] = json.loads(out.read_text())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-prompts", type=int, default=32)
    parser.add_argument("--output-len", type=int, default=64)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--datasets-dir", type=Path, default=DATASETS_DIR)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if Path(sys.executable).resolve() != VLLM_PYTHON.resolve():
        raise SystemExit(f"run this with the vLLM venv's Python: {VLLM_PYTHON} {sys.argv[0]}")
    os.environ.update(CPU_ENV)
    entry = {"attr": "local", "type": VLLMOfflineVLModel, "abbr": "vllm_offline_vl",
             "path": str(MODEL_DIR), "model_kwargs": ENGINE, "max_out_len": args.output_len,
             "sample_kwargs": {"temperature": 1.0, "ignore_eos": True}}  # fmt: skip
    model = validate_model(entry, __file__).build()
    assert isinstance(model, VLLMOfflineVLModel)
    rendered = [
        model.parse_template(p, "gen") for p in prompts(args.datasets_dir, args.num_prompts)
    ]
    model.generate(rendered[:2], 4)  # warm-up, as vllm bench's own
    with tempfile.TemporaryDirectory() as tmp:
        dataset = Path(tmp) / "prompts.json"
        texts = [model.tokenizer.decode(model.request(p)["prompt_token_ids"]) for p in rendered]
        dataset.write_text(json.dumps([
            {"id": str(i), "conversations": [{"from": "human", "value": text},
                                             {"from": "gpt", "value": "x"}]}
            for i, text in enumerate(texts)
        ]))  # fmt: skip
        runs: dict[str, list[dict[str, float]]] = {"ours": [], "vllm": []}
        for rep in range(args.reps):
            order = ("ours", "vllm") if rep % 2 == 0 else ("vllm", "ours")
            for side in order:
                if side == "ours":
                    runs[side].append(ours(model, rendered, args.output_len))
                else:
                    out = Path(tmp) / f"vllm_{rep}.json"
                    runs[side].append(theirs(dataset, args.num_prompts, args.output_len, out))
                print(side, rep, json.dumps(runs[side][-1]), flush=True)
    model.close()
    median = {side: statistics.median(r["tokens_per_second"] for r in runs[side]) for side in runs}
    report = {
        "num_prompts": args.num_prompts,
        "output_len": args.output_len,
        "reps": args.reps,
        "runs": runs,
        "median_tokens_per_second": median,
        "ratio_ours_over_vllm": median["ours"] / median["vllm"],
        "load_average": os.getloadavg(),
    }
    print(json.dumps({k: report[k] for k in ("median_tokens_per_second", "ratio_ours_over_vllm",
                                             "load_average")}))  # fmt: skip
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
