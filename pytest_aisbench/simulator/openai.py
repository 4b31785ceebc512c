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
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeGuard

from .asgi import BadBody, EventStream, Request
from .config import SimulatorConfig
from .faults import length_limits
from .tokens import Generation, TokenSchedule, count_prompt_tokens, plan_generation, sleep_until

SYSTEM_FINGERPRINT = "vllm-0.32.0-simulator"
COMPLETIONS_DEFAULT_MAX_TOKENS = 16
"""vLLM's default `max_tokens` for /v1/completions (chat has none: the context limits it)."""

_ERROR_TYPES = {
    400: "BadRequestError",
    404: "NotFoundError",
    429: "RateLimitError",
    500: "InternalServerError",
    502: "BadGatewayError",
    503: "ServiceUnavailableError",
}


class OpenAIError(Exception):
    """A request vLLM would refuse; becomes an OpenAI-style error body."""

    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param

    def body(self) -> dict[str, Any]:
        error_type = _ERROR_TYPES.get(self.status, "BadRequestError")
        return {
            "error": {
                "message": self.message,
                "type": error_type,
                "param": self.param,
                "code": self.status,
            }
        }


def error_body(status: int, message: str) -> dict[str, Any]:
    """The error body of this protocol for `status` (used by `faults`)."""
    return OpenAIError(status, message).body()


@dataclass(frozen=True)
class Job:
    """A validated generation request."""

    model: str
    prompt_text: str
    prompt_tokens: int
    limit: int
    stream: bool
    include_usage: bool
    stop: tuple[str, ...]
    include_stop_str: bool
    ignore_eos: bool
    min_tokens: int


# --- endpoints ---------------------------------------------------------------------------


async def health(request: Request) -> None:
    """vLLM answers 200 with an empty body once the engine is up."""
    await request.respond_empty(200)


async def models(request: Request) -> None:
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
    await _serve(request, CHAT)


async def completions(request: Request) -> None:
    await _serve(request, TEXT)


async def _serve(request: Request, shape: _Shape) -> None:
    """Validate, generate, then answer in one body after the last token, or as a stream."""
    try:
        job = parse_job(await request.json(), request.config, chat=shape.chat)
    except BadBody as exc:
        await request.respond_json(400, OpenAIError(400, str(exc)).body())
        return
    except OpenAIError as exc:
        await request.respond_json(exc.status, exc.body())
        return
    generation = generate(job, request.config, chat=shape.chat)
    reply = _Reply(shape, job, generation)
    if job.stream:
        await _stream(request, reply)
    else:
        schedule = _schedule(request)
        await sleep_until(schedule.last_deadline(generation.completion_tokens))
        await request.respond_json(200, reply.response())


def generate(job: Job, config: SimulatorConfig, *, chat: bool) -> Generation:
    """What the simulated model generates for a validated request."""
    return plan_generation(
        config.reply_for(job.prompt_text),
        **length_limits(config, job.limit),
        reasoning=config.reasoning_text if chat else "",
        min_tokens=job.min_tokens,
        ignore_eos=job.ignore_eos,
        eos=config.eos_chunk,
        stop=job.stop,
        include_stop_str=job.include_stop_str,
    )


def _schedule(request: Request) -> TokenSchedule:
    return TokenSchedule(request.arrival, request.config.ttft, request.config.itl)


async def _stream(request: Request, reply: _Reply) -> None:
    """Send one chunk per token at its deadline; stop early if the client goes away."""
    schedule = _schedule(request)
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
    events = EventStream(request)
    await events.start()
    watcher = request.watch_disconnect()
    early_role = reply.shape.chat and request.config.early_role_chunk
    try:
        if early_role:
            await events.event(reply.role_chunk())
        for index, text in enumerate(tokens):
            await sleep_until(schedule.deadline(index))
            if request.disconnected:
                return
            if index == 0 and reply.shape.chat and not early_role:
                await events.event(reply.role_chunk())
            reasoning = generation.is_reasoning(index)
            if index < last:
                await events.raw(slots[reasoning](text))
            else:
                chunk = reply.token_chunk(text, reasoning=reasoning, last=True, tail=send_usage)
                await events.event(chunk)
        if send_usage:
            await events.event(reply.usage_chunk())
        await events.raw(b"[DONE]")
        await events.close()
    finally:
        watcher.cancel()


# --- request validation --------------------------------------------------------------------


