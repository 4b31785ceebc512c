"""`MockTransport`: a function as the server, with the real transports' status and body checks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from pytest_aisbench.errors import ResponseError, ServerError, TransportError
from pytest_aisbench.transport import MockRequest, MockResponse, MockTransport
from pytest_aisbench.transport.mock import Answer, Event

URL = "http://server.test/v1/x"
BODY = {"prompt": "hi"}
HEADERS = {"Authorization": "Bearer k"}


async def events_of(transport: MockTransport) -> list[tuple[int, str]]:
    return [item async for item in transport.post_stream(URL, BODY, HEADERS)]


async def test_a_dict_is_a_json_body_and_the_request_is_kept() -> None:
    transport = MockTransport(lambda request: {"text": "4"})

    _, data = await transport.post_json(URL, BODY, HEADERS)

    assert data == {"text": "4"}
    assert transport.requests == [MockRequest(URL, BODY, HEADERS, stream=False)]


async def test_a_list_is_the_events_of_a_stream_dicts_as_json_strings_as_they_are() -> None:
    transport = MockTransport(lambda request: [{"text": "4"}, "[DONE]"])

    events = await events_of(transport)

    assert [data for _, data in events] == ['{"text": "4"}', "[DONE]"]
    assert transport.requests[0].stream is True


async def test_an_async_handler_is_awaited() -> None:
    async def handler(request: MockRequest) -> Answer:
        await asyncio.sleep(0)
        return {"echo": request.body["prompt"]}

    _, data = await MockTransport(handler).post_json(URL, BODY, HEADERS)

    assert data == {"echo": "hi"}


async def test_async_events_arrive_when_yielded_and_may_fail_mid_stream() -> None:
    async def stream() -> AsyncIterator[Event]:
        yield {"text": "Hel"}
        raise TransportError("ReadError: the connection was reset")

    transport = MockTransport(lambda request: MockResponse(events=stream()))
    seen: list[str] = []

    with pytest.raises(TransportError, match="ReadError"):
        async for _, data in transport.post_stream(URL, BODY, HEADERS):
            seen.append(data)
    assert seen == ['{"text": "Hel"}']


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
async def test_an_error_status_is_a_server_error_with_its_text_and_retry_after(
    stream: bool,
) -> None:
    answer = MockResponse(status=429, text="slow down\n", headers={"retry-after": "1.5"})
    transport = MockTransport(lambda request: answer)

    with pytest.raises(ServerError) as raised:
        if stream:
            await events_of(transport)
        else:
            await transport.post_json(URL, BODY, HEADERS)

    assert (raised.value.status, raised.value.retry_after) == (429, 1.5)
    assert str(raised.value) == "HTTP 429: slow down"


async def test_a_redirect_is_not_followed() -> None:
    answer = MockResponse(status=307, headers={"location": "https://elsewhere.test/x"})

    with pytest.raises(ResponseError) as raised:
        await MockTransport(lambda request: answer).post_json(URL, BODY, HEADERS)
    assert str(raised.value) == "HTTP 307 redirect to elsewhere.test, not followed"


@pytest.mark.parametrize(
    "answer", [MockResponse(), MockResponse(text="  \n")], ids=["none", "blank"]
)
async def test_an_empty_body_is_a_response_error(answer: MockResponse) -> None:
    with pytest.raises(ResponseError, match=r"^empty response body \(HTTP 200\)$"):
        await MockTransport(lambda request: answer).post_json(URL, BODY, HEADERS)


async def test_a_raised_plugin_error_plays_a_network_fault() -> None:
    def refuse(request: MockRequest) -> Answer:
        raise TransportError("ConnectError: cannot connect")

    transport = MockTransport(refuse)

    with pytest.raises(TransportError, match="ConnectError"):
        await transport.post_json(URL, BODY, HEADERS)
    assert len(transport.requests) == 1


async def test_a_handler_answering_something_else_is_a_type_error() -> None:
    def wrong(request: MockRequest) -> Any:
        return "just text"

    with pytest.raises(TypeError, match="handler returned str"):
        await MockTransport(wrong).post_json(URL, BODY, HEADERS)


async def test_aclose_marks_it_closed() -> None:
    transport = MockTransport(lambda request: {})
    await transport.aclose()
    assert transport.closed is True
