"""The request engine: every selected sample's request in flight at once, up to the limits.

Test items run one after another, but their requests must not: the first item of a
(model, dataset) starts the requests of every sample this process will run for it, on one
background event loop, with at most ``batch_size`` in flight per model and arrivals paced by
``request_rate``. Each item then only waits for its own record. Nothing is lost: whatever
happens to a request, its sample gets exactly one record (an ``error`` one if need be).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pytest_aisbench.config import ModelConfig
from pytest_aisbench.datasets import DatasetConfig, get_dataset_config
from pytest_aisbench.datasets.base import Sample
from pytest_aisbench.models.api_models.base_api import BaseAPIModel
from pytest_aisbench.models.local_models.base import BaseModel
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.records import SampleRecord
from pytest_aisbench.scoring import score
from pytest_aisbench.secret import scrub
from pytest_aisbench.tokens import TokenCounter, fill_output_tokens

T = TypeVar("T")
SampleKey = tuple[str, str, int]
"""(model abbr, dataset name, sample index)."""
MIN_PACED_RATE = 0.1
"""Below this request_rate, requests are not paced (AISBench: all sent at once)."""


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop when it is installed (extra ``fast``), else asyncio's.

    Once the HTTP client is lean (``http_client="asyncio"``), about half of the client's CPU per
    streamed event is the event loop's and the kernel's; uvloop trims the loop's part.
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on `new_event_loop`."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(coro)


class EventLoopThread:
    """One event loop in a daemon thread, shared by every request of the session."""

    def __init__(self) -> None:
        self.loop = new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="aisbench-engine", daemon=True
        )
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run `coro` on the loop; the returned future is safe to wait on from any thread."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def stop(self) -> None:
        """Cancel what is still running and end the thread."""

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self.submit(cancel_all()).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=30)
        self.loop.close()


class Pacer:
    """Send slots one ``1/request_rate`` apart (AISBench semantics); unpaced below 0.1/s."""

    def __init__(self, request_rate: float) -> None:
        self.interval_ns = int(1e9 / request_rate) if request_rate >= MIN_PACED_RATE else 0
        self._next_ns = 0

    def reserve(self) -> int:
        """The next slot (``perf_counter_ns``); slots are handed out in call order."""
        now = time.perf_counter_ns()
        if not self.interval_ns:
            return now
        slot = max(self._next_ns, now)
        self._next_ns = slot + self.interval_ns
        return slot


async def sleep_until(deadline_ns: int) -> None:
    """Sleep until ``perf_counter_ns()`` reaches `deadline_ns`."""
    delay = (deadline_ns - time.perf_counter_ns()) / 1e9
    if delay > 0:
        await asyncio.sleep(delay)


class CircuitBreaker:
    """Opens after `threshold` requests in a row failed: the server looks down.

    Once open, the backend's remaining requests fail at once with the reason, instead of each
    waiting through its timeouts and retries. Every sample still gets its (``error``) record.
    """

    PREFIX = "circuit breaker open"

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.failures = 0
        self.reason = ""

    def record(self, output: RequestOutput, abbr: str) -> None:
        """Count a finished request; open on the `threshold`-th failure in a row."""
        self.failures = 0 if output.success else self.failures + 1
        if self.threshold and self.failures >= self.threshold and not self.reason:
            self.reason = (
                f"{self.PREFIX}: {self.failures} requests in a row to {abbr!r} failed, the server "
                f"looks down; not sending the rest (last error: {output.error_info})"
            )


class ModelRunner:
    """One backend in this process: its instance (built once), concurrency limit and pacer."""

    def __init__(self, config: ModelConfig, max_consecutive_errors: int = 0) -> None:
        self.config = config
        self.pacer = Pacer(config.request_rate)
        self.breaker = CircuitBreaker(max_consecutive_errors)
        self._semaphore: asyncio.Semaphore | None = None
        self._instance: BaseModel | None = None
        self._build_error: str = ""
        self._build_lock: asyncio.Lock | None = None
        self._local_lock: asyncio.Lock | None = None
        self._token_counter: TokenCounter | None = None

    @property
    def semaphore(self) -> asyncio.Semaphore:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.config.batch_size)
        return self._semaphore

    async def instance(self) -> BaseModel:
        """The backend object, built on first use (it may ask the server for its model name)."""
        if self._build_lock is None:
            self._build_lock = asyncio.Lock()
        async with self._build_lock:
            if self._instance is None and not self._build_error:
                try:
                    self._instance = await asyncio.to_thread(self.config.build)
                except Exception as exc:
                    self._build_error = f"cannot create backend {self.config.abbr!r}: {exc}"
            if self._instance is None:
                raise BackendUnavailable(self._build_error)
            if isinstance(self._instance, BaseAPIModel):
                self._instance.max_connections = self.config.batch_size
            return self._instance

    @property
    def max_out_len(self) -> int | None:
        value = self.config.settings.get("max_out_len")
        return int(value) if value is not None else None

    def count_tokens(self, output: RequestOutput) -> None:
        """Fill ``output_tokens`` when the server sent no usage (see `fill_output_tokens`)."""
        path = str(self.config.settings.get("path") or "")
        if path and self._token_counter is None and output.output_tokens is None:
            self._token_counter = TokenCounter(path)
        fill_output_tokens(output, self._token_counter)

    async def request(self, prompt: Any, max_out_len: int, data_id: int = -1) -> RequestOutput:
        """One service request: wait for its slot, then for room under ``batch_size``."""
        scheduled = self.pacer.reserve()
        await sleep_until(scheduled)
        async with self.semaphore:
            if self.breaker.reason:
                return RequestOutput(success=False, error_info=self.breaker.reason, input=prompt)
            output = RequestOutput(scheduled_time_ns=scheduled, data_id=data_id)
            model = await self.instance()
            assert isinstance(model, BaseAPIModel)
            await model.generate(model.parse_template(prompt, mode="gen"), max_out_len, output)
            self.breaker.record(output, self.config.abbr)
            return output

    async def generate_local(self, prompts: list[Any], max_out_len: int) -> list[RequestOutput]:
        """One batch through a local model's ``generate``, in a thread, one batch at a time.

        Every prompt gets an output: a batch that raises, hangs past the backend's timeout or
        returns the wrong number of answers fails each of its samples with the reason; a
        non-string answer fails its own sample.
        """
        if self._local_lock is None:
            self._local_lock = asyncio.Lock()
        model = await self.instance()
        inputs = [model.parse_template(prompt, mode="gen") for prompt in prompts]
        async with self._local_lock:
            sent = time.perf_counter_ns()
            call = asyncio.to_thread(model.generate, inputs, max_out_len)
            try:
                texts = await asyncio.wait_for(call, self.config.timeout_s)
            except TimeoutError:
                raise TimeoutError(
                    f"{type(model).__name__}.generate gave no result within "
                    f"{self.config.timeout_s:g} s (backend key timeout)"
                ) from None
            arrived = time.perf_counter_ns()
        if not isinstance(texts, (list, tuple)) or len(texts) != len(prompts):
            count = f"{len(texts)} items" if isinstance(texts, (list, tuple)) else "no list"
            raise ValueError(
                f"{type(model).__name__}.generate returned {type(texts).__name__} ({count}) for "
                f"{len(prompts)} inputs; it must return one string per input"
            )
        return [
            _local_output(prompt, text, sent, arrived, type(model).__name__)
            for prompt, text in zip(inputs, texts, strict=True)
        ]

    async def aclose(self) -> None:
        if isinstance(self._instance, BaseAPIModel):
            await self._instance.aclose()


class BackendUnavailable(Exception):
    """The backend object could not be created; every sample sent to it becomes an error."""


class Engine:
    """Hands out one record per sample, starting requests in bulk the first time it is asked."""

    def __init__(
        self,
        models: Sequence[ModelConfig],
        datasets_dir: Path,
        plan: dict[tuple[str, str], list[int]],
        max_consecutive_errors: int = 0,
        on_record: Callable[[SampleRecord], None] | None = None,
    ) -> None:
        """`max_consecutive_errors` opens a backend's circuit breaker (0: never); `on_record`
        gets each record the moment its sample finishes, before its item is given it."""
        self._on_record = on_record
        self._runners = {
            config.abbr: ModelRunner(config, max_consecutive_errors) for config in models
        }
        self._datasets_dir = datasets_dir
        self._plan = plan
        self._futures: dict[SampleKey, concurrent.futures.Future[SampleRecord]] = {}
        self._lock = threading.Lock()
        self._loop: EventLoopThread | None = None
        self._samples: dict[str, list[Sample]] = {}

    def record(self, model: str, dataset: str, index: int) -> SampleRecord:
        """The record of one sample; blocks until its request has finished."""
        key = (model, dataset, index)
        with self._lock:
            if key not in self._futures:
                planned = self._plan.get((model, dataset), [])
                wanted = [i for i in planned if (model, dataset, i) not in self._futures]
                self._start(model, dataset, wanted if index in wanted else [index])
            future = self._futures[key]
        return future.result()

    def _start(self, model: str, dataset: str, indices: list[int]) -> None:
        if self._loop is None:
            self._loop = EventLoopThread()
        config = get_dataset_config(dataset)
        if dataset not in self._samples:
            self._samples[dataset] = config.load(self._datasets_dir)
        samples = [self._samples[dataset][i] for i in indices]
        futures = {i: concurrent.futures.Future[SampleRecord]() for i in indices}
        for i, future in futures.items():
            self._futures[(model, dataset, i)] = future
        runner = self._runners[model]
        self._loop.submit(_run_batch(runner, config, samples, futures, self._on_record))

    def close(self) -> None:
        """Stop requests still running (an interrupted session) and close connections."""
        if self._loop is None:
            return
        runners = list(self._runners.values())

        async def close_runners() -> None:
            await asyncio.gather(*(r.aclose() for r in runners), return_exceptions=True)

        self._loop.submit(close_runners()).result(timeout=30)
        self._loop.stop()
        self._loop = None


def _local_output(prompt: Any, text: Any, sent: int, arrived: int, name: str) -> RequestOutput:
    """The output of one local answer; a non-string answer is that sample's error."""
    if not isinstance(text, str):
        return RequestOutput(
            success=False,
            input=prompt,
            attempts=1,
            error_info=f"{name}.generate returned {type(text).__name__}, not str: {text!r:.200}",
        )
    return RequestOutput(
        success=True,
        content=text,
        input=prompt,
        send_time_ns=sent,
        event_times_ns=[arrived],
        content_times_ns=[arrived],
        attempts=1,
    )


