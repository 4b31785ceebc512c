"""The default transport, on httpx, and the boundary where httpx's errors become the plugin's.

httpx handles what a general client must (proxies off, TLS, pooling, HTTP/1.1 framing); the
lean `AsyncioTransport` (``http1.py``) is the one built for load generation.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator, Iterator
from typing import Any

import httpx

from pytest_aisbench.errors import TransportError
from pytest_aisbench.transport.base import (
    CLOSED_WHILE_READING,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT_S,
    check_body,
    check_status,
    connect_timeout,
    read_timeout_message,
    tls_context,
    too_large,
)
from pytest_aisbench.transport.codec import parse_json
from pytest_aisbench.transport.sse import SSEDecoder

CERTIFICATE_FAILED = "CERTIFICATE_VERIFY_FAILED"

_SILENT_ERRORS: dict[type[Exception], str] = {
    httpx.ReadError: CLOSED_WHILE_READING,
    httpx.WriteError: "the connection was closed or reset while sending the request",
    httpx.ConnectError: "cannot connect",
}
"""What an httpx error that carries no message of its own means."""


@contextlib.contextmanager
def translate_errors(timeout_s: float | None = None) -> Iterator[None]:
    """Turn httpx's exceptions into the plugin's `TransportError`.

    `timeout_s` is the client's read timeout, named in a timeout's message.
    """
    try:
        yield
    except httpx.TimeoutException as exc:
        raise TransportError(_timeout_message(exc, timeout_s)) from exc
    except httpx.TransportError as exc:
        detail = str(exc) or _SILENT_ERRORS.get(type(exc), "connection failed")
        raise TransportError(
            f"{type(exc).__name__}: {detail}", retryable=CERTIFICATE_FAILED not in detail
        ) from exc


def _timeout_message(exc: httpx.TimeoutException, timeout_s: float | None) -> str:
    """E.g. ``timeout: ReadTimeout: no data from the server for 0.5 s (backend key timeout)``."""
    name = type(exc).__name__
    detail = f" ({exc})" if str(exc) else ""
    if timeout_s is None:
        return f"timeout: {name}{detail}"
    if isinstance(exc, httpx.ConnectTimeout):
        return f"timeout: {name}: no connection within {connect_timeout(timeout_s):g} s{detail}"
    if isinstance(exc, httpx.ReadTimeout):
        return read_timeout_message(timeout_s) + detail
    return f"timeout: {name}: waited longer than {timeout_s:g} s (backend key timeout){detail}"


class HttpTransport:
    """An httpx client sized for ``max_connections`` requests in flight."""

    def __init__(
        self,
        *,
        max_connections: int,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        headers: dict[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: bool | str = True,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        """`transport` replaces the network, e.g. ``httpx.MockTransport`` in unit tests.

        Proxies are never used (``trust_env=False``): ``HTTP_PROXY`` would otherwise get the
        bearer token, even for a server on this machine.
        """
        self._timeout_s = timeout_s
        self._max_bytes = max_response_bytes
        self._client = httpx.AsyncClient(
            transport=transport,
            trust_env=False,
            verify=tls_context(verify),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout(timeout_s)),
            headers=headers,
        )

    async def post_json(
        self, url: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, Any]:
        """POST `body`; the arrival time of the full response and its decoded JSON."""
        with translate_errors(self._timeout_s):
            async with self._client.stream("POST", url, json=body, headers=headers) as response:
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self._max_bytes:
                        raise too_large(self._max_bytes)
                    chunks.append(chunk)
                arrived = time.perf_counter_ns()
        text = b"".join(chunks).decode(response.encoding or "utf-8", "replace")
        self._raise_for_status(response, text)
        check_body(response.status_code, text)
        return arrived, parse_json(text)

    async def post_stream(
        self, url: str, body: dict[str, Any], headers: dict[str, str]
    ) -> AsyncGenerator[tuple[int, str], None]:
        """POST `body` and yield ``(arrival_ns, data)`` for each SSE event as it arrives."""
        decoder = SSEDecoder()
        size = 0
        with translate_errors(self._timeout_s):
            async with self._client.stream("POST", url, json=body, headers=headers) as response:
                if response.status_code >= 300:
                    text = (await response.aread())[: 2**16].decode("utf-8", "replace")
                    self._raise_for_status(response, text)
                async for chunk in response.aiter_bytes():
                    arrived = time.perf_counter_ns()
                    size += len(chunk)
                    if size > self._max_bytes:
                        raise too_large(self._max_bytes)
                    for data in decoder.feed(chunk):
                        yield arrived, data
        for data in decoder.flush():
            yield time.perf_counter_ns(), data

    @staticmethod
    def _raise_for_status(response: httpx.Response, text: str) -> None:
        headers = response.headers
        check_status(
            response.status_code, headers.get("retry-after"), text, headers.get("location")
        )

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()


def fetch_json(method: str, url: str, headers: dict[str, str], verify: bool | str) -> Any:
    """One blocking request for a service's metadata (its model list), decoded.

    Backends ask it before they are built, in a worker thread, never on the event loop.
    """
    with translate_errors():
        response = httpx.request(
            method,
            url,
            json={} if method == "POST" else None,
            headers=headers,
            timeout=5.0,
            verify=tls_context(verify),
            trust_env=False,  # no proxy gets the key (see HttpTransport)
        )
    if response.status_code >= 400:
        raise TransportError(f"{method} {url} answered HTTP {response.status_code}")
    return parse_json(response.text)
