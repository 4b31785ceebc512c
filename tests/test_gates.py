"""Accuracy gates: the Wilson interval on literal numbers, grouping, verdicts and the table."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from pytest_aisbench.gates import Z_95, AccuracyGate, accuracy_gates, format_table, wilson_interval
from pytest_aisbench.records import SampleRecord


def textbook_wilson(k: int, n: int, z: float) -> tuple[float, float]:
    """(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), clipped to [0, 1]."""
    p = k / n
    center = p + z**2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return max(0.0, (center - spread) / (1 + z**2 / n)), min(
        1.0, (center + spread) / (1 + z**2 / n)
    )


def record(
    model: str, dataset: str, index: int, outcome: str, min_accuracy: float | None = None
) -> SampleRecord:
    return SampleRecord(
        model=model,
        dataset=dataset,
        index=index,
        outcome=outcome,  # type: ignore[arg-type]
        prediction="",
        reasoning="",
        extracted=None,
        reference="1",
        error="boom" if outcome == "error" else "",
        finish_reason="stop",
        input_tokens=None,
        output_tokens=None,
        token_source="",
        attempts=1,
        ttft_s=None,
        e2el_s=None,
        min_accuracy=min_accuracy,
    )


def gate(
    *outcomes: str, min_accuracy: float | None = None, max_error_rate: float = 1.0
) -> AccuracyGate:
    """The one gate of model m on dataset d with these outcomes in index order; errors are
    allowed unless `max_error_rate` says otherwise (its own tests are at the end)."""
    [result] = accuracy_gates(
        [record("m", "d", i, o, min_accuracy) for i, o in enumerate(outcomes)],
        max_error_rate=max_error_rate,
    )
    return result


# -- wilson_interval ------------------------------------------------------------------------


def test_z_95_is_the_two_sided_normal_quantile() -> None:
    assert NormalDist().inv_cdf(0.975) == pytest.approx(Z_95, abs=1e-12)
    assert round(Z_95, 4) == 1.96


@pytest.mark.parametrize(
    ("successes", "n", "expected"),
    [
        (0, 8, (0.0, 0.3244)),
        (8, 8, (0.6756, 1.0)),
        (5, 10, (0.2366, 0.7634)),
        (3, 4, (0.3006, 0.9544)),
        (1, 1, (0.2065, 1.0)),
        (50, 100, (0.4038, 0.5962)),
    ],
)
def test_wilson_interval_on_literal_numbers(
    successes: int, n: int, expected: tuple[float, float]
) -> None:
    low, high = wilson_interval(successes, n)
    assert (round(low, 4), round(high, 4)) == expected
    assert (low, high) == pytest.approx(textbook_wilson(successes, n, Z_95), abs=1e-12)


def test_wilson_interval_is_clipped_exactly_at_the_ends() -> None:
    assert wilson_interval(0, 8)[0] == 0.0
    assert wilson_interval(8, 8)[1] == 1.0


def test_wilson_interval_of_no_sample_is_everything() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_interval_with_another_z() -> None:
    low, high = wilson_interval(5, 10, z=1.0)
    assert (low, high) == pytest.approx(textbook_wilson(5, 10, 1.0), abs=1e-12)
    assert (round(low, 4), round(high, 4)) == (0.3492, 0.6508)


def test_wilson_interval_is_symmetric_around_one_half() -> None:
    low, high = wilson_interval(2, 10)
    mirror_low, mirror_high = wilson_interval(8, 10)
    assert low == pytest.approx(1 - mirror_high, abs=1e-12)
    assert high == pytest.approx(1 - mirror_low, abs=1e-12)


# -- accuracy_gates -----------------------------------------------------------------------------


def test_one_gate_per_model_and_dataset_in_sorted_order() -> None:
    records = [
        record("b", "gsm8k", 0, "correct"),
        record("a", "mmlu", 1, "incorrect"),
        record("a", "gsm8k", 1, "correct"),
        record("a", "mmlu", 0, "correct"),
        record("a", "gsm8k", 0, "no_answer"),
    ]
    gates = accuracy_gates(records)
    assert [(g.model, g.dataset, g.n) for g in gates] == [
        ("a", "gsm8k", 2),
        ("a", "mmlu", 2),
        ("b", "gsm8k", 1),
    ]


def test_counts_name_every_outcome_even_when_zero() -> None:
    assert gate("correct", "truncated", "truncated").counts == {
        "correct": 1,
        "incorrect": 0,
        "no_answer": 0,
        "truncated": 2,
        "error": 0,
    }


def test_errors_are_left_out_of_the_denominator() -> None:
    result = gate("correct", "correct", "correct", "incorrect", "error", "error")
    assert (result.n, result.scored) == (6, 4)
    assert result.accuracy == 0.75
    assert result.interval == wilson_interval(3, 4)


def test_non_correct_outcomes_count_as_misses() -> None:
    result = gate("correct", "incorrect", "no_answer", "truncated")
    assert result.accuracy == 0.25


def test_only_errors_give_no_accuracy() -> None:
    result = gate("error", "error")
    assert (result.n, result.scored, result.accuracy) == (2, 0, None)
    assert result.interval == (0.0, 1.0)


def test_no_records_give_no_gates() -> None:
    assert accuracy_gates([]) == []


@pytest.mark.parametrize(
    ("min_accuracy", "verdict"),
    [(None, "-"), (0.5, "PASS"), (0.75, "PASS"), (0.76, "FAIL"), (0.0, "PASS")],
)
def test_verdict_against_the_threshold(min_accuracy: float | None, verdict: str) -> None:
    result = gate("correct", "correct", "correct", "incorrect", min_accuracy=min_accuracy)
    assert result.verdict == verdict


def test_no_scored_sample_fails_a_gate_and_shows_dash_without_one() -> None:
    assert gate("error", min_accuracy=0.0).verdict == "FAIL"
    assert gate("error").verdict == "-"


def test_threshold_is_the_largest_of_the_records_thresholds() -> None:
    records = [
        record("m", "d", 0, "correct", 0.5),
        record("m", "d", 1, "correct", None),
        record("m", "d", 2, "incorrect", 0.7),
    ]
    [result] = accuracy_gates(records)
    assert result.min_accuracy == 0.7
    assert result.verdict == "FAIL"


def test_name_explain_and_dict() -> None:
    result = gate("correct", "correct", "correct", "incorrect", "error", min_accuracy=0.8)
    assert result.name == "gate[m-d]"
    assert result.explain() == ("accuracy 75.0% < min 80.0% for m on d (95% CI 30.1%-95.4%, n=4)")
    low, high = wilson_interval(3, 4)
    assert result.to_dict() == {
        "model": "m",
        "dataset": "d",
        "n": 5,
        "total": None,
        "scored": 4,
        "counts": {"correct": 3, "incorrect": 1, "no_answer": 0, "truncated": 0, "error": 1},
        "accuracy": 0.75,
        "ci95": [low, high],
        "min_accuracy": 0.8,
        "error_rate": 0.2,
        "max_error_rate": 1.0,
        "verdict": "FAIL",
    }


def test_explain_without_scored_samples() -> None:
    assert gate("error", min_accuracy=0.5).explain() == (
        "accuracy n/a (no scored sample) < min 50.0% for m on d (95% CI 0.0%-100.0%, n=0)"
    )


# -- format_table --------------------------------------------------------------------------------


def test_table_has_a_header_and_one_aligned_line_per_gate() -> None:
    gates = accuracy_gates(
        [
            record("model_a", "demo_gsm8k", 0, "correct", 0.5),
            record("model_a", "demo_gsm8k", 1, "correct", 0.5),
            record("model_a", "demo_gsm8k", 2, "correct", 0.5),
            record("model_a", "demo_gsm8k", 3, "incorrect", 0.5),
            record("model_a", "demo_gsm8k", 4, "error", 0.5),
            record("b", "d", 0, "error"),
        ],
        max_error_rate=1.0,
    )
    lines = format_table(gates)
    assert len(lines) == 3
    assert lines[0].split() == [
        "model",
        "dataset",
        "n",
        "correct",
        "incorrect",
        "no_answer",
        "truncated",
        "error",
        "accuracy",
        "95%",
        "CI",
        "min",
        "max",
        "error",
        "verdict",
    ]
    assert lines[1].split() == [
        "b",
        "d",
        "1",
        "0",
        "0",
        "0",
        "0",
        "1",
        "n/a",
        "0.0%-100.0%",
        "-",
        "100%",
        "-",
    ]
    assert lines[2].split() == [
        "model_a",
        "demo_gsm8k",
        "5",
        "3",
        "1",
        "0",
        "0",
        "1",
        "75.0%",
        "30.1%-95.4%",
        "50.0%",
        "100%",
        "PASS",
    ]
    # columns line up: each cell starts where its header starts
    verdict_at, accuracy_at = lines[0].index("verdict"), lines[0].index("accuracy")
    assert lines[1].rstrip().rindex("-") == verdict_at
    assert lines[2].index("PASS") == verdict_at
    assert lines[1].index("n/a") == accuracy_at
    assert lines[2].index("75.0%") == accuracy_at


def test_table_of_no_gates_is_the_header_only() -> None:
    assert len(format_table([])) == 1


def test_a_gate_over_a_subset_says_how_many_samples_it_covers() -> None:
    records = [record("m", "demo", 0, "correct"), record("m", "demo", 1, "incorrect")]
    (gate,) = accuracy_gates(records, {"demo": 8})
    assert (gate.n, gate.total, gate.partial, gate.coverage) == (2, 8, True, "2 of 8")
    assert gate.to_dict()["total"] == 8
    (whole,) = accuracy_gates(records, {"demo": 2})
    assert (whole.partial, whole.coverage) == (False, "2")
    assert "2 of 8" in format_table([gate])[1]


def test_errors_beyond_the_max_error_rate_fail_the_gate_whatever_the_accuracy() -> None:
    # 55 % of the samples errored: the accuracy of the rest (100 %) must not pass the run
    failing = gate(*["error"] * 11, *["correct"] * 9, min_accuracy=0.75, max_error_rate=0.0)
    assert (failing.verdict, failing.accuracy, failing.error_rate) == ("FAIL", 1.0, 0.55)
    assert failing.explain() == (
        "11 of 20 samples of m on d ended in error (55.0% > max 0.0%, --aisbench-max-error-rate)"
    )
    assert gate("error", "correct", max_error_rate=0.5).verdict == "-"
    assert gate("error", "correct", "correct", max_error_rate=0.5).verdict == "-"
    assert gate("error", "error", "correct", max_error_rate=0.5).verdict == "FAIL"
    assert gate("correct", max_error_rate=0.0).to_dict()["max_error_rate"] == 0.0
