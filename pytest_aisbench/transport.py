"""The one HTTP transport under every service backend (httpx), and the error boundary.

It knows nothing of protocols: it posts JSON, and returns either the decoded body or the SSE
events of a stream, each stamped with ``time.perf_counter_ns()`` when its bytes arrived.
httpx and json errors are translated into `pytest_aisbench.errors` here and nowhere else.
"""

from __future__ import annotations

import contextlib
import json
import ssl
import time
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from pytest_aisbench.errors import ResponseError, ServerError, TransportError
from pytest_aisbench.sse import SSEDecoder

_fast_loads: Callable[[str], Any] | None
try:
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - depends on the extra ``fast``
    _fast_loads = None

DEFAULT_TIMEOUT_S = 600.0
"""A request's read timeout; long generations on slow servers must not be cut."""
DEFAULT_MAX_RESPONSE_BYTES = 16 * 2**20
"""A response's size cap: far above any honest reply, far below what floods memory."""
CERTIFICATE_FAILED = "CERTIFICATE_VERIFY_FAILED"


CLOSED_WHILE_READING = "the connection was closed or reset while reading the response"

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


def read_timeout_message(timeout_s: float) -> str:
    """What a request that got no bytes for `timeout_s` failed with, on either transport."""
    return (
        f"timeout: ReadTimeout: no data from the server for {timeout_s:g} s (backend key timeout)"
    )


def connect_timeout(timeout_s: float) -> float:
    """How long a connection may take: the read timeout, but never more than 30 s."""
    return min(timeout_s, 30.0)


def check_status(
    status: int, retry_after: str | None, text: str, location: str | None = None
) -> None:
    """Raise `ServerError` for an HTTP error status, with the server's text and Retry-After;
    a redirect is an error too (it is never followed: it could carry the api key elsewhere)."""
    if status >= 400:
        raise ServerError(status, text.strip(), _seconds(retry_after))
    if 300 <= status < 400:
        target = urlsplit(location or "").netloc or location or "an unnamed place"
        raise ResponseError(f"HTTP {status} redirect to {target}, not followed")


def too_large(limit: int) -> ResponseError:
    """The error of a response over the size cap."""
    return ResponseError(
        f"response larger than {limit:,} bytes (backend key max_response_bytes); not read further"
    )


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def tls_context(verify: bool | str) -> bool | ssl.SSLContext:
    """What httpx takes for ``verify``: False, True, or a context trusting a CA bundle file."""
    return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify


def parse_json(text: str) -> Any:
    """`text` as JSON; a body that is not JSON is a `ResponseError` quoting its start.

    orjson, when installed (extra ``fast``), decodes first: a few times faster per stream event;
    what it refuses (NaN, integers beyond 64 bits) falls back to the standard library.
    """
    if _fast_loads is not None:
        try:
            return _fast_loads(text)
        except ValueError:
            pass
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResponseError(f"invalid JSON from server ({exc.msg}): {text[:200]!r}") from exc


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
        if not text.strip():
            raise ResponseError(f"empty response body (HTTP {response.status_code})")
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
