"""What a request produced, accumulated while it runs (AISBench: ``models/output.py``).

A backend's parse hooks write into a `RequestOutput`; the transport stamps the times. Once the
request is over, the engine turns it into an immutable `SampleRecord` (see ``records.py``).
"""

from __future__ import annotations

import uuid as _uuid
from dataclasses import dataclass, field
from typing import Any


class GeneratedText(str):
    """A local model's answer: the text itself, plus what a server would report beside it.

    ``generate`` returns ``list[str]`` (AISBench's API); a backend that knows how its answer
    ended returns these instead, and the engine copies the counts into the sample's record, so
    ``truncated`` and token counts work for local models as for servers. String operations
    return plain ``str``: the extra fields belong to the answer as generated.
    """

    output_tokens: int | None
    """Tokens the model generated for this answer (the EOS or stop word's last token included)."""
    finish_reason: str | None
    """``stop`` (EOS or a stop word) or ``length`` (``max_out_len`` reached), or None."""
    input_tokens: int | None
    """Tokens of the prompt as the model saw it (after truncation), or None."""

    def __new__(
        cls,
        text: str,
        *,
        output_tokens: int | None = None,
        finish_reason: str | None = None,
        input_tokens: int | None = None,
    ) -> GeneratedText:
        made = super().__new__(cls, text)
        made.output_tokens = output_tokens
        made.finish_reason = finish_reason
        made.input_tokens = input_tokens
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its fields (answers cross processes: ``sync_rank``, xdist)."""
        return (_generated_text, (str(self), self.output_tokens, self.finish_reason,
                                  self.input_tokens))  # fmt: skip


def _generated_text(
    text: str, output_tokens: int | None, finish_reason: str | None, input_tokens: int | None
) -> GeneratedText:
    return GeneratedText(
        text, output_tokens=output_tokens, finish_reason=finish_reason, input_tokens=input_tokens
    )


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
    data_id: int = -1
    """The sample's index in its dataset (-1 outside a dataset run, e.g. perf)."""
    extra_perf_data: dict[str, Any] = field(default_factory=dict)
    extra_details_data: dict[str, Any] = field(default_factory=dict)

    def get_prediction(self) -> str:
        """The answer text; reasoning is kept apart in ``reasoning_content``."""
        return self.content

    # AISBench's hooks for extra per-response data; backends may call them, they keep nothing.
    def update_extra_perf_data_from_stream_response(self, stream_response: Any) -> None:
        """No-op: per-event times are taken by the transport."""

    def update_extra_perf_data_from_text_response(self, text_response: Any) -> None:
        """No-op: per-event times are taken by the transport."""

    def update_extra_details_data_from_stream_response(self, stream_response: Any) -> None:
        """No-op: the request body and the answer are already in the record."""

    def update_extra_details_data_from_text_response(self, text_response: Any) -> None:
        """No-op: the request body and the answer are already in the record."""

    async def record_time_point(self) -> None:
        """No-op: the transport stamps each event when its bytes arrive."""

    async def clear_time_points(self) -> None:
        """No-op: a retry resets the times itself."""


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
    streamed: bool = False
    """Whether the answer came as a stream of events (TTFT and ITL exist only then)."""
    notes: str = ""
    """What the record should say about how the answer arrived (e.g. invalid UTF-8)."""
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
        self.notes = ""
