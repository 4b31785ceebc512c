"""The HTTP clients under the service backends, behind one interface (`Transport`).

- `HttpTransport` (httpx): the default, and the boundary where httpx's errors become ours;
- `AsyncioTransport` (asyncio protocols): the lean client for load (``http_client="asyncio"``);
- `MockTransport`: a function in place of the network, for tests and dry runs.
"""

from __future__ import annotations

from pytest_aisbench.transport.base import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT_S,
    Transport,
)
from pytest_aisbench.transport.http1 import AsyncioTransport
from pytest_aisbench.transport.httpx_client import HttpTransport
from pytest_aisbench.transport.mock import MockRequest, MockResponse, MockTransport

HTTP_CLIENTS = {"httpx": HttpTransport, "asyncio": AsyncioTransport}
"""The backend key ``http_client``: name -> transport class."""


def new_transport(
    http_client: str,
    *,
    max_connections: int,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    verify: bool | str = True,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> Transport:
    """The transport a backend key ``http_client`` names, sized and configured."""
    kind = HTTP_CLIENTS[http_client]
    return kind(
        max_connections=max_connections,
        timeout_s=timeout_s,
        verify=verify,
        max_response_bytes=max_response_bytes,
    )


__all__ = [
    "HTTP_CLIENTS",
    "AsyncioTransport",
    "HttpTransport",
    "MockRequest",
    "MockResponse",
    "MockTransport",
    "Transport",
    "new_transport",
]
