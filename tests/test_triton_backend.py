"""Protocol tests of `TritonCustomAPI` (Triton's generate extension) against the simulator.

The app is built here from the OpenAI and Triton routes (the simulator maps Triton's
model-name paths onto its route templates).
Timing asserts are lower bounds only.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from conftest import (
    DATASETS_DIR,
    PROTOCOL_ANSWER,
    build_backend,
    generate_once,
    gold_responder,
    httpx_network,
    mock_backend,
)
from pytest_aisbench.config import validate_model
from pytest_aisbench.engine.accuracy import Engine
from pytest_aisbench.errors import ResponseError
from pytest_aisbench.models.api_models.triton_api import TritonCustomAPI
from pytest_aisbench.simulator import (
    RunningSimulator,
    SimulatorConfig,
    running_simulator,
)

ANSWER = PROTOCOL_ANSWER

STREAMS = pytest.mark.parametrize("stream", [False, True], ids=["text", "stream"])


def backend(sim: RunningSimulator, **kwargs: Any) -> TritonCustomAPI:
    kwargs.setdefault("model", "sim-model")
    kwargs.setdefault("retry", 0)
    model: TritonCustomAPI = build_backend(
        TritonCustomAPI, host_ip="127.0.0.1", host_port=sim.port, **kwargs
    )
    return model


def sse(*events: dict[str, Any]) -> bytes:
    """Triton's stream body: ``data: {json}`` events, no ``[DONE]``."""
    return b"".join(
        b"data: " + json.dumps(e, ensure_ascii=False).encode() + b"\n\n" for e in events
    )


def piece(text: str) -> dict[str, Any]:
    return {"model_name": "m", "model_version": "1", "text_output": text}


# -- 1. text, stream, body, URL -------------------------------------------------------------


@STREAMS
async def test_reply_body_and_url(sim: RunningSimulator, stream: bool) -> None:
    model = backend(sim, stream=stream, generation_kwargs={"temperature": 0.0, "top_k": 1})
    endpoint = "generate_stream" if stream else "generate"
    assert model.url == f"{sim.url}/v2/models/sim-model/{endpoint}"

    out = await generate_once(model, "What is 2 + 2?", 64)

    assert out.success, out.error_info
    assert out.error_info == ""
    assert out.content == ANSWER
    assert out.reasoning_content == ""
    assert out.finish_reason is None  # the protocol carries none
    assert out.output_tokens is None  # nor token counts
    assert out.input_tokens is None
    assert out.attempts == 1
    body = dict(out.request_body)
    request_id = body.pop("id")
    assert len(request_id) == 36 and request_id.count("-") == 4  # a uuid4, as AISBench sends
    assert body == {
        "text_input": "What is 2 + 2?",
        "parameters": {
            "max_tokens": 64,
            "max_new_tokens": 64,
            "stream": stream,
            "temperature": 0.0,
            "top_k": 1,
        },
    }
    assert sim.stats.requests == 1


@STREAMS
async def test_event_and_content_times(sim: RunningSimulator, stream: bool) -> None:
    out = await generate_once(backend(sim, stream=stream), "hi", 64)

    assert out.success, out.error_info
    if stream:
        assert len(out.event_times_ns) == 4  # one event per token, no end marker
        assert out.content_times_ns == out.event_times_ns
    else:
        assert len(out.event_times_ns) == 1
        assert out.content_times_ns == out.event_times_ns
    assert all(t >= out.send_time_ns for t in out.event_times_ns)
    assert out.event_times_ns == sorted(out.event_times_ns)


async def test_stream_timing_lower_bounds(sim: RunningSimulator) -> None:
    sim.config.ttft, sim.config.itl = 0.2, 0.02
    out = await generate_once(backend(sim, stream=True), "hi", 64)

    assert out.success, out.error_info
    assert out.content == ANSWER
    assert len(out.content_times_ns) == 4
    for index, arrived in enumerate(out.content_times_ns):
        assert arrived - out.send_time_ns >= (0.2 + index * 0.02) * 1e9