def parse_job(body: Any, config: SimulatorConfig, *, chat: bool) -> Job:
    """Validate a request body the way vLLM does, in vLLM's order (model first)."""
    if not isinstance(body, dict):
        raise OpenAIError(400, "The request body must be a JSON object.")
    model = _check_model(body.get("model"), config)
    prompt_text, prompt_tokens = _chat_prompt(body) if chat else _text_prompt(body)
    if body.get("n") not in (None, 1):
        raise OpenAIError(400, "The simulator serves one choice per request (n=1).", "n")
    stream = _bool(body, "stream")
    return Job(
        model=model,
        prompt_text=prompt_text,
        prompt_tokens=prompt_tokens,
        limit=_token_limit(body, config, prompt_tokens, chat=chat),
        stream=stream,
        include_usage=_include_usage(body, stream),
        stop=_stop_strings(body.get("stop")),
        include_stop_str=_bool(body, "include_stop_str_in_output"),
        ignore_eos=_bool(body, "ignore_eos"),
        min_tokens=_min_tokens(body),
    )


def _check_model(model: Any, config: SimulatorConfig) -> str:
    """An omitted model means the served one, as in vLLM; any other name is a 404."""
    if model is None:
        return config.model
    if model != config.model:
        message = f"The model `{model}` does not exist. Valid aliases: {config.model}."
        raise OpenAIError(404, message, "model")
    return config.model


def _message_text(content: Any) -> str:
    """A message's text: a string, or the text parts of a content-part list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def _chat_prompt(body: dict[str, Any]) -> tuple[str, int]:
    """The last user message (for the responder) and the approximate tokens of all messages."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise OpenAIError(400, "`messages` must be a non-empty list.", "messages")
    if not all(isinstance(message, dict) for message in messages):
        raise OpenAIError(400, "Each message must be a JSON object.", "messages")
    texts = [_message_text(message.get("content")) for message in messages]
    user = [
        text for message, text in zip(messages, texts, strict=True) if message.get("role") == "user"
    ]
    return (user[-1] if user else ""), sum(count_prompt_tokens(text) for text in texts)


def _text_prompt(body: dict[str, Any]) -> tuple[str, int]:
    """One prompt: a string, or a list of token ids (either possibly wrapped in a list)."""
    prompt = body.get("prompt")
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str | list):
        prompt = prompt[0]
    if isinstance(prompt, str):
        return prompt, count_prompt_tokens(prompt)
    if isinstance(prompt, list) and prompt and all(_is_int(token) for token in prompt):
        return "", len(prompt)
    message = "`prompt` must be a string or a list of token ids (one prompt per request)."
    raise OpenAIError(400, message, "prompt")


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _token_limit(
    body: dict[str, Any], config: SimulatorConfig, prompt_tokens: int, *, chat: bool
) -> int:
    """The resolved `max_tokens`, refused with vLLM's messages when it cannot fit."""
    if chat:
        requested = body.get("max_completion_tokens")
        if requested is None:
            requested = body.get("max_tokens")
    else:
        requested = body.get("max_tokens", COMPLETIONS_DEFAULT_MAX_TOKENS)
    window = config.max_model_len
    if requested is not None:
        if not _is_int(requested):
            raise OpenAIError(400, "max_tokens must be an integer.", "max_tokens")
        if requested < 1:
            raise OpenAIError(400, f"max_tokens must be at least 1, got {requested}.", "max_tokens")
        if requested > window:
            message = (
                f"max_tokens={requested} cannot be greater than max_model_len={window}. "
                "Please request fewer output tokens."
            )
            raise OpenAIError(400, message, "max_tokens")
    if prompt_tokens >= window:
        message = (
            f"This model's maximum context length is {window} tokens. However, your request "
            f"has {prompt_tokens} input tokens. Please reduce the length of the input messages."
        )
        raise OpenAIError(400, message)
    if requested is None:
        return window - prompt_tokens
    if prompt_tokens + requested > window:
        message = (
            f"'max_tokens' or 'max_completion_tokens' is too large: {requested}. This model's "
            f"maximum context length is {window} tokens and your request has {prompt_tokens} "
            f"input tokens ({requested} > {window} - {prompt_tokens})."
        )
        raise OpenAIError(400, message, "max_tokens")
    return requested


