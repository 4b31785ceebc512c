"""The one-protocol test server itself: what the recipe tests rely on it to send on the wire.

The recipe tests only prove what they claim if this server is what a user's server is: 404 to
every route but its own, and streams framed as a real server frames them.
"""

from __future__ import annotations

import json
import socket

import httpx
import pytest
from one_protocol_server import COMPLETIONS_ONLY, TGI_LIKE, OneProtocolServer


def raw_post(server: OneProtocolServer, path: str, body: dict) -> bytes:
    """The bytes a POST gets back, read until the server closes (``Connection: close``)."""
    data = json.dumps(body).encode()
    head = f"POST {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
    head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head.encode() + data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_every_route_but_its_own_is_a_404_with_a_json_body(
    shared_one_protocol: OneProtocolServer,
) -> None:
    server = shared_one_protocol.serve(TGI_LIKE)
    asked = [
        ("GET", "/v1/models"), ("GET", "/health"), ("GET", "/metrics"), ("GET", "/info"),
        ("POST", "/v2/models/m/generate"), ("POST", "/v1/completions"), ("GET", "/generate"),
    ]  # fmt: skip
    with httpx.Client(base_url=server.url) as client:  # one kept-alive connection for all
        statuses = [(client.request(m, p, json={}).status_code, m, p) for m, p in asked]
        assert client.post("/generate", json={"inputs": "2+2?"}).json() == {
            "generated_text": "The answer is 4."
        }
        assert client.get("/v1/models").json()["error"] == "no route GET /v1/models"
    assert statuses == [(404, m, p) for m, p in asked]
    assert server.requests["/v1/models"] == 2
    assert server.requests["/generate"] == 2


def test_a_stream_is_chunked_sse_one_event_per_word_then_the_zero_chunk(
    shared_one_protocol: OneProtocolServer,
) -> None:
    server = shared_one_protocol.serve(COMPLETIONS_ONLY, responder=lambda prompt: "It is 42.")
    wire = raw_post(server, "/v1/completions", {"prompt": "q", "stream": True})
    head, _, body = wire.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    assert b"Content-Type: text/event-stream" in head
    assert body.endswith(b"\r\n0\r\n\r\n")
    events = [json.loads(line[6:]) for line in body.split(b"\r\n") if line.startswith(b"data: ")]
    assert [e["choices"][0]["text"] for e in events] == ["It ", "is ", "42."]
    assert [e["choices"][0]["finish_reason"] for e in events] == [None, None, "stop"]


def test_a_cut_stream_ends_without_its_zero_chunk(shared_one_protocol: OneProtocolServer) -> None:
    server = shared_one_protocol.serve(
        TGI_LIKE, responder=lambda prompt: "one two three four", cut_after=2
    )
    body = raw_post(server, "/generate_stream", {"inputs": "q"}).partition(b"\r\n\r\n")[2]
    assert body.count(b"data: ") == 2
    assert not body.endswith(b"0\r\n\r\n")
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream("POST", server.url + "/generate_stream", json={"inputs": "q"}) as response,
    ):
        response.read()


def test_the_first_requests_can_be_refused_with_503(shared_one_protocol: OneProtocolServer) -> None:
    server = shared_one_protocol.serve(COMPLETIONS_ONLY, fail_first=2)
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer k"}) as client:
        statuses = [client.post("/v1/completions", json={"prompt": "q"}).status_code for _ in "abc"]
        assert client.get("/health").status_code == 404  # a 404 is not one of the failures
    assert statuses == [503, 503, 200]
    assert server.requests == {"/v1/completions": 3, "/health": 1}
    assert server.authorizations == ["Bearer k"] * 4
