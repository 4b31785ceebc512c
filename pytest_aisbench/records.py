"""The finished, immutable record of one sample: what was asked, answered, extracted and decided.

Records cross xdist processes on ``report.user_properties`` as plain dicts, and land in the
JSON report the same way, so `to_dict` / `from_dict` are the one wire format.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

Outcome = Literal["correct", "incorrect", "no_answer", "truncated", "error"]
OUTCOMES: tuple[Outcome, ...] = ("correct", "incorrect", "no_answer", "truncated", "error")
ErrorKind = Literal["", "request", "backend", "config"]
"""What an ``error`` record's failure was (see `SampleRecord.error_kind`)."""
NOT_CREATED: tuple[ErrorKind, ...] = ("backend", "config")
"""The kinds whose error is the backend's, the same for each of its samples: said once."""
PROPERTY_NAME = "aisbench_sample"
"""The ``user_properties`` entry that carries a record."""


@dataclass(frozen=True)
class SampleRecord:
    """One sample's result for one model."""

    model: str
    """The backend's abbr."""
    dataset: str
    """The dataset's abbr."""
    index: int
    """The sample's position in its dataset."""
    outcome: Outcome
    prediction: str
    """The raw answer text (reasoning excluded)."""
    reasoning: str
    extracted: str | None
    """The answer the dataset's extractor found, or None."""
    reference: Any
    """The reference after the dataset's postprocessor (a string, or the evaluator's form)."""
    error: str
    """Why the request failed (``error`` outcome), else ''."""
    finish_reason: str | None
    input_tokens: int | None
    output_tokens: int | None
    token_source: str
    """``usage`` (the server's count), ``tokenizer``, ``events``, ``generate`` (a local
    model's own count) or '' when unknown."""
    attempts: int
    ttft_s: float | None
    """Time to the first event with text, from the send of the last attempt."""
    e2el_s: float | None
    """Time to the last event with text, from the send of the last attempt."""
    min_accuracy: float | None = None
    """The accuracy gate that applies to this record's (model, dataset), if any."""
    notes: str = ""
    """How the answer arrived, when worth saying (invalid UTF-8 replaced, tokens not counted),
    else ''."""
    error_kind: ErrorKind = ""
    """'' unless the outcome is ``error``: ``request`` (the request or the local ``generate``
    failed), ``backend`` (the backend object could not be created, so nothing was sent), or
    ``config`` (the same, because of its config: the session ends with exit status 4)."""
    prompt: str | list[Any] = ""
    """What was sent, as the backend's template parser rendered it: a string, or chat messages
    (a picture's base64 data shortened to its size)."""
    test_id: str = ""
    """The node id of the item that ran the sample, to pass back to pytest ('' when unknown)."""

    @property
    def key(self) -> tuple[str, str, int]:
        """Sort and identity key: (model, dataset, index)."""
        return (self.model, self.dataset, self.index)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SampleRecord:
        """Inverse of `to_dict`; unknown keys are ignored so old reports still load."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def record_from_properties(user_properties: list[Any]) -> SampleRecord | None:
    """The record on a test report, if it has one (tuples locally, lists after xdist)."""
    for entry in user_properties:
        name, value = entry
        if name == PROPERTY_NAME:
            return SampleRecord.from_dict(value)
    return None
