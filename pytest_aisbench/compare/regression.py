"""The two regression thresholds and their verdicts.

Accuracy (``--aisbench-max-regression``): a number is the largest absolute drop allowed
(``0.02``: two points); ``significant`` fails any drop that McNemar's test finds significant
at `ALPHA`, however small, and passes any drop it does not, however large (a small dataset
cannot show a real difference, and a fixed number would fail it on noise).

Perf (``--aisbench-max-perf-regression``): the largest relative increase of a latency figure
allowed (``0.10``: ten percent slower).
"""

from __future__ import annotations

from typing import Literal

SIGNIFICANT: Literal["significant"] = "significant"
ALPHA = 0.05
"""The significance level of ``significant``."""
_EPSILON = 1e-12
"""Float slack, so that a drop of exactly the threshold (1.0 -> 0.98 against 0.02) passes."""

MaxRegression = float | Literal["significant"]


def parse_max_regression(text: str) -> MaxRegression:
    """``0.02`` or ``significant``; a `ValueError` saying what is allowed otherwise."""
    if text.strip().lower() == SIGNIFICANT:
        return SIGNIFICANT
    value = _non_negative(text, f"a number or {SIGNIFICANT!r} (e.g. 0.02)")
    if value > 1.0:
        raise ValueError(f"{text!r} is more than 1 (an accuracy drop is a fraction, e.g. 0.02)")
    return value


def parse_max_perf_regression(text: str) -> float:
    """``0.10``: a relative increase >= 0."""
    return _non_negative(text, "a relative increase such as 0.10")


def _non_negative(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not {what}") from None
    if not 0.0 <= value < float("inf"):
        raise ValueError(f"{text!r} is not {what}: it must be >= 0 and finite")
    return value


def accuracy_regressed(delta: float, p_value: float, threshold: MaxRegression) -> bool:
    """Whether a change of `delta` (current - baseline) with McNemar's `p_value` fails."""
    if threshold == SIGNIFICANT:
        return delta < 0 and p_value < ALPHA
    return -delta > float(threshold) + _EPSILON


def perf_regressed(change: float, threshold: float) -> bool:
    """Whether a relative latency change (current / baseline - 1) fails."""
    return change > threshold + _EPSILON


def describe(threshold: MaxRegression) -> str:
    """The threshold as a message says it."""
    if threshold == SIGNIFICANT:
        return f"a significant drop (McNemar p < {ALPHA})"
    return f"a drop of more than {float(threshold):.1%}"
