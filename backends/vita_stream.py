"""VITA's multimodal server, streaming (SSE), through /generate (AISBench's VITAGenerateAPI)."""

from pytest_aisbench.models import VITAGenerateAPI

models = [
    dict(
        attr="service",
        type=VITAGenerateAPI,
        abbr="vita_stream",
        path="",  # tokenizer folder, to count tokens (VITA's /generate sends no token counts)
        model="vita",  # sent as the body's "model"
        stream=True,
        request_rate=0,  # requests per second; below 0.1 all are sent at once
        retry=2,  # retries after the first attempt
        api_key="",  # "" reads $AISBENCH_API_KEY
        host_ip="localhost",
        host_port=1025,
        url="",  # overrides host_ip and host_port, e.g. "https://example.com/api/"
        max_out_len=512,  # sent as max_tokens
        batch_size=16,  # requests in flight
        trust_remote_code=False,
        generation_kwargs=dict(do_sample=False),  # sent at the body's top level
    )
]
