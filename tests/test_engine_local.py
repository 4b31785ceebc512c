"""A local backend's failures: whatever ``generate`` does, every sample ends in one record."""

from __future__ import annotations

import concurrent.futures
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import demo_catalog
from pytest_aisbench.config import validate_model
from pytest_aisbench.engine.accuracy import Engine
from pytest_aisbench.models import BaseModel
from pytest_aisbench.records import SampleRecord

DATASET = "demo_gsm8k_gen_4_shot_cot_chat_prompt"


class Answers(BaseModel):
    """Answers 'The answer is 4' to each prompt; subclasses break it one way each."""

    def generate(self, inputs: list[Any], max_out_len: int, **kwargs: Any) -> Any:
        return ["The answer is 4"] * len(inputs)


class Raises(Answers):
    def generate(self, inputs: list[Any], max_out_len: int, **kwargs: Any) -> Any:
        raise RuntimeError("CUDA out of memory")


class TooFew(Answers):
    def generate(self, inputs: list[Any], max_out_len: int, **kwargs: Any) -> Any:
        return super().generate(inputs, max_out_len)[1:]


class TooMany(Answers):
    def generate(self, inputs: list[Any], max_out_len: int, **kwargs: Any) -> Any:
        return [*super().generate(inputs, max_out_len), "extra"]


class NotAList(Answers):
    def generate(self, inputs: list[Any], max_out_len: int, **kwargs: Any) -> Any:
        return "The answer is 4"


class SomeNotStrings(Answers):
    def generate(self, inputs: list[Any], max_out_len: int, **kwargs: Any) -> Any:
        return [None if i % 2 else "The answer is 4" for i in range(len(inputs))]


class Hangs(Answers):
    def generate(self, inputs: list[Any], max_out_len: int, **kwargs: Any) -> Any:
        time.sleep(3)
        return super().generate(inputs, max_out_len)


def records_of(cls: type[BaseModel], **keys: Any) -> list[SampleRecord]:
    """The 8 demo samples through `cls` (batch_size 4), each record waited for at most 60 s."""
    config = validate_model(
        {"attr": "local", "type": cls, "abbr": "local", "batch_size": 4, **keys}, "<test>"
    )
    catalog, abbr = demo_catalog(DATASET)
    engine = Engine([config], catalog, {("local", abbr): list(range(8))})
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(lambda: [engine.record("local", abbr, i) for i in range(8)])
            return waiting.result(timeout=60)
    finally:
        engine.close()


def test_answers_are_scored() -> None:
    records = records_of(Answers)
    assert [r.outcome for r in records] == ["incorrect"] * 8
    assert {r.prediction for r in records} == {"The answer is 4"}


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (Raises, "generate failed: RuntimeError: CUDA out of memory"),
        (TooFew, "generate failed: ValueError: TooFew.generate returned list (3 items) for 4 "
                 "inputs; it must return one string per input"),
        (TooMany, "generate failed: ValueError: TooMany.generate returned list (5 items) for 4 "
                  "inputs"),
        (NotAList, "generate failed: ValueError: NotAList.generate returned str (no list) for 4"),
    ],
    ids=["raises", "too-few", "too-many", "not-a-list"],
)  # fmt: skip
def test_a_broken_batch_fails_each_of_its_samples(cls: type[BaseModel], message: str) -> None:
    records = records_of(cls)
    assert [r.outcome for r in records] == ["error"] * 8
    assert all(r.error.startswith(message) for r in records), records[0].error


def test_a_non_string_answer_fails_its_own_sample_only() -> None:
    records = records_of(SomeNotStrings)
    assert [r.outcome for r in records] == ["incorrect", "error"] * 4
    assert records[1].error == "SomeNotStrings.generate returned NoneType, not str: None"


def test_a_token_counter_that_fails_leaves_every_answer_scored(tmp_path: Path) -> None:
    """The path exists but holds no tokenizer: the answers are the result, the count an extra
    (it once failed every sample, and before that left every item waiting forever)."""
    records = records_of(Answers, path=str(tmp_path))
    assert [(r.outcome, r.error, r.output_tokens) for r in records] == [("incorrect", "", None)] * 8
    assert all(r.notes.startswith("no tokenizer count: ") for r in records)
    assert "no tokenizer.json" in records[0].notes


def test_a_generate_that_hangs_past_the_timeout_is_an_error() -> None:
    started = time.monotonic()
    records = records_of(Hangs, timeout=0.2)
    assert [r.outcome for r in records] == ["error"] * 8
    assert records[0].error == (
        "generate failed: TimeoutError: Hangs.generate gave no result within 0.2 s "
        "(backend key timeout)"
    )
    # each batch gives up after 0.2 s (its thread is left to finish): a bound, not a pace
    assert time.monotonic() - started < 30
