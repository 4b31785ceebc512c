"""The accuracy engine: every selected sample's request in flight at once, up to the limits.

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
from collections.abc import Callable, Sequence

from pytest_aisbench.config import ModelConfig
from pytest_aisbench.datasets import DatasetCatalog, DatasetConfig
from pytest_aisbench.datasets.base import Sample
from pytest_aisbench.engine.loop import EventLoopThread
from pytest_aisbench.engine.runner import ModelRunner
from pytest_aisbench.errors import BackendUnavailable
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.records import ErrorKind, SampleRecord
from pytest_aisbench.scoring import score
from pytest_aisbench.secret import scrub

SampleKey = tuple[str, str, int]
"""(model abbr, dataset abbr, sample index)."""


class Engine:
    """Hands out one record per sample, starting requests in bulk the first time it is asked."""

    def __init__(
        self,
        models: Sequence[ModelConfig],
        datasets: DatasetCatalog,
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
        self._datasets = datasets
        self._plan = plan
        self._futures: dict[SampleKey, concurrent.futures.Future[SampleRecord]] = {}
        self._lock = threading.Lock()
        self._loop: EventLoopThread | None = None

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
        config = self._datasets.config(dataset)
        if config is None:
            raise KeyError(f"dataset {dataset!r} was not selected in this session")
        loaded = self._datasets.samples(config)
        samples = [loaded[i] for i in indices]
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


class _Batch:
    """The samples of one `Engine._start` call: each future gets exactly one record."""

    def __init__(
        self,
        runner: ModelRunner,
        dataset: DatasetConfig,
        futures: dict[int, concurrent.futures.Future[SampleRecord]],
        on_record: Callable[[SampleRecord], None] | None,
    ) -> None:
        self.runner = runner
        self.dataset = dataset
        self.futures = futures
        self.on_record = on_record
        self.max_out_len = runner.max_out_len or dataset.max_out_len or 4096
        self.secret = str(runner.config.settings.get("api_key") or "")

    def settle(self, sample: Sample, output: RequestOutput) -> None:
        """Score a finished output. A token count is an extra (a failure of it is a note); a
        failure of the scoring itself (a postprocessor that raises) is the sample's error."""
        if self.futures[sample.index].done():
            return
        config = self.runner.config
        self.runner.token_counting.fill(output)
        try:
            record = score(config.abbr, self.dataset, sample, output, None,
                           config.pred_postprocessor)  # fmt: skip
        except Exception as exc:
            self.settle_error(sample, f"cannot score the answer: {type(exc).__name__}: {exc}")
            return
        self._finish(sample, record)

    def settle_error(self, sample: Sample, message: str, kind: ErrorKind = "request") -> None:
        """Give a sample that has no record yet an ``error`` one."""
        if not self.futures[sample.index].done():
            output = RequestOutput(success=False, error_info=message, input=sample.prompt)
            record = score(self.runner.config.abbr, self.dataset, sample, output, None)
            self._finish(sample, dataclasses.replace(record, error_kind=kind))

    def settle_unavailable(self, samples: list[Sample], exc: BackendUnavailable) -> None:
        """The backend could not be created: each sample gets its reason, nothing is sent."""
        for sample in samples:
            self.settle_error(sample, str(exc), "config" if exc.config else "backend")

    def _finish(self, sample: Sample, record: SampleRecord) -> None:
        if record.error and self.secret:
            record = dataclasses.replace(record, error=scrub(record.error, self.secret))
        if self.on_record is not None:
            self.on_record(record)  # the report line first: a kill after this keeps the answer
        self.futures[sample.index].set_result(record)

    async def one(self, sample: Sample) -> None:
        """One service request."""
        try:
            limit = sample.max_out_len or self.max_out_len
            output = await self.runner.request(sample.prompt, limit, sample.index)
            self.settle(sample, output)
        except BackendUnavailable as exc:
            self.settle_unavailable([sample], exc)
        except asyncio.CancelledError:
            self.settle_error(sample, "cancelled: the session ended before the request finished")
            raise
        except Exception as exc:
            self.settle_error(sample, str(exc) or repr(exc))

    async def local(self, chunk: list[Sample]) -> None:
        """One batch through a local model."""
        try:
            prompts = [s.prompt for s in chunk]
            limit = max(s.max_out_len or self.max_out_len for s in chunk)  # one per batch
            outputs = await self.runner.generate_local(prompts, limit)
        except BackendUnavailable as exc:
            self.settle_unavailable(chunk, exc)
            return
        except asyncio.CancelledError:
            for sample in chunk:
                self.settle_error(sample, "cancelled: the session ended before generation finished")
            raise
        except Exception as exc:
            for sample in chunk:
                self.settle_error(sample, f"generate failed: {type(exc).__name__}: {exc}")
            return
        for sample, output in zip(chunk, outputs, strict=True):
            output.data_id = sample.index
            self.settle(sample, output)


def by_length(samples: list[Sample]) -> list[Sample]:
    """Samples longest prompt first (in characters, a cheap proxy for tokens), so each local
    batch pads its prompts to a similar length; ties keep dataset order. Records still go to
    their own samples: only the batches' make-up changes."""
    return sorted(samples, key=lambda s: (-len(str(s.prompt)), s.index))


async def _run_batch(
    runner: ModelRunner,
    dataset: DatasetConfig,
    samples: list[Sample],
    futures: dict[int, concurrent.futures.Future[SampleRecord]],
    on_record: Callable[[SampleRecord], None] | None = None,
) -> None:
    """Run every sample's request; each future gets a record, whatever happens."""
    batch = _Batch(runner, dataset, futures, on_record)
    try:
        if runner.config.attr == "service":
            await asyncio.gather(*(batch.one(s) for s in samples))
        else:
            size = runner.config.batch_size
            ordered = by_length(samples) if runner.config.cls.group_by_length else samples
            chunks = [ordered[i : i + size] for i in range(0, len(ordered), size)]
            await asyncio.gather(*(batch.local(chunk) for chunk in chunks))
    finally:
        lost = "internal error: the sample's request ended without a result"
        for sample in samples:  # whatever escaped above, no item waits forever
            batch.settle_error(sample, lost)
