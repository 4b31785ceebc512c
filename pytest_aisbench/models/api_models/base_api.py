"""`BaseAPIModel`: the AISBench base class of service backends, with the transport built in.

A backend writes four hooks (`_get_url`, `get_request_body`, `parse_text_response`,
`parse_stream_response`). Everything else belongs here, once for all backends: the HTTP
client, SSE framing, per-event timestamps, retries with backoff, and turning a parse failure
into an error outcome instead of a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from typing import Any
from urllib.parse import urljoin

from pytest_aisbench.errors import BackendError, ModelNameError, ResponseError, TransportError
from pytest_aisbench.models.local_models.base import BaseModel
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.models.template import APITemplateParser, LMTemplateParser
from pytest_aisbench.secret import Secret
from pytest_aisbench.transport import Transport, new_transport
from pytest_aisbench.transport.base import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_S
from pytest_aisbench.transport.codec import parse_json
from pytest_aisbench.transport.httpx_client import fetch_json
from pytest_aisbench.utils.prompt import PromptType

RETRY_BACKOFF_S = 0.5
"""First retry waits about this long; each next one twice as long, with jitter, up to the cap."""
RETRY_BACKOFF_CAP_S = 8.0
REPLACED_UTF8 = "the stream held invalid UTF-8, decoded as replacement characters (U+FFFD)"
CHAT_META_TEMPLATE: dict[str, Any] = {
    "round": [
        {"role": "HUMAN", "api_role": "HUMAN"},
        {"role": "BOT", "api_role": "BOT", "generate": True},
    ],
    "reserved_roles": [{"role": "SYSTEM", "api_role": "SYSTEM"}],
}
"""How a chat backend writes a prompt without a meta template of its own: the turns as they
are, up to the model's turn (AISBench's `VLLMCustomAPIChat` default)."""


def service_base_url(url: str, host_ip: str, host_port: int, enable_ssl: bool) -> str:
    """``url`` when set (``http://`` added when it has no scheme, a trailing slash always),
    else ``http(s)://host_ip:host_port/`` with an IPv6 address in brackets."""
    url = (url or "").strip()
    scheme = "https" if enable_ssl else "http"
    if url:
        url = url if url.startswith(("http://", "https://")) else f"{scheme}://{url}"
        return url if url.endswith("/") else url + "/"
    host = f"[{host_ip}]" if ":" in host_ip else host_ip
    return f"{scheme}://{host}:{host_port}/"


class BaseAPIModel(BaseModel):
    """A service backend. Subclasses call ``super().__init__(...)`` then set ``self.url``.

    The plugin's own keys (``timeout``, ``verify_ssl``/``ca_bundle``, ``http_client``) and a
    transport given by a test are class defaults here, set on the instance by the builder
    (``ModelConfig.build``) before ``__init__`` runs, which leaves them alone.
    """

    is_api: bool = True
    stream_needs_end_marker: bool = False
    """Whether a stream must end with ``[DONE]`` or an event setting ``finish_reason``. False:
    a stream whose body ended cleanly at the HTTP level is complete (a cut body is a transport
    error either way). The built-in protocols that have an end marker set True."""
    asks_model_name: bool = False
    """Whether an empty ``model`` (or ``model_name``) is resolved before ``__init__`` with
    `_get_service_model_path`. False, as in AISBench: ``model=""`` stays empty and nothing is
    asked unless the class asks (this attribute, or its own call of
    `_get_service_model_path`), since a server with a protocol of its own lists no models."""
    supports_ignore_eos: bool = False
    """Whether the server honours ``ignore_eos`` in ``generation_kwargs`` (a vLLM sampling
    parameter): perf runs of synthetic prompts then ask for outputs of the exact length."""
    chat_prompts: bool = True
    """Whether prompts are rendered as chat turns (`APITemplateParser`, AISBench's default for
    API models); False renders one string (`LMTemplateParser`)."""
    http_client: str = "httpx"
    """``httpx``, or ``asyncio`` (`transport.http1`, built for load); key ``http_client``."""
    timeout_s: float = DEFAULT_TIMEOUT_S
    """Seconds a request may wait for the server's next bytes (backend key ``timeout``)."""
    tls_verify: bool | str = True
    """False, True, or a CA bundle's path (backend keys ``verify_ssl`` and ``ca_bundle``)."""
    max_connections: int = 1
    """Requests in flight at once: the backend's ``batch_size``."""
    deadline_s: float | None = None
    """Seconds an attempt may take in all (backend key ``deadline``); None: ``timeout`` plus one
    second per token of ``max_out_len``; 0: no deadline."""
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    """The size cap of one response (backend key ``max_response_bytes``)."""
    transport: Transport | None = None
    """The HTTP client; created on first use unless given (``ModelConfig.build(transport=)``)."""
    default_meta_template: dict[str, Any] | None = None
    """The meta template used when the config gives none."""

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
        """AISBench's parameters; ``transport=`` (keyword) replaces the HTTP client."""
        transport = kwargs.pop("transport", None)
        super().__init__(
            path=path, meta_template=meta_template, generation_kwargs=generation_kwargs, **kwargs
        )
        if transport is not None:
            self.transport = transport
        self.stream = stream
        self.max_out_len = max_out_len
        self.retry = retry
        self.api_key = Secret(api_key)
        self.host_ip = host_ip
        self.host_port = host_port
        self.trust_remote_code = trust_remote_code
        self.enable_ssl = enable_ssl
        self.verbose = verbose
        self.url = url
        self.base_url = self._get_base_url()
        self.headers: dict[str, str] = {"Content-Type": "application/json"}
        self.model: str = str(kwargs.get("model", "") or getattr(self, "model", "") or "")
        self.meta_template = meta_template or self.default_meta_template
        parser = APITemplateParser if self.chat_prompts else LMTemplateParser
        self.template_parser = parser(self.meta_template)

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

    def _get_base_url(self) -> str:
        """Where the service listens (see `service_base_url`)."""
        return service_base_url(self.url, self.host_ip, self.host_port, self.enable_ssl)

    def _auth_headers(self) -> dict[str, str]:
        """The bearer token, added at send time so it never sits in ``self.headers``."""
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def _get_service_model_path(self) -> str:
        """The served model name: ``data[0].id`` of ``GET /v1/models`` (OpenAI's listing)."""
        url, listing = self._ask_service("GET", "v1/models")
        try:
            return str(listing["data"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise ModelNameError(f"GET {url}", f"listed no model: {str(listing)[:200]!r}") from None

    def _ask_service(self, method: str, endpoint: str) -> tuple[str, Any]:
        """One blocking request for the service's metadata: its URL and decoded JSON answer.

        Runs while the backend is built, in a worker thread, never on the event loop. A failure
        is a `ModelNameError`, which the builder reports as the config's ``model`` key.
        """
        url = urljoin(self.base_url, endpoint)
        try:
            return url, fetch_json(method, url, self._auth_headers(), self.tls_verify)
        except BackendError as exc:
            reason = str(exc).removeprefix(f"{method} {url} ")
            raise ModelNameError(f"{method} {url}", reason) from exc

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
        deadline = self.attempt_deadline(max_out_len)
        for attempt in range(attempts):
            output.reset()
            output.attempts = attempt + 1
            try:
                infer = self._stream_infer if self.stream else self._text_infer
                async with asyncio.timeout(deadline):
                    await infer(body, output)
            except TimeoutError:
                output.success = False
                output.error_info = (
                    f"deadline: no complete response within {deadline:g} s (backend key "
                    "deadline: timeout + 1 s per token of max_out_len by default)"
                )
                return output
            except BackendError as exc:
                output.success, output.error_info = False, str(exc)
                if not exc.retryable or attempt + 1 == attempts:
                    return output
                await asyncio.sleep(_backoff(attempt, getattr(exc, "retry_after", None)))
            else:
                output.success = True
                return output
        return output

    def attempt_deadline(self, max_out_len: int) -> float | None:
        """Seconds one attempt may take in all (see `deadline_s`); None: no limit."""
        if self.deadline_s is None:
            return self.timeout_s + max_out_len
        return self.deadline_s or None

    def _transport_for_loop(self) -> Transport:
        if self.transport is None:
            self.transport = new_transport(
                self.http_client,
                max_connections=self.max_connections,
                timeout_s=self.timeout_s,
                verify=self.tls_verify,
                max_response_bytes=self.max_response_bytes,
            )
        return self.transport

    async def _text_infer(self, body: dict[str, Any], output: RequestOutput) -> None:
        output.send_time_ns = time.perf_counter_ns()
        headers = self.headers | self._auth_headers()
        arrived, data = await self._transport_for_loop().post_json(self.url, body, headers)
        output.event_times_ns.append(arrived)
        await self._parse(self.parse_text_response, data, output, arrived)

    async def _stream_infer(self, body: dict[str, Any], output: RequestOutput) -> None:
        output.send_time_ns = time.perf_counter_ns()
        output.streamed = True
        events = self._transport_for_loop().post_stream(
            self.url, body, self.headers | self._auth_headers()
        )
        done = False
        async with contextlib.aclosing(events):
            async for arrived, data in events:
                output.event_times_ns.append(arrived)
                if data.strip() == "[DONE]":
                    done = True
                    break
                if "\ufffd" in data and not output.notes:
                    output.notes = REPLACED_UTF8
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
        # AISBench's hooks assign a field's value as sent, which may be null until the last event
        output.content = _text(output.content)
        output.reasoning_content = _text(output.reasoning_content)
        if len(output.content) + len(output.reasoning_content) > before:
            output.content_times_ns.append(arrived)

    async def aclose(self) -> None:
        """Close the HTTP client (called by the engine when the session ends)."""
        if self.transport is not None:
            await self.transport.aclose()
            self.transport = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(abbr={self.abbr!r}, url={self.url or self.base_url!r})"


def _text(value: Any) -> str:
    """A text field as a string: None (a null in the response) is no text."""
    return "" if value is None else value if isinstance(value, str) else str(value)


def _backoff(attempt: int, retry_after: float | None) -> float:
    """Seconds before the next attempt: the server's Retry-After, else exponential with jitter."""
    if retry_after is not None:
        return min(retry_after, RETRY_BACKOFF_CAP_S * 4)
    return min(RETRY_BACKOFF_CAP_S, RETRY_BACKOFF_S * 2**attempt) * random.uniform(0.5, 1.0)


class BuiltinAPIModel(BaseAPIModel):
    """The built-in backends' one constructor: AISBench's parameters plus ``model``.

    A subclass implements only the four hooks and says, as class attributes, whether an empty
    ``model`` is asked from the server (`asks_model_name`), whether it takes chat turns
    (`chat_prompts`) and whether it streams by default. The builder resolves ``model``
    before ``__init__``, so constructing one never waits on the network.
    """

    asks_model_name: bool = False
    chat_prompts: bool = False
    stream_needs_end_marker: bool = True
    default_stream: bool = False

    def __init__(
        self, path: str = "", model: str = "", stream: bool | None = None, **kwargs: Any
    ) -> None:
        """`BaseAPIModel`'s keyword arguments; ``stream`` defaults to `default_stream`."""
        stream = self.default_stream if stream is None else stream
        super().__init__(path=path, stream=stream, model=model, **kwargs)
        self.url = self._get_url()
