"""`BaseAPIModel.generate`: retries, backoff and error outcomes, over the httpx client.

The network is `httpx.MockTransport` (conftest's `httpx_network`): these cases are about raw
responses (status lines, SSE bytes, httpx's own errors) as well as the retry policy.

Every failure ends in ``output.error_info`` with ``success False``; nothing raises. Transient
failures (connection errors, cut streams, HTTP 429 and 5xx) are retried ``retry`` times;
client errors and unreadable 2xx bodies are not.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

import pytest_aisbench.models.api_models.base_api as base_api
from conftest import build_backend, httpx_network
from pytest_aisbench.models.api_models.vllm_custom_api import VLLMCustomAPI
from pytest_aisbench.models.api_models.vllm_custom_api_chat import VLLMCustomAPIChat
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.utils.prompt import PromptType

OK_BODY = {
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "4"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}
ROLE = {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
FINISH = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}


def delta(text: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}


def sse(*events: dict[str, Any] | str) -> bytes:
    """A server-sent-events body; a str is sent as is (``[DONE]``), a dict as JSON."""
    return b"".join(
        b"data: " + (e.encode() if isinstance(e, str) else json.dumps(e).encode()) + b"\n\n"
        for e in events
    )


OK_STREAM = sse(ROLE, delta("4"), FINISH, "[DONE]")


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, float | None, float]]:
    """No waiting between attempts; returns the (attempt, retry_after, delay) of each backoff."""
    monkeypatch.setattr(base_api, "RETRY_BACKOFF_S", 0.0)
    real = base_api._backoff
    calls: list[tuple[int, float | None, float]] = []

    def spy(attempt: int, retry_after: float | None) -> float:
        delay = real(attempt, retry_after)
        calls.append((attempt, retry_after, delay))
        return 0.0

    monkeypatch.setattr(base_api, "_backoff", spy)
    return calls


class Server:
    """A scripted server: answers the n-th request with the n-th response (the last repeats)."""

    def __init__(self, *responses: Callable[[], httpx.Response]) -> None:
        self.responses = responses
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses[min(len(self.requests), len(self.responses)) - 1]()


def chat(
    server: Callable[[httpx.Request], httpx.Response] | None = None,
    cls: type[VLLMCustomAPIChat] = VLLMCustomAPIChat,
    **kwargs: Any,
) -> VLLMCustomAPIChat:
    """A chat backend (no /v1/models lookup) whose network is `server` (None: the real one)."""
    network = httpx_network(server) if server is not None else None
    return build_backend(cls, network, model="m", **kwargs)


async def generate_once(model: VLLMCustomAPI, prompt: PromptType = "hi") -> RequestOutput:
    out = RequestOutput()
    try:
        result = await model.generate(prompt, 8, out)
    finally:
        await model.aclose()
    assert result is out
    return out


def ok(stream: bool) -> Callable[[], httpx.Response]:
    if stream:
        return lambda: httpx.Response(200, content=OK_STREAM)
    return lambda: httpx.Response(200, json=OK_BODY)


def status(code: int, text: str = "", **headers: str) -> Callable[[], httpx.Response]:
    return lambda: httpx.Response(code, text=text, headers=headers)


STREAM = pytest.mark.parametrize("stream", [False, True], ids=["text", "stream"])


# -- HTTP status ------------------------------------------------------------------------------


@STREAM
async def test_503_then_200_succeeds_on_the_second_attempt(
    stream: bool, no_backoff: list[Any]
) -> None:
    server = Server(status(503, "overloaded"), ok(stream))
    out = await generate_once(chat(server, stream=stream, retry=2))

    assert out.success, out.error_info
    assert out.error_info == ""
    assert out.content == "4"
    assert out.attempts == 2
    assert len(server.requests) == 2
    assert [(attempt, retry_after) for attempt, retry_after, _ in no_backoff] == [(0, None)]


async def test_429_honours_retry_after(no_backoff: list[Any]) -> None:
    server = Server(status(429, "slow down", **{"Retry-After": "0"}), ok(False))
    out = await generate_once(chat(server, retry=2))

    assert out.success, out.error_info
    assert out.attempts == 2
    assert no_backoff == [(0, 0.0, 0.0)]


async def test_retry_after_seconds_set_the_wait(no_backoff: list[Any]) -> None:
    server = Server(status(429, "", **{"Retry-After": "1.5"}), ok(False))
    out = await generate_once(chat(server, retry=1))

    assert out.success, out.error_info
    assert no_backoff == [(0, 1.5, 1.5)]


@STREAM
async def test_500_on_every_attempt_fails_after_all_retries(
    stream: bool, no_backoff: list[Any]
) -> None:
    server = Server(status(500, "internal: engine dead\n"))
    out = await generate_once(chat(server, stream=stream, retry=2))

    assert out.success is False
    assert out.error_info == "HTTP 500: internal: engine dead"
    assert out.attempts == 3
    assert len(server.requests) == 3
    assert [attempt for attempt, _, _ in no_backoff] == [0, 1]


@STREAM
async def test_400_is_not_retried_and_reports_the_servers_message(stream: bool) -> None:
    error = {
        "error": {
            "message": "max_tokens must be at least 1, got 0.",
            "type": "BadRequestError",
            "param": "max_tokens",
            "code": 400,
        }
    }
    server = Server(lambda: httpx.Response(400, json=error))
    out = await generate_once(chat(server, stream=stream, retry=2))

    assert out.success is False
    assert out.error_info.startswith("HTTP 400: ")
    assert "max_tokens must be at least 1, got 0." in out.error_info
    assert out.attempts == 1
    assert len(server.requests) == 1


async def test_retry_zero_makes_one_attempt() -> None:
    server = Server(status(503))
    out = await generate_once(chat(server, retry=0))

    assert out.success is False
    assert out.error_info == "HTTP 503"
    assert out.attempts == 1
    assert len(server.requests) == 1


# -- streams cut or malformed -----------------------------------------------------------------


async def test_stream_without_done_or_finish_reason_is_retried_then_fails() -> None:
    server = Server(lambda: httpx.Response(200, content=sse(ROLE, delta("Hel"))))
    out = await generate_once(chat(server, stream=True, retry=2))

    assert out.success is False
    assert "stream ended before its final event" in out.error_info
    assert out.attempts == 3
    assert len(server.requests) == 3


async def test_stream_with_finish_reason_but_no_done_is_complete() -> None:
    server = Server(lambda: httpx.Response(200, content=sse(ROLE, delta("4"), FINISH)))
    out = await generate_once(chat(server, stream=True, retry=2))

    assert out.success, out.error_info
    assert out.content == "4"
    assert out.finish_reason == "stop"
    assert out.attempts == 1


async def test_last_attempts_partial_text_is_kept() -> None:
    """Each attempt starts afresh: the failed result holds the last attempt's text only."""
    server = Server(
        lambda: httpx.Response(200, content=sse(ROLE, delta("First"), delta(" try"))),
        lambda: httpx.Response(200, content=sse(ROLE, delta("Second"))),
    )
    out = await generate_once(chat(server, stream=True, retry=1))

    assert out.success is False
    assert out.content == "Second"
    assert len(out.content_times_ns) == 1
    assert len(out.event_times_ns) == 2
    assert out.attempts == 2


