"""The OpenAI-compatible API as vLLM 0.32 serves it.

Endpoints: `GET /v1/models`, `GET /health`, `POST /v1/chat/completions`, `POST /v1/completions`.
Request fields follow the OpenAI API reference (chat completions and legacy completions) plus
the vLLM sampling extensions benchmarks send (`ignore_eos`, `min_tokens`,
`include_stop_str_in_output`, `max_completion_tokens`). Response shapes, stream framing and
error bodies follow what a real vLLM 0.32 server sent on this project's machine (research
note feasibility-vllm-cpu.md §3):

- chat stream: a role-only first chunk (`{"role": "assistant", "content": ""}`, sent with the
  first token), one chunk per token, `finish_reason` on the last token's chunk, a usage-only
  chunk (`"choices": []`) when `stream_options.include_usage` is true, then `data: [DONE]`;
  without the usage chunk the last token chunk carries `system_fingerprint`;
- completions stream: no role chunk, otherwise the same;
- errors: `{"error": {"message", "type", "param", "code"}}` with vLLM's messages.

Unsupported: `n > 1`, several prompts in one completions request, logprobs, tools, and
`stream_options.continuous_usage_stats`; the first two are refused with a 400.
"""

from __future__ import annotations

import time
from functools import partial

from .asgi import EventStream, Request
from .common import read_job, respond_when_generated, stream_tokens
from .config import SimulatorConfig
from .openai_reply import CHAT, TEXT, Reply, Shape
from .openai_request import (
    COMPLETIONS_DEFAULT_MAX_TOKENS,
    Job,
    OpenAIError,
    parse_job,
)
from .tokens import Generation

__all__ = [
    "COMPLETIONS_DEFAULT_MAX_TOKENS",
    "ROUTES",
    "OpenAIError",
    "chat_completions",
    "completions",
    "error_body",
    "generate",
    "health",
    "models",
    "parse_job",
]

error_body = OpenAIError.fault_body
"""The error body of this protocol for a status (used by `faults`)."""


# --- endpoints ---------------------------------------------------------------------------


async def health(request: Request) -> None:
    """vLLM answers 200 with an empty body once the engine is up."""
    await request.respond_empty(200)


async def models(request: Request) -> None:
    """``GET /v1/models``: the one served model, as a vLLM model card."""
    config = request.config
    card = {
        "id": config.model,
        "object": "model",
        "created": int(time.time()),
        "owned_by": "vllm",
        "root": config.model,
        "parent": None,
        "max_model_len": config.max_model_len,
    }
    await request.respond_json(200, {"object": "list", "data": [card]})


async def chat_completions(request: Request) -> None:
    """``POST /v1/chat/completions``."""
    await _serve(request, CHAT)


async def completions(request: Request) -> None:
    """``POST /v1/completions`` (legacy completions)."""
    await _serve(request, TEXT)


async def _serve(request: Request, shape: Shape) -> None:
    """Validate, generate, then answer in one body after the last token, or as a stream."""
    parse = partial(parse_job, config=request.config, chat=shape.chat)
    job = await read_job(request, parse, OpenAIError)
    if job is None:
        return
    generation = generate(job, request.config, chat=shape.chat)
    reply = Reply(shape, job, generation)
    if job.stream:
        await _stream(request, reply)
    else:
        await respond_when_generated(request, generation.completion_tokens, reply.response())


def generate(job: Job, config: SimulatorConfig, *, chat: bool) -> Generation:
    """What the simulated model generates for a validated request (reasoning: chat only)."""
    return job.generate(
        config,
        reasoning=config.reasoning_text if chat else "",
        min_tokens=job.min_tokens,
        ignore_eos=job.ignore_eos,
        eos=config.eos_chunk,
        include_stop_str=job.include_stop_str,
    )


async def _stream(request: Request, reply: Reply) -> None:
    """Send one chunk per token at its deadline; stop early if the client goes away.

    Chat streams open with a role-only chunk: with the first token, as vLLM 0.32 sends it,
    or on accept with `SimulatorConfig.early_role_chunk`.
    """
    send_usage = reply.job.include_usage and request.config.usage_in_stream
    generation = reply.generation
    tokens = generation.tokens or ("",)
    last = len(tokens) - 1
    # Pre-encoded chunks for all but the last token; reasoning tokens are a prefix, so the
    # first and last tokens show which of the two kinds this stream needs.
    slots = {
        reasoning: request.string_slot(
            partial(reply.token_chunk, reasoning=reasoning, last=False, tail=send_usage)
        )
        for reasoning in {generation.is_reasoning(0), generation.is_reasoning(last)}
    }
    early_role = reply.shape.chat and request.config.early_role_chunk
    role_with_first = reply.shape.chat and not early_role

    async def send_role(events: EventStream) -> None:
        await events.event(reply.role_chunk())

    async def send_token(events: EventStream, index: int, text: str) -> None:
        if index == 0 and role_with_first:
            await send_role(events)
        reasoning = generation.is_reasoning(index)
        if index < last:
            await events.raw(slots[reasoning](text))
        else:
            chunk = reply.token_chunk(text, reasoning=reasoning, last=True, tail=send_usage)
            await events.event(chunk)

    async def send_tail(events: EventStream) -> None:
        if send_usage:
            await events.event(reply.usage_chunk())
        await events.raw(b"[DONE]")

    opening = send_role if early_role else None
    await stream_tokens(request, tokens, send_token, opening=opening, closing=send_tail)


ROUTES = {
    ("GET", "/health"): health,
    ("GET", "/v1/models"): models,
    ("POST", "/v1/chat/completions"): chat_completions,
    ("POST", "/v1/completions"): completions,
}
"""The (method, path) routes this protocol serves."""
