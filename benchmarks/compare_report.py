"""The report of ``compare_vllm_bench.py``: ratios ours/vllm per metric, gates, verdicts."""

from __future__ import annotations

import argparse
from typing import Any

from bench_env import MODEL_DIR

from pytest_aisbench.perf import Stats

METRICS = ("ttft", "tpot", "itl", "e2el")
GATED = ("ttft", "tpot", "itl")
Runs = dict[str, list[dict[str, Any]]]
"""Each tool's (``vllm``, ``ours``) figures, one dict per repetition."""


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _median(values: list[float | None]) -> float | None:
    return Stats.of(v for v in values if v is not None).median


def build_report(
    args: argparse.Namespace,
    runs: Runs,
    chat: dict[str, Any] | None,
    base_url: str,
    wall_s: float,
    order: list[tuple[int, str]],
) -> dict[str, Any]:
    """The JSON report: verdicts, the per-metric rows, the setup and every run's figures."""
    rows = metric_rows(runs, args.tolerance)
    normalized = server_normalized(runs, args.tolerance)
    throughput = {
        tool: _median([r["output_throughput"] for r in runs[tool]]) for tool in ("vllm", "ours")
    }
    failed = sum(r["failed"] for tool in runs.values() for r in tool)
    verdict = "PASS" if all(rows[m]["pass"] for m in GATED) and failed == 0 else "FAIL"
    runs_out = {tool: [{k: v for k, v in r.items() if k != "table"} for r in rs]
                for tool, rs in runs.items()}  # fmt: skip
    return {
        "verdict": verdict,
        "tolerance": args.tolerance,
        "setup": setup(args, base_url, wall_s, order),
        "metrics": rows,
        "server_normalized": normalized,
        "verdict_server_normalized": "PASS"
        if all(normalized[m]["pass"] for m in GATED) and failed == 0
        else "FAIL",
        "median_output_throughput_tok_s": throughput,
        "failed_requests": failed,
        "runs": runs_out,
        "last_ours_table": runs["ours"][-1]["table"] if runs["ours"] else [],
        "chat_ttft": chat,
    }


def metric_rows(runs: Runs, tolerance: float) -> dict[str, dict[str, Any]]:
    """Per metric: the median over reps of each tool's run medians, their ratio, the gate."""
    rows = {}
    for metric in METRICS:
        vllm = _median([r[f"median_{metric}_ms"] for r in runs["vllm"]])
        ours = _median([r[f"median_{metric}_ms"] for r in runs["ours"]])
        ratio = ours / vllm if ours is not None and vllm else None
        ok = ratio is not None and abs(ratio - 1) <= tolerance
        rows[metric] = {
            "vllm_ms": vllm,
            "ours_ms": ours,
            "ratio": ratio,
            "pass": ok if metric in GATED else None,
            "per_rep_vllm_ms": [r[f"median_{metric}_ms"] for r in runs["vllm"]],
            "per_rep_ours_ms": [r[f"median_{metric}_ms"] for r in runs["ours"]],
        }
    return rows


def server_normalized(runs: Runs, tolerance: float) -> dict[str, dict[str, Any]]:
    """Per metric: each tool's client mean over the server's own mean, median over reps."""
    normalized = {}
    for metric in METRICS:
        per_tool = {
            tool: _median([_ratio(r[f"mean_{metric}_ms"], r[f"server_mean_{metric}_ms"])
                           for r in runs[tool]])
            for tool in ("vllm", "ours")
        }  # fmt: skip
        ratio = _ratio(per_tool["ours"], per_tool["vllm"])
        normalized[metric] = {
            "vllm_over_server": per_tool["vllm"],
            "ours_over_server": per_tool["ours"],
            "ratio": ratio,
            "pass": (ratio is not None and abs(ratio - 1) <= tolerance)
            if metric in GATED
            else None,
        }
    return normalized


def setup(
    args: argparse.Namespace, base_url: str, wall_s: float, order: list[tuple[int, str]]
) -> dict[str, Any]:
    return {
        "server": base_url,
        "model": str(MODEL_DIR),
        "endpoint": "/v1/completions (stream, include_usage)",
        "client": f"ours: http_client={args.http_client}",
        "pinned": "no" if args.no_pin else "server on the last core, clients on the others",
        "concurrency": args.concurrency,
        "num_prompts": args.num_prompts,
        "reps": args.reps,
        "input_len": args.input_len,
        "output_len": args.output_len,
        "seed": args.seed,
        "warmup": args.warmup,
        "order": [f"{tool}{rep + 1}" for rep, tool in order],
        "wall_s": wall_s,
    }


