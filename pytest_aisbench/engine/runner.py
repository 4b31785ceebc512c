"""One backend's request policy in this process: built once, concurrency, pacing, breaker.

`ModelRunner` is what the accuracy engine asks for an output: for a service backend one
request (`request`), for a local model one batch through ``generate`` (`generate_local`).
Server faults end in the output; the runner only adds what is policy, not protocol.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from pytest_aisbench.config import ModelConfig
from pytest_aisbench.engine.pacing import Pacer, sleep_until
from pytest_aisbench.engine.send import send_one
from pytest_aisbench.errors import BackendUnavailable, ConfigError
from pytest_aisbench.models.api_models.base_api import BaseAPIModel
from pytest_aisbench.models.local_models.base import BaseModel
from pytest_aisbench.models.output import GeneratedText, RequestOutput
from pytest_aisbench.tokens import OutputTokenCounting


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
        self._build_error: BackendUnavailable | None = None
        self._build_lock: asyncio.Lock | None = None
        self._local_lock: asyncio.Lock | None = None
        self.token_counting = OutputTokenCounting(str(config.settings.get("path") or ""))

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
            if self._instance is None and self._build_error is None:
                try:
                    self._instance = await asyncio.to_thread(self.config.build)
                except Exception as exc:  # any failure of a user's __init__ stops this backend
                    self._build_error = BackendUnavailable(
                        f"cannot create backend {self.config.abbr!r}: {exc}",
                        config=isinstance(exc, ConfigError),
                    )
            if self._instance is None:
                assert self._build_error is not None
                raise self._build_error
            if isinstance(self._instance, BaseAPIModel):
                self._instance.max_connections = self.config.batch_size
            return self._instance

    @property
    def max_out_len(self) -> int | None:
        value = self.config.settings.get("max_out_len")
        return int(value) if value is not None else None

    async def request(self, prompt: Any, max_out_len: int, data_id: int = -1) -> RequestOutput:
        """One service request: wait for its slot, then for room under ``batch_size``."""
        scheduled = self.pacer.reserve()
        await sleep_until(scheduled)
        async with self.semaphore:
            if self.breaker.reason:
                return RequestOutput(success=False, error_info=self.breaker.reason, input=prompt)
            model = await self.instance()
            assert isinstance(model, BaseAPIModel)
            rendered = model.parse_template(prompt, mode="gen")
            output = RequestOutput(scheduled_time_ns=scheduled, data_id=data_id, input=rendered)
            await send_one(model, rendered, max_out_len, output)
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
        """Close a service's connections, or release a local model's weights (`close`)."""
        if isinstance(self._instance, BaseAPIModel):
            await self._instance.aclose()
        elif self._instance is not None:
            instance, self._instance = self._instance, None
            await asyncio.to_thread(instance.close)


def _local_output(prompt: Any, text: Any, sent: int, arrived: int, name: str) -> RequestOutput:
    """The output of one local answer; a non-string answer is that sample's error."""
    if not isinstance(text, str):
        return RequestOutput(
            success=False,
            input=prompt,
            attempts=1,
            error_info=f"{name}.generate returned {type(text).__name__}, not str: {text!r:.200}",
        )
    output = RequestOutput(
        success=True,
        content=str(text),
        input=prompt,
        send_time_ns=sent,
        event_times_ns=[arrived],
        content_times_ns=[arrived],
        attempts=1,
    )
    if isinstance(text, GeneratedText):  # the model said how its answer ended
        output.finish_reason = text.finish_reason
        output.input_tokens = text.input_tokens
        if text.output_tokens is not None:
            output.output_tokens = text.output_tokens
            output.token_source = "generate"
    return output
