"""Errors for one row of a family's file that is well formed JSON but not what the family needs
(a label outside its set, a field of the wrong shape), named by file and line like the readers'
own errors in `pytest_aisbench.datasets.files`.

`files.read_jsonl` skips blank lines, so a row's index is not always its line; the line is
looked up again only when an error is raised.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_aisbench.errors import DatasetError


def jsonl_line(path: str | Path, index: int) -> int | None:
    """The 1-based line of the `index`-th row that `read_jsonl` returned, or None if unreadable."""
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    seen = -1
    for number, line in enumerate(lines, start=1):
        if line.strip():
            seen += 1
            if seen == index:
                return number
    return None


def bad_row(path: str | Path, index: int, message: str) -> DatasetError:
    """The error for the `index`-th row of a JSON-lines file, naming the file and its line."""
    line = jsonl_line(path, index) if str(path).endswith(".jsonl") else None
    where = f"line {line}" if line is not None else f"row {index}"
    return DatasetError(f"{Path(path).absolute()}, {where}: {message}")


def lacks(row: dict[str, Any], column: str) -> str:
    """The message for a row without `column`, with the columns it has."""
    found = ", ".join(map(repr, row)) or "(none)"
    return f"no column {column!r}; columns found: {found}"
