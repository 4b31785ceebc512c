"""The session's JSON-lines report: which process writes which line, and when.

Every process appends its own samples the moment they finish (`report.JsonlReport` makes each
append durable); the controller alone writes the ``run`` line, the gates, the groups and the
perf runs.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pytest_aisbench.errors import AisbenchError, ConfigError
from pytest_aisbench.fingerprints import model_line
from pytest_aisbench.gates import AccuracyGate
from pytest_aisbench.groups import GroupRow
from pytest_aisbench.html import write_html
from pytest_aisbench.html.page import plotly_js
from pytest_aisbench.items import DatasetFacts
from pytest_aisbench.options import Settings
from pytest_aisbench.perf.measure import PerfRun
from pytest_aisbench.records import SampleRecord
from pytest_aisbench.report import JsonlReport
from pytest_aisbench.report_schema import SCHEMA_VERSION, load_report, plugin_version
from pytest_aisbench.session.backends import SelectedBackends
from pytest_aisbench.session.resume import Resume

REPORT_KEY = "aisbench_report"
"""The ``workerinput`` entry naming the report file, which workers append their samples to."""


class SessionReport:
    """This process's handle on ``--aisbench-report`` (`file` is None when there is none)."""

    def __init__(
        self,
        settings: Settings,
        workerinput: dict[str, Any] | None,
        backends: SelectedBackends,
        resume: Resume,
    ) -> None:
        self.settings = settings
        self.workerinput = workerinput
        self.backends = backends
        self.resume = resume
        self.file: JsonlReport | None = None
        self.html_written: Path | None = None
        self.html_failure = ""
        """Why the HTML page could not be written (a folder that cannot be written), or ''."""
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        """Where the report goes when only ``--aisbench-html`` asks for one."""

    def open(self) -> None:
        """Open the report before any request is sent (xdist workers append to the same file);
        the controller writes the ``run`` and ``model`` lines at once, so they come first.

        Resuming into the report's own path appends to it, so no old record is at risk.
        """
        path = self.settings.report_path
        if self.workerinput is None and self.settings.html_path is not None:
            plotly_js()  # a missing plotly is a usage error now, not after the run
            _check_writable(self.settings.html_path)
            if path is None:  # the page is made from the report: keep one for this session
                self._scratch = tempfile.TemporaryDirectory(prefix="aisbench-report-")
                path = Path(self._scratch.name) / "report.jsonl"
        if self.workerinput is not None:
            shared = self.workerinput.get(REPORT_KEY)
            self.file = JsonlReport(Path(shared), append=True) if shared else None
        elif path is not None:
            self.file = JsonlReport(path, append=self.resume.into_report)
            self._write_run_line()

    def hand_to(self, workerinput: dict[str, Any]) -> None:
        """Tell an xdist worker which file to append its samples to (the controller's)."""
        if self.file is not None:
            workerinput[REPORT_KEY] = str(self.file.path)

    def _write_run_line(self) -> None:
        """The ``run`` line, the resumed records carried over and one ``model`` line per
        backend (the controller's; which datasets ran is said at the end, by ``dataset``
        lines)."""
        assert self.file is not None
        info: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "plugin_version": plugin_version(),
            "models": [m.abbr for m in self.backends.models],
            "strict": self.settings.strict,
        }
        if self.settings.resume_path is not None:
            info["resumed_from"] = str(self.settings.resume_path)
        # records resumed from another file are carried into this one; the file itself
        # already holds them when resuming into it
        resumed = [record for _, record in sorted(self.resume.records.items())]
        carried = [] if self.resume.into_report else resumed
        self.file.write_run(info, carried)
        for model in self.backends.models:
            self.file.write("model", model_line(model))

    def write_sample(self, record: SampleRecord) -> None:
        """A finished sample's line, written by the process whose engine made it."""
        if self.file is not None:
            self.file.write("sample", record.to_dict())

    def write_gates(
        self,
        facts: Sequence[DatasetFacts],
        gates: Sequence[AccuracyGate],
        rows: Sequence[GroupRow],
    ) -> None:
        """The ``dataset`` lines of the datasets that ran, then the gate and group lines
        (controller, at session end)."""
        if self.file is not None:
            for fact in facts:
                self.file.write("dataset", fact.to_dict())
            for gate in gates:
                self.file.write("gate", gate.to_dict())
            for row in rows:
                self.file.write("group", row.to_dict())

    def write_perf(self, nodeid: str, run: PerfRun) -> None:
        """A finished perf run's line (controller), written the moment it arrives."""
        if self.file is not None:
            self.file.write("perf", {"item": nodeid, **run.to_dict()})

    def write_line(self, kind: str, data: dict[str, Any]) -> None:
        """A line the controller writes at session end, after the gates (``comparison``,
        ``perf_comparison``, ``baseline``: `session.comparisons`)."""
        if self.file is not None:
            self.file.write(kind, data)

    def finish(self, lines_wanted: bool) -> list[dict[str, Any]]:
        """Every line of the finished report (the controller's, at session end, after the
        comparisons), read back only when the HTML page or a hook wants them (`lines_wanted`);
        the page is made from them when ``--aisbench-html`` asks for it.

        Every result is already in the JSON report: a page that cannot be made (a folder that
        cannot be written, a renderer's bug) is `failure`, never a crash of the session.
        """
        html = self.settings.html_path
        if self.file is None or self.workerinput is not None or not (html or lines_wanted):
            return []
        try:
            lines = load_report(self.file.path, "--aisbench-report")
            if html is not None:
                write_html(html, lines)
                self.html_written = html
        except AisbenchError as exc:
            self.html_failure = f"--aisbench-html: {exc}"
            return []
        except Exception as exc:  # the report is safe: say what failed, never crash
            self.html_failure = (
                f"--aisbench-html: the page could not be made ({type(exc).__name__}: {exc}); "
                f"the JSON report {self.file.path} is complete: "
                "python -m pytest_aisbench.html renders it"
            )
            return []
        return lines

    @property
    def failure(self) -> str:
        """Why the report or its page could not be written in full (a full disk), or ''."""
        written = self.file.failure if self.file is not None else ""
        return "; ".join(why for why in (written, self.html_failure) if why)

    def close(self) -> None:
        """Close the file, whatever state the session ended in."""
        if self.file is not None:
            self.file.close()
            self.file = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None


def _check_writable(page: Path) -> None:
    """The page's folder exists (it is made) and can be written, before any request: a bad
    ``--aisbench-html`` is a usage error, not a failure after the whole run."""
    try:
        page.parent.mkdir(parents=True, exist_ok=True)
        why = "" if os.access(page.parent, os.W_OK) else "permission denied"
    except OSError as exc:
        why = exc.strerror or str(exc)
    if page.is_dir():
        why = "it is a folder"
    if why:
        raise ConfigError(
            f"--aisbench-html: cannot write {page}: {why}; give a file path in a folder you "
            "can write to"
        )
