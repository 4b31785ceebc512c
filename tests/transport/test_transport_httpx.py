"""`HttpTransport` over `httpx.MockTransport`: what the httpx client itself does with bytes.

Bodies, SSE chunks and httpx's errors are played at the byte level; every failure must come
out as one of the plugin's errors, named as on the asyncio client (see test_http1.py).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from conftest import httpx_network
from pytest_aisbench.errors import ServerError, TransportError
from pytest_aisbench.transport import HttpTransport

URL = "http://server.test/v1/x"
BODY = {"prompt": "Grüße"}


async def post_json(network: Callable[[httpx.Request], httpx.Response]) -> Any:
    transport = httpx_network(network)
    try:
        return (await transport.post_json(URL, BODY, {"X-Test": "1"}))[1]
    finally:
        await transport.aclose()


async def stream(body: Callable[[], AsyncIterator[bytes]]) -> list[tuple[int, str]]:
    transport = httpx_network(lambda request: httpx.Response(200, content=body()))
    try:
        return [item async for item in transport.post_stream(URL, BODY, {})]
    finally:
        await transport.aclose()


async def test_the_body_is_sent_as_json_with_the_headers_given() -> None:
    sent: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"text": "4"})

    assert await post_json(server) == {"text": "4"}
    (request,) = sent
    assert (request.method, str(request.url)) == ("POST", URL)
    assert json.loads(request.content) == BODY
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-test"] == "1"


async def test_an_error_status_keeps_the_servers_text_and_retry_after() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="overloaded\n", headers={"Retry-After": "2"})

    with pytest.raises(ServerError) as raised:
        await post_json(server)

    assert (str(raised.value), raised.value.retry_after, raised.value.retryable) == (
        "HTTP 503: overloaded", 2.0, True
    )  # fmt: skip


async def test_events_split_across_chunks_are_stamped_with_their_last_chunk() -> None:
    """An event is complete when its blank line arrives: that chunk's arrival is its time
    (here the first event's blank line and the whole second event share the last chunk)."""

    async def body() -> AsyncIterator[bytes]:
        yield b'data: {"t": "Gr\xc3'
        yield b'\xbc\xc3\x9fe"}\n'
        yield b"\ndata: [DONE]\n\n"

    events = await stream(body)

    assert [data for _, data in events] == ['{"t": "Grüße"}', "[DONE]"]
    assert events[0][0] == events[1][0]


async def test_a_stream_cut_before_its_end_is_a_transport_error() -> None:
    """No end marker is needed, but a connection lost mid-stream is still a failure."""

    async def body() -> AsyncIterator[bytes]:
        yield b'data: {"t": "The"}\n\n'
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")

    seen: list[str] = []
    transport = httpx_network(lambda request: httpx.Response(200, content=body()))
    with pytest.raises(TransportError) as raised:
        async for _, data in transport.post_stream(URL, BODY, {}):
            seen.append(data)
    await transport.aclose()

    assert seen == ['{"t": "The"}']
    assert str(raised.value).startswith("RemoteProtocolError: peer closed connection")
    assert raised.value.retryable is True


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (httpx.ReadTimeout(""), "timeout: ReadTimeout: no data from the server for 0.5 s"),
        (httpx.ConnectTimeout(""), "timeout: ConnectTimeout: no connection within 0.5 s"),
        (httpx.ConnectError(""), "ConnectError: cannot connect"),
        (httpx.ReadError(""), "ReadError: the connection was closed or reset while reading"),
    ],
    ids=["read-timeout", "connect-timeout", "connect", "read"],
)
async def test_httpx_errors_become_the_plugins_with_a_message(
    error: httpx.TransportError, message: str
) -> None:
    def server(request: httpx.Request) -> httpx.Response:
        raise error

    transport = HttpTransport(
        max_connections=1, timeout_s=0.5, transport=httpx.MockTransport(server)
    )
    with pytest.raises(TransportError) as raised:
        await transport.post_json(URL, BODY, {})
    await transport.aclose()

    assert str(raised.value).startswith(message)
