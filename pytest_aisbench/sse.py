"""Server-sent events framing: bytes in, event data strings out.

Events end at a blank line (``\\n\\n``, ``\\r\\n\\r\\n`` or ``\\r\\r``); a partial event is kept
until the rest arrives. Only ``data:`` fields matter to inference servers; comments (``:``) and the
``event:``/``id:``/``retry:`` fields are skipped. Several ``data:`` lines join with ``\\n``.
"""

from __future__ import annotations

import re

_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")
_LINE_END = re.compile(rb"\r\n|\n|\r")


class SSEDecoder:
    """Incremental decoder; feed it chunks as they arrive, read complete events back."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> list[str]:
        """The data of every event completed by `chunk`."""
        self._buffer += chunk
        events: list[str] = []
        while True:
            match = _EVENT_END.search(self._buffer)
            if match is None:
                return events
            block, self._buffer = self._buffer[: match.start()], self._buffer[match.end() :]
            data = _event_data(block)
            if data is not None:
                events.append(data)

    def flush(self) -> list[str]:
        """The data of a last event not followed by a blank line (some servers end so)."""
        block, self._buffer = self._buffer, b""
        data = _event_data(block) if block.strip() else None
        return [] if data is None else [data]


def _event_data(block: bytes) -> str | None:
    """The joined ``data:`` lines of one event, or None when it has none."""
    lines = []
    for raw in _LINE_END.split(block):
        if raw.startswith(b"data:"):
            value = raw[5:]
            lines.append(value[1:] if value.startswith(b" ") else value)
    if not lines:
        return None
    return b"\n".join(lines).decode("utf-8")
