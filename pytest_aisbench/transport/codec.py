"""JSON in and out of the transports: orjson when the extra ``fast`` installed it.

The one place that imports orjson, so each transport and the simulator stay free of the
optional import. orjson decodes a stream event a few times faster than the standard library;
what it refuses (NaN, integers beyond 64 bits) falls back to the standard library.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pytest_aisbench.errors import ResponseError

_fast_loads: Callable[[str], Any] | None = None
_fast_dumps: Callable[[Any], bytes] | None = None
try:
    import orjson
except ImportError:  # pragma: no cover - depends on the extra ``fast``
    pass
else:
    _fast_loads = orjson.loads

    def _orjson_dumps(body: Any) -> bytes:
        return orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)

    _fast_dumps = _orjson_dumps


def parse_json(text: str) -> Any:
    """`text` as JSON; a body that is not JSON is a `ResponseError` quoting its start."""
    if _fast_loads is not None:
        try:
            return _fast_loads(text)
        except ValueError:
            pass
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResponseError(f"invalid JSON from server ({exc.msg}): {text[:200]!r}") from exc


def dump_json(body: Any) -> bytes:
    """`body` as compact UTF-8 JSON."""
    if _fast_dumps is not None:
        try:
            return _fast_dumps(body)
        except TypeError:  # e.g. integers beyond 64 bits
            pass
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
