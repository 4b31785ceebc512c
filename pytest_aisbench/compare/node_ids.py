"""The pytest node ids of samples, so that flipped samples are named as a user reruns them
(``pytest 'suite.py::test_gsm8k[vllm_chat-gsm8k-12]'``)."""

from __future__ import annotations

RecordKey = tuple[str, str, int]
"""(model, dataset, index), as `SampleRecord.key`."""


class NodeIds:
    """Where each sample ran: this run's items first, then an earlier report's ``test_id``."""

    def __init__(self) -> None:
        self.current: dict[RecordKey, str] = {}
        """This run's records' ``test_id`` (the item that ran each; a resumed record's from
        its earlier run)."""
        self.baseline: dict[RecordKey, str] = {}
        """The baseline's ``test_id`` of its sample lines (v2 reports; '' or absent in v1)."""

    def of(self, key: RecordKey, baseline_key: RecordKey | None = None) -> str:
        """The id of `key`'s item in this run; else the baseline's id of `baseline_key` (the
        sample did not run now: ``-k``, or records carried from ``--aisbench-resume``); else
        the item id's parameter part, ``model-dataset-index``, which ``-k`` accepts."""
        found = self.current.get(key) or self.baseline.get(baseline_key or key)
        return found or "-".join(str(part) for part in key)
