"""Protocol tests of `VLLMCustomAPIChat` and `VLLMCustomAPI`, driven directly against the simulator.

One simulator serves the whole module; each test resets its configuration (read per request).
Timing asserts are lower bounds only: the simulator never sends a token before its deadline,
but a busy machine may send it later.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import PROTOCOL_ANSWER, build_backend, generate_once, httpx_network, mock_backend
from pytest_aisbench.config import validate_model
from pytest_aisbench.engine.runner import ModelRunner
from pytest_aisbench.models.api_models.vllm_custom_api import VLLMCustomAPI
from pytest_aisbench.models.api_models.vllm_custom_api_chat import VLLMCustomAPIChat
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.simulator import RunningSimulator
from pytest_aisbench.utils.prompt import PromptList

ANSWER = PROTOCOL_ANSWER

CHAT_PROMPT = PromptList(
    [
        {"role": "SYSTEM", "prompt": "Be brief."},
        {"role": "HUMAN", "prompt": "What is 2 + 2?"},
        {"role": "BOT", "prompt": "Let me see."},
        {"role": "HUMAN", "prompt": "Answer now."},
    ]
)
CHAT_MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is 2 + 2?"},
    {"role": "assistant", "content": "Let me see."},
    {"role": "user", "content": "Answer now."},
]
JOINED_PROMPT = "Be brief.\nWhat is 2 + 2?\nLet me see.\nAnswer now."
PROMPT_TOKENS = 12
"""What the simulator counts for CHAT_PROMPT either way: whitespace-separated pieces."""

Backend = type[VLLMCustomAPI]
BACKENDS = [VLLMCustomAPIChat, VLLMCustomAPI]


def backend(cls: Backend, sim: RunningSimulator, **kwargs: Any) -> VLLMCustomAPI:
    kwargs.setdefault("model", "sim-model")
    kwargs.setdefault("retry", 0)
    model: VLLMCustomAPI = build_backend(cls, host_ip="127.0.0.1", host_port=sim.port, **kwargs)
    return model


def sse(*events: dict[str, Any] | str) -> bytes:
    """A server-sent-events body; a str is sent as is (``[DONE]``), a dict as JSON."""
    return b"".join(
        b"data: " + (e.encode() if isinstance(e, str) else json.dumps(e).encode()) + b"\n\n"
        for e in events
    )


# -- 1. both protocols, stream and not ------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["text", "stream"])
@pytest.mark.parametrize("cls", BACKENDS, ids=["chat", "completions"])
async def test_reply_usage_and_request_body(
    sim: RunningSimulator, cls: Backend, stream: bool
) -> None:
    model = backend(cls, sim, stream=stream, generation_kwargs={"temperature": 0.0, "seed": 7})
    out = await generate_once(model, CHAT_PROMPT, 64)

    assert out.success, out.error_info
    assert out.error_info == ""
    assert out.content == "The answer is 4."
    assert out.reasoning_content == ""
    assert out.finish_reason == "stop"
    assert out.input_tokens == PROMPT_TOKENS
    assert out.output_tokens == 4
    assert out.token_source == "usage"
    assert out.attempts == 1
    assert out.input is CHAT_PROMPT
    if cls is VLLMCustomAPIChat:
        prompt_field: dict[str, Any] = {"messages": CHAT_MESSAGES}
    else:
        prompt_field = {"prompt": JOINED_PROMPT}
    expected = {"model": "sim-model", **prompt_field, "max_tokens": 64, "stream": stream}
    if stream:
        expected["stream_options"] = {"include_usage": True}
    expected |= {"temperature": 0.0, "seed": 7}
    assert out.request_body == expected
    assert sim.stats.requests == 1


@pytest.mark.parametrize("stream", [False, True], ids=["text", "stream"])
@pytest.mark.parametrize("cls", BACKENDS, ids=["chat", "completions"])
async def test_length_finish_when_max_out_len_is_below_the_reply(
    sim: RunningSimulator, cls: Backend, stream: bool
) -> None:
    out = await generate_once(backend(cls, sim, stream=stream), "What is 2 + 2?", 2)

    assert out.success, out.error_info
    assert out.content == "The answer"
    assert out.finish_reason == "length"
    assert out.output_tokens == 2
    assert out.input_tokens == 5
    assert out.request_body["max_tokens"] == 2


@pytest.mark.parametrize("cls", BACKENDS, ids=["chat", "completions"])
async def test_server_receives_the_prompt_text(sim: RunningSimulator, cls: Backend) -> None:
    """The echo responder answers with what the server read: the last user turn for chat,
    the turns joined by newlines for completions."""
    sim.config.responder = lambda prompt_text: prompt_text
    out = await generate_once(backend(cls, sim, stream=True), CHAT_PROMPT, 64)

    assert out.success, out.error_info
    assert out.content == ("Answer now." if cls is VLLMCustomAPIChat else JOINED_PROMPT)


async def test_plain_string_prompt_is_one_user_message(sim: RunningSimulator) -> None:
    out = await generate_once(backend(VLLMCustomAPIChat, sim), "What is 2 + 2?", 8)

    assert out.success, out.error_info
    assert out.request_body["messages"] == [{"role": "user", "content": "What is 2 + 2?"}]


@pytest.mark.parametrize("stream", [False, True], ids=["text", "stream"])
@pytest.mark.parametrize("cls", BACKENDS, ids=["chat", "completions"])
async def test_event_and_content_times(sim: RunningSimulator, cls: Backend, stream: bool) -> None:
    out = await generate_once(backend(cls, sim, stream=stream), "hi", 64)

    assert out.success, out.error_info
    if not stream:
        assert len(out.event_times_ns) == 1
        assert out.content_times_ns == out.event_times_ns
    else:
        role_chunk = 1 if cls is VLLMCustomAPIChat else 0
        # (role chunk) + 4 tokens + usage chunk + [DONE]
        assert len(out.event_times_ns) == role_chunk + 4 + 1 + 1
        assert len(out.content_times_ns) == 4
    assert out.send_time_ns > 0
    assert all(t >= out.send_time_ns for t in out.event_times_ns)
    assert out.event_times_ns == sorted(out.event_times_ns)


# -- 2. TTFT skips the role-only chunk --------------------------------------------------------


async def test_ttft_excludes_the_role_chunk_and_counts_content_events(
    sim: RunningSimulator,
) -> None:
    sim.config.ttft, sim.config.itl = 0.3, 0.02
    out = await generate_once(backend(VLLMCustomAPIChat, sim, stream=True), "hi", 64)

    assert out.success, out.error_info
    assert out.content == ANSWER
    assert len(out.content_times_ns) == 4
    # role chunk, 4 token chunks, usage chunk, [DONE]
    assert len(out.event_times_ns) == 7
    assert out.content_times_ns == out.event_times_ns[1:5]
    assert out.content_times_ns[0] - out.send_time_ns >= 0.3e9
    for index, arrived in enumerate(out.content_times_ns):
        assert arrived - out.send_time_ns >= (0.3 + index * 0.02) * 1e9


async def test_ttft_ignores_a_role_chunk_that_arrives_early() -> None:
    """A role chunk sent at once and the first token 0.2 s later: TTFT is the token's."""

    async def events() -> AsyncIterator[dict[str, Any] | str]:
        yield {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
        await asyncio.sleep(0.2)
        yield {"choices": [{"index": 0, "delta": {"content": "4"}, "finish_reason": "stop"}]}
        yield "[DONE]"

    model, _ = mock_backend(
        VLLMCustomAPIChat, lambda request: events(), model="m", stream=True, retry=0
    )
    out = await generate_once(model, "hi", 8)

    assert out.success, out.error_info
    assert out.content == "4"
    assert len(out.event_times_ns) == 3
    assert len(out.content_times_ns) == 1
    assert out.content_times_ns[0] - out.event_times_ns[0] >= 0.2e9
    assert out.content_times_ns[0] - out.send_time_ns >= 0.2e9


# -- 3. reasoning kept apart ------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["text", "stream"])
async def test_reasoning_is_kept_apart_from_the_answer(sim: RunningSimulator, stream: bool) -> None:
    sim.config.reasoning_text = "Let me think."
    out = await generate_once(backend(VLLMCustomAPIChat, sim, stream=stream), "hi", 64)

    assert out.success, out.error_info
    assert out.reasoning_content == "Let me think."
    assert out.content == ANSWER
    assert out.get_prediction() == ANSWER
    assert out.output_tokens == 3 + 4
    if stream:
        # reasoning tokens count as output for TTFT and ITL
        assert len(out.content_times_ns) == 7


async def test_reasoning_content_key_of_older_vllm_non_stream() -> None:
    payload = {
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "4", "reasoning_content": "2+2=4"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 6, "total_tokens": 9},
    }
    model, _ = mock_backend(VLLMCustomAPIChat, lambda request: payload, model="m", retry=0)
    out = await generate_once(model, "hi", 8)

    assert out.success, out.error_info
    assert out.reasoning_content == "2+2=4"
    assert out.content == "4"
    assert (out.input_tokens, out.output_tokens, out.token_source) == (3, 6, "usage")


