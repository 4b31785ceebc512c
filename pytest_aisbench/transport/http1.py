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
import ssl
from collections.abc import AsyncGenerator, Iterator
from typing import Any
from urllib.parse import urlsplit

from pytest_aisbench.errors import TransportError
from pytest_aisbench.transport.base import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT_S,
    check_body,
    check_status,
    connect_timeout,
)
from pytest_aisbench.transport.codec import dump_json, parse_json
from pytest_aisbench.transport.http1_connection import Connection, Origin, Response
from pytest_aisbench.transport.sse import SSEDecoder


class AsyncioTransport:
    """The `HttpTransport` interface (``post_json``, ``post_stream``, ``aclose``) on `Connection`.

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
        self._idle: dict[Origin, list[Connection]] = {}
        self._busy: set[Connection] = set()

    async def post_json(
        self, url: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, Any]:
        """POST `body`; the arrival time of the full response and its decoded JSON."""
        response = await self._post(url, body, headers)
        text = response.text()
        headers = response.headers
        check_status(response.status, headers.get("retry-after"), text, headers.get("location"))
        check_body(response.status, text)
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

    async def _post(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> Response:
        origin, target, netloc = _split(url)
        payload = dump_json(body)
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

    async def _acquire(self, origin: Origin) -> Connection:
        pool = self._idle.get(origin)
        while pool:
            connection = pool.pop()
            if not connection.closed:
                return connection
        return await self._connect(origin)

    async def _connect(self, origin: Origin) -> Connection:
        scheme, host, port = origin
        context = self._ssl_context() if scheme == "https" else None
        loop = asyncio.get_running_loop()
        limit = connect_timeout(self._timeout_s)
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(
                    lambda: Connection(self._timeout_s, self._max_bytes),
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
