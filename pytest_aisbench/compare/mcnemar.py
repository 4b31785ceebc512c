"""McNemar's test for two paired proportions: did the discordant samples split evenly?

Two answers to the same samples are not independent (an easy question is easy for both), so
two accuracies are compared on their discordant pairs only: ``b`` samples only the first got
right, ``c`` only the second. Under "no difference" each discordant sample is a fair coin,
so ``b`` follows Binomial(b + c, 1/2).

- Few discordant pairs (``b + c < EXACT_BELOW``): the exact two-sided binomial p-value, twice
  the smaller tail, capped at 1. The chi-square approximation is poor there.
- Otherwise: the chi-square statistic with Edwards' continuity correction,
  ``(|b - c| - 1)^2 / (b + c)``, one degree of freedom, whose upper tail is
  ``erfc(sqrt(x / 2))``, so no scipy is needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

EXACT_BELOW = 25
"""Discordant pairs below which the exact binomial test is used (the usual rule of thumb:
the chi-square approximation wants b + c of at least 25)."""

TestName = Literal["mcnemar-exact", "mcnemar-chi2"]


@dataclass(frozen=True)
class McNemar:
    """The p-value of McNemar's test and which form of it gave the value."""

    p_value: float
    test: TestName


def exact_p(b: int, c: int) -> float:
    """Two-sided exact binomial p-value of `b` against `c` (1.0 when there is no discordant
    pair); computed with fractions so that small counts are exact."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1))
    return float(min(Fraction(1), Fraction(2 * tail, 2**n)))


def chi2_p(b: int, c: int) -> float:
    """p-value of the continuity-corrected chi-square statistic (one degree of freedom)."""
    n = b + c
    if n == 0:
        return 1.0
    statistic = max(abs(b - c) - 1, 0) ** 2 / n
    return math.erfc(math.sqrt(statistic / 2))


def mcnemar(b: int, c: int) -> McNemar:
    """McNemar's test on `b` (only the first right) and `c` (only the second right)."""
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be >= 0, got b={b}, c={c}")
    if b + c < EXACT_BELOW:
        return McNemar(exact_p(b, c), "mcnemar-exact")
    return McNemar(chi2_p(b, c), "mcnemar-chi2")
