"""A string that never shows itself in reprs, logs, reports or test ids."""

from __future__ import annotations


class Secret(str):
    """An api key: usable as a string where it is sent, masked wherever it is displayed."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')" if self else "Secret('')"

    def masked(self) -> str:
        """What to print instead of the value."""
        return "***" if self else ""
