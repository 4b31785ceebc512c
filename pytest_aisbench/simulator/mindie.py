"""Huawei MindIE Server's native inference protocol: ``POST /infer``, stream and not.

Facts, from MindIE's public documentation ("MindIE原生文本/流式推理接口", MindIE Service /
MindIE LLM development guide, e.g. hiascend.com/document/detail/zh/mindie/.../mindie_llm0040
and ".../servicedev/mindie_service0010.html"; the same text is kept in MindIE-MS's
user-interface reference):

- request: ``{"inputs": str, "stream": bool (default false), "parameters": {...}}``; documented
  parameters: ``temperature``, ``top_k``, ``top_p``, ``max_new_tokens`` (default 20, range
  (0, 2147483647], capped by ``maxIterTimes``), ``do_sample``, ``seed``,
  ``repetition_penalty``, ``details`` (default false), ``typical_p``, ``watermark``,
  ``priority`` ([1, 5]), ``timeout`` ((0, 3600] s). ``inputs`` is a non-empty string (text
  models) or a list of ``{"type": "text"|"image_url"|..., ...}`` parts (multimodal).
- non-stream response: ``{"generated_text": "...", "details": {"finish_reason": "length",
  "generated_tokens": 20, "seed": 846930886}}`` (``details`` when requested).
- stream response: SSE ``data: {json}`` events, one per token:
  ``{"prefill_time": 45.54, "decode_time": null, "token": {"id": [626], "text": "am"}}`` (first
  token: ``prefill_time`` in ms; later ones ``decode_time``). ``token.text`` is the token's own
  text (an increment). The last event carries no token text (``"token": {"id": [...],
  "text": null}``) but ``generated_text`` (the whole answer) and ``details`` (or ``null`` when
  not requested): "generated_text ... 只在最后一次推理结果才返回". There is no ``[DONE]``. In the
  documented example the last token's text appears only in the final ``generated_text``; the
  simulator sends every token's text in its own event and then a final event with the full
  text, so an appending client and a replacing one both end with the right answer.
- ``finish_reason`` values: ``eos_token`` (normal end), ``length`` (max tokens or sequence
  length), ``stop_sequence`` (documented as "cancelled or stopped"), ``invalid flag``.

Where the documentation is silent, assumed here:
- ``stop`` (a string or list of strings): not in the documented ``/infer`` parameters; served
  the TGI way (MindIE's first native API followed TGI 0.9.4), cutting the text before the stop
  string, with ``finish_reason`` ``stop_sequence``.
- error bodies: not documented for ``/infer``; the simulator answers TGI's shape,
  ``{"error": "<message>", "error_type": "validation"}`` with HTTP 422 for a bad parameter
  and HTTP 400 for a body that is not JSON.
- the prompt's token count is not reported by ``/infer`` (no usage); the final event's
  ``details.generated_tokens`` is the only count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from .asgi import EventStream, Request
from .common import Job as BaseJob
from .common import (
    TypedError,
    is_int,
    optional_bool,
    read_job,
    respond_when_generated,
    stream_tokens,
    string_list,
)
from .config import SimulatorConfig
from .tokens import Generation, count_prompt_tokens

DEFAULT_MAX_NEW_TOKENS = 20
"""MindIE's documented default for ``parameters.max_new_tokens``."""
MAX_NEW_TOKENS_CAP = 2_147_483_647
FINISH_REASONS = {"stop": "eos_token", "length": "length"}
"""The shared planner's finish reasons, as MindIE names them."""
SEED = 846930886
"""The seed reported in ``details`` when the request names none (MindIE's example value)."""


class MindieError(TypedError):
    """A request MindIE would refuse: TGI's body shape with ``error_type`` "validation"."""

    FAULT_TYPES: ClassVar[Mapping[int, str]] = {
        400: "validation",
        404: "validation",
        429: "overloaded",
    }
    FAULT_DEFAULT_TYPE = "internal"


error_body = MindieError.fault_body
"""The error body for a status (used by `faults`): TGI's shape, as assumed above."""


@dataclass(frozen=True)
class Job(BaseJob):
    """A validated ``/infer`` request."""

    prompt_tokens: int
    stream: bool
    details: bool
    seed: int


async def infer(request: Request) -> None:
    """``POST /infer``: one body after the last token, or one event per token."""
    job = await read_job(request, partial(parse_job, config=request.config), MindieError)
    if job is None:
        return
    generation = job.generate(request.config, eos=request.config.eos_chunk)
    if job.stream:
        await _stream(request, job, generation)
        return
    body: dict[str, Any] = {"generated_text": generation.content_text}
    if job.details:
        body["details"] = _details(job, generation)
    await respond_when_generated(request, generation.completion_tokens, body)


