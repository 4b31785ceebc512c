"""Counting tokens with the tokenizer at a model's ``path``, when the server reports no usage."""

from __future__ import annotations

from pathlib import Path

from pytest_aisbench.errors import ConfigError


class TokenCounter:
    """Counts tokens with a HuggingFace ``tokenizer.json`` (the `tokenizers` library, no torch).

    `path` is a model folder holding ``tokenizer.json`` or the file itself.
    """

    def __init__(self, path: str) -> None:
        from tokenizers import Tokenizer

        file = Path(path).expanduser()
        if file.is_dir():
            file = file / "tokenizer.json"
        if not file.is_file():
            raise ConfigError(
                f"no tokenizer.json at {file}; set it to a model folder holding tokenizer.json",
                key="path",
            )
        self._tokenizer = Tokenizer.from_file(str(file))

    def count(self, text: str) -> int:
        """Tokens in `text`, without special tokens (what the model generated)."""
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)
