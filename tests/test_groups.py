"""Groups of datasets on literal numbers: the two averages, where groups are found, the table."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.gates import AccuracyGate, format_table
from pytest_aisbench.groups import (
    SummaryGroup,
    explicit_weighted_average,
    family_groups,
    format_summary,
    group_rows,
    merge_groups,
    naive_average,
    parse_group,
    read_summary_groups,
    summary_notes,
    unknown_gated_groups,
    weighted_average,
)
from pytest_aisbench.records import OUTCOMES


def gate(
    dataset: str,
    correct: int,
    incorrect: int = 0,
    error: int = 0,
    model: str = "m",
    min_accuracy: float | None = None,
    total: int | None = None,
) -> AccuracyGate:
    """The gate of `model` on `dataset` with these counts."""
    counts: dict[str, int] = {o: 0 for o in OUTCOMES}
    counts |= {"correct": correct, "incorrect": incorrect, "error": error}
    return AccuracyGate(model, dataset, counts, min_accuracy, total)


# a: 9 of 10 right (90 %), b: 1 of 2 (50 %)
#   naive_average    (90 + 50) / 2 = 70 %    every subset counts the same
#   weighted_average (9 + 1) / (10 + 2) = 83.3 %    every sample counts the same
GATES = [gate("a", 9, 1), gate("b", 1, 1)]
AB = SummaryGroup("ab", ("a", "b"))


def test_naive_and_weighted_averages_on_literal_numbers() -> None:
    assert naive_average([0.9, 0.5]) == pytest.approx(0.7)
    assert weighted_average([(9, 10), (1, 2)]) == pytest.approx(10 / 12)
    assert explicit_weighted_average({"a": 0.9, "b": 0.5}, {"a": 1, "b": 3}) == pytest.approx(0.6)
    assert naive_average([]) is None and weighted_average([(0, 0)]) is None
    assert (
        explicit_weighted_average({"a": 0.9}, {"a": 0, "b": 3}) is None
    )  # weight 0 counts nothing


def test_a_group_row_has_both_averages_and_they_differ() -> None:
    (row,) = group_rows(GATES, [AB])
    assert (row.naive_average, row.weighted_average) == (pytest.approx(0.7), pytest.approx(10 / 12))
    assert (row.n, row.scored, row.counts["correct"], row.subset_coverage) == (
        12,
        12,
        10,
        "2 subsets",
    )
    assert row.interval == pytest.approx((0.5520, 0.9530), abs=1e-4)  # Wilson over 10 of 12


def test_explicit_weights_are_aisbenchs_weighted_average_over_the_subsets_present() -> None:
    weighted = SummaryGroup("ab-weighted", ("a", "b"), {"a": 1, "b": 3})
    (row,) = group_rows(GATES, [weighted])
    assert row.weighted_average == pytest.approx((0.9 * 1 + 0.5 * 3) / 4)
    assert row.interval is None  # a weighted mean of proportions is not one proportion
    (partial,) = group_rows(GATES[:1], [weighted])
    assert (partial.weighted_average, partial.missing) == (pytest.approx(0.9), ("b",))


def test_errors_are_not_scored_and_a_subset_all_in_error_is_missing() -> None:
    gates = [gate("a", 3, 1, error=4), gate("b", 0, 0, error=2)]
    (row,) = group_rows(gates, [AB])
    assert (row.weighted_average, row.naive_average) == (0.75, 0.75)
    assert (row.missing, row.subset_coverage, row.n, row.scored) == (
        ("b",),
        "1 of 2 subsets",
        10,
        4,
    )


def test_a_group_gate_judges_the_weighted_average() -> None:
    # naive 70 % fails 0.8, weighted 83.3 % passes it: the gate says PASS
    (row,) = group_rows(GATES, [AB], {"ab": 0.8})
    assert (row.verdict, row.name) == ("PASS", "group[m-ab]")
    (row,) = group_rows(GATES, [AB], {"ab": 0.9})
    assert row.verdict == "FAIL"
    assert row.explain() == (
        "weighted_average 83.3% < min 90.0% for m on group ab "
        "(2 subsets; n=12; naive_average 70.0%)"
    )
    assert row.to_dict()["judged"] == "weighted_average"


def test_a_gated_group_that_did_not_run_fails_and_an_ungated_one_has_no_row() -> None:
    other = SummaryGroup("cd", ("c", "d"))
    assert [r.group.name for r in group_rows(GATES, [AB, other])] == ["ab"]
    rows = group_rows(GATES, [AB, other], {"cd": 0.5})
    assert [(r.group.name, r.verdict) for r in rows] == [("ab", "-"), ("cd", "FAIL")]
    assert rows[1].explain() == (
        "weighted_average n/a (no scored sample) < min 50.0% for m on group cd "
        "(0 of 2 subsets; n=0; missing: c, d)"
    )


def test_rows_per_model_and_a_subset_that_ran_in_part() -> None:
    gates = [*GATES, gate("a", 1, 0, model="n", total=10)]
    rows = group_rows(gates, [AB])
    assert [(r.model, r.subset_coverage, r.partial) for r in rows] == [
        ("m", "2 subsets", False),
        ("n", "1 of 2 subsets", True),
    ]
    assert (rows[1].n, rows[1].total) == (1, 10)


# -- AISBench's group dicts ----------------------------------------------------------------------


def test_parse_group_reads_aisbench_forms() -> None:
    pairs = parse_group({"name": "p", "subsets": [("x", "accuracy"), ("y", "accuracy")]}, "f")
    assert (pairs.subsets, pairs.unsupported) == (("x", "y"), "")
    weighted = parse_group({"name": "w", "subsets": ["x", "y"], "weights": {"x": 2, "y": 1}}, "f")
    assert weighted.weights == {"x": 2.0, "y": 1.0}


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        (
            {"name": "g", "subsets": [("x", "f1_score")]},
            "subset 'x' is read by its metric 'f1_score'",
        ),
        ({"name": "g", "subsets": ["x"], "std": True}, "it asks for std=True"),
        ({"name": "g", "ssubsets": ["x"]}, "unknown key 'ssubsets'"),
        ({"name": "g"}, "no 'subsets' list"),
        ({"name": "g", "subsets": ["x"], "weights": {"z": 1}}, "weights name 'z'"),
        ({"name": "g", "subsets": ["x", "y"], "weights": {"x": 1}}, "no weight for 'y'"),
        ({"name": "g", "subsets": ["x"], "weights": {"x": -1}}, "not a number >= 0"),
    ],
)
def test_a_group_this_plugin_cannot_compute_is_kept_with_the_reason(
    entry: dict[str, object], why: str
) -> None:
    group = parse_group(entry, "f")
    assert why in group.unsupported and group.weights is None


def test_a_group_entry_without_a_name_is_an_error_naming_where() -> None:
    with pytest.raises(ConfigError, match=r"groups\.py: x_summary_groups\[1\]: .*string 'name'"):
        parse_group({"subsets": ["a"]}, "groups.py: x_summary_groups[1]")


def test_summary_groups_are_read_from_groups_folders_at_any_depth(tmp_path: Path) -> None:
    (tmp_path / "summarizers" / "groups").mkdir(parents=True)
    (tmp_path / "summarizers" / "groups" / "quiz.py").write_text(
        textwrap.dedent("""
        _parts = ["quiz_" + s for s in ("a", "b")]
        quiz_summary_groups = [dict(name="quiz-ab", subsets=_parts)]
        other_summary_groups = [{"name": "quiz-c", "subsets": ["quiz_c"]}]
        _hidden_summary_groups = [dict(name="hidden", subsets=["x"])]
        """)
    )
    (tmp_path / "quiz").mkdir()
    (tmp_path / "quiz" / "quiz_gen.py").write_text("quiz_summary_groups = [dict(name='no')]")
    groups = read_summary_groups([tmp_path, tmp_path / "missing"])
    assert [(g.name, g.subsets) for g in groups] == [
        ("quiz-ab", ("quiz_a", "quiz_b")),
        ("quiz-c", ("quiz_c",)),
    ]
    assert groups[0].source == f"{tmp_path}/summarizers/groups/quiz.py: quiz_summary_groups[0]"


def test_a_groups_file_that_fails_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "groups").mkdir()
    (tmp_path / "groups" / "bad.py").write_text(
        "x_summary_groups = [dict(name='g', subsets=[undefined])]\n"
    )
    with pytest.raises(ConfigError, match=r"(?s)bad\.py: failed to import:.*NameError"):
        read_summary_groups([tmp_path])
    (tmp_path / "groups" / "bad.py").write_text("x_summary_groups = dict(name='g')\n")
    with pytest.raises(ConfigError, match=r"bad\.py: x_summary_groups must be a list"):
        read_summary_groups([tmp_path])


def test_family_groups_are_named_after_the_config_files_folder(tmp_path: Path) -> None:
    (tmp_path / "quiz").mkdir()
    for name in ("quiz_gen", "quiz_more", "single"):
        (tmp_path / "quiz" / f"{name}.py").touch()
    selections = {
        "quiz_gen": ["quiz_a", "quiz_b"],
        "quiz_more": ["quiz_c", "quiz_a", "quiz_d"],  # one folder: one group
        "single": ["alone"],  # one dataset forms no group
        "/data/custom.jsonl": ["x", "y"],  # not a config file name
        "declared": ["d1", "d2"],  # no such file
    }
    (quiz,) = family_groups(selections, [tmp_path])
    assert (quiz.name, quiz.subsets, quiz.weights) == (
        "quiz",
        ("quiz_a", "quiz_b", "quiz_c", "quiz_d"),
        None,
    )
    assert quiz.source == f"{tmp_path}/quiz/quiz_gen.py, {tmp_path}/quiz/quiz_more.py"


def test_a_summary_group_replaces_the_family_group_of_its_name_and_the_first_of_a_name_wins() -> (
    None
):
    family = SummaryGroup("mmlu", ("a", "b"), source="family")
    first = SummaryGroup("mmlu", ("a", "b", "c"), source="first")
    second = SummaryGroup("mmlu", ("a",), source="second")
    other = SummaryGroup("mmlu-stem", ("a",), source="stem")
    assert [g.source for g in merge_groups([first, second, other], [family])] == ["first", "stem"]
    assert merge_groups([], [family]) == [family]


def test_an_unknown_or_uncomputable_gated_group_is_said_with_the_known_groups() -> None:
    groups = [AB, SummaryGroup("sd", ("a",), source="f.py", unsupported="it asks for std=True")]
    assert unknown_gated_groups({"ab": 0.5}, groups) == ""
    assert "unknown group 'mmlu'; known groups: ab (" in unknown_gated_groups({"mmlu": 0.5}, groups)
    assert unknown_gated_groups({"sd": 0.5}, groups).startswith(
        "--aisbench-group-min-accuracy sd: group 'sd' (f.py) cannot be computed here: "
        "it asks for std"
    )


# -- the table -----------------------------------------------------------------------------------


def test_the_table_folds_subsets_into_their_group_row_and_shows_them_on_request() -> None:
    gates = [*GATES, gate("lone", 1, 1)]
    rows = group_rows(gates, [AB])
    folded = [line.split() for line in format_summary(gates, rows)]
    assert folded[0][8:11] == ["accuracy", "naive_average", "weighted_average"]
    assert folded[1:] == [
        ["m", "lone", "2", "1", "1", "0", "0", "0", "50.0%", "9.5%-90.5%", "-", "0%", "-"],
        ["m", "ab", "(group,", "2", "subsets)", "12", "10", "2", "0", "0", "0",
         "70.0%", "83.3%", "55.2%-95.3%", "-", "-", "-"],
    ]  # fmt: skip
    shown = format_summary(gates, rows, show_subsets=True)
    assert [line.split()[1] for line in shown[1:]] == ["lone", "ab", "a", "b"]
    accuracy_at = shown[0].index("accuracy")
    assert (
        shown[3].index("90.0%") == accuracy_at and shown[3].index(" a ") == shown[2].index("ab") + 1
    )


def test_a_subset_of_two_groups_is_shown_under_the_first_only() -> None:
    rows = group_rows(GATES, [SummaryGroup("first", ("a",)), AB])
    shown = format_summary(GATES, rows, show_subsets=True)
    assert [line.split()[1] for line in shown[1:]] == ["first", "a", "ab", "b"]


def test_without_groups_the_table_is_as_before() -> None:
    assert format_summary(GATES, []) == format_table(GATES)


def test_notes_name_missing_subsets_failed_subset_gates_and_groups_not_computed() -> None:
    gates = [gate("a", 1, 9, min_accuracy=0.5), gate("b", 1, 1)]
    groups = [
        SummaryGroup("abc", ("a", "b", "c")),
        SummaryGroup("x", ("b",), source="g.py", unsupported="why"),
    ]
    rows = group_rows(gates, groups)
    notes = summary_notes(gates, rows, groups)
    assert [text for text, warning in notes if warning] == [
        "m on group abc: 2 of 3 subsets counted (missing: c)",
        "m on group abc: 1 subset gate(s) failed: a",
        "group x (g.py) not shown: why",
    ]
    assert "--aisbench-subsets shows" in notes[0][0] and not notes[0][1]
