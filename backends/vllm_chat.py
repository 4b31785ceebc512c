"""vLLM or any OpenAI-compatible server, non-streaming, through /v1/chat/completions."""

from pytest_aisbench.models import VLLMCustomAPIChat

models = [
    dict(
        attr="service",
        type=VLLMCustomAPIChat,
        abbr="vllm_chat",
        path="",  # tokenizer folder, to count tokens when the server sends no usage
        model="",  # served model name; "" asks GET /v1/models
        stream=False,
        request_rate=0,  # requests per second; below 0.1 all are sent at once
        retry=2,  # retries after the first attempt
        api_key="",  # "" reads $AISBENCH_API_KEY
        host_ip="localhost",
        host_port=8080,
        url="",  # overrides host_ip and host_port, e.g. "https://example.com/api/"
        max_out_len=512,
        batch_size=16,  # requests in flight
        trust_remote_code=False,
        generation_kwargs=dict(temperature=0),
    )
]
