"""vLLM's offline engine (``vllm.LLM``) in this process, for text and vision-language models.

Every prompt of a batch is one vLLM request with its own images. Needs vLLM in the Python that
runs pytest (on a CPU: ``bash scripts/setup_vllm.sh``, which also installs the plugin there):
``VLLM_CPU_KVCACHE_SPACE=1 ~/.cache/pytest-aisbench/vllm-venv/bin/python -m pytest
suites/accuracy --aisbench-model vllm_offline_vl --aisbench-set path=/models/SmolLM2-135M-Instruct``
(on a CPU, without ``VLLM_CPU_KVCACHE_SPACE`` vLLM wants 92 % of the machine's memory free).
"""

from pytest_aisbench.models import VLLMOfflineVLModel

models = [
    dict(
        attr="local",
        type=VLLMOfflineVLModel,
        abbr="vllm_offline_vl",
        path="",  # a HuggingFace model folder vLLM can load
        model_kwargs=dict(  # vllm.LLM keys (engine arguments)
            enforce_eager=True,  # no torch.compile warm-up: starts in seconds on a CPU
            max_num_seqs=8,
        ),
        # vllm.SamplingParams keys; max_tokens comes from max_out_len
        sample_kwargs=dict(temperature=0.0),
        vision_kwargs=dict(),  # min_pixels / max_pixels for the model's image processor
        max_seq_len=2048,  # vLLM's max_model_len unless model_kwargs sets it
        max_out_len=256,
        batch_size=8,  # prompts per LLM.generate call
        stop_words=[],
    )
]
