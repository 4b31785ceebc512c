"""Raw ASGI plumbing: the request object, JSON bodies and server-sent events.

The simulator speaks ASGI directly, with no framework between uvicorn and the handlers, so
that it costs as little CPU per token as possible and never becomes the bottleneck of the
client being benchmarked.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any

from .config import SimulatorConfig

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Encoder = Callable[[Any], bytes]

_JSON_HEADERS = [(b"content-type", b"application/json")]
_SSE_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
]


def compact_json(payload: Any) -> bytes:
    """JSON as vLLM writes it (pydantic): no spaces, non-ASCII left as UTF-8."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def spaced_json(payload: Any) -> bytes:
    """JSON as llama-cpp-python writes it (`json.dumps` defaults): spaces, ASCII escapes."""
    return json.dumps(payload).encode()


class BadBody(ValueError):
    """The request body is not the JSON the endpoint needs."""


class Request:
    """One HTTP request: the ASGI triple, a snapshot of the configuration, the arrival time."""

    __slots__ = ("arrival", "config", "disconnected", "encode", "receive", "scope", "send")

    def __init__(
        self, scope: Scope, receive: Receive, send: Send, config: SimulatorConfig, arrival: float
    ) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send
        self.config = config
        self.arrival = arrival
        self.disconnected = False
        self.encode: Encoder = spaced_json if config.json_spaces else compact_json

    async def body(self) -> bytes:
        """The whole request body."""
        chunks: list[bytes] = []
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def json(self) -> Any:
        """The body parsed as JSON; raises BadBody with the parser's message."""
        raw = await self.body()
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadBody(f"Invalid JSON body: {exc}") from exc

    def string_slot(self, build: Callable[[str], Any]) -> Callable[[str], bytes]:
        """An encoder for payloads that differ in one string only, for the per-token hot path.

        `build(text)` makes the payload; it is encoded once with a marker for `text`, and each
        call then only escapes `text` into place, as the full encoder would.
        """
        marker = f"slot-{uuid.uuid4().hex}"
        parts = self.encode(build(marker)).split(marker.encode())
        if len(parts) != 2:
            return lambda text: self.encode(build(text))
        before, after = parts[0][:-1], parts[1][1:]  # drop the marker's quotes
        escape = encode_basestring_ascii if self.config.json_spaces else encode_basestring
        return lambda text: before + escape(text).encode() + after

    def watch_disconnect(self) -> asyncio.Task[None]:
        """Start a task that sets `disconnected` when the client goes away; cancel it after."""

        async def watch() -> None:
            """Drain ``receive`` until the disconnect message."""
            while (await self.receive())["type"] != "http.disconnect":
                pass
            self.disconnected = True

        return asyncio.create_task(watch())

    async def respond_json(self, status: int, payload: Any) -> None:
        """A whole JSON response, written with this request's encoder."""
        await send_bytes(self.send, status, self.encode(payload), _JSON_HEADERS)

    async def respond_empty(self, status: int) -> None:
        """A response with no body (health checks)."""
        await send_bytes(self.send, status, b"", [])


async def send_bytes(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    """A complete response in two ASGI messages."""
    length = (b"content-length", str(len(body)).encode())
    await send({"type": "http.response.start", "status": status, "headers": [*headers, length]})
    await send({"type": "http.response.body", "body": body})


class EventStream:
    """A server-sent-events response: `data: <json>` events separated by blank lines."""

    __slots__ = ("_encode", "_prefix", "_send", "_stamp")

    def __init__(self, request: Request, prefix: bytes = b"data: ") -> None:
        self._send = request.send
        self._encode = request.encode
        self._prefix = prefix
        self._stamp = request.config.stamp_events

    async def start(self, status: int = 200) -> None:
        """Send the status and the event-stream headers."""
        await self._send({"type": "http.response.start", "status": status, "headers": _SSE_HEADERS})

    async def event(self, payload: Any) -> None:
        """Send one JSON payload as an event."""
        await self.raw(self._encode(payload))

    async def raw(self, data: bytes) -> None:
        """Send already-encoded data (or a marker like ``[DONE]``) as an event."""
        if self._stamp and data.endswith(b"}"):  # see SimulatorConfig.stamp_events
            data = data[:-1] + b',"sim_sent_ns":%d}' % time.perf_counter_ns()
        body = self._prefix + data + b"\n\n"
        await self._send({"type": "http.response.body", "body": body, "more_body": True})

    async def close(self) -> None:
        """End the response body."""
        await self._send({"type": "http.response.body", "body": b""})
