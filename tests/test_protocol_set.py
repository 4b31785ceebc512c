"""The protocol tests: one shared set over all twelve built-in backend files, then each
protocol's own scenarios, as tables.

Each backend is loaded from its own file in ``backends/`` (as ``--aisbench-model NAME`` does),
pointed at one simulator that serves the OpenAI, TGI, Triton and MindIE protocols at once, and
driven through ``generate``.

The shared set: what differs between protocols is not hidden; the tables below state, per
backend, the endpoint, the finish reasons the server itself sends (not normalized), where the
output token count comes from, how a stop string is passed and whether it stays in the text,
and the shape of a reply. Every shared test runs on both HTTP clients and reads its
expectations from them (``PROTOCOLS`` joins the rows); ``ModelRunner.count_tokens`` then
applies the plugin's token fallback (tokenizer, else stream events) exactly as a session does.

The scenarios (`CASES`): one row per (backend, scenario, expected output) for what only some
protocols have: request bodies, reasoning, llama.cpp's stream, model discovery, api keys, the
servers' refusals, timing lower bounds, and replies no simulator setting gives (played by a
`MockTransport`). Timing asserts are lower bounds only: the simulator never sends a token
before its deadline, but a busy machine may send it later.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import pytest

from conftest import PROTOCOL_ANSWER, build_backend, httpx_network
from pytest_aisbench.backend_files import load_backend_file
from pytest_aisbench.config import ModelConfig
from pytest_aisbench.engine.runner import ModelRunner
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models.api_models.base_api import BaseAPIModel
from pytest_aisbench.models.api_models.triton_api import TritonCustomAPI
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.simulator import RunningSimulator, SimulatorConfig
from pytest_aisbench.transport import MockTransport
from pytest_aisbench.transport.mock import Event, Handler, MockRequest
from pytest_aisbench.utils.prompt import PromptList, PromptType

REPO = Path(__file__).resolve().parent.parent


STOP = ["STOP"]

# fmt: off
ENDPOINTS: dict[str, tuple[str, bool, bool]] = {
    # backend                  (path posted to,                           stream, names a model)
    "vllm_chat":               ("/v1/chat/completions",                   False,  True),
    "vllm_stream_chat":        ("/v1/chat/completions",                   True,   True),
    "vllm_completions":        ("/v1/completions",                        False,  True),
    "vllm_stream_completions": ("/v1/completions",                        True,   True),
    "tgi":                     ("/generate",                              False,  False),
    "tgi_stream":              ("/generate_stream",                       True,   False),
    "triton":                  ("/v2/models/sim-model/generate",          False,  True),
    "triton_stream":           ("/v2/models/sim-model/generate_stream",   True,   True),
    "mindie":                  ("/infer",                                 False,  False),
    "mindie_stream":           ("/infer",                                 True,   False),
    "vita":                    ("/generate",                              False,  True),
    "vita_stream":             ("/generate",                              True,   True),
}
FINISH_REASONS: dict[str, tuple[str | None, str | None, str | None]] = {
    # The server's own finish_reason, not normalized: (reply ended by itself,
    # cut by max_out_len, cut by a stop string). Triton's generate extension sends none
    # (a model may add one, e.g. the vLLM backend with return_finish_reason: true).
    # MindIE: eos_token | length | stop_sequence, per its /infer docs.
    "vllm_chat":               ("stop",      "length", "stop"),
    "vllm_stream_chat":        ("stop",      "length", "stop"),
    "vllm_completions":        ("stop",      "length", "stop"),
    "vllm_stream_completions": ("stop",      "length", "stop"),
    "tgi":                     ("eos_token", "length", "stop_sequence"),
    "tgi_stream":              ("eos_token", "length", "stop_sequence"),
    "triton":                  (None,        None,     None),
    "triton_stream":           (None,        None,     None),
    "mindie":                  ("eos_token", "length", "stop_sequence"),
    "mindie_stream":           ("eos_token", "length", "stop_sequence"),
    "vita":                    (None,        None,     None),
    "vita_stream":             (None,        None,     None),
}
TOKEN_COUNTS: dict[str, tuple[str, bool, int | None]] = {
    # (token_source, the count includes EOS, input_tokens for PROMPT).
    # usage: the server's count (OpenAI usage, with stream_options.include_usage when
    #   streaming; TGI and MindIE details.generated_tokens, details being requested).
    # events: the plugin counts the stream's text events (no counts from Triton, and the
    #   files set no tokenizer path). "": nowhere, output_tokens stays None (Triton, one body).
    # TGI counts the EOS token it generated; its input_length comes only in the last stream
    # event. MindIE's /infer and Triton report no prompt length.
    "vllm_chat":               ("usage",  False, 5),
    "vllm_stream_chat":        ("usage",  False, 5),
    "vllm_completions":        ("usage",  False, 5),
    "vllm_stream_completions": ("usage",  False, 5),
    "tgi":                     ("usage",  True,  None),
    "tgi_stream":              ("usage",  True,  5),
    "triton":                  ("",       False, None),
    "triton_stream":           ("events", False, None),
    "mindie":                  ("usage",  False, None),
    "mindie_stream":           ("usage",  False, None),
    "vita":                    ("",       False, None),
    "vita_stream":             ("events", False, None),
}
STOP_STRINGS: dict[str, tuple[dict[str, Any] | None, bool]] = {
    # (generation_kwargs carrying the stop string, the stop string stays in the answer).
    # OpenAI: top-level "stop"; TGI: parameters.stop (kept in generated_text, as TGI does);
    # Triton: parameters.stop_words (the TensorRT-LLM / vLLM model input); MindIE:
    # parameters.stop, which MindIE's /infer docs do not list (TGI's key, simulated);
    # VITA's /generate documents none.
    "vllm_chat":               ({"stop": STOP},       False),
    "vllm_stream_chat":        ({"stop": STOP},       False),
    "vllm_completions":        ({"stop": STOP},       False),
    "vllm_stream_completions": ({"stop": STOP},       False),
    "tgi":                     ({"stop": STOP},       True),
    "tgi_stream":              ({"stop": STOP},       True),
    "triton":                  ({"stop_words": STOP}, False),
    "triton_stream":           ({"stop_words": STOP}, False),
    "mindie":                  ({"stop": STOP},       False),
    "mindie_stream":           ({"stop": STOP},       False),
    "vita":                    (None,                 False),
    "vita_stream":             (None,                 False),
}
REPLIES: dict[str, tuple[int, tuple[str, ...]]] = {
    # (events of the 4-token reply, where max_out_len goes in the body). A stream's events:
    # OpenAI chat: role chunk, 4 tokens, usage chunk, [DONE] (completions: no role chunk);
    # TGI and MindIE: 4 tokens and a last event (TGI's carries the EOS token, MindIE's no
    # text); Triton: one event per token, no end marker. Triton's max_out_len is also sent as
    # parameters.max_new_tokens (see its request-body case).
    "vllm_chat":               (1, ("max_tokens",)),
    "vllm_stream_chat":        (7, ("max_tokens",)),
    "vllm_completions":        (1, ("max_tokens",)),
    "vllm_stream_completions": (6, ("max_tokens",)),
    "tgi":                     (1, ("parameters", "max_new_tokens")),
    "tgi_stream":              (5, ("parameters", "max_new_tokens")),
    "triton":                  (1, ("parameters", "max_tokens")),
    "triton_stream":           (4, ("parameters", "max_tokens")),
    "mindie":                  (1, ("parameters", "max_new_tokens")),
    "mindie_stream":           (5, ("parameters", "max_new_tokens")),
    "vita":                    (1, ("max_tokens",)),
    "vita_stream":             (4, ("max_tokens",)),
}
# fmt: on


@dataclass(frozen=True)
class Protocol:
    """One backend's row of the tables above."""

    endpoint: str
    stream: bool
    model: bool
    natural: str | None
    length: str | None
    stop: str | None
    token_source: str
    eos_counted: bool
    input_tokens: int | None
    stop_kwargs: dict[str, Any] | None
    """None: the protocol documents no stop strings (VITA)."""
    stop_kept: bool
    events: int
    max_out_len_at: tuple[str, ...]


