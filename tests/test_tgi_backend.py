"""Protocol tests of `TGICustomAPI` against the simulator's TGI routes (`simulator/tgi.py`).

The simulator app is built here with the OpenAI and TGI routes. Timing asserts are lower
bounds only: the simulator never sends a token before its deadline, but may send it later.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import PROTOCOL_ANSWER, generate_once, mock_backend
from pytest_aisbench.config import validate_model
from pytest_aisbench.datasets.gsm8k import gold_reply
from pytest_aisbench.engine.accuracy import Engine
from pytest_aisbench.models.api_models.tgi_api import TGICustomAPI
from pytest_aisbench.simulator import (
    RunningSimulator,
)
from pytest_aisbench.utils.prompt import PromptList

ANSWER = PROTOCOL_ANSWER


def backend(sim: RunningSimulator, **kwargs: Any) -> TGICustomAPI:
    kwargs.setdefault("retry", 0)
    return TGICustomAPI(host_ip="127.0.0.1", host_port=sim.port, **kwargs)


def raw_stream(sim: RunningSimulator, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of a `/generate_stream` response, parsed."""
    response = httpx.post(f"{sim.url}/generate_stream", json=body, timeout=10)
    assert response.status_code == 200
    assert "[DONE]" not in response.text
    return [
        json.loads(line[len("data:") :])
        for line in response.text.splitlines()
        if line.startswith("data:")
    ]


STREAMS = pytest.mark.parametrize("stream", [False, True], ids=["text", "stream"])


# -- 1. text, request body, finish reasons, token counts ------------------------------------


@STREAMS
async def test_reply_request_body_and_eos_finish(sim: RunningSimulator, stream: bool) -> None:
    prompt = PromptList(
        [{"role": "SYSTEM", "prompt": "Be brief."}, {"role": "HUMAN", "prompt": "2 + 2?"}]
    )
    model = backend(sim, stream=stream, generation_kwargs={"do_sample": False, "seed": 7})
    assert model.url == f"http://127.0.0.1:{sim.port}/" + (
        "generate_stream" if stream else "generate"
    )
    out = await generate_once(model, prompt, 64)

    assert out.success, out.error_info
    assert out.content == ANSWER
    assert "</s>" not in out.content
    assert out.finish_reason == "eos_token"
    assert out.output_tokens == 4 + 1  # the EOS token is generated and counted
    assert out.token_source == "usage"
    assert out.input is prompt
    assert out.request_body == {
        "inputs": "Be brief.\n2 + 2?",
        "parameters": {"max_new_tokens": 64, "details": True, "do_sample": False, "seed": 7},
    }
    assert sim.stats.requests == 1
    if stream:
        # one event per token, EOS included; the EOS adds no text
        assert len(out.event_times_ns) == 5
        assert len(out.content_times_ns) == 4
    else:
        assert len(out.event_times_ns) == 1


@STREAMS
async def test_length_finish(sim: RunningSimulator, stream: bool) -> None:
    out = await generate_once(backend(sim, stream=stream), "2 + 2?", 2)

    assert out.success, out.error_info
    assert out.content == "The answer"
    assert out.finish_reason == "length"
    assert out.output_tokens == 2


@STREAMS
async def test_stop_sequence_finish_keeps_the_stop_text(
    sim: RunningSimulator, stream: bool
) -> None:
    model = backend(sim, stream=stream, generation_kwargs={"stop": [" is"]})
    out = await generate_once(model, "2 + 2?", 64)

    assert out.success, out.error_info
    assert out.content == "The answer is"
    assert out.finish_reason == "stop_sequence"
    assert out.output_tokens == 3


@STREAMS
async def test_output_len_repeats_and_counts(sim: RunningSimulator, stream: bool) -> None:
    sim.config.output_len = 6
    out = await generate_once(backend(sim, stream=stream), "hi", 64)

    assert out.success, out.error_info
    assert out.content == "The answer is 4. The answer"
    assert out.output_tokens == 7
    assert out.finish_reason == "eos_token"


def test_stream_wire_format(sim: RunningSimulator) -> None:
    events = raw_stream(sim, {"inputs": "hi", "parameters": {"max_new_tokens": 9, "details": True}})

    assert [e["index"] for e in events] == [1, 2, 3, 4, 5]
    assert [e["token"]["text"] for e in events] == ["The", " answer", " is", " 4.", "</s>"]
    assert [e["token"]["special"] for e in events] == [False] * 4 + [True]
    assert all(e["generated_text"] is None and e["details"] is None for e in events[:-1])
    assert events[-1]["generated_text"] == ANSWER
    assert events[-1]["details"] == {
        "finish_reason": "eos_token",
        "generated_tokens": 5,
        "seed": None,
        "input_length": 1,
    }


def test_generate_details_and_info(sim: RunningSimulator) -> None:
    body = {"inputs": "hi", "parameters": {"max_new_tokens": 2, "details": True}}
    data = httpx.post(f"{sim.url}/generate", json=body, timeout=10).json()
    assert data["generated_text"] == "The answer"
    details = data["details"]
    assert (details["finish_reason"], details["generated_tokens"]) == ("length", 2)
    assert [t["text"] for t in details["tokens"]] == ["The", " answer"]

    plain = httpx.post(f"{sim.url}/generate", json={"inputs": "hi"}, timeout=10).json()
    assert plain == {"generated_text": ANSWER}

    info = httpx.get(f"{sim.url}/info", timeout=10).json()
    assert info["model_id"] == "sim-model"
    assert info["max_total_tokens"] == sim.config.max_model_len


