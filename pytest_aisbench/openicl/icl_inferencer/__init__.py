"""How a dataset's prompts are run (AISBench path: ``openicl.icl_inferencer``).

`GenInferencer` is generation, the one kind this plugin runs: its ``stopping_criteria`` become
the dataset's stop words (an answer is read up to the first of them) and OpenCompass's
``max_out_len=`` is the dataset's output limit. AISBench swallows keys it does not know; here an
unknown key is an error naming it. `PPLInferencer` (perplexity of label templates) and the other
inferencers exist so the configs that name them import; running one is refused with the reason.
"""

from __future__ import annotations

from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.registry import ICL_INFERENCERS


@ICL_INFERENCERS.register_module()
class GenInferencer:
    """Generation: one answer per prompt."""

    runnable = True

    def __init__(
        self,
        stopping_criteria: list[str] | tuple[str, ...] = (),
        max_out_len: int | None = None,
        batch_size: int = 1,
        gen_field_replace_token: str = "",
        save_every: int | None = None,
        max_seq_len: int | None = None,
        min_out_len: int | None = None,
    ) -> None:
        """AISBench's and OpenCompass's keys; ``batch_size``, ``save_every``, ``max_seq_len``
        and ``min_out_len`` are accepted and left to the backend (its own keys decide)."""
        if isinstance(stopping_criteria, str) or not all(
            isinstance(s, str) and s for s in stopping_criteria
        ):
            raise ConfigError(
                f"stopping_criteria must be a list of non-empty strings, not {stopping_criteria!r}"
            )
        if max_out_len is not None and (not isinstance(max_out_len, int) or max_out_len < 1):
            raise ConfigError(f"max_out_len must be a positive int, not {max_out_len!r}")
        self.stopping_criteria = tuple(stopping_criteria)
        self.max_out_len = max_out_len
        self.gen_field_replace_token = gen_field_replace_token


class _NotRun:
    """An inferencer this plugin does not run yet; building the config says so."""

    runnable = False
    why = ""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs


@ICL_INFERENCERS.register_module()
class PPLInferencer(_NotRun):
    why = (
        "perplexity configs score each label's template by the prompt's log-probabilities, "
        "which pytest-aisbench does not ask servers for yet; use the family's gen config"
    )


@ICL_INFERENCERS.register_module()
class MultiTurnGenInferencer(_NotRun):
    why = "multi-turn configs are not run yet; use a single-turn gen config"


@ICL_INFERENCERS.register_module()
class LMMGenInferencer(_NotRun):
    why = "multimodal configs are not run yet"


__all__ = ["GenInferencer", "LMMGenInferencer", "MultiTurnGenInferencer", "PPLInferencer"]
