"""Fault injection: make chosen generation requests fail the way real servers and networks do.

Set `SimulatorConfig.fault` to one of the names in `FAULTS` (defined in `fault_names`). It
applies to generation requests (POST) only, optionally only to those whose body has
`fault_match` in one of its strings (the prompt, in practice), and only to the first
`fault_count` of those (None: every one); every other request is served normally.
`SimulatorStats.faults` counts the requests a fault was applied to.

Each fault happens at the layer where it happens in real life:

- HTTP status (``http_400`` ... ``http_503``): answered before generation, with the
  protocol's own error body (each protocol module's ``error_body``) and, when
  `SimulatorConfig.retry_after` is set, a ``Retry-After`` header.
- connection (``reset_before_response``, ``reset_mid_stream``): the TCP connection is
  aborted with a RST (``SO_LINGER`` 0, then ``transport.abort()``), before any response byte,
  or after `AFTER_EVENTS` stream events (a whole body: after half of it).
- stream framing (``end_without_final``, ``malformed_sse``, ``invalid_json_event``,
  ``empty_body``, ``stall``, ``trickle``): the protocol handler runs unchanged and its ASGI
  ``send`` is wrapped to cut, corrupt, hold back or slow down what it sends.
- generation (``overlong``): the protocol ignores the requested maximum and generates
  `OVERLONG_FACTOR` times as many tokens, then stops by itself (see `common.length_limits`).

Aborting a connection needs the server's transport, which ASGI does not expose: it is found
on uvicorn's bound ``send`` (``send.__self__.transport``, h11 and httptools alike). Under
another server the abort falls back to raising `SimulatedReset` from the application, which
makes uvicorn-like servers close the connection (and log the exception).
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from .asgi import Message, Receive, Request, Send, send_bytes
from .config import SimulatorConfig
from .fault_names import FAULTS, HTTP_FAULTS, OVERLONG_FACTOR, check_fault
from .stats import SimulatorStats

__all__ = [
    "AFTER_EVENTS",
    "FAULTS",
    "HTTP_FAULTS",
    "INVALID_JSON",
    "MALFORMED_SSE_LINE",
    "OVERLONG_FACTOR",
    "TRICKLE_PIECES",
    "SimulatedReset",
    "check_fault",
    "serve",
]

Handler = Callable[[Request], Awaitable[None]]

AFTER_EVENTS = 2
"""Stream events sent before a mid-stream fault (``reset_mid_stream``, ``end_without_final``,
``stall``) strikes; ``invalid_json_event`` corrupts the last of them and ``malformed_sse``
inserts its line before it."""
TRICKLE_PIECES = 8
"""``trickle`` sends a whole (non-stream) body in this many pieces."""
MALFORMED_SSE_LINE = b'{"note": "a JSON line sent without SSE framing"}\n\n'
"""What ``malformed_sse`` inserts: no ``data:`` field, so an SSE client must skip it."""
INVALID_JSON = b'{"text_output": "cut here'
"""What ``invalid_json_event`` sends instead of an event's (or a body's) JSON."""


class SimulatedReset(ConnectionResetError):
    """Raised from the application when the server's transport cannot be found to abort."""


async def serve(request: Request, handler: Handler, stats: SimulatorStats) -> None:
    """Serve one generation request while ``request.config.fault`` is set.

    The body is read first (to match `fault_match`) and replayed to the handler. A request the
    fault does not select is served normally, with ``fault`` cleared in its config snapshot.
    """
    config = request.config
    body = await request.body()
    replayed = Request(
        request.scope, _replay(request.receive, body), request.send, config, request.arrival
    )
    if not _selected(config, body, stats):
        config.fault = ""
        await handler(replayed)
        return
    stats.faults += 1
    name = config.fault
    if name in HTTP_FAULTS:
        status, message = HTTP_FAULTS[name]
        await _respond_error(request, handler, status, message)
    elif name == "reset_before_response":
        await _reset(request.send, request.receive)
    elif name == "no_headers":
        await _wait_disconnect(request.receive)
    elif name == "overlong":
        await handler(replayed)  # the protocol reads `common.length_limits`
    else:
        faulty = _FaultySend(name, request.send, request.receive, config.trickle_gap)
        await handler(Request(request.scope, replayed.receive, faulty, config, request.arrival))


def _selected(config: SimulatorConfig, body: bytes, stats: SimulatorStats) -> bool:
    """Whether the fault applies to this request (`fault_count` and `fault_match`)."""
    if config.fault_count is not None and stats.faults >= config.fault_count:
        return False
    if not config.fault_match:
        return True
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return any(config.fault_match in text for text in _strings(data))


def _strings(data: Any) -> Iterator[str]:
    """Every string in a JSON value, keys excluded."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def _replay(receive: Receive, body: bytes) -> Receive:
    """A ``receive`` that first returns the already-read `body`, then defers to `receive`."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        """The already-read body once, then the real ``receive``."""
        return pending.pop() if pending else await receive()

    return replay


async def _respond_error(request: Request, handler: Handler, status: int, message: str) -> None:
    """Answer a status fault with the error body of the module that defines `handler`."""
    module = sys.modules.get(getattr(handler, "__module__", ""), None)
    error_body: Callable[[int, str], Any] = getattr(module, "error_body", _plain_error_body)
    headers = [(b"content-type", b"application/json")]
    if request.config.retry_after is not None:
        headers.append((b"retry-after", f"{request.config.retry_after:g}".encode()))
    await send_bytes(request.send, status, request.encode(error_body(status, message)), headers)


def _plain_error_body(status: int, message: str) -> dict[str, Any]:
    """The error body for a handler whose module defines no ``error_body``."""
    return {"error": message}


async def _reset(send: Send, receive: Receive) -> None:
    """Abort the connection with a RST, then wait until the server has noticed."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise SimulatedReset("simulated connection reset")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    await _wait_disconnect(receive)


