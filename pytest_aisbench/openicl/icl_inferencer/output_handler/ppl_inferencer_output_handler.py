"""`PPLRequestOutput`, which AISBench's API backends import for their perplexity hooks.

This plugin runs generation only; the class exists so those modules import, and carries
AISBench's two fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pytest_aisbench.models.output import RequestOutput


@dataclass
class PPLRequestOutput(RequestOutput):
    """A request's perplexity (``ppl``) and the prompt log-probabilities it came from."""

    ppl: float = 0.0
    origin_prompt_logprobs: Any = None
