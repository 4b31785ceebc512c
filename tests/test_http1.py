"""The asyncio HTTP/1.1 client (`transport.http1`) against a scripted raw TCP server.

The protocol set, fault matrix and TLS tests run every backend over both clients against the
simulator; these cover the HTTP framing a real server may choose that the simulator does not
(Content-Length, read-until-close, chunk extensions and trailers, 100 Continue, one byte per
read), connection reuse, and that arrival times are the bytes' own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import pytest

from pytest_aisbench.errors import ResponseError, ServerError, TransportError
from pytest_aisbench.transport.codec import dump_json as _dumps
from pytest_aisbench.transport.codec import parse_json
from pytest_aisbench.transport.http1 import AsyncioTransport

Piece = bytes | float
"""What the scripted server does next: write bytes, or sleep that many seconds."""


@dataclass
class ScriptedServer:
    """Answers every request with `script`; counts connections and keeps the request bodies."""

    script: Sequence[Piece] = ()
    close_after: bool = False
    connections: int = 0
    bodies: list[dict[str, object]] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                text = head.decode("latin-1")
                self.heads.append(text)
                length = next(
                    int(line.split(":", 1)[1])
                    for line in text.split("\r\n")
                    if line.lower().startswith("content-length:")
                )
                self.bodies.append(json.loads(await reader.readexactly(length)))
                for piece in self.script:
                    if isinstance(piece, float):
                        await writer.drain()
                        await asyncio.sleep(piece)
                    else:
                        writer.write(piece)
                await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/completions"


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    scripted = ScriptedServer()
    tcp = await asyncio.start_server(scripted.handle, "127.0.0.1", 0)
    scripted.port = tcp.sockets[0].getsockname()[1]
    async with tcp:
        yield scripted


def chunked(*events: bytes) -> bytes:
    """An HTTP/1.1 chunked body of `events`, one chunk each, with the final empty chunk."""
    return b"".join(b"%x\r\n%s\r\n" % (len(e), e) for e in events) + b"0\r\n\r\n"


STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
)
EVENTS = (b'data: {"n": 1}\n\n', b'data: {"n": 2}\n\n', b"data: [DONE]\n\n")


async def stream(transport: AsyncioTransport, url: str) -> list[tuple[int, str]]:
    return [item async for item in transport.post_stream(url, {"prompt": "hi"}, {})]


async def test_chunked_sse_events_arrive_in_order_over_one_kept_alive_connection(
    server: ScriptedServer,
) -> None:
    server.script = [STREAM_HEAD + chunked(*EVENTS)]
    async with contextlib.aclosing(AsyncioTransport(max_connections=4)) as transport:
        for _ in range(3):
            events = await stream(transport, server.url)
            assert [data for _, data in events] == ['{"n": 1}', '{"n": 2}', "[DONE]"]
    assert server.connections == 1
    assert server.bodies == [{"prompt": "hi"}] * 3


async def test_every_byte_in_its_own_read_still_parses(server: ScriptedServer) -> None:
    whole = STREAM_HEAD + chunked('data: {"t": "日本"}\n\n'.encode(), b"data: [DONE]\n\n")
    server.script = [piece for byte in whole for piece in (bytes([byte]), 0.0005)]
    async with contextlib.aclosing(AsyncioTransport(max_connections=1)) as transport:
        events = await stream(transport, server.url)
    assert [data for _, data in events] == ['{"t": "日本"}', "[DONE]"]


async def test_arrival_times_are_when_the_bytes_came(server: ScriptedServer) -> None:
    server.script = [STREAM_HEAD, b"%x\r\n%s\r\n" % (len(EVENTS[0]), EVENTS[0]), 0.1]
    server.script += [chunked(*EVENTS[1:])]
    async with contextlib.aclosing(AsyncioTransport(max_connections=1)) as transport:
        events = await stream(transport, server.url)
    (first, _), (second, _), (last, _) = events
    assert 0.09 <= (second - first) / 1e9 < 0.5
    assert last == second  # sent together, stamped together


async def test_chunk_extensions_and_trailers_are_skipped(server: ScriptedServer) -> None:
    body = b'5;ext=1\r\n{"a":\r\n2\r\n1}\r\n0\r\nX-Trailer: yes\r\n\r\n'
    server.script = [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body]
    async with contextlib.aclosing(AsyncioTransport(max_connections=1)) as transport:
        _, data = await transport.post_json(server.url, {}, {})
        _, again = await transport.post_json(server.url, {}, {})
    assert data == again == {"a": 1}
    assert server.connections == 1


async def test_a_content_length_body_after_100_continue(server: ScriptedServer) -> None:
    server.script = [
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n",
    ]
    server.script += [b'{"a":', 0.02, b"1}\n"]
    async with contextlib.aclosing(AsyncioTransport(max_connections=1)) as transport:
        _, data = await transport.post_json(server.url, {}, {})
    assert data == {"a": 1}


async def test_a_body_read_until_close_ends_with_the_connection(server: ScriptedServer) -> None:
    server.script = [b"HTTP/1.0 200 OK\r\n\r\n", EVENTS[0], 0.02, EVENTS[2]]
    server.close_after = True
    async with contextlib.aclosing(AsyncioTransport(max_connections=1)) as transport:
        first = await stream(transport, server.url)
        second = await stream(transport, server.url)
    assert [data for _, data in first] == [data for _, data in second] == ['{"n": 1}', "[DONE]"]
    assert server.connections == 2


async def test_connection_close_is_honoured(server: ScriptedServer) -> None:
    server.script = [b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"]
    async with contextlib.aclosing(AsyncioTransport(max_connections=1)) as transport:
        for _ in range(2):
            assert (await transport.post_json(server.url, {}, {}))[1] == {}
    assert server.connections == 2


async def test_an_error_status_keeps_the_text_and_retry_after(server: ScriptedServer) -> None:
    body = b'{"error": "overloaded"}'
    server.script = [
        b"HTTP/1.1 429 Too Many\r\nRetry-After: 3\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    ]
    async with contextlib.aclosing(AsyncioTransport(max_connections=1)) as transport:
        with pytest.raises(ServerError) as caught:
            await stream(transport, server.url)
    assert (caught.value.status, caught.value.retry_after, caught.value.retryable) == (
        429,
        3.0,
        True,
    )
    assert "overloaded" in str(caught.value)


async def test_an_empty_body_is_a_response_error(server: ScriptedServer) -> None:
    server.script = [b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]
    async with contextlib.aclosing(AsyncioTransport(max_connections=1)) as transport:
        with pytest.raises(ResponseError, match="empty response body"):
            await transport.post_json(server.url, {}, {})


async def test_a_malformed_status_line_is_a_transport_error(server: ScriptedServer) -> None:
    server.script = [b"HTTP/1.1 OK fine\r\n\r\n"]
    async with contextlib.aclosing(AsyncioTransport(max_connections=1)) as transport:
        with pytest.raises(TransportError, match="RemoteProtocolError: malformed response"):
            await transport.post_json(server.url, {}, {})


async def test_a_cut_chunked_body_is_a_read_error(server: ScriptedServer) -> None:
    server.script = [STREAM_HEAD + b"%x\r\n%s\r\n" % (len(EVENTS[0]), EVENTS[0])]
    server.close_after = True
    async with contextlib.aclosing(AsyncioTransport(max_connections=1)) as transport:
        with pytest.raises(TransportError, match="ReadError: the connection was closed"):
            await stream(transport, server.url)


async def test_silence_longer_than_the_timeout_is_a_read_timeout(server: ScriptedServer) -> None:
    server.script = [STREAM_HEAD, 1.0]
    async with contextlib.aclosing(AsyncioTransport(max_connections=1, timeout_s=0.2)) as transport:
        with pytest.raises(
            TransportError, match=r"ReadTimeout: no data from the server for 0\.2 s"
        ):
            await stream(transport, server.url)


async def test_headers_are_sent_and_a_line_break_in_one_is_refused(server: ScriptedServer) -> None:
    server.script = [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"]
    async with contextlib.aclosing(
        AsyncioTransport(max_connections=1, headers={"Authorization": "Bearer k"})
    ) as transport:
        await transport.post_json(server.url, {}, {"X-Extra": "1"})
        with pytest.raises(TransportError, match="'X-Bad' holds a line break"):
            await transport.post_json(server.url, {}, {"X-Bad": "a\r\nInjected: 1"})
    assert "Authorization: Bearer k\r\n" in server.heads[0]
    assert "X-Extra: 1\r\n" in server.heads[0]
    assert f"Host: 127.0.0.1:{server.port}\r\n" in server.heads[0]
    assert len(server.heads) == 1


async def test_a_cancelled_request_drops_its_connection(server: ScriptedServer) -> None:
    server.script = [STREAM_HEAD, 5.0]
    async with contextlib.aclosing(AsyncioTransport(max_connections=1)) as transport:
        task = asyncio.ensure_future(stream(transport, server.url))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        server.script = [STREAM_HEAD + chunked(*EVENTS)]
        assert len(await stream(transport, server.url)) == 3
    assert server.connections == 2


async def test_a_refused_connection_is_a_connect_error() -> None:
    transport = AsyncioTransport(max_connections=1)
    with pytest.raises(TransportError, match="ConnectError: "):
        await transport.post_json("http://127.0.0.1:9/x", {}, {})


def test_bodies_the_fast_encoder_refuses_are_still_sent() -> None:
    body = {"logit_bias": {50256: -100}, "seed": 2**70, "prompt": "日本"}
    assert json.loads(_dumps(body)) == {
        "logit_bias": {"50256": -100},
        "seed": 2**70,
        "prompt": "日本",
    }


def test_json_the_fast_decoder_refuses_is_still_read() -> None:
    data = parse_json('{"a": NaN, "b": 123456789012345678901234567890}')
    assert data["b"] == 123456789012345678901234567890
    with pytest.raises(ResponseError, match="invalid JSON from server"):
        parse_json('{"a": ')
