"""SSE framing: bytes in, event data out, however the bytes are cut into chunks."""

from __future__ import annotations

import pytest

from pytest_aisbench.transport.sse import SSEDecoder

VLLM_STREAM = (
    b'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n'
    b'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n'
    b'data: {"choices":[],"usage":{"completion_tokens":1}}\n\n'
    b"data: [DONE]\n\n"
)
VLLM_EVENTS = [
    '{"choices":[{"delta":{"role":"assistant","content":""}}]}',
    '{"choices":[{"delta":{"content":"Hi"}}]}',
    '{"choices":[],"usage":{"completion_tokens":1}}',
    "[DONE]",
]


def decode(stream: bytes, chunk_size: int | None = None) -> list[str]:
    """Every event of `stream`, fed whole or in chunks of `chunk_size` bytes, then flushed."""
    decoder = SSEDecoder()
    size = chunk_size or len(stream) or 1
    events: list[str] = []
    for start in range(0, len(stream), size):
        events += decoder.feed(stream[start : start + size])
    return events + decoder.flush()


def test_whole_stream_gives_every_event_in_order() -> None:
    assert decode(VLLM_STREAM) == VLLM_EVENTS


def test_byte_by_byte_gives_the_same_events() -> None:
    assert decode(VLLM_STREAM, chunk_size=1) == VLLM_EVENTS


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
def test_every_two_chunk_split_gives_the_same_events(line_end: bytes) -> None:
    stream = VLLM_STREAM.replace(b"\n", line_end)
    for cut in range(len(stream) + 1):
        decoder = SSEDecoder()
        events = decoder.feed(stream[:cut]) + decoder.feed(stream[cut:])
        assert events == VLLM_EVENTS, f"cut at byte {cut}"
        assert decoder.flush() == []


def test_a_crlf_split_after_its_cr_is_one_line_end() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"\n") == ["a"]  # a second LF is a second line end: the blank line


def test_partial_event_is_held_until_its_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: hel") == []
    assert decoder.feed(b"lo\n") == []
    assert decoder.feed(b"\n") == ["hello"]


@pytest.mark.parametrize(
    ("line_end", "name"),
    [(b"\n", "lf"), (b"\r\n", "crlf"), (b"\r", "cr")],
)
def test_each_line_ending_frames_events(line_end: bytes, name: str) -> None:
    stream = b"data: one" + line_end * 2 + b"data: two" + line_end * 2
    assert decode(stream) == ["one", "two"], name
    assert decode(stream, chunk_size=1) == ["one", "two"], name


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n", b"\r"])
def test_multi_line_data_joins_with_newline(line_end: bytes) -> None:
    stream = b"data: first" + line_end + b"data: second" + line_end + b"data: third" + line_end * 2
    assert decode(stream) == ["first\nsecond\nthird"]
    assert decode(stream, chunk_size=1) == ["first\nsecond\nthird"]


def test_data_without_space_after_colon() -> None:
    assert decode(b"data:{}\n\n") == ["{}"]


def test_only_one_leading_space_is_removed() -> None:
    assert decode(b"data:  x \n\n") == [" x "]


def test_empty_data_line_is_an_empty_event() -> None:
    assert decode(b"data:\n\n") == [""]


def test_comments_and_other_fields_are_skipped() -> None:
    stream = (
        b": keep-alive comment\n\n"
        b"event: message\nid: 7\nretry: 1000\ndata: payload\n\n"
        b"event: ping\nid: 8\n\n"
    )
    assert decode(stream) == ["payload"]
    assert decode(stream, chunk_size=1) == ["payload"]


def test_multibyte_utf8_split_inside_code_points() -> None:
    text = "東京🚀"
    stream = f"data: {text}\n\n".encode()
    # cut inside 東 (3 bytes) and inside 🚀 (4 bytes), and byte by byte
    assert decode(stream, chunk_size=1) == [text]
    for cut in range(len(stream) + 1):
        decoder = SSEDecoder()
        assert decoder.feed(stream[:cut]) + decoder.feed(stream[cut:]) == [text], cut


def test_multibyte_utf8_across_a_multi_event_json_stream() -> None:
    stream = (
        'data: {"delta":"東"}\n\ndata: {"delta":"京"}\n\ndata: {"delta":"🚀"}\n\ndata: [DONE]\n\n'
    ).encode()
    expected = ['{"delta":"東"}', '{"delta":"京"}', '{"delta":"🚀"}', "[DONE]"]
    for size in (1, 2, 3, 5, 7):
        assert decode(stream, chunk_size=size) == expected, size


def test_flush_returns_a_last_event_without_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: one\n\ndata: last") == ["one"]
    assert decoder.flush() == ["last"]
    assert decoder.flush() == []


def test_flush_returns_a_last_event_ended_by_one_newline() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: last\r\n") == []
    assert decoder.flush() == ["last"]


def test_flush_of_nothing_or_whitespace_or_comment_is_empty() -> None:
    for leftover in (b"", b"\n", b"  ", b": comment"):
        decoder = SSEDecoder()
        decoder.feed(leftover)
        assert decoder.flush() == [], leftover


def test_done_sentinel_is_passed_through_as_data() -> None:
    assert decode(b"data: [DONE]\n\n") == ["[DONE]"]
    assert decode(b"data:[DONE]") == ["[DONE]"]
