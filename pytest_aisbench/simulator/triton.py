"""Triton Inference Server's HTTP *generate extension*, as an LLM model repository serves it.

Endpoints: ``POST /v2/models/{model}[/versions/{v}]/generate`` and ``.../generate_stream``,
``GET /v2/models/{model}[/versions/{v}]`` (model metadata), ``GET .../ready``,
``POST /v2/repository/index``, ``GET /v2/health/ready`` and ``GET /v2/health/live``.

Protocol facts relied on:

- triton-inference-server/server ``docs/protocol/extension_generate.md``: the request is
  ``{"text_input": $string, "parameters": {...}}``; "any additional properties in the request
  object are passed either as parameters or tensors based on model specification"; the
  response is ``{"model_name", "model_version", "text_output"}``; ``/generate`` returns
  exactly one JSON object, ``/generate_stream`` sends each response as an SSE ``data:`` chunk
  (``text/event-stream; charset=utf-8``); errors are ``{"error": "<message>"}``; an error
  after the first stream chunk arrives as an error object inside a 200 stream.
- triton-inference-server/server ``src/http_server.cc`` (``ConvertGenerateRequest``,
  ``ExactMappingInput``, ``InferResponseComplete``, ``HttpCodeFromError``): every top-level
  key, and every key inside ``parameters``, whose name is a model input becomes that input
  tensor, any other becomes a request parameter, so ``max_tokens`` works at the top level and
  inside ``parameters`` alike; the chunked response simply ends after the response flagged
  ``TRITONSERVER_RESPONSE_COMPLETE_FINAL`` (no ``[DONE]``, no end event: a flag-only final
  response writes nothing); NOT_FOUND maps to 404, INVALID_ARG to 400, INTERNAL to 500. Core
  refuses an unknown model with "Request for unknown model: '<name>' is not found".
- TensorRT-LLM backend's ``ensemble`` model: inputs ``text_input``, ``max_tokens``,
  ``stream``, ``bad_words``, ``stop_words``, ``end_id``, ``temperature``, ``top_k``, ... ;
  output ``text_output`` (incremental when ``stream`` is true) and no finish reason.
  Triton's vLLM backend: inputs ``text_input``, ``stream``, ``sampling_parameters`` (a JSON
  string holding ``max_tokens`` etc.), ``exclude_input_in_output``, and optional
  ``return_finish_reason`` that adds a ``finish_reason`` output.
- AISBench's ``TritonCustomAPI`` and MindIE's Triton-compatible endpoint send
  ``parameters.max_new_tokens`` (MindIE documents it; TRT-LLM has no such input).

The simulator serves one model (``config.model``, version "1") and reads the output cap from
the first of ``max_tokens``, ``max_new_tokens`` or ``sampling_parameters.max_tokens``, at the
top level or in ``parameters``; with none it generates the reply in full (bounded by
``max_model_len``). ``stop_words`` (a string or list) cut the text as vLLM's ``stop`` does.
``return_finish_reason: true`` adds ``finish_reason`` to the last response, as the vLLM
backend does. Not simulated: batched ``text_input`` arrays, beam search, log-probs outputs.

Routing: the model name is part of the path, so ``rewrite_path`` maps a concrete path to the
templates used as ``ROUTES`` keys (``/v2/models/{model}/generate``) and keeps the name and
version in ``scope["path_params"]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from .asgi import EventStream, Request
from .common import Job as BaseJob
from .common import (
    ProtocolError,
    is_int,
    read_job,
    respond_when_generated,
    stream_tokens,
    string_list,
)
from .config import SimulatorConfig
from .tokens import Generation

MODEL_VERSION = "1"

GENERATE = "/v2/models/{model}/generate"
GENERATE_STREAM = "/v2/models/{model}/generate_stream"
METADATA = "/v2/models/{model}"
READY = "/v2/models/{model}/ready"

_MODEL_PATH = re.compile(
    r"^/v2/models/(?P<model>[^/]+)(?:/versions/(?P<version>[^/]+))?"
    r"(?P<kind>/generate|/generate_stream|/ready)?$"
)
_LIMIT_KEYS = ("max_tokens", "max_new_tokens")


class TritonError(ProtocolError):
    """A request Triton would refuse; the body is ``{"error": message}``."""


error_body = TritonError.fault_body
"""The error body of this protocol, for any status (used by `faults`)."""


@dataclass(frozen=True)
class Job(BaseJob):
    """A validated generate request."""

    return_finish_reason: bool


# --- routing -------------------------------------------------------------------------------


def rewrite_path(scope: MutableMapping[str, Any]) -> None:
    """Map ``/v2/models/<name>[/versions/<v>][/kind]`` to its route template, in place.

    The name and version go to ``scope["path_params"]`` (as Starlette keeps them); any other
    path is left alone.
    """
    match = _MODEL_PATH.match(scope.get("path", ""))
    if match is None or match["model"] == "stats":
        return
    scope["path_params"] = {"model": match["model"], "version": match["version"] or ""}
    scope["path"] = "/v2/models/{model}" + (match["kind"] or "")


def _path_model(request: Request) -> tuple[str, str]:
    """The model name and version `rewrite_path` took from the path."""
    params = request.scope.get("path_params") or {}
    return str(params.get("model", "")), str(params.get("version", ""))


async def _refused_model(request: Request) -> bool:
    """Answer 404 for a model or version this server does not serve, with Triton core's message.

    Checked before the body is read, as Triton resolves the model from the path first.
    """
    name, version = _path_model(request)
    message = ""
    if name != request.config.model:
        message = f"Request for unknown model: '{name}' is not found"
    elif version and version != MODEL_VERSION:
        message = f"Request for unknown model: '{name}' version {version} is not found"
    if message:
        await request.respond_json(404, TritonError(404, message).body())
    return bool(message)


# --- endpoints -----------------------------------------------------------------------------


async def health(request: Request) -> None:
    """Triton answers 200 with an empty body when live / ready."""
    await request.respond_empty(200)


async def repository_index(request: Request) -> None:
    """``POST /v2/repository/index``: the models of the repository and their state."""
    await request.body()
    entry = {"name": request.config.model, "version": MODEL_VERSION, "state": "READY"}
    await request.respond_json(200, [entry])


async def model_metadata(request: Request) -> None:
    """``GET /v2/models/{model}``: the metadata of an LLM ensemble with text in and out."""
    if await _refused_model(request):
        return
    tensor = {"datatype": "BYTES", "shape": [-1]}
    await request.respond_json(
        200,
        {
            "name": request.config.model,
            "versions": [MODEL_VERSION],
            "platform": "ensemble",
            "inputs": [
                {"name": "text_input", **tensor},
                {"name": "max_tokens", "datatype": "INT32", "shape": [-1]},
                {"name": "stream", "datatype": "BOOL", "shape": [-1]},
                {"name": "stop_words", **tensor},
            ],
            "outputs": [{"name": "text_output", **tensor}],
        },
    )


async def model_ready(request: Request) -> None:
    """``GET /v2/models/{model}/ready``: 200 with an empty body for the served model."""
    if not await _refused_model(request):
        await request.respond_empty(200)


async def generate(request: Request) -> None:
    """``POST .../generate``: one response object once the whole reply is generated."""
    await _serve(request, stream=False)


async def generate_stream(request: Request) -> None:
    """``POST .../generate_stream``: one SSE chunk per token."""
    await _serve(request, stream=True)


async def _serve(request: Request, *, stream: bool) -> None:
    """Check the path's model, validate the body, then answer whole or streamed."""
    if await _refused_model(request):
        return
    job = await read_job(request, partial(parse_job, config=request.config), TritonError)
    if job is None:
        return
    generation = job.generate(request.config)
    if stream:
        await _stream(request, job, generation)
        return
    body = _response(request, job, generation.content_text, generation)
    await respond_when_generated(request, generation.completion_tokens, body)


