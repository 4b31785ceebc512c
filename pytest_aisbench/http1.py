"""A small HTTP/1.1 client on asyncio protocols: the fast transport for load generation.

httpx costs 140-200 µs of client CPU per streamed event (h11, anyio and httpcore's pool run
for every read), which caps a client at a few hundred requests per second on 2 cores and makes
the client's own queueing show up in TTFT. This client does the least per event: `data_received`
stamps the arrival time, strips the chunked framing and keeps the bytes. SSE and JSON decoding
wait until the response has ended, so a stream costs one task wake-up instead of one per event;
the arrival times are those of the bytes, so no figure changes by decoding later.

What it does: POST with a JSON body, keep-alive connections pooled per origin (a request never
waits for a connection: callers cap concurrency), ``Content-Length``, chunked and
read-until-close bodies, https with the same verification as httpx, a read timeout (no bytes
for ``timeout_s``). What it does not: proxies (``HTTP(S)_PROXY`` are ignored), HTTP/2,
redirects (not followed, as in httpx), compression (it asks for ``identity``). Errors are the
plugin's own, with httpx's names (``ConnectError``, ``ReadError``, ``ReadTimeout``), so a fault
reads the same on either transport.
"""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
import time
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

from pytest_aisbench.errors import ResponseError, TransportError
from pytest_aisbench.sse import SSEDecoder
from pytest_aisbench.transport import (
    CLOSED_WHILE_READING,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT_S,
    check_status,
    connect_timeout,
    parse_json,
    read_timeout_message,
    too_large,
)

try:
    import orjson
except ImportError:  # pragma: no cover - depends on the extra ``fast``
    orjson = None  # type: ignore[assignment]


def _dumps(body: Any) -> bytes:
    """`body` as compact UTF-8 JSON; orjson when installed, the standard library for the rest."""
    if orjson is not None:
        try:
            return orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
        except TypeError:  # e.g. integers beyond 64 bits
            pass
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


Origin = tuple[str, str, int]
"""(scheme, host, port)."""

_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _TRAILER, _UNTIL_CLOSE, _DONE = range(7)
"""Where the parser stands in a response."""


