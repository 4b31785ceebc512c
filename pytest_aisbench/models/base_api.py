"""`BaseAPIModel`: the AISBench base class of service backends, with the transport built in.

A backend writes four hooks (`_get_url`, `get_request_body`, `parse_text_response`,
`parse_stream_response`). Everything else belongs here, once for all backends: the HTTP
client, SSE framing, per-event timestamps, retries with backoff, and turning a parse failure
into an error outcome instead of a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import random
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import httpx

from pytest_aisbench.errors import BackendError, ResponseError, TransportError
from pytest_aisbench.http1 import AsyncioTransport
from pytest_aisbench.models.base import BaseModel
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.secret import Secret
from pytest_aisbench.transport import (
    DEFAULT_TIMEOUT_S,
    HttpTransport,
    parse_json,
    tls_context,
    translate_errors,
)
from pytest_aisbench.utils.prompt import PromptType

RETRY_BACKOFF_S = 0.5
"""First retry waits about this long; each next one twice as long, with jitter, up to the cap."""
RETRY_BACKOFF_CAP_S = 8.0

_CONNECTION_SETTINGS: contextvars.ContextVar[tuple[float, bool | str]] = contextvars.ContextVar(
    "aisbench_connection_settings", default=(DEFAULT_TIMEOUT_S, True)
)
"""``(timeout_s, tls_verify)`` for backends constructed now; see `connection_settings`."""


@contextlib.contextmanager
def connection_settings(timeout_s: float, tls_verify: bool | str) -> Iterator[None]:
    """Give backends constructed inside the block these settings from their first line.

    A backend's ``__init__`` may already talk to the server (``_get_service_model_path``
    when ``model`` is empty), before anything could set attributes on the new instance; the
    plugin's own keys (``timeout``, ``verify_ssl``, ``ca_bundle``) reach it this way.
    """
    token = _CONNECTION_SETTINGS.set((timeout_s, tls_verify))
    try:
        yield
    finally:
        _CONNECTION_SETTINGS.reset(token)


class BaseAPIModel(BaseModel):
    """A service backend. Subclasses call ``super().__init__(...)`` then set ``self.url``."""

    is_api: bool = True
    stream_needs_end_marker: bool = True
    """Whether a stream must end with ``[DONE]`` or an event setting ``finish_reason``; False for
    protocols whose stream just closes after the last event (Triton's ``generate_stream``)."""
    http_client: str = "httpx"
    """``httpx``, or ``asyncio`` (`pytest_aisbench.http1`, built for load); backend key
    ``http_client``."""

    def __init__(
        self,
        path: str = "",
        stream: bool = False,
        max_out_len: int = 4096,
        retry: int = 2,
        api_key: str = "",
        host_ip: str = "localhost",
        host_port: int = 8080,
        url: str = "",
        trust_remote_code: bool = False,
        generation_kwargs: dict[str, Any] | None = None,
        meta_template: dict[str, Any] | None = None,
        enable_ssl: bool = False,
        verbose: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            path=path, meta_template=meta_template, generation_kwargs=generation_kwargs, **kwargs
        )
        self.stream = stream
        self.max_out_len = max_out_len
        self.retry = retry
        self.api_key = Secret(api_key)
        self.host_ip = host_ip
        self.host_port = host_port
        self.trust_remote_code = trust_remote_code
        self.enable_ssl = enable_ssl
        self.verbose = verbose
        self.base_url = self._get_base_url(url)
        self.headers: dict[str, str] = {"Content-Type": "application/json"}
        self.model: str = str(kwargs.get("model", "") or "")
        self.url = ""
        self.max_connections = 1
        self.timeout_s, self.tls_verify = _CONNECTION_SETTINGS.get()
        self._transport: HttpTransport | AsyncioTransport | None = None

    # -- the hooks a backend implements -------------------------------------------------------

    def _get_url(self) -> str:
        """The full request URL, usually ``urljoin(self.base_url, endpoint)``."""
        raise NotImplementedError(f"{type(self).__name__} must implement _get_url()")

    async def get_request_body(
        self, input: PromptType, max_out_len: int, output: RequestOutput, **args: Any
    ) -> dict[str, Any]:
        """The JSON body for one request."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_request_body()")

    async def parse_text_response(self, data: dict[str, Any], output: RequestOutput) -> None:
        """Read a whole (non-stream) response into `output`."""
        raise NotImplementedError(f"{type(self).__name__} must implement parse_text_response()")

    async def parse_stream_response(self, data: dict[str, Any], output: RequestOutput) -> None:
        """Read one stream event into `output` (append text, set counts and finish reason)."""
        raise NotImplementedError(f"{type(self).__name__} must implement parse_stream_response()")

    # -- provided by the base class -----------------------------------------------------------

    def _get_base_url(self, url: str) -> str:
        """``url`` when set (with a trailing slash), else ``http(s)://host_ip:host_port/``."""
        if url:
            return url if url.endswith("/") else url + "/"
        scheme = "https" if self.enable_ssl else "http"
        host = f"[{self.host_ip}]" if ":" in self.host_ip else self.host_ip
        return f"{scheme}://{host}:{self.host_port}/"

    def _auth_headers(self) -> dict[str, str]:
        """The bearer token, added at send time so it never sits in ``self.headers``."""
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def _get_service_model_path(self) -> str:
        """The served model name: ``data[0].id`` of ``GET /v1/models``."""
        models_url = urljoin(self.base_url, "v1/models")
        with translate_errors():
            response = httpx.get(
                models_url,
                headers=self._auth_headers(),
                timeout=5.0,
                verify=tls_context(self.tls_verify),
            )
        if response.status_code >= 400:
            raise TransportError(f"GET {models_url} answered HTTP {response.status_code}")
        try:
            return str(parse_json(response.text)["data"][0]["id"])
        except (KeyError, IndexError, TypeError) as exc:
            raise ResponseError(
                f"GET {models_url} listed no model: {response.text[:200]!r}"
            ) from exc

    async def generate(  # type: ignore[override]  # AISBench's API model signature
        self, input: PromptType, max_out_len: int, output: RequestOutput, **args: Any
    ) -> RequestOutput:
        """Send one request, retrying transient failures; a failure ends in ``error_info``."""
        attempts = 1 + max(0, self.retry)
        try:
            body = await self.get_request_body(input, max_out_len, output, **args)
        except Exception as exc:  # a backend bug must cost one sample, not the run
            output.success, output.error_info = False, f"get_request_body failed: {exc!r}"
            return output
        output.request_body = body
        for attempt in range(attempts):
            output.reset()
            output.attempts = attempt + 1
            try:
                await (self._stream_infer if self.stream else self._text_infer)(body, output)
            except BackendError as exc:
                output.success, output.error_info = False, str(exc)
                if not exc.retryable or attempt + 1 == attempts:
                    return output
                await asyncio.sleep(_backoff(attempt, getattr(exc, "retry_after", None)))
            else:
                output.success = True
                return output
        return output

    def _transport_for_loop(self) -> HttpTransport | AsyncioTransport:
        if self._transport is None:
            kind = AsyncioTransport if self.http_client == "asyncio" else HttpTransport
            self._transport = kind(
                max_connections=self.max_connections,
                timeout_s=self.timeout_s,
                headers=self._auth_headers(),
                verify=self.tls_verify,
            )
        return self._transport

    async def _text_infer(self, body: dict[str, Any], output: RequestOutput) -> None:
        output.send_time_ns = time.perf_counter_ns()
        arrived, data = await self._transport_for_loop().post_json(self.url, body, self.headers)
        output.event_times_ns.append(arrived)
        await self._parse(self.parse_text_response, data, output, arrived)

    async def _stream_infer(self, body: dict[str, Any], output: RequestOutput) -> None:
        output.send_time_ns = time.perf_counter_ns()
        events = self._transport_for_loop().post_stream(self.url, body, self.headers)
        done = False
        async with contextlib.aclosing(events):
            async for arrived, data in events:
                output.event_times_ns.append(arrived)
                if data.strip() == "[DONE]":
                    done = True
                    break
                await self._parse(self.parse_stream_response, parse_json(data), output, arrived)
        if not output.event_times_ns:
            raise ResponseError("empty response body: the stream ended without any event")
        if self.stream_needs_end_marker and not done and output.finish_reason is None:
            raise TransportError(
                "stream ended before its final event (no [DONE], no finish reason)"
            )

    async def _parse(self, hook: Any, data: Any, output: RequestOutput, arrived: int) -> None:
        """Run a parse hook; note the arrival time when it added text (what TTFT counts)."""
        before = len(output.content) + len(output.reasoning_content)
        try:
            await hook(data, output)
        except BackendError:
            raise
        except Exception as exc:
            raise ResponseError(f"cannot parse response ({exc!r}): {str(data)[:200]}") from exc
        if len(output.content) + len(output.reasoning_content) > before:
            output.content_times_ns.append(arrived)

    async def aclose(self) -> None:
        """Close the HTTP client (called by the engine when the session ends)."""
        if self._transport is not None:
            await self._transport.aclose()
            self._transport = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(abbr={self.abbr!r}, url={self.url or self.base_url!r})"


def _backoff(attempt: int, retry_after: float | None) -> float:
    """Seconds before the next attempt: the server's Retry-After, else exponential with jitter."""
    if retry_after is not None:
        return min(retry_after, RETRY_BACKOFF_CAP_S * 4)
    return min(RETRY_BACKOFF_CAP_S, RETRY_BACKOFF_S * 2**attempt) * random.uniform(0.5, 1.0)


class BuiltinAPIModel(BaseAPIModel):
    """The built-in backends' one constructor: AISBench's parameters plus ``model``.

    A subclass implements only the four hooks and says, as class attributes, whether an empty
    ``model`` is asked from the server (`asks_model_name`) and whether it streams by default.
    """

    asks_model_name: bool = False
    default_stream: bool = False

    def __init__(
        self, path: str = "", model: str = "", stream: bool | None = None, **kwargs: Any
    ) -> None:
        """`BaseAPIModel`'s keyword arguments; ``stream`` defaults to `default_stream`."""
        super().__init__(
            path=path, stream=self.default_stream if stream is None else stream, **kwargs
        )
        self.model = model or (self._get_service_model_path() if self.asks_model_name else "")
        self.url = self._get_url()
