"""What a request produced, accumulated while it runs (AISBench: ``models/output.py``).

A backend's parse hooks write into a `RequestOutput`; the transport stamps the times. Once the
request is over, the engine turns it into an immutable `SampleRecord` (see ``records.py``).
"""

from __future__ import annotations

import uuid as _uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Output:
    """The fields AISBench's ``Output`` carries, with the same names."""

    perf_mode: bool = False
    success: bool = False
    error_info: str = ""
    content: str = ""
    reasoning_content: str = ""
    input_tokens: int | None = None
    output_tokens: int | None = None
    input: Any = None
    uuid: str = field(default_factory=lambda: _uuid.uuid4().hex)
    turn_id: int = 0
    extra_perf_data: dict[str, Any] = field(default_factory=dict)
    extra_details_data: dict[str, Any] = field(default_factory=dict)

    def get_prediction(self) -> str:
        """The answer text; reasoning is kept apart in ``reasoning_content``."""
        return self.content


@dataclass
class RequestOutput(Output):
    """Accumulator for one request, plus what AISBench lacks: finish reason and event times.

    Times are ``time.perf_counter_ns()`` values taken when the bytes arrived, before parsing.
    """

    finish_reason: str | None = None
    scheduled_time_ns: int = 0
    send_time_ns: int = 0
    event_times_ns: list[int] = field(default_factory=list)
    """Arrival time of every event (stream) or of the whole body (non-stream)."""
    content_times_ns: list[int] = field(default_factory=list)
    """Arrival times of the events that added answer or reasoning text."""
    token_source: str = ""
    """Where ``output_tokens`` came from: ``usage``, ``tokenizer`` or ``events``."""
    attempts: int = 0
    request_body: dict[str, Any] = field(default_factory=dict)
    """The body sent, with no credentials, kept for debugging."""

    def reset(self) -> None:
        """Forget a failed attempt's partial answer and times before a retry."""
        self.success = False
        self.error_info = ""
        self.content = ""
        self.reasoning_content = ""
        self.input_tokens = None
        self.output_tokens = None
        self.finish_reason = None
        self.event_times_ns = []
        self.content_times_ns = []
        self.token_source = ""