async def test_special_eos_token_text_is_skipped() -> None:
    """A mocked stream: the special token's text never reaches the content."""
    events = [
        {
            "index": 1,
            "token": {"id": 5, "text": "4", "logprob": -0.1, "special": False},
            "generated_text": None,
            "details": None,
        },
        {
            "index": 2,
            "token": {"id": 2, "text": "</s>", "logprob": -0.1, "special": True},
            "generated_text": "4",
            "details": {"finish_reason": "eos_token", "generated_tokens": 2, "seed": None},
        },
    ]
    model, _ = mock_backend(TGICustomAPI, lambda request: events, stream=True, retry=0)
    out = await generate_once(model, "hi", 8)

    assert out.success, out.error_info
    assert out.content == "4"
    assert (out.finish_reason, out.output_tokens) == ("eos_token", 2)
    assert len(out.content_times_ns) == 1


async def test_stream_without_details_is_still_complete(sim: RunningSimulator) -> None:
    model = backend(sim, stream=True, generation_kwargs={"details": False})
    out = await generate_once(model, "hi", 64)

    assert out.success, out.error_info
    assert out.content == ANSWER
    assert out.output_tokens is None
    assert out.finish_reason == "unknown"


async def test_stream_cut_before_the_last_event_is_an_error() -> None:
    event = {
        "index": 1,
        "token": {"id": 5, "text": "4", "logprob": -0.1, "special": False},
        "generated_text": None,
        "details": None,
    }
    model, _ = mock_backend(TGICustomAPI, lambda request: [event], stream=True, retry=0)
    out = await generate_once(model, "hi", 8)

    assert out.success is False
    assert "stream ended" in out.error_info


# -- 2. non-ASCII and timing ------------------------------------------------------------------


@STREAMS
async def test_non_ascii_text_across_events(sim: RunningSimulator, stream: bool) -> None:
    sim.config.text = "Grüße 東京 🚀"
    out = await generate_once(backend(sim, stream=stream), "Grüße?", 64)

    assert out.success, out.error_info
    assert out.content == "Grüße 東京 🚀"
    assert out.output_tokens == 4
    if stream:
        assert len(out.content_times_ns) == 3


async def test_token_timing_lower_bounds(sim: RunningSimulator) -> None:
    sim.config.ttft, sim.config.itl = 0.2, 0.02
    out = await generate_once(backend(sim, stream=True), "hi", 64)

    assert out.success, out.error_info
    assert len(out.content_times_ns) == 4
    for index, arrived in enumerate(out.content_times_ns):
        assert arrived - out.send_time_ns >= (0.2 + index * 0.02) * 1e9


# -- 3. errors --------------------------------------------------------------------------------


async def test_validation_error_is_http_422_with_the_servers_message(sim: RunningSimulator) -> None:
    out = await generate_once(backend(sim, retry=2), "hi", sim.config.max_model_len + 1)

    assert out.success is False
    assert out.error_info.startswith("HTTP 422")
    assert "`max_new_tokens` must be <=" in out.error_info
    assert "validation" in out.error_info
    assert out.attempts == 1
    assert sim.stats.requests == 1


async def test_validation_error_inside_a_stream(sim: RunningSimulator) -> None:
    out = await generate_once(backend(sim, stream=True), "hi", sim.config.max_model_len + 1)

    assert out.success is False
    assert "`max_new_tokens` must be <=" in out.error_info
    assert "validation" in out.error_info


def test_missing_inputs_is_422(sim: RunningSimulator) -> None:
    for path in ("/generate", "/generate_stream"):
        response = httpx.post(f"{sim.url}{path}", json={"parameters": {}}, timeout=10)
        assert response.status_code == 422
        assert "inputs" in response.text


def test_empty_inputs_and_zero_tokens_are_validation_errors(sim: RunningSimulator) -> None:
    response = httpx.post(f"{sim.url}/generate", json={"inputs": ""}, timeout=10)
    assert response.status_code == 422
    assert response.json() == {
        "error": "Input validation error: `inputs` cannot be empty",
        "error_type": "validation",
    }
    body = {"inputs": "hi", "parameters": {"max_new_tokens": 0}}
    response = httpx.post(f"{sim.url}/generate", json=body, timeout=10)
    assert response.status_code == 422
    assert "strictly positive" in response.json()["error"]


# -- 4. the GSM8K demo end to end ---------------------------------------------------------------


def datasets_dir() -> Path:
    default = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
    return Path(os.environ.get("AISBENCH_DATASETS_DIR") or default)


@STREAMS
def test_gsm8k_demo_all_correct(sim: RunningSimulator, stream: bool) -> None:
    data = datasets_dir()
    if not (data / "gsm8k" / "test.jsonl").is_file():
        pytest.skip(f"GSM8K not found under {data}; set AISBENCH_DATASETS_DIR")
    sim.config.responder = lambda prompt: gold_reply(prompt, data)
    entry = dict(
        attr="service",
        type=TGICustomAPI,
        abbr="tgi",
        host_ip="127.0.0.1",
        host_port=sim.port,
        stream=stream,
        batch_size=8,
        max_out_len=256,
    )
    dataset = "demo_gsm8k_gen_4_shot_cot_str"
    engine = Engine([validate_model(entry, "test")], data, {("tgi", dataset): list(range(8))})
    try:
        records = [engine.record("tgi", dataset, i) for i in range(8)]
    finally:
        engine.close()

    assert [r.outcome for r in records] == ["correct"] * 8, [r.error for r in records]
    assert all(r.finish_reason == "eos_token" for r in records)
    assert all(r.token_source == "usage" and r.output_tokens for r in records)
    assert sim.stats.requests == 8