async def test_reasoning_content_key_of_older_vllm_stream() -> None:
    def delta(**fields: Any) -> dict[str, Any]:
        return {"choices": [{"index": 0, "delta": fields, "finish_reason": None}]}

    events = [
        delta(role="assistant", content=""),
        delta(reasoning_content="2+2"),
        delta(reasoning_content="=4"),
        delta(content="4"),
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        "[DONE]",
    ]
    model, _ = mock_backend(
        VLLMCustomAPIChat, lambda request: events, model="m", stream=True, retry=0
    )
    out = await generate_once(model, "hi", 8)

    assert out.success, out.error_info
    assert out.reasoning_content == "2+2=4"
    assert out.content == "4"
    assert out.finish_reason == "stop"
    assert out.output_tokens is None


# -- 4. llama.cpp: no usage in the stream -----------------------------------------------------


def llama_cpp_output_tokens_missing(out: RequestOutput) -> None:
    assert out.success, out.error_info
    assert out.content == ANSWER
    assert out.finish_reason == "stop"
    assert out.output_tokens is None
    assert out.input_tokens is None
    assert out.token_source == ""


def runner_for(path: str) -> ModelRunner:
    entry = dict(attr="service", type=VLLMCustomAPIChat, abbr="x", model="sim-model", path=path)
    return ModelRunner(validate_model(entry, "test"))


