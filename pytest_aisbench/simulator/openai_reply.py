"""Response bodies of the OpenAI-compatible API, field for field as vLLM 0.32 writes them.

Kept apart from `openai` (the endpoints) so that the long, data-only body builders do not
hide the request flow; see `openai`'s docstring for the facts the shapes follow.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from .openai_request import Job
from .tokens import Generation

SYSTEM_FINGERPRINT = "vllm-0.32.0-simulator"


@dataclass(frozen=True)
class Shape:
    """What differs between the chat and the completions protocol."""

    chat: bool
    id_prefix: str
    response_object: str
    chunk_object: str


CHAT = Shape(True, "chatcmpl-", "chat.completion", "chat.completion.chunk")
TEXT = Shape(False, "cmpl-", "text_completion", "text_completion")


class Reply:
    """Builds the bodies of one response: the full one, or its stream chunks."""

    def __init__(self, shape: Shape, job: Job, generation: Generation) -> None:
        self.shape = shape
        self.job = job
        self.generation = generation
        self.id = shape.id_prefix + uuid.uuid4().hex[:16]
        self.created = int(time.time())

    def _head(self, object_name: str) -> dict[str, Any]:
        """The fields every body and chunk of this response starts with."""
        return {
            "id": self.id,
            "object": object_name,
            "created": self.created,
            "model": self.job.model,
        }

    def _usage(self) -> dict[str, Any]:
        """Token counts in vLLM's key order."""
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
