"""Triton Inference Server, streaming, through the generate extension (.../generate_stream)."""

from pytest_aisbench.models import TritonCustomAPI

models = [
    dict(
        attr="service",
        type=TritonCustomAPI,
        abbr="triton_stream",
        path="",  # tokenizer folder, to count tokens (Triton's generate sends no token counts)
        model="",  # Triton model name, e.g. "ensemble"; "" asks POST /v2/repository/index
        stream=True,
        request_rate=0,  # requests per second; below 0.1 all are sent at once
        retry=2,  # retries after the first attempt
        api_key="",  # "" reads $AISBENCH_API_KEY
        host_ip="localhost",
        host_port=8000,
        url="",  # overrides host_ip and host_port, e.g. "https://example.com/api/"
        max_out_len=512,  # sent as parameters.max_tokens and parameters.max_new_tokens
        batch_size=16,  # requests in flight
        trust_remote_code=False,
        # merged into the body's "parameters", e.g. dict(temperature=0.0, top_k=1) for TRT-LLM
        generation_kwargs=dict(),
    )
]
