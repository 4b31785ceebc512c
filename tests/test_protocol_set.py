"""One protocol test set, run identically over all twelve built-in backend files.

Each backend is loaded from its own file in ``backends/`` (as ``--aisbench-model NAME`` does),
pointed at one simulator that serves the OpenAI, TGI, Triton and MindIE protocols at once, and
driven through ``generate``; ``ModelRunner.count_tokens`` then applies the plugin's token
fallback (tokenizer, else stream events) exactly as a session does.

What differs between protocols is not hidden: the tables below state, per backend, the
endpoint, the finish reasons the server itself sends (not normalized), where the output token
count comes from, how a stop string is passed and whether it stays in the text. Every test
reads its expectations from them (``PROTOCOLS`` joins the rows).

Timing is not asserted here beyond event order (see the per-protocol tests for lower bounds).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import PROTOCOL_ANSWER, httpx_network
from pytest_aisbench.backend_files import load_backend_file
from pytest_aisbench.config import ModelConfig
from pytest_aisbench.engine.runner import ModelRunner
from pytest_aisbench.models.api_models.base_api import BaseAPIModel
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.simulator import RunningSimulator

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.usefixtures("each_http_client")


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
STOP_STRINGS: dict[str, tuple[dict[str, Any], bool]] = {
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


PROTOCOLS = {
    name: Protocol(
        *ENDPOINTS[name], *FINISH_REASONS[name], *TOKEN_COUNTS[name], *STOP_STRINGS[name]
    )
    for name in ENDPOINTS
}
BACKENDS = list(PROTOCOLS)
EACH_BACKEND = pytest.mark.parametrize("name", BACKENDS, ids=BACKENDS)

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
    ModelRunner(config).count_tokens(output)
    assert output.success, output.error_info
    return output


def expected_tokens(protocol: Protocol, generated: int, ended_by_eos: bool) -> int | None:
    """The output token count `protocol` should report for `generated` text tokens."""
    if not protocol.token_source:
        return None
    return generated + (1 if ended_by_eos and protocol.eos_counted else 0)


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


@EACH_BACKEND
def test_backend_file_is_the_documented_protocol(sim: RunningSimulator, name: str) -> None:
    config = load(sim, name)
    model = config.build()
    protocol = PROTOCOLS[name]
    assert config.abbr == name
    assert config.settings["stream"] is protocol.stream
    assert model.url == f"http://127.0.0.1:{sim.port}{protocol.endpoint}"


# -- text ---------------------------------------------------------------------------------------


@EACH_BACKEND
async def test_text_is_the_servers_reply(sim: RunningSimulator, name: str) -> None:
    out = await run(load(sim, name), 64)

    assert out.content == "The answer is 4."
    assert out.reasoning_content == ""
    if PROTOCOLS[name].stream:
        # one event per token (plus protocol frames), each arriving no earlier than the last
        assert len(out.content_times_ns) == 4
        assert out.event_times_ns == sorted(out.event_times_ns)
        assert out.send_time_ns <= out.content_times_ns[0]
    else:
        assert len(out.event_times_ns) == 1
        assert out.content_times_ns == out.event_times_ns


# -- token counts -------------------------------------------------------------------------------


@EACH_BACKEND
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
    assert cut.token_source == protocol.token_source
    assert cut.output_tokens == expected_tokens(protocol, 2, ended_by_eos=False)


# -- finish reasons -----------------------------------------------------------------------------


@EACH_BACKEND
async def test_finish_reasons_are_the_protocols_own(sim: RunningSimulator, name: str) -> None:
    protocol = PROTOCOLS[name]
    natural = await run(load(sim, name), 64)
    cut = await run(load(sim, name), 3)

    assert natural.finish_reason == protocol.natural
    assert cut.finish_reason == protocol.length
    assert cut.content == "The answer is"


# -- stop sequences -----------------------------------------------------------------------------


@EACH_BACKEND
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


@EACH_BACKEND
async def test_without_the_stop_string_the_reply_is_whole(sim: RunningSimulator, name: str) -> None:
    sim.config.text = "Step one. STOP here. Step two."

    out = await run(load(sim, name), 64)

    assert out.content == "Step one. STOP here. Step two."
    assert out.finish_reason == PROTOCOLS[name].natural


# -- long outputs -------------------------------------------------------------------------------


@EACH_BACKEND
async def test_long_output_arrives_intact(sim: RunningSimulator, name: str) -> None:
    sim.config.reset(text="tok", output_len=2000)

    out = await run(load(sim, name), 2000)

    assert out.content == " ".join(["tok"] * 2000)
    assert out.output_tokens == (None if not PROTOCOLS[name].token_source else 2000)
    if PROTOCOLS[name].stream:
        assert len(out.content_times_ns) == 2000


# -- non-ASCII text -----------------------------------------------------------------------------


@EACH_BACKEND
@pytest.mark.parametrize("escaped", [False, True], ids=["utf8-json", "ascii-escaped-json"])
async def test_non_ascii_text_split_across_events(
    sim: RunningSimulator, name: str, escaped: bool
) -> None:
    sim.config.reset(text=NON_ASCII, json_spaces=escaped)

    out = await run(load(sim, name), 64)

    assert out.content == "Grüße 東京 🚀 naïve café"
    if PROTOCOLS[name].stream:
        assert len(out.content_times_ns) == 5  # "Grüße", " 東京", " 🚀", " naïve", " café"


@EACH_BACKEND
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
