"""A small HTTP server that speaks ONE protocol and answers 404 to everything else.

The project's simulator answers every route of every protocol, so a backend that asks a route
its server does not have (``GET /v1/models`` of a server with a protocol of its own) still
passes against it. This server is what a user's own server is: its generate routes, and 404
with a small JSON body to every other path and method (``/v1/models``, ``/health``,
``/metrics``, ``/v2/...``). Real sockets, HTTP/1.1 with keep-alive, ``Content-Length`` JSON
for whole answers and chunked ``text/event-stream`` for streams, as the backends meet them.

The route table is a parameter: `TGI_LIKE` (``/generate``, ``/generate_stream``) and
`COMPLETIONS_ONLY` (``/v1/completions`` without ``/v1/models``) are given; a test may compose
its own from the route functions here.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[str], str | None]
"""Prompt text -> answer text (None: the server's `DEFAULT_ANSWER`)."""
Answer = dict[str, Any] | list[dict[str, Any]]
"""What a route returns: a dict is one whole JSON answer, a list the events of a stream."""
Route = Callable[["OneProtocolServer", Any], Answer]
"""A route: (the server, the request's decoded JSON body or None) -> its answer."""
Routes = Mapping[tuple[str, str], Route]
"""(method, path) -> route; every other method and path is answered 404."""

DEFAULT_ANSWER = "The answer is 4."


class Refused(Exception):
    """A request the protocol refuses (a body without its fields): an error status, not a crash."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _field(body: Any, key: str, kind: type) -> Any:
    """``body[key]``, checked to be a `kind`, as a real server validates before generating."""
    if not isinstance(body, dict) or not isinstance(body.get(key), kind):
        raise Refused(422, f"`{key}` is missing or not a {kind.__name__}")
    return body[key]


def words(text: str) -> list[str]:
    """`text` cut before each word that follows whitespace: one stream event per word, and the
    pieces joined give `text` back exactly (an empty answer is one empty piece)."""
    return [piece for piece in re.split(r"(?<=\s)(?=\S)", text) if piece] or [""]


# -- a TGI-like protocol: POST /generate, POST /generate_stream ---------------------------------


def tgi_generate(server: OneProtocolServer, body: Any) -> Answer:
    """``POST /generate``: ``{"generated_text"}`` for ``{"inputs", "parameters"}``."""
    pieces, _ = server.generate(_field(body, "inputs", str), _tgi_limit(body))
    return {"generated_text": "".join(pieces)}


def tgi_generate_stream(server: OneProtocolServer, body: Any) -> Answer:
    """``POST /generate_stream``: one ``{"token": {"text", "special"}}`` event per word, then,
    when the answer ended by itself, the special end-of-sequence token (not text)."""
    pieces, ended = server.generate(_field(body, "inputs", str), _tgi_limit(body))
    events: list[dict[str, Any]] = [
        {"token": {"text": p, "special": False}, "generated_text": None} for p in pieces
    ]
    if ended:
        events.append({"token": {"text": "</s>", "special": True}, "generated_text": None})
    events[-1]["generated_text"] = "".join(pieces)
    return events


def _tgi_limit(body: Any) -> int | None:
    parameters = body.get("parameters") if isinstance(body, dict) else None
    return _limit(parameters.get("max_new_tokens") if isinstance(parameters, dict) else None)


def _limit(value: Any) -> int | None:
    """A request's token limit: absent (None), or a positive int; anything else is refused."""
    if value is None or (isinstance(value, int) and value > 0):
        return value
    raise Refused(422, f"the token limit must be a positive int, not {value!r}")


def tgi_info(server: OneProtocolServer, body: Any) -> Answer:
    """``GET /info``: the served model's name, for a class that asks it of its own protocol."""
    return {"model_id": server.model_name}


TGI_LIKE: Routes = {
    ("POST", "/generate"): tgi_generate,
    ("POST", "/generate_stream"): tgi_generate_stream,
}
"""A TGI-like server with nothing but its two generate routes (no ``/info``, no ``/v1/models``)."""


# -- completions only: POST /v1/completions, "stream" in the body -------------------------------


def completions(server: OneProtocolServer, body: Any) -> Answer:
    """``POST /v1/completions``: ``choices[0].text`` and ``usage``, or one event per word when
    the body says ``"stream": true`` (the last event has the finish reason)."""
    prompt = _field(body, "prompt", str)
    pieces, ended = server.generate(prompt, _limit(body.get("max_tokens")))
    finish = "stop" if ended else "length"
    if body.get("stream"):
        events = [{"choices": [{"index": 0, "text": p, "finish_reason": None}]} for p in pieces]
        events[-1]["choices"][0]["finish_reason"] = finish
        return events
    return {
        "choices": [{"index": 0, "text": "".join(pieces), "finish_reason": finish}],
        "usage": {"completion_tokens": len(pieces)},
    }


COMPLETIONS_ONLY: Routes = {("POST", "/v1/completions"): completions}
"""A completions server that lists no models: no ``/v1/models``, no chat, no ``/health``."""


# -- the server ---------------------------------------------------------------------------------


@dataclass
class OneProtocolServer:
    """The server's behaviour and what it saw; `serve` sets the one, clears the other."""

    port: int = 0
    routes: Routes = field(default_factory=lambda: TGI_LIKE)
    responder: Responder | None = None
    model_name: str = "served-name"
    fail_first: int = 0
    """Answer this many routed requests with HTTP 503 first (transient: a retry succeeds)."""
    cut_after: int | None = None
    """Close every stream's connection after this many events, without the terminating chunk."""
    requests: Counter[str] = field(default_factory=Counter)
    """Requests per path, routed or 404: ``requests["/v1/models"]`` says whether it was asked."""
    authorizations: list[str] = field(default_factory=list)
    """The ``Authorization`` header of each request ('' when absent)."""
    bodies: list[Any] = field(default_factory=list)
    """The decoded JSON body of each routed request, in arrival order."""
    failed: int = 0
    """Requests answered 503 by `fail_first`."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def url(self) -> str:
        """Where it listens, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def serve(
        self,
        routes: Routes = TGI_LIKE,
        *,
        responder: Responder | None = None,
        model_name: str = "served-name",
        fail_first: int = 0,
        cut_after: int | None = None,
    ) -> OneProtocolServer:
        """Serve `routes` from the next request on, with fresh counts (one server per module)."""
        with self.lock:
            self.routes, self.responder, self.model_name = routes, responder, model_name
            self.fail_first, self.cut_after, self.failed = fail_first, cut_after, 0
            self.requests.clear()
            self.authorizations.clear()
            self.bodies.clear()
        return self

    def generate(self, prompt: str, limit: int | None) -> tuple[list[str], bool]:
        """The answer's words, at most `limit`, and whether it ended by itself (not cut)."""
        answer = self.responder(prompt) if self.responder else None
        pieces = words(answer if answer is not None else DEFAULT_ANSWER)
        if limit is not None and len(pieces) > limit:
            return pieces[:limit], False
        return pieces, True


class _Handler(BaseHTTPRequestHandler):
    """One connection: HTTP/1.1, kept alive between requests, as real servers do."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # each event leaves at once, not after a delayed ACK
    timeout = 30  # an idle kept-alive connection is closed, so no thread waits forever
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test's output shows the session's, not this server's."""

    def _serve(self) -> None:
        state = self.server.state
        path = self.path.split("?", 1)[0]
        size = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(size) if size else b""
        route = state.routes.get((self.command, path))
        with state.lock:
            state.requests[path] += 1
            state.authorizations.append(self.headers.get("Authorization", ""))
            fail = route is not None and state.failed < state.fail_first
            if fail:
                state.failed += 1
        if route is None:
            self._json(404, {"error": f"no route {self.command} {path}", "error_type": "not_found"})
            return
        if fail:
            self._json(503, {"error": "overloaded, try again", "error_type": "overloaded"})
            return
        try:
            body = json.loads(raw) if raw else None
        except ValueError as exc:  # JSONDecodeError, or bytes that are not UTF-8
            self._json(400, {"error": f"body is not JSON: {exc}"})
            return
        with state.lock:
            state.bodies.append(body)
        try:
            answer = route(state, body)
        except Refused as exc:
            self._json(exc.status, {"error": str(exc), "error_type": "validation"})
            return
        if isinstance(answer, list):
            self._stream(answer, state.cut_after)
        else:
            self._json(200, answer)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

    def do_HEAD(self) -> None:
        """404 without a body, as HEAD answers have none."""
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _json(self, status: int, answer: dict[str, Any]) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, events: list[dict[str, Any]], cut_after: int | None) -> None:
        """Chunked SSE, one ``data:`` event per chunk; cut: the connection closes without the
        terminating zero chunk, which a client must see as an incomplete body."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for sent, event in enumerate(events):
            if cut_after is not None and sent >= cut_after:
                self.close_connection = True
                return
            data = b"data: " + json.dumps(event).encode() + b"\n\n"
            self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: OneProtocolServer


@contextmanager
def one_protocol_server() -> Iterator[OneProtocolServer]:
    """A server on a free port of 127.0.0.1, in a background thread, for the `with` block."""
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.state = OneProtocolServer(port=httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, name="one-protocol-server", daemon=True)
    thread.start()
    try:
        yield httpd.state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
