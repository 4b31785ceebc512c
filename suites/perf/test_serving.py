"""Serving performance: one item per backend and concurrency, vLLM's metrics, SLO gates.

Run: ``pytest suites/perf --aisbench-model vllm_stream_chat --aisbench-slo ttft_p99_ms<=2000``.
Each item sends GSM8K prompts at a fixed concurrency and prints a latency table (TTFT, TPOT,
ITL, E2EL: mean, median, p90, p99) and throughputs at the end of the session.
"""

import pytest


@pytest.mark.parametrize("concurrency", [1, 4, 16], ids=lambda c: f"c{c}")
def test_serving(aisbench_perf, concurrency):
    result = aisbench_perf.run(
        workload="gsm8k", num_prompts=4 * concurrency, concurrency=concurrency, warmup=1
    )
    assert result.completed + result.failed == 4 * concurrency
    assert result.failure_rate == 0, f"{result.failed} requests failed"
