"""Short digests of what decides a run's scores, so a comparison with a baseline can say what
changed besides the model: the dataset config file, its rows, the prompts its template made,
its scorer, and each backend's config.

A digest is the first 16 hex digits of a SHA-256 over a canonical form: JSON with sorted keys,
classes and functions by their qualified name. It says "same" or "changed", nothing more.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pytest_aisbench.secret import Secret

if TYPE_CHECKING:
    from pytest_aisbench.config import ModelConfig
    from pytest_aisbench.datasets.base import DatasetConfig, Sample

ADDRESS_KEYS = frozenset({"url", "host_ip", "host_port"})
"""Backend keys left out of its fingerprint: where the server listens (a port that CI picks
anew each run) is not what it serves."""


def digest(value: Any) -> str:
    """The digest of a JSON-like value (dicts, lists, strings, numbers, classes, functions)."""
    text = json.dumps(_keyed(value), sort_keys=True, default=_named, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _keyed(value: Any) -> Any:
    """`value` with every dict key a string (a label template's keys may be ints or tuples,
    which JSON cannot sort or write)."""
    if isinstance(value, dict):
        return {_key(key): _keyed(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_keyed(item) for item in value]
    return value


def _key(key: Any) -> str:
    return key if isinstance(key, str) else f"{type(key).__name__}:{key!r}"


def _named(value: Any) -> str:
    """A class or function by its qualified name, bytes by their digest, a partial by its
    function and arguments, any other object by its type (never its repr: that may hold a
    memory address, different each run)."""
    if isinstance(value, (bytes, bytearray)):
        return hashlib.sha256(value).hexdigest()
    if isinstance(value, functools.partial):
        return f"{_named(value.func)}{digest([value.args, value.keywords])}"
    name = getattr(value, "__qualname__", None)
    if name is not None:
        return f"{getattr(value, '__module__', '')}.{name}"
    if isinstance(value, (tuple, set, frozenset)):
        return digest(
            sorted(value, key=repr) if isinstance(value, (set, frozenset)) else list(value)
        )
    return type(value).__qualname__


def dataset_fingerprint(config: DatasetConfig, samples: Sequence[Sample]) -> dict[str, str]:
    """``config`` (a config file's dataset dict), ``data`` (the rows and references that ran),
    ``prompt_template`` (the prompts the template and retriever made of them) and ``scorer``
    (the evaluator and postprocessors with the stop words, or the extractor and comparison of a
    dataset without a config file)."""
    firsts = [sample for sample in samples if sample.repeat == 0]
    described = config.described
    scorer = [
        described.get("scorer", [config.extract, config.extract_for, config.compare]),
        list(config.stop_words),
    ]
    return {
        "config": digest(described["config"]) if "config" in described else "",
        "data": digest([[s.row, s.reference] for s in firsts]),
        "prompt_template": digest([s.prompt for s in firsts]),
        "scorer": digest(scorer),
    }


def model_line(model: ModelConfig) -> dict[str, Any]:
    """A backend's report line: its abbr, class and the fingerprint of its config (no secret,
    no address)."""
    kind = f"{model.cls.__module__}.{model.cls.__qualname__}"
    keys = {**model.settings, **model.plugin_keys}
    kept = {k: v for k, v in keys.items() if k not in ADDRESS_KEYS and not isinstance(v, Secret)}
    return {"abbr": model.abbr, "class": kind, "fingerprint": digest({"class": kind, **kept})}
