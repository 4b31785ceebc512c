"""The simulator's OpenAI endpoints against vLLM 0.32's captured behaviour, over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_aisbench.simulator import RunningSimulator, SimulatorConfig, running_simulator
from pytest_aisbench.simulator.server import bind_free_socket

REPO_ROOT = Path(__file__).resolve().parents[2]
TEXT = "Let's compute. 2 + 2 = 4. The answer is 4."
TOKENS = ["Let's", " compute.", " 2", " +", " 2", " =", " 4.", " The", " answer", " is", " 4."]
CHAT = "/v1/chat/completions"
COMPLETIONS = "/v1/completions"


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[RunningSimulator]:
    with running_simulator() as running:
        yield running


@pytest.fixture
def sim(shared_sim: RunningSimulator) -> RunningSimulator:
    """The module's simulator, its configuration back to defaults (the reply pinned to TEXT)."""
    shared_sim.config.reset(text=TEXT)
    return shared_sim


@pytest.fixture
def client(sim: RunningSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.url, timeout=10) as http:
        yield http


def chat_body(content: str = "What is 2+2?", **extra: Any) -> dict[str, Any]:
    return {"model": "sim-model", "messages": [{"role": "user", "content": content}], **extra}


def sse_events(client: httpx.Client, path: str, body: dict[str, Any]) -> list[Any]:
    """The stream's events, checking each is framed exactly as `data: <payload>\\n\\n`."""
    response = client.post(path, json=body)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    raw = response.text
    assert raw.endswith("\n\n")
    events = []
    for block in raw[:-2].split("\n\n"):
        assert block.startswith("data: "), block
        assert "\n" not in block
        payload = block[len("data: ") :]
        events.append(payload if payload == "[DONE]" else json.loads(payload))
    return events


def deltas(events: list[Any]) -> list[dict[str, Any]]:
    return [
        event["choices"][0]["delta"] for event in events if event != "[DONE]" and event["choices"]
    ]


# --- discovery ----------------------------------------------------------------------------


def test_models_lists_the_one_served_model(client: httpx.Client) -> None:
    response = client.get("/v1/models")
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "list"
    [card] = body["data"]
    assert card["id"] == "sim-model"
    assert card["object"] == "model"
    assert card["owned_by"] == "vllm"
    assert card["max_model_len"] == 4096
    assert isinstance(card["created"], int)
    assert "root" in card


def test_health_is_200_with_an_empty_body(client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.content == b""


def test_unknown_route_and_wrong_method_get_fastapi_bodies(client: httpx.Client) -> None:
    missing = client.get("/v1/nothing")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})
    wrong = client.post("/v1/models")
    assert (wrong.status_code, wrong.json()) == (405, {"detail": "Method Not Allowed"})


# --- chat ---------------------------------------------------------------------------------


