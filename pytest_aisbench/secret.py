"""A string that never shows itself in reprs, logs, reports or test ids."""

from __future__ import annotations

import base64
from urllib.parse import quote


class Secret(str):
    """An api key: usable as a string where it is sent, masked wherever it is displayed."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')" if self else "Secret('')"

    def masked(self) -> str:
        """What to print instead of the value."""
        return "***" if self else ""


def scrub(text: str, secret: str) -> str:
    """`text` without `secret` in any form it could take in an error message: as it is,
    stripped, base64-encoded (alone or as HTTP basic credentials) or percent-encoded."""
    key = str(secret).strip()
    if not key or not text:
        return text
    forms = {str(secret), key, quote(key, safe=""), *_base64_forms(key)}
    for form in sorted((f for f in forms if f), key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def _base64_forms(key: str) -> list[str]:
    raw = key.encode()
    return [base64.b64encode(value).decode().rstrip("=") for value in (raw, b":" + raw)]
