"""The native API of HuggingFace text-generation-inference (TGI): `/generate`, `/generate_stream`.

Endpoints: `GET /info`, `POST /generate`, `POST /generate_stream`. Facts relied on, with sources:

- request `GenerateRequest{inputs, parameters}`; parameters include `max_new_tokens`, `stop`,
  `details`, `decoder_input_details`, `do_sample`, `seed`, `temperature`, `return_full_text`
  (TGI docs/openapi.json; huggingface.js `tasks/text-generation/spec/input.json`, which is
  "auto-generated from TGI specs"). A missing `max_new_tokens` defaults to the room left in the
  context (recent TGI; older versions used 20).
- `/generate` answers `{"generated_text", "details"}`; `details` only when
  `parameters.details` is true: `{finish_reason, generated_tokens, seed, prefill, tokens}`.
  `finish_reason` is `"length"`, `"eos_token"` or `"stop_sequence"` (router/src/lib.rs
  `FinishReason`, serde renames). `generated_tokens` counts the EOS token, which is generated
  (`special: true`) but left out of `generated_text`; a stop sequence stays in the text.
- `/generate_stream`: one SSE `data:` event per token,
  `{"index", "token": {"id", "text", "logprob", "special"}, "generated_text": null,
  "details": null}`; the last event carries the full `generated_text` and (with `details`)
  `{finish_reason, generated_tokens, seed, input_length}`. No `[DONE]` (router/src/server.rs
  `generate_stream_internal`; the Python client `text_generation` README concatenates
  `token.text` for tokens that are not `special`).
- errors: `{"error": "...", "error_type": "validation"|"overloaded"|"generation"|...}` with
  422 for validation, 429 overloaded, 424 generation (server.rs `From<InferError>`); the
  message is `Input validation error: <ValidationError>` (router/src/validation.rs texts, e.g.
  "`max_new_tokens` must be strictly positive"). In a stream, a validation error is sent as
  that same JSON in one `data:` event of a 200 response (server.rs `From<InferError> for
  Event`). A body that is not a `GenerateRequest` (no `inputs`) is refused by axum's `Json`
  extractor with 422 and a plain-text message.

Unsupported: `best_of > 1`, `top_n_tokens`, grammars, adapters (ignored, not refused).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from . import vita
from .asgi import BadBody, EventStream, Request, send_bytes
from .common import Job as BaseJob
from .common import TypedError, is_int, respond_when_generated, stream_tokens, string_list
from .config import SimulatorConfig
from .tokens import Generation, count_prompt_tokens

VERSION = "3.3.4-simulator"
EOS_TEXT = "</s>"
EOS_ID = 2
FIRST_TOKEN_ID = 1000
LOGPROB = -0.1
MAX_STOP_SEQUENCES = 4
_TEXT_HEADERS = [(b"content-type", b"text/plain; charset=utf-8")]


class TGIError(TypedError):
    """A request TGI would refuse; becomes `{"error", "error_type"}`."""

    FAULT_TYPES: ClassVar[Mapping[int, str]] = {
        400: "validation",
        404: "not_found",
        429: "overloaded",
        500: "generation",
    }
    FAULT_DEFAULT_TYPE = "unavailable"

    def __init__(self, message: str, status: int = 422, error_type: str = "validation") -> None:
        if error_type == "validation":
            message = f"Input validation error: {message}"
        super().__init__(status, message)
        self.error_type = error_type


error_body = TGIError.fault_body
"""The error body of this protocol for a status (used by `faults`)."""


class Rejection(Exception):
    """axum's `Json` extractor refusing the body: plain text, before the handler runs."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text

    async def send(self, request: Request) -> None:
        """Answer the plain-text refusal."""
        await send_bytes(request.send, self.status, self.text.encode(), _TEXT_HEADERS)


@dataclass(frozen=True)
class Job(BaseJob):
    """A validated `GenerateRequest`; `prompt_text` is its `inputs`."""

    prompt_tokens: int
    details: bool
    decoder_input_details: bool
    return_full_text: bool
    seed: int | None

    def plan(self, config: SimulatorConfig) -> Generation:
        """What the simulated model generates: the reply, then EOS unless cut first."""
        return self.generate(config, eos=True, include_stop_str=True)


