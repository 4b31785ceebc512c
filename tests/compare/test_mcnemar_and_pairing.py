"""McNemar's test against values worked out from the binomial formula, and the pairing rules."""

from __future__ import annotations

import math

import pytest

from pytest_aisbench.compare import EXACT_BELOW, mcnemar, pair, parse_max_regression
from pytest_aisbench.compare.mcnemar import chi2_p, exact_p
from pytest_aisbench.compare.regression import accuracy_regressed, parse_max_perf_regression
from pytest_aisbench.records import SampleRecord


@pytest.mark.parametrize(
    ("b", "c", "p"),
    [
        (1, 9, 22 / 1024),  # 2 * (C(10,0) + C(10,1)) / 2^10 = 0.021484375
        (0, 5, 2 / 32),  # 2 * C(5,0) / 2^5 = 0.0625
        (3, 3, 1.0),  # twice the tail passes 1: capped
        (0, 0, 1.0),  # nothing discordant: no evidence of a difference
        (2, 10, 2 * (1 + 12 + 66) / 4096),  # 0.03857421875
    ],
)
def test_exact_p_is_twice_the_smaller_binomial_tail(b: int, c: int, p: float) -> None:
    assert exact_p(b, c) == p
    assert exact_p(c, b) == p  # two-sided: symmetric
    assert mcnemar(b, c).test == "mcnemar-exact"


def test_chi_square_with_continuity_correction_from_25_discordant_pairs() -> None:
    # b=10, c=20: (|10 - 20| - 1)^2 / 30 = 2.7; P(chi2_1 > 2.7) = erfc(sqrt(1.35)) = 0.10035
    result = mcnemar(10, 20)
    assert result.test == "mcnemar-chi2" and EXACT_BELOW == 25
    assert result.p_value == pytest.approx(0.100348, abs=1e-6)
    assert chi2_p(5, 45) == pytest.approx(math.erfc(math.sqrt(39**2 / 50 / 2)))
    assert mcnemar(12, 12).test == "mcnemar-exact"  # 24 < 25
    assert mcnemar(13, 12).test == "mcnemar-chi2"
    # the approximation is close to the exact value where it takes over
    assert chi2_p(10, 15) == pytest.approx(exact_p(10, 15), rel=0.02)


def record(dataset: str, index: int, outcome: str, model: str = "m") -> SampleRecord:
    return SampleRecord(model, dataset, index, outcome, "", "", None, None, "", None,  # type: ignore[arg-type]
                        None, None, "", 1, None, None)  # fmt: skip


def test_pairing_keeps_samples_scored_on_both_sides_and_names_the_flips() -> None:
    now = [
        record("d", 0, "correct"), record("d", 1, "incorrect"), record("d", 2, "truncated"),
        record("d", 3, "correct"), record("d", 4, "error"), record("d", 5, "correct"),
        record("e", 0, "incorrect"),  # another dataset: not in scope
    ]  # fmt: skip
    before = [
        record("d", 0, "correct"), record("d", 1, "correct"), record("d", 2, "correct"),
        record("d", 3, "no_answer"), record("d", 4, "correct"),  # errored now: not paired
        record("d", 6, "correct"),  # did not run now: not paired
    ]  # fmt: skip
    paired = pair(now, before, {"d"})
    assert (paired.n_paired, paired.both_correct, paired.neither) == (4, 1, 0)
    assert paired.only_model == (("d", 3),)  # newly right
    assert paired.only_other == (("d", 1), ("d", 2))  # newly wrong: truncated is wrong
    assert paired.unpaired == 3  # d-4 (error now), d-5 (only now), d-6 (only before)
    assert (paired.accuracy, paired.other_accuracy, paired.delta) == (0.5, 0.75, -0.25)
    assert paired.test.p_value == 1.0  # 1 against 2 flips


def test_the_last_record_of_a_sample_counts_and_an_error_after_an_answer_unpairs_it() -> None:
    now = [record("d", 0, "incorrect"), record("d", 0, "correct"), record("d", 1, "correct"),
           record("d", 1, "error")]  # fmt: skip
    paired = pair(now, [record("d", 0, "correct"), record("d", 1, "correct")], {"d"})
    assert (paired.n_paired, paired.both_correct) == (1, 1)


def test_a_group_pairs_the_union_of_its_subsets() -> None:
    now = [record("a", 0, "incorrect"), record("b", 0, "incorrect"), record("c", 0, "correct")]
    before = [record("a", 0, "correct"), record("b", 0, "correct"), record("c", 0, "correct")]
    paired = pair(now, before, ("a", "b"))
    assert paired.only_other == (("a", 0), ("b", 0)) and paired.n_paired == 2


def test_nothing_paired_has_no_accuracy() -> None:
    paired = pair([record("d", 0, "error")], [record("d", 0, "correct")], {"d"})
    assert (paired.n_paired, paired.accuracy, paired.delta) == (0, None, None)


@pytest.mark.parametrize(
    ("threshold", "delta", "p", "fails"),
    [
        (0.02, -0.02, 0.5, False),  # exactly the allowed drop
        (0.02, -0.0201, 0.5, True),
        (0.02, 0.3, 0.0, False),  # a gain never fails
        ("significant", -0.01, 0.04, True),
        ("significant", -0.30, 0.06, False),  # a large drop McNemar cannot tell from noise
        ("significant", 0.30, 0.001, False),
    ],
)
def test_regression_verdicts(threshold: float | str, delta: float, p: float, fails: bool) -> None:
    assert accuracy_regressed(delta, p, parse_max_regression(str(threshold))) is fails


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "'abc' is not a number or 'significant' (e.g. 0.02)"),
        ("-0.1", "'-0.1' is not a number or 'significant' (e.g. 0.02): it must be >= 0"),
        ("2", "'2' is more than 1"),
    ],
)
def test_bad_thresholds_say_what_is_allowed(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_max_regression(text)
    assert parse_max_regression(" Significant ") == "significant"
    assert parse_max_perf_regression("0.1") == 0.1
