"""Huawei MindIE Server, streaming, through its native /infer interface."""

from pytest_aisbench.models import MindieStreamApi

models = [
    dict(
        attr="service",
        type=MindieStreamApi,
        abbr="mindie_stream",
        path="",  # tokenizer folder, to count tokens when the server sends no details
        stream=True,
        request_rate=0,  # requests per second; below 0.1 all are sent at once
        retry=2,  # retries after the first attempt
        api_key="",  # "" reads $AISBENCH_API_KEY
        host_ip="localhost",
        host_port=1025,  # MindIE Server's default port
        url="",  # overrides host_ip and host_port, e.g. "https://example.com/api/"
        max_out_len=512,
        batch_size=16,  # requests in flight
        trust_remote_code=False,
        generation_kwargs=dict(details=True),
    )
]