# --- endpoints ---------------------------------------------------------------------------


async def info(request: Request) -> None:
    """``GET /info``: the model and router limits TGI reports."""
    config = request.config
    await request.respond_json(
        200,
        {
            "model_id": config.model,
            "model_sha": None,
            "model_pipeline_tag": "text-generation",
            "max_concurrent_requests": 128,
            "max_best_of": 2,
            "max_stop_sequences": MAX_STOP_SEQUENCES,
            "max_input_tokens": config.max_model_len - 1,
            "max_total_tokens": config.max_model_len,
            "validation_workers": 2,
            "max_client_batch_size": 4,
            "router": "text-generation-router",
            "version": VERSION,
            "sha": None,
            "docker_label": None,
        },
    )


async def generate(request: Request) -> None:
    """``POST /generate``: TGI's whole reply, or VITA's (which shares the path)."""
    try:
        body = await _body(request)
        if vita.is_vita_request(body):
            await vita.generate(request, body)
            return
        job = parse_job(body, request.config, stream=False)
    except Rejection as exc:
        await exc.send(request)
        return
    except TGIError as exc:
        await request.respond_json(exc.status, exc.body())
        return
    generation = job.plan(request.config)
    reply = Reply(job, generation).response()
    await respond_when_generated(request, generation.completion_tokens, reply)


async def generate_stream(request: Request) -> None:
    """``POST /generate_stream``: one event per token; a validation error is one event too."""
    try:
        job = parse_job(await _body(request), request.config, stream=True)
    except Rejection as exc:
        await exc.send(request)
        return
    except TGIError as exc:
        events = EventStream(request, prefix=b"data:")
        await events.start()
        await events.event(exc.body())
        await events.close()
        return
    reply = Reply(job, job.plan(request.config))

    async def send_token(events: EventStream, index: int, text: str) -> None:
        await events.event(reply.stream_event(index))

    await stream_tokens(request, reply.generation.tokens, send_token, prefix=b"data:")


async def _body(request: Request) -> Any:
    """The JSON body; invalid JSON is axum's plain-text 400, not a TGI error body."""
    try:
        return await request.json()
    except BadBody as exc:
        raise Rejection(400, f"Failed to parse the request body as JSON: {exc}") from exc


# --- request validation --------------------------------------------------------------------


def parse_job(body: Any, config: SimulatorConfig, *, stream: bool) -> Job:
    """Validate a `GenerateRequest` as TGI's router does."""
    if not isinstance(body, dict) or not isinstance(body.get("inputs"), str):
        raise Rejection(
            422,
            "Failed to deserialize the JSON body into the target type: "
            "missing field `inputs` or `inputs` is not a string",
        )
    parameters = body.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise Rejection(422, "Failed to deserialize the JSON body: `parameters` is not an object")
    inputs = body["inputs"]
    if not inputs:
        raise TGIError("`inputs` cannot be empty")
    prompt_tokens = count_prompt_tokens(inputs)
    window = config.max_model_len
    if prompt_tokens >= window:
        raise TGIError(f"`inputs` must have less than {window} tokens. Given: {prompt_tokens}")
    limit = _max_new_tokens(parameters.get("max_new_tokens"), window, prompt_tokens)
    for key in ("temperature", "repetition_penalty", "top_k"):
        value = parameters.get(key)
        if value is not None and (not isinstance(value, int | float) or value <= 0):
            raise TGIError(f"`{key}` must be strictly positive")
    decoder_input_details = bool(parameters.get("decoder_input_details"))
    if stream and decoder_input_details:
        raise TGIError("`decoder_input_details` == true is not supported when streaming tokens")
    seed = parameters.get("seed")
    if parameters.get("do_sample") and seed is None:
        seed = random.getrandbits(63)
    return Job(
        prompt_text=inputs,
        prompt_tokens=prompt_tokens,
        limit=limit,
        stop=_stop(parameters.get("stop")),
        details=bool(parameters.get("details", False)),
        decoder_input_details=decoder_input_details,
        return_full_text=bool(parameters.get("return_full_text")),
        seed=seed if parameters.get("do_sample") else None,
    )