@dataclass
class _Response:
    """One response as it arrives: status, headers, and body pieces stamped on arrival."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    pieces: list[tuple[int, bytes]] = field(default_factory=list)
    keep_alive: bool = True

    def body(self) -> bytes:
        return b"".join(piece for _, piece in self.pieces)

    def text(self) -> str:
        return self.body().decode("utf-8", "replace")


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection, reading one response at a time into a `_Response`."""

    def __init__(self, timeout_s: float, max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES) -> None:
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self._received = 0
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._buffer = b""
        self._state = _DONE
        self._remaining = 0
        self._response = _Response()
        self._done: asyncio.Future[_Response] | None = None
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

    async def exchange(self, request: bytes) -> _Response:
        """Send `request`; the whole response once its last byte has arrived."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self._done = loop.create_future()
        self._response = _Response()
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


class AsyncioTransport:
    """The `HttpTransport` interface (``post_json``, ``post_stream``, ``aclose``) on `_Connection`.

    Select it with the backend key ``http_client="asyncio"``.
    """

    def __init__(
        self,
        *,
        max_connections: int,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        headers: dict[str, str] | None = None,
        verify: bool | str = True,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        """`max_connections` bounds the idle connections kept; requests are capped by callers."""
        self._max_bytes = max_response_bytes
        self._max_idle = max_connections
        self._timeout_s = timeout_s
        self._headers = dict(headers or {})
        self._verify = verify
        self._ssl: ssl.SSLContext | None = None
        self._idle: dict[Origin, list[_Connection]] = {}
        self._busy: set[_Connection] = set()

    async def post_json(
        self, url: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, Any]:
        """POST `body`; the arrival time of the full response and its decoded JSON."""
        response = await self._post(url, body, headers)
        text = response.text()
        headers = response.headers
        check_status(response.status, headers.get("retry-after"), text, headers.get("location"))
        if not text.strip():
            raise ResponseError(f"empty response body (HTTP {response.status})")
        arrived = response.pieces[-1][0]
        return arrived, parse_json(text)

    async def post_stream(
        self, url: str, body: dict[str, Any], headers: dict[str, str]
    ) -> AsyncGenerator[tuple[int, str], None]:
        """POST `body`; ``(arrival_ns, data)`` of each SSE event, once the response has ended."""
        response = await self._post(url, body, headers)
        if response.status >= 300:
            headers = response.headers
            text = response.text()
            check_status(response.status, headers.get("retry-after"), text, headers.get("location"))
        decoder = SSEDecoder()
        arrived = 0
        for arrived, piece in _by_arrival(response.pieces):
            for data in decoder.feed(piece):
                yield arrived, data
        for data in decoder.flush():
            yield arrived, data

    async def aclose(self) -> None:
        """Close every connection, idle or not."""
        for connection in [c for pool in self._idle.values() for c in pool] + [*self._busy]:
            connection.abort()
        self._idle.clear()
        self._busy.clear()

    async def _post(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> _Response:
        origin, target, netloc = _split(url)
        payload = _dumps(body)
        request = _request_head("POST", target, netloc, {**self._headers, **headers})
        request += b"Content-Length: %d\r\n\r\n" % len(payload) + payload
        connection = await self._acquire(origin)
        self._busy.add(connection)
        try:
            response = await connection.exchange(request)
        finally:
            self._busy.discard(connection)
        if response.keep_alive and not connection.closed:
            pool = self._idle.setdefault(origin, [])
            if len(pool) < self._max_idle:
                pool.append(connection)
            else:
                connection.abort()
        else:
            connection.abort()
        return response

    async def _acquire(self, origin: Origin) -> _Connection:
        pool = self._idle.get(origin)
        while pool:
            connection = pool.pop()
            if not connection.closed:
                return connection
        return await self._connect(origin)

    async def _connect(self, origin: Origin) -> _Connection:
        scheme, host, port = origin
        context = self._ssl_context() if scheme == "https" else None
        loop = asyncio.get_running_loop()
        limit = connect_timeout(self._timeout_s)
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _Connection(self._timeout_s, self._max_bytes),
                    host,
                    port,
                    ssl=context,
                    server_hostname=host if context else None,
                ),
                limit,
            )
        except TimeoutError as exc:
            raise TransportError(
                f"timeout: ConnectTimeout: no connection within {limit:g} s"
            ) from exc
        except ssl.SSLCertVerificationError as exc:  # a bad certificate stays bad: no retry
            raise TransportError(f"ConnectError: {exc}", retryable=False) from exc
        except OSError as exc:  # refused, unreachable, name not found, TLS handshake
            raise TransportError(f"ConnectError: {exc or 'cannot connect'}") from exc
        return connection

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            if self._verify is False:
                self._ssl = ssl.create_default_context()
                self._ssl.check_hostname = False
                self._ssl.verify_mode = ssl.CERT_NONE
            else:
                cafile = self._verify if isinstance(self._verify, str) else None
                self._ssl = ssl.create_default_context(cafile=cafile)
        return self._ssl


@functools.lru_cache(maxsize=64)
def _split(url: str) -> tuple[Origin, str, str]:
    """(origin, request target, netloc) of `url`; a backend posts to one URL, parsed once."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return (scheme, parts.hostname or "", port), target, parts.netloc


def _by_arrival(pieces: list[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
    """`pieces` with those that arrived together (one read) joined: one decode per read."""
    if not pieces:
        return
    stamp, group = pieces[0][0], [pieces[0][1]]
    for arrived, piece in pieces[1:]:
        if arrived != stamp:
            yield stamp, b"".join(group)
            stamp, group = arrived, []
        group.append(piece)
    yield stamp, b"".join(group)


def _request_head(method: str, target: str, netloc: str, headers: dict[str, str]) -> bytes:
    """The request line and headers, without the blank line that ends them."""
    lines = [
        f"{method} {target} HTTP/1.1",
        f"Host: {netloc.rpartition('@')[2]}",
        "Accept: */*",
        "Accept-Encoding: identity",
        "User-Agent: pytest-aisbench",
    ]
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise TransportError(f"header {name!r} holds a line break; not sent")
        if name.lower() not in ("content-length", "host"):
            lines.append(f"{name}: {value}")
    try:
        return ("\r\n".join(lines) + "\r\n").encode("latin-1")
    except UnicodeEncodeError as exc:
        raise TransportError(
            f"a header holds a character HTTP cannot carry ({exc.reason})"
        ) from exc
