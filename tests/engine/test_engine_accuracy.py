"""`Engine`: one record per sample, whatever the backend does; requests start in bulk.

A scripted service backend stands in for the server (local backends: test_engine_local.py);
each record must carry the output's fields and the outcome the scorer decides.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Iterator

import pytest
from scripted_backend import Script, Scripted, answer, scripted, scripted_config

from conftest import DATASETS_DIR, demo_catalog
from pytest_aisbench.datasets import get_dataset_config
from pytest_aisbench.datasets.base import Sample
from pytest_aisbench.engine.accuracy import Engine
from pytest_aisbench.engine.runner import CircuitBreaker
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.records import SampleRecord

DATASET = "demo_gsm8k_gen_4_shot_cot_chat_prompt"


@pytest.fixture(scope="module")
def samples() -> list[Sample]:
    return get_dataset_config(DATASET).load(DATASETS_DIR)


class Run:
    """An engine over one scripted backend ``m`` and the 8 demo samples; `written` is what
    ``on_record`` got, in order."""

    def __init__(
        self, cls: type[Scripted], plan: list[int], breaker: int = 0, **keys: object
    ) -> None:
        self.written: list[SampleRecord] = []
        catalog, self.abbr = demo_catalog(DATASET)
        self.engine = Engine(
            [scripted_config(cls, **keys)],
            catalog,
            {("m", self.abbr): plan},
            max_consecutive_errors=breaker,
            on_record=self.written.append,
        )

    def record(self, index: int) -> SampleRecord:
        return self.engine.record("m", self.abbr, index)


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    """Engines made by a test; each is closed after it."""
    made: list[Run] = []
    yield made
    for run in made:
        run.engine.close()


def by_index(samples: list[Sample]) -> Script:
    """0: correct, 1: incorrect, 2: no answer, 3: truncated, 4: a server error, 5: a bug in the
    backend; 6 and 7: correct."""

    async def script(output: RequestOutput) -> None:
        index = output.data_id
        output.success = True
        if index in (0, 6, 7):
            output.content = f"So the answer is {samples[index].reference}."
            output.finish_reason, output.output_tokens, output.token_source = "stop", 9, "usage"
        elif index == 1:
            output.content = "The answer is 123456789."
        elif index == 2:
            output.content = "I cannot tell."
        elif index == 3:
            output.content, output.finish_reason = "Let me think step by step, first", "length"
        elif index == 4:
            output.success, output.error_info = False, "HTTP 500: engine dead"
        else:
            raise RuntimeError("hook bug")

    return script


def test_every_sample_gets_one_record_with_its_outcome(
    samples: list[Sample], runs: list[Run]
) -> None:
    cls = scripted(by_index(samples))
    run = Run(cls, list(range(8)))
    runs.append(run)

    records = [run.record(i) for i in range(8)]

    assert [r.outcome for r in records] == [
        "correct", "incorrect", "no_answer", "truncated", "error", "error", "correct", "correct"
    ]  # fmt: skip
    assert [(r.model, r.dataset, r.index) for r in records] == [
        ("m", "demo_gsm8k", i) for i in range(8)
    ]
    assert records[4].error == "HTTP 500: engine dead"
    assert records[5].error == "generate failed: RuntimeError('hook bug')"
    first = records[0]
    assert (first.prediction, first.extracted, first.reference) == (
        f"So the answer is {samples[0].reference}.", samples[0].reference, samples[0].reference
    )  # fmt: skip
    assert (first.finish_reason, first.output_tokens, first.token_source, first.attempts) == (
        "stop", 9, "usage", 1
    )  # fmt: skip
    assert records[3].finish_reason == "length"
    assert sorted(cls.sent) == list(range(8))  # each sample sent once
    assert sorted(r.key for r in run.written) == sorted(r.key for r in records)
    assert run.record(0) is records[0]  # asked again: the same record, nothing resent
    assert len(cls.sent) == 8


def test_each_record_is_written_before_its_item_gets_it(runs: list[Run]) -> None:
    cls = scripted(answer("The answer is 4"))
    run = Run(cls, [0])
    runs.append(run)

    record = run.record(0)

    assert run.written == [record]


def test_the_first_ask_starts_every_planned_sample_and_only_those(runs: list[Run]) -> None:
    started = threading.Event()
    release = threading.Event()
    entered: list[int] = []

    async def held(output: RequestOutput) -> None:
        entered.append(output.data_id)
        if len(entered) == 4:
            started.set()
        while not release.is_set():
            await asyncio.sleep(0.005)
        output.success, output.content = True, "The answer is 4"

    cls = scripted(held)
    run = Run(cls, [0, 1, 2, 3], batch_size=8)
    runs.append(run)

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        first = pool.submit(run.record, 0)
        assert started.wait(timeout=60)  # all four in flight while the first item waits
        assert sorted(cls.sent) == [0, 1, 2, 3]
        release.set()
        assert first.result(timeout=60).index == 0

    assert run.record(5).index == 5  # outside the plan: sent alone, when asked
    assert sorted(cls.sent) == [0, 1, 2, 3, 5]


def test_a_backend_that_cannot_be_built_is_an_error_record_per_sample(runs: list[Run]) -> None:
    class Broken(Scripted):
        def __init__(self, **kwargs: object) -> None:
            raise ValueError("no such server")

    run = Run(Broken, list(range(8)))
    runs.append(run)

    records = [run.record(i) for i in range(8)]

    assert {r.outcome for r in records} == {"error"}
    assert {r.error for r in records} == {"cannot create backend 'm': no such server"}
    assert len(run.written) == 8


def test_the_circuit_breaker_ends_the_rest_as_error_records(runs: list[Run]) -> None:
    cls = scripted(answer("", success=False, error_info="ConnectError: cannot connect"))
    run = Run(cls, list(range(8)), batch_size=1, breaker=2)
    runs.append(run)

    records = [run.record(i) for i in range(8)]

    assert len(cls.sent) == 2
    assert [r.outcome for r in records] == ["error"] * 8
    assert sum(r.error == "ConnectError: cannot connect" for r in records) == 2
    assert sum(r.error.startswith(CircuitBreaker.PREFIX) for r in records) == 6


def test_closing_the_engine_gives_requests_still_running_a_cancelled_record() -> None:
    started = threading.Event()

    async def forever(output: RequestOutput) -> None:
        started.set()
        await asyncio.Event().wait()

    run = Run(scripted(forever), [0])  # closed here, not by `runs`

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(run.record, 0)
        assert started.wait(timeout=60)
        run.engine.close()
        record = waiting.result(timeout=60)

    assert record.outcome == "error"
    assert record.error == "cancelled: the session ended before the request finished"
    assert run.written == [record]


def test_an_api_key_in_an_error_is_scrubbed_from_the_record(runs: list[Run]) -> None:
    key = "sk-test-0123456789abcdef"
    cls = scripted(answer("", success=False, error_info=f"HTTP 401: bad key {key}"))
    run = Run(cls, [0], api_key=key)
    runs.append(run)

    record = run.record(0)

    assert record.outcome == "error"
    assert record.error.startswith("HTTP 401: bad key ")
    assert key not in record.error
    assert key not in repr(run.written)