def _max_new_tokens(value: Any, window: int, prompt_tokens: int) -> int:
    """The resolved ``max_new_tokens``: the room left in the context when absent."""
    if value is None:
        return window - prompt_tokens
    if not is_int(value):
        raise Rejection(422, "Failed to deserialize the JSON body: `max_new_tokens` is not an int")
    if value < 1:
        raise TGIError("`max_new_tokens` must be strictly positive")
    if value > window:
        raise TGIError(f"`max_new_tokens` must be <= {window}. Given: {value}")
    if prompt_tokens + value > window:
        raise TGIError(
            f"`inputs` tokens + `max_new_tokens` must be <= {window}. "
            f"Given: {prompt_tokens} `inputs` tokens and {value} `max_new_tokens`"
        )
    return value


def _stop(value: Any) -> tuple[str, ...]:
    """A list of at most `MAX_STOP_SEQUENCES` strings (serde refuses a lone string)."""
    invalid = Rejection(422, "Failed to deserialize the JSON body: `stop` is not a list of strings")
    stop = string_list(value, invalid, allow_string=False)
    if len(stop) > MAX_STOP_SEQUENCES:
        given = len(stop)
        raise TGIError(f"`stop` supports up to {MAX_STOP_SEQUENCES} stop sequences. Given: {given}")
    return stop


# --- response bodies -----------------------------------------------------------------------


class Reply:
    """Builds the bodies of one response: the full one, or its stream events."""

    def __init__(self, job: Job, generation: Generation) -> None:
        self.job = job
        self.generation = generation
        if generation.finish_reason == "length":
            self.finish_reason = "length"
        elif generation.stop_reason is not None:
            self.finish_reason = "stop_sequence"
        else:
            self.finish_reason = "eos_token"

    def _is_eos(self, index: int) -> bool:
        """Whether token `index` is the generated end-of-sequence token (special, not text)."""
        return self.finish_reason == "eos_token" and index == self.generation.completion_tokens - 1

    def token(self, index: int) -> dict[str, Any]:
        """The ``token`` object of one generated token."""
        if self._is_eos(index):
            return {"id": EOS_ID, "text": EOS_TEXT, "logprob": LOGPROB, "special": True}
        text = self.generation.tokens[index]
        return {"id": FIRST_TOKEN_ID + index, "text": text, "logprob": LOGPROB, "special": False}

    def generated_text(self) -> str:
        """The answer's text, after the prompt when ``return_full_text`` is set."""
        text = self.generation.content_text
        return self.job.prompt_text + text if self.job.return_full_text else text

    def response(self) -> dict[str, Any]:
        """The `/generate` body."""
        body: dict[str, Any] = {"generated_text": self.generated_text()}
        if self.job.details:
            prefill: list[dict[str, Any]] = []
            if self.job.decoder_input_details:
                prefill = [
                    {"id": i, "text": piece, "logprob": None if i == 0 else LOGPROB}
                    for i, piece in enumerate(self.job.prompt_text.split())
                ]
            body["details"] = {
                "finish_reason": self.finish_reason,
                "generated_tokens": self.generation.completion_tokens,
                "seed": self.job.seed,
                "prefill": prefill,
                "tokens": [self.token(i) for i in range(self.generation.completion_tokens)],
            }
        return body

    def stream_event(self, index: int) -> dict[str, Any]:
        """One `/generate_stream` event; the last carries the full text and the details."""
        last = index == self.generation.completion_tokens - 1
        details = None
        if last and self.job.details:
            details = {
                "finish_reason": self.finish_reason,
                "generated_tokens": self.generation.completion_tokens,
                "seed": self.job.seed,
                "input_length": self.job.prompt_tokens,
            }
        return {
            "index": index + 1,
            "token": self.token(index),
            "generated_text": self.generated_text() if last else None,
            "details": details,
        }


ROUTES = {
    ("GET", "/info"): info,
    ("POST", "/generate"): generate,
    ("POST", "/generate_stream"): generate_stream,
}
"""The (method, path) routes this protocol serves."""