def _response(
    request: Request, job: Job, text: str, generation: Generation | None
) -> dict[str, Any]:
    """One response object; ``generation`` is given for the last one (finish reason)."""
    body: dict[str, Any] = {
        "model_name": request.config.model,
        "model_version": MODEL_VERSION,
        "text_output": text,
    }
    if job.return_finish_reason and generation is not None:
        body["finish_reason"] = generation.finish_reason
    return body


async def _stream(request: Request, job: Job, generation: Generation) -> None:
    """One SSE ``data:`` chunk per token at its deadline, then the stream just closes."""
    tokens = generation.tokens or ("",)
    last = len(tokens) - 1

    async def send_token(events: EventStream, index: int, text: str) -> None:
        final = generation if index == last else None
        await events.event(_response(request, job, text, final))

    await stream_tokens(request, tokens, send_token)


# --- request validation --------------------------------------------------------------------


def parse_job(body: Any, config: SimulatorConfig) -> Job:
    """Validate a generate request: ``text_input`` and the inputs the simulator reads."""
    if not isinstance(body, dict):
        raise TritonError(400, "generate request must be a JSON object")
    parameters = body.get("parameters", {})
    if not isinstance(parameters, dict):
        raise TritonError(400, "Expected JSON object for keyword: 'parameters'")
    # an input given at the top level or in `parameters` is the same tensor
    inputs = {**parameters, **{k: v for k, v in body.items() if k != "parameters"}}
    text = inputs.get("text_input")
    if isinstance(text, list) and len(text) == 1:
        text = text[0]
    if not isinstance(text, str):
        raise TritonError(
            400, "expected 1 inputs but got 0 inputs for model: missing input 'text_input'"
        )
    invalid_stop = TritonError(400, "stop_words must be a string or a list of strings")
    return Job(
        prompt_text=text,
        limit=_limit(inputs, config),
        stop=string_list(inputs.get("stop_words"), invalid_stop, drop_empty=True),
        return_finish_reason=inputs.get("return_finish_reason") is True,
    )


def _limit(inputs: dict[str, Any], config: SimulatorConfig) -> int:
    """The output cap: the first limit input given, capped by the context window."""
    requested: Any = None
    for key in _LIMIT_KEYS:
        if inputs.get(key) is not None:
            requested = inputs[key]
            break
    sampling = inputs.get("sampling_parameters")
    if requested is None and isinstance(sampling, str):
        try:
            requested = json.loads(sampling).get("max_tokens")
        except (json.JSONDecodeError, AttributeError) as exc:
            raise TritonError(400, f"sampling_parameters is not a JSON object: {exc}") from exc
    if isinstance(requested, list) and len(requested) == 1:
        requested = requested[0]
    if requested is None:
        return config.max_model_len
    if not is_int(requested) or requested < 1:
        raise TritonError(400, f"max_tokens must be a positive integer, got {requested!r}")
    return min(requested, config.max_model_len)


ROUTES = {
    ("GET", "/v2/health/ready"): health,
    ("GET", "/v2/health/live"): health,
    ("POST", "/v2/repository/index"): repository_index,
    ("GET", METADATA): model_metadata,
    ("GET", READY): model_ready,
    ("POST", GENERATE): generate,
    ("POST", GENERATE_STREAM): generate_stream,
}
"""The (method, path) routes; model paths are templates, see `rewrite_path`."""
