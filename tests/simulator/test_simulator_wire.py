"""The simulator's TGI, Triton and MindIE routes on the wire, over real HTTP.

What the backends parse (tests/test_protocol_set.py) is only as good as what the simulator
sends: these pin its events, bodies and refusals to each server's documented shapes.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from conftest import PROTOCOL_ANSWER
from pytest_aisbench.simulator import RunningSimulator

ANSWER = PROTOCOL_ANSWER


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


# -- TGI ---------------------------------------------------------------------------------------


def test_tgi_stream_wire_format(sim: RunningSimulator) -> None:
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


def test_tgi_generate_details_and_info(sim: RunningSimulator) -> None:
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


def test_tgi_missing_inputs_is_422(sim: RunningSimulator) -> None:
    for path in ("/generate", "/generate_stream"):
        response = httpx.post(f"{sim.url}{path}", json={"parameters": {}}, timeout=10)
        assert response.status_code == 422
        assert "inputs" in response.text


def test_tgi_empty_inputs_and_zero_tokens_are_validation_errors(sim: RunningSimulator) -> None:
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


# -- Triton's generate extension ---------------------------------------------------------------


def test_triton_protocol_surface(sim: RunningSimulator) -> None:
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


# -- MindIE's /infer ----------------------------------------------------------------------------


def test_mindie_stream_events_follow_the_documented_shape(sim: RunningSimulator) -> None:
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


def test_mindie_text_response_without_details(sim: RunningSimulator) -> None:
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
def test_mindie_bad_requests_are_refused_with_422(
    sim: RunningSimulator, body: dict[str, Any], message: str
) -> None:
    response = httpx.post(f"{sim.url}/infer", json=body)
    assert response.status_code == 422
    assert message in response.json()["error"]
    assert response.json()["error_type"] == "validation"


def test_mindie_body_that_is_not_json_is_a_400(sim: RunningSimulator) -> None:
    response = httpx.post(f"{sim.url}/infer", content=b"{not json")
    assert response.status_code == 400
    assert "Invalid JSON body" in response.json()["error"]
