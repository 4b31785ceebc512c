"""`ModelRunner` (one backend's policy: built once, ``batch_size``, the breaker, token counts)
and `CircuitBreaker`, with a scripted backend and literal outputs: no network, no server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from scripted_backend import Scripted, answer, scripted, scripted_config

from pytest_aisbench.engine.runner import CircuitBreaker, ModelRunner
from pytest_aisbench.errors import BackendUnavailable
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.tokens import NO_TOKEN_COUNT, OutputTokenCounting

# -- CircuitBreaker -----------------------------------------------------------------------------


def failed(error: str = "HTTP 503") -> RequestOutput:
    return RequestOutput(success=False, error_info=error)


def test_the_breaker_opens_on_the_threshold_th_failure_in_a_row() -> None:
    breaker = CircuitBreaker(3)
    for _ in range(2):
        breaker.record(failed(), "m")
    assert breaker.reason == ""

    breaker.record(failed("ConnectError: cannot connect"), "m")

    assert breaker.reason == (
        "circuit breaker open: 3 requests in a row to 'm' failed, the server looks down; not "
        "sending the rest (last error: ConnectError: cannot connect)"
    )
    assert breaker.reason.startswith(CircuitBreaker.PREFIX)


def test_a_success_starts_the_count_again() -> None:
    breaker = CircuitBreaker(2)
    breaker.record(failed(), "m")
    breaker.record(RequestOutput(success=True), "m")
    breaker.record(failed(), "m")
    assert (breaker.failures, breaker.reason) == (1, "")


def test_an_open_breaker_keeps_its_first_reason() -> None:
    breaker = CircuitBreaker(1)
    breaker.record(failed("first"), "m")
    breaker.record(failed("second"), "m")
    assert breaker.reason.endswith("(last error: first)")


def test_threshold_zero_never_opens() -> None:
    breaker = CircuitBreaker(0)
    for _ in range(100):
        breaker.record(failed(), "m")
    assert (breaker.failures, breaker.reason) == (100, "")


# -- building the backend -----------------------------------------------------------------------


async def test_the_backend_is_built_once_however_many_ask_at_once() -> None:
    built: list[Scripted] = []

    class Counted(scripted(answer("4"))):  # type: ignore[misc]  # a class made at run time
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            built.append(self)

    runner = ModelRunner(scripted_config(Counted, batch_size=5))

    instances = await asyncio.gather(*(runner.instance() for _ in range(5)))

    assert len(built) == 1
    assert all(instance is built[0] for instance in instances)
    assert built[0].max_connections == 5  # the backend's batch_size


async def test_a_backend_that_cannot_be_built_fails_every_ask_with_the_reason() -> None:
    attempts: list[int] = []

    class Broken(scripted(answer("4"))):  # type: ignore[misc]  # a class made at run time
        def __init__(self, **kwargs: Any) -> None:
            attempts.append(1)
            raise ValueError("no such server")

    runner = ModelRunner(scripted_config(Broken))

    for _ in range(3):
        with pytest.raises(
            BackendUnavailable, match=r"^cannot create backend 'm': no such server$"
        ):
            await runner.instance()
    assert len(attempts) == 1  # not rebuilt per request


# -- requests -----------------------------------------------------------------------------------


async def test_requests_in_flight_never_exceed_batch_size() -> None:
    in_flight, peak = 0, 0

    async def slow(output: RequestOutput) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        output.success = True

    cls = scripted(slow)
    runner = ModelRunner(scripted_config(cls, batch_size=3))

    outputs = await asyncio.gather(*(runner.request("hi", 8, index) for index in range(8)))

    assert peak == 3
    assert sorted(cls.sent) == list(range(8))
    assert [output.data_id for output in outputs] == list(range(8))
    assert all(output.success for output in outputs)


async def test_the_prompt_is_rendered_with_the_backends_template_parser() -> None:
    cls = scripted(answer("4"))
    runner = ModelRunner(scripted_config(cls))

    await runner.request("2 + 2?", 8)

    # a chat backend (APITemplateParser) sends a plain string as one user turn
    model = await runner.instance()
    assert cls.prompts == [model.parse_template("2 + 2?", mode="gen")]


async def test_an_open_breaker_fails_the_rest_without_sending_them() -> None:
    cls = scripted(answer("", success=False, error_info="HTTP 503: overloaded"))
    runner = ModelRunner(scripted_config(cls, batch_size=1), max_consecutive_errors=2)

    outputs = [await runner.request(f"q{i}", 8, i) for i in range(5)]

    assert cls.sent == [0, 1]
    assert [o.error_info for o in outputs[:2]] == ["HTTP 503: overloaded"] * 2
    assert all(o.error_info == runner.breaker.reason for o in outputs[2:])
    assert all(o.success is False for o in outputs)
    assert [o.input for o in outputs[2:]] == ["q2", "q3", "q4"]


# -- token counts when the server sends none -----------------------------------------------------


def save_word_tokenizer(folder: Path) -> None:
    """A tiny tokenizer.json: one token per word or punctuation run (unknown words: [UNK])."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {"[UNK]": 0, "The": 1, "answer": 2, "is": 3, "4": 4, ".": 5}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))


