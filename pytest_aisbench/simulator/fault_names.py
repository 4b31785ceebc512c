"""The names of the faults the simulator can inject, and the numbers they are defined by.

This module imports nothing from the simulator, so that `config` can validate
`SimulatorConfig.fault` against `FAULTS` while `faults` (which needs the ASGI plumbing, which
needs `config`) implements them: without it, `config` and `faults` would import each other.
"""

from __future__ import annotations

HTTP_FAULTS: dict[str, tuple[int, str]] = {
    "http_400": (400, "Simulated bad request: the server refused this request."),
    "http_404": (404, "Simulated not found: the server does not know this model."),
    "http_429": (429, "Simulated overload: too many requests, retry later."),
    "http_500": (500, "Simulated internal error: the engine crashed."),
    "http_502": (502, "Simulated bad gateway: the upstream server did not answer."),
    "http_503": (503, "Simulated unavailable: the server is not ready."),
}
"""Status faults: the status and the message put into the protocol's error body."""

FAULTS: dict[str, str] = {
    **{
        name: f"answer HTTP {status} with the protocol's error body"
        for name, (status, _) in HTTP_FAULTS.items()
    },
    "reset_before_response": "read the request, then reset the connection (RST) without answering",
    "reset_mid_stream": "send a few events (half of a whole body), then reset the connection",
    "end_without_final": "close the stream cleanly after a few events, without its final event",
    "malformed_sse": "insert a line with no `data:` field (not SSE framing) into the stream",
    "invalid_json_event": "send an event (or a whole body) that is not valid JSON",
    "empty_body": "answer 200 with an empty body (a stream with no events)",
    "stall": "send a few events (no headers for a whole body), then nothing until the client goes",
    "overlong": "ignore the requested maximum and generate far more tokens",
    "trickle": "send each event (a whole body in pieces) `trickle_gap` seconds apart",
    "endless": "never finish: repeat the first event (a whole body: a space) every "
    "`trickle_gap` seconds until the client goes",
    "no_headers": "read the request, then send nothing at all (no status line) until the "
    "client goes",
}
"""Every fault name, with what it does; `SimulatorConfig.fault` must be one of them or ''."""

OVERLONG_FACTOR = 8
"""``overlong`` generates this many times the requested maximum (see `common.length_limits`)."""


def check_fault(name: str) -> None:
    """Raise ValueError naming the allowed faults unless `name` is one of them or ''."""
    if name and name not in FAULTS:
        allowed = ", ".join(sorted(FAULTS))
        raise ValueError(f"unknown simulator fault {name!r}; one of: {allowed}")