PROTOCOLS = {
    name: Protocol(
        *ENDPOINTS[name],
        *FINISH_REASONS[name],
        *TOKEN_COUNTS[name],
        *STOP_STRINGS[name],
        *REPLIES[name],
    )
    for name in ENDPOINTS
}
BACKENDS = list(PROTOCOLS)
Test = TypeVar("Test", bound=Callable[..., Any])


def each_backend(test: Test) -> Test:
    """A shared test: once per backend file, on each HTTP client."""
    test = pytest.mark.parametrize("name", BACKENDS, ids=BACKENDS)(test)
    return pytest.mark.usefixtures("each_http_client")(test)


PROMPT = "What is 2 + 2?"
"""5 simulator prompt tokens."""
ANSWER = PROTOCOL_ANSWER
NON_ASCII = "Grüße 東京 🚀 naïve café"
"""5 simulator tokens, each sent as its own event when streaming."""


def load(sim: RunningSimulator, name: str, **generation_kwargs: Any) -> ModelConfig:
    """The backend file ``backends/<name>.py`` pointed at `sim`, without retries.

    `generation_kwargs` are added to the file's own (which stay in effect).
    """
    file = REPO / "backends" / f"{name}.py"
    overrides: list[tuple[str, Any]] = [
        ("host_ip", "127.0.0.1"),
        ("host_port", sim.port),
        ("retry", 0),
    ]
    if PROTOCOLS[name].model:
        overrides.append(("model", "sim-model"))
    config = load_backend_file(file, overrides)[0]
    if generation_kwargs:
        merged = {**config.settings["generation_kwargs"], **generation_kwargs}
        config = load_backend_file(file, [*overrides, ("generation_kwargs", merged)])[0]
    return config


