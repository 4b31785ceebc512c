"""`BaseModel`: the AISBench base class of every backend, and of local ones (weights in process).

A local backend implements `generate`. The rest of AISBench's model API is here for the
backends that call it: the template parser (`parse_template`), the tokenizer at ``path`` or
``tokenizer_path`` (`encode`, `decode`, `get_token_len`, `get_token_len_from_template`) and
`sync_inputs` for multi-process runs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pytest_aisbench.models.template import LMTemplateParser
from pytest_aisbench.tokens import TokenCounter
from pytest_aisbench.utils.prompt import PromptList, PromptType


class BaseModel:
    """A local backend: subclass it and implement `generate`.

    The engine calls `generate` with up to ``batch_size`` prompts at a time, already rendered
    by `parse_template`, in a worker thread, so a slow model never blocks the other backends.
    Every config key is an attribute before ``__init__`` runs (see ``ModelConfig.build``).
    """

    is_api: bool = False
    abbr: str = ""
    """The backend's name in ids and reports (the config's ``abbr``)."""
    group_by_length: bool = False
    """Whether the engine may batch this model's prompts by length (longest first) instead of
    in dataset order: less padding per batch; each answer still goes to its own sample."""

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
        self.template_parser: Any = LMTemplateParser(meta_template)
        self.eos_token_id = (meta_template or {}).get("eos_token_id")
        self.generation_kwargs = dict(generation_kwargs or {})
        self.sync_rank = sync_rank
        self.is_synthetic = False
        self.abbr = self.abbr or str(kwargs.get("abbr") or type(self).__name__)
        self.logger = logging.getLogger(f"pytest_aisbench.models.{self.abbr}")
        self._token_counter: TokenCounter | None = None

    @classmethod
    def check_config(cls, settings: Mapping[str, Any], source: str) -> None:
        """Check the config's keys before anything runs; raise `ConfigError` naming the key.

        Called when the backend file is loaded (config validation), so a missing package or
        weights folder stops the session with exit status 4 instead of failing every sample.
        `settings` are the keys given to the class. Cheap checks only: nothing is loaded here.
        """

    def generate(self, inputs: list[PromptType], max_out_len: int, **kwargs: Any) -> list[str]:
        """One completion per input, in order; must be overridden."""
        raise NotImplementedError(f"{type(self).__name__} must implement generate()")

    def close(self) -> None:
        """Release what the model holds (weights, devices) at the session's end; no-op here."""

    def parse_template(self, prompt_template: Any, mode: str = "gen") -> Any:
        """The prompt as this model is sent it (see `pytest_aisbench.models.template`)."""
        return self.template_parser.parse_template(prompt_template, mode)

    # -- the tokenizer at ``tokenizer_path`` or ``path`` ------------------------------------------

    @property
    def token_counter(self) -> TokenCounter:
        """The tokenizer, loaded on first use; no tokenizer is a `ConfigError` naming the key."""
        if self._token_counter is None:
            key = "tokenizer_path" if getattr(self, "tokenizer_path", "") else "path"
            self._token_counter = TokenCounter(str(getattr(self, key, "") or ""), key=key)
        return self._token_counter

    def encode(self, prompt: str) -> list[int]:
        """Token ids of `prompt`, without special tokens."""
        return self.token_counter.encode(prompt)

    def decode(self, tokens: list[int]) -> str:
        """Text of token ids."""
        return self.token_counter.decode(tokens)

    def get_token_len(self, prompt: str) -> int:
        """Number of tokens in `prompt`."""
        return len(self.encode(prompt))

    def get_token_len_from_template(self, templates: Any, mode: str = "ppl") -> int | list[int]:
        """Token counts of rendered templates: one for a prompt, a list for a batch."""
        rendered = self.parse_template(templates, mode=mode)
        batch = isinstance(rendered, list) and not isinstance(rendered, PromptList)
        counts = [self.get_token_len(str(p)) for p in (rendered if batch else [rendered])]
        return counts if batch else counts[0]

    def set_synthetic(self) -> None:
        self.is_synthetic = True

    def sync_inputs(self, inputs: Any) -> Any:
        """Rank 0's inputs on every rank when ``torch.distributed`` is initialised, else as is."""
        try:
            import torch.distributed as dist
        except ImportError:
            return inputs
        if not (dist.is_available() and dist.is_initialized()):
            return inputs
        box = [inputs if dist.get_rank() == 0 else None]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(abbr={self.abbr!r}, path={self.path!r})"
