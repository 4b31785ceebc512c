"""Token splitting and output planning, without a server."""

from __future__ import annotations

import asyncio

import pytest

from pytest_aisbench.simulator.config import (
    ResponsesFileError,
    load_responses,
    responder_from_file,
)
from pytest_aisbench.simulator.tokens import (
    TokenSchedule,
    count_prompt_tokens,
    plan_generation,
    repeat_tokens,
    sleep_until,
    split_tokens,
)


@pytest.mark.parametrize(
    "text", ["Hello world", "  leading and trailing  ", "a\n\nb\tc", "Grüße 東京 🚀", "", "   "]
)
def test_tokens_concatenate_back_to_the_text(text: str) -> None:
    assert "".join(split_tokens(text)) == text


def test_tokens_are_whitespace_attached_words() -> None:
    assert split_tokens("The answer is 4.") == ["The", " answer", " is", " 4."]


def test_prompt_tokens_count_whitespace_separated_pieces() -> None:
    assert count_prompt_tokens("  What is\n2+2 ? ") == 4


def test_repeat_keeps_words_apart() -> None:
    assert "".join(repeat_tokens(["a", " b"], 5)) == "a b a b a"
    assert repeat_tokens([], 2) == ["", ""]


def test_plan_stops_naturally_within_the_limit() -> None:
    generation = plan_generation("a b c", limit=10)
    assert (generation.tokens, generation.finish_reason) == (("a", " b", " c"), "stop")


def test_plan_counts_eos_against_the_limit() -> None:
    assert plan_generation("a b c", limit=4, eos=True).tokens == ("a", " b", " c", "")
    cut = plan_generation("a b c", limit=3, eos=True)
    assert (cut.tokens, cut.finish_reason) == (("a", " b", " c"), "length")


def test_plan_reasoning_counts_toward_the_limit() -> None:
    generation = plan_generation("x y", reasoning="r s t", limit=4)
    assert generation.reasoning_text == "r s t"
    assert generation.content_text == "x"
    assert generation.finish_reason == "length"


def test_plan_stop_string_ends_at_the_token_that_completes_it() -> None:
    generation = plan_generation("one two three four", limit=10, stop=["wo th"])
    assert generation.tokens == ("one", " t", "")
    assert (generation.finish_reason, generation.stop_reason) == ("stop", "wo th")


def test_schedule_uses_absolute_deadlines() -> None:
    schedule = TokenSchedule(arrival=100.0, ttft=0.5, itl=0.1)
    assert schedule.deadline(0) == 100.5
    assert schedule.deadline(3) == pytest.approx(100.8)
    assert schedule.last_deadline(0) == 100.5


def test_sleep_until_reaches_the_deadline() -> None:
    async def run() -> float:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 0.05
        await sleep_until(deadline)
        return loop.time() - deadline

    assert asyncio.run(run()) >= 0


def test_responses_file_first_match_wins(tmp_path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(
        '{"prompt_contains": "2+2", "text": "4"}\n{"prompt_contains": "2", "text": "two"}\n',
        encoding="utf-8",
    )
    respond = responder_from_file(path)
    assert (respond("what is 2+2"), respond("2 cats"), respond("none")) == ("4", "two", None)


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        ("not json\n", 1, "invalid JSON"),
        ('{"prompt_contains": "a", "text": "b"}\n[1]\n', 2, "expected a JSON object"),
        ('{"prompt_contains": 1, "text": "b"}\n', 1, "'prompt_contains' must be a string"),
        ('{"prompt_contains": "a", "text": "b", "x": 1}\n', 1, "unknown keys x"),
    ],
)
def test_bad_responses_file_names_file_and_line(
    tmp_path, content: str, line: int, reason: str
) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ResponsesFileError) as caught:
        load_responses(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert reason in str(caught.value)
