"""Server-sent events framing: bytes in, event data strings out.

Events end at a blank line (``\\n\\n``, ``\\r\\n\\r\\n`` or ``\\r\\r``); a partial event is kept
until the rest arrives. Only ``data:`` fields matter to inference servers; comments (``:``) and the
``event:``/``id:``/``retry:`` fields are skipped. Several ``data:`` lines join with ``\\n``.
"""

from __future__ import annotations


class SSEDecoder:
    """Incremental decoder; feed it chunks as they arrive, read complete events back."""

    def __init__(self) -> None:
        self._buffer = b""
        """Bytes of an unfinished event, line ends already normalized to ``\\n``."""
        self._after_cr = False
        """Whether the last chunk ended with CR: a LF starting the next one belongs to it."""

    def feed(self, chunk: bytes) -> list[str]:
        """The data of every event completed by `chunk`."""
        if self._after_cr and chunk.startswith(b"\n"):
            chunk, self._after_cr = chunk[1:], False
        if chunk:
            self._after_cr = chunk.endswith(b"\r")
            if b"\r" in chunk:
                chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        buffer = self._buffer + chunk if self._buffer else chunk
        *blocks, rest = buffer.split(b"\n\n")
        self._buffer = rest
        events: list[str] = []
        for block in blocks:
            if block.startswith(b"data:") and b"\n" not in block:  # one data line: most events
                value = block[5:]
                events.append(_decode(value[1:] if value.startswith(b" ") else value))
            else:
                data = _event_data(block)
                if data is not None:
                    events.append(data)
        return events

    def flush(self) -> list[str]:
        """The data of a last event not followed by a blank line (some servers end so)."""
        block, self._buffer = self._buffer, b""
        data = _event_data(block) if block.strip() else None
        return [] if data is None else [data]


def _event_data(block: bytes) -> str | None:
    """The joined ``data:`` lines of one event (line ends already ``\\n``), or None."""
    lines = []
    for raw in block.split(b"\n"):
        if raw.startswith(b"data:"):
            value = raw[5:]
            lines.append(value[1:] if value.startswith(b" ") else value)
    if not lines:
        return None
    return _decode(b"\n".join(lines))


def _decode(raw: bytes) -> str:
    """UTF-8 text; invalid bytes become U+FFFD, as in a whole (non-stream) reply."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")
