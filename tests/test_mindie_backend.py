"""Protocol tests of `MindieStreamApi` (MindIE's native ``/infer``) against the simulator.

The app is built here from the OpenAI and MindIE routes until the MindIE routes are
registered in the simulator's default app. Timing asserts are lower bounds only.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from conftest import DATASETS_DIR, PROTOCOL_ANSWER, generate_once, gold_responder, mock_backend
from pytest_aisbench.config import validate_model
from pytest_aisbench.engine.accuracy import Engine
from pytest_aisbench.models.api_models.mindie_stream_api import MindieStreamApi
from pytest_aisbench.simulator import (
    RunningSimulator,
    SimulatorConfig,
    running_simulator,
)

ANSWER = PROTOCOL_ANSWER


def backend(sim: RunningSimulator, **kwargs: Any) -> MindieStreamApi:
    kwargs.setdefault("retry", 0)
    return MindieStreamApi(host_ip="127.0.0.1", host_port=sim.port, **kwargs)


STREAMS = pytest.mark.parametrize("stream", [False, True], ids=["text", "stream"])


# -- the wire format ------------------------------------------------------------------------


def test_raw_stream_events_follow_the_documented_shape(sim: RunningSimulator) -> None:
    body = {"inputs": "2 + 2?", "stream": True, "parameters": {"details": True}}
    response = httpx.post(f"{sim.url}/infer", json=body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [
        httpx.Response(200, content=line[len("data: ") :]).json()
        for line in response.text.split("\n\n")
        if line
    ]
    assert [e["token"]["text"] for e in events] == ["The", " answer", " is", " 4.", None]
    assert events[0]["prefill_time"] is not None and events[0]["decode_time"] is None
    assert all("generated_text" not in e for e in events[:-1])
    assert events[-1]["generated_text"] == ANSWER
    assert events[-1]["details"]["finish_reason"] == "eos_token"
    assert events[-1]["details"]["generated_tokens"] == 4


def test_raw_text_response_without_details(sim: RunningSimulator) -> None:
    response = httpx.post(f"{sim.url}/infer", json={"inputs": "hi"})
    assert response.status_code == 200
    assert response.json() == {"generated_text": ANSWER}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"inputs": ""}, "inputs must be a non-empty string"),
        ({"inputs": "hi", "parameters": {"max_new_tokens": 0}}, "max_new_tokens must be"),
        ({"inputs": "hi", "stream": "yes"}, "stream must be a boolean"),
        ({"inputs": "hi", "parameters": {"stop": 3}}, "stop must be a string"),
    ],
)
def test_bad_requests_are_refused_with_422(
    sim: RunningSimulator, body: dict[str, Any], message: str
) -> None:
    response = httpx.post(f"{sim.url}/infer", json=body)
    assert response.status_code == 422
    assert message in response.json()["error"]
    assert response.json()["error_type"] == "validation"


def test_body_that_is_not_json_is_a_400(sim: RunningSimulator) -> None:
    response = httpx.post(f"{sim.url}/infer", content=b"{not json")
    assert response.status_code == 400
    assert "Invalid JSON body" in response.json()["error"]


# -- the backend ----------------------------------------------------------------------------


@STREAMS
async def test_text_finish_reason_counts_and_request_body(
    sim: RunningSimulator, stream: bool
) -> None:
    model = backend(sim, stream=stream, generation_kwargs={"temperature": 0.5, "seed": 7})
    out = await generate_once(model, "What is 2 + 2?", 64)

    assert out.success, out.error_info
    assert out.content == ANSWER
    assert out.finish_reason == "eos_token"
    assert out.output_tokens == 4
    assert out.token_source == "usage"
    assert out.input_tokens is None  # /infer reports no prompt count
    assert out.request_body == {
        "inputs": "What is 2 + 2?",
        "stream": stream,
        "parameters": {"details": True, "temperature": 0.5, "seed": 7, "max_new_tokens": 64},
    }
    assert model.url == f"http://127.0.0.1:{sim.port}/infer"
    assert sim.stats.requests == 1


@STREAMS
async def test_max_new_tokens_cuts_with_length(sim: RunningSimulator, stream: bool) -> None:
    out = await generate_once(backend(sim, stream=stream), "hi", 2)

    assert out.success, out.error_info
    assert out.content == "The answer"
    assert out.finish_reason == "length"
    assert out.output_tokens == 2


@STREAMS
async def test_stop_string_cuts_with_stop_sequence(sim: RunningSimulator, stream: bool) -> None:
    model = backend(sim, stream=stream, generation_kwargs={"stop": [" is"]})
    out = await generate_once(model, "hi", 64)

    assert out.success, out.error_info
    assert out.content == "The answer"
    assert out.finish_reason == "stop_sequence"


async def test_stream_event_and_content_times(sim: RunningSimulator) -> None:
    sim.config.ttft, sim.config.itl = 0.05, 0.02
    out = await generate_once(backend(sim, stream=True), "hi", 64)

    assert out.success, out.error_info
    assert len(out.event_times_ns) == 5  # 4 tokens + the final event
    assert len(out.content_times_ns) == 4  # the final event adds no text
    ttft_ns = out.content_times_ns[0] - out.send_time_ns
    assert ttft_ns >= 0.05e9
    gaps = [b - a for a, b in zip(out.content_times_ns, out.content_times_ns[1:], strict=False)]
    assert sum(gaps) >= 3 * 0.02e9 * 0.9


async def test_text_mode_waits_for_the_last_token(sim: RunningSimulator) -> None:
    sim.config.ttft, sim.config.itl = 0.03, 0.02
    out = await generate_once(backend(sim, stream=False), "hi", 64)

    assert out.success, out.error_info
    assert len(out.event_times_ns) == 1
    assert out.event_times_ns[0] - out.send_time_ns >= (0.03 + 3 * 0.02) * 1e9


async def test_non_ascii_across_events(sim: RunningSimulator) -> None:
    sim.config.text = "Grüße 東京 🚀"
    out = await generate_once(backend(sim, stream=True), "Grüße?", 64)

    assert out.success, out.error_info
    assert out.content == "Grüße 東京 🚀"
    assert len(out.content_times_ns) == 3
    assert out.output_tokens == 3


async def test_final_generated_text_replaces_the_token_texts() -> None:
    """MindIE's documented example: the last token's text comes only in generated_text."""
    events = [
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
    model, _ = mock_backend(MindieStreamApi, lambda request: events, stream=True, retry=0)
    out = await generate_once(model, "hi", 3)

    assert out.success, out.error_info
    assert out.content == "am 15"
    assert out.finish_reason == "length"
    assert out.output_tokens == 3
    assert len(out.content_times_ns) == 3


async def test_stream_without_details_still_completes(sim: RunningSimulator) -> None:
    model = backend(sim, stream=True, generation_kwargs={"details": False})
    out = await generate_once(model, "hi", 64)

    assert out.success, out.error_info
    assert out.content == ANSWER
    assert out.finish_reason == "unknown"
    assert out.output_tokens is None


@STREAMS
async def test_server_refusal_names_status_and_message(sim: RunningSimulator, stream: bool) -> None:
    model = backend(sim, stream=stream, retry=2)
    out = await generate_once(model, "hi", 0)

    assert out.success is False
    assert out.error_info.startswith("HTTP 422: ")
    assert "max_new_tokens must be an integer in (0, 2147483647], got 0." in out.error_info
    assert out.attempts == 1  # a client error is not retried
    assert sim.stats.requests == 1


# -- end to end through the engine -----------------------------------------------------------


@STREAMS
def test_gsm8k_demo_end_to_end(stream: bool) -> None:
    dataset = "demo_gsm8k_gen_4_shot_cot_str"
    with running_simulator(SimulatorConfig(responder=gold_responder)) as sim:
        config = validate_model(
            dict(
                attr="service",
                type=MindieStreamApi,
                abbr="mindie",
                host_ip="127.0.0.1",
                host_port=sim.port,
                stream=stream,
                batch_size=8,
                max_out_len=256,
            ),
            "test",
        )
        engine = Engine([config], DATASETS_DIR, {("mindie", dataset): list(range(8))})
        try:
            records = [engine.record("mindie", dataset, i) for i in range(8)]
        finally:
            engine.close()

    assert [r.outcome for r in records] == ["correct"] * 8, [r.error for r in records]
    assert sim.stats.requests == 8
