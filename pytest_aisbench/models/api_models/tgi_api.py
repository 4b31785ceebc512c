"""HuggingFace text-generation-inference (TGI), native API: `TGICustomAPI`.

Protocol facts relied on (TGI router/src/server.rs and lib.rs, docs/openapi.json; the
`text_generation` Python client README; AISBench's `TGICustomAPI` for the URL and body):
- ``POST /generate`` (or ``/generate_stream`` when streaming) with
  ``{"inputs": str, "parameters": {"max_new_tokens", "details", ...}}``; a chat prompt is sent
  as its joined text, as AISBench does.
- non-stream: ``generated_text``; with ``details: true`` also
  ``details.finish_reason`` (``length`` | ``eos_token`` | ``stop_sequence``) and
  ``details.generated_tokens`` (the server's output token count, EOS included).
- stream: SSE ``data:`` events, one per token, ``{"index", "token": {"id", "text", "logprob",
  "special"}, "generated_text": null, "details": null}``; the text is the ``token.text`` of
  tokens that are not ``special`` (the EOS token's text, e.g. ``</s>``, is not part of the
  answer). The last event carries the full ``generated_text`` and ``details``. TGI sends no
  ``[DONE]``: the last event's ``details.finish_reason`` is what tells a complete stream.
- errors: ``{"error": "...", "error_type": "validation" | "overloaded" | ...}``, as the body of
  a 4xx/5xx response, or as one event of a 200 stream.

Unlike AISBench (which overwrites the content with each event's ``generated_text``), the text
is built from ``token.text`` so that each token's arrival is timed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from pytest_aisbench.errors import ResponseError
from pytest_aisbench.models.api_models.base_api import BuiltinAPIModel
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.registry import MODELS
from pytest_aisbench.utils.prompt import PromptType, prompt_to_text

UNKNOWN_FINISH = "unknown"
"""The finish reason of a finished stream whose server sent no details (``details: false``)."""


@MODELS.register_module()
class TGICustomAPI(BuiltinAPIModel):
    """TGI's ``/generate`` and ``/generate_stream``."""

    def _get_url(self) -> str:
        return urljoin(self.base_url, "generate_stream" if self.stream else "generate")

    async def get_request_body(
        self, input: PromptType, max_out_len: int, output: RequestOutput, **args: Any
    ) -> dict[str, Any]:
        output.input = input
        parameters = {"max_new_tokens": max_out_len, "details": True, **self.generation_kwargs}
        return {"inputs": prompt_to_text(input), "parameters": parameters}

    async def parse_text_response(self, data: dict[str, Any], output: RequestOutput) -> None:
        _raise_for_error(data)
        output.content = data["generated_text"]
        _read_details(data, output)

    async def parse_stream_response(self, data: dict[str, Any], output: RequestOutput) -> None:
        _raise_for_error(data)
        token = data.get("token") or {}
        if not token.get("special"):
            output.content += token.get("text") or ""
        _read_details(data, output)
        if data.get("generated_text") is not None and output.finish_reason is None:
            output.finish_reason = UNKNOWN_FINISH


@MODELS.register_module()
class TGICustomAPIStream(TGICustomAPI):
    """AISBench's deprecated alias: `TGICustomAPI` that always streams."""

    default_stream = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["stream"] = True
        super().__init__(*args, **kwargs)


def _raise_for_error(data: Any) -> None:
    """A 2xx body or event that reports an error is that error, not an empty answer."""
    if isinstance(data, dict) and "error" in data and "token" not in data:
        kind = data.get("error_type")
        suffix = f" ({kind})" if kind else ""
        raise ResponseError(f"server error in response{suffix}: {data['error']}")


def _read_details(data: dict[str, Any], output: RequestOutput) -> None:
    details = data.get("details")
    if details:
        output.finish_reason = details.get("finish_reason") or output.finish_reason
        if details.get("generated_tokens") is not None:
            output.output_tokens = details["generated_tokens"]
            output.token_source = "usage"
        if details.get("input_length") is not None:
            output.input_tokens = details["input_length"]
