"""vLLM and any OpenAI-compatible server: completions, `VLLMCustomAPI` (chat is beside it).

Protocol facts relied on (OpenAI API reference; vLLM 0.32 and llama.cpp captured on this machine):
- chat: ``POST /v1/chat/completions`` with ``messages``; text in ``choices[0].message.content``,
  reasoning in ``message.reasoning_content`` (older vLLM) or ``message.reasoning`` (vLLM >= 0.10).
- stream: ``data: {json}`` events; ``choices[0].delta.content`` appended; vLLM's first chunk
  carries only the role; ``finish_reason`` on the last token chunk; with
  ``stream_options.include_usage`` a last chunk with empty ``choices`` carries ``usage``;
  ``data: [DONE]`` ends the stream. llama.cpp ignores ``stream_options`` and never sends usage.
- completions: ``POST /v1/completions`` with ``prompt``; text in ``choices[0].text``.
- an error inside a stream arrives as ``{"error": {"message": ...}}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from pytest_aisbench.errors import ResponseError
from pytest_aisbench.models.api_models.base_api import BuiltinAPIModel
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.registry import MODELS
from pytest_aisbench.utils.prompt import PromptType, prompt_to_text


@MODELS.register_module()
class VLLMCustomAPI(BuiltinAPIModel):
    """OpenAI completions (``/v1/completions``); a chat prompt is sent as its joined text."""

    asks_model_name = True
    supports_ignore_eos = True

    endpoint = "v1/completions"

    def _get_url(self) -> str:
        return urljoin(self.base_url, self.endpoint)

    def _prompt_fields(self, input: PromptType) -> dict[str, Any]:
        return {"prompt": prompt_to_text(input)}

    async def get_request_body(
        self, input: PromptType, max_out_len: int, output: RequestOutput, **args: Any
    ) -> dict[str, Any]:
        output.input = input
        body: dict[str, Any] = {
            "model": self.model,
            **self._prompt_fields(input),
            "max_tokens": max_out_len,
            "stream": self.stream,
        }
        if self.stream:
            body["stream_options"] = {"include_usage": True}
        return body | self.generation_kwargs

    async def parse_text_response(self, data: dict[str, Any], output: RequestOutput) -> None:
        _raise_for_error(data)
        choice = data["choices"][0]
        self._read_choice_text(choice, output, whole=True)
        output.finish_reason = choice.get("finish_reason")
        _read_usage(data, output)

    async def parse_stream_response(self, data: dict[str, Any], output: RequestOutput) -> None:
        _raise_for_error(data)
        for choice in data.get("choices") or ():
            self._read_choice_text(choice, output, whole=False)
            if choice.get("finish_reason"):
                output.finish_reason = choice["finish_reason"]
        _read_usage(data, output)

    def _read_choice_text(self, choice: dict[str, Any], output: RequestOutput, whole: bool) -> None:
        output.content += choice.get("text") or ""


def _raise_for_error(data: dict[str, Any]) -> None:
    """A 2xx body or event that reports an error is that error, not an empty answer."""
    if isinstance(data, dict) and "error" in data and not data.get("choices"):
        error = data["error"]
        message = error.get("message", error) if isinstance(error, dict) else error
        raise ResponseError(f"server error in response: {message}")


def _read_usage(data: dict[str, Any], output: RequestOutput) -> None:
    usage = data.get("usage")
    if usage:
        output.input_tokens = usage.get("prompt_tokens", output.input_tokens)
        output.output_tokens = usage.get("completion_tokens", output.output_tokens)
        output.token_source = "usage"


@MODELS.register_module()
class VLLMCustomAPIStream(VLLMCustomAPI):
    """AISBench's deprecated alias: `VLLMCustomAPI` that always streams."""

    default_stream = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["stream"] = True
        super().__init__(*args, **kwargs)