def save_word_tokenizer(folder: Path) -> None:
    """A tiny tokenizer.json: one token per word or punctuation run (unknown words: [UNK])."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {"[UNK]": 0, "The": 1, "answer": 2, "is": 3, "4": 4, ".": 5}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))


@pytest.fixture
def llama_cpp(sim: RunningSimulator) -> RunningSimulator:
    sim.config.usage_in_stream = False
    sim.config.json_spaces = True
    return sim


async def test_llama_cpp_stream_counts_tokens_from_events(llama_cpp: RunningSimulator) -> None:
    out = await generate_once(backend(VLLMCustomAPIChat, llama_cpp, stream=True), "hi", 64)
    llama_cpp_output_tokens_missing(out)
    # role chunk, 4 token chunks, [DONE]: no usage chunk
    assert len(out.event_times_ns) == 6

    runner_for("").count_tokens(out)

    assert out.output_tokens == 4
    assert out.token_source == "events"


async def test_llama_cpp_stream_counts_tokens_with_the_tokenizer(
    llama_cpp: RunningSimulator, tmp_path: Path
) -> None:
    save_word_tokenizer(tmp_path)
    out = await generate_once(backend(VLLMCustomAPIChat, llama_cpp, stream=True), "hi", 64)
    llama_cpp_output_tokens_missing(out)

    runner_for(str(tmp_path)).count_tokens(out)

    # "The", "answer", "is", "4", "." : the tokenizer's count, not the 4 events
    assert out.output_tokens == 5
    assert out.token_source == "tokenizer"


async def test_tokenizer_count_includes_reasoning_tokens(
    llama_cpp: RunningSimulator, tmp_path: Path
) -> None:
    """Reasoning tokens are generated tokens: the server's usage and the events count them."""
    save_word_tokenizer(tmp_path)
    llama_cpp.config.reasoning_text = "Let me think."
    out = await generate_once(backend(VLLMCustomAPIChat, llama_cpp, stream=True), "hi", 64)
    assert out.success, out.error_info
    assert (out.reasoning_content, out.content) == ("Let me think.", ANSWER)
    assert out.output_tokens is None

    runner_for(str(tmp_path)).count_tokens(out)

    # "Let", "me", "think", "." then "The", "answer", "is", "4", "."
    assert out.output_tokens == 4 + 5
    assert out.token_source == "tokenizer"


async def test_non_stream_reply_without_usage_has_no_event_count() -> None:
    """One body is one event: nothing to count tokens from without a tokenizer."""
    payload = {"choices": [{"index": 0, "text": " 4", "finish_reason": "stop"}]}
    model, _ = mock_backend(VLLMCustomAPI, lambda request: payload, model="m", retry=0)
    out = await generate_once(model, "2 + 2 =", 8)
    assert (out.success, out.content, out.output_tokens) == (True, " 4", None)

    runner_for("").count_tokens(out)

    assert (out.output_tokens, out.token_source) == (None, "")


async def test_count_tokens_keeps_the_servers_usage(sim: RunningSimulator) -> None:
    out = await generate_once(backend(VLLMCustomAPIChat, sim, stream=True), "hi", 64)
    runner_for("").count_tokens(out)

    assert (out.output_tokens, out.token_source) == (4, "usage")


# -- 5. model name discovery and the api key --------------------------------------------------


@pytest.mark.parametrize("cls", BACKENDS, ids=["chat", "completions"])
async def test_empty_model_is_asked_from_v1_models(sim: RunningSimulator, cls: Backend) -> None:
    model = backend(cls, sim, model="")
    assert model.model == "sim-model"

    out = await generate_once(model, "hi", 8)
    assert out.success, out.error_info
    assert out.request_body["model"] == "sim-model"