async def test_stream_cut_by_a_read_error_is_retried_and_keeps_its_text() -> None:
    async def cut() -> AsyncIterator[bytes]:
        yield sse(ROLE, delta("Hel"))
        raise httpx.ReadError("connection reset by peer")

    server = Server(lambda: httpx.Response(200, content=cut()))
    out = await generate_once(chat(server, stream=True, retry=1))

    assert out.success is False
    assert out.error_info.startswith("ReadError: ")
    assert "connection reset by peer" in out.error_info
    assert out.content == "Hel"
    assert out.attempts == 2
    assert len(server.requests) == 2


async def test_done_without_a_final_blank_line_still_ends_the_stream() -> None:
    body = sse(ROLE, delta("4"), FINISH) + b"data: [DONE]"
    server = Server(lambda: httpx.Response(200, content=body))
    out = await generate_once(chat(server, stream=True, retry=2))

    assert out.success, out.error_info
    assert out.content == "4"
    assert len(out.event_times_ns) == 4
    assert out.attempts == 1


async def test_comments_and_keepalives_are_not_events() -> None:
    body = b": ping\n\n" + sse(ROLE) + b": keep-alive\n\n" + sse(delta("4"), FINISH, "[DONE]")
    server = Server(lambda: httpx.Response(200, content=body))
    out = await generate_once(chat(server, stream=True, retry=0))

    assert out.success, out.error_info
    assert out.content == "4"
    assert len(out.event_times_ns) == 4
    assert len(out.content_times_ns) == 1