async def _wait_disconnect(receive: Receive) -> None:
    """Wait until the client closes the connection, ignoring anything else it sends."""
    while (await receive())["type"] != "http.disconnect":
        pass


def _is_event_stream(message: Message) -> bool:
    """Whether a response start announces SSE (the stream faults act on events, not bytes)."""
    headers = dict(message.get("headers") or ())
    return headers.get(b"content-type", b"").startswith(b"text/event-stream")


class _FaultySend:
    """Wraps the server's ``send`` for the stream-level faults; see `FAULTS`."""

    def __init__(self, fault: str, send: Send, receive: Receive, trickle_gap: float) -> None:
        self.fault = fault
        self._send = send
        self._receive = receive
        self.trickle_gap = trickle_gap
        self.stream = False
        self.events = 0
        """Stream events passed on so far."""
        self.done = False
        """Nothing more goes out: the connection was reset, or the response was ended."""
        self._start: Message | None = None

    async def __call__(self, message: Message) -> None:
        if self.done:
            return
        if message["type"] == "http.response.start":
            self.stream = _is_event_stream(message)
            await self._on_start(message)
        elif self.stream:
            await self._on_stream_body(message)
        else:
            await self._on_whole_body(message)

    async def _on_start(self, message: Message) -> None:
        """Pass on, hold back or change the response start, as the fault needs."""
        if self.fault == "stall" and not self.stream:
            await self._stall()
        elif self.fault == "endless" and not self.stream:  # chunked: the body never ends
            headers = [(k, v) for k, v in message.get("headers", ()) if k != b"content-length"]
            await self._send({**message, "headers": headers})
        elif self.fault in ("invalid_json_event", "empty_body") and not self.stream:
            self._start = message  # sent with the body, whose length changes
        else:
            await self._send(message)

    async def _on_whole_body(self, message: Message) -> None:
        """Apply the fault to a whole (non-stream) body."""
        body: bytes = message.get("body", b"")
        if self.fault == "reset_mid_stream":
            await self._send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            await self._reset()
        elif self.fault in ("invalid_json_event", "empty_body"):
            await self._send_whole(INVALID_JSON if self.fault == "invalid_json_event" else b"")
        elif self.fault == "endless":
            await self._forever({"type": "http.response.body", "body": b" ", "more_body": True})
        elif self.fault == "trickle":
            size = -(-len(body) // TRICKLE_PIECES)
            for start in range(0, len(body), size):
                await asyncio.sleep(self.trickle_gap)
                piece = body[start : start + size]
                more = start + size < len(body)
                await self._send({"type": "http.response.body", "body": piece, "more_body": more})
        else:  # end_without_final, malformed_sse: stream-only faults
            await self._send(message)

    async def _send_whole(self, body: bytes) -> None:
        """Send the held-back start with a replaced body (and its new length)."""
        start = self._start or {}
        headers = [(k, v) for k, v in start.get("headers", ()) if k != b"content-length"]
        await send_bytes(self._send, start.get("status", 200), body, headers)

    async def _on_stream_body(self, message: Message) -> None:
        """Apply the fault to one stream event, or to the end of the stream."""
        is_event = bool(message.get("more_body", False))
        if not is_event:  # the end of the stream, maybe before the fault struck
            if self.fault == "reset_mid_stream":
                await self._reset()
            elif self.fault == "stall":
                await self._stall()
            else:
                await self._send(message)
            return
        fault = self.fault
        if fault == "empty_body":
            return
        if fault == "endless":
            await self._forever(message)
            return
        if fault == "trickle":
            await asyncio.sleep(self.trickle_gap)
        if self.events >= AFTER_EVENTS:
            if fault == "reset_mid_stream":
                await self._reset()
                return
            if fault == "end_without_final":
                self.done = True
                await self._send({"type": "http.response.body", "body": b""})
                return
            if fault == "stall":
                await self._stall()
                return
        if fault == "invalid_json_event" and self.events == AFTER_EVENTS - 1:
            message = {**message, "body": b"data: " + INVALID_JSON + b"\n\n"}
        if fault == "malformed_sse" and self.events == 1:
            await self._send(
                {"type": "http.response.body", "body": MALFORMED_SSE_LINE, "more_body": True}
            )
        self.events += 1
        await self._send(message)

    async def _reset(self) -> None:
        """Reset the connection; nothing is sent after it."""
        self.done = True
        await _reset(self._send, self._receive)

    async def _forever(self, message: Message) -> None:
        """Send `message` every `trickle_gap` seconds until the client disconnects."""
        self.done = True
        gone = asyncio.ensure_future(_wait_disconnect(self._receive))
        try:
            while not gone.done():
                await self._send(message)
                await asyncio.wait({gone}, timeout=self.trickle_gap)
        finally:
            gone.cancel()

    async def _stall(self) -> None:
        """Send nothing more, ever: wait until the client gives up and disconnects."""
        self.done = True
        await _wait_disconnect(self._receive)