async def test_api_key_is_sent_as_bearer_and_never_shown(sim: RunningSimulator) -> None:
    sim.config.api_key = "sk-test-123"
    model = backend(VLLMCustomAPIChat, sim, api_key="sk-test-123", stream=True)

    assert "sk-test-123" not in repr(model)
    assert "sk-test-123" not in str(model.headers)
    assert "sk-test-123" not in repr(vars(model))
    out = await generate_once(model, "hi", 8)

    assert out.success, out.error_info
    assert out.content == ANSWER
    assert sim.stats.authorizations == ["Bearer sk-test-123"]
    assert "sk-test-123" not in json.dumps(out.request_body)
    assert "sk-test-123" not in repr(model)
    assert "sk-test-123" not in str(model.headers)


@pytest.mark.parametrize("stream", [False, True], ids=["text", "stream"])
async def test_wrong_api_key_is_an_http_401_error(sim: RunningSimulator, stream: bool) -> None:
    sim.config.api_key = "sk-test-123"
    model = backend(VLLMCustomAPIChat, sim, api_key="sk-wrong", stream=stream, retry=2)
    out = await generate_once(model, "hi", 8)

    assert out.success is False
    assert "HTTP 401" in out.error_info
    assert "Unauthorized" in out.error_info
    assert out.attempts == 1  # a client error is not retried
    assert sim.stats.authorizations == ["Bearer sk-wrong"]
    assert "sk-wrong" not in out.error_info


async def test_missing_api_key_is_refused(sim: RunningSimulator) -> None:
    sim.config.api_key = "sk-test-123"
    out = await generate_once(backend(VLLMCustomAPIChat, sim), "hi", 8)

    assert out.success is False
    assert "HTTP 401" in out.error_info
    assert sim.stats.authorizations == [""]


async def test_server_refusal_is_an_error_with_its_message(sim: RunningSimulator) -> None:
    out = await generate_once(backend(VLLMCustomAPIChat, sim, retry=2), "hi", 0)

    assert out.success is False
    assert out.error_info.startswith("HTTP 400: ")
    assert "max_tokens must be at least 1, got 0." in out.error_info
    assert out.attempts == 1
    assert sim.stats.requests == 1


async def test_unknown_model_name_is_an_http_404_error(sim: RunningSimulator) -> None:
    out = await generate_once(backend(VLLMCustomAPI, sim, model="other", stream=True), "hi", 8)

    assert out.success is False
    assert "HTTP 404" in out.error_info
    assert "The model `other` does not exist." in out.error_info


# -- 7. non-ASCII through the SSE path --------------------------------------------------------


@pytest.mark.parametrize("json_spaces", [False, True], ids=["vllm-json", "llama-cpp-json"])
@pytest.mark.parametrize("cls", BACKENDS, ids=["chat", "completions"])
async def test_non_ascii_text_streams_token_by_token(
    sim: RunningSimulator, cls: Backend, json_spaces: bool
) -> None:
    sim.config.text = "Grüße 東京 🚀"
    sim.config.json_spaces = json_spaces
    out = await generate_once(backend(cls, sim, stream=True), "Grüße?", 64)

    assert out.success, out.error_info
    assert out.content == "Grüße 東京 🚀"
    assert len(out.content_times_ns) == 3
    assert out.output_tokens == 3


async def test_non_ascii_survives_one_byte_chunks() -> None:
    """Multi-byte characters cut across network chunks decode whole."""
    stream = sse(
        {"choices": [{"index": 0, "delta": {"content": "Grüße"}}]},
        {"choices": [{"index": 0, "delta": {"content": " 東京"}}]},
        {"choices": [{"index": 0, "delta": {"content": " 🚀"}, "finish_reason": "stop"}]},
        "[DONE]",
    )
    stream = stream.replace(b"\\u00fc", "ü".encode()).replace(b"\\u00df", "ß".encode())
    stream = stream.replace(b"\\u6771\\u4eac", "東京".encode())
    stream = stream.replace(b"\\ud83d\\ude80", "🚀".encode())
    assert "東京".encode() in stream

    async def body() -> AsyncIterator[bytes]:
        for i in range(len(stream)):
            yield stream[i : i + 1]

    network = httpx_network(lambda request: httpx.Response(200, content=body()))
    model = build_backend(VLLMCustomAPIChat, network, model="m", stream=True, retry=0)
    out = await generate_once(model, "hi", 8)

    assert out.success, out.error_info
    assert out.content == "Grüße 東京 🚀"
    assert len(out.content_times_ns) == 3