def streamed(content: str = "The answer is 4.", reasoning: str = "") -> RequestOutput:
    """A stream without usage (llama.cpp's): role chunk, 4 text events, ``[DONE]``."""
    return RequestOutput(
        success=True,
        content=content,
        reasoning_content=reasoning,
        streamed=True,
        event_times_ns=[1, 2, 3, 4, 5, 6],
        content_times_ns=[2, 3, 4, 5],
    )


def test_without_a_tokenizer_the_stream_events_are_counted() -> None:
    output = streamed()
    OutputTokenCounting("").fill(output)
    assert (output.output_tokens, output.token_source) == (4, "events")


def test_with_a_tokenizer_its_count_is_used(tmp_path: Path) -> None:
    save_word_tokenizer(tmp_path)
    output = streamed()
    OutputTokenCounting(str(tmp_path)).fill(output)
    # "The", "answer", "is", "4", "." : the tokenizer's count, not the 4 events
    assert (output.output_tokens, output.token_source) == (5, "tokenizer")


def test_the_tokenizer_counts_reasoning_tokens_too(tmp_path: Path) -> None:
    """Reasoning tokens are generated tokens: the server's usage and the events count them."""
    save_word_tokenizer(tmp_path)
    output = streamed(reasoning="Let me think.")
    OutputTokenCounting(str(tmp_path)).fill(output)
    # "Let", "me", "think", "." then "The", "answer", "is", "4", "."
    assert (output.output_tokens, output.token_source) == (4 + 5, "tokenizer")


def test_one_body_without_usage_has_nothing_to_count_without_a_tokenizer() -> None:
    output = RequestOutput(success=True, content=" 4", event_times_ns=[1], content_times_ns=[1])
    OutputTokenCounting("").fill(output)
    assert (output.output_tokens, output.token_source) == (None, "")


def test_the_servers_usage_is_kept_even_with_a_tokenizer(tmp_path: Path) -> None:
    save_word_tokenizer(tmp_path)
    output = streamed()
    output.output_tokens, output.token_source = 4, "usage"
    OutputTokenCounting(str(tmp_path)).fill(output)
    assert (output.output_tokens, output.token_source) == (4, "usage")


def test_a_failed_request_is_not_counted() -> None:
    output = streamed()
    output.success = False
    OutputTokenCounting("").fill(output)
    assert (output.output_tokens, output.token_source) == (None, "")


def test_without_a_tokenizer_at_path_the_answer_stays_and_the_note_says_why(
    tmp_path: Path,
) -> None:
    """A weights folder without tokenizer.json: no count, a note naming the file; loaded once."""
    (tmp_path / "config.json").write_text("{}")
    counting = OutputTokenCounting(str(tmp_path))
    outputs = [RequestOutput(success=True, content=" 4", event_times_ns=[1], content_times_ns=[1])
               for _ in range(2)]  # fmt: skip
    for output in outputs:
        counting.fill(output)
    assert [(o.content, o.output_tokens, o.token_source) for o in outputs] == [(" 4", None, "")] * 2
    assert all(o.notes.startswith(NO_TOKEN_COUNT) for o in outputs)
    assert f"no tokenizer.json at {tmp_path / 'tokenizer.json'}" in outputs[0].notes
    assert "no tokenizer.json" in counting.problem


def test_a_tokenizer_that_raises_leaves_the_event_count_and_a_note(tmp_path: Path) -> None:
    (tmp_path / "tokenizer.json").write_text("not json")
    output = streamed()
    OutputTokenCounting(str(tmp_path)).fill(output)
    assert (output.output_tokens, output.token_source) == (4, "events")
    assert output.notes.startswith(NO_TOKEN_COUNT)
