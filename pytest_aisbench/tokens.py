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


NO_TOKEN_COUNT = "no tokenizer count"
"""How a note about a failed token count starts (records' ``notes``, said once per backend)."""


class OutputTokenCounting:
    """Output-token counts for one backend's answers that came without the server's usage.

    The tokenizer at `path` is loaded on first need, once. A count is an extra, never the
    result: a tokenizer that cannot be loaded or that raises leaves ``output_tokens`` to the
    stream's events or None, and the output's ``notes`` say why (`problem` keeps the reason).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.problem = ""
        """Why the tokenizer could not be loaded, or ''."""
        self._counter: TokenCounter | None = None

    def fill(self, output: RequestOutput) -> None:
        """Set ``output_tokens`` and ``token_source`` where they are missing (see
        `fill_output_tokens`); a failure goes to ``output.notes``."""
        needed = output.success and output.output_tokens is None
        if needed and self.path and self._counter is None and not self.problem:
            try:
                self._counter = TokenCounter(self.path)
            except Exception as exc:  # a bad tokenizer.json raises what `tokenizers` raises
                self.problem = str(exc)
        try:
            fill_output_tokens(output, self._counter)
        except Exception as exc:
            _note(output, f"{NO_TOKEN_COUNT}: the tokenizer at {self.path} failed: {exc!r:.300}")
            fill_output_tokens(output, None)
            return
        if needed and self.problem:
            _note(output, f"{NO_TOKEN_COUNT}: {self.problem}")


def _note(output: RequestOutput, note: str) -> None:
    output.notes = f"{output.notes}; {note}" if output.notes else note


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
