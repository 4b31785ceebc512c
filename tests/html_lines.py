"""Synthetic report lines for the HTML report's tests: every line type of the v2 contract,
two models, a perf sweep with per-request timings, and samples whose text fights HTML."""

from __future__ import annotations

import random
from typing import Any

Line = dict[str, Any]

HOSTILE = '</script><script>alert("x")</script><!-- & <b>bold</b>'
"""Text a prompt or an answer may hold: none of it may become markup in the page."""

MODELS = ("model_a", "model_b")
OUTCOMES = ("correct", "incorrect", "no_answer", "truncated", "error")


def sample(model: str, dataset: str, index: int, outcome: str, **extra: Any) -> Line:
    """A ``sample`` line with the contract's fields."""
    return {
        "type": "sample", "model": model, "dataset": dataset, "index": index,
        "outcome": outcome, "prediction": f"The answer is {index}.", "reasoning": "",
        "extracted": str(index), "reference": str(index if outcome == "correct" else -1),
        "error": "boom" if outcome == "error" else "", "finish_reason": "stop",
        "input_tokens": 10, "output_tokens": 5, "token_source": "usage", "attempts": 1,
        "ttft_s": 0.01, "e2el_s": 0.05, "min_accuracy": None, "notes": "", "error_kind": "",
        "prompt": [{"role": "user", "content": "Few-shot example."},
                   {"role": "user", "content": f"Question {index}?"}],
        "test_id": f"suite/test_gsm8k.py::test_sample[{model}-{dataset}-{index}]",
        **extra,
    }  # fmt: skip


def requests(count: int, ttft: float, itl: float, tokens: int, gap: float) -> list[Line]:
    """``count`` streamed requests sent `gap` seconds apart, the last one failed."""
    rng = random.Random(count)
    out = []
    for i in range(count):
        first = ttft * (1 + rng.random())
        gaps = [round(itl * (0.5 + rng.random()), 6) for _ in range(tokens - 1)]
        ok = i < count - 1
        out.append({
            "start_s": round(i * gap, 6), "ttft_s": round(first, 6) if ok else None,
            "e2el_s": round(first + sum(gaps), 6) if ok else None, "itl_s": gaps if ok else [],
            "input_tokens": 100, "output_tokens": tokens if ok else None, "ok": ok,
        })  # fmt: skip
    return out


def perf(
    item: str, concurrency: int | None, rate: float | str, throughput: float, model: str = ""
) -> Line:
    """A ``perf`` line of `model` with its figures, profile and requests."""
    return {
        "type": "perf", "item": item, "name": item.rsplit("::", 1)[-1], "model": model,
        "result": {"completed": 7, "failed": 1, "request_throughput": throughput / 16,
                   "output_throughput": throughput, "median_ttft_ms": 20 + throughput / 10,
                   "p99_ttft_ms": 40 + throughput / 5, "median_e2el_ms": 100 + throughput,
                   "p99_e2el_ms": 150 + 2 * throughput, "median_itl_ms": 5.0,
                   "p99_itl_ms": 9.0},
        "table": [f"{item} latency table", "TTFT p50 ..."],
        "profile": {"concurrency": concurrency, "request_rate": rate, "burstiness": 1.0,
                    "ramp_up": "none", "num_prompts": 8},
        "schedule_s": [0.0] * 8,
        "slos": [{"expression": "ttft_p99_ms<=1000", "passed": True, "actual": 30.0,
                  "explain": "ttft_p99_ms 30.0 <= 1000"}],
        "requests": requests(8, 0.02, 0.005, 16, 0.01),
    }  # fmt: skip


