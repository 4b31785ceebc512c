"""Resume: the finished records of an earlier report, reused instead of sent again."""

from __future__ import annotations

from typing import Any

from pytest_aisbench.errors import AisbenchError
from pytest_aisbench.items import SampleRef
from pytest_aisbench.options import Settings
from pytest_aisbench.records import SampleRecord
from pytest_aisbench.report import finished_records

RESUME_KEY = "aisbench_resume"
"""The ``workerinput`` entry carrying resumed records to xdist workers."""


class Resume:
    """The ``--aisbench-resume`` records of the selected backends, keyed by sample.

    The controller reads the report once and hands the records to xdist workers, so each
    process skips the same samples.
    """

    def __init__(
        self, settings: Settings, workerinput: dict[str, Any] | None, selected: set[str]
    ) -> None:
        self.settings = settings
        self.records = {record.key: record for record in self._read(workerinput, selected)}

    def _read(self, workerinput: dict[str, Any] | None, selected: set[str]) -> list[SampleRecord]:
        """The records to reuse: read by the controller, handed to xdist workers."""
        if workerinput is not None:
            rows = workerinput.get(RESUME_KEY, [])
            return [SampleRecord.from_dict(row) for row in rows]
        path = self.settings.resume_path
        if path is None:
            return []
        records, runs = finished_records(path)
        written_for = {r.model for r in records} | {
            str(m) for run in runs for m in run.get("models") or ()
        }
        if written_for and selected and not written_for & selected:
            found = ", ".join(sorted(written_for))
            raise AisbenchError(
                f"--aisbench-resume: {path} holds records of {found}, none of the selected "
                f"backends ({', '.join(sorted(selected))}); resume a report of this run's models"
            )
        return [r for r in records if r.model in selected]

    def hand_to(self, workerinput: dict[str, Any]) -> None:
        """Give an xdist worker the resumed records (the controller's)."""
        workerinput[RESUME_KEY] = [record.to_dict() for record in self.records.values()]

    def record(self, ref: SampleRef) -> SampleRecord | None:
        """This item's record from the resumed run, if it finished there."""
        return self.records.get((ref.model, ref.abbr, ref.index))

    @property
    def into_report(self) -> bool:
        """Whether ``--aisbench-resume`` names the report file itself."""
        resume, report = self.settings.resume_path, self.settings.report_path
        return resume is not None and report is not None and resume.resolve() == report.resolve()
