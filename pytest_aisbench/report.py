"""The JSON Lines report: one line per sample the moment it finishes, then the aggregates.

Line types: ``run`` (one per session that wrote to the file), ``sample`` (a `SampleRecord`),
``gate`` (an accuracy gate), ``group`` (a group row of `groups.GroupRow`: both averages and the
group gate), ``perf``. Each line is one ``write`` to a file opened for
appending, so the processes of one session (xdist workers write their own samples) never cut
each other's lines, and a run killed at any moment keeps every line it had written.

A report is never worth less after a run than before it: resuming into the report's own path
appends to it (its old records stay, the resumed run adds the missing ones); any other path is
written anew, starting with the records carried over from the resumed report.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.records import OUTCOMES, SampleRecord
from pytest_aisbench.report_schema import check_version, report_lines


class JsonlReport:
    """One report file, shared by the session's processes; the ``run`` line comes first."""

    def __init__(self, path: Path, append: bool) -> None:
        """Open `path` (its folder is made); a path that cannot be written is a `ConfigError`."""
        self.path = path
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | (0 if append else os.O_TRUNC)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if append:
                _drop_cut_last_line(path)
            self._fd: int | None = os.open(path, flags, 0o644)
        except OSError as exc:
            raise ConfigError(
                f"--aisbench-report: cannot write {path}: {exc.strerror or exc}; give a file "
                "path in a folder you can write to"
            ) from None
        self.started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.has_run_line = False
        self.samples_written = 0
        self.failure = ""
        """Why writing stopped (a full disk), or ''."""
        self._lock = threading.Lock()

    def write_run(self, run_info: dict[str, Any], carried: Sequence[SampleRecord] = ()) -> None:
        """The ``run`` line, then the `carried` records (resumed from another report)."""
        if not self.has_run_line:
            self.has_run_line = True
            self.write("run", {"started": self.started, **run_info})
            for record in carried:
                self.write("sample", record.to_dict())

    def write(self, kind: str, data: dict[str, Any]) -> None:
        """Add one line; after a failed write (a full disk) nothing more is written."""
        line = (json.dumps({"type": kind, **data}, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            if self._fd is None:
                return
            try:
                view = memoryview(line)
                while view:
                    view = view[os.write(self._fd, view) :]
            except OSError as exc:
                self.failure = (
                    f"writing {self.path} failed after {self.samples_written} sample records "
                    f"({exc.strerror or exc}); the lines written before are complete and valid"
                )
                self._close()
                return
            self.samples_written += kind == "sample"

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _drop_cut_last_line(path: Path) -> None:
    """Remove the unfinished last line a killed run left, so appended lines start clean."""
    if not path.is_file():
        return
    with path.open("rb+") as file:
        size = file.seek(0, os.SEEK_END)
        if size == 0:
            return
        file.seek(max(0, size - 1))
        if file.read(1) == b"\n":
            return
        file.seek(0)
        data = file.read()
        file.truncate(data.rfind(b"\n") + 1)


def read_report(path: Path) -> list[dict[str, Any]]:
    """Every line of a report, decoded (for tests and tools)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def finished_records(path: Path) -> tuple[list[SampleRecord], list[dict[str, Any]]]:
    """The records of an earlier run worth keeping (every sample not ended in error), and its
    ``run`` lines (what it ran, to check it against this run).

    A line cut short by a killed run (the last one) is skipped; any other bad line, a record
    that is not one (unknown outcome, attempts not an integer), a file that is not a report or
    one of a newer schema version is an error naming the file (and the line).
    """
    option = "--aisbench-resume"
    records: dict[tuple[str, str, int], SampleRecord] = {}
    runs: list[dict[str, Any]] = []
    lines = report_lines(path, option)
    for number, data in lines:
        if data["type"] == "run":
            runs.append(data)
        elif data["type"] == "sample":
            try:
                record = checked_record(data)
            except (ValueError, TypeError, KeyError) as exc:
                raise ConfigError(
                    f"{option}: {path}, line {number}: not a report line ({exc})"
                ) from None
            records[record.key] = record
    if not runs and lines:
        raise ConfigError(f"{option}: {path} is not an aisbench report (it has no run line)")
    check_version(runs, path, option)
    return [r for r in records.values() if r.outcome != "error"], runs


def checked_record(data: dict[str, Any]) -> SampleRecord:
    """A report's sample line as a record; one that could not have been written is refused."""
    record = SampleRecord.from_dict(data)
    if record.outcome not in OUTCOMES:
        raise ValueError(f"outcome {record.outcome!r} is none of {', '.join(OUTCOMES)}")
    for key in ("index", "attempts"):
        value = getattr(record, key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{key} {value!r} is not an integer >= 0")
    if not (isinstance(record.model, str) and isinstance(record.dataset, str)):
        raise ValueError("model and dataset must be strings")
    return record
