"""Scorers: how a dataset written in pytest decides whether an answer is right.

A scorer is any callable ``score(prediction, reference, sample) -> Score | bool``: the answer
text (reasoning already left out), the sample's reference and the `Sample` itself. A config
may name one as ``"package.module:function"``. `exact_match` and `contains` are provided;
neither guesses: an answer they cannot read is wrong or, when empty, no answer.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_aisbench.errors import ConfigError

if TYPE_CHECKING:
    from pytest_aisbench.datasets.base import Sample


@dataclass(frozen=True)
class Score:
    """One answer, scored."""

    correct: bool


Scorer = Callable[[str, Any, "Sample"], "Score | bool"]


def _normal(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


def exact_match(prediction: str, reference: Any, sample: Sample) -> Score:
    """The answer is the reference (case and runs of spaces aside)."""
    return Score(_normal(prediction) == _normal(reference))


def contains(prediction: str, reference: Any, sample: Sample) -> Score:
    """The reference appears in the answer (case and runs of spaces aside)."""
    return Score(bool(_normal(reference)) and _normal(reference) in _normal(prediction))


def load_scorer(name: str) -> Scorer:
    """``"package.module:function"`` as the scorer it names."""
    module, _, attribute = name.partition(":")
    if not module or not attribute:
        raise ConfigError(f"scorer {name!r}: expected 'package.module:function'")
    try:
        found = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"scorer {name!r} cannot be loaded: {exc}") from None
    if not callable(found):
        raise ConfigError(f"scorer {name!r} is not callable")
    return found  # type: ignore[no-any-return]


def as_score(result: Any, scorer: Any) -> Score:
    """A scorer's answer as a `Score`: a bool is accepted as the verdict alone."""
    if isinstance(result, Score):
        return result
    if isinstance(result, bool):
        return Score(result)
    name = getattr(scorer, "__name__", repr(scorer))
    raise TypeError(f"scorer {name} returned {type(result).__name__}; expected Score or bool")
