"""Huawei MindIE Server's native ``/infer`` protocol: `MindieStreamApi` (AISBench's name).

Protocol facts relied on (MindIE's public docs, "MindIE原生文本/流式推理接口"; details and
sources in ``pytest_aisbench/simulator/mindie.py``):
- ``POST /infer`` with ``{"inputs": str, "stream": bool, "parameters": {"max_new_tokens": N,
  "details": bool, ...}}``; the default port of MindIE Server is 1025.
- non-stream: ``{"generated_text": "...", "details": {"finish_reason", "generated_tokens",
  "seed"}}``.
- stream: SSE ``data: {json}`` events, one per token, with the token's own text in
  ``token.text`` (an increment); the last event has ``"token": {"text": null}``, the whole
  answer in ``generated_text`` and ``details`` (``null`` unless ``details`` was requested).
  No ``[DONE]`` follows.
- ``finish_reason``: ``eos_token``, ``length``, ``stop_sequence``, ``invalid flag``.

AISBench's ``MindieStreamApi`` sets ``output.content = generated_text`` on every event: the
token events carry no ``generated_text``, so the answer is empty until the last event
replaces it with the whole text. Here each token's text is appended as it arrives (so the
time to first token is the first token's, not the last's), and the final event's
``generated_text`` then replaces the accumulated text: it is the server's own answer, and in
MindIE's documented example the last token's text appears only there.

The stream ends at the event carrying ``generated_text``, which sets ``finish_reason`` from
``details`` (requested by default: ``details: true`` is sent unless ``generation_kwargs``
says otherwise). When a server sends no details, ``finish_reason`` is ``"unknown"``: the base
class needs a finish reason or ``[DONE]`` to know the stream is complete.

One class serves both modes by ``stream`` (AISBench ships only the stream class, with
``stream=True`` as its default, kept here).
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
"""The finish reason of a complete stream whose final event carried no ``details``."""


@MODELS.register_module()
class MindieStreamApi(BuiltinAPIModel):
    """MindIE's native ``/infer``; streams by default, as AISBench's class does."""

    endpoint = "infer"
    default_stream = True

    def _get_url(self) -> str:
        return urljoin(self.base_url, self.endpoint)

    async def get_request_body(
        self, input: PromptType, max_out_len: int, output: RequestOutput, **args: Any
    ) -> dict[str, Any]:
        output.input = input
        parameters = {"details": True, **self.generation_kwargs, "max_new_tokens": max_out_len}
        return {"inputs": prompt_to_text(input), "stream": self.stream, "parameters": parameters}

    async def parse_text_response(self, data: dict[str, Any], output: RequestOutput) -> None:
        _raise_for_error(data)
        output.content = data["generated_text"]
        _read_details(data.get("details"), output)

    async def parse_stream_response(self, data: dict[str, Any], output: RequestOutput) -> None:
        _raise_for_error(data)
        if data.get("generated_text") is not None:
            output.content = data["generated_text"]
            _read_details(data.get("details"), output)
            if output.finish_reason is None:
                output.finish_reason = UNKNOWN_FINISH
            return
        token = data.get("token") or {}
        output.content += token.get("text") or ""


def _raise_for_error(data: Any) -> None:
    """A 2xx body or event that reports an error is that error, not an empty answer."""
    if isinstance(data, dict) and data.get("error") and data.get("generated_text") is None:
        kind = data.get("error_type")
        raise ResponseError(
            f"server error in response: {data['error']}" + (f" ({kind})" if kind else "")
        )


def _read_details(details: Any, output: RequestOutput) -> None:
    if not isinstance(details, dict):
        return
    if details.get("finish_reason"):
        output.finish_reason = details["finish_reason"]
    if details.get("generated_tokens") is not None:
        output.output_tokens = int(details["generated_tokens"])
        output.token_source = "usage"