async def _run_batch(
    runner: ModelRunner,
    dataset: DatasetConfig,
    samples: list[Sample],
    futures: dict[int, concurrent.futures.Future[SampleRecord]],
    on_record: Callable[[SampleRecord], None] | None = None,
) -> None:
    """Run every sample's request; each future gets a record, whatever happens."""
    max_out_len = runner.max_out_len or dataset.max_out_len or 4096
    abbr = runner.config.abbr
    postprocess = runner.config.pred_postprocessor
    secret = str(runner.config.settings.get("api_key") or "")

    def settle(sample: Sample, output: RequestOutput) -> None:
        """Score a finished output; a failure here (token counting) is the sample's error."""
        future = futures[sample.index]
        if future.done():
            return
        try:
            runner.count_tokens(output)
            record = score(abbr, dataset, sample, output, None, postprocess)
        except Exception as exc:
            settle_error(sample, f"cannot score the answer: {type(exc).__name__}: {exc}")
            return
        finish(future, record)

    def settle_error(sample: Sample, message: str) -> None:
        output = RequestOutput(success=False, error_info=message, input=sample.prompt)
        future = futures[sample.index]
        if not future.done():
            finish(future, score(abbr, dataset, sample, output, None))

    def finish(future: concurrent.futures.Future[SampleRecord], record: SampleRecord) -> None:
        if record.error and secret:
            record = dataclasses.replace(record, error=scrub(record.error, secret))
        if on_record is not None:
            on_record(record)  # the report line first: a kill after this keeps the answer
        future.set_result(record)

    async def one(sample: Sample) -> None:
        try:
            settle(sample, await runner.request(sample.prompt, max_out_len, sample.index))
        except asyncio.CancelledError:
            settle_error(sample, "cancelled: the session ended before the request finished")
            raise
        except Exception as exc:
            settle_error(sample, str(exc) or repr(exc))

    async def local_batch(chunk: list[Sample]) -> None:
        try:
            outputs = await runner.generate_local([s.prompt for s in chunk], max_out_len)
        except asyncio.CancelledError:
            for sample in chunk:
                settle_error(sample, "cancelled: the session ended before generation finished")
            raise
        except Exception as exc:
            for sample in chunk:
                settle_error(sample, f"generate failed: {type(exc).__name__}: {exc}")
            return
        for sample, output in zip(chunk, outputs, strict=True):
            output.data_id = sample.index
            settle(sample, output)

    try:
        if runner.config.attr == "service":
            await asyncio.gather(*(one(s) for s in samples))
        else:
            size = runner.config.batch_size
            await asyncio.gather(
                *(local_batch(samples[i : i + size]) for i in range(0, len(samples), size))
            )
    finally:
        for sample in samples:  # whatever escaped above, no item waits forever
            settle_error(sample, "internal error: the sample's request ended without a result")
