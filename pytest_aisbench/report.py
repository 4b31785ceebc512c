"""The JSON Lines report: one line per sample as it finishes, then the aggregates.

Each line is flushed as written, so a run that is interrupted keeps every record it had.
Line types: ``run`` (first), ``sample`` (a `SampleRecord`), ``gate`` (an accuracy gate).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import IO, Any


class JsonlReport:
    """Appends JSON lines to one file."""

    def __init__(self, path: Path, run_info: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: IO[str] | None = path.open("w", encoding="utf-8")
        self.write("run", {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **run_info})

    def write(self, kind: str, data: dict[str, Any]) -> None:
        """Add one line and flush it."""
        if self._file is None:
            return
        self._file.write(json.dumps({"type": kind, **data}, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def read_report(path: Path) -> list[dict[str, Any]]:
    """Every line of a report, decoded (for tests and tools)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
