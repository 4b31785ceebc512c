"""What one generated item evaluates, and what the controller must know of its dataset.

Item ids are made from `SampleRef` and never parsed back; the controller, which under xdist
compiles no dataset, learns the config name, the size, the repeats and the fingerprint of each
dataset its records belong to from the facts an item's report carries (`DatasetFacts`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

FACTS_PROPERTY = "aisbench_dataset"
"""The ``user_properties`` entry carrying an item's `DatasetFacts` (also in JUnit XML)."""


@dataclass(frozen=True)
class DatasetFacts:
    """A dataset as the controller's gates and groups need it."""

    abbr: str
    name: str
    """How it was selected: the config file's name (or a custom file, or a declared abbr)."""
    size: int
    """Samples in it (every repeat counted): gates over a subset say what they cover."""
    repeats: int = 1
    """Answers per row (the config's ``n``)."""
    k: tuple[int, ...] = (1,)
    """The pass@k values the config asks for (its ``k``)."""
    fingerprint: tuple[tuple[str, str], ...] = ()
    """`fingerprints.dataset_fingerprint`'s digests, as (name, digest) pairs (hashable)."""

    def to_dict(self) -> dict[str, Any]:
        """The report's ``dataset`` line (and the item's user property)."""
        return {**asdict(self), "k": list(self.k), "fingerprint": dict(self.fingerprint)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DatasetFacts:
        return cls(
            **{
                **data,
                "k": tuple(data.get("k", (1,))),
                "fingerprint": tuple(sorted(dict(data.get("fingerprint") or {}).items())),
            }
        )


@dataclass(frozen=True)
class SampleRef:
    """One item: a model, a dataset, a sample; its id is ``model-abbr-index``."""

    model: str
    facts: DatasetFacts
    index: int
    min_accuracy: float | None

    @property
    def dataset(self) -> str:
        """The name that selected the dataset."""
        return self.facts.name

    @property
    def abbr(self) -> str:
        return self.facts.abbr

    @property
    def id(self) -> str:
        return f"{self.model}-{self.abbr}-{self.index}"