async def test_timeout_is_retried_then_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    out = await generate_once(chat(handler, retry=1))

    assert out.success is False
    assert out.error_info.startswith("timeout: ReadTimeout")
    assert out.attempts == 2


async def test_invalid_json_event_is_a_response_error_not_retried() -> None:
    body = sse(ROLE) + b'data: {"choices": [{"delta": \n\n' + sse("[DONE]")
    server = Server(lambda: httpx.Response(200, content=body))
    out = await generate_once(chat(server, stream=True, retry=2))

    assert out.success is False
    assert out.error_info.startswith("invalid JSON from server")
    assert '{"choices": [{"delta":' in out.error_info
    assert out.attempts == 1
    assert len(server.requests) == 1


async def test_invalid_json_body_is_a_response_error_not_retried() -> None:
    server = Server(lambda: httpx.Response(200, text="<html>502 Bad Gateway</html>"))
    out = await generate_once(chat(server, retry=2))

    assert out.success is False
    assert out.error_info.startswith("invalid JSON from server")
    assert "<html>502 Bad Gateway</html>" in out.error_info
    assert out.attempts == 1


async def test_body_of_the_wrong_shape_is_a_parse_error() -> None:
    server = Server(lambda: httpx.Response(200, json={"result": "4"}))
    out = await generate_once(chat(server, retry=2))

    assert out.success is False
    assert out.error_info.startswith("cannot parse response (KeyError('choices'))")
    assert "'result': '4'" in out.error_info
    assert out.attempts == 1


async def test_error_event_mid_stream_reports_the_servers_message() -> None:
    error = {"error": {"message": "engine crashed", "type": "InternalServerError", "code": 500}}
    server = Server(lambda: httpx.Response(200, content=sse(ROLE, delta("Hel"), error, "[DONE]")))
    out = await generate_once(chat(server, stream=True, retry=2))

    assert out.success is False
    assert out.error_info == "server error in response: engine crashed"
    assert out.content == "Hel"
    assert out.attempts == 1


async def test_error_body_with_status_200_is_an_error() -> None:
    server = Server(lambda: httpx.Response(200, json={"error": {"message": "bad things"}}))
    out = await generate_once(chat(server, retry=2))

    assert out.success is False
    assert out.error_info == "server error in response: bad things"


# -- no server, broken backend ----------------------------------------------------------------


@STREAM
async def test_connection_refused_is_a_connect_error_after_all_attempts(stream: bool) -> None:
    model = chat(stream=stream, retry=2, host_ip="127.0.0.1", host_port=9)
    out = await generate_once(model)

    assert out.success is False
    assert "ConnectError" in out.error_info
    assert out.attempts == 1 + 2


async def test_get_request_body_raising_is_an_error_outcome() -> None:
    class Broken(VLLMCustomAPIChat):
        async def get_request_body(
            self, input: PromptType, max_out_len: int, output: RequestOutput, **args: Any
        ) -> dict[str, Any]:
            raise ValueError("no chat template")

    server = Server(ok(False))
    out = await generate_once(chat(server, Broken, retry=2))

    assert out.success is False
    assert "get_request_body failed" in out.error_info
    assert "no chat template" in out.error_info
    assert server.requests == []


async def test_api_key_reaches_the_server_as_a_bearer_header() -> None:
    server = Server(ok(True))
    out = await generate_once(chat(server, stream=True, api_key="sk-test-123"))

    assert out.success, out.error_info
    assert server.requests[0].headers["authorization"] == "Bearer sk-test-123"
    assert server.requests[0].headers["content-type"] == "application/json"
    assert json.loads(server.requests[0].content) == out.request_body
