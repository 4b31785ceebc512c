"""JSON in and out of the transports (`pytest_aisbench.fast_json`: orjson when the extra
``fast`` installed it), with a body that is not JSON as a `ResponseError`."""

from __future__ import annotations

import json
from typing import Any

from pytest_aisbench import fast_json
from pytest_aisbench.errors import ResponseError


def parse_json(text: str) -> Any:
    """`text` as JSON; a body that is not JSON is a `ResponseError` quoting its start."""
    try:
        return fast_json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResponseError(f"invalid JSON from server ({exc.msg}): {text[:200]!r}") from exc


def dump_json(body: Any) -> bytes:
    """`body` as compact UTF-8 JSON."""
    return fast_json.dumps(body)