async def run(
    config: ModelConfig,
    max_out_len: int,
    prompt: str = PROMPT,
    transport: httpx.AsyncBaseTransport | None = None,
) -> RequestOutput:
    """One request through the backend, then the plugin's token fallback."""
    model = config.build(transport=httpx_network(transport) if transport else None)
    assert isinstance(model, BaseAPIModel)
    output = RequestOutput()
    try:
        await model.generate(prompt, max_out_len, output)
    finally:
        await model.aclose()
    ModelRunner(config).token_counting.fill(output)
    assert output.success, output.error_info
    return output


def expected_tokens(protocol: Protocol, generated: int, ended_by_eos: bool) -> int | None:
    """The output token count `protocol` should report for `generated` text tokens."""
    if not protocol.token_source:
        return None
    return generated + (1 if ended_by_eos and protocol.eos_counted else 0)


def dig(body: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The value at `path` in a request body."""
    value: Any = body
    for key in path:
        value = value[key]
    return value


class OneByteReads(httpx.AsyncBaseTransport):
    """The real network, but every response body is read one byte at a time."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.reads = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_OneByteStream(response.stream, self),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class _OneByteStream(httpx.AsyncByteStream):
    def __init__(self, inner: Any, owner: OneByteReads) -> None:
        self._inner = inner
        self._owner = owner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            for i in range(len(chunk)):
                self._owner.reads += 1
                yield chunk[i : i + 1]

    async def aclose(self) -> None:
        await self._inner.aclose()


# -- the table itself ---------------------------------------------------------------------------


@each_backend
def test_backend_file_is_the_documented_protocol(sim: RunningSimulator, name: str) -> None:
    config = load(sim, name)
    model = config.build()
    assert isinstance(model, BaseAPIModel)
    protocol = PROTOCOLS[name]
    assert config.abbr == name
    assert config.settings["stream"] is protocol.stream
    assert model.url == f"http://127.0.0.1:{sim.port}{protocol.endpoint}"


# -- text ---------------------------------------------------------------------------------------


@each_backend
async def test_text_is_the_servers_reply(sim: RunningSimulator, name: str) -> None:
    out = await run(load(sim, name), 64)

    assert out.content == "The answer is 4."
    assert out.reasoning_content == ""
    assert len(out.event_times_ns) == PROTOCOLS[name].events
    assert out.send_time_ns > 0
    assert all(t >= out.send_time_ns for t in out.event_times_ns)
    if PROTOCOLS[name].stream:
        # one event per token (plus protocol frames), each arriving no earlier than the last
        assert len(out.content_times_ns) == 4
        assert out.event_times_ns == sorted(out.event_times_ns)
    else:
        assert out.content_times_ns == out.event_times_ns


# -- token counts -------------------------------------------------------------------------------


@each_backend
async def test_token_counts_come_from_the_documented_source(
    sim: RunningSimulator, name: str
) -> None:
    protocol = PROTOCOLS[name]
    natural = await run(load(sim, name), 64)
    cut = await run(load(sim, name), 2)

    assert natural.token_source == protocol.token_source
    assert natural.output_tokens == expected_tokens(protocol, 4, ended_by_eos=True)
    assert natural.input_tokens == protocol.input_tokens
    assert cut.content == "The answer"
    assert cut.finish_reason == protocol.length
    assert cut.token_source == protocol.token_source
    assert cut.output_tokens == expected_tokens(protocol, 2, ended_by_eos=False)
    assert cut.input_tokens == protocol.input_tokens
    assert dig(cut.request_body, protocol.max_out_len_at) == 2
    if protocol.stream:
        assert len(cut.content_times_ns) == 2


# -- finish reasons -----------------------------------------------------------------------------


@each_backend
async def test_finish_reasons_are_the_protocols_own(sim: RunningSimulator, name: str) -> None:
    protocol = PROTOCOLS[name]
    natural = await run(load(sim, name), 64)
    cut = await run(load(sim, name), 3)

    assert natural.finish_reason == protocol.natural
    assert cut.finish_reason == protocol.length
    assert cut.content == "The answer is"


# -- stop sequences -----------------------------------------------------------------------------


@each_backend
async def test_stop_string_cuts_the_reply(sim: RunningSimulator, name: str) -> None:
    protocol = PROTOCOLS[name]
    if protocol.stop_kwargs is None:
        pytest.skip(f"{name}: the protocol documents no stop strings")
    sim.config.text = "Step one. STOP here. Step two."
    config = load(sim, name, **protocol.stop_kwargs)

    out = await run(config, 64)

    assert out.content == ("Step one. STOP" if protocol.stop_kept else "Step one. ")
    assert out.finish_reason == protocol.stop
    # "Step", " one.", and " STOP" (cut to " " where the stop string is dropped): 3 tokens
    assert out.output_tokens == expected_tokens(protocol, 3, ended_by_eos=False)


@each_backend
async def test_without_the_stop_string_the_reply_is_whole(sim: RunningSimulator, name: str) -> None:
    sim.config.text = "Step one. STOP here. Step two."

    out = await run(load(sim, name), 64)

    assert out.content == "Step one. STOP here. Step two."
    assert out.finish_reason == PROTOCOLS[name].natural


# -- long outputs -------------------------------------------------------------------------------


@each_backend
async def test_long_output_arrives_intact(sim: RunningSimulator, name: str) -> None:
    sim.config.reset(text="tok", output_len=2000)

    out = await run(load(sim, name), 2000)

    assert out.content == " ".join(["tok"] * 2000)
    assert out.output_tokens == (None if not PROTOCOLS[name].token_source else 2000)
    if PROTOCOLS[name].stream:
        assert len(out.content_times_ns) == 2000


# -- non-ASCII text -----------------------------------------------------------------------------


@each_backend
@pytest.mark.parametrize("escaped", [False, True], ids=["utf8-json", "ascii-escaped-json"])
async def test_non_ascii_text_split_across_events(
    sim: RunningSimulator, name: str, escaped: bool
) -> None:
    sim.config.reset(text=NON_ASCII, json_spaces=escaped)

    out = await run(load(sim, name), 64)

    assert out.content == "Grüße 東京 🚀 naïve café"
    assert out.output_tokens == expected_tokens(PROTOCOLS[name], 5, ended_by_eos=True)
    if PROTOCOLS[name].stream:
        assert len(out.content_times_ns) == 5  # "Grüße", " 東京", " 🚀", " naïve", " café"


@each_backend
async def test_non_ascii_text_survives_one_byte_reads(sim: RunningSimulator, name: str) -> None:
    """Every multi-byte character (and every SSE frame) arrives split across reads."""
    sim.config.reset(text=NON_ASCII)

    transport = OneByteReads()
    out = await run(load(sim, name), 64, transport=transport)

    assert transport.reads > len("Grüße 東京 🚀 naïve café".encode())  # 32 bytes, one per read
    assert out.content == "Grüße 東京 🚀 naïve café"
    assert out.finish_reason == PROTOCOLS[name].natural
    if PROTOCOLS[name].stream:
        assert len(out.content_times_ns) == 5


# == each protocol's own scenarios ================================================================

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
"""CHAT_PROMPT as one string (completions-style protocols): 12 simulator prompt tokens."""
TGI_PROMPT = PromptList(
    [{"role": "SYSTEM", "prompt": "Be brief."}, {"role": "HUMAN", "prompt": "2 + 2?"}]
)
KEY = "sk-test-123"
UUID4 = "<a uuid4>"
"""Stands for a request id that is a fresh uuid4 (`observe` replaces one with it)."""
OVER_THE_CONTEXT = SimulatorConfig().max_model_len + 1

Check = Callable[[RequestOutput, BaseAPIModel], None]


@dataclass(frozen=True)
class Case:
    """One backend file in one situation, and what its output must be."""

    backend: str
    scenario: str
    expect: dict[str, Any]
    """What `observe` must give for each of these keys."""
    prompt: PromptType = PROMPT
    max_out_len: int = 64
    keys: dict[str, Any] = field(default_factory=dict)
    """Backend keys over the file's; ``generation_kwargs`` starts empty, ``retry`` at 0."""
    sim: dict[str, Any] = field(default_factory=dict)
    """Simulator settings (`SimulatorConfig` fields) for this case."""
    server: Handler | None = None
    """A `MockTransport` in place of the simulator: replies no simulator setting gives."""
    error: tuple[str, ...] = ()
    """Fragments of ``error_info``; none (and no `error_start`): the request succeeds."""
    error_start: str = ""
    """How ``error_info`` starts."""
    check: Check | None = None
    """Anything beyond `expect` (timing, secrets)."""

    @property
    def id(self) -> str:
        return f"{self.backend}-{self.scenario}"


def observe(key: str, out: RequestOutput, model: BaseAPIModel, sim: RunningSimulator) -> Any:
    """One observed value: a `RequestOutput` field, or one of these."""
    derived: dict[str, Callable[[], Any]] = {
        "events": lambda: len(out.event_times_ns),
        "content_events": lambda: len(out.content_times_ns),
        "prediction": out.get_prediction,
        "endpoint": lambda: urlsplit(model.url).path,
        "model": lambda: model.model,
        "requests": lambda: sim.stats.requests,
        "authorizations": lambda: list(sim.stats.authorizations),
        "request_body": lambda: mark_uuid(out.request_body),
    }
    return derived[key]() if key in derived else getattr(out, key)


def mark_uuid(body: dict[str, Any]) -> dict[str, Any]:
    """`body` with a uuid4 ``id`` (Triton's, as AISBench sends) replaced by `UUID4`."""
    request_id = body.get("id")
    if isinstance(request_id, str) and uuid.UUID(request_id).version == 4:
        return {**body, "id": UUID4}
    return body


def paced(ttft: float, itl: float) -> Check:
    """No text before its deadline: token i (of the 4) at ``ttft + i * itl`` after sending, a
    whole body only after the last token."""

    def check(out: RequestOutput, model: BaseAPIModel) -> None:
        times = out.content_times_ns if out.streamed else out.event_times_ns[-1:] * 4
        assert len(times) == 4
        for index, arrived in enumerate(times):
            assert arrived - out.send_time_ns >= (ttft + index * itl) * 1e9

    return check


def mindie_pacing(out: RequestOutput, model: BaseAPIModel) -> None:
    """Tokens 0.05 s after the request, then 0.02 s apart (a late first token may shorten
    the gaps that follow a little, never by a tenth in all)."""
    paced(0.05, 0.02)(out, model)
    times = out.content_times_ns
    assert times[-1] - times[0] >= 3 * 0.02e9 * 0.9


def role_chunk_is_not_content(out: RequestOutput, model: BaseAPIModel) -> None:
    """Role chunk, 4 token chunks, usage chunk, [DONE]: TTFT counts from the first token,
    sent 0.3 s after the request, then one every 0.02 s."""
    assert out.content_times_ns == out.event_times_ns[1:5]
    paced(0.3, 0.02)(out, model)


def key_never_shown(out: RequestOutput, model: BaseAPIModel) -> None:
    for shown in (repr(model), str(model.headers), repr(vars(model))):
        assert KEY not in shown
    assert KEY not in json.dumps(out.request_body)


def wrong_key_not_shown(out: RequestOutput, model: BaseAPIModel) -> None:
    assert "sk-wrong" not in out.error_info


def openai_body(backend: str, prompt: dict[str, Any], max_tokens: int, **kwargs: Any) -> Any:
    """The body of an OpenAI backend: the model, the prompt field, ``max_tokens``, stream."""
    stream = PROTOCOLS[backend].stream
    usage = {"stream_options": {"include_usage": True}} if stream else {}
    return {"model": "sim-model", **prompt, "max_tokens": max_tokens, "stream": stream,
            **usage, **kwargs}  # fmt: skip


def chat_or_joined(backend: str) -> dict[str, Any]:
    """CHAT_PROMPT as the backend sends it."""
    return {"messages": CHAT_MESSAGES} if "chat" in backend else {"prompt": JOINED_PROMPT}


def timed_role_chunk(request: MockRequest) -> AsyncIterator[Event]:
    """A role chunk at once and the first token 0.2 s later."""

    async def events() -> AsyncIterator[Event]:
        yield {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
        await asyncio.sleep(0.2)
        yield {"choices": [{"index": 0, "delta": {"content": "4"}, "finish_reason": "stop"}]}
        yield "[DONE]"

    return events()


def early_role_chunk(out: RequestOutput, model: BaseAPIModel) -> None:
    assert out.content_times_ns[0] - out.event_times_ns[0] >= 0.2e9
    assert out.content_times_ns[0] - out.send_time_ns >= 0.2e9


def delta(**fields: Any) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": fields, "finish_reason": None}]}


def tgi_token(index: int, text: str, special: bool, last: dict[str, Any] | None) -> Event:
    """A TGI stream event; `last` is the details of the final one."""
    return {
        "index": index,
        "token": {"id": index + 4, "text": text, "logprob": -0.1, "special": special},
        "generated_text": "4" if last else None,
        "details": last,
    }


MINDIE_DOCUMENTED = [
    # MindIE's documented example: the last token's text comes only in generated_text
    {"prefill_time": 45.5, "decode_time": None, "token": {"id": [626], "text": "am"}},
    {"prefill_time": None, "decode_time": 16.8, "token": {"id": [263], "text": " 1"}},
    {
        "prefill_time": None,
        "decode_time": 16.8,
        "generated_text": "am 15",
        "details": {"finish_reason": "length", "generated_tokens": 3, "seed": 1},
        "token": {"id": [29945], "text": None},
    },
]
OPENAI = ["vllm_chat", "vllm_stream_chat", "vllm_completions", "vllm_stream_completions"]
OK = {"success": True, "error_info": ""}
USAGE_4 = {"finish_reason": "stop", "output_tokens": 4, "token_source": "usage"}
LLAMA_CPP = {"usage_in_stream": False, "json_spaces": True}
"""llama.cpp's server: no usage in a stream, JSON with spaces after ``:`` and ``,``."""
NO_COUNTS = {"output_tokens": None, "input_tokens": None, "token_source": ""}


def echo(prompt_text: str) -> str:
    return prompt_text


# fmt: off
CASES: list[Case] = [
    # -- OpenAI (vLLM): chat turns, bodies, reasoning, llama.cpp, model names, keys, refusals
    *(Case(name, "chat-prompt", prompt=CHAT_PROMPT,
           keys={"generation_kwargs": {"temperature": 0.0, "seed": 7}},
           expect={**OK, **USAGE_4, "content": ANSWER, "reasoning_content": "",
                   "input_tokens": 12, "attempts": 1, "requests": 1,
                   "request_body": openai_body(name, chat_or_joined(name), 64,
                                               temperature=0.0, seed=7)})
      for name in OPENAI),
    Case("vllm_stream_chat", "server-reads-the-last-user-turn", prompt=CHAT_PROMPT,
         sim={"responder": echo}, expect={"content": "Answer now."}),
    Case("vllm_stream_completions", "server-reads-the-joined-turns", prompt=CHAT_PROMPT,
         sim={"responder": echo}, expect={"content": JOINED_PROMPT}),
    Case("vllm_chat", "string-prompt-is-one-user-message", max_out_len=8,
         expect={"request_body": openai_body(
             "vllm_chat", {"messages": [{"role": "user", "content": PROMPT}]}, 8)}),
    Case("vllm_stream_chat", "ttft-skips-the-role-chunk", sim={"ttft": 0.3, "itl": 0.02},
         expect={"content": ANSWER, "content_events": 4, "events": 7},
         check=role_chunk_is_not_content),
    Case("vllm_stream_chat", "ttft-skips-an-early-role-chunk", max_out_len=8,
         server=timed_role_chunk,
         expect={"content": "4", "events": 3, "content_events": 1}, check=early_role_chunk),
    *(Case(name, "reasoning-apart", sim={"reasoning_text": "Let me think."},
           expect={"reasoning_content": "Let me think.", "content": ANSWER,
                   "prediction": ANSWER, "output_tokens": 3 + 4,
                   # reasoning tokens count as output for TTFT and ITL
                   **({"content_events": 7} if PROTOCOLS[name].stream else {})})
      for name in ("vllm_chat", "vllm_stream_chat")),
    Case("vllm_chat", "reasoning_content-key-of-older-vllm", max_out_len=8,
         server=lambda request: {
             "choices": [{"index": 0, "finish_reason": "stop", "message": {
                 "role": "assistant", "content": "4", "reasoning_content": "2+2=4"}}],
             "usage": {"prompt_tokens": 3, "completion_tokens": 6, "total_tokens": 9}},
         expect={"reasoning_content": "2+2=4", "content": "4", "input_tokens": 3,
                 "output_tokens": 6, "token_source": "usage"}),
    Case("vllm_stream_chat", "reasoning_content-key-of-older-vllm", max_out_len=8,
         server=lambda request: [
             delta(role="assistant", content=""), delta(reasoning_content="2+2"),
             delta(reasoning_content="=4"), delta(content="4"),
             {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}, "[DONE]"],
         expect={"reasoning_content": "2+2=4", "content": "4", "finish_reason": "stop",
                 "output_tokens": None}),
    Case("vllm_stream_chat", "llama.cpp-sends-no-usage", sim=LLAMA_CPP,
         # role chunk, 4 token chunks, [DONE]: no usage chunk (the engine counts the events)
         expect={**NO_COUNTS, "content": ANSWER, "finish_reason": "stop", "events": 6}),
    Case("vllm_stream_chat", "llama.cpp-reasoning", sim={**LLAMA_CPP,
                                                          "reasoning_text": "Let me think."},
         expect={"reasoning_content": "Let me think.", "content": ANSWER,
                 "output_tokens": None}),
    Case("vllm_completions", "one-body-without-usage", prompt="2 + 2 =", max_out_len=8,
         server=lambda request: {"choices": [{"index": 0, "text": " 4",
                                              "finish_reason": "stop"}]},
         expect={**NO_COUNTS, "content": " 4"}),
    *(Case(name, "empty-model-asks-v1-models", max_out_len=8, keys={"model": ""},
           expect={"model": "sim-model", "request_body": openai_body(
               name, {"messages": [{"role": "user", "content": PROMPT}]} if "chat" in name
               else {"prompt": PROMPT}, 8)})
      for name in ("vllm_chat", "vllm_completions")),
    Case("vllm_stream_chat", "api-key-is-a-bearer-never-shown", max_out_len=8,
         sim={"api_key": KEY}, keys={"api_key": KEY},
         expect={"content": ANSWER, "authorizations": [f"Bearer {KEY}"]},
         check=key_never_shown),
    *(Case(name, "wrong-api-key-is-401", max_out_len=8, sim={"api_key": KEY},
           keys={"api_key": "sk-wrong", "retry": 2}, error=("HTTP 401", "Unauthorized"),
           expect={"attempts": 1, "authorizations": ["Bearer sk-wrong"]},
           check=wrong_key_not_shown)
      for name in ("vllm_chat", "vllm_stream_chat")),
    Case("vllm_chat", "missing-api-key-is-401", max_out_len=8, sim={"api_key": KEY},
         error=("HTTP 401",), expect={"authorizations": [""]}),
    Case("vllm_chat", "refusal-is-400-with-the-message", max_out_len=0, keys={"retry": 2},
         error_start="HTTP 400: ", error=("max_tokens must be at least 1, got 0.",),
         expect={"attempts": 1, "requests": 1}),
    Case("vllm_stream_completions", "unknown-model-is-404", max_out_len=8,
         keys={"model": "other"}, error=("HTTP 404", "The model `other` does not exist."),
         expect={}),
    # -- TGI: details, EOS, output_len, refusals inside and outside a stream
    *(Case(name, "body-eos-and-details", prompt=TGI_PROMPT,
           keys={"generation_kwargs": {"do_sample": False, "seed": 7}},
           expect={"content": ANSWER, "finish_reason": "eos_token",
                   "output_tokens": 4 + 1,  # the EOS token is generated and counted
                   "token_source": "usage", "requests": 1,
                   "request_body": {"inputs": "Be brief.\n2 + 2?", "parameters": {
                       "max_new_tokens": 64, "details": True, "do_sample": False, "seed": 7}},
                   # a stream: one event per token, EOS included; the EOS adds no text
                   **({"events": 5, "content_events": 4} if PROTOCOLS[name].stream
                      else {"events": 1})})
      for name in ("tgi", "tgi_stream")),
    *(Case(name, "output-len-repeats-and-counts", prompt="hi", sim={"output_len": 6},
           expect={"content": "The answer is 4. The answer", "output_tokens": 7,
                   "finish_reason": "eos_token"})
      for name in ("tgi", "tgi_stream")),
    Case("tgi_stream", "special-eos-text-is-skipped", prompt="hi", max_out_len=8,
         server=lambda request: [
             tgi_token(1, "4", False, None),
             tgi_token(2, "</s>", True, {"finish_reason": "eos_token", "generated_tokens": 2,
                                         "seed": None})],
         expect={"content": "4", "finish_reason": "eos_token", "output_tokens": 2,
                 "content_events": 1}),
    Case("tgi_stream", "without-details-still-complete", prompt="hi",
         keys={"generation_kwargs": {"details": False}},
         expect={"content": ANSWER, "output_tokens": None, "finish_reason": "unknown"}),
    Case("tgi_stream", "cut-before-the-last-event", prompt="hi", max_out_len=8,
         server=lambda request: [tgi_token(1, "4", False, None)],
         error=("stream ended",), expect={}),
    Case("tgi_stream", "tokens-never-early", prompt="hi", sim={"ttft": 0.2, "itl": 0.02},
         expect={"content_events": 4}, check=paced(0.2, 0.02)),
    Case("tgi", "validation-error-is-422", prompt="hi", max_out_len=OVER_THE_CONTEXT,
         keys={"retry": 2}, error_start="HTTP 422",
         error=("`max_new_tokens` must be <=", "validation"),
         expect={"attempts": 1, "requests": 1}),
    Case("tgi_stream", "validation-error-inside-a-stream", prompt="hi",
         max_out_len=OVER_THE_CONTEXT, error=("`max_new_tokens` must be <=", "validation"),
         expect={}),
    # -- Triton's generate extension: its body, no counts, model index, errors in a stream
    *(Case(name, "body-without-counts",
           keys={"generation_kwargs": {"temperature": 0.0, "top_k": 1}},
           expect={**OK, "content": ANSWER, "reasoning_content": "",
                   "finish_reason": None,  # the protocol carries none
                   "output_tokens": None, "input_tokens": None,  # nor token counts
                   "attempts": 1, "requests": 1,
                   "request_body": {"id": UUID4, "text_input": PROMPT, "parameters": {
                       "max_tokens": 64, "max_new_tokens": 64,
                       "stream": PROTOCOLS[name].stream, "temperature": 0.0, "top_k": 1}}})
      for name in ("triton", "triton_stream")),
    Case("triton_stream", "tokens-never-early", prompt="hi", sim={"ttft": 0.2, "itl": 0.02},
         expect={"content": ANSWER}, check=paced(0.2, 0.02)),
    Case("triton_stream", "server-reads-the-prompt", prompt="Grüße, what is 2 + 2?",
         sim={"responder": echo}, expect={"content": "Grüße, what is 2 + 2?"}),
    *(Case(name, "finish-reason-when-asked", prompt="hi", max_out_len=2,
           # the vLLM model of Triton adds it when asked with return_finish_reason
           keys={"generation_kwargs": {"return_finish_reason": True}},
           expect={"content": "The answer", "finish_reason": "length"})
      for name in ("triton", "triton_stream")),
    Case("triton_stream", "empty-model-is-the-first-ready-one", prompt="hi", max_out_len=8,
         sim={"model": "ensemble"}, keys={"model": ""},
         expect={"model": "ensemble", "endpoint": "/v2/models/ensemble/generate_stream",
                 "content": ANSWER}),
    *(Case(name, "unknown-model-is-404", prompt="hi", max_out_len=8,
           keys={"model": "other", "retry": 2},
           error=("HTTP 404", "Request for unknown model: 'other' is not found"),
           expect={"attempts": 1})  # a client error is not retried
      for name in ("triton", "triton_stream")),
    Case("triton_stream", "error-object-in-a-200-stream", prompt="hi", max_out_len=8,
         server=lambda request: [
             {"model_name": "m", "model_version": "1", "text_output": "The"},
             {"error": "Executor failed process requestId 7: out of memory"}],
         error=("server error in response", "out of memory"), expect={}),
    Case("triton", "bad-request-is-400", prompt="hi", max_out_len=0,
         error_start="HTTP 400: ", error=("max_tokens must be a positive integer",),
         expect={}),
    # -- MindIE's /infer: its body, the final event, refusals
    *(Case(name, "body-and-details",
           keys={"generation_kwargs": {"temperature": 0.5, "seed": 7}},
           expect={"content": ANSWER, "finish_reason": "eos_token", "output_tokens": 4,
                   "token_source": "usage",
                   "input_tokens": None,  # /infer reports no prompt count
                   "requests": 1, "request_body": {
                       "inputs": PROMPT, "stream": PROTOCOLS[name].stream, "parameters": {
                           "details": True, "temperature": 0.5, "seed": 7,
                           "max_new_tokens": 64}}})
      for name in ("mindie", "mindie_stream")),
    Case("mindie_stream", "tokens-never-early", prompt="hi", sim={"ttft": 0.05, "itl": 0.02},
         # 4 tokens + the final event, which adds no text
         expect={"events": 5, "content_events": 4}, check=mindie_pacing),
    Case("mindie", "text-waits-for-the-last-token", prompt="hi",
         sim={"ttft": 0.03, "itl": 0.02}, expect={"events": 1}, check=paced(0.03, 0.02)),
    Case("mindie_stream", "final-generated-text-replaces-the-tokens", prompt="hi",
         max_out_len=3, server=lambda request: MINDIE_DOCUMENTED,
         expect={"content": "am 15", "finish_reason": "length", "output_tokens": 3,
                 "content_events": 3}),
    Case("mindie_stream", "without-details-still-complete", prompt="hi",
         keys={"generation_kwargs": {"details": False}},
         expect={"content": ANSWER, "finish_reason": "unknown", "output_tokens": None}),
    *(Case(name, "refusal-is-422-with-the-message", prompt="hi", max_out_len=0,
           keys={"retry": 2},
           error_start="HTTP 422: ",
           error=("max_new_tokens must be an integer in (0, 2147483647], got 0.",),
           expect={"attempts": 1, "requests": 1})  # a client error is not retried
      for name in ("mindie", "mindie_stream")),
]
# fmt: on


def case_config(case: Case, port: int) -> ModelConfig:
    """The case's backend file, pointed at the simulator on `port`, with the case's keys."""
    overrides: list[tuple[str, Any]] = [
        ("host_ip", "127.0.0.1"),
        ("host_port", port),
        ("retry", 0),
        ("generation_kwargs", {}),
    ]
    if PROTOCOLS[case.backend].model:
        overrides.append(("model", "sim-model"))
    overrides.extend(case.keys.items())
    return load_backend_file(REPO / "backends" / f"{case.backend}.py", overrides)[0]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_scenario(sim: RunningSimulator, case: Case) -> None:
    for setting, value in case.sim.items():
        setattr(sim.config, setting, value)
    config = case_config(case, sim.port)
    model = config.build(transport=MockTransport(case.server) if case.server else None)
    assert isinstance(model, BaseAPIModel)
    out = RequestOutput()
    try:
        await model.generate(case.prompt, case.max_out_len, out)
    finally:
        await model.aclose()

    assert out.input is case.prompt
    if case.error or case.error_start:
        assert out.success is False
        assert out.error_info.startswith(case.error_start), out.error_info
        assert all(fragment in out.error_info for fragment in case.error), out.error_info
    else:
        assert out.success, out.error_info
    assert {key: observe(key, out, model, sim) for key in case.expect} == case.expect
    if case.check is not None:
        case.check(out, model)


def test_the_scenarios_are_distinct() -> None:
    assert len({case.id for case in CASES}) == len(CASES)


def test_a_triton_index_without_a_ready_model_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listed = [{"name": "m", "version": "1", "state": "UNAVAILABLE"}]

    def request(method: str, url: str, **kwargs: Any) -> httpx.Response:
        assert (method, url) == ("POST", "http://127.0.0.1:1/v2/repository/index")
        return httpx.Response(200, json=listed)

    monkeypatch.setattr(httpx, "request", request)
    with pytest.raises(ConfigError, match=r"key 'model': .*listed no READY model.*--aisbench-set"):
        build_backend(TritonCustomAPI, host_ip="127.0.0.1", host_port=1, model="")
