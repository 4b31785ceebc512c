"""Request validation for the OpenAI-compatible API, with vLLM 0.32's checks and messages.

Kept apart from `openai` (the endpoints) and `openai_reply` (the bodies) because vLLM's
validation is the largest part of the protocol, and the part most often compared line by
line with vLLM's own error texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .common import Job as BaseJob
from .common import ProtocolError, is_int, optional_bool, string_list
from .config import SimulatorConfig
from .tokens import count_prompt_tokens

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


class OpenAIError(ProtocolError):
    """A request vLLM would refuse; becomes an OpenAI-style error body."""

    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(status, message)
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


_INVALID_STOP = OpenAIError(400, "`stop` must be a string or a list of strings.", "stop")


@dataclass(frozen=True)
class Job(BaseJob):
    """A validated chat or completions request."""

    model: str
    prompt_tokens: int
    stream: bool
    include_usage: bool
    include_stop_str: bool
    ignore_eos: bool
    min_tokens: int


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
        stop=string_list(body.get("stop"), _INVALID_STOP),
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
    if isinstance(prompt, list) and prompt and all(is_int(token) for token in prompt):
        return "", len(prompt)
    message = "`prompt` must be a string or a list of token ids (one prompt per request)."
    raise OpenAIError(400, message, "prompt")


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
        if not is_int(requested):
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
    """A boolean field; vLLM refuses any other JSON type."""
    return optional_bool(body, key, lambda _: OpenAIError(400, f"`{key}` must be a boolean.", key))


def _include_usage(body: dict[str, Any], stream: bool) -> bool:
    """``stream_options.include_usage``; vLLM refuses stream options without a stream."""
    options = body.get("stream_options")
    if options is None:
        return False
    if not stream:
        message = "Stream options can only be defined when `stream=True`."
        raise OpenAIError(400, message, "stream_options")
    if not isinstance(options, dict):
        raise OpenAIError(400, "`stream_options` must be an object.", "stream_options")
    return bool(options.get("include_usage"))


def _min_tokens(body: dict[str, Any]) -> int:
    """vLLM's ``min_tokens`` extension: the end is suppressed before that many tokens."""
    value = body.get("min_tokens", 0)
    if value is None:
        return 0
    if not is_int(value) or value < 0:
        raise OpenAIError(400, "min_tokens must be a non-negative integer.", "min_tokens")
    return value