def _bool(body: dict[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise OpenAIError(400, f"`{key}` must be a boolean.", key)
    return value


def _include_usage(body: dict[str, Any], stream: bool) -> bool:
    options = body.get("stream_options")
    if options is None:
        return False
    if not stream:
        message = "Stream options can only be defined when `stream=True`."
        raise OpenAIError(400, message, "stream_options")
    if not isinstance(options, dict):
        raise OpenAIError(400, "`stream_options` must be an object.", "stream_options")
    return bool(options.get("include_usage"))


def _stop_strings(stop: Any) -> tuple[str, ...]:
    if stop is None:
        return ()
    if isinstance(stop, str):
        return (stop,)
    if isinstance(stop, list) and all(isinstance(item, str) for item in stop):
        return tuple(stop)
    raise OpenAIError(400, "`stop` must be a string or a list of strings.", "stop")


def _min_tokens(body: dict[str, Any]) -> int:
    value = body.get("min_tokens", 0)
    if value is None:
        return 0
    if not _is_int(value) or value < 0:
        raise OpenAIError(400, "min_tokens must be a non-negative integer.", "min_tokens")
    return value


# --- response bodies -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    """What differs between the chat and the completions protocol."""

    chat: bool
    id_prefix: str
    response_object: str
    chunk_object: str


CHAT = _Shape(True, "chatcmpl-", "chat.completion", "chat.completion.chunk")
TEXT = _Shape(False, "cmpl-", "text_completion", "text_completion")


class _Reply:
    """Builds the bodies of one response: the full one, or its stream chunks."""

    def __init__(self, shape: _Shape, job: Job, generation: Generation) -> None:
        self.shape = shape
        self.job = job
        self.generation = generation
        self.id = shape.id_prefix + uuid.uuid4().hex[:16]
        self.created = int(time.time())

    def _head(self, object_name: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": object_name,
            "created": self.created,
            "model": self.job.model,
        }

    def _usage(self) -> dict[str, Any]:
        prompt = self.job.prompt_tokens
        completion = self.generation.completion_tokens
        return {
            "prompt_tokens": prompt,
            "total_tokens": prompt + completion,
            "completion_tokens": completion,
        }

    def response(self) -> dict[str, Any]:
        """The non-stream body."""
        generation = self.generation
        choice: dict[str, Any] = {"index": 0}
        if self.shape.chat:
            choice["message"] = {
                "role": "assistant",
                "content": generation.content_text,
                "refusal": None,
                "annotations": None,
                "audio": None,
                "function_call": None,
                "reasoning": generation.reasoning_text or None,
            }
        else:
            choice["text"] = generation.content_text
        choice.update(
            logprobs=None,
            finish_reason=generation.finish_reason,
            stop_reason=generation.stop_reason,
            token_ids=None,
        )
        usage = {**self._usage(), "prompt_tokens_details": None, "completion_tokens_details": None}
        return {
            **self._head(self.shape.response_object),
            "choices": [choice],
            "service_tier": None,
            "system_fingerprint": SYSTEM_FINGERPRINT,
            "usage": usage,
            "prompt_logprobs": None,
            "prompt_token_ids": None,
            "kv_transfer_params": None,
        }

    def role_chunk(self) -> dict[str, Any]:
        """Chat's first chunk: the role and empty content, no token."""
        choice = {
            "index": 0,
            "delta": {"role": "assistant", "content": ""},
            "logprobs": None,
            "finish_reason": None,
        }
        return {
            **self._head(self.shape.chunk_object),
            "choices": [choice],
            "prompt_token_ids": None,
            "prompt_text": None,
        }

    def token_chunk(self, text: str, *, reasoning: bool, last: bool, tail: bool) -> dict[str, Any]:
        """The chunk of one token; the last one carries `finish_reason`.

        `tail` says a usage chunk follows; otherwise the last chunk carries the fingerprint.
        """
        choice: dict[str, Any] = {"index": 0}
        if not self.shape.chat:
            choice["text"] = text
        elif reasoning:
            choice["delta"] = {"reasoning": text}
        else:
            choice["delta"] = {"content": text}
        choice["logprobs"] = None
        choice["finish_reason"] = self.generation.finish_reason if last else None
        if last or not self.shape.chat:
            choice["stop_reason"] = self.generation.stop_reason if last else None
        if not self.shape.chat:
            choice["prompt_token_ids"] = None
        choice["token_ids"] = None
        chunk = {**self._head(self.shape.chunk_object), "choices": [choice]}
        if last and not tail:
            chunk["system_fingerprint"] = SYSTEM_FINGERPRINT
        return chunk

    def usage_chunk(self) -> dict[str, Any]:
        """The usage-only chunk sent after the last token when `include_usage` is set."""
        return {
            **self._head(self.shape.chunk_object),
            "choices": [],
            "usage": self._usage(),
            "system_fingerprint": SYSTEM_FINGERPRINT,
        }


ROUTES = {
    ("GET", "/health"): health,
    ("GET", "/v1/models"): models,
    ("POST", "/v1/chat/completions"): chat_completions,
    ("POST", "/v1/completions"): completions,
}
"""The (method, path) routes this protocol serves."""