def _f(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def print_report(report: dict[str, Any]) -> None:
    """The report as terminal lines: the metrics and VERDICT, server-normalized, chat TTFT."""
    print_metrics(report)
    print_normalized(report)
    if report["chat_ttft"]:
        print_chat(report["chat_ttft"])
    if report["last_ours_table"]:
        print()
        print("\n".join(report["last_ours_table"]))


def print_metrics(report: dict[str, Any]) -> None:
    setup = report["setup"]
    print()
    print("=" * 78)
    print(
        f"vllm bench serve vs pytest-aisbench perf.run: {setup['endpoint']}, "
        f"concurrency {setup['concurrency']},\n{setup['num_prompts']} prompts x "
        f"{setup['reps']} reps, input {setup['input_len']} / output {setup['output_len']} "
        f"tokens (ignore_eos, temperature 0), warm-up {setup['warmup']}, "
        f"order {' '.join(setup['order'])}"
    )
    if "loadavg_1m_before_after" in setup:
        before, after = setup["loadavg_1m_before_after"]
        print(f"machine load average (1 min): {before:.2f} before, {after:.2f} after")
    print("=" * 78)
    print("Median over reps of each run's median (ms); per-rep medians in brackets")
    print(f"{'metric':<6} {'vllm bench':>11} {'ours':>9} {'ours/vllm':>10} {'gate':>6}  per rep")
    for metric, row in report["metrics"].items():
        gate = "" if row["pass"] is None else ("PASS" if row["pass"] else "FAIL")
        per = (
            "v[" + " ".join(_f(v) for v in row["per_rep_vllm_ms"]) + "] "
            "o[" + " ".join(_f(v) for v in row["per_rep_ours_ms"]) + "]"
        )
        print(
            f"{metric.upper():<6} {_f(row['vllm_ms']):>11} {_f(row['ours_ms']):>9} "
            f"{_f(row['ratio'], 3):>10} {gate:>6}  {per}"
        )
    tput = report["median_output_throughput_tok_s"]
    print(
        f"output tok/s (median over reps): vllm {_f(tput['vllm'])}, ours {_f(tput['ours'])}; "
        f"failed requests: {report['failed_requests']}"
    )
    for tool, runs in report["runs"].items():
        seen = [r["output_lens_distinct"] for r in runs]
        lens = sorted({n for run in seen for n in run or () if n is not None})
        shorter = " and shorter ones" if None in seen else ""
        samples = [r["itl_samples"] for r in runs]
        print(f"{tool}: output lengths seen {lens}{shorter}; ITL samples per run {samples}")
    print(
        f"VERDICT: {report['verdict']} (TTFT, TPOT and ITL within "
        f"{report['tolerance']:.0%} of vllm bench serve)"
    )


def print_normalized(report: dict[str, Any]) -> None:
    print()
    print("Each run's client mean over vLLM's own mean for that run (GET /metrics), median over")
    print("reps: removes how fast the server happened to be in each run")
    print(f"{'metric':<6} {'vllm/server':>12} {'ours/server':>12} {'ours/vllm':>10} {'gate':>6}")
    for metric, row in report["server_normalized"].items():
        gate = "" if row["pass"] is None else ("PASS" if row["pass"] else "FAIL")
        print(
            f"{metric.upper():<6} {_f(row['vllm_over_server'], 3):>12} "
            f"{_f(row['ours_over_server'], 3):>12} {_f(row['ratio'], 3):>10} {gate:>6}"
        )
    print(f"VERDICT (server-normalized): {report['verdict_server_normalized']}")


def print_chat(chat: dict[str, Any]) -> None:
    print()
    print("-" * 78)
    print(f"Chat run (/v1/chat/completions, same prompts/profile, {chat['completed']} ok)")
    print(f"{'AISBench TTFT (first SSE event, role chunk counts)':<56} "
          f"{_f(chat['median_ttft_aisbench_ms']):>9} ms")  # fmt: skip
    print(f"{'pytest-aisbench TTFT (first text-bearing event)':<56} "
          f"{_f(chat['median_ttft_ours_ms']):>9} ms")  # fmt: skip
    print(
        f"{'difference (ours - AISBench): median / mean / max':<56} "
        f"{_f(chat['median_diff_ms'], 3)} / {_f(chat['mean_diff_ms'], 3)} / "
        f"{_f(chat['max_diff_ms'], 3)} ms"
    )
    print(
        f"requests whose role chunk arrived in an earlier read than the first text: "
        f"{chat['requests_role_chunk_in_earlier_read']}/{chat['completed']}"
    )
    print(
        "Why: vLLM (0.32, chat_completion/serving.py) yields the role-only chunk inside its\n"
        "`async for res in result_generator` loop, on the FIRST engine output, i.e. after\n"
        "prefill, immediately followed by the chunk carrying the first token. So on this\n"
        "server both definitions see the prefill; the difference is only the gap between\n"
        "two back-to-back SSE events (often the same TCP read, hence 0). A server that sends\n"
        "the role chunk when it accepts the request would make AISBench's TTFT miss the\n"
        "queueing + prefill time; this plugin's definition is immune to that either way."
    )
