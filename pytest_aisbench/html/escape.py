"""Putting report text into a page safely: prompts and answers are arbitrary text from users
and models, and routinely hold HTML, ``</script>`` and invalid numbers."""

from __future__ import annotations

import html
import json
import math
from typing import Any


def text(value: Any) -> str:
    """`value` as HTML text (quotes escaped too, so it is safe in an attribute)."""
    return html.escape("" if value is None else str(value), quote=True)


def script_json(value: Any) -> str:
    """`value` as JSON to place inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` become ``\\u003c`` and so on, so no ``</script>`` or ``<!--`` in the
    data can end the element early; ``JSON.parse`` reads the escapes back as the characters.
    Non-finite floats become ``null``: ``JSON.parse`` refuses ``NaN``.
    """
    encoded = json.dumps(finite(value), ensure_ascii=False, separators=(",", ":"))
    return (
        encoded.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def finite(value: Any) -> Any:
    """`value` with every NaN or infinite float replaced by None (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


class Markup(str):
    """HTML made by this package (already escaped); `cell` leaves it as it is."""


def cell(value: Any) -> str:
    """A table cell's content: `Markup` as it is, anything else escaped as text."""
    return value if isinstance(value, Markup) else text(value)