def _finish_reason(generation: Generation) -> str:
    """The planner's finish reason as MindIE names it (a stop string: ``stop_sequence``)."""
    if generation.stop_reason is not None:
        return "stop_sequence"
    return FINISH_REASONS[generation.finish_reason]


def _details(job: Job, generation: Generation) -> dict[str, Any]:
    """The ``details`` object of the whole body and of the final stream event."""
    return {
        "finish_reason": _finish_reason(generation),
        "generated_tokens": generation.completion_tokens,
        "seed": job.seed,
    }


async def _stream(request: Request, job: Job, generation: Generation) -> None:
    """One event per token at its deadline, then the final event with the whole text.

    The final event follows the last token at once (MindIE sends it with the last token's
    timing); it carries ``generated_text`` and ``details`` and no token text.
    """
    config = request.config
    tokens = generation.tokens or ("",)

    async def send_token(events: EventStream, index: int, text: str) -> None:
        await events.event(_token_event(config, index, text))

    async def send_final(events: EventStream) -> None:
        final = _token_event(config, len(tokens), None)
        final["generated_text"] = generation.content_text
        final["details"] = _details(job, generation) if job.details else None
        await events.event(final)

    await stream_tokens(request, tokens, send_token, closing=send_final)


def _token_event(config: SimulatorConfig, index: int, text: str | None) -> dict[str, Any]:
    """One stream event; the first reports the prefill time, later ones the decode time."""
    first = index == 0
    return {
        "prefill_time": round(config.ttft * 1000, 2) if first else None,
        "decode_time": None if first else round(config.itl * 1000, 2),
        "token": {"id": [1000 + index], "text": text},
    }


# --- request validation --------------------------------------------------------------------


def parse_job(body: Any, config: SimulatorConfig) -> Job:
    """Validate an ``/infer`` body: the documented fields the simulator reads."""
    if not isinstance(body, dict):
        raise MindieError(422, "The request body must be a JSON object.")
    prompt_text = _inputs(body.get("inputs"))
    prompt_tokens = count_prompt_tokens(prompt_text)
    if prompt_tokens >= config.max_model_len:
        message = (
            f"inputs has {prompt_tokens} tokens, but the maximum input length is "
            f"{config.max_model_len - 1} tokens."
        )
        raise MindieError(422, message)
    stream = _bool(body, "stream", "stream")
    parameters = body.get("parameters")
    if parameters is None:
        parameters = {}
    if not isinstance(parameters, dict):
        raise MindieError(422, "parameters must be a JSON object.")
    return Job(
        prompt_text=prompt_text,
        prompt_tokens=prompt_tokens,
        limit=_max_new_tokens(parameters),
        stream=stream,
        details=_bool(parameters, "details", "parameters.details"),
        stop=string_list(
            parameters.get("stop"), MindieError(422, "stop must be a string or a list of strings.")
        ),
        seed=_seed(parameters),
    )


def _inputs(inputs: Any) -> str:
    """A non-empty string, or the text parts of a multimodal part list."""
    if isinstance(inputs, str) and inputs:
        return inputs
    if isinstance(inputs, list) and inputs and all(isinstance(p, dict) for p in inputs):
        return "\n".join(
            p["text"] for p in inputs if p.get("type") == "text" and isinstance(p.get("text"), str)
        )
    raise MindieError(422, "inputs must be a non-empty string or a list of content parts.")


def _max_new_tokens(parameters: dict[str, Any]) -> int:
    """``max_new_tokens``, MindIE's default when absent, refused outside its documented range."""
    value = parameters.get("max_new_tokens", DEFAULT_MAX_NEW_TOKENS)
    if value is None:
        return DEFAULT_MAX_NEW_TOKENS
    if not is_int(value) or not 0 < value <= MAX_NEW_TOKENS_CAP:
        message = f"max_new_tokens must be an integer in (0, {MAX_NEW_TOKENS_CAP}], got {value!r}."
        raise MindieError(422, message)
    return int(value)


def _seed(parameters: dict[str, Any]) -> int:
    """The seed to report: the request's, else MindIE's example value."""
    value = parameters.get("seed")
    if value is None:
        return SEED
    if not is_int(value) or value <= 0:
        raise MindieError(422, f"seed must be a positive integer, got {value!r}.")
    return int(value)


def _bool(body: dict[str, Any], key: str, name: str) -> bool:
    """A boolean field; `name` is how the error message calls it (``parameters.details``)."""
    return optional_bool(
        body, key, lambda value: MindieError(422, f"{name} must be a boolean, got {value!r}.")
    )


ROUTES = {
    ("POST", "/infer"): infer,
}
"""The (method, path) routes this protocol serves."""