def test_chat_non_stream_shape_and_usage(client: httpx.Client) -> None:
    response = client.post(CHAT, json=chat_body("What is 2+2 ?"))
    assert response.status_code == 200
    body = response.json()
    assert body["id"].startswith("chatcmpl-")
    assert body["object"] == "chat.completion"
    assert isinstance(body["created"], int)
    assert body["model"] == "sim-model"
    [choice] = body["choices"]
    assert choice["index"] == 0
    assert choice["message"]["role"] == "assistant"
    assert choice["message"]["content"] == TEXT
    assert choice["message"]["reasoning"] is None
    assert choice["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["prompt_tokens"] == 4
    assert usage["completion_tokens"] == len(TOKENS)
    assert usage["total_tokens"] == 4 + len(TOKENS)


def test_chat_stream_framing_with_usage(client: httpx.Client) -> None:
    body = chat_body(stream=True, stream_options={"include_usage": True})
    events = sse_events(client, CHAT, body)
    role, *token_chunks, usage_chunk, done = events
    assert done == "[DONE]"
    assert role["object"] == "chat.completion.chunk"
    assert role["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert role["choices"][0]["finish_reason"] is None
    assert [chunk["choices"][0]["delta"] for chunk in token_chunks] == [
        {"content": token} for token in TOKENS
    ]
    assert "".join(d["content"] for d in deltas(token_chunks)) == TEXT
    assert [c["choices"][0]["finish_reason"] for c in token_chunks] == [None] * 10 + ["stop"]
    assert all("usage" not in chunk for chunk in [role, *token_chunks])
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"] == {
        "prompt_tokens": 3,
        "total_tokens": 3 + len(TOKENS),
        "completion_tokens": len(TOKENS),
    }
    assert len({event["id"] for event in events[:-1]}) == 1


def test_chat_stream_without_include_usage_has_no_usage_chunk(client: httpx.Client) -> None:
    events = sse_events(client, CHAT, chat_body(stream=True))
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert all(chunk["choices"] and "usage" not in chunk for chunk in chunks)
    assert len(chunks) == 1 + len(TOKENS)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert "system_fingerprint" in chunks[-1]


def test_usage_in_stream_false_never_sends_usage(
    sim: RunningSimulator, client: httpx.Client
) -> None:
    sim.config.usage_in_stream = False
    events = sse_events(
        client, CHAT, chat_body(stream=True, stream_options={"include_usage": True})
    )
    assert all(event == "[DONE]" or "usage" not in event for event in events)
    assert events[-2]["choices"][0]["finish_reason"] == "stop"


def test_model_may_be_omitted(client: httpx.Client) -> None:
    body = chat_body()
    del body["model"]
    response = client.post(CHAT, json=body)
    assert response.status_code == 200
    assert response.json()["model"] == "sim-model"


def test_reasoning_comes_first(sim: RunningSimulator, client: httpx.Client) -> None:
    sim.config.reasoning_text = "Two and two make four."
    message = client.post(CHAT, json=chat_body()).json()["choices"][0]["message"]
    assert message["reasoning"] == "Two and two make four."
    assert message["content"] == TEXT
    events = sse_events(client, CHAT, chat_body(stream=True))
    token_deltas = deltas(events)[1:]
    assert token_deltas[:5] == [
        {"reasoning": piece} for piece in ["Two", " and", " two", " make", " four."]
    ]
    assert "".join(d["content"] for d in token_deltas[5:]) == TEXT


# --- completions --------------------------------------------------------------------------


def test_completions_non_stream(client: httpx.Client) -> None:
    response = client.post(COMPLETIONS, json={"prompt": "The capital of France is"})
    assert response.status_code == 200
    body = response.json()
    assert body["id"].startswith("cmpl-")
    assert body["object"] == "text_completion"
    [choice] = body["choices"]
    assert choice["text"] == TEXT
    assert choice["finish_reason"] == "stop"
    assert body["usage"] == {
        "prompt_tokens": 5,
        "total_tokens": 5 + len(TOKENS),
        "completion_tokens": len(TOKENS),
        "prompt_tokens_details": None,
        "completion_tokens_details": None,
    }


def test_completions_stream_has_no_role_chunk(client: httpx.Client) -> None:
    body = {"prompt": "Hi", "stream": True, "stream_options": {"include_usage": True}}
    events = sse_events(client, COMPLETIONS, body)
    *chunks, usage_chunk, done = events
    assert done == "[DONE]"
    assert [chunk["choices"][0]["text"] for chunk in chunks] == TOKENS
    assert all(chunk["object"] == "text_completion" for chunk in chunks)
    assert all("delta" not in chunk["choices"][0] for chunk in chunks)
    assert [c["choices"][0]["finish_reason"] for c in chunks] == [None] * 10 + ["stop"]
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"]["completion_tokens"] == len(TOKENS)


def test_completions_default_to_16_tokens_like_vllm(
    sim: RunningSimulator, client: httpx.Client
) -> None:
    sim.config.output_len = 40
    choice = client.post(COMPLETIONS, json={"prompt": "Go"}).json()["choices"][0]
    assert choice["finish_reason"] == "length"
    assert choice["text"] == "".join([*TOKENS, " Let's", " compute.", " 2", " +", " 2"])


def test_completions_accept_token_id_prompts(client: httpx.Client) -> None:
    body = client.post(COMPLETIONS, json={"prompt": [1, 2, 3, 4, 5, 6]}).json()
    assert body["usage"]["prompt_tokens"] == 6


# --- output length and stop strings ---------------------------------------------------------


def test_max_tokens_caps_output_with_length(client: httpx.Client) -> None:
    choice = client.post(CHAT, json=chat_body(max_tokens=3)).json()["choices"][0]
    assert choice["message"]["content"] == "Let's compute. 2"
    assert choice["finish_reason"] == "length"
    events = sse_events(client, CHAT, chat_body(max_tokens=3, stream=True))
    chunks = events[1:-1]
    assert [c["choices"][0]["delta"]["content"] for c in chunks] == TOKENS[:3]
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"


def test_max_tokens_equal_to_reply_length_is_a_natural_stop(client: httpx.Client) -> None:
    choice = client.post(CHAT, json=chat_body(max_tokens=len(TOKENS))).json()["choices"][0]
    assert choice["finish_reason"] == "stop"


def test_output_len_repeats_the_reply(sim: RunningSimulator, client: httpx.Client) -> None:
    sim.config.output_len = 13
    body = client.post(CHAT, json=chat_body()).json()
    assert body["choices"][0]["message"]["content"] == TEXT + " Let's compute."
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["completion_tokens"] == 13


def test_ignore_eos_generates_max_tokens(client: httpx.Client) -> None:
    body = client.post(CHAT, json=chat_body(max_tokens=30, ignore_eos=True)).json()
    assert body["usage"]["completion_tokens"] == 30
    assert body["choices"][0]["finish_reason"] == "length"


def test_min_tokens_extends_the_reply(client: httpx.Client) -> None:
    body = client.post(CHAT, json=chat_body(min_tokens=20)).json()
    assert body["usage"]["completion_tokens"] == 20
    assert body["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize(
    ("stop", "expected"),
    [
        ("=", "Let's compute. 2 + 2 "),
        (["nothing", " ="], "Let's compute. 2 + 2"),
        (["4.", "="], "Let's compute. 2 + 2 "),
    ],
)
def test_stop_cuts_before_the_first_stop_string(
    client: httpx.Client, stop: Any, expected: str
) -> None:
    choice = client.post(CHAT, json=chat_body(stop=stop)).json()["choices"][0]
    assert choice["message"]["content"] == expected
    assert choice["finish_reason"] == "stop"
    events = sse_events(client, CHAT, chat_body(stop=stop, stream=True))
    streamed = "".join(d.get("content", "") for d in deltas(events))
    assert streamed == expected
    assert events[-2]["choices"][0]["finish_reason"] == "stop"


def test_stop_string_wins_over_length_and_is_reported(client: httpx.Client) -> None:
    choice = client.post(COMPLETIONS, json={"prompt": "x", "stop": "answer"}).json()["choices"][0]
    assert choice["text"] == "Let's compute. 2 + 2 = 4. The "
    assert (choice["finish_reason"], choice["stop_reason"]) == ("stop", "answer")
    kept = {"prompt": "x", "stop": ["answer"], "include_stop_str_in_output": True}
    assert client.post(COMPLETIONS, json=kept).json()["choices"][0]["text"].endswith("The answer")


def test_eos_chunk_adds_an_empty_final_token(sim: RunningSimulator, client: httpx.Client) -> None:
    sim.config.eos_chunk = True
    events = sse_events(
        client, CHAT, chat_body(stream=True, stream_options={"include_usage": True})
    )
    last_token = events[-3]["choices"][0]
    assert (last_token["delta"], last_token["finish_reason"]) == ({"content": ""}, "stop")
    assert events[-4]["choices"][0]["finish_reason"] is None
    assert events[-2]["usage"]["completion_tokens"] == len(TOKENS) + 1


# --- errors -------------------------------------------------------------------------------


def test_unknown_model_is_a_404(client: httpx.Client) -> None:
    response = client.post(CHAT, json={**chat_body(), "model": "nope"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["message"].startswith("The model `nope` does not exist.")
    assert (error["type"], error["param"], error["code"]) == ("NotFoundError", "model", 404)


def test_max_tokens_over_max_model_len_is_a_400(client: httpx.Client) -> None:
    response = client.post(COMPLETIONS, json={"prompt": "Hi", "max_tokens": 5000})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"].startswith("max_tokens=5000 cannot be greater than max_model_len=4096.")
    assert (error["type"], error["param"], error["code"]) == ("BadRequestError", "max_tokens", 400)


def test_prompt_plus_max_tokens_over_the_window_is_a_400(client: httpx.Client) -> None:
    response = client.post(CHAT, json=chat_body("one two three", max_tokens=4095))
    assert response.status_code == 400
    assert "is too large: 4095" in response.json()["error"]["message"]


def test_invalid_json_is_a_400(client: httpx.Client) -> None:
    response = client.post(CHAT, content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("BadRequestError", 400)


def test_stream_options_need_stream(client: httpx.Client) -> None:
    response = client.post(CHAT, json=chat_body(stream_options={"include_usage": True}))
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "stream_options"


# --- replies ------------------------------------------------------------------------------


def test_responder_chooses_the_reply_from_the_last_user_message(sim: RunningSimulator) -> None:
    seen: list[str] = []

    def responder(prompt: str) -> str | None:
        seen.append(prompt)
        return "It is 7." if "3+4" in prompt else None

    sim.config.responder = responder
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 3+4?"},
    ]
    with httpx.Client(base_url=sim.url) as client:
        reply = client.post(CHAT, json={"messages": messages}).json()
        fallback = client.post(COMPLETIONS, json={"prompt": "What is 1+1?"}).json()
    assert reply["choices"][0]["message"]["content"] == "It is 7."
    assert fallback["choices"][0]["text"] == TEXT
    assert seen == ["What is 3+4?", "What is 1+1?"]


@pytest.mark.parametrize("json_spaces", [False, True])
def test_non_ascii_text_round_trips(
    sim: RunningSimulator, client: httpx.Client, json_spaces: bool
) -> None:
    sim.config.text = "Grüße 東京 🚀"
    sim.config.json_spaces = json_spaces
    body = client.post(CHAT, json=chat_body()).json()
    assert body["choices"][0]["message"]["content"] == "Grüße 東京 🚀"
    events = sse_events(client, CHAT, chat_body(stream=True))
    assert [d["content"] for d in deltas(events)[1:]] == ["Grüße", " 東京", " 🚀"]


@pytest.mark.parametrize("json_spaces", [False, True])
def test_stream_chunks_are_encoded_exactly_like_the_full_encoder(
    sim: RunningSimulator, client: httpx.Client, json_spaces: bool
) -> None:
    sim.config.text = 'He said "hi" \\ back\nslash\ttab Grüße 🚀 </end>'
    sim.config.reasoning_text = 'Think "twice".'
    sim.config.json_spaces = json_spaces
    response = client.post(CHAT, json=chat_body(stream=True))
    payloads = [block[len("data: ") :] for block in response.text.split("\n\n")[:-2]]
    for payload in payloads:
        parsed = json.loads(payload)
        if json_spaces:
            assert payload == json.dumps(parsed)
        else:
            assert payload == json.dumps(parsed, ensure_ascii=False, separators=(",", ":"))
    texts = [
        d.get("reasoning", d.get("content")) for d in deltas([json.loads(p) for p in payloads])
    ]
    assert "".join(str(text) for text in texts[1:]) == sim.config.reasoning_text + sim.config.text


def test_json_spaces_writes_like_json_dumps(sim: RunningSimulator, client: httpx.Client) -> None:
    assert '": "' not in client.post(CHAT, json=chat_body()).text
    sim.config.json_spaces = True
    spaced = client.post(CHAT, json=chat_body()).text
    assert '"object": "chat.completion"' in spaced
    assert ", " in spaced
    stream = client.post(CHAT, json=chat_body(stream=True)).text
    assert 'data: {"id": "chatcmpl-' in stream


def test_config_changes_apply_to_the_next_request(
    sim: RunningSimulator, client: httpx.Client
) -> None:
    assert client.post(CHAT, json=chat_body()).json()["choices"][0]["message"]["content"] == TEXT
    sim.config.text = "Changed."
    sim.config.model = "other"
    body = client.post(CHAT, json=chat_body(model="other")).json()
    assert body["choices"][0]["message"]["content"] == "Changed."


# --- timing and connections ------------------------------------------------------------------


def test_stream_timing_follows_ttft_and_itl(sim: RunningSimulator, client: httpx.Client) -> None:
    sim.config.ttft = 0.2
    sim.config.itl = 0.05
    sim.config.text = "one two three four five"
    arrivals: list[float] = []
    start = time.perf_counter()
    with client.stream("POST", CHAT, json=chat_body(stream=True)) as response:
        for line in response.iter_lines():
            if line.startswith("data: {") and '"content":"' in line and '"role"' not in line:
                arrivals.append(time.perf_counter() - start)
    total = time.perf_counter() - start
    assert len(arrivals) == 5
    assert arrivals[0] >= 0.2
    assert arrivals[-1] >= 0.4
    assert total >= 0.4


def test_non_stream_waits_for_the_whole_reply(sim: RunningSimulator, client: httpx.Client) -> None:
    sim.config.ttft = 0.2
    sim.config.itl = 0.05
    sim.config.text = "one two three four five"
    start = time.perf_counter()
    client.post(CHAT, json=chat_body())
    assert time.perf_counter() - start >= 0.4


def test_a_client_leaving_mid_stream_does_not_hurt_the_server(
    sim: RunningSimulator, client: httpx.Client
) -> None:
    sim.config.itl = 0.02
    sim.config.output_len = 200
    with client.stream("POST", CHAT, json=chat_body(stream=True)) as response:
        next(response.iter_lines())
    sim.config.itl = 0.0
    sim.config.output_len = None
    assert client.post(CHAT, json=chat_body()).status_code == 200


def test_running_simulator_stops_on_exit() -> None:
    with running_simulator(SimulatorConfig(model="m")) as running:
        assert running.url == f"http://127.0.0.1:{running.port}"
        assert httpx.get(f"{running.url}/v1/models").json()["data"][0]["id"] == "m"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{running.url}/v1/models")


# --- command line -------------------------------------------------------------------------


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest_aisbench.simulator", *args]


def _env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


def test_cli_serves_until_terminated(tmp_path: Path) -> None:
    responses = tmp_path / "responses.jsonl"
    responses.write_text('{"prompt_contains": "capital", "text": "Paris."}\n', encoding="utf-8")
    with bind_free_socket() as sock:
        port = sock.getsockname()[1]
    command = _cli("--port", str(port), "--log-level", "warning", "--responses", str(responses))
    process = subprocess.Popen(command, env=_env())
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "the simulator exited early"
            try:
                if httpx.get(f"{url}/v1/models", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the simulator did not come up"
            time.sleep(0.1)
        reply = httpx.post(f"{url}{CHAT}", json=chat_body("The capital of France?"), timeout=5)
        assert reply.json()["choices"][0]["message"]["content"] == "Paris."
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_rejects_a_bad_responses_file_in_one_line(tmp_path: Path) -> None:
    responses = tmp_path / "bad.jsonl"
    responses.write_text('{"prompt_contains": "a", "text": "b"}\n\n{"text": 3}\n', encoding="utf-8")
    result = subprocess.run(
        _cli("--responses", str(responses)), env=_env(), capture_output=True, text=True, timeout=30
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"{responses}:3" in lines[0]


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/completions"])
def test_stamped_events_carry_their_write_time_on_the_shared_clock(
    sim: RunningSimulator, path: str
) -> None:
    """With stamp_events, each JSON event says when it was written, between send and arrival."""
    sim.config.stamp_events, sim.config.itl = True, 0.02
    body = {"model": "sim-model", "stream": True, "stream_options": {"include_usage": True}}
    body |= chat_body() if "chat" in path else {"prompt": "2+2?"}
    sent = time.perf_counter_ns()
    arrivals: list[tuple[int, Any]] = []
    with (
        httpx.Client(base_url=sim.url, timeout=10) as http,
        http.stream("POST", path, json=body) as response,
    ):
        for line in response.iter_lines():
            if line.startswith("data: {"):
                arrivals.append((time.perf_counter_ns(), json.loads(line[6:])))
    stamps = [event["sim_sent_ns"] for _, event in arrivals]
    assert len(stamps) >= 4
    assert stamps == sorted(stamps)
    assert sent < stamps[0]
    assert all(stamp <= arrived for (arrived, _), stamp in zip(arrivals, stamps, strict=True))
    # token i is due 20 ms x i after the request (absolute deadlines): a busy machine makes a
    # stamp later, never earlier, so the last ones are at least that far from the send, while
    # stamps of the reading's pace (or of one moment) would not be. <= 3 events carry no token.
    span_ms = (stamps[-1] - sent) / 1e6
    assert span_ms >= 20 * (len(stamps) - 4), (span_ms, len(stamps))


def test_events_are_not_stamped_by_default(client: httpx.Client) -> None:
    events = sse_events(
        client, "/v1/completions", {"model": "sim-model", "prompt": "x", "stream": True}
    )
    assert not any("sim_sent_ns" in event for event in events if isinstance(event, dict))


@pytest.mark.parametrize("early", [False, True])
def test_early_role_chunk_comes_a_ttft_before_the_first_token(
    sim: RunningSimulator, early: bool
) -> None:
    sim.config.ttft, sim.config.early_role_chunk = 0.2, early
    times: list[float] = []
    with (
        httpx.Client(base_url=sim.url, timeout=10) as http,
        http.stream("POST", "/v1/chat/completions", json=chat_body(stream=True)) as response,
    ):
        for line in response.iter_lines():
            if line.startswith("data: {"):
                times.append(time.perf_counter())
                if len(times) == 2:
                    break
    gap = times[1] - times[0]  # the role chunk, then the first token
    assert (gap > 0.15) if early else (gap < 0.05)
