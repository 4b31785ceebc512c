"""`MockTransport`: a backend's HTTP client replaced by a function, for tests and dry runs.

The handler sees each request and answers with a JSON body, the data of SSE events, or a
`MockResponse` with a status; raising a plugin error (`TransportError`, `ServerError`) plays a
network fault, before the response or (from an async generator of events) in the middle of a
stream. Answers go through the same status and body checks as the real transports, so
a backend sees exactly what it would see from a server.

    transport = MockTransport(lambda request: {"choices": [{"text": "42"}]})
    backend = config.build(transport=transport)
"""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from pytest_aisbench.transport.base import check_body, check_status
from pytest_aisbench.transport.codec import parse_json


@dataclass(frozen=True)
class MockRequest:
    """One request a backend sent: where, what, and whether it asked for a stream."""

    url: str
    body: dict[str, Any]
    headers: dict[str, str]
    stream: bool


Event: TypeAlias = "dict[str, Any] | str"
"""One SSE event's data: a dict is sent as JSON, a string as it is."""


@dataclass(frozen=True)
class MockResponse:
    """An answer with more than a body: a status, headers, or raw text.

    ``json`` is the body of a whole response; ``events`` the SSE events of a stream (a dict
    is sent as JSON, a string as it is, e.g. ``"[DONE]"``), a sequence or an async iterable
    (which can wait between events, or raise mid-stream); ``text`` a raw body, which for an
    error status is the server's message.
    """

    status: int = 200
    json: Any = None
    events: Sequence[Event] | AsyncIterable[Event] = ()
    text: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


Answer: TypeAlias = "MockResponse | dict[str, Any] | list[Any] | AsyncIterable[Event]"
"""A dict is a whole JSON response; a list or an async iterable the events of a stream."""
Handler: TypeAlias = "Callable[[MockRequest], Answer | Awaitable[Answer]]"


class MockTransport:
    """A `Transport` whose server is `handler`; every request is kept in ``requests``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[MockRequest] = []
        self.closed = False

    async def post_json(
        self, url: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, Any]:
        """The handler's answer as a decoded body, after the real transports' checks."""
        response = await self._answer(MockRequest(url, body, dict(headers), stream=False))
        text = _body_text(response)
        check_status(response.status, response.headers.get("retry-after"), text,
                     response.headers.get("location"))  # fmt: skip
        check_body(response.status, text)
        return time.perf_counter_ns(), parse_json(text)

    async def post_stream(
        self, url: str, body: dict[str, Any], headers: dict[str, str]
    ) -> AsyncGenerator[tuple[int, str], None]:
        """The handler's events, each stamped as it is handed over."""
        response = await self._answer(MockRequest(url, body, dict(headers), stream=True))
        if response.status >= 300:
            check_status(response.status, response.headers.get("retry-after"),
                         _body_text(response), response.headers.get("location"))  # fmt: skip
        events = response.events
        if isinstance(events, AsyncIterable):
            async for event in events:
                yield time.perf_counter_ns(), _event_text(event)
        else:
            for event in events:
                yield time.perf_counter_ns(), _event_text(event)

    async def aclose(self) -> None:
        self.closed = True

    async def _answer(self, request: MockRequest) -> MockResponse:
        self.requests.append(request)
        answer = self.handler(request)
        if inspect.isawaitable(answer):
            answer = await answer
        if isinstance(answer, MockResponse):
            return answer
        if isinstance(answer, dict):
            return MockResponse(json=answer)
        if isinstance(answer, (list, AsyncIterable)):
            return MockResponse(events=answer)
        raise TypeError(
            f"MockTransport handler returned {type(answer).__name__}; expected a dict (a JSON "
            "response), a list or an async iterable (stream events) or a MockResponse"
        )


def _event_text(event: Event) -> str:
    return event if isinstance(event, str) else json.dumps(event)


def _body_text(response: MockResponse) -> str:
    if response.text is not None:
        return response.text
    return "" if response.json is None else json.dumps(response.json)
