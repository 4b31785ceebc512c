"""GPQA: the release's CSV layout, AISBench's option rotation and seeded permutations, the
evaluator and the simple-eval answer extraction."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from dataset_fixtures import write_gpqa

from pytest_aisbench.datasets.gpqa import (
    GPQA_Simple_Eval_postprocess,
    GPQADataset,
    GPQAEvaluator,
    GPQASimpleEvalDataset,
)
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS

QUESTIONS = [
    ("What is 2+2?", "4", "3", "5", "22"),
    ('Which gas, "noble" by name, is lightest?', "Helium", "Neon", "Argon", "Xenon"),
    ("Spin of an electron?", "1/2", "1", "0", "3/2"),
]


def test_rows_rotate_the_options_by_position(tmp_path: Path) -> None:
    rows = GPQADataset.load(str(write_gpqa(tmp_path, QUESTIONS)), name="gpqa_diamond.csv")
    # row 1 is shown BCDA, row 2 CDAB, row 3 DABC: the correct option (listed first) moves
    assert rows == [
        {"question": "What is 2+2?", "A": "3", "B": "5", "C": "22", "D": "4", "answer": "D"},
        {
            "question": 'Which gas, "noble" by name, is lightest?',
            "A": "Argon",
            "B": "Xenon",
            "C": "Helium",
            "D": "Neon",
            "answer": "C",
        },
        {"question": "Spin of an electron?", "A": "3/2", "B": "1/2", "C": "1", "D": "0"}
        | {"answer": "B"},
    ]


def test_simple_eval_repeats_four_times_with_seeded_permutations(tmp_path: Path) -> None:
    rows = GPQASimpleEvalDataset.load(str(write_gpqa(tmp_path, QUESTIONS)), name="gpqa_diamond.csv")
    assert len(rows) == 12
    assert [r["question"] for r in rows[:4]] == [q[0] for q in QUESTIONS] + [QUESTIONS[0][0]]
    rng = random.Random(0)
    for row, question in zip(rows, QUESTIONS * 4, strict=True):
        permutation = rng.sample(range(4), 4)
        assert row["permutation"] == permutation
        assert [row[x] for x in "ABCD"] == [question[1 + i] for i in permutation]
        assert row[row["answer"]] == question[1]


def test_a_duplicate_option_gives_the_first_letter_showing_the_correct_text(
    tmp_path: Path,
) -> None:
    folder = write_gpqa(tmp_path, [("Q?", "same", "other", "same", "x")])
    (row,) = GPQADataset.load(str(folder), name="gpqa_diamond.csv")
    # shown BCDA: A=other, B=same (incorrect 2), C=x, D=same (correct): B is taken
    assert (row["B"], row["D"], row["answer"]) == ("same", "same", "B")


def test_a_question_over_several_lines_keeps_its_newlines(tmp_path: Path) -> None:
    folder = write_gpqa(tmp_path, [("First line\nsecond line", "a", "b", "c", "d")])
    (row,) = GPQADataset.load(str(folder), name="gpqa_diamond.csv")
    assert row["question"] == "First line\nsecond line"


def test_evaluator_and_postprocessor() -> None:
    result = GPQAEvaluator().score(["D", "A", None], ["D", "B", "C"])
    assert [d["correct"] for d in result["details"]] == [True, False, False]
    assert result["accuracy"] == pytest.approx(100 / 3)
    assert "error" in GPQAEvaluator().score(["A"], [])
    assert GPQA_Simple_Eval_postprocess("Reasoning...\nanswer: c") == "c"
    assert GPQA_Simple_Eval_postprocess("ANSWER:B then Answer: C") == "B"
    assert GPQA_Simple_Eval_postprocess("The answer is (B)") is None


def test_registered_under_aisbench_names() -> None:
    assert GPQADataset in LOAD_DATASET.classes("GPQADataset")
    assert GPQASimpleEvalDataset in LOAD_DATASET.classes("GPQASimpleEvalDataset")
    assert GPQAEvaluator in ICL_EVALUATORS.classes("GPQAEvaluator")
    assert GPQA_Simple_Eval_postprocess in TEXT_POSTPROCESSORS.classes(
        "GPQA_Simple_Eval_postprocess"
    )


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"not found: .*gpqa_main\.csv"):
        GPQADataset.load(str(tmp_path), name="gpqa_main.csv")


def test_malformed_row_names_file_and_line(tmp_path: Path) -> None:
    folder = write_gpqa(tmp_path, QUESTIONS)
    with open(folder / "gpqa_diamond.csv", "a", encoding="utf-8") as f:
        f.write("only,three,cells\n")
    with pytest.raises(DatasetError, match=r"gpqa_diamond\.csv, line 5: 3 cells"):
        GPQADataset.load(str(folder), name="gpqa_diamond.csv")


def test_missing_column_names_it_and_the_columns_found(tmp_path: Path) -> None:
    (tmp_path / "g.csv").write_text("Question,Correct Answer\nQ,A\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"no column 'Incorrect Answer 1'.*'Question'"):
        GPQADataset.load(str(tmp_path), name="g.csv")
