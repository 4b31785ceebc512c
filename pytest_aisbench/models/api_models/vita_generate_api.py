"""VITA's multimodal ``/generate`` server: `VITAGenerateAPI` (AISBench's class of that name).

Protocol facts relied on (AISBench's `VITAGenerateAPI`, the only public client of it):
- ``POST /generate`` with ``{"prompt": [{"type": "text", "text": ...}, {"type": "image_url",
  "image_url": ...}, ...], "max_tokens", "stream", "model"}`` plus the generation kwargs.
- non-stream: ``{"text": [answer]}``; stream: SSE events ``{"text": [piece]}``, the pieces
  appended. No token counts, no finish reason and no end marker are documented, so a stream
  whose body ends cleanly is complete and output tokens come from the tokenizer at ``path``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from pytest_aisbench.models.api_models.base_api import BuiltinAPIModel
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.registry import MODELS
from pytest_aisbench.utils.prompt import PromptType, prompt_to_text

MEDIA_TYPES = ("image_url", "video_url", "audio_url")


@MODELS.register_module()
class VITAGenerateAPI(BuiltinAPIModel):
    """VITA's ``/generate``; a list of content parts is sent as parts, any other prompt as text."""

    stream_needs_end_marker = False

    def _get_url(self) -> str:
        return urljoin(self.base_url, "generate")

    async def get_request_body(
        self, input: PromptType, max_out_len: int, output: RequestOutput, **args: Any
    ) -> dict[str, Any]:
        output.input = input
        return {
            "prompt": _content_parts(input),
            "max_tokens": max_out_len,
            "stream": self.stream,
            "model": self.model,
            **self.generation_kwargs,
        }

    async def parse_text_response(self, data: dict[str, Any], output: RequestOutput) -> None:
        texts = data["text"]
        output.content = str(texts[0]) if texts else ""

    async def parse_stream_response(self, data: dict[str, Any], output: RequestOutput) -> None:
        texts = data.get("text") or []
        if texts:
            output.content += str(texts[0])


def _content_parts(input: Any) -> list[dict[str, Any]]:
    """OpenAI-style content parts as VITA takes them: media URLs as plain strings, no file://."""
    if not (isinstance(input, list) and input and all(_is_part(p) for p in input)):
        return [{"type": "text", "text": prompt_to_text(input)}]
    parts = []
    for part in input:
        kind = part["type"]
        if kind == "text":
            parts.append({"type": "text", "text": part["text"]})
            continue
        url = part[kind]["url"] if isinstance(part[kind], dict) else part[kind]
        parts.append({"type": kind, kind: str(url).removeprefix("file://")})
    return parts


def _is_part(item: Any) -> bool:
    return isinstance(item, dict) and item.get("type") in ("text", *MEDIA_TYPES)
