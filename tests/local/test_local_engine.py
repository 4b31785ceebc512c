"""The engine's contract with local models, with plain `BaseModel` subclasses (no torch).

A model is built once per session and backend and closed at the end; `GeneratedText`
answers carry their token counts and finish reason into the records (``length`` makes an
unanswered sample ``truncated``); a model that allows it gets its batches grouped by prompt
length, and each answer still lands on its own sample.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, ClassVar

from test_engine_local import DATASET, records_of

from conftest import DATASETS_DIR
from pytest_aisbench.config import validate_model
from pytest_aisbench.datasets import get_dataset_config
from pytest_aisbench.engine.accuracy import by_length
from pytest_aisbench.models import BaseModel
from pytest_aisbench.models.output import GeneratedText
from pytest_aisbench.records import SampleRecord


class Counting(BaseModel):
    """Echoes each prompt's length; counts builds, batches and closes (class-wide)."""

    builds: ClassVar[int] = 0
    closes: ClassVar[int] = 0
    batches: ClassVar[list[list[int]]] = []
    lock = threading.Lock()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        with self.lock:
            type(self).builds += 1

    def generate(self, inputs: list[Any], max_out_len: int, **kwargs: Any) -> list[str]:
        lengths = [len(str(prompt)) for prompt in inputs]
        with self.lock:
            type(self).batches.append(lengths)
        return [
            GeneratedText(
                f"length {n}", output_tokens=n % 7 + 1, finish_reason="stop", input_tokens=n
            )
            for n in lengths
        ]

    def close(self) -> None:
        with self.lock:
            type(self).closes += 1


def counting(group: bool) -> type[Counting]:
    """A `Counting` class of its own (fresh counters), grouping by length or not."""
    return type("Counting", (Counting,), {"builds": 0, "closes": 0, "batches": [],
                                          "group_by_length": group})  # fmt: skip


class CutShort(BaseModel):
    """Stops at the length limit before writing any answer."""

    def generate(self, inputs: list[Any], max_out_len: int, **kwargs: Any) -> list[str]:
        return [GeneratedText("Let me think", output_tokens=max_out_len, finish_reason="length")
                for _ in inputs]  # fmt: skip


def run(cls: type[BaseModel], batch_size: int = 3) -> list[SampleRecord]:
    """The 8 demo samples through `cls`, then the engine closed."""
    return records_of(cls, batch_size=batch_size, max_out_len=32)


def prompt_lengths() -> list[int]:
    """Each demo sample's prompt length, as `Counting` sees it (rendered, in characters)."""
    samples = get_dataset_config(DATASET).load(DATASETS_DIR)
    model = validate_model({"attr": "local", "type": Counting, "abbr": "x"}, "<test>").build()
    return [len(str(model.parse_template(s.prompt, mode="gen"))) for s in samples]


def test_a_local_model_is_built_once_and_closed_once() -> None:
    cls = counting(group=False)
    records = run(cls, batch_size=2)
    assert len(records) == 8
    assert (cls.builds, cls.closes, len(cls.batches)) == (1, 1, 4)


def test_generated_text_fills_the_record() -> None:
    records = run(counting(group=False))
    lengths = prompt_lengths()
    assert [r.prediction for r in records] == [f"length {n}" for n in lengths]
    assert [r.output_tokens for r in records] == [n % 7 + 1 for n in lengths]
    assert [r.input_tokens for r in records] == lengths
    assert {r.token_source for r in records} == {"generate"}
    assert {r.finish_reason for r in records} == {"stop"}


def test_a_length_finish_without_an_answer_is_truncated() -> None:
    records = run(CutShort)
    assert [r.outcome for r in records] == ["truncated"] * 8
    assert {(r.finish_reason, r.output_tokens) for r in records} == {("length", 32)}


def chunks(values: list[int], size: int) -> list[list[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def test_grouped_batches_are_sorted_longest_first_and_answers_stay_with_their_samples() -> None:
    grouped, plain = counting(group=True), counting(group=False)
    lengths = prompt_lengths()
    samples = get_dataset_config(DATASET).load(DATASETS_DIR)
    longest_first = [s.index for s in sorted(samples, key=lambda s: (-len(str(s.prompt)), s.index))]
    grouped_records, plain_records = run(grouped), run(plain)
    # batches run one at a time, in whichever order the loop starts them: compare as sets
    assert sorted(grouped.batches) == sorted(chunks([lengths[i] for i in longest_first], 3))
    assert sorted(plain.batches) == sorted(chunks(lengths, 3))
    assert [r.prediction for r in grouped_records] == [r.prediction for r in plain_records]
    assert [r.index for r in grouped_records] == list(range(8))


def test_by_length_breaks_ties_by_index() -> None:
    first, second = get_dataset_config(DATASET).load(DATASETS_DIR)[:2]
    same = [dataclasses.replace(first, index=i) for i in (5, 2, 7)]
    longer, shorter = sorted([first, second], key=lambda s: -len(str(s.prompt)))
    assert [s.index for s in by_length(same)] == [2, 5, 7]
    assert by_length([shorter, longer]) == [longer, shorter]