@STREAMS
async def test_max_out_len_caps_the_output(sim: RunningSimulator, stream: bool) -> None:
    out = await generate_once(backend(sim, stream=stream), "What is 2 + 2?", 2)

    assert out.success, out.error_info
    assert out.content == "The answer"
    assert out.request_body["parameters"]["max_tokens"] == 2
    if stream:
        assert len(out.content_times_ns) == 2


async def test_server_receives_the_prompt_text(sim: RunningSimulator) -> None:
    sim.config.responder = lambda prompt_text: prompt_text
    out = await generate_once(backend(sim, stream=True), "Grüße, what is 2 + 2?", 64)

    assert out.success, out.error_info
    assert out.content == "Grüße, what is 2 + 2?"


@STREAMS
async def test_finish_reason_is_read_when_the_server_sends_it(
    sim: RunningSimulator, stream: bool
) -> None:
    """The vLLM backend adds ``finish_reason`` when asked with ``return_finish_reason``."""
    model = backend(sim, stream=stream, generation_kwargs={"return_finish_reason": True})
    out = await generate_once(model, "hi", 2)

    assert out.success, out.error_info
    assert out.content == "The answer"
    assert out.finish_reason == "length"


# -- 2. model name from the repository index -------------------------------------------------


async def test_empty_model_is_the_first_ready_model_of_the_index(sim: RunningSimulator) -> None:
    sim.config.model = "ensemble"
    model = backend(sim, model="", stream=True)
    assert model.model == "ensemble"
    assert model.url == f"{sim.url}/v2/models/ensemble/generate_stream"

    out = await generate_once(model, "hi", 8)
    assert out.success, out.error_info
    assert out.content == ANSWER


def test_index_without_a_ready_model_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    listed = [{"name": "m", "version": "1", "state": "UNAVAILABLE"}]

    def request(method: str, url: str, **kwargs: Any) -> httpx.Response:
        assert (method, url) == ("POST", "http://127.0.0.1:1/v2/repository/index")
        return httpx.Response(200, json=listed)

    monkeypatch.setattr(httpx, "request", request)
    with pytest.raises(ResponseError, match="listed no READY model"):
        build_backend(TritonCustomAPI, host_ip="127.0.0.1", host_port=1, model="")


# -- 3. errors --------------------------------------------------------------------------------


@STREAMS
async def test_unknown_model_is_an_http_404_error(sim: RunningSimulator, stream: bool) -> None:
    out = await generate_once(backend(sim, model="other", stream=stream, retry=2), "hi", 8)

    assert out.success is False
    assert "HTTP 404" in out.error_info
    assert "Request for unknown model: 'other' is not found" in out.error_info
    assert out.attempts == 1  # a client error is not retried


async def test_error_object_inside_a_200_stream_is_an_error() -> None:
    events = [piece("The"), {"error": "Executor failed process requestId 7: out of memory"}]
    model, _ = mock_backend(
        TritonCustomAPI, lambda request: events, model="m", stream=True, retry=0
    )
    out = await generate_once(model, "hi", 8)

    assert out.success is False
    assert "server error in response" in out.error_info
    assert "out of memory" in out.error_info


async def test_a_stream_cut_before_its_end_is_a_transport_error() -> None:
    """No end marker is needed, but a connection lost mid-stream is still a failure."""

    async def body() -> AsyncIterator[bytes]:
        yield sse(piece("The"))
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")

    network = httpx_network(lambda request: httpx.Response(200, content=body()))
    model = build_backend(TritonCustomAPI, network, model="m", stream=True, retry=0)
    out = await generate_once(model, "hi", 8)

    assert out.success is False
    assert "RemoteProtocolError" in out.error_info


async def test_bad_request_is_an_http_400_with_the_servers_message(sim: RunningSimulator) -> None:
    out = await generate_once(backend(sim), "hi", 0)

    assert out.success is False
    assert out.error_info.startswith("HTTP 400: ")
    assert "max_tokens must be a positive integer" in out.error_info


# -- 4. non-ASCII across events ----------------------------------------------------------------


