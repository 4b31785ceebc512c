"""The interface every HTTP client of the backends has, and what the clients share.

A transport knows nothing of protocols: it posts JSON and returns the decoded body, or the SSE
events of a stream, each stamped with ``time.perf_counter_ns()`` when its bytes arrived. Its
failures are the plugin's own errors (`pytest_aisbench.errors`), never a library's, so a
fault reads the same on every transport.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncGenerator
from typing import Any, Protocol
from urllib.parse import urlsplit

from pytest_aisbench.errors import ResponseError, ServerError

DEFAULT_TIMEOUT_S = 600.0
"""A request's read timeout; long generations on slow servers must not be cut."""
DEFAULT_MAX_RESPONSE_BYTES = 16 * 2**20
"""A response's size cap: far above any honest reply, far below what floods memory."""
CLOSED_WHILE_READING = "the connection was closed or reset while reading the response"


class Transport(Protocol):
    """What a backend needs of its HTTP client (`HttpTransport`, `AsyncioTransport`,
    `MockTransport`, or one of a user's own)."""

    async def post_json(
        self, url: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, Any]:
        """POST `body`: the arrival time (``perf_counter_ns``) of the response and its JSON."""
        ...

    def post_stream(
        self, url: str, body: dict[str, Any], headers: dict[str, str]
    ) -> AsyncGenerator[tuple[int, str], None]:
        """POST `body`: ``(arrival_ns, data)`` of each SSE event of the response (an async
        generator, so an abandoned stream is closed at once)."""
        ...

    async def aclose(self) -> None:
        """Close the connections."""
        ...


def read_timeout_message(timeout_s: float) -> str:
    """What a request that got no bytes for `timeout_s` failed with, on any transport."""
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


def check_body(status: int, text: str) -> None:
    """A successful response must have a body to decode."""
    if not text.strip():
        raise ResponseError(f"empty response body (HTTP {status})")


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
