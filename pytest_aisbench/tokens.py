"""Counting tokens with the tokenizer at a model's ``path``, when the server reports no usage."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_aisbench.errors import ConfigError

if TYPE_CHECKING:
    from pytest_aisbench.models.output import RequestOutput


class TokenCounter:
    """Counts tokens with a HuggingFace ``tokenizer.json`` (the `tokenizers` library, no torch).

    `path` is a model folder holding ``tokenizer.json`` or the file itself; `key` is the
    setting that gave it, named in errors.
    """

    def __init__(self, path: str, key: str = "path") -> None:
        self._tokenizer = load_tokenizer(path, key=key)

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`, without special tokens (what a model generates)."""
        return list(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def decode(self, ids: list[int]) -> str:
        return str(self._tokenizer.decode(ids))

    def count(self, text: str) -> int:
        """Tokens in `text`, without special tokens."""
        return len(self.encode(text))


def fill_output_tokens(output: RequestOutput, counter: TokenCounter | None) -> None:
    """Count a finished request's output tokens when the server sent no usage.

    With a tokenizer, its count of the reasoning and the answer (both are generated tokens, as
    in usage); without one, the number of text-bearing stream events. Runs after a request, never
    in the hot path; ``token_source`` says which count was used.
    """
    if not output.success:
        return
    if output.output_tokens is not None:
        output.token_source = output.token_source or "usage"  # a backend read the server's count
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

    if not str(path):
        raise ConfigError("no tokenizer: set it to a model folder holding tokenizer.json", key=key)
    file = Path(path).expanduser()
    if file.is_dir():
        file = file / "tokenizer.json"
    if not file.is_file():
        raise ConfigError(
            f"no tokenizer.json at {file}; give a model folder holding tokenizer.json, or the file",
            key=key,
        )
    return Tokenizer.from_file(str(file))
