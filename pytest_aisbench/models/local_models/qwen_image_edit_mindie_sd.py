"""AISBench's MindIE-SD image-editing backend (Ascend NPUs only): not provided here.

The module exists so that AISBench's config for it, after the rename, fails with one message
naming the class instead of a bare ``ModuleNotFoundError``.
"""

from __future__ import annotations

from typing import Any

from pytest_aisbench.models import missing_backend


def __getattr__(name: str) -> Any:
    if name == "QwenImageEditModel":
        raise missing_backend(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
