"""Counting tokens with the tokenizer at a model's ``path``, when the server reports no usage."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_aisbench.errors import ConfigError

if TYPE_CHECKING:
    from pytest_aisbench.models.output import RequestOutput


class TokenCounter:
    """Counts tokens with a HuggingFace ``tokenizer.json`` (the `tokenizers` library, no torch).

    `path` is a model folder holding ``tokenizer.json`` or the file itself.
    """

    def __init__(self, path: str) -> None:
        self._tokenizer = load_tokenizer(path, key="path")

    def count(self, text: str) -> int:
        """Tokens in `text`, without special tokens (what the model generated)."""
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


def fill_output_tokens(output: RequestOutput, counter: TokenCounter | None) -> None:
    """Count a finished request's output tokens when the server sent no usage.

    With a tokenizer, its count of the reasoning and the answer (both are generated tokens, as
    in usage); without one, the number of text-bearing stream events. Runs after a request, never
    in the hot path; ``token_source`` says which count was used.
    """
    if not output.success or output.output_tokens is not None:
        return
    if counter is not None:
        output.output_tokens = counter.count(output.reasoning_content) + counter.count(
            output.content
        )
        output.token_source = "tokenizer"
    elif len(output.event_times_ns) > 1:
        output.output_tokens = len(output.content_times_ns)
        output.token_source = "events"


def load_tokenizer(path: str | Path, key: str) -> Any:
    """A `tokenizers.Tokenizer` from ``tokenizer.json`` or a folder holding it; `key` names the
    setting that gave `path` in the error."""
    from tokenizers import Tokenizer

    file = Path(path).expanduser()
    if file.is_dir():
        file = file / "tokenizer.json"
    if not file.is_file():
        raise ConfigError(
            f"no tokenizer.json at {file}; give a model folder holding tokenizer.json, or the file",
            key=key,
        )
    return Tokenizer.from_file(str(file))
