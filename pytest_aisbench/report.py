"""The JSON Lines report: one line per sample as it finishes, then the aggregates.

Each line is flushed as written, so a run that is interrupted keeps every record it had.
Line types: ``run`` (first), ``sample`` (a `SampleRecord`), ``gate`` (an accuracy gate).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import IO, Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.records import SampleRecord


class JsonlReport:
    """Appends JSON lines to one file; the ``run`` line comes first, once the run is known."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: IO[str] | None = path.open("w", encoding="utf-8")
        self.started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.has_run_line = False

    def write_run(self, run_info: dict[str, Any]) -> None:
        """The ``run`` line: what was selected, the datasets that run among it."""
        if not self.has_run_line:
            self.has_run_line = True
            self.write("run", {"started": self.started, **run_info})

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


def finished_records(path: Path) -> list[SampleRecord]:
    """The records of an earlier run worth keeping: every sample that did not end in error.

    A line cut short by a killed run (the last one) is skipped; any other bad line is an error
    naming the file and line.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"--aisbench-resume: cannot read {path}: {exc.strerror}") from None
    records: dict[tuple[str, str, int], SampleRecord] = {}
    for number, line in enumerate(lines, start=1):
        try:
            data = json.loads(line)
            if data.get("type") == "sample":
                record = SampleRecord.from_dict(data)
                records[record.key] = record
        except (ValueError, TypeError, AttributeError) as exc:
            if number == len(lines):
                break  # the line a killed run was writing
            raise ConfigError(
                f"--aisbench-resume: {path}, line {number}: not a report line ({exc})"
            ) from None
    return [r for r in records.values() if r.outcome != "error"]