async def test_non_ascii_text_streams_token_by_token(sim: RunningSimulator) -> None:
    sim.config.text = "Grüße 東京 🚀"
    out = await generate_once(backend(sim, stream=True), "Grüße?", 64)

    assert out.success, out.error_info
    assert out.content == "Grüße 東京 🚀"
    assert len(out.content_times_ns) == 3


async def test_non_ascii_survives_one_byte_chunks() -> None:
    stream = sse(piece("Grüße"), piece(" 東京"), piece(" 🚀"))
    assert "東京".encode() in stream

    async def body() -> AsyncIterator[bytes]:
        for i in range(len(stream)):
            yield stream[i : i + 1]

    network = httpx_network(lambda request: httpx.Response(200, content=body()))
    model = build_backend(TritonCustomAPI, network, model="m", stream=True, retry=0)
    out = await generate_once(model, "hi", 8)

    assert out.success, out.error_info
    assert out.content == "Grüße 東京 🚀"
    assert len(out.content_times_ns) == 3
    assert out.finish_reason is None


# -- 5. the simulator's protocol surface -------------------------------------------------------


def test_simulator_protocol_surface(sim: RunningSimulator) -> None:
    with httpx.Client(base_url=sim.url) as client:
        assert client.get("/v2/health/ready").status_code == 200
        assert client.get("/v2/health/live").status_code == 200
        index = client.post("/v2/repository/index", json={})
        assert index.json() == [{"name": "sim-model", "version": "1", "state": "READY"}]
        meta = client.get("/v2/models/sim-model").json()
        assert (meta["name"], meta["versions"]) == ("sim-model", ["1"])
        assert client.get("/v2/models/sim-model/versions/1/ready").status_code == 200
        missing = client.get("/v2/models/other")
        assert missing.status_code == 404
        assert missing.json() == {"error": "Request for unknown model: 'other' is not found"}

        # inputs at the top level, and the vLLM backend's sampling_parameters, cap the output
        reply = client.post(
            "/v2/models/sim-model/versions/1/generate", json={"text_input": "x", "max_tokens": 1}
        )
        assert reply.json() == {
            "model_name": "sim-model",
            "model_version": "1",
            "text_output": "The",
        }
        sampled = {"text_input": "x", "sampling_parameters": json.dumps({"max_tokens": 3})}
        reply = client.post("/v2/models/sim-model/generate", json=sampled)
        assert reply.json()["text_output"] == "The answer is"
        reply = client.post("/v2/models/sim-model/generate", json={"parameters": {}})
        assert reply.status_code == 400
        assert "text_input" in reply.json()["error"]
        assert client.post("/v2/models/sim-model/versions/2/generate").status_code == 404

        with client.stream(
            "POST", "/v2/models/sim-model/generate_stream", json={"text_input": "x"}
        ) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            text = stream.read().decode()
        events = [json.loads(chunk[len("data: ") :]) for chunk in text.split("\n\n") if chunk]
        assert [e["text_output"] for e in events] == ["The", " answer", " is", " 4."]
        assert "[DONE]" not in text


# -- 6. end to end through the engine -----------------------------------------------------------


@STREAMS
def test_gsm8k_demo_end_to_end(stream: bool) -> None:
    dataset = "demo_gsm8k_gen_4_shot_cot_str"
    with running_simulator(SimulatorConfig(responder=gold_responder)) as sim:
        config = validate_model(
            dict(
                attr="service",
                type=TritonCustomAPI,
                abbr="triton",
                host_ip="127.0.0.1",
                host_port=sim.port,
                model="sim-model",
                stream=stream,
                batch_size=8,
                max_out_len=256,
            ),
            "test",
        )
        engine = Engine([config], DATASETS_DIR, {("triton", dataset): list(range(8))})
        try:
            records = [engine.record("triton", dataset, i) for i in range(8)]
        finally:
            engine.close()

    assert [r.outcome for r in records] == ["correct"] * 8, [r.error for r in records]
    assert all(r.prediction for r in records)
    assert sim.stats.requests == 8
