"""`BaseModel`: the AISBench base class of local backends (weights loaded in this process)."""

from __future__ import annotations

import logging
from typing import Any

from pytest_aisbench.tokens import TokenCounter
from pytest_aisbench.utils.prompt import PromptType


class BaseModel:
    """A local backend: subclass it and implement `generate`.

    The engine calls `generate` with up to ``batch_size`` inputs at a time, in a worker thread,
    so a slow model never blocks the other backends' requests.
    """

    is_api: bool = False

    def __init__(
        self,
        path: str = "",
        max_seq_len: int = 2048,
        tokenizer_only: bool = False,
        meta_template: dict[str, Any] | None = None,
        generation_kwargs: dict[str, Any] | None = None,
        sync_rank: bool = False,
        **kwargs: Any,
    ) -> None:
        self.path = path
        self.max_seq_len = max_seq_len
        self.tokenizer_only = tokenizer_only
        self.meta_template = meta_template
        self.generation_kwargs = dict(generation_kwargs or {})
        self.sync_rank = sync_rank
        self.abbr = str(kwargs.get("abbr", type(self).__name__))
        self.logger = logging.getLogger(f"pytest_aisbench.models.{self.abbr}")
        self._token_counter: TokenCounter | None = None

    def generate(self, input: list[PromptType], max_out_len: int, **kwargs: Any) -> list[str]:
        """One completion per input; must be overridden."""
        raise NotImplementedError(f"{type(self).__name__} must implement generate()")

    def get_token_len(self, prompt: str) -> int:
        """Number of tokens in `prompt`, with the tokenizer at ``path``."""
        if self._token_counter is None:
            self._token_counter = TokenCounter(self.path)
        return self._token_counter.count(prompt)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(abbr={self.abbr!r}, path={self.path!r})"
