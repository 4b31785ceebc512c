"""`Scripted`: a service backend without a network, for unit tests of the engine.

The engine's job is policy (one record per sample, limits, the breaker), not protocol, so its
tests give it a backend whose ``generate`` is a script: a coroutine that fills each output
(by sample index) the way a protocol would, fails it, or raises.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pytest_aisbench.config import ModelConfig, validate_model
from pytest_aisbench.models.api_models.base_api import BaseAPIModel
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.utils.prompt import PromptType

Script = Callable[[RequestOutput], Awaitable[None]]
"""Fills one output; ``output.data_id`` is the sample's index."""


class Scripted(BaseAPIModel):
    """A service backend whose ``generate`` runs `script`; `sent` keeps each request's index."""

    asks_model_name = False
    script: Script
    sent: list[int]
    prompts: list[PromptType]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = "scripted://"

    async def generate(  # type: ignore[override]  # AISBench's API model signature
        self, input: PromptType, max_out_len: int, output: RequestOutput, **kwargs: Any
    ) -> RequestOutput:
        type(self).sent.append(output.data_id)
        type(self).prompts.append(input)
        output.input = input
        output.attempts = 1
        await type(self).script(output)
        return output


def scripted(script: Script) -> type[Scripted]:
    """A `Scripted` class of its own for one test (its `sent` list starts empty)."""
    attrs = {"script": staticmethod(script), "sent": [], "prompts": []}
    return type("Scripted", (Scripted,), attrs)


def scripted_config(cls: type[BaseAPIModel], **keys: Any) -> ModelConfig:
    """A validated entry ``abbr="m"`` for `cls`, as a backend file gives the engine."""
    return validate_model({"attr": "service", "type": cls, "abbr": "m", **keys}, "<test>")


def answer(text: str, **fields: Any) -> Script:
    """A script answering `text` to every prompt, with `fields` set on the output."""

    async def script(output: RequestOutput) -> None:
        output.success, output.content = True, text
        for name, value in fields.items():
            setattr(output, name, value)

    return script
