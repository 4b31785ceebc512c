"""From a finished request to its record: one outcome per sample, and its latencies."""

from __future__ import annotations

import dataclasses

import pytest

from pytest_aisbench.datasets import Sample, get_dataset_config
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.outcomes import decide_outcome
from pytest_aisbench.records import SampleRecord
from pytest_aisbench.scoring import cut_at_stop_words, score

GSM8K_DEMO = get_dataset_config("demo_gsm8k_gen_4_shot_cot_chat_prompt")
SAMPLE = Sample(dataset="demo_gsm8k", index=3, prompt="How many?", reference="18")


def finished(
    content: str = "",
    *,
    success: bool = True,
    finish_reason: str | None = "stop",
    error_info: str = "",
) -> RequestOutput:
    return RequestOutput(
        success=success,
        content=content,
        finish_reason=finish_reason,
        error_info=error_info,
        attempts=1,
    )


def outcome_of(output: RequestOutput) -> str:
    return score("m", GSM8K_DEMO, SAMPLE, output, None).outcome


@pytest.mark.parametrize(
    ("output", "outcome"),
    [
        (finished("She makes 9 * 2 = 18 dollars. The answer is 18"), "correct"),
        (finished("The answer is 18.00"), "correct"),
        (finished("The answer is 18", finish_reason="length"), "correct"),
        (finished("The answer is 18", finish_reason=None), "correct"),
        (finished("The answer is 17"), "incorrect"),
        (finished("I cannot tell."), "no_answer"),
        (finished(""), "no_answer"),
        (finished("First 9 * 2 = 18, then", finish_reason="length"), "correct"),
        (finished("First 9 * 3 = 27, then", finish_reason="length"), "truncated"),
        (finished("Let me think", finish_reason="length"), "truncated"),
        (finished("The answer is 18", success=False, error_info="HTTP 500"), "error"),
        (finished("", success=False, error_info="connection refused"), "error"),
    ],
    ids=[
        "correct",
        "correct-decimal",
        "correct-despite-length",
        "correct-no-finish-reason",
        "incorrect",
        "no-answer",
        "no-answer-empty",
        "correct-cut-after-answer",
        "truncated-wrong-number",
        "truncated-no-number",
        "error-even-with-right-text",
        "error",
    ],
)
def test_outcome(output: RequestOutput, outcome: str) -> None:
    assert outcome_of(output) == outcome


def test_decide_outcome_directly() -> None:
    ok = finished("x")
    assert decide_outcome(ok, "18", GSM8K_DEMO, SAMPLE) == "correct"
    assert decide_outcome(ok, "19", GSM8K_DEMO, SAMPLE) == "incorrect"
    assert decide_outcome(ok, None, GSM8K_DEMO, SAMPLE) == "no_answer"
    assert decide_outcome(finished("x", finish_reason="length"), "19", GSM8K_DEMO, SAMPLE) == (
        "truncated"
    )
    assert decide_outcome(finished("x", success=False), "18", GSM8K_DEMO, SAMPLE) == "error"


def test_the_answer_is_read_up_to_the_first_stop_word() -> None:
    """A base model writes on past its answer (the next few-shot question); the dataset's stop
    words (its inferencer's stopping_criteria) end what is scored, the prediction is kept."""
    stopping = dataclasses.replace(GSM8K_DEMO, stop_words=("Question:",))
    text = "9 * 2 = 18. The answer is 18\nQuestion: Tom has 25 apples"
    record = score("m", stopping, SAMPLE, finished(text), None)
    assert (record.outcome, record.extracted, record.prediction) == ("correct", "18", text)
    assert cut_at_stop_words("a STOP b END c", ("END", "STOP")) == "a "
    assert cut_at_stop_words("no stop here", ("END",)) == "no stop here"


def test_record_of_a_correct_stream_response() -> None:
    output = RequestOutput(
        success=True,
        content="9 * 2 = 18. The answer is 18",
        reasoning_content="think",
        input_tokens=120,
        output_tokens=12,
        token_source="usage",
        finish_reason="stop",
        attempts=2,
        send_time_ns=1_000_000_000,
        content_times_ns=[1_250_000_000, 1_300_000_000, 1_750_000_000],
        streamed=True,
    )
    assert score("vllm_chat", GSM8K_DEMO, SAMPLE, output, 0.5) == SampleRecord(
        model="vllm_chat",
        dataset="demo_gsm8k",
        index=3,
        outcome="correct",
        prediction="9 * 2 = 18. The answer is 18",
        reasoning="think",
        extracted="18",
        reference="18",
        error="",
        finish_reason="stop",
        input_tokens=120,
        output_tokens=12,
        token_source="usage",
        attempts=2,
        ttft_s=0.25,
        e2el_s=0.75,
        min_accuracy=0.5,
    )


def test_single_event_gives_equal_ttft_and_e2el() -> None:
    output = finished("18")
    output.send_time_ns = 5_000_000
    output.content_times_ns = [2_005_000_000]
    output.streamed = True
    record = score("m", GSM8K_DEMO, SAMPLE, output, None)
    assert (record.ttft_s, record.e2el_s) == (2.0, 2.0)


def test_a_whole_body_response_has_an_e2el_and_no_ttft() -> None:
    output = finished("18")
    output.send_time_ns = 5_000_000
    output.content_times_ns = [2_005_000_000]
    record = score("m", GSM8K_DEMO, SAMPLE, output, None)
    assert (record.ttft_s, record.e2el_s) == (None, 2.0)


def test_no_content_event_or_no_send_time_gives_no_latency() -> None:
    no_events = finished("18")
    no_events.send_time_ns = 1_000
    no_send = finished("18")
    no_send.content_times_ns = [5_000]
    for output in (no_events, no_send):
        record = score("m", GSM8K_DEMO, SAMPLE, output, None)
        assert (record.ttft_s, record.e2el_s) == (None, None)


def test_error_record_keeps_the_error_and_extracts_nothing() -> None:
    output = finished("The answer is 18", success=False, error_info="HTTP 503: busy")
    output.attempts = 3
    record = score("m", GSM8K_DEMO, SAMPLE, output, None)
    assert record.outcome == "error"
    assert record.error == "HTTP 503: busy"
    assert record.extracted is None
    assert record.attempts == 3


def test_successful_record_has_no_error_text() -> None:
    output = finished("The answer is 17", error_info="stale text from a failed attempt")
    record = score("m", GSM8K_DEMO, SAMPLE, output, None)
    assert (record.outcome, record.extracted, record.error) == ("incorrect", "17", "")


def test_extraction_ignores_a_follow_on_question() -> None:
    output = finished("The answer is 18\n\nQuestion: what is 5 + 7?")
    record = score("m", GSM8K_DEMO, SAMPLE, output, None)
    assert (record.outcome, record.extracted) == ("correct", "18")
