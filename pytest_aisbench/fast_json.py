"""JSON with the standard library's meaning at orjson's speed, when the extra ``fast`` installed
orjson: the one place that imports it (the transports' bodies and events, dataset rows).

orjson decodes a few times faster; what it refuses and the standard library takes (NaN,
integers beyond 64 bits, lone surrogates) falls back to the standard library, so a text means
the same with or without the extra.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - depends on the extra ``fast``
    orjson = None  # type: ignore[assignment]


def loads(text: str | bytes) -> Any:
    """As `json.loads`: a `ValueError` (`json.JSONDecodeError`) for what is not JSON."""
    if orjson is not None:
        try:
            return orjson.loads(text)
        except ValueError:
            pass
    return json.loads(text)


def dumps(body: Any) -> bytes:
    """`body` as compact UTF-8 JSON (non-string keys written as strings, as json does)."""
    if orjson is not None:
        try:
            return orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
        except TypeError:  # e.g. integers beyond 64 bits
            pass
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
