"""One HTTP/1.1 connection on an asyncio protocol: the response parser of `AsyncioTransport`.

`data_received` stamps the arrival time, strips the chunked framing and keeps the bytes;
nothing is decoded until the response has ended, so a stream costs one task wake-up.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import cast

from pytest_aisbench.errors import TransportError
from pytest_aisbench.transport.base import (
    CLOSED_WHILE_READING,
    DEFAULT_MAX_RESPONSE_BYTES,
    read_timeout_message,
    too_large,
)

Origin = tuple[str, str, int]
"""(scheme, host, port)."""

_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _TRAILER, _UNTIL_CLOSE, _DONE = range(7)
"""Where the parser stands in a response."""


@dataclass
class Response:
    """One response as it arrives: status, headers, and body pieces stamped on arrival."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    pieces: list[tuple[int, bytes]] = field(default_factory=list)
    keep_alive: bool = True

    def body(self) -> bytes:
        return b"".join(piece for _, piece in self.pieces)

    def text(self) -> str:
        return self.body().decode("utf-8", "replace")


class Connection(asyncio.Protocol):
    """One TCP (or TLS) connection, reading one response at a time into a `Response`."""

    def __init__(self, timeout_s: float, max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES) -> None:
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self._received = 0
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._buffer = b""
        self._state = _DONE
        self._remaining = 0
        self._response = Response()
        self._done: asyncio.Future[Response] | None = None
        self._last_ns = 0
        self._timer: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's do not subclass it

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter_ns()
        self._last_ns = now
        if self._done is None:  # bytes nobody asked for: the connection is not reusable
            self.abort()
            return
        self._received += len(data)
        if self._received > self.max_bytes:
            self._fail(too_large(self.max_bytes))
            return
        self._buffer = self._buffer + data if self._buffer else data
        try:
            self._parse(now)
        except (ValueError, IndexError) as exc:
            self._fail(TransportError(f"RemoteProtocolError: malformed response ({exc})"))

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._done is None or self._done.done():
            return
        if self._state == _UNTIL_CLOSE and exc is None:
            self._response.keep_alive = False
            self._finish()
        elif exc is None:
            self._fail(TransportError(f"ReadError: {CLOSED_WHILE_READING}"))
        else:
            self._fail(TransportError(f"ReadError: {exc or CLOSED_WHILE_READING}"))

    # -- one exchange -----------------------------------------------------------------------

    async def exchange(self, request: bytes) -> Response:
        """Send `request`; the whole response once its last byte has arrived."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self._done = loop.create_future()
        self._response = Response()
        self._state, self._buffer, self._received = _HEAD, b"", 0
        self._last_ns = time.perf_counter_ns()
        self._timer = loop.call_later(self.timeout_s, self._check_timeout)
        self.transport.write(request)
        try:
            return await self._done
        except BaseException:
            self.abort()  # cancelled or failed mid-response: the stream position is lost
            raise
        finally:
            self._timer.cancel()
            self._done = None

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _check_timeout(self) -> None:
        idle_s = (time.perf_counter_ns() - self._last_ns) / 1e9
        if idle_s < self.timeout_s:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.timeout_s - idle_s, self._check_timeout)
        else:
            self._fail(TransportError(read_timeout_message(self.timeout_s)))

    def _fail(self, exc: BaseException) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_exception(exc)
        self.abort()

    def _finish(self, extra: bool = False) -> None:
        """The response is complete; `extra`: bytes follow it, so the connection is spoiled."""
        self._state = _DONE
        if extra:
            self._response.keep_alive = False
        if self._done is not None and not self._done.done():
            self._done.set_result(self._response)

    # -- the parser -------------------------------------------------------------------------

    def _parse(self, now: int) -> None:
        """Advance through whatever `_buffer` holds; stamp body bytes with `now`."""
        buffer, pos, end = self._buffer, 0, len(self._buffer)
        pieces = self._response.pieces
        while pos < end:
            state = self._state
            if state == _CHUNK_SIZE:
                eol = buffer.find(b"\r\n", pos)
                if eol < 0:
                    break
                size = int(buffer[pos:eol].split(b";", 1)[0], 16)
                pos = eol + 2
                self._state, self._remaining = (_CHUNK_DATA, size) if size else (_TRAILER, 0)
            elif state == _CHUNK_DATA:
                stop = pos + self._remaining
                if stop + 2 > end:
                    break  # wait for the whole chunk: servers send an event per chunk
                pieces.append((now, buffer[pos:stop]))
                pos = stop + 2
                self._state = _CHUNK_SIZE
            elif state == _HEAD:
                eol = buffer.find(b"\r\n\r\n", pos)
                if eol < 0:
                    break
                head, pos = buffer[pos:eol], eol + 4
                self._read_head(head)
            elif state == _LENGTH:
                piece = buffer[pos : pos + self._remaining]
                pieces.append((now, piece))
                pos += len(piece)
                self._remaining -= len(piece)
                if not self._remaining:
                    self._finish(extra=pos < end)
            elif state == _UNTIL_CLOSE:
                pieces.append((now, buffer[pos:]))
                pos = end
            elif state == _TRAILER:
                eol = buffer.find(b"\r\n", pos)
                if eol < 0:
                    break
                line, pos = buffer[pos:eol], eol + 2
                if not line:
                    self._finish(extra=pos < end)
            else:  # _DONE with bytes left over: the connection is not reusable
                self._response.keep_alive = False
                pos = end
        self._buffer = buffer[pos:] if pos else buffer

    def _read_head(self, head: bytes) -> None:
        """Status line and headers; pick how the body is framed."""
        lines = head.decode("latin-1").split("\r\n")
        version, status_text = lines[0].split(" ", 2)[:2]
        status = int(status_text)
        if 100 <= status < 200:  # an interim response (100 Continue): the real one follows
            return
        response = self._response
        response.status = status
        for line in lines[1:]:
            name, _, value = line.partition(":")
            response.headers[name.strip().lower()] = value.strip()
        headers = response.headers
        connection = headers.get("connection", "").lower()
        response.keep_alive = version == "HTTP/1.1" and "close" not in connection
        if status in (204, 304):
            self._finish()
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            self._state = _CHUNK_SIZE
        elif "content-length" in headers:
            self._remaining = int(headers["content-length"])
            self._state = _LENGTH
            if not self._remaining:
                self._finish()
        else:
            self._state = _UNTIL_CLOSE
            response.keep_alive = False
