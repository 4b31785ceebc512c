"""HuggingFace text-generation-inference (TGI), non-streaming, through /generate."""

from pytest_aisbench.models import TGICustomAPI

models = [
    dict(
        attr="service",
        type=TGICustomAPI,
        abbr="tgi",
        path="",  # tokenizer folder; TGI reports generated_tokens itself
        stream=False,
        request_rate=0,  # requests per second; below 0.1 all are sent at once
        retry=2,  # retries after the first attempt
        api_key="",  # "" reads $AISBENCH_API_KEY
        host_ip="localhost",
        host_port=8080,
        url="",  # overrides host_ip and host_port, e.g. "https://example.com/api/"
        max_out_len=512,  # sent as parameters.max_new_tokens
        batch_size=16,  # requests in flight
        trust_remote_code=False,
        generation_kwargs=dict(do_sample=False),  # TGI parameters, e.g. temperature, stop, seed
    )
]