def report_lines(samples_per_model: int = 20) -> list[Line]:
    """A whole v2 report: run, models, samples (one with `HOSTILE` text), gates, groups,
    comparisons (between models and against a baseline), a baseline line, a perf sweep of
    three runs (two by concurrency, one paced) and a perf comparison."""
    lines: list[Line] = [
        {"type": "run", "schema_version": 2, "plugin_version": "0.1.0",
         "started": "2026-01-01T00:00:00+0000", "models": list(MODELS), "strict": False},
        *({"type": "model", "abbr": m, "class": "VLLMCustomAPIChat",
           "fingerprint": "ab12cd34ef567890"} for m in MODELS),
    ]  # fmt: skip
    for model in MODELS:
        for i in range(samples_per_model):
            outcome = OUTCOMES[i % len(OUTCOMES)] if model == "model_a" else "correct"
            lines.append(sample(model, "demo_gsm8k", i, outcome))
    lines.append(sample("model_a", "demo_gsm8k", samples_per_model, "incorrect",
                        prompt=HOSTILE, prediction=HOSTILE))  # fmt: skip
    lines.append({"type": "dataset", "abbr": "demo_gsm8k", "name": "demo_gsm8k_gen",
                  "size": samples_per_model, "repeats": 1, "k": [],
                  "fingerprint": {"config": "c0ffee00c0ffee00", "data": "d00d" * 4,
                                  "prompt_template": "beef" * 4, "scorer": ""}})  # fmt: skip
    for model, accuracy in zip(MODELS, (0.2, 1.0), strict=True):
        lines.append({"type": "gate", "model": model, "dataset": "demo_gsm8k",
                      "n": samples_per_model, "total": samples_per_model,
                      "scored": samples_per_model, "counts": counts(lines, model),
                      "accuracy": accuracy, "ci95": [accuracy / 2, min(1.0, accuracy * 1.2)],
                      "min_accuracy": 0.5, "error_rate": 0.0, "max_error_rate": 0.0,
                      "verdict": "FAIL" if accuracy < 0.5 else "PASS"})  # fmt: skip
        lines.append({"type": "group", "model": model, "group": "math", "source": "test",
                      "subsets": ["demo_gsm8k"], "counted": ["demo_gsm8k"], "missing": [],
                      "n": samples_per_model, "scored": samples_per_model,
                      "counts": counts(lines, model),
                      "naive_average": accuracy, "weighted_average": accuracy,
                      "weights": "samples", "ci95": [0.1, 0.9], "min_accuracy": None,
                      "judged": "weighted_average", "verdict": "-"})  # fmt: skip
    lines.append(comparison("model", "model_a", "model_b"))
    lines.append(comparison("baseline", "model_a", "model_a"))
    change = {"what": "dataset demo_gsm8k: prompt_template", "baseline": "aaaa" * 4,
              "current": "beef" * 4}  # fmt: skip
    lines.append({"type": "baseline", "path": "old/report.jsonl", "schema_version": 1,
                  "fingerprint_changes": [change]})  # fmt: skip
    base = "suites/perf/test_serving.py::test_serving"
    lines.append(perf(f"{base}[vllm_stream_chat-c1]", 1, "inf", 200.0, "vllm_stream_chat"))
    lines.append(perf(f"{base}[vllm_stream_chat-c4]", 4, "inf", 600.0, "vllm_stream_chat"))
    lines.append(perf(f"{base}[vllm_stream_chat-r8]", None, 8.0, 700.0, "vllm_stream_chat"))
    lines.append({"type": "perf_comparison", "item": f"{base}[vllm_stream_chat-c1]",
                  "metric": "ttft", "stat": "p99", "baseline": 30.0, "current": 45.0,
                  "change": 0.5, "max_regression": 0.2, "verdict": "FAIL"})  # fmt: skip
    return lines


def counts(lines: list[Line], model: str) -> dict[str, int]:
    """The outcome counts of `model`'s sample lines."""
    found = [line["outcome"] for line in lines if line.get("model") == model
             and line["type"] == "sample"]  # fmt: skip
    return {outcome: found.count(outcome) for outcome in OUTCOMES}


def comparison(against: str, model: str, other: str) -> Line:
    """A ``comparison`` line with two newly wrong samples and one newly right."""
    return {
        "type": "comparison", "against": against, "scope": "dataset", "name": "demo_gsm8k",
        "model": model, "other": other, "n_paired": 20, "both_correct": 3, "only_model": 1,
        "only_other": 2, "neither": 14, "accuracy": 0.2, "other_accuracy": 0.25,
        "delta": -0.05, "p_value": 0.0312, "test": "mcnemar-exact",
        "newly_wrong": [f"suite/test_gsm8k.py::test_sample[{model}-demo_gsm8k-{i}]"
                        for i in (3, 7)],
        "newly_right": [f"suite/test_gsm8k.py::test_sample[{model}-demo_gsm8k-11]"],
        "max_regression": 0.02, "verdict": "FAIL",
    }  # fmt: skip
