"""`send_one`: whatever the backend does, the output says how the request ended."""

from __future__ import annotations

import asyncio

import pytest
from scripted_backend import answer, scripted

from conftest import build_backend
from pytest_aisbench.engine.send import CANCELLED, send_one
from pytest_aisbench.models.output import RequestOutput


async def test_a_finished_request_is_the_same_output_filled_by_the_backend() -> None:
    model = build_backend(scripted(answer("4", finish_reason="stop")))
    output = RequestOutput()

    result = await send_one(model, "2 + 2?", 8, output)

    assert result is output
    assert (output.success, output.content, output.finish_reason) == (True, "4", "stop")
    assert output.input == "2 + 2?"


async def test_a_failure_the_backend_recorded_is_left_as_it_is() -> None:
    model = build_backend(scripted(answer("", success=False, error_info="HTTP 503")))

    output = await send_one(model, "hi", 8, RequestOutput())

    assert (output.success, output.error_info) == (False, "HTTP 503")


async def test_a_backend_that_raises_fails_this_request_only() -> None:
    async def bug(output: RequestOutput) -> None:
        output.content = "partial"
        raise KeyError("choices")

    model = build_backend(scripted(bug))

    output = await send_one(model, "hi", 8, RequestOutput())

    assert output.success is False
    assert output.error_info == "generate failed: KeyError('choices')"
    assert output.content == "partial"


async def test_cancellation_is_recorded_then_passed_on() -> None:
    started = asyncio.Event()

    async def forever(output: RequestOutput) -> None:
        started.set()
        await asyncio.Event().wait()

    model = build_backend(scripted(forever))
    output = RequestOutput(success=True)
    task = asyncio.ensure_future(send_one(model, "hi", 8, output))
    await started.wait()
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    assert (output.success, output.error_info) == (False, CANCELLED)
