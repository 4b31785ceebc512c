"""Summaries of one metric's raw samples: `Stats`, with numpy's percentile arithmetic."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

PERCENTILES: tuple[tuple[str, float], ...] = (
    ("p50", 50.0),
    ("p90", 90.0),
    ("p95", 95.0),
    ("p99", 99.0),
    ("p999", 99.9),
)


def percentile(sorted_samples: tuple[float, ...], q: float) -> float:
    """numpy's default (``linear``) percentile of already sorted samples, without numpy.

    Mirrors numpy's arithmetic (virtual index ``(n - 1) * q / 100`` and its two-sided lerp) so
    the results agree to the last bit, not just approximately.
    """
    if not sorted_samples:
        raise ValueError("percentile of no samples")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile must be within [0, 100], got {q}")
    n = len(sorted_samples)
    virtual = (n - 1) * (q / 100.0)
    lower = min(math.floor(virtual), n - 1)
    upper = min(lower + 1, n - 1)
    a, b = sorted_samples[lower], sorted_samples[upper]
    t = virtual - lower
    diff = b - a
    return b - diff * (1.0 - t) if t >= 0.5 else a + diff * t


@dataclass(frozen=True)
class Stats:
    """Raw samples of one metric (seconds) and their summary.

    Keeping the samples is what makes merging exact: workers' results combine by concatenation
    (`Stats.merge`), never by averaging percentiles. Summaries of no samples are ``None``.
    """

    samples: tuple[float, ...] = ()
    """The samples, sorted at construction."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "samples", tuple(sorted(float(x) for x in self.samples)))

    @classmethod
    def of(cls, samples: Iterable[float]) -> Stats:
        return cls(tuple(samples))

    @classmethod
    def merge(cls, *parts: Stats) -> Stats:
        """The statistics of all parts' samples together."""
        return cls(tuple(x for part in parts for x in part.samples))

    @property
    def count(self) -> int:
        return len(self.samples)

    @cached_property
    def mean(self) -> float | None:
        return math.fsum(self.samples) / self.count if self.samples else None

    @cached_property
    def std(self) -> float | None:
        """Population standard deviation (``np.std``'s default, as vLLM reports)."""
        mean = self.mean
        if mean is None:
            return None
        return math.sqrt(math.fsum((x - mean) ** 2 for x in self.samples) / self.count)

    @property
    def min(self) -> float | None:
        return self.samples[0] if self.samples else None

    @property
    def max(self) -> float | None:
        return self.samples[-1] if self.samples else None

    def percentile(self, q: float) -> float | None:
        return percentile(self.samples, q) if self.samples else None

    @property
    def median(self) -> float | None:
        return self.percentile(50.0)

    @property
    def p50(self) -> float | None:
        return self.percentile(50.0)

    @property
    def p90(self) -> float | None:
        return self.percentile(90.0)

    @property
    def p95(self) -> float | None:
        return self.percentile(95.0)

    @property
    def p99(self) -> float | None:
        return self.percentile(99.0)

    @property
    def p999(self) -> float | None:
        return self.percentile(99.9)

    def stat(self, name: str) -> float | None:
        """A summary by name (``mean``, ``p99``...), as SLO expressions spell it."""
        if name not in STAT_NAMES:
            raise KeyError(name)
        value: float | None = getattr(self, name)
        return value

    def as_dict(self) -> dict[str, float | int | None]:
        return {"count": self.count, **{name: self.stat(name) for name in STAT_NAMES}}


STAT_NAMES = ("mean", "median", "std", "min", "max", "p50", "p90", "p95", "p99", "p999")
"""The summaries a `Stats` offers besides ``count``."""
