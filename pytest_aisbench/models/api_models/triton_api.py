"""Triton Inference Server's generate extension: `TritonCustomAPI` (AISBench's name).

Protocol facts relied on (triton-inference-server/server ``docs/protocol/extension_generate.md``
and ``src/http_server.cc``; TensorRT-LLM and vLLM backend model configs; AISBench's
``triton_api.py``):

- ``POST v2/models/{model}/generate`` answers one ``{"model_name", "model_version",
  "text_output"}``; ``.../generate_stream`` sends the same object per response as SSE
  ``data:`` events, each ``text_output`` being the new text (TensorRT-LLM with
  ``stream: true``, the vLLM backend), so the client appends them.
- The body is ``{"text_input": ..., "parameters": {...}}``; Triton turns every key whose name
  is a model input into that input, at the top level or inside ``parameters``, and any other
  key into a request parameter (int, bool or string). This backend sends ``max_tokens`` (the
  TensorRT-LLM ensemble's input) and ``max_new_tokens`` (what AISBench and MindIE's
  Triton-compatible endpoint read) in ``parameters``, with ``stream``; ``generation_kwargs``
  are merged into ``parameters`` (so they may override both). AISBench's ``id`` (a uuid4) is
  sent at the top level.
- The stream has no ``[DONE]`` and normally no finish reason: the server ends the chunked
  response after the final response. ``stream_needs_end_marker = False`` tells the base class
  that a cleanly closed stream is complete (a cut connection is still a transport error). A
  ``finish_reason`` field (the vLLM backend's ``return_finish_reason`` output) is read when
  present.
- Errors are ``{"error": "<message>"}``: with an HTTP status before the stream starts, or as
  an event inside a 200 stream after it started.
- No token counts in any response: ``output_tokens`` stays None, and the engine counts with
  the tokenizer (``path``) or the stream's events.
- ``POST v2/repository/index`` lists ``[{"name", "version", "state"}]``: with ``model`` empty
  the first READY model is used.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote, urljoin

from pytest_aisbench.errors import ModelNameError, ResponseError
from pytest_aisbench.models.api_models.base_api import BuiltinAPIModel
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.registry import MODELS
from pytest_aisbench.utils.prompt import PromptType, prompt_to_text


@MODELS.register_module()
class TritonCustomAPI(BuiltinAPIModel):
    """A model behind Triton's generate extension (TensorRT-LLM, vLLM or Python backends)."""

    stream_needs_end_marker = False
    asks_model_name = True

    def _get_url(self) -> str:
        endpoint = "generate_stream" if self.stream else "generate"
        return urljoin(self.base_url, f"v2/models/{quote(self.model, safe='')}/{endpoint}")

    def __init__(self, *args: Any, model_name: str = "", **kwargs: Any) -> None:
        """AISBench names the Triton model ``model_name``; ``model`` is the same key."""
        if model_name and not kwargs.get("model"):
            kwargs["model"] = model_name
        super().__init__(*args, **kwargs)
        self.model_name = self.model

    def _get_service_model_path(self) -> str:
        """The first READY model of ``POST v2/repository/index``."""
        url, models = self._ask_service("POST", "v2/repository/index")
        ready = [
            entry["name"]
            for entry in (models if isinstance(models, list) else [])
            if isinstance(entry, dict) and entry.get("state") == "READY" and entry.get("name")
        ]
        if not ready:
            raise ModelNameError(f"POST {url}", f"listed no READY model: {str(models)[:200]!r}")
        return str(ready[0])

    async def get_request_body(
        self, input: PromptType, max_out_len: int, output: RequestOutput, **args: Any
    ) -> dict[str, Any]:
        output.input = input
        parameters: dict[str, Any] = {
            "max_tokens": max_out_len,
            "max_new_tokens": max_out_len,
            "stream": self.stream,
        }
        return {
            "id": str(uuid.uuid4()),
            "text_input": prompt_to_text(input),
            "parameters": parameters | self.generation_kwargs,
        }

    async def parse_text_response(self, data: dict[str, Any], output: RequestOutput) -> None:
        _raise_for_error(data)
        output.content += data["text_output"]
        _read_finish_reason(data, output)

    async def parse_stream_response(self, data: dict[str, Any], output: RequestOutput) -> None:
        _raise_for_error(data)
        output.content += data.get("text_output") or ""
        _read_finish_reason(data, output)


@MODELS.register_module()
class TritonCustomAPIStream(TritonCustomAPI):
    """AISBench's deprecated alias: `TritonCustomAPI` that always streams."""

    default_stream = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["stream"] = True
        super().__init__(*args, **kwargs)


def _raise_for_error(data: Any) -> None:
    """An error object (Triton's ``{"error": "..."}``) is that error, not an empty answer."""
    if isinstance(data, dict) and "error" in data and "text_output" not in data:
        raise ResponseError(f"server error in response: {data['error']}")


def _read_finish_reason(data: dict[str, Any], output: RequestOutput) -> None:
    reason = data.get("finish_reason")
    if isinstance(reason, list):  # a tensor output of one element may come as a list
        reason = reason[0] if reason else None
    if reason:
        output.finish_reason = str(reason)
